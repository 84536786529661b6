#!/usr/bin/env bash
# The seed paper's masked-input experiment as a figure: a fraction of an image's pixels is left
# free in [0, 1] (the rest fixed at the image), and each bound method encloses the logits over
# that set. The mean over the inputs of the widest logit interval, against the fraction, for
# mlp:100x4 trained on digits standard and IBP (ε = 0.05), as in bench/founding_figures.sh.
# Writes OUT_DIR/masked-widths.svg and prints the widths at three fractions.
# Usage: bench/masked_widths.sh [BUILD_DIR] [OUT_DIR] [INPUTS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
certnn="${1:-$root/build}/certnn"
out="${2:-$root/docs/images}"
inputs="${3:-20}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$out"

"$certnn" data digits --export test --limit "$inputs" --out "$scratch/points.csv" 2> /dev/null
for mode in standard ibp; do
  "$certnn" train --data digits --arch mlp:100x4 --mode "$mode" --eps 0.05 --epochs 60 \
    --out "$scratch/$mode.onnx" --quiet > /dev/null
  for fraction in 0.02 0.05 0.1 0.2 0.35 0.5 0.75 1; do
    "$certnn" bounds "$scratch/$mode.onnx" --input "$scratch/points.csv" --mask "$fraction" \
      --method ibp,affine,doubleton,crown,alpha-crown,sample --json > "$scratch/$mode-$fraction.json"
  done
done

# One row per (model, fraction, method): the mean over the inputs of the widest logit interval.
python3 - "$scratch" "$scratch/spec.json" <<'PY'
import json, pathlib, sys
scratch, spec_path = pathlib.Path(sys.argv[1]), sys.argv[2]
rows = []
for path in sorted(scratch.glob("*-*.json")):  # MODE-FRACTION.json
    mode, fraction = path.stem.split("-", 1)
    inputs = json.loads(path.read_text())["inputs"]
    for method in inputs[0]["methods"]:
        widest = [max(u - l for l, u in zip(i["methods"][method]["lower"], i["methods"][method]["upper"]))
                  for i in inputs]
        rows.append({"model": mode, "fraction": float(fraction), "method": method,
                     "width": sum(widest) / len(widest)})
spec = {"masked": {
    "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
    "title": "Masked inputs: mean widest logit interval against the fraction of free pixels",
    "data": {"name": "table", "values": rows},
    "width": 300, "height": 240,
    "mark": {"type": "line", "point": True},
    "encoding": {
        "x": {"field": "fraction", "type": "quantitative", "scale": {"type": "log"}, "title": "fraction of free pixels"},
        "y": {"field": "width", "type": "quantitative", "scale": {"type": "log"}, "title": "mean widest logit interval"},
        "color": {"field": "method", "type": "nominal"},
        "column": {"field": "model", "type": "nominal", "sort": ["standard", "ibp"], "title": "training"}}}}
pathlib.Path(spec_path).write_text(json.dumps(spec, indent=1) + "\n")
for mode in ("standard", "ibp"):
    for fraction in (0.05, 0.2, 1.0):
        print(mode, fraction, {r["method"]: round(r["width"], 3) for r in rows
                               if r["model"] == mode and r["fraction"] == fraction})
PY
node "$root/tools/vega/render_svg.mjs" "$scratch/spec.json" "$scratch" masked > /dev/null
mv "$scratch/masked.svg" "$out/masked-widths.svg"
echo "$out/masked-widths.svg"
