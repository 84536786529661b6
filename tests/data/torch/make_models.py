"""Build small PyTorch reference models, export them to ONNX, and write reference I/O.

Produces, next to this script, for each model <name>:
  <name>.onnx          opset 13, fixed batch size 1, float32 weights,
                       graph input 'input', graph output 'output'
  <name>.input.csv     8 rows: random inputs flattened row-major (C order),
                       float32-representable values printed with '%.17g'
  <name>.expected.csv  8 rows: outputs computed in float64 (model.double()), '%.17g'
                       of the function the .onnx file holds (see expected_model)
Models: mlp_relu, mlp_tanh, mlp_sigmoid, cnn, cnn_bn_pool_pad, residual_mlp,
normalized, channel_norm, plus cnn_bn_pool_pad_keepbn (same weights as
cnn_bn_pool_pad, exported without folding BatchNorm into the Conv).

Rerun (deterministic, fixed seeds; needs torch + onnx, i.e. Debian's python):
  /usr/bin/python3 tests/data/torch/make_models.py
"""

import copy
import os

import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
N_SAMPLES = 8


def f32(v):
    """Round a Python float to the nearest float32 value.

    ONNX stores scalar constants/attributes (Sub/Div constants, LeakyRelu alpha,
    BatchNormalization epsilon) as float32, while model.double() would use the
    float64 value.  Using float32-representable constants makes the float64
    reference outputs match a float64 evaluation of the exported graph.
    """
    return float(np.float32(v))


def mlp(act):
    return nn.Sequential(
        nn.Linear(10, 20), act(),
        nn.Linear(20, 20), act(),
        nn.Linear(20, 5),
    )


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, stride=1, padding=1), nn.ReLU(),
        nn.Conv2d(4, 8, 3, stride=2, padding=1, dilation=1), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(8 * 6 * 6, 10),
    )


def randomize_bn(bn):
    """Give a BatchNorm non-trivial running stats and affine parameters."""
    c = bn.num_features
    bn.eps = f32(bn.eps)
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(c) * 0.5)
        bn.running_var.copy_(torch.rand(c) * 1.5 + 0.25)
        bn.weight.copy_(torch.randn(c) * 0.5 + 1.0)
        bn.bias.copy_(torch.randn(c) * 0.3)


def cnn_bn_pool_pad():
    features = nn.Sequential(
        nn.ZeroPad2d((1, 2, 0, 1)),          # (left, right, top, bottom)
        nn.Conv2d(3, 6, 3, dilation=2),
        nn.BatchNorm2d(6),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Conv2d(6, 4, 3, padding=1),
        nn.LeakyReLU(f32(0.1)),
        nn.MaxPool2d(2),
        nn.Flatten(),
    )
    randomize_bn(features[2])
    features.eval()
    with torch.no_grad():
        n_flat = features(torch.zeros(1, 3, 10, 10)).shape[1]
    return nn.Sequential(*features, nn.Linear(n_flat, 7))


class ResidualMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(12, 16)
        self.l2 = nn.Linear(16, 16)
        self.l3 = nn.Linear(16, 16)
        self.l4 = nn.Linear(16, 6)

    def forward(self, x):
        h = F.relu(self.l1(x))
        h = h + F.relu(self.l2(h))
        h = h - self.l3(h)
        return self.l4(h)


class Normalized(nn.Module):
    def __init__(self):
        super().__init__()
        self.mean = f32(0.1307)
        self.std = f32(0.3081)
        self.fc1 = nn.Linear(36, 10)
        self.fc2 = nn.Linear(10, 3)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        return self.softmax(self.fc2(x))


class ChannelNorm(nn.Module):
    def __init__(self):
        super().__init__()
        # Buffers so that model.double() converts them too.
        self.register_buffer("scale", torch.tensor([0.5, -1.25, 2.0]).view(1, 3, 1, 1))
        self.register_buffer("shift", torch.tensor([0.1, 0.3, -0.7]).view(1, 3, 1, 1))
        self.conv = nn.Conv2d(3, 2, 3)
        self.fc = nn.Linear(18, 4)

    def forward(self, x):
        x = x * self.scale + self.shift
        x = torch.sigmoid(self.conv(x))
        x = torch.flatten(x, 1)
        return torch.tanh(self.fc(x))


# name -> (constructor, input shape, (lo, hi) of the uniform input distribution,
#          extra torch.onnx.export kwargs)
MODELS = [
    ("mlp_relu", lambda: mlp(nn.ReLU), (1, 10), (-1.0, 1.0), {}),
    ("mlp_tanh", lambda: mlp(nn.Tanh), (1, 10), (-1.0, 1.0), {}),
    ("mlp_sigmoid", lambda: mlp(nn.Sigmoid), (1, 10), (-1.0, 1.0), {}),
    ("cnn", cnn, (1, 1, 12, 12), (0.0, 1.0), {}),
    ("cnn_bn_pool_pad", cnn_bn_pool_pad, (1, 3, 10, 10), (0.0, 1.0), {}),
    ("residual_mlp", ResidualMLP, (1, 12), (-1.0, 1.0), {}),
    ("normalized", Normalized, (1, 1, 6, 6), (0.0, 1.0), {}),
    ("channel_norm", ChannelNorm, (1, 3, 5, 5), (0.0, 1.0), {}),
    # Same network and weights as cnn_bn_pool_pad, but exported with
    # TrainingMode.PRESERVE so that the exporter does NOT fold the BatchNorm
    # into the preceding Conv: the graph keeps a BatchNormalization node
    # (inference form, one output).  The default (EVAL) export fuses it, with
    # the fused Conv weights rounded to float32.
    ("cnn_bn_pool_pad_keepbn", cnn_bn_pool_pad, (1, 3, 10, 10), (0.0, 1.0),
     {"training": torch.onnx.TrainingMode.PRESERVE}),
]


def onnx_initializers(model_proto):
    return {t.name: numpy_helper.to_array(t) for t in model_proto.graph.initializer}


def expected_model(model, model_proto):
    """The float64 torch model whose function is exactly the exported ONNX graph's.

    The default (EVAL) export folds each BatchNorm into the Conv before it and rounds
    the folded weights to float32, so model.double() differs from the ONNX function
    (by ~5e-9 here).  This rebuilds the model from the ONNX file's own weights: the
    i-th Conv2d/Linear takes the weight and bias of the i-th Conv/Gemm node, and a
    BatchNorm that the export folded away becomes an Identity.  Unfolded layers must
    hold the torch weights exactly; the assertions check it.
    """
    model64 = copy.deepcopy(model).double().eval()
    onnx_ops = op_types(model_proto)
    if "BatchNormalization" in onnx_ops or not any(
            isinstance(m, nn.BatchNorm2d) for m in model64.modules()):
        return model64
    weights = onnx_initializers(model_proto)
    nodes = [n for n in model_proto.graph.node if n.op_type in ("Conv", "Gemm")]
    layers = [m for m in model64.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(nodes) == len(layers), (len(nodes), len(layers))
    # The Conv each BatchNorm follows (in module order) is the one it was folded into.
    modules = list(model64.modules())
    folded = set()
    for i, m in enumerate(modules):
        if isinstance(m, nn.BatchNorm2d):
            assert isinstance(modules[i - 1], nn.Conv2d)
            folded.add(id(modules[i - 1]))
    with torch.no_grad():
        for node, layer in zip(nodes, layers):
            w = torch.from_numpy(weights[node.input[1]].astype(np.float64))
            b = torch.from_numpy(weights[node.input[2]].astype(np.float64))
            assert w.shape == layer.weight.shape and b.shape == layer.bias.shape
            if id(layer) not in folded:
                assert torch.equal(w, layer.weight) and torch.equal(b, layer.bias), node.name
            layer.weight.copy_(w)
            layer.bias.copy_(b)
    # Replace every BatchNorm2d by Identity (the folded graph has no normalisation left).
    for parent in model64.modules():
        for child_name, child in list(parent.named_children()):
            if isinstance(child, nn.BatchNorm2d):
                setattr(parent, child_name, nn.Identity())
    return model64.eval()


def write_csv(path, rows):
    with open(path, "w") as f:
        for row in rows:
            f.write(",".join("%.17g" % v for v in row) + "\n")


def dims(value_info):
    return [d.dim_value if d.HasField("dim_value") else d.dim_param
            for d in value_info.type.tensor_type.shape.dim]


def op_types(model_proto):
    return [n.op_type for n in model_proto.graph.node]


def main():
    for idx, (name, ctor, shape, (lo, hi), export_kwargs) in enumerate(MODELS):
        # Seeds depend on the architecture, so *_keepbn shares weights/inputs.
        seed = 1000 + [m[1] for m in MODELS].index(ctor)
        torch.manual_seed(seed)
        model = ctor()
        model.eval()

        onnx_path = os.path.join(HERE, name + ".onnx")
        example = torch.zeros(shape, dtype=torch.float32)
        torch.onnx.export(model, example, onnx_path, opset_version=13,
                          do_constant_folding=True,
                          input_names=["input"], output_names=["output"],
                          **export_kwargs)

        # Inputs: float32 values, stored/evaluated as float64.
        rng = np.random.default_rng(seed + 1000)
        xs = rng.uniform(lo, hi, size=(N_SAMPLES,) + shape[1:])
        xs = xs.astype(np.float32).astype(np.float64)

        model64 = expected_model(model, onnx.load(onnx_path))
        with torch.no_grad():
            ys = model64(torch.from_numpy(xs)).numpy()

        write_csv(os.path.join(HERE, name + ".input.csv"), xs.reshape(N_SAMPLES, -1))
        write_csv(os.path.join(HERE, name + ".expected.csv"), ys.reshape(N_SAMPLES, -1))

        m = onnx.load(onnx_path)
        onnx.checker.check_model(m)
        print("%-22s in=%s out=%s ops=%s"
              % (name, dims(m.graph.input[0]), dims(m.graph.output[0]), op_types(m)))


if __name__ == "__main__":
    main()
