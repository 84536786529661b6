#!/usr/bin/env bash
# The README's digits training experiment: a 4x100 ReLU MLP trained `standard` and `ibp`
# (ε = 0.05) on scikit-learn's 8x8 digits, then their accuracies (train and test; clean, PGD and
# certified by crown and by ibp on the 359 test images at ε = 0.05) and the seed paper's bound-width
# sweep of bench/real_networks.sh (softmax appended, mean widest output interval) on the first 50
# test images. The sweep's 20 radii step by 2^(1/3) from 0.1/2^(19/3) = 0.00124 to 0.1, so that
# 0.05 and 0.1 are among them and 0.0099 stands for 0.01.
# Usage: bench/digits_training_widths.sh [BUILD_DIR] [METHODS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
certnn="${1:-$root/build}/certnn"
methods="${2:-ibp,affine,doubleton,sample}"
eps=0.05
points=50
sweep="0.001240157071850156,0.1"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

"$certnn" data digits --export test --limit "$points" --out "$scratch/points.csv" 2> /dev/null

echo "== training (mlp:100x4, 60 epochs, seed 0; ibp for ε = $eps) and evaluation at ε = $eps (PGD 40 steps, 1 restart)"
printf "%-9s %-7s %-7s %-7s %-7s %-15s %s\n" mode train test clean pgd "certified crown" "certified ibp"
for mode in standard ibp; do
  model="$scratch/$mode.onnx"
  extra=()
  if [ "$mode" = ibp ]; then extra=(--eps "$eps"); fi
  "$certnn" train --data digits --arch mlp:100x4 --mode "$mode" "${extra[@]}" --epochs 60 --out "$model" \
    --quiet --json > "$scratch/train.json"
  "$certnn" evaluate "$model" --data digits --eps "$eps" --json > "$scratch/crown.json"
  "$certnn" evaluate "$model" --data digits --eps "$eps" --method ibp --json > "$scratch/ibp.json"
  printf "%-9s %-7.4f %-7.4f %-7.4f %-7.4f %-15.4f %.4f\n" "$mode" \
    "$(json_field "['train_accuracy']" < "$scratch/train.json")" \
    "$(json_field "['test_accuracy']" < "$scratch/train.json")" \
    "$(json_field "['clean_accuracy']" < "$scratch/crown.json")" \
    "$(json_field "['pgd_accuracy']" < "$scratch/crown.json")" \
    "$(json_field "['certified_accuracy']" < "$scratch/crown.json")" \
    "$(json_field "['certified_accuracy']" < "$scratch/ibp.json")"
done

for mode in standard ibp; do
  echo
  echo "== $mode: mean widest output interval, softmax appended ($(wc -l < "$scratch/points.csv") test images)"
  "$certnn" bounds "$scratch/$mode.onnx" --input "$scratch/points.csv" --method "$methods" --sweep "$sweep"
done
