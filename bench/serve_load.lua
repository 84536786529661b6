-- wrk script of bench/serve_load.sh: POST /v1/predict with the rows of $SERVE_BENCH_INPUTS, one
-- body in ten malformed (cycling through kinds of damage); counts the answers by status class and
-- the malformed bodies sent. Every good body is a valid input, so 4xx answers must equal the
-- malformed bodies answered (up to the requests still in flight when the run ends) and 5xx be 0.
local inputs, certify = {}, os.getenv("SERVE_BENCH_CERTIFY") ~= "0"
for line in io.lines(os.getenv("SERVE_BENCH_INPUTS")) do inputs[#inputs + 1] = line end
local malformed = {
  '{"input":[0.1,', '{"input":[NaN]}', '{"input":[1e400]}', '{"inputs":[[[0.1]]]}', '',
  '{"input":"text"}', '[1,2,3]', '{"input":[2,2,2]}', 'input=1', '{"input":[0.5],"x":1}',
}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init()
  counter, malformed_sent = 0, 0
  ok, bad_request, server_error = 0, 0, 0
end

function request()
  counter = counter + 1
  local body
  if counter % 10 == 0 then
    body = malformed[(counter / 10) % #malformed + 1]
    malformed_sent = malformed_sent + 1
  else
    body = '{"input":[' .. inputs[counter % #inputs + 1] .. '],"certify":' .. tostring(certify) .. '}'
  end
  return wrk.format("POST", "/v1/predict", {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status >= 500 then server_error = server_error + 1
  elseif status >= 400 then bad_request = bad_request + 1
  else ok = ok + 1 end
end

function done(summary, latency, requests)
  local totals = {ok = 0, bad_request = 0, server_error = 0, malformed_sent = 0}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + thread:get(key) end
  end
  io.write(string.format("RESULT requests=%d seconds=%.1f rps=%.1f p50_ms=%.2f p99_ms=%.2f 2xx=%d 4xx=%d 5xx=%d " ..
    "malformed_sent=%d socket_errors=%d\n", summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    totals.ok, totals.bad_request, totals.server_error, totals.malformed_sent,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
