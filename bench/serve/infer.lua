-- wrk script: POST one KServe v2 infer request body, over and over, on every connection.
--   BENCH_BODY           file holding the request body (read once per wrk thread)
--   BENCH_HEADER_LENGTH  if set, sent as Inference-Header-Content-Length (binary tensor data extension)
-- At the end it prints one line "BENCH_RESULT {json}" with the counts and latency percentiles (µs),
-- which bench/serve/bench_serve.py reads instead of wrk's human-readable report.
local path = os.getenv("BENCH_BODY")
if path == nil or path == "" then error("infer.lua: set BENCH_BODY to the request body file") end
local file = io.open(path, "rb")
if file == nil then error("infer.lua: cannot open BENCH_BODY '" .. path .. "'") end
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
local header_length = os.getenv("BENCH_HEADER_LENGTH")
if header_length ~= nil and header_length ~= "" then
  wrk.headers["Content-Type"] = "application/octet-stream"
  wrk.headers["Inference-Header-Content-Length"] = header_length
else
  wrk.headers["Content-Type"] = "application/json"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
