--[[----------------------------------------------------------------------------
aienhance.lrplugin / PluginInfoProvider.lua
The plug-in's section in File > Plug-in Manager: path of the aienhance backend
executable, the learned model it uses, and a button that checks that it runs.

Part of aienhance (MIT licence).
------------------------------------------------------------------------------]]

local LrDialogs = import 'LrDialogs'
local LrTasks = import 'LrTasks'
local LrView = import 'LrView'

local Backend = require 'Backend'

local function checkBackend()
  LrTasks.startAsyncTask(function()
    local ok, detail = Backend.check()
    if ok then
      LrDialogs.message(Backend.TITLE, LOC('$$$/AIEnhance/Check/Ok=The backend runs: ^1', detail), 'info')
    else
      LrDialogs.message(Backend.TITLE, detail, 'critical')
    end
  end)
end

local function sectionsForTopOfDialog(f, propertyTable)
  local prefs = Backend.prefs()
  local bind = LrView.bind
  return {
    {
      title = LOC '$$$/AIEnhance/Settings/Title=aienhance backend',
      f:column {
        bind_to_object = prefs,
        spacing = f:control_spacing(),
        f:static_text {
          title = LOC '$$$/AIEnhance/Settings/Help=Full path of the aienhance program (for example /usr/local/bin/aienhance or C:\\Program Files\\aienhance\\aienhance.exe).',
          fill_horizontal = 1,
        },
        f:row {
          f:static_text { title = LOC '$$$/AIEnhance/Settings/Path=Backend:' },
          f:edit_field { value = bind 'backendPath', width_in_chars = 40, fill_horizontal = 1 },
        },
        f:row {
          f:static_text { title = LOC '$$$/AIEnhance/Settings/Model=Model:' },
          f:edit_field { value = bind 'model', width_in_chars = 40, fill_horizontal = 1 },
        },
        f:static_text {
          title = LOC '$$$/AIEnhance/Settings/ModelHelp=Empty: the default model. Or the full path of an .onnx model (one trained with aienhance train).',
          fill_horizontal = 1,
        },
        f:row {
          f:push_button {
            title = LOC '$$$/AIEnhance/Settings/Check=Check that it runs',
            action = checkBackend,
          },
          f:push_button {
            title = LOC '$$$/AIEnhance/Settings/Default=Default',
            action = function() prefs.backendPath = Backend.defaultExecutable() end,
          },
        },
      },
    },
  }
end

return {
  sectionsForTopOfDialog = sectionsForTopOfDialog,
}
