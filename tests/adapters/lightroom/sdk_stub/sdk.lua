--[[ A stand-in for the Lightroom Classic SDK, for running the aienhance plug-in
under lupa's Lua 5.1. It follows the documented API (signatures and return
values of the SDK API Reference) and records every call that matters to the
tests in RECORD. Host services (running a shell command, file operations,
rendering a JPEG) come from Python through the global HOST table. ]]

RECORD = {
  applied = {}, writeAccess = {}, dialogs = {}, errors = {}, commands = {},
  progress = {}, log = {}, renditionsDone = {}, exports = {},
}

STUB = { tempDir = HOST.tempDir, pluginDir = HOST.pluginDir, prefs = {}, selection = {}, inWrite = false }

local function deepcopy(value)
  if type(value) ~= 'table' then return value end
  local out = {}
  for k, v in pairs(value) do out[k] = deepcopy(v) end
  return out
end

-- globals Lightroom gives plug-in scripts -------------------------------------
WIN_ENV = HOST.winEnv
MAC_ENV = false
_PLUGIN = { id = 'org.aienhance.lightroom', path = HOST.pluginDir, enabled = true }

function LOC(text, ...)
  local args = { ... }
  local body = string.gsub(text, '^%$%$%$/[^=]*=', '')
  body = string.gsub(body, '%^([1-9nr])', function(token)
    if token == 'n' then return '\n' end
    if token == 'r' then return '\r' end
    local value = args[tonumber(token)]
    if value == nil then return '' end
    return tostring(value)
  end)
  return body
end

local namespaces = {}

function import(name)
  local ns = namespaces[name]
  if not ns then error('stub SDK: no namespace ' .. tostring(name), 2) end
  return ns
end

local loaded = {}
function require(name)
  if loaded[name] == nil then
    local chunk, message = loadfile(STUB.pluginDir .. '/' .. name .. '.lua')
    if not chunk then error(message, 2) end
    loaded[name] = chunk()
  end
  return loaded[name]
end

-- LrTasks ----------------------------------------------------------------------
namespaces.LrTasks = {
  execute = function(command)
    RECORD.commands[#RECORD.commands + 1] = command
    return HOST.execute(command)
  end,
  startAsyncTask = function(fn) fn() end,
  pcall = pcall,
  yield = function() end,
  sleep = function() end,
  canYield = function() return true end,
}

-- LrFunctionContext / LrDialogs ------------------------------------------------
local function newContext()
  local context = { cleanups = {}, errorDialog = false }
  function context:addCleanupHandler(fn) self.cleanups[#self.cleanups + 1] = fn end
  function context:addFailureHandler(fn) end
  return context
end

local function runWithContext(fn, ...)
  local context = newContext()
  local ok, message = pcall(fn, context, ...)
  for i = #context.cleanups, 1, -1 do context.cleanups[i](ok, message) end
  if not ok then
    if context.errorDialog then
      namespaces.LrDialogs.showError(message)
    else
      error(message, 0) -- an uncaught error: Lightroom would show its crash dialog
    end
  end
end

namespaces.LrFunctionContext = {
  postAsyncTaskWithContext = function(name, fn) runWithContext(fn) end,
  callWithContext = function(name, fn, ...) runWithContext(fn, ...) end,
}

namespaces.LrDialogs = {
  message = function(title, message, kind)
    RECORD.dialogs[#RECORD.dialogs + 1] = { title = title, message = message, kind = kind or 'info' }
  end,
  showError = function(err)
    RECORD.errors[#RECORD.errors + 1] = tostring(err)
  end,
  attachErrorDialogToFunctionContext = function(context) context.errorDialog = true end,
  confirm = function() return 'ok' end,
}

-- LrProgressScope --------------------------------------------------------------
namespaces.LrProgressScope = setmetatable({}, {
  __call = function(_, params)
    local scope = { title = params.title, captions = {}, portions = {}, finished = false }
    function scope:setCaption(text) self.captions[#self.captions + 1] = text end
    function scope:setPortionComplete(done, total) self.portions[#self.portions + 1] = done / total end
    function scope:isCanceled() return false end
    function scope:done() self.finished = true end
    RECORD.progress[#RECORD.progress + 1] = scope
    return scope
  end,
})

-- LrPathUtils / LrFileUtils ----------------------------------------------------
namespaces.LrPathUtils = {
  child = function(dir, leaf) return dir .. '/' .. leaf end,
  leafName = function(path) return (string.match(path, '([^/]*)$')) end,
  parent = function(path) return (string.match(path, '^(.*)/[^/]*$')) end,
  extension = function(path)
    local leaf = string.match(path, '([^/]*)$')
    return string.match(leaf, '%.([^%.]*)$') or ''
  end,
  removeExtension = function(path)
    local dir, leaf = string.match(path, '^(.-)([^/]*)$')
    local stem = string.match(leaf, '^(.+)%.[^%.]*$') or leaf
    return dir .. stem
  end,
  addExtension = function(path, extension) return path .. '.' .. extension end,
  getStandardFilePath = function(kind)
    if kind == 'temp' then return STUB.tempDir end
    error('stub SDK: unsupported standard path ' .. tostring(kind))
  end,
}
namespaces.LrPathUtils.replaceExtension = function(path, extension)
  return namespaces.LrPathUtils.removeExtension(path) .. '.' .. extension
end

namespaces.LrFileUtils = {
  exists = function(path) return HOST.exists(path) end,
  delete = function(path) return HOST.delete(path) end,
  copy = function(source, destination) return HOST.copy(source, destination) end,
  createAllDirectories = function(path) return HOST.mkdirs(path) end,
  chooseUniqueFileName = function(path)
    if not HOST.exists(path) then return path end
    local stem = namespaces.LrPathUtils.removeExtension(path)
    local extension = namespaces.LrPathUtils.extension(path)
    local i = 2
    while true do
      local candidate = stem .. '-' .. tostring(i)
      if extension ~= '' then candidate = candidate .. '.' .. extension end
      if not HOST.exists(candidate) then return candidate end
      i = i + 1
    end
  end,
}

-- LrPrefs / LrLogger / LrView ---------------------------------------------------
namespaces.LrPrefs = { prefsForPlugin = function() return STUB.prefs end }

namespaces.LrLogger = setmetatable({}, {
  __call = function(_, name)
    local logger = {}
    local function record(level) return function(self, text) RECORD.log[#RECORD.log + 1] = level .. ': ' .. tostring(text) end end
    logger.enable = function() end
    logger.trace = record('trace')
    logger.info = record('info')
    logger.warn = record('warn')
    logger.error = record('error')
    return logger
  end,
})

local factory = setmetatable({}, {
  __index = function(_, viewType)
    return function(self, props)
      if viewType == 'control_spacing' or viewType == 'label_spacing' or viewType == 'dialog_spacing' then return 8 end
      return { viewType = viewType, props = props or {} }
    end
  end,
})
namespaces.LrView = {
  osFactory = function() return factory end,
  bind = function(key)
    if type(key) == 'table' then return { bind = key.key, object = key.object } end
    return { bind = key }
  end,
}

-- LrApplication, LrCatalog, LrPhoto ----------------------------------------------
local Photo = {}
Photo.__index = Photo

function Photo:getRawMetadata(key) return self.raw[key] end
function Photo:getFormattedMetadata(key) return self.raw[key] end
function Photo:getDevelopSettings() return deepcopy(self.develop) end
function Photo:applyDevelopSettings(settings, historyName, flattenAuto)
  if not STUB.inWrite then error('applyDevelopSettings needs catalog:withWriteAccessDo', 2) end
  if type(settings) ~= 'table' then error('settings must be a table', 2) end
  RECORD.applied[#RECORD.applied + 1] = { path = self.raw.path, settings = deepcopy(settings), history = historyName }
  for k, v in pairs(settings) do self.develop[k] = deepcopy(v) end
end

function STUB.newPhoto(raw, develop)
  return setmetatable({ raw = raw, develop = develop or {} }, Photo)
end

STUB.catalog = {}
function STUB.catalog:getTargetPhotos() return STUB.selection end
function STUB.catalog:getTargetPhoto() return STUB.selection[1] end
function STUB.catalog:withWriteAccessDo(actionName, fn, timeoutParams)
  if STUB.inWrite then error('withWriteAccessDo cannot be nested', 2) end
  RECORD.writeAccess[#RECORD.writeAccess + 1] = actionName
  STUB.inWrite = true
  local ok, message = pcall(fn)
  STUB.inWrite = false
  if not ok then error(message, 0) end
  return 'executed'
end

namespaces.LrApplication = { activeCatalog = function() return STUB.catalog end }

-- LrExportSession (used to render JPEGs of formats the backend cannot read) -------
local function newRendition(photo, destinationPath, failure)
  local rendition = { photo = photo, destinationPath = destinationPath, failure = failure }
  function rendition:waitForRender()
    if self.failure then return false, self.failure end
    return true, self.destinationPath
  end
  function rendition:renditionIsDone(success, message)
    RECORD.renditionsDone[#RECORD.renditionsDone + 1] = { path = self.destinationPath, success = success, message = message }
  end
  return rendition
end

namespaces.LrExportSession = setmetatable({}, {
  __call = function(_, params)
    local session = { params = params, list = {} }
    RECORD.exports[#RECORD.exports + 1] = deepcopy(params.exportSettings)
    function session:doExportOnCurrentTask()
      local settings = self.params.exportSettings
      for _, photo in ipairs(self.params.photosToExport) do
        local path, failure = HOST.render(photo.raw.path, settings.LR_export_destinationPathPrefix,
          settings.LR_size_maxWidth)
        self.list[#self.list + 1] = newRendition(photo, path, failure)
      end
    end
    function session:renditions()
      local i = 0
      return function()
        i = i + 1
        if self.list[i] then return i, self.list[i] end
      end
    end
    return session
  end,
})

-- export filter context ----------------------------------------------------------
-- items: array of { photo = STUB photo, rendered = path, destination = path, failure = text }
function STUB.newFilterContext(propertyTable, items)
  local context = { propertyTable = propertyTable }
  function context:renditions()
    local i = 0
    return function()
      i = i + 1
      local item = items[i]
      if not item then return nil end
      local source = newRendition(item.photo, item.rendered, item.failure)
      local target = newRendition(item.photo, item.destination, nil)
      return source, target
    end
  end
  return context
end

function STUB.runFile(name)
  local chunk, message = loadfile(STUB.pluginDir .. '/' .. name)
  if not chunk then error(message, 0) end
  return chunk()
end
