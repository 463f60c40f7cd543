-- Each request searches one of several terms (places, people, formats, a typo) with a query
-- parameter no other request has: nothing is served from memory.
local counter = 0
local terms = {
  "Vientiane", "Phnom%20Penh", "Jakarta", "Kuala%20Lumpr", "Delegate%20TH",
  "Foreign%20Ministers", "Summit", "Manila", "Bangkok", "Hanoi", "Singapore", "Brunei",
}
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

request = function()
  counter = counter + 1
  local term = terms[(counter % #terms) + 1]
  return wrk.format(nil, "/search/?q=" .. term .. "&nocache=" .. math.random(1, 1e9) .. "-" .. counter)
end
