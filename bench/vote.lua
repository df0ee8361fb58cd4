-- wrk script: POST vote toggles as many signed-in people, rotating through bench/users.txt
-- (one "sid csrftoken token idea_id" line per person, written by bench/run.py).
local users = {}
local n = 0

function setup(thread)
  thread:set("offset", math.random(1, 1000))
end

function init(args)
  for line in io.lines(args[1]) do
    local sid, cookie, token, idea = line:match("(%S+) (%S+) (%S+) (%S+)")
    n = n + 1
    users[n] = {sid = sid, cookie = cookie, token = token, idea = idea, on = false}
  end
  counter = offset or 0
end

function request()
  counter = counter + 1
  local u = users[(counter % n) + 1]
  u.on = not u.on
  local body = "action=" .. (u.on and "add" or "remove")
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "sid=" .. u.sid .. "; csrftoken=" .. u.cookie,
    ["X-CSRF-Token"] = u.token,
    ["HX-Request"] = "true",
  }
  return wrk.format("POST", "/ideas/" .. u.idea .. "/vote", headers, body)
end
