#!/usr/bin/env bash
# Load on certnn serve with wrk (Debian package wrk): predict-only and predict+certify, one body in
# ten malformed, at CONNECTIONS connections for SECONDS each. Prints per run requests/s, p50/p99
# latency, answers by status class (5xx must be 0; 4xx must match the malformed bodies sent, up
# to the requests in flight at the end), and the server's resident memory before and after.
#   bench/serve_load.sh [MODEL.onnx] [SECONDS] [CONNECTIONS] [THREADS]
# Defaults: examples/digits_mlp.onnx, 60 s, 64 connections, 2 server threads. The inputs are the
# model's test rows from `certnn data digits --export test` (64 values per row).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
certnn="${CERTNN:-${CERTNN_BUILD_DIR:-$root/build}/certnn}"
model="${1:-$root/examples/digits_mlp.onnx}"
seconds="${2:-60}"
connections="${3:-64}"
threads="${4:-2}"
work="$(mktemp -d)"
server=""
cleanup() {
  if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$certnn" data digits --export test --out "$work/inputs.csv" 2>/dev/null
"$certnn" serve "$model" --port 0 --threads "$threads" --connections "$connections" --max-inputs 1 >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q listening "$work/serve.log" && break; sleep 0.1; done
port="$(sed -n 's|.*listening on http://[^:]*:\([0-9]*\)/.*|\1|p' "$work/serve.log")"
[[ -n $port ]] || { cat "$work/serve.log"; exit 1; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }

echo "model $(basename "$model"), $connections connections, $seconds s per run, server --threads $threads," \
  "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for certify in 0 1; do
  before="$(rss)"
  result="$(SERVE_BENCH_INPUTS="$work/inputs.csv" SERVE_BENCH_CERTIFY=$certify \
    wrk -t 2 -c "$connections" -d "${seconds}s" --timeout 10s -s "$root/bench/serve_load.lua" "http://127.0.0.1:$port" |
    grep '^RESULT')"
  kill -0 "$server" || { echo "the server died"; exit 1; }
  mode="predict"; [[ $certify == 1 ]] && mode="predict+certify"
  echo "$mode: ${result#RESULT } rss_kb_before=$before rss_kb_after=$(rss)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -s --noproxy '*' "http://127.0.0.1:$port/metrics" | grep -E '^certnn_(certified_fraction|certificates_total)'
