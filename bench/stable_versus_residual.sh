#!/usr/bin/env bash
# The README's stable-network experiment on Fashion-MNIST: a network of non-expansive residual
# blocks (stable:WxD, h‖W‖₂² ≤ 2 kept during training and proved after) against unconstrained
# residual blocks of the same shape (residual:WxD), both trained `standard`; then clean accuracy,
# PGD accuracy over L∞ balls (ε = 0.05, 0.1) and L2 balls (ε = 0.3, 0.5, 1.0) on the 10,000 test
# images, and each network's certified L2 Lipschitz bound from its training log.
# Usage: bench/stable_versus_residual.sh [BUILD_DIR] [WIDTHxDEPTH] [EPOCHS] [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
certnn="${1:-$root/build}/certnn"
size="${2:-128x4}"
epochs="${3:-20}"
out="${4:-$(mktemp -d)}"
mkdir -p "$out"

json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

printf "%-16s %-6s %-9s %-9s %-8s %-8s %-8s %s\n" network clean "linf .05" "linf .1" "l2 .3" "l2 .5" "l2 1.0" "Lipschitz <="
for arch in stable residual; do
  model="$out/$arch.onnx"
  if [ ! -f "$model" ]; then
    "$certnn" train --data fashion-mnist --arch "$arch:$size" --mode standard --epochs "$epochs" --out "$model" --quiet > /dev/null
  fi
  row=()
  for attack in "linf 0.05" "linf 0.1" "l2 0.3" "l2 0.5" "l2 1.0"; do
    read -r norm eps <<< "$attack"
    # L2 balls are certified by the Lipschitz bound, L∞ ones by a bound method (ibp: the quickest).
    method=()
    if [ "$norm" = linf ]; then method=(--method ibp); fi
    result="$("$certnn" evaluate "$model" --data fashion-mnist --norm "$norm" --eps "$eps" "${method[@]}" --json)"
    if [ ${#row[@]} -eq 0 ]; then row+=("$(json_field "['clean_accuracy']" <<< "$result")"); fi
    row+=("$(json_field "['pgd_accuracy']" <<< "$result")")
  done
  lipschitz="$(json_field "['stability']['lipschitz_upper']" < "$out/$arch.json")"
  printf "%-16s %-6.4f %-9.4f %-9.4f %-8.4f %-8.4f %-8.4f %.4g\n" "$arch:$size" "${row[@]}" "$lipschitz"
done
