-- Each request gets a query parameter no other request has: nothing is served from memory.
local counter = 0
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

request = function()
  counter = counter + 1
  local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. separator .. "nocache=" .. math.random(1, 1e9) .. "-" .. counter)
end
