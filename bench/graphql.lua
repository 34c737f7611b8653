-- wrk script: POSTs one GraphQL operation (body from $QCDC_BENCH_BODY, a file) with a bearer
-- token ($QCDC_BENCH_TOKEN, when set), and counts responses that are not HTTP 200 or carry GraphQL
-- errors: an HTTP 200 with errors is a failure too.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(os.getenv("QCDC_BENCH_BODY"), "r"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
  local token = os.getenv("QCDC_BENCH_TOKEN")
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  failed = 0
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("failed")
  end
  io.write(string.format("graphql_failures %d\n", total))
  io.write(string.format("p50_ms %.3f\np99_ms %.3f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("requests %d\nseconds %.3f\n", summary.requests, summary.duration / 1e6))
end
