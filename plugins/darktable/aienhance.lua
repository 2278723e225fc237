--[[
  aienhance.lua - apply aienhance's suggested edits to the selected images as history steps

  Copyright (C) 2026 the aienhance authors

  Permission is hereby granted, free of charge, to any person obtaining a copy of this software
  and associated documentation files (the "Software"), to deal in the Software without
  restriction, including without limitation the rights to use, copy, modify, merge, publish,
  distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
  Software is furnished to do so, subject to the following conditions: the above copyright
  notice and this permission notice shall be included in all copies or substantial portions of
  the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
]]

--[[
  aienhance

  DESCRIPTION
    Suggests white balance, exposure, tone equalizer, contrast, tone curve, saturation and HSL
    settings for the selected images and appends them to each image's history as ordinary
    darktable modules: every suggestion stays editable, and selecting the history step before
    them takes them back.

  ADDITIONAL SOFTWARE NEEDED FOR THIS SCRIPT
    * the aienhance command line tool (`pip install aienhance`), darktable 4.2 or newer.

  USAGE
    * copy this file to ~/.config/darktable/lua/ and add the line
        require "aienhance"
      to ~/.config/darktable/luarc (or enable it in script_manager if lua-scripts is installed)
    * lighttable: select images, then press "enhance selected images" in the aienhance module
      (right panel), or bind a key to "lua > aienhance" in preferences > shortcuts
    * preferences > lua options > "aienhance executable": path of the `aienhance` program when it
      is not on the PATH (e.g. inside a virtualenv: <venv>/bin/aienhance)
    * preferences > lua options > "aienhance model": the learned model to use, empty for the
      default, or the path of an .onnx model (one trained with `aienhance train`)

  HOW IT WORKS
    One backend call for the whole selection: the image file names are written NUL-separated to
    a list file in a private temp directory, and
      aienhance sidecar --suggest --format dtstyle --files-from LIST --out-dir DIR --result TSV
    writes one .dtstyle per image. Each style is imported (dt.styles.import), applied to its image
    (appends the modules to the history, undoable), then deleted again. File names never appear on
    the command line; the few paths that do are quoted once, where the command is built.

  CAVEATS
    * darktable 4.2 cannot apply an XMP to an image it already knows, hence the styles.
    * The backend runs as one blocking call; cancelling takes effect between images afterwards.
    * Windows quoting follows cmd.exe rules but has not been tested on Windows.

  BUGS, COMMENTS, SUGGESTIONS
    * https://github.com/aienhance/aienhance/issues

  CHANGES
    * 2026-11-22 - first version (darktable 4.2, Lua API 9.0)
    * 2026-12-07 - "aienhance model" preference
]]

local dt = require "darktable"

-- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
-- C O N S T A N T S
-- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -

local MODULE <const> = "aienhance"
local MIN_API_MAJOR <const> = 9
local DEFAULT_EXECUTABLE <const> = "aienhance"
local STYLE_PREFIX <const> = "aienhance "

local gettext = (dt.gettext and dt.gettext.gettext) or function(msgid) return msgid end

local function _(msgid)
  return gettext(msgid)
end

-- API check: use lua-scripts' helper when it is installed, else a plain version test
local has_dtutils, du = pcall(require, "lib/dtutils")
if has_dtutils and du.check_min_api_version then
  du.check_min_api_version("9.0.0", MODULE)
elseif (dt.configuration.api_version_major or 0) < MIN_API_MAJOR then
  dt.print(string.format(_("%s needs darktable 4.2 or newer (Lua API %d)"), MODULE, MIN_API_MAJOR))
  error(MODULE .. ": Lua API " .. tostring(dt.configuration.api_version_string) .. " is too old", 0)
end

local script_data = {}

script_data.metadata = {
  name = _("aienhance"),
  purpose = _("suggest editable corrections for the selected images"),
  author = "the aienhance authors",
  help = "https://github.com/aienhance/aienhance/blob/main/docs/darktable.md"
}

script_data.destroy = nil
script_data.destroy_method = nil
script_data.restart = nil
script_data.show = nil

-- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
-- F U N C T I O N S
-- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -

local function is_windows()
  return dt.configuration.running_os == "windows"
end

-- Quote one argument for a POSIX shell: single quotes, each ' written as '\''.
local function quote_posix(text)
  return "'" .. string.gsub(text, "'", "'\\''") .. "'"
end

-- Quote one argument for cmd.exe: double quotes; refuse what cmd would still interpret.
local function quote_windows(text)
  if string.find(text, '["%%!\r\n]') then
    return nil, string.format(_("cannot pass %s to the command line safely"), text)
  end
  return '"' .. text .. '"'
end

local function quote(text, windows)
  if windows then
    return quote_windows(text)
  end
  return quote_posix(text)
end

-- The backend command line. Every argument is quoted here and nowhere else.
-- `model` (optional) names the learned model: empty or nil for the backend's default.
local function build_command(executable, list_file, out_dir, result_file, style_prefix, windows, model)
  local arguments = {executable, "sidecar", "--suggest", "--format", "dtstyle",
                     "--files-from", list_file, "--out-dir", out_dir, "--result", result_file,
                     "--style-prefix", style_prefix}
  if model and model ~= "" then
    arguments[#arguments + 1] = "--model"
    arguments[#arguments + 1] = model
  end
  local parts = {}
  for _, arg in ipairs(arguments) do
    local quoted, err = quote(arg, windows)
    if not quoted then
      return nil, err
    end
    parts[#parts + 1] = quoted
  end
  local command = table.concat(parts, " ")
  if windows then
    command = '"' .. command .. '"'  -- cmd /c strips one outer pair of quotes
  end
  return command
end

-- A fresh private name for this job's temp files: <base>.list, <base>.tsv, <base>.d/
local function temp_base()
  if is_windows() then
    local dir = os.getenv("TEMP") or os.getenv("TMP") or "."
    return string.format("%s\\aienhance_%d_%d", dir, os.time(), math.random(1, 1000000000))
  end
  local dir = os.getenv("TMPDIR")
  if dir and dir ~= "" then
    return string.format("%s/aienhance_%d_%d", dir, os.time(), math.random(1, 1000000000))
  end
  return os.tmpname()  -- creates the file, so the name is ours
end

local function image_file(image)
  local sep = is_windows() and "\\" or "/"
  return image.path .. sep .. image.filename
end

-- NUL-separated names: any character a file name may hold, newlines included, survives.
local function write_list_file(path, images)
  local handle, err = io.open(path, "wb")
  if not handle then
    return false, err
  end
  for _, image in ipairs(images) do
    handle:write(image_file(image), "\0")
  end
  handle:close()
  return true
end

-- Parse the backend's tab-separated report: index, status, output|message, style name, items.
local function read_result(path)
  local results = {}
  local handle = io.open(path, "rb")
  if not handle then
    return results
  end
  for line in handle:lines() do
    local fields = {}
    for field in string.gmatch(line .. "\t", "([^\t]*)\t") do
      fields[#fields + 1] = field
    end
    local index = tonumber(fields[1])
    if index then
      if fields[2] == "ok" then
        results[index + 1] = {ok = true, output = fields[3], style_name = fields[4],
                              items = tonumber(fields[5]) or 1}
      else
        results[index + 1] = {ok = false, message = fields[3] or _("unknown error")}
      end
    end
  end
  handle:close()
  return results
end

-- Style names are unique per job, so a left-over style can never block an import.
local function new_style_prefix()
  return string.format("%s%d%06d ", STYLE_PREFIX, os.time(), math.random(0, 999999))
end

local function delete_style(style)
  -- darktable-cli 4.2.1 crashes in dt_action_rename when a style is deleted without a GUI,
  -- so headless runs leave the (uniquely named) style in the library.
  if dt.configuration.has_gui then
    style:delete()
  end
end

local function find_style(name)
  for _, style in ipairs(dt.styles) do
    if style.name == name then
      return style
    end
  end
  return nil
end

-- Import one generated .dtstyle, append it to the image's history, remove the style again.
local function apply_style_file(image, style_file, style_name)
  dt.styles.import(style_file)  -- returns nothing in 4.2; look the style up by name
  local style = find_style(style_name)
  if not style then
    return false, string.format(_("could not import %s"), style_file)
  end
  local ok, err = pcall(dt.styles.apply, style, image)
  delete_style(style)
  if not ok then
    return false, tostring(err)
  end
  return true
end

local function remove_files(base, results)
  for _, result in pairs(results) do
    if result.ok and result.output then
      os.remove(result.output)
    end
  end
  os.remove(base .. ".list")
  os.remove(base .. ".tsv")
  os.remove(base .. ".d")
  os.remove(base)
end

local function executable_path()
  local ok, path = pcall(dt.preferences.read, MODULE, "executable", "file")
  if not ok or path == nil or path == "" then
    return DEFAULT_EXECUTABLE
  end
  return path
end

-- The learned model chosen in preferences; "" for the backend's default.
local function model_name()
  local ok, name = pcall(dt.preferences.read, MODULE, "model", "string")
  if not ok or type(name) ~= "string" then
    return ""
  end
  return name
end

-- Enhance `images`; `job` (optional) is a dt.gui job for progress and cancelling.
-- Returns the number of images changed and a list of per-image error messages.
local function enhance_images(images, job, executable)
  local errors = {}
  if #images == 0 then
    return 0, errors
  end
  local base = temp_base()
  local list_file, out_dir, result_file = base .. ".list", base .. ".d", base .. ".tsv"
  local results = {}
  local changed = 0

  local ok, err = write_list_file(list_file, images)
  if not ok then
    errors[#errors + 1] = string.format(_("cannot write %s: %s"), list_file, tostring(err))
    remove_files(base, results)
    return 0, errors
  end
  local command
  command, err = build_command(executable or executable_path(), list_file, out_dir, result_file,
                               new_style_prefix(), is_windows(), model_name())
  if not command then
    errors[#errors + 1] = err
    remove_files(base, results)
    return 0, errors
  end
  dt.print_log(MODULE .. ": running " .. command)
  if job then
    job.percent = 0.05
  end
  local status = dt.control.execute(command)
  results = read_result(result_file)
  if status ~= 0 and next(results) == nil then
    dt.print_log(string.format("%s: backend exit status %s for: %s", MODULE, tostring(status), command))
    errors[#errors + 1] = string.format(_("aienhance failed (exit status %s); is the executable set in preferences?"),
                                        tostring(status))
    remove_files(base, results)
    return 0, errors
  end

  for i, image in ipairs(images) do
    if job then
      if not job.valid then
        break  -- cancelled
      end
      job.percent = 0.5 + 0.5 * (i - 1) / #images
    end
    local result = results[i]
    if not result then
      errors[#errors + 1] = string.format(_("%s: no result"), image.filename)
    elseif not result.ok then
      errors[#errors + 1] = string.format("%s: %s", image.filename, result.message)
    elseif result.items > 0 then
      local applied, apply_err = apply_style_file(image, result.output, result.style_name)
      if applied then
        changed = changed + 1
      else
        errors[#errors + 1] = string.format("%s: %s", image.filename, apply_err)
      end
    end
  end
  remove_files(base, results)
  return changed, errors
end

local function report(changed, total, errors)
  for _, message in ipairs(errors) do
    dt.print_log(MODULE .. ": " .. message)
  end
  if #errors > 0 then
    dt.print(string.format(_("aienhance: %d of %d images enhanced, %d failed (see log)"),
                           changed, total, #errors))
  else
    dt.print(string.format(_("aienhance: %d of %d images enhanced"), changed, total))
  end
end

-- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
-- M A I N
-- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -

local function enhance_action_images()
  local images = {}
  for _, image in ipairs(dt.gui.action_images) do
    images[#images + 1] = image
  end
  if #images == 0 then
    dt.print(_("aienhance: no images selected"))
    return
  end
  local job = dt.gui.create_job(_("aienhance"), true, function(job)
    job.valid = false
  end)
  local ok, changed, errors = pcall(enhance_images, images, job)
  if job.valid then
    job.valid = false
  end
  if not ok then
    dt.print_error(MODULE .. ": " .. tostring(changed))
    dt.print(_("aienhance: internal error (see log)"))
    return
  end
  report(changed, #images, errors)
end

-- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
-- D A R K T A B L E  I N T E G R A T I O N
-- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -

local module_installed = false
local widget = nil

local function install_module()
  if module_installed then
    return
  end
  widget = dt.new_widget("box") {
    orientation = "vertical",
    dt.new_widget("button") {
      label = _("enhance selected images"),
      tooltip = _("add aienhance's suggested corrections to the history of the selected images"),
      clicked_callback = function(_)
        enhance_action_images()
      end
    },
  }
  dt.register_lib(MODULE, _("aienhance"), true, false,
                  {[dt.gui.views.lighttable] = {"DT_UI_CONTAINER_PANEL_RIGHT_CENTER", 100}},
                  widget, nil, nil)
  module_installed = true
end

local function register_shortcut()
  dt.register_event(MODULE, "shortcut", function(_, _)
    enhance_action_images()
  end, _("aienhance: enhance selected images"))
end

local function destroy()
  if dt.gui.libs[MODULE] then
    dt.gui.libs[MODULE].visible = false
  end
  pcall(dt.destroy_event, MODULE, "shortcut")
  pcall(dt.destroy_event, MODULE, "view-changed")
end

local function restart()
  dt.gui.libs[MODULE].visible = true
  register_shortcut()
end

if dt.configuration.has_gui and dt.gui then
  -- (registering a "file" preference without a GUI blocks darktable-cli 4.2, so only here)
  dt.preferences.register(MODULE, "executable", "file", _("aienhance executable"),
                          _("the aienhance program; leave empty to use the one on the PATH"),
                          "")
  dt.preferences.register(MODULE, "model", "string", _("aienhance model"),
                          _("the learned model: empty for the default, or the path of an .onnx "
                            .. "model"),
                          "")
  if dt.gui.current_view().id == "lighttable" then
    install_module()
  else
    dt.register_event(MODULE, "view-changed", function(_, _, new_view)
      if new_view.id == "lighttable" then
        install_module()
      end
    end)
  end
  register_shortcut()
  script_data.destroy = destroy
  script_data.destroy_method = "hide"
  script_data.restart = restart
  script_data.show = restart
end

-- for tests and other scripts: the parts that need no GUI
script_data.internal = {
  quote_posix = quote_posix,
  quote_windows = quote_windows,
  build_command = build_command,
  write_list_file = write_list_file,
  read_result = read_result,
  enhance_images = enhance_images,
  enhance_action_images = enhance_action_images,
  apply_style_file = apply_style_file,
  temp_base = temp_base,
}

return script_data
