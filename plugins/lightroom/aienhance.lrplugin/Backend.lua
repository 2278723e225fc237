--[[----------------------------------------------------------------------------
aienhance.lrplugin / Backend.lua
Runs the aienhance command-line backend once for a batch of photos and applies
its develop settings.

The contract with the backend (see docs/lightroom.md):
  * the plug-in writes a job file (JSON) listing the photos into Lightroom's
    temp folder under a generated name;
  * it runs ONE command:
        <backend> sidecar --job <job> --suggest --format lightroom-json --out <result>
    with every argument quoted for the platform's shell; photo paths are only
    inside the job file and never reach the command line;
  * the backend writes the result file: {"version": 1, "results": {path:
    {"settings": {...}} or {"error": {"code", "type", "message"}}}};
  * success is exit status 0 (1 = some photos failed, see their errors).
Temp files are deleted on every path.

Part of aienhance (MIT licence).
------------------------------------------------------------------------------]]

local LrFileUtils = import 'LrFileUtils'
local LrPathUtils = import 'LrPathUtils'
local LrPrefs = import 'LrPrefs'
local LrTasks = import 'LrTasks'
local LrDialogs = import 'LrDialogs'
local LrLogger = import 'LrLogger'

local Json = require 'Json'

local logger = LrLogger('aienhance')
logger:enable('logfile')

local Backend = {}

--- Name of the history step (and undo entry) our edits create.
Backend.HISTORY_NAME = 'aienhance'
Backend.TITLE = LOC '$$$/AIEnhance/Title=Auto Enhance (aienhance)'
Backend.PREFS_VERSION = 1
Backend.JOB_VERSION = 1
--- File formats the backend reads itself; others are rendered to JPEG first.
Backend.READABLE_FORMATS = { RAW = true, DNG = true, JPG = true, TIFF = true, PNG = true }
Backend.RAW_FORMATS = { RAW = true, DNG = true }

local MAX_LISTED_FAILURES = 10

function Backend.defaultExecutable()
  if WIN_ENV then return 'aienhance.exe' end
  return 'aienhance'
end

--- The plug-in's preferences, upgraded to the current version.
function Backend.prefs()
  local prefs = LrPrefs.prefsForPlugin()
  if prefs.prefsVersion ~= Backend.PREFS_VERSION then
    if type(prefs.backendPath) ~= 'string' or prefs.backendPath == '' then
      prefs.backendPath = Backend.defaultExecutable()
    end
    prefs.prefsVersion = Backend.PREFS_VERSION
  end
  if type(prefs.backendPath) ~= 'string' or prefs.backendPath == '' then
    prefs.backendPath = Backend.defaultExecutable()
  end
  return prefs
end

--- One argument quoted for the shell LrTasks.execute uses, or nil if it cannot be.
-- POSIX: single quotes, each ' written as '\''. Windows (cmd.exe): double
-- quotes; arguments with ", %, ! or a line break are refused.
function Backend.quote(argument)
  argument = tostring(argument)
  if WIN_ENV then
    if string.find(argument, '["%%!\r\n]') then return nil end
    return '"' .. argument .. '"'
  end
  if string.find(argument, '%z') then return nil end
  local escaped = string.gsub(argument, "'", "'\\''")
  return "'" .. escaped .. "'"
end

--- The command line for `arguments` (all quoted), with stdout sent to
-- `stdoutPath` and stderr to `stderrPath` when given (the same path: both to it).
-- Returns nil and a message when an argument cannot be quoted safely.
function Backend.buildCommand(arguments, stdoutPath, stderrPath)
  local parts = {}
  local function add(argument, prefix)
    local quoted = Backend.quote(argument)
    if not quoted then
      return LOC('$$$/AIEnhance/Error/Unquotable=This path cannot be passed safely to the backend: ^1', tostring(argument))
    end
    parts[#parts + 1] = (prefix or '') .. quoted
  end
  for i = 1, #arguments do
    local problem = add(arguments[i])
    if problem then return nil, problem end
  end
  if stdoutPath then
    local problem = add(stdoutPath, '>')
    if problem then return nil, problem end
  end
  if stderrPath and stderrPath == stdoutPath then
    parts[#parts + 1] = '2>&1'
  elseif stderrPath then
    local problem = add(stderrPath, '2>')
    if problem then return nil, problem end
  end
  local command = table.concat(parts, ' ')
  if WIN_ENV then
    command = '"' .. command .. '"' -- Lightroom on Windows strips one pair of quotes
  end
  return command
end

local function tempPath(leaf)
  local dir = LrPathUtils.getStandardFilePath('temp')
  return LrFileUtils.chooseUniqueFileName(LrPathUtils.child(dir, leaf))
end
Backend.tempPath = tempPath

local function writeFile(path, text)
  local handle, message = io.open(path, 'wb')
  if not handle then return false, message end
  local ok, writeMessage = handle:write(text)
  handle:close()
  if not ok then return false, writeMessage end
  return true
end

local function readFile(path)
  if not path or not LrFileUtils.exists(path) then return nil end
  local handle = io.open(path, 'rb')
  if not handle then return nil end
  local text = handle:read('*a')
  handle:close()
  return text
end

local function removeFiles(paths)
  for _, path in ipairs(paths) do
    if path and LrFileUtils.exists(path) then LrFileUtils.delete(path) end
  end
end

local function firstLine(text)
  if not text then return nil end
  local line = string.match(text, '[^\r\n]+')
  return line
end

--- Run the backend on job `entries` (array of tables: path, file_format,
-- as_shot_temperature, as_shot_tint, xmp_path, render_to).
-- Returns the `results` table (path -> result), or nil and a message for the user.
function Backend.run(entries)
  local prefs = Backend.prefs()
  local jobPath = tempPath('aienhance-job.json')
  local written, writeMessage = writeFile(jobPath, Json.encode({ version = Backend.JOB_VERSION, photos = entries }))
  if not written then
    removeFiles({ jobPath })
    return nil, LOC('$$$/AIEnhance/Error/JobFile=Cannot write the job file: ^1', tostring(writeMessage))
  end
  local resultPath = tempPath('aienhance-result.json')
  local stderrPath = tempPath('aienhance-stderr.txt')
  local arguments = {
    prefs.backendPath, 'sidecar', '--job', jobPath, '--suggest', '--format', 'lightroom-json', '--out', resultPath,
  }
  if type(prefs.model) == 'string' and prefs.model ~= '' then
    arguments[#arguments + 1] = '--model'
    arguments[#arguments + 1] = prefs.model
  end
  local command, commandMessage = Backend.buildCommand(arguments, nil, stderrPath)
  if not command then
    removeFiles({ jobPath })
    return nil, commandMessage
  end
  logger:trace('running: ' .. command)
  local status = LrTasks.execute(command)
  local resultText = readFile(resultPath)
  local stderrText = readFile(stderrPath)
  removeFiles({ jobPath, resultPath, stderrPath })
  logger:trace('exit status ' .. tostring(status))
  if status ~= 0 and stderrText then logger:warn(stderrText) end

  if not resultText then
    return nil, LOC('$$$/AIEnhance/Error/Backend=The aienhance backend did not run (exit status ^1). Check its path in File > Plug-in Manager. ^2',
      tostring(status), firstLine(stderrText) or '')
  end
  local decoded, document = pcall(Json.decode, resultText)
  if not decoded or type(document) ~= 'table' or type(document.results) ~= 'table' then
    return nil, LOC('$$$/AIEnhance/Error/Result=The aienhance backend wrote an unreadable result.')
  end
  return document.results
end

--- Describe one failed result for the user.
local function failureText(name, result)
  local message = LOC '$$$/AIEnhance/Error/NoResult=no result from the backend'
  if type(result) == 'table' and type(result.error) == 'table' and result.error.message then
    message = tostring(result.error.message)
  end
  return name .. ': ' .. message
end

--- Apply the backend's settings to photos, as one history step per photo named
-- Backend.HISTORY_NAME inside one catalog write.
-- `items`: array of { photo = LrPhoto, key = job path, name = label }.
-- Returns the number applied and an array of failure texts.
function Backend.apply(catalog, items, results)
  local toApply, failures = {}, {}
  for _, item in ipairs(items) do
    local result = results[item.key]
    if type(result) == 'table' and type(result.settings) == 'table' then
      toApply[#toApply + 1] = { photo = item.photo, settings = result.settings }
    else
      failures[#failures + 1] = failureText(item.name, result)
    end
  end
  if #toApply > 0 then
    local status = catalog:withWriteAccessDo(Backend.HISTORY_NAME, function()
      for _, each in ipairs(toApply) do
        each.photo:applyDevelopSettings(each.settings, Backend.HISTORY_NAME)
      end
    end, { timeout = 60 })
    if status == 'aborted' then
      failures[#failures + 1] = LOC '$$$/AIEnhance/Error/Catalog=The catalog was busy; no settings were applied.'
      return 0, failures
    end
  end
  return #toApply, failures
end

--- One dialog summarising failures (nothing when there are none).
function Backend.reportFailures(failures, total)
  if #failures == 0 then return end
  local lines = {}
  for i = 1, math.min(#failures, MAX_LISTED_FAILURES) do lines[i] = failures[i] end
  if #failures > MAX_LISTED_FAILURES then
    lines[#lines + 1] = LOC('$$$/AIEnhance/MoreFailures=... and ^1 more', tostring(#failures - MAX_LISTED_FAILURES))
  end
  LrDialogs.message(Backend.TITLE,
    LOC('$$$/AIEnhance/Failures=^1 of ^2 photos were not enhanced:^n^3', tostring(#failures), tostring(total),
      table.concat(lines, '\n')),
    'warning')
end

--- Job entry for a photo whose pixels are read from `path`.
function Backend.entryFor(photo, path)
  local fileFormat = photo:getRawMetadata('fileFormat')
  local entry = { path = path, file_format = fileFormat }
  if Backend.RAW_FORMATS[fileFormat] then
    local current = photo:getDevelopSettings()
    if type(current) == 'table' and current.WhiteBalance == 'As Shot'
        and type(current.Temperature) == 'number' then
      entry.as_shot_temperature = current.Temperature
      if type(current.Tint) == 'number' then entry.as_shot_tint = current.Tint end
    end
  end
  return entry
end

--- Check that the configured backend runs: `<backend> --version`.
-- Returns true and the version text, or false and a message.
function Backend.check()
  local prefs = Backend.prefs()
  local outPath = tempPath('aienhance-version.txt')
  local command, message = Backend.buildCommand({ prefs.backendPath, '--version' }, outPath, outPath)
  if not command then return false, message end
  local status = LrTasks.execute(command)
  local output = readFile(outPath)
  removeFiles({ outPath })
  local version = output and string.match(output, 'aienhance%s+[%w%.%-%+]+')
  if status == 0 and version then return true, version end
  return false, LOC('$$$/AIEnhance/Check/Failed=^1 does not run (exit status ^2).', prefs.backendPath, tostring(status))
end

return Backend
