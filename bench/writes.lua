-- wrk script for writes: every request changes a different row, so a version check or a
-- workflow step never meets a row an earlier request already changed.
--
-- $QCDC_BENCH_POOL names a file of request bodies, one JSON document per line; thread k of
-- $QCDC_BENCH_THREADS sends lines k, k + n, k + 2n, … in turn. $QCDC_BENCH_TOKEN, when set, is
-- sent as a bearer token. Failures are counted as in graphql.lua: a status other than 200, or a
-- body with GraphQL errors. A thread that runs out of lines counts every further request as a
-- failure (`exhausted`), so a pool that was too small shows instead of hiding.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local stride = tonumber(os.getenv("QCDC_BENCH_THREADS"))
  bodies = {}
  local n = 0
  for line in io.lines(os.getenv("QCDC_BENCH_POOL")) do
    if n % stride == index then
      table.insert(bodies, line)
    end
    n = n + 1
  end
  next_body = 1
  failed = 0
  exhausted = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  local token = os.getenv("QCDC_BENCH_TOKEN")
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function request()
  local body = bodies[next_body]
  if body == nil then
    exhausted = exhausted + 1
    body = bodies[#bodies]
  else
    next_body = next_body + 1
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total, out = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("failed")
    out = out + thread:get("exhausted")
  end
  io.write(string.format("graphql_failures %d\nexhausted %d\n", total, out))
  io.write(string.format("p50_ms %.3f\np99_ms %.3f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("requests %d\nseconds %.3f\n", summary.requests, summary.duration / 1e6))
end
