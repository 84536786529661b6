"""Independent float64 numpy reference outputs for the 45 ACAS Xu networks.

Reads each ONNX network with the `onnx` package and evaluates it by walking
graph.node in order (generic interpreter for Sub/Flatten/MatMul/Add/Relu;
initializers, e.g. `input_AvgImg`, are constants even where they are also
listed as graph inputs).  Writes, next to this script:
  reference.csv             4 seeded inputs per network drawn uniformly in the
                            raw ACAS Xu box lo=[0,-3.141593,-3.141593,100,0],
                            hi=[60760,3.141593,3.141593,1200,1200]  (180 rows)
  reference_normalized.csv  4 seeded inputs per network drawn uniformly in the
                            normalized box that the VNN-LIB properties use
                            (the ONNX files apply no input scaling; AvgImg = 0)
Columns: network,x0..x4,y0..y4 ; values '%.17g'.

Rerun (deterministic):
  /usr/bin/python3 tests/data/acasxu/make_reference.py [BENCHMARK_DIR]
BENCHMARK_DIR defaults to the repository's benchmarks/acasxu and must contain
onnx/ACASXU_run2a_<i>_<j>_batch_2000.onnx.
"""

import argparse
import os

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.join(HERE, "..", "..", "..", "benchmarks", "acasxu")
SAMPLES_PER_NET = 4

RAW_LO = np.array([0.0, -3.141593, -3.141593, 100.0, 0.0])
RAW_HI = np.array([60760.0, 3.141593, 3.141593, 1200.0, 1200.0])
# Normalized input box (as in the VNN-LIB files: X_0 in [-0.328422877, 0.679857769]).
NORM_LO = np.array([-0.328422877, -0.5, -0.5, -0.5, -0.5])
NORM_HI = np.array([0.679857769, 0.5, 0.5, 0.5, 0.5])


def to_f64(a):
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def evaluate(model, x):
    """Evaluate an ONNX graph in float64; x feeds the one non-constant input."""
    values = {t.name: to_f64(numpy_helper.to_array(t)) for t in model.graph.initializer}
    free_inputs = [i.name for i in model.graph.input if i.name not in values]
    assert len(free_inputs) == 1, free_inputs
    shape = [d.dim_value for d in model.graph.input[
        [i.name for i in model.graph.input].index(free_inputs[0])].type.tensor_type.shape.dim]
    values[free_inputs[0]] = np.asarray(x, dtype=np.float64).reshape(shape)

    for node in model.graph.node:
        args = [values[name] for name in node.input]
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        op = node.op_type
        if op == "Sub":
            out = args[0] - args[1]
        elif op == "Add":
            out = args[0] + args[1]
        elif op == "MatMul":
            out = np.matmul(args[0], args[1])
        elif op == "Relu":
            out = np.maximum(args[0], 0.0)
        elif op == "Flatten":
            axis = attrs.get("axis", 1)
            if axis < 0:
                axis += args[0].ndim
            out = args[0].reshape(int(np.prod(args[0].shape[:axis])), -1)
        else:
            raise NotImplementedError("unsupported op %s" % op)
        assert len(node.output) == 1
        values[node.output[0]] = out

    return values[model.graph.output[0].name].ravel()


def write_reference(path, nets, lo, hi, seed):
    rng = np.random.default_rng(seed)
    with open(path, "w") as f:
        f.write("network,x0,x1,x2,x3,x4,y0,y1,y2,y3,y4\n")
        for name, model in nets:
            for _ in range(SAMPLES_PER_NET):
                x = lo + (hi - lo) * rng.random(5)
                y = evaluate(model, x)
                assert y.shape == (5,)
                f.write(",".join([name] + ["%.17g" % v for v in np.concatenate([x, y])]) + "\n")
    print("wrote %s (%d rows)" % (path, len(nets) * SAMPLES_PER_NET))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("benchmark_dir", nargs="?", default=DEFAULT_DIR)
    args = ap.parse_args()

    nets = []
    for i in range(1, 6):
        for j in range(1, 10):
            name = "ACASXU_run2a_%d_%d_batch_2000.onnx" % (i, j)
            nets.append((name, onnx.load(os.path.join(args.benchmark_dir, "onnx", name))))

    write_reference(os.path.join(HERE, "reference.csv"), nets, RAW_LO, RAW_HI, seed=12345)
    write_reference(os.path.join(HERE, "reference_normalized.csv"), nets, NORM_LO, NORM_HI,
                    seed=54321)


if __name__ == "__main__":
    main()
