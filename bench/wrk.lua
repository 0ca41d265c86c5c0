-- The requests of the benchmark runner's wrk runs (crates/bench). Arguments after `--`:
--   plain                                         GET the URL's path (the bare axum yardstick)
--   login <portal> <csrf> <prefix> <count> <pw>   POST /<portal>/login as <prefix>0000 … <prefix><count-1>
--   page <path> <cookie file>                     GET <path>, one Cookie line of the file after another
--   paths <cookie> <path file>                    GET one path of the file after another, one session
-- Every mode builds its request in request(), so the yardstick and the portal pay the same
-- Lua cost per request. done() prints one JSON line the runner reads.

local threads = {}
local mode, path, portal, csrf, prefix, count, password
local cookies = {}
local paths = {}
local cookie
local n = 0

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1] or "plain"
  -- Each wrk thread starts elsewhere in the account list, so two threads do not log the
  -- same account in at the same moment.
  n = (thread_index or 0) * 7919
  if mode == "login" then
    portal, csrf, prefix, count, password = args[2], args[3], args[4], tonumber(args[5]), args[6]
  elseif mode == "page" then
    path = args[2]
    for line in io.lines(args[3]) do
      table.insert(cookies, line)
    end
  elseif mode == "paths" then
    cookie = args[2]
    for line in io.lines(args[3]) do
      table.insert(paths, line)
    end
  end
end

function request()
  n = n + 1
  if mode == "login" then
    local body = string.format("_csrf=%s&login_id=%s%04d&password=%s", csrf, prefix, n % count, password)
    return wrk.format("POST", "/" .. portal .. "/login", {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = "mdg_csrf=" .. csrf,
    }, body)
  elseif mode == "page" then
    return wrk.format("GET", path, { ["Cookie"] = cookies[(n % #cookies) + 1] })
  elseif mode == "paths" then
    return wrk.format("GET", paths[(n % #paths) + 1], { ["Cookie"] = cookie })
  else
    return wrk.format("GET", nil)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
    '"status_errors":%d,"timeouts":%d,"mean_us":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
