-- A stand-in for darktable's Lua API (4.2, API 9.0) for the GUI parts of aienhance.lua.
-- `execute` is supplied by the test (it runs the command under sh -c). Records every call.
local M = {}

function M.new(execute, options)
  options = options or {}
  local calls = {prints = {}, logs = {}, errors = {}, libs = {}, events = {}, prefs = {},
                 imported = {}, applied = {}, deleted = {}, jobs = {}, commands = {}}
  local styles = {}

  local function style_delete(self)
    for i, s in ipairs(styles) do
      if s == self then
        table.remove(styles, i)
        calls.deleted[#calls.deleted + 1] = self.name
        return
      end
    end
  end

  styles.import = function(filename)
    calls.imported[#calls.imported + 1] = filename
    local handle = io.open(filename, "rb")
    if not handle then return end
    local text = handle:read("a")
    handle:close()
    local name = string.match(text, "<name>(.-)</name>")
    if name then
      styles[#styles + 1] = {name = name, file = filename, content = text, delete = style_delete}
    end
  end
  styles.apply = function(style, image)
    calls.applied[#calls.applied + 1] = {style = style.name, image = image.filename, content = style.content}
  end

  local views = {lighttable = {id = "lighttable", name = "lighttable"},
                 darkroom = {id = "darkroom", name = "darkroom"}}
  local dt = {
    configuration = {api_version_major = 9, api_version_minor = 0, api_version_string = "9.0.0",
                     version = "4.2.1", running_os = options.running_os or "linux", has_gui = true},
    print = function(msg) calls.prints[#calls.prints + 1] = msg end,
    print_log = function(msg) calls.logs[#calls.logs + 1] = msg end,
    print_error = function(msg) calls.errors[#calls.errors + 1] = msg end,
    gettext = {gettext = function(s) return s end},
    preferences = {
      register = function(...) calls.prefs[#calls.prefs + 1] = {...} end,
      read = function(module, name, kind)
        if name == "model" then return options.model or "" end
        return options.executable or ""
      end,
      write = function() end,
    },
    control = {
      execute = function(command)
        calls.commands[#calls.commands + 1] = command
        if options.on_execute then options.on_execute(calls) end
        return execute(command)
      end,
      ending = false,
    },
    new_widget = function(kind)
      return function(props) props.kind = kind return props end
    end,
    register_lib = function(...)
      calls.libs[#calls.libs + 1] = table.pack(...)
    end,
    register_event = function(name, event, callback, ...)
      calls.events[event] = {name = name, callback = callback, extra = table.pack(...)}
    end,
    destroy_event = function(name, event) calls.events[event] = nil end,
    styles = styles,
    gui = {
      views = views,
      current_view = function() return views[options.view or "lighttable"] end,
      action_images = options.images or {},
      libs = {aienhance = {visible = true}},
      create_job = function(title, cancellable, cancel)
        local job = {title = title, cancellable = cancellable, cancel = cancel, valid = true,
                     percent = 0, history = {}}
        calls.jobs[#calls.jobs + 1] = job
        return setmetatable({}, {
          __index = job,
          __newindex = function(_, key, value)
            if key == "percent" then job.history[#job.history + 1] = value end
            job[key] = value
          end,
        })
      end,
    },
  }
  return dt, calls
end

function M.image(path, filename)
  return {path = path, filename = filename}
end

return M
