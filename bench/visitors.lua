-- wrk script for bench/redirect.py: every request comes from a new visitor.
--
--   wrk -s bench/visitors.lua URL -- <paths file> <first visitor number>
--
-- Paths are read from the file (one per line; "/ping", or "/s/<code>" for each link) and taken in turn.
-- Gunicorn runs behind one trusted proxy (TRUSTED_PROXIES=1), as in production, so the visitor is the
-- address in X-Forwarded-For: 2001:db8:HHHH:LLLL::1 (the documentation range; a header only, nothing is
-- sent there) with HHHHLLLL = first visitor + thread × 2^20 + the thread's request count. Clicks are
-- counted per address (IPv6: per /64), so each request is a click that counts, and none repeats across
-- rounds when each round starts at a new first visitor.
-- done() prints one line "RESULT {json}" with the summary, latency percentiles (µs) and requests sent.

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

paths = {}
first = 0
sent = 0  -- a global: done() reads it from each thread
local agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) " ..
              "Chrome/124.0.0.0 Safari/537.36"

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(paths, line) end
  end
  first = tonumber(args[2]) + id * 1048576
end

function request()
  local n = first + sent
  sent = sent + 1
  local path = paths[(sent % #paths) + 1]
  local address = string.format("2001:db8:%x:%x::1", math.floor(n / 65536) % 65536, n % 65536)
  return wrk.format("GET", path, {["X-Forwarded-For"] = address, ["User-Agent"] = agent})
end

function done(summary, latency, requests)
  local total_sent = 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d, "sent": %d, "p50_us": %d, "p99_us": %d, "p999_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, total_sent,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
