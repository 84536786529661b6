#!/usr/bin/env bash
# The founding experiments as figures (README, "The founding experiments as figures"): models
# trained here, each measured by `certnn report`, and one figure of several reports drawn by
# tools/vega/combine_reports.mjs into OUT_DIR as SVG.
#   widths-digits.svg      interval against affine, doubleton and back-substitution: the mean
#                          widest output interval against ε, mlp:100x4 on digits, standard and IBP
#   widths-cnn.svg         the same for cnn-small (CNN_ARCHS="cnn-small cnn-medium ..." for
#                          more) on Fashion-MNIST (doubleton refuses its 2,704-wide layers, and
#                          the report says so)
#   linear-accuracy.svg    robust linear classifiers: certified (= exactly attacked) accuracy
#                          against ε on MNIST 0 vs 1, standard and linear-robust at ε = 0.1/0.2/0.3
#   stable-accuracy.svg    stable (non-expansive) against residual networks: PGD accuracy against
#                          ε in L∞ and L2 on Fashion-MNIST
# The reports themselves are kept in REPORTS_DIR (open REPORTS_DIR/NAME/index.html).
# Usage: bench/founding_figures.sh [BUILD_DIR] [OUT_DIR] [CNN_EPOCHS] [STABLE_EPOCHS] [REPORTS_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
certnn="${1:-$root/build}/certnn"
out="${2:-$root/docs/images}"
cnn_epochs="${3:-2}"
stable_epochs="${4:-20}"
models="$(mktemp -d)"
trap 'rm -rf "$models"' EXIT
reports="${5:-$(mktemp -d)}"
mkdir -p "$out" "$reports"
echo "reports in $reports"
combine() { node "$root/tools/vega/combine_reports.mjs" "$@"; }
timed() { local start=$SECONDS; "$@"; echo "   ($((SECONDS - start)) s)" >&2; }

echo "== interval against affine and doubleton: digits mlp:100x4, 60 epochs"
width_eps="0.00124,0.0025,0.005,0.01,0.025,0.05,0.1"
for mode in standard ibp; do
  timed "$certnn" train --data digits --arch mlp:100x4 --mode "$mode" --eps 0.05 --epochs 60 \
    --out "$models/digits-$mode.onnx" --quiet > /dev/null
  timed "$certnn" report "$models/digits-$mode.onnx" --data digits --eps "$width_eps" --limit 200 \
    --out "$reports/digits-$mode"
done
combine widths "$out/widths-digits.svg" standard="$reports/digits-standard" "ibp, eps 0.05=$reports/digits-ibp"

cnn_archs="${CNN_ARCHS:-cnn-small}"
echo "== the same on Fashion-MNIST $cnn_archs, $cnn_epochs epochs"
cnn_reports=()
for arch in $cnn_archs; do
  for mode in standard ibp; do
    name="$arch-$mode"
    timed "$certnn" train --data fashion-mnist --arch "$arch" --mode "$mode" --eps 0.1 --epochs "$cnn_epochs" \
      --out "$models/$name.onnx" --quiet > /dev/null
    timed "$certnn" report "$models/$name.onnx" --data fashion-mnist --quick --eps "0.001,0.003,0.01,0.03,0.1" \
      --methods ibp,affine,doubleton,crown,sample --limit 30 --radius-inputs 5 --out "$reports/$name"
    label="$mode"
    if [ "$mode" = ibp ]; then label="ibp, eps 0.1"; fi
    if [ "$cnn_archs" != cnn-small ]; then label="$arch, $label"; fi
    cnn_reports+=("$label=$reports/$name")
  done
done
combine widths "$out/widths-cnn.svg" "${cnn_reports[@]}"

echo "== robust linear classifiers: MNIST 0 vs 1, 20 epochs"
linear_eps="0,0.05,0.1,0.15,0.2,0.25,0.3,0.35,0.4,0.45,0.5"
linear=()
for model in standard robust-0.1 robust-0.2 robust-0.3; do
  if [ "$model" = standard ]; then mode=(--mode standard); else mode=(--mode linear-robust --eps "${model#robust-}"); fi
  timed "$certnn" train --data mnist01 --arch linear "${mode[@]}" --epochs 20 --out "$models/linear-$model.onnx" \
    --quiet > /dev/null
  # A linear model's certified accuracy (affine is exact on it) is its accuracy under the exact
  # worst-case attack; no domain, as in the blog's experiment.
  timed "$certnn" report "$models/linear-$model.onnx" --data mnist01 --eps "$linear_eps" --l2-eps 0 --method affine \
    --domain none --methods ibp,affine --limit 10000 --out "$reports/linear-$model"
  linear+=("$model=$reports/linear-$model")
done
combine accuracy "$out/linear-accuracy.svg" --filter "datum.measure == 'certified' && datum.norm == 'linf'" \
  --title "Linear classifiers, MNIST 0 vs 1: accuracy under the exact worst-case Linf attack" "${linear[@]}"

echo "== stable against residual networks: Fashion-MNIST 128x4, $stable_epochs epochs"
for arch in stable residual; do
  timed "$certnn" train --data fashion-mnist --arch "$arch:128x4" --mode standard --epochs "$stable_epochs" \
    --out "$models/$arch.onnx" --quiet > /dev/null
  timed "$certnn" report "$models/$arch.onnx" --data fashion-mnist --eps 0,0.025,0.05,0.075,0.1 \
    --l2-eps 0,0.25,0.5,0.75,1 --method ibp --methods ibp,crown,sample --limit 1000 --radius-inputs 10 \
    --out "$reports/$arch"
  python3 -c "import json,sys; print('   Lipschitz upper bound', json.load(open(sys.argv[1]))['lipschitz']['upper'])" \
    "$reports/$arch/report.json"
done
combine accuracy "$out/stable-accuracy.svg" --filter "datum.measure == 'pgd'" \
  --title "Fashion-MNIST: accuracy under PGD, stable against residual blocks" \
  "stable:128x4=$reports/stable" "residual:128x4=$reports/residual"
