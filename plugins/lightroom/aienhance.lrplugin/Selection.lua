--[[----------------------------------------------------------------------------
aienhance.lrplugin / Selection.lua
Turns selected photos into backend job entries: the original file where the
backend can read it (raw, DNG, JPEG, TIFF, PNG), else a JPEG that Lightroom
renders into a private temp folder (PSD, HEIC, missing originals, ...).

Part of aienhance (MIT licence).
------------------------------------------------------------------------------]]

local LrExportSession = import 'LrExportSession'
local LrFileUtils = import 'LrFileUtils'
local LrPathUtils = import 'LrPathUtils'

local Backend = require 'Backend'

local Selection = {}

--- Long side of the JPEGs rendered for the backend (it only needs a proxy).
Selection.RENDER_SIZE = 1024

local function renderSettings(folder)
  return {
    LR_format = 'JPEG',
    LR_jpeg_quality = 0.9,
    LR_export_colorSpace = 'sRGB',
    LR_export_destinationType = 'specificFolder',
    LR_export_destinationPathPrefix = folder,
    LR_export_useSubfolder = false,
    LR_collisionHandling = 'rename',
    LR_renamingTokensOn = false,
    LR_size_doConstrain = true,
    LR_size_resizeType = 'longEdge',
    LR_size_maxWidth = Selection.RENDER_SIZE,
    LR_size_maxHeight = Selection.RENDER_SIZE,
    LR_size_units = 'pixels',
    LR_minimizeEmbeddedMetadata = true,
    LR_outputSharpeningOn = false,
    LR_reimportExportedPhoto = false,
    LR_export_postProcessing = 'doNothing',
  }
end

--- A new private folder in Lightroom's temp folder, deleted when `context` ends.
function Selection.privateFolder(context, leaf)
  local folder = Backend.tempPath(leaf)
  LrFileUtils.createAllDirectories(folder)
  context:addCleanupHandler(function()
    if LrFileUtils.exists(folder) then LrFileUtils.delete(folder) end
  end)
  return folder
end

--- Job entries and items for `photos`.
-- Returns entries (for Backend.run), items (for Backend.apply) and an array of
-- failure texts for photos that cannot be enhanced (videos, failed renders).
function Selection.collect(photos, context)
  local entries, items, failures = {}, {}, {}
  local toRender = {}
  for _, photo in ipairs(photos) do
    local fileFormat = photo:getRawMetadata('fileFormat')
    local path = photo:getRawMetadata('path')
    local name = LrPathUtils.leafName(path or '?')
    if fileFormat == 'VIDEO' then
      failures[#failures + 1] = name .. ': ' .. LOC '$$$/AIEnhance/Error/Video=videos are not supported'
    elseif Backend.READABLE_FORMATS[fileFormat] and path and LrFileUtils.exists(path) then
      entries[#entries + 1] = Backend.entryFor(photo, path)
      items[#items + 1] = { photo = photo, key = path, name = name }
    else
      toRender[#toRender + 1] = photo
    end
  end
  if #toRender > 0 then
    local folder = Selection.privateFolder(context, 'aienhance-renders')
    local session = LrExportSession { photosToExport = toRender, exportSettings = renderSettings(folder) }
    session:doExportOnCurrentTask()
    for _, rendition in session:renditions() do
      local photo = rendition.photo
      local name = LrPathUtils.leafName(photo:getRawMetadata('path') or '?')
      local ok, pathOrMessage = rendition:waitForRender()
      if ok then
        entries[#entries + 1] = Backend.entryFor(photo, pathOrMessage)
        items[#items + 1] = { photo = photo, key = pathOrMessage, name = name }
      else
        failures[#failures + 1] = name .. ': ' .. tostring(pathOrMessage)
      end
    end
  end
  return entries, items, failures
end

return Selection
