--[[----------------------------------------------------------------------------
aienhance.lrplugin / Info.lua
Plug-in description for Lightroom Classic (Lua 5.1, loader environment: only
`string`, LOC, WIN_ENV, MAC_ENV and _VERSION are available here).

Part of aienhance (MIT licence). See docs/lightroom.md for installation.
------------------------------------------------------------------------------]]

return {
  LrSdkVersion = 12.0,
  LrSdkMinimumVersion = 6.0, -- photo:applyDevelopSettings and LrExportFilterProvider

  LrToolkitIdentifier = 'org.aienhance.lightroom',
  LrPluginName = LOC '$$$/AIEnhance/PluginName=aienhance',
  LrAlsoUseBuiltInTranslations = true,

  LrPluginInfoProvider = 'PluginInfoProvider.lua',

  LrLibraryMenuItems = {
    {
      title = LOC '$$$/AIEnhance/MenuTitle=Auto Enhance (aienhance)',
      file = 'LibraryMenuItem.lua',
      enabledWhen = 'photosSelected',
    },
  },

  LrExportFilterProvider = {
    title = LOC '$$$/AIEnhance/FilterTitle=aienhance: suggest edits',
    file = 'ExportFilterProvider.lua',
    id = 'aienhance',
  },

  VERSION = { major = 0, minor = 1, revision = 0, build = 1, display = '0.1.0' },
}
