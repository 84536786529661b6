#!/usr/bin/env bash
# The README's attack, radius and stability figures: PGD success rates at several ε, the
# certified/attacked radius bracket per bound method, and the Lipschitz bounds, on the mnist_fc
# networks (the benchmark's 15 test images, recovered by bench/mnist_fc_inputs.py) and the
# PyTorch-exported CNN of tests/data/torch (its 8 inputs, labelled by the model's predictions).
# Usage: bench/robustness_figures.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
certnn="${1:-$root/build}/certnn"
mnist="$root/benchmarks/mnist_fc"
torch="$root/tests/data/torch"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
python3 "$root/bench/mnist_fc_inputs.py" "$mnist" "$scratch/mnist.csv" "$scratch/mnist_labels.csv"

# name model inputs labels
networks=(
  "mnist-256x2 $mnist/onnx/mnist-net_256x2.onnx $scratch/mnist.csv $scratch/mnist_labels.csv"
  "mnist-256x4 $mnist/onnx/mnist-net_256x4.onnx $scratch/mnist.csv $scratch/mnist_labels.csv"
  "mnist-256x6 $mnist/onnx/mnist-net_256x6.onnx $scratch/mnist.csv $scratch/mnist_labels.csv"
  "torch-cnn $torch/cnn.onnx $torch/cnn.input.csv pred"
)

json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

echo "== PGD (L-inf, 40 steps, 1 restart): attacked accuracy (clean accuracy first)"
printf "%-13s %-7s" network clean
epsilons="0.005 0.01 0.02 0.03 0.05 0.1"
for eps in $epsilons; do printf " %-7s" "$eps"; done
echo
for entry in "${networks[@]}"; do
  read -r name model inputs labels <<< "$entry"
  printf "%-13s" "$name"
  first=1
  for eps in $epsilons; do
    report="$("$certnn" attack "$model" --input "$inputs" --label "$labels" --eps "$eps" --json)"
    if [ "$first" = 1 ]; then printf " %-7s" "$(json_field "['clean_accuracy']" <<< "$report")"; first=0; fi
    printf " %-7.3g" "$(json_field "['attacked_accuracy']" <<< "$report")"
  done
  echo
done

echo
echo "== Robustness radius (L-inf, bisection to 1%): mean certified, mean attacked, mean ratio, inversions"
printf "%-13s %-12s %-11s %-11s %-8s %-10s %s\n" network method certified attacked ratio inversions seconds
for entry in "${networks[@]}"; do
  read -r name model inputs labels <<< "$entry"
  for method in ibp affine crown alpha-crown; do
    start=$EPOCHREALTIME
    "$certnn" radius "$model" --input "$inputs" --label "$labels" --method "$method" --json > "$scratch/report.json"
    seconds=$(python3 -c "print($EPOCHREALTIME - $start)")
    python3 - "$scratch/report.json" "$name" "$method" "$seconds" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["results"]
name, method, seconds = sys.argv[2], sys.argv[3], float(sys.argv[4])
certified = [r["certified"] for r in rows]
attacked = [r["attacked"] for r in rows if r["attacked"] is not None]
ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
inversions = sum(1 for r in rows if r["attacked"] is not None and r["certified"] > r["attacked"])
mean = lambda v: sum(v) / len(v) if v else float("nan")
print(f"{name:<13} {method:<12} {mean(certified):<11.4g} {mean(attacked):<11.4g} {mean(ratios):<8.3g} "
      f"{inversions}/{len(rows):<8} {seconds:.1f}")
PY
  done
done

echo
echo "== Lipschitz bounds (L2, whole network): upper, sampled lower, gap"
printf "%-13s %-12s %-12s %-10s %s\n" network upper lower gap seconds
for entry in "${networks[@]}"; do
  read -r name model inputs labels <<< "$entry"
  "$certnn" stability "$model" --json > "$scratch/report.json"
  python3 - "$scratch/report.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<13} {r['lipschitz_upper']:<12.4g} {r['lipschitz_lower']:<12.4g} "
      f"{r['lipschitz_upper'] / r['lipschitz_lower']:<10.3g} {r.get('seconds', float('nan')):.2f}")
PY
done
