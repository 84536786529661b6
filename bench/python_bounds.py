#!/usr/bin/env python3
"""Time per call of certnn's Python bounds against the CLI, on the same networks and boxes.

    /usr/bin/python3 bench/python_bounds.py [--cli build/certnn] [--method crown] [--seconds 2] [--json]

(with the package installed, e.g. in the virtual environment of scripts/test-python, or with
PYTHONPATH naming a folder that holds it). Per network, the input box of a VNN-LIB property:
  python      net.bounds(lower=, upper=, method=...): median wall time of one call, which
              includes the numpy conversions and the binding layer; and the first call after
              loading alone (cold caches and allocator, as the CLI's one call per process);
  CLI inside  the seconds `certnn bounds --vnnlib P --json` reports for the method (the library
              call alone, no loading);
  CLI process the wall time of one whole `certnn bounds` run: start, model and property
              loading, the bound, JSON output;
and whether the Python bounds are bit-identical to the CLI's (they must be: one library).
auto_LiRPA (no Debian package, not on this machine's package lists) is compared when it can be
imported: CROWN on a PyTorch MLP of mnist_fc's 256x4 shape exported with certnn.from_torch.
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np

import certnn

ROOT = Path(__file__).resolve().parents[1]
CASES = [
    ("digits 64-32-32-10", ROOT / "examples" / "digits_mlp.onnx", ROOT / "examples" / "digits_robustness_0.05.vnnlib"),
    ("mnist_fc 256x2", ROOT / "benchmarks/mnist_fc/onnx/mnist-net_256x2.onnx",
     ROOT / "benchmarks/mnist_fc/vnnlib/prop_0_0.03.vnnlib.gz"),
    ("mnist_fc 256x4", ROOT / "benchmarks/mnist_fc/onnx/mnist-net_256x4.onnx",
     ROOT / "benchmarks/mnist_fc/vnnlib/prop_0_0.03.vnnlib.gz"),
    ("mnist_fc 256x6", ROOT / "benchmarks/mnist_fc/onnx/mnist-net_256x6.onnx",
     ROOT / "benchmarks/mnist_fc/vnnlib/prop_0_0.03.vnnlib.gz"),
]


def per_call(function, budget):
    """Median seconds of one call, over as many calls as fit in `budget` seconds (at least 5)."""
    times = []
    deadline = time.perf_counter() + budget
    while len(times) < 5 or time.perf_counter() < deadline:
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(times)


def cli_run(cli, model, prop, method):
    start = time.perf_counter()
    done = subprocess.run([cli, "bounds", str(model), "--vnnlib", str(prop), "--method", method, "--json"],
                          capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    entry = json.loads(done.stdout)["inputs"][0]["methods"][method]
    return wall, entry


def measure_case(name, model, prop, method, cli, budget):
    net = certnn.Network.load(model)
    lower, upper = certnn.Property.load(prop).input_box(0)
    start = time.perf_counter()
    net.bounds(lower=lower, upper=upper, method=method)
    first_seconds = time.perf_counter() - start
    python_seconds, calls = per_call(lambda: net.bounds(lower=lower, upper=upper, method=method), budget)
    lb, ub = net.bounds(lower=lower, upper=upper, method=method)
    runs = [cli_run(cli, model, prop, method) for _ in range(5)]
    identical = all(np.array_equal(lb, e["lower"]) and np.array_equal(ub, e["upper"]) for _, e in runs)
    return {
        "network": name,
        "python_seconds": python_seconds,
        "python_calls": calls,
        "python_first_seconds": first_seconds,
        "cli_inside_seconds": statistics.median(e["seconds"] for _, e in runs),
        "cli_process_seconds": statistics.median(w for w, _ in runs),
        "identical": identical,
        "mean_width": float(np.mean(ub - lb)),
    }


def compare_auto_lirpa(budget):
    """CROWN bounds of certnn and auto_LiRPA on one PyTorch MLP and box: seconds and mean width."""
    import torch
    from auto_LiRPA import BoundedModule, BoundedTensor, PerturbationLpNorm

    torch.manual_seed(0)
    layers = [torch.nn.Flatten(), torch.nn.Linear(784, 256), torch.nn.ReLU()]
    for _ in range(3):
        layers += [torch.nn.Linear(256, 256), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(256, 10)).eval()
    x = torch.rand(1, 784, generator=torch.Generator().manual_seed(1))
    eps = 0.01
    net = certnn.from_torch(model, x)
    lo, hi = np.clip(x.numpy()[0] - eps, 0, 1), np.clip(x.numpy()[0] + eps, 0, 1)
    ours_seconds, _ = per_call(lambda: net.bounds(lower=lo, upper=hi, method="crown"), budget)
    lb, ub = net.bounds(lower=lo, upper=hi, method="crown")
    bounded = BoundedModule(model, torch.zeros_like(x))
    ball = BoundedTensor(x, PerturbationLpNorm(norm=np.inf, x_L=torch.tensor(lo[None]), x_U=torch.tensor(hi[None])))
    theirs_seconds, _ = per_call(lambda: bounded.compute_bounds(x=(ball,), method="CROWN"), budget)
    their_lb, their_ub = bounded.compute_bounds(x=(ball,), method="CROWN")
    return {
        "certnn_seconds": ours_seconds,
        "auto_lirpa_seconds": theirs_seconds,
        "certnn_mean_width": float(np.mean(ub - lb)),
        "auto_lirpa_mean_width": float((their_ub - their_lb).mean()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", default=os.environ.get("CERTNN_CLI", str(ROOT / "build" / "certnn")))
    parser.add_argument("--method", default="crown")
    parser.add_argument("--seconds", type=float, default=2.0, help="timing budget per measurement")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    rows = [measure_case(name, model, prop, args.method, args.cli, args.seconds) for name, model, prop in CASES]
    lirpa = None
    if importlib.util.find_spec("auto_LiRPA") is not None:
        lirpa = compare_auto_lirpa(args.seconds)
    if args.json:
        print(json.dumps({"method": args.method, "cases": rows, "auto_lirpa": lirpa}))
        return
    print(f"method {args.method}; load average {os.getloadavg()[0]:.2f}; certnn {certnn.__version__}")
    print(f"{'network':<20} {'python ms/call':>15} {'python first ms':>16} {'CLI inside ms':>14} "
          f"{'CLI process ms':>15} {'identical':>10}")
    for r in rows:
        print(f"{r['network']:<20} {1e3 * r['python_seconds']:>15.3f} {1e3 * r['python_first_seconds']:>16.3f} "
              f"{1e3 * r['cli_inside_seconds']:>14.3f} "
              f"{1e3 * r['cli_process_seconds']:>15.1f} {str(r['identical']):>10}")
    if lirpa is None:
        print("auto_LiRPA: not installed (no Debian package, and pip cannot reach PyPI here): no comparison")
    else:
        print(f"auto_LiRPA CROWN on a 784-256x4-10 PyTorch MLP: certnn {1e3 * lirpa['certnn_seconds']:.3f} ms, "
              f"auto_LiRPA {1e3 * lirpa['auto_lirpa_seconds']:.3f} ms; mean width certnn "
              f"{lirpa['certnn_mean_width']:.6g}, auto_LiRPA {lirpa['auto_lirpa_mean_width']:.6g}")
    if not all(r["identical"] for r in rows):
        raise SystemExit("python and CLI bounds differ")


if __name__ == "__main__":
    main()
