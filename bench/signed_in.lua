-- wrk script: GET a rotation of addresses as a rotation of signed-in people.
-- args[1]: bench people file ("sid csrftoken token idea_id" per line, written by bench/run.py);
-- args[2]: a file of addresses, one a line. Each request takes the next person and the next
-- address, so every connection sends many people's cookies over many pages.
local users = {}
local paths = {}
local n, m = 0, 0

function setup(thread)
  thread:set("offset", math.random(1, 1000))
end

function init(args)
  for line in io.lines(args[1]) do
    local sid, cookie = line:match("(%S+) (%S+)")
    n = n + 1
    users[n] = "sid=" .. sid .. "; csrftoken=" .. cookie
  end
  for line in io.lines(args[2]) do
    if line ~= "" then
      m = m + 1
      paths[m] = line
    end
  end
  counter = offset or 0
end

function request()
  counter = counter + 1
  local headers = {["Cookie"] = users[(counter % n) + 1]}
  return wrk.format("GET", paths[(counter % m) + 1], headers)
end
