#!/usr/bin/env bash
# Load on certnn serve with wrk (Debian package wrk): predict-only and predict+certify, one body in
# ten malformed, at CONNECTIONS connections for SECONDS each. Prints per run requests/s, p50/p99
# latency, answers by status class (5xx must be 0; 4xx must match the malformed bodies sent, up
# to the requests in flight at the end), the mean forward batch and the server's resident memory
# before and after.
#   bench/serve_load.sh [MODEL.onnx|cnn-small] [SECONDS] [CONNECTIONS] [THREADS] [MAX_BATCHES] [DATA] [METHOD]
# Defaults: examples/digits_mlp.onnx, 60 s, 64 connections, 2 certificate threads, max batches
# "1,64" (one server per value, same runs: 1 evaluates each request alone), data digits, crown
# certificates. The
# inputs are the test rows of `certnn data DATA --export test`. MODEL cnn-small trains that CNN on
# mnist for 4 epochs first (about 20 s) and sets DATA to mnist.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
certnn="${CERTNN:-${CERTNN_BUILD_DIR:-$root/build}/certnn}"
model="${1:-$root/examples/digits_mlp.onnx}"
seconds="${2:-60}"
connections="${3:-64}"
threads="${4:-2}"
max_batches="${5:-1,64}"
data="${6:-digits}"
method="${7:-crown}"
work="$(mktemp -d)"
server=""
stop_server() {
  if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi
  server=""
}
trap 'stop_server; rm -rf "$work"' EXIT

if [[ $model == cnn-small ]]; then
  data=mnist
  model="$work/mnist_cnn_small.onnx"
  "$certnn" train --data mnist --arch cnn-small --mode standard --epochs 4 --out "$model" --quiet --json |
    sed 's/^/trained: /'
fi
"$certnn" data "$data" --export test --out "$work/inputs.csv" 2>/dev/null
metric() { curl -s --noproxy '*' "http://127.0.0.1:$port/metrics" | awk -v name="$1" '$1 == name {print $2}'; }

echo "model $(basename "$model"), data $data, $method certificates, $connections connections, $seconds s per run," \
  "server --threads $threads, load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for max_batch in ${max_batches//,/ }; do
  "$certnn" serve "$model" --port 0 --threads "$threads" --connections "$connections" --max-inputs 1 \
    --max-batch "$max_batch" --method "$method" >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do grep -q listening "$work/serve.log" && break; sleep 0.1; done
  port="$(sed -n 's|.*listening on http://[^:]*:\([0-9]*\)/.*|\1|p' "$work/serve.log")"
  [[ -n $port ]] || { cat "$work/serve.log"; exit 1; }
  rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
  for certify in 0 1; do
    before="$(rss)"
    passes_before="$(metric certnn_forward_passes_total)" inputs_before="$(metric certnn_forward_inputs_total)"
    result="$(SERVE_BENCH_INPUTS="$work/inputs.csv" SERVE_BENCH_CERTIFY=$certify \
      wrk -t 2 -c "$connections" -d "${seconds}s" --timeout 10s -s "$root/bench/serve_load.lua" "http://127.0.0.1:$port" |
      grep '^RESULT')"
    kill -0 "$server" || { echo "the server died"; exit 1; }
    passes=$(($(metric certnn_forward_passes_total) - passes_before))
    inputs=$(($(metric certnn_forward_inputs_total) - inputs_before))
    mode="predict"; [[ $certify == 1 ]] && mode="predict+certify"
    echo "max-batch $max_batch, $mode: ${result#RESULT } mean_batch=$(awk -v i="$inputs" -v p="$passes" \
      'BEGIN {printf "%.2f", p ? i / p : 0}') rss_kb_before=$before rss_kb_after=$(rss)"
  done
  curl -s --noproxy '*' "http://127.0.0.1:$port/metrics" | grep -E '^certnn_(certified_fraction|certificates_total)'
  stop_server
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
