"""Writes digits_robustness_0.05.vnnlib: local robustness of digits_mlp.onnx around the first
example digit (label 8), every pixel within 0.05 of its value and inside [0, 1]. The file states
the unsafe set, as VNN-LIB does: some other logit at least as large as the label's.

    /usr/bin/python3 examples/make_digits_property.py
"""
import csv
import pathlib

EPS = 0.05
here = pathlib.Path(__file__).resolve().parent
pixels = [float(v) for v in next(csv.reader(open(here / "digits_inputs.csv")))]
label = int(open(here / "digits_labels.csv").readline())

lines = [f"; digits_mlp.onnx: robustness of example 0 (label {label}) within L-inf {EPS}, clipped to [0, 1]"]
lines += [f"(declare-const X_{i} Real)" for i in range(len(pixels))]
lines += [f"(declare-const Y_{j} Real)" for j in range(10)]
for i, x in enumerate(pixels):
    lines.append(f"(assert (>= X_{i} {max(0.0, x - EPS)!r}))")
    lines.append(f"(assert (<= X_{i} {min(1.0, x + EPS)!r}))")
others = " ".join(f"(and (>= Y_{j} Y_{label}))" for j in range(10) if j != label)
lines.append(f"(assert (or {others}))")
(here / f"digits_robustness_{EPS}.vnnlib").write_text("\n".join(lines) + "\n")
