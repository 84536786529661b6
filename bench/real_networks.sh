#!/usr/bin/env bash
# The seed paper's second experiment on real networks: mean widest output interval (softmax
# appended) versus ε for every bound method, on the ACAS Xu and mnist_fc networks of the
# repository's benchmarks/. The test points are the centres of the benchmarks' VNN-LIB input boxes.
# Usage: bench/real_networks.sh [BUILD_DIR] [METHODS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
certnn="${1:-$root/build}/certnn"
methods="${2:-ibp,affine,doubleton,sample}"
benchmarks="$root/benchmarks"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# One CSV row per file: the midpoint of each X_i's bounds (the simple (<= X_i c) / (>= X_i c) form).
midpoints() {
  for file in "$@"; do
    awk '
      /\(assert \(<= X_[0-9]+ [-0-9.e+]+\)\)/ { gsub(/[()]/, ""); split($3, v, "_"); hi[v[2]] = $4; n = (v[2] + 1 > n ? v[2] + 1 : n) }
      /\(assert \(>= X_[0-9]+ [-0-9.e+]+\)\)/ { gsub(/[()]/, ""); split($3, v, "_"); lo[v[2]] = $4 }
      END { for (i = 0; i < n; ++i) printf "%s%.17g", (i ? "," : ""), (lo[i] + hi[i]) / 2; printf "\n" }' <(gzip -dcf "$file")
  done
}

midpoints "$benchmarks"/acasxu/vnnlib/prop_{1,2,3,4}.vnnlib.gz > "$scratch/acasxu.csv"
midpoints "$benchmarks"/mnist_fc/vnnlib/prop_*_0.03.vnnlib.gz > "$scratch/mnist.csv"

for net in ACASXU_run2a_1_1_batch_2000 ACASXU_run2a_3_3_batch_2000; do
  echo "== acasxu $net ($(wc -l < "$scratch/acasxu.csv") points)"
  "$certnn" bounds "$benchmarks/acasxu/onnx/$net.onnx" --input "$scratch/acasxu.csv" --domain none \
    --method "$methods" --sweep 1e-4,1e-1
done
for net in mnist-net_256x2 mnist-net_256x4 mnist-net_256x6; do
  echo "== mnist_fc $net ($(wc -l < "$scratch/mnist.csv") points)"
  "$certnn" bounds "$benchmarks/mnist_fc/onnx/$net.onnx" --input "$scratch/mnist.csv" \
    --method "$methods" --sweep 1e-4,1e-1
done
