-- wrk script for tests/faults/soak.py: rotates through the read operations in
-- $QCDC_SOAK_READS (a file, one JSON request body per line) and, every $QCDC_SOAK_WRITE_EVERY-th
-- request, sends the write in $QCDC_SOAK_WRITE (a JSON body whose "__TITLE__" becomes a unique
-- title: run tag, thread and a per-thread counter). Bearer token from $QCDC_SOAK_TOKEN.
--
-- Pacing: with $QCDC_SOAK_RATE > 0 the whole run aims at that many requests per second. Each
-- thread keeps its share of the rate on a schedule (request k of the thread is due at
-- start + k / share), and delay() holds each connection until its request is due; when the
-- server falls behind the delay is 0 (it never catches up by more than a second's burst).
-- Without a monotonic clock (no LuaJIT ffi) it falls back to a fixed delay per connection of
-- connections * 1000 / rate minus $QCDC_SOAK_LATENCY_MS, floored at 0.
--
-- Counts failures (HTTP status other than 200, or a body carrying "errors") and reports them
-- with the socket errors and latency figures in done(), one "key value" per line.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if #line > 0 then
      table.insert(lines, line)
    end
  end
  return lines
end

local now_ms
do
  local ok, ffi = pcall(require, "ffi")
  if ok then
    pcall(ffi.cdef, [[
      typedef struct { long tv_sec; long tv_nsec; } qcdc_soak_timespec;
      int clock_gettime(int clk_id, qcdc_soak_timespec *tp);
    ]])
    local ts = ffi.new("qcdc_soak_timespec")
    now_ms = function()
      ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
      return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
    end
  end
end

function init(args)
  reads = read_lines(os.getenv("QCDC_SOAK_READS"))
  local file = assert(io.open(os.getenv("QCDC_SOAK_WRITE"), "r"))
  write_template = file:read("*a"):gsub("%s+$", "")
  file:close()
  write_every = tonumber(os.getenv("QCDC_SOAK_WRITE_EVERY") or "10")
  tag = os.getenv("QCDC_SOAK_TAG") or "soak"
  headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("QCDC_SOAK_TOKEN"),
  }
  local rate = tonumber(os.getenv("QCDC_SOAK_RATE") or "0")
  local nthreads = tonumber(os.getenv("QCDC_SOAK_THREADS") or "1")
  local connections = tonumber(os.getenv("QCDC_SOAK_CONNECTIONS") or "1")
  if rate > 0 then
    interval_ms = 1000 * nthreads / rate -- between two requests of this thread
    fixed_delay_ms = math.max(0, connections * 1000 / rate - tonumber(os.getenv("QCDC_SOAK_LATENCY_MS") or "0"))
  end
  failed = 0
  writes = 0
  sent = 0
  first_failure = nil
end

function delay()
  if not interval_ms then
    return 0
  end
  if not now_ms then
    return fixed_delay_ms
  end
  local now = now_ms()
  if not next_due or next_due < now - 1000 then
    next_due = now
  end
  local due = next_due
  next_due = next_due + interval_ms
  return math.max(0, math.floor(due - now))
end

function request()
  sent = sent + 1
  local body
  if sent % write_every == 0 then
    writes = writes + 1
    body = write_template:gsub("__TITLE__", string.format("Soak %s t%d-%d", tag, id, writes))
  else
    counter = counter + 1
    body = reads[(counter - 1) % #reads + 1]
  end
  return wrk.format("POST", "/graphql", headers, body)
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    failed = failed + 1
    if not first_failure then
      first_failure = string.format("HTTP %d %s", status, string.sub(body or "", 1, 300))
      io.stderr:write("first failure: " .. first_failure .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local total, total_writes = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("failed")
    total_writes = total_writes + thread:get("writes")
  end
  local e = summary.errors
  io.write(string.format("graphql_failures %d\n", total))
  io.write(string.format("writes %d\n", total_writes))
  io.write(string.format("socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("errors_connect %d\nerrors_read %d\nerrors_write %d\nerrors_timeout %d\nerrors_status %d\n",
    e.connect, e.read, e.write, e.timeout, e.status))
  io.write(string.format("p50_ms %.3f\np99_ms %.3f\nmax_ms %.3f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("requests %d\nseconds %.3f\n", summary.requests, summary.duration / 1e6))
end
