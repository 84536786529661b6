# Makes examples/digits_mlp.onnx (a 64-32-32-10 ReLU MLP trained on scikit-learn's 8x8 digits),
# examples/digits_inputs.csv (first 5 test images, pixels/16) and examples/digits_labels.csv.
# Rerun (deterministic, needs torch, onnx, sklearn): /usr/bin/python3 examples/make_digits_mlp.py
"""Train a small digits MLP and export it to ONNX for the certnn demo.

Produces, next to this script:
  digits_mlp.onnx     opset 13, input 'input' [1,64] (pixels in [0,1]), output 'output' [1,10] logits
  digits_inputs.csv   the first 5 test images, 64 values per row ('%.17g', no header)
  digits_labels.csv   their 5 true labels, one per line

Data: sklearn.datasets.load_digits() (shipped with scikit-learn, no download),
deterministic 80/20 split (numpy permutation, seed 0).  Training: torch seed 0,
full-batch Adam (lr 1e-2) for 300 steps on CPU.

Rerun: /usr/bin/python3 examples/make_digits_mlp.py
"""

import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)  # bitwise-reproducible training

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)  # exact: pixels are integers 0..16
    y = digits.target.astype(np.int64)
    perm = np.random.default_rng(0).permutation(len(x))
    n_train = int(round(0.8 * len(x)))
    train, test = perm[:n_train], perm[n_train:]
    x_train, y_train = torch.from_numpy(x[train]), torch.from_numpy(y[train])
    x_test, y_test = torch.from_numpy(x[test]), torch.from_numpy(y[test])

    model = nn.Sequential(
        nn.Linear(64, 32), nn.ReLU(),
        nn.Linear(32, 32), nn.ReLU(),
        nn.Linear(32, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(300):
        opt.zero_grad()
        loss = loss_fn(model(x_train), y_train)
        loss.backward()
        opt.step()
    model.eval()

    with torch.no_grad():
        train_acc = (model(x_train).argmax(1) == y_train).float().mean().item()
        test_pred = model(x_test).argmax(1)
        test_acc = (test_pred == y_test).float().mean().item()
    print("final train loss %.4f" % loss.item())
    print("train accuracy %.4f (%d samples)" % (train_acc, len(train)))
    print("test accuracy  %.4f (%d samples)" % (test_acc, len(test)))

    onnx_path = os.path.join(HERE, "digits_mlp.onnx")
    torch.onnx.export(model, torch.zeros(1, 64), onnx_path, opset_version=13,
                      do_constant_folding=True,
                      input_names=["input"], output_names=["output"])
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    print("exported %s ops=%s" % (onnx_path, [n.op_type for n in m.graph.node]))

    n_ex = 5
    with open(os.path.join(HERE, "digits_inputs.csv"), "w") as f:
        for row in x_test[:n_ex].numpy().astype(np.float64):
            f.write(",".join("%.17g" % v for v in row) + "\n")
    with open(os.path.join(HERE, "digits_labels.csv"), "w") as f:
        for label in y_test[:n_ex].tolist():
            f.write("%d\n" % label)
    print("first %d test labels     %s" % (n_ex, y_test[:n_ex].tolist()))
    print("first %d test predictions %s" % (n_ex, test_pred[:n_ex].tolist()))
    with torch.no_grad():
        logits = model.double()(x_test[:n_ex].double())
        top2 = logits.topk(2, dim=1).values
    print("logit margins (top1 - top2):", ["%.3f" % v for v in (top2[:, 0] - top2[:, 1]).tolist()])


if __name__ == "__main__":
    main()
