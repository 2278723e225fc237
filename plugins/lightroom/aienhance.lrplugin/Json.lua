--[[----------------------------------------------------------------------------
aienhance.lrplugin / Json.lua
A small JSON encoder and decoder for Lua 5.1 (Lightroom has none built in).

* encode(value): tables with keys 1..n are arrays, other tables objects (keys
  must be strings); numbers must be finite; strings are written as UTF-8 with
  control characters, quote and backslash escaped.
* decode(text): the value, or an error "JSON: <reason> at byte <n>". \uXXXX
  escapes (with surrogate pairs) become UTF-8; null becomes Json.null.

Part of aienhance (MIT licence).
------------------------------------------------------------------------------]]

local Json = {}

Json.null = setmetatable({}, { __tostring = function() return 'null' end })

local ESCAPES = {
  ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
  ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t',
}

local function encodeString(s)
  local escaped = string.gsub(s, '[%c"\\]', function(c)
    return ESCAPES[c] or string.format('\\u%04x', string.byte(c))
  end)
  return '"' .. escaped .. '"'
end

local function isArray(t)
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  for i = 1, count do
    if t[i] == nil then return false end
  end
  return true
end

local encodeValue

local function encodeNumber(n)
  if n ~= n or n == math.huge or n == -math.huge then
    error('JSON: cannot encode a non-finite number', 0)
  end
  if math.floor(n) == n and math.abs(n) < 1e15 then
    return string.format('%.0f', n)
  end
  return string.format('%.17g', n)
end

function encodeValue(value, depth)
  if depth > 64 then error('JSON: nesting too deep', 0) end
  local kind = type(value)
  if value == nil or value == Json.null then return 'null' end
  if kind == 'boolean' then return value and 'true' or 'false' end
  if kind == 'number' then return encodeNumber(value) end
  if kind == 'string' then return encodeString(value) end
  if kind ~= 'table' then error('JSON: cannot encode a ' .. kind, 0) end
  local parts = {}
  if isArray(value) then
    for i = 1, #value do parts[i] = encodeValue(value[i], depth + 1) end
    return '[' .. table.concat(parts, ',') .. ']'
  end
  local keys = {}
  for k in pairs(value) do
    if type(k) ~= 'string' then error('JSON: object keys must be strings', 0) end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  for i, k in ipairs(keys) do
    parts[i] = encodeString(k) .. ':' .. encodeValue(value[k], depth + 1)
  end
  return '{' .. table.concat(parts, ',') .. '}'
end

function Json.encode(value)
  return encodeValue(value, 0)
end

-- decoding ---------------------------------------------------------------------

local function fail(reason, pos)
  error('JSON: ' .. reason .. ' at byte ' .. tostring(pos), 0)
end

local function skipSpace(text, pos)
  local _, last = string.find(text, '^[ \t\r\n]*', pos)
  return last + 1
end

local function utf8Char(code)
  if code < 0x80 then return string.char(code) end
  if code < 0x800 then
    return string.char(0xC0 + math.floor(code / 0x40), 0x80 + code % 0x40)
  end
  if code < 0x10000 then
    return string.char(0xE0 + math.floor(code / 0x1000),
      0x80 + math.floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
  end
  return string.char(0xF0 + math.floor(code / 0x40000),
    0x80 + math.floor(code / 0x1000) % 0x40,
    0x80 + math.floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
end

local SIMPLE_ESCAPES = { b = '\b', f = '\f', n = '\n', r = '\r', t = '\t', ['"'] = '"', ['\\'] = '\\', ['/'] = '/' }

local function decodeString(text, pos)
  -- text:sub(pos, pos) == '"'
  local parts = {}
  local i = pos + 1
  while true do
    local nextSpecial = string.find(text, '["\\%c]', i)
    if not nextSpecial then fail('unterminated string', pos) end
    parts[#parts + 1] = string.sub(text, i, nextSpecial - 1)
    local c = string.sub(text, nextSpecial, nextSpecial)
    if c == '"' then
      return table.concat(parts), nextSpecial + 1
    elseif c == '\\' then
      local e = string.sub(text, nextSpecial + 1, nextSpecial + 1)
      if SIMPLE_ESCAPES[e] then
        parts[#parts + 1] = SIMPLE_ESCAPES[e]
        i = nextSpecial + 2
      elseif e == 'u' then
        local hex = string.sub(text, nextSpecial + 2, nextSpecial + 5)
        if not string.find(hex, '^%x%x%x%x$') then fail('bad \\u escape', nextSpecial) end
        local code = tonumber(hex, 16)
        i = nextSpecial + 6
        if code >= 0xD800 and code <= 0xDBFF then
          local low = string.match(text, '^\\u(%x%x%x%x)', i)
          local lowCode = low and tonumber(low, 16)
          if not lowCode or lowCode < 0xDC00 or lowCode > 0xDFFF then
            fail('unpaired surrogate', nextSpecial)
          end
          code = 0x10000 + (code - 0xD800) * 0x400 + (lowCode - 0xDC00)
          i = i + 6
        elseif code >= 0xDC00 and code <= 0xDFFF then
          fail('unpaired surrogate', nextSpecial)
        end
        parts[#parts + 1] = utf8Char(code)
      else
        fail('bad escape', nextSpecial)
      end
    else
      fail('control character in string', nextSpecial)
    end
  end
end

local decodeValue

local function decodeArray(text, pos, depth)
  local result = {}
  pos = skipSpace(text, pos + 1)
  if string.sub(text, pos, pos) == ']' then return result, pos + 1 end
  while true do
    local value
    value, pos = decodeValue(text, pos, depth + 1)
    result[#result + 1] = value
    pos = skipSpace(text, pos)
    local c = string.sub(text, pos, pos)
    if c == ']' then return result, pos + 1 end
    if c ~= ',' then fail("expected ',' or ']'", pos) end
    pos = skipSpace(text, pos + 1)
  end
end

local function decodeObject(text, pos, depth)
  local result = {}
  pos = skipSpace(text, pos + 1)
  if string.sub(text, pos, pos) == '}' then return result, pos + 1 end
  while true do
    if string.sub(text, pos, pos) ~= '"' then fail('expected a string key', pos) end
    local key
    key, pos = decodeString(text, pos)
    pos = skipSpace(text, pos)
    if string.sub(text, pos, pos) ~= ':' then fail("expected ':'", pos) end
    local value
    value, pos = decodeValue(text, skipSpace(text, pos + 1), depth + 1)
    result[key] = value
    pos = skipSpace(text, pos)
    local c = string.sub(text, pos, pos)
    if c == '}' then return result, pos + 1 end
    if c ~= ',' then fail("expected ',' or '}'", pos) end
    pos = skipSpace(text, pos + 1)
  end
end

function decodeValue(text, pos, depth)
  if depth > 64 then fail('nesting too deep', pos) end
  pos = skipSpace(text, pos)
  local c = string.sub(text, pos, pos)
  if c == '{' then return decodeObject(text, pos, depth) end
  if c == '[' then return decodeArray(text, pos, depth) end
  if c == '"' then return decodeString(text, pos) end
  if string.sub(text, pos, pos + 3) == 'true' then return true, pos + 4 end
  if string.sub(text, pos, pos + 4) == 'false' then return false, pos + 5 end
  if string.sub(text, pos, pos + 3) == 'null' then return Json.null, pos + 4 end
  local number = string.match(text, '^-?%d+%.?%d*[eE]?[-+]?%d*', pos)
  if number and tonumber(number) then return tonumber(number), pos + #number end
  fail('unexpected character', pos)
end

function Json.decode(text)
  if type(text) ~= 'string' then error('JSON: expected a string', 0) end
  local value, pos = decodeValue(text, 1, 0)
  pos = skipSpace(text, pos)
  if pos <= #text then fail('trailing characters', pos) end
  return value
end

return Json
