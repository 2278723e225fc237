--[[----------------------------------------------------------------------------
aienhance.lrplugin / ExportFilterProvider.lua
Export post-process action "aienhance: suggest edits".

PURPOSE   When the action is added to an export (and enabled), the rendered
          files of the export go to the aienhance backend in one batch. The
          suggestions are applied to the source photos as the history step
          "aienhance" and written as Camera Raw XMP beside the exported files.
          The exported pixels pass through unchanged; on request the backend
          also writes an enhanced copy "<name>-aienhance.<ext>" beside each.
CAVEATS   The suggestion is computed from the rendered export, i.e. relative to
          the photo's current develop settings: best used on unedited photos.

Part of aienhance (MIT licence).
------------------------------------------------------------------------------]]

local LrApplication = import 'LrApplication'
local LrDialogs = import 'LrDialogs'
local LrFileUtils = import 'LrFileUtils'
local LrPathUtils = import 'LrPathUtils'
local LrView = import 'LrView'

local Backend = require 'Backend'
local Selection = require 'Selection'

local provider = {}

provider.exportPresetFields = {
  { key = 'aienhance_enabled', default = true },
  { key = 'aienhance_apply_to_source', default = true },
  { key = 'aienhance_write_xmp', default = true },
  { key = 'aienhance_enhanced_copy', default = false },
}

function provider.sectionForFilterInDialog(f, propertyTable)
  local bind = LrView.bind
  return {
    title = LOC '$$$/AIEnhance/Filter/Section=aienhance',
    f:column {
      bind_to_object = propertyTable,
      spacing = f:control_spacing(),
      f:checkbox {
        title = LOC '$$$/AIEnhance/Filter/Enabled=Suggest edits for the exported photos',
        value = bind 'aienhance_enabled',
      },
      f:checkbox {
        title = LOC '$$$/AIEnhance/Filter/Apply=Apply them to the source photos (history step "aienhance")',
        value = bind 'aienhance_apply_to_source',
        enabled = bind 'aienhance_enabled',
      },
      f:checkbox {
        title = LOC '$$$/AIEnhance/Filter/Xmp=Write them as XMP beside the exported files',
        value = bind 'aienhance_write_xmp',
        enabled = bind 'aienhance_enabled',
      },
      f:checkbox {
        title = LOC '$$$/AIEnhance/Filter/Copy=Also write an enhanced copy (name-aienhance)',
        value = bind 'aienhance_enhanced_copy',
        enabled = bind 'aienhance_enabled',
      },
    },
  }
end

local function enhancedCopyPath(path)
  local extension = LrPathUtils.extension(path)
  local base = LrPathUtils.removeExtension(path) .. '-aienhance'
  if extension and extension ~= '' then return LrPathUtils.addExtension(base, extension) end
  return base
end

--- Pass every rendition through untouched, reporting failed renders.
local function passThrough(filterContext)
  for sourceRendition, renditionToSatisfy in filterContext:renditions() do
    local ok, message = sourceRendition:waitForRender()
    if not ok then renditionToSatisfy:renditionIsDone(false, message) end
  end
end

function provider.postProcessRenderedPhotos(functionContext, filterContext)
  local props = filterContext.propertyTable
  if not props.aienhance_enabled then
    passThrough(filterContext)
    return
  end
  -- The backend reads private copies (the export destination may move or
  -- upload the files as soon as each rendition is passed on). Copies get
  -- generated names, so no exported file name reaches the job's paths twice.
  local folder = Selection.privateFolder(functionContext, 'aienhance-export')
  local entries, items, failures = {}, {}, {}
  local count = 0
  for sourceRendition, renditionToSatisfy in filterContext:renditions() do
    local ok, pathOrMessage = sourceRendition:waitForRender()
    if ok then
      count = count + 1
      local photo = sourceRendition.photo
      local exported = renditionToSatisfy.destinationPath or pathOrMessage
      local extension = LrPathUtils.extension(pathOrMessage)
      local copy = LrPathUtils.child(folder, 'photo-' .. tostring(count) .. '.' .. extension)
      if LrFileUtils.copy(pathOrMessage, copy) then
        local entry = Backend.entryFor(photo, copy)
        if props.aienhance_write_xmp then
          entry.xmp_path = LrPathUtils.replaceExtension(exported, 'xmp')
        end
        if props.aienhance_enhanced_copy then
          entry.render_to = enhancedCopyPath(exported)
        end
        entries[#entries + 1] = entry
        items[#items + 1] = { photo = photo, key = copy, name = LrPathUtils.leafName(exported) }
      else
        failures[#failures + 1] = LrPathUtils.leafName(exported) .. ': '
          .. LOC '$$$/AIEnhance/Error/Copy=cannot read the rendered file'
      end
    else
      renditionToSatisfy:renditionIsDone(false, pathOrMessage)
    end
  end
  if #entries == 0 then
    Backend.reportFailures(failures, count)
    return
  end
  local results, message = Backend.run(entries)
  if not results then
    LrDialogs.message(Backend.TITLE, message, 'critical')
    return
  end
  if props.aienhance_apply_to_source then
    local _, applyFailures = Backend.apply(LrApplication.activeCatalog(), items, results)
    for _, text in ipairs(applyFailures) do failures[#failures + 1] = text end
  else
    for _, item in ipairs(items) do
      local result = results[item.key]
      if type(result) ~= 'table' or type(result.settings) ~= 'table' then
        local reason = type(result) == 'table' and type(result.error) == 'table' and result.error.message
        failures[#failures + 1] = item.name .. ': ' .. tostring(reason or '?')
      end
    end
  end
  Backend.reportFailures(failures, count)
end

return provider
