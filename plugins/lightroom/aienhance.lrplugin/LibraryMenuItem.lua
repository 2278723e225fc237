--[[----------------------------------------------------------------------------
aienhance.lrplugin / LibraryMenuItem.lua
Library > Plug-in Extras > Auto Enhance (aienhance).

PURPOSE   For the selected photos, ask the aienhance backend (one call for the
          whole selection) for suggested develop settings and apply them as a
          history step named "aienhance" (undoable with Edit > Undo).
USAGE     Select photos, run the menu item. Errors are shown in a dialog.
CAVEATS   The backend path is set in File > Plug-in Manager.

Part of aienhance (MIT licence).
------------------------------------------------------------------------------]]

local LrApplication = import 'LrApplication'
local LrDialogs = import 'LrDialogs'
local LrFunctionContext = import 'LrFunctionContext'
local LrProgressScope = import 'LrProgressScope'

local Backend = require 'Backend'
local Selection = require 'Selection'

local function enhanceSelection(context)
  LrDialogs.attachErrorDialogToFunctionContext(context)
  local catalog = LrApplication.activeCatalog()
  local photos = catalog:getTargetPhotos()
  if #photos == 0 then
    LrDialogs.message(Backend.TITLE, LOC '$$$/AIEnhance/NoSelection=Select one or more photos first.', 'info')
    return
  end
  local progress = LrProgressScope {
    title = Backend.TITLE,
    functionContext = context,
  }
  progress:setCaption(LOC '$$$/AIEnhance/Progress/Preparing=Preparing photos')
  local entries, items, failures = Selection.collect(photos, context)
  if progress:isCanceled() then return end
  progress:setPortionComplete(1, 3)

  if #entries > 0 then
    progress:setCaption(LOC('$$$/AIEnhance/Progress/Suggesting=Suggesting edits for ^1 photos', tostring(#entries)))
    local results, message = Backend.run(entries)
    if not results then
      progress:done()
      LrDialogs.message(Backend.TITLE, message, 'critical')
      return
    end
    if progress:isCanceled() then return end
    progress:setPortionComplete(2, 3)
    progress:setCaption(LOC '$$$/AIEnhance/Progress/Applying=Applying settings')
    local _, applyFailures = Backend.apply(catalog, items, results)
    for _, text in ipairs(applyFailures) do failures[#failures + 1] = text end
  end
  progress:done()
  Backend.reportFailures(failures, #photos)
end

LrFunctionContext.postAsyncTaskWithContext('aienhance', enhanceSelection)
