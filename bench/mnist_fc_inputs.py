#!/usr/bin/env python3
"""The 15 MNIST test images of the VNN-COMP mnist_fc benchmark, recovered from its properties.

Each prop_I_0.03.vnnlib(.gz) bounds pixel j to [max(0, x_j - 0.03), min(1, x_j + 0.03)] and states
that some class reaches the label's output; this writes the images x (one row of 784 pixels each)
and their labels, for the attack, radius and stability figures of the README.

    bench/mnist_fc_inputs.py BENCHMARK_DIR OUT_INPUTS.csv OUT_LABELS.csv
"""
import gzip
import pathlib
import re
import sys

EPS = 0.03


def image_and_label(path):
    lower, upper = {}, {}
    label = None
    text = gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else path.read_text()
    for line in text.splitlines():
        bound = re.match(r"\s*\(assert \((<=|>=) X_(\d+) ([-0-9.e]+)\)\)", line)
        if bound:
            (upper if bound.group(1) == "<=" else lower)[int(bound.group(2))] = float(bound.group(3))
        target = re.match(r"\s*\(and \(>= Y_\d+ Y_(\d+)\)\)", line)
        if target:
            label = int(target.group(1))
    pixels = []
    for j in range(len(lower)):
        lo, hi = lower[j], upper[j]
        if lo > 0.0 and hi < 1.0:
            pixels.append((lo + hi) / 2)
        elif hi < 1.0:
            pixels.append(max(0.0, hi - EPS))
        else:
            pixels.append(min(1.0, lo + EPS))
    return pixels, label


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    root = pathlib.Path(sys.argv[1]) / "vnnlib"
    rows, labels = [], []
    for index in range(15):
        name = f"prop_{index}_{EPS}.vnnlib"
        pixels, label = image_and_label(root / name if (root / name).exists() else root / (name + ".gz"))
        rows.append(",".join(repr(p) for p in pixels))
        labels.append(str(label))
    pathlib.Path(sys.argv[2]).write_text("\n".join(rows) + "\n")
    pathlib.Path(sys.argv[3]).write_text("\n".join(labels) + "\n")


if __name__ == "__main__":
    main()
