"""Train a small classifier in PyTorch, then prove and attack its robustness with certnn.

    /usr/bin/python3 examples/python/certify_torch_model.py [--eps 0.01,0.02] [--json]

1. Trains a 64-32-32-10 ReLU MLP on scikit-learn's 8x8 digits (pixels scaled to [0, 1]; with
   no scikit-learn, on synthetic data of the same shape) for a few seconds of CPU.
2. Exports it with certnn.from_torch and checks that certnn computes what PyTorch does.
3. Per radius eps, over the test set: the certified accuracy (CROWN bounds prove the label's
   logit above every other over the L-inf ball) and the accuracy under PGD. For every input
   certified <= robust <= attacked, so the true robust accuracy lies between the two.
4. For a few inputs, the bracket of the robustness radius: certified <= true radius <= attacked.
"""

import argparse
import json
import time

import numpy as np
import torch

import certnn


def load_data(seed=0):
    """(train_x, train_y, test_x, test_y), pixels in [0, 1]."""
    try:
        from sklearn.datasets import load_digits

        digits = load_digits()
        x, y, source = digits.data / 16.0, digits.target, "scikit-learn digits"
    except ImportError:
        rng = np.random.default_rng(seed)
        centres = rng.random((10, 64))
        y = rng.integers(0, 10, 1800)
        x, source = np.clip(centres[y] + rng.normal(0, 0.15, (1800, 64)), 0, 1), "synthetic digits-shaped data"
    order = np.random.default_rng(seed).permutation(len(y))
    split = int(0.8 * len(y))
    train, test = order[:split], order[split:]
    return x[train], y[train], x[test], y[test], source


def train_mlp(x, y, steps=300, seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(),
                                torch.nn.Linear(32, 10))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    inputs, labels = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs), labels)
        loss.backward()
        optimiser.step()
    return model.eval()


def certified_by_bounds(net, x, labels, eps, method):
    """Whether the bounds prove each input's class over its ball: the label's lower bound above
    every other output's upper bound (sound, if looser than bounding the margins themselves)."""
    lower, upper = net.bounds(x, eps=eps, method=method)
    rows = np.arange(len(labels))
    others = upper.copy()
    others[rows, labels] = -np.inf
    return lower[rows, labels] > others.max(axis=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eps", default="0.01,0.02,0.05", help="comma-separated L-inf radii")
    parser.add_argument("--radius-inputs", type=int, default=4, help="inputs whose radius is bracketed")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object at the end")
    args = parser.parse_args()
    radii = [float(e) for e in args.eps.split(",")]
    start = time.monotonic()

    train_x, train_y, test_x, test_y, source = load_data()
    model = train_mlp(train_x, train_y)
    net = certnn.from_torch(model, torch.tensor(test_x[:1], dtype=torch.float32))
    with torch.no_grad():
        torch_out = model(torch.tensor(test_x, dtype=torch.float32)).numpy()
    agreement = float(np.max(np.abs(net(test_x.astype(np.float32)) - torch_out)))
    clean = float(np.mean(net.predict(test_x) == test_y))
    print(f"{net} trained on {source}")
    print(f"certnn's float32 outputs differ from PyTorch's by at most {agreement:.2e}")
    print(f"clean test accuracy {clean:.4f} ({len(test_y)} images)")

    summary = {"clean_accuracy": clean, "max_difference_from_torch": agreement, "eps": {}}
    print(f"\n{'eps':>6}  {'certified (ibp)':>16}  {'certified (crown)':>18}  {'attacked (PGD)':>15}")
    for eps in radii:
        correct = net.predict(test_x) == test_y
        ibp = float(np.mean(correct & certified_by_bounds(net, test_x, test_y, eps, "ibp")))
        crown = float(np.mean(correct & certified_by_bounds(net, test_x, test_y, eps, "crown")))
        attacked = net.attack(test_x, test_y, eps=eps, steps=20).attacked_accuracy
        summary["eps"][repr(eps)] = {"certified_ibp": ibp, "certified_crown": crown, "attacked": attacked}
        print(f"{eps:>6}  {ibp:>16.4f}  {crown:>18.4f}  {attacked:>15.4f}")

    count = args.radius_inputs
    bracket = net.radius(test_x[:count], test_y[:count], method="crown", steps=20, restarts=1)
    print("\nrobustness radius (L-inf), certified by crown <= true <= attacked by PGD:")
    summary["radius"] = []
    for i in range(count):
        print(f"  test image {i} (label {test_y[i]}): {bracket.certified[i]:.4f} <= r <= {bracket.attacked[i]:.4f}")
        summary["radius"].append({"label": int(test_y[i]), "certified": float(bracket.certified[i]),
                                  "attacked": None if np.isnan(bracket.attacked[i]) else float(bracket.attacked[i])})
    summary["seconds"] = time.monotonic() - start
    print(f"\n{summary['seconds']:.1f} s")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
