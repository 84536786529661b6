"""PyTorch interoperation: tensors as inputs, and models exported through from_torch."""

import numpy as np
import pytest

import certnn

torch = pytest.importorskip("torch", reason="PyTorch (Debian python3-torch) is not installed")


def mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.Tanh(),
                               torch.nn.Linear(16, 4))


def cnn():
    torch.manual_seed(1)
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, stride=1, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 8, 3, stride=2), torch.nn.BatchNorm2d(8), torch.nn.Sigmoid(), torch.nn.Flatten(),
        torch.nn.Linear(8 * 2 * 2, 10),
    ).eval()


@pytest.mark.parametrize("make, shape", [(mlp, (20,)), (cnn, (1, 12, 12))])
def test_round_trip_matches_torch_in_float32(make, shape):
    module = make()
    x = torch.rand((32,) + shape, generator=torch.Generator().manual_seed(2))
    net = certnn.from_torch(module, x)
    assert net.input_shape == (1,) + shape
    with torch.no_grad():
        expected = module(x).numpy()
    got = net(x)  # a float32 tensor: the float32 forward pass
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.max(np.abs(got - expected)) <= 1e-6 * max(1.0, np.max(np.abs(expected)))
    assert np.allclose(net(x.numpy().astype(np.float64)), expected, rtol=1e-5, atol=1e-6)


def test_forward_float64_is_a_numpy_reimplementation():
    module = mlp()
    net = certnn.from_torch(module, torch.zeros(1, 20))
    w = [layer.weight.detach().numpy().astype(np.float64) for layer in module if isinstance(layer, torch.nn.Linear)]
    b = [layer.bias.detach().numpy().astype(np.float64) for layer in module if isinstance(layer, torch.nn.Linear)]
    x = np.random.default_rng(3).random((50, 20))
    reference = np.tanh(np.maximum(x @ w[0].T + b[0], 0) @ w[1].T + b[1]) @ w[2].T + b[2]
    assert np.allclose(net(x), reference, rtol=1e-13, atol=1e-13)


def test_tensors_that_require_grad_are_accepted():
    module = mlp()
    net = certnn.from_torch(module, torch.zeros(1, 20))
    x = torch.rand(3, 20, requires_grad=True)
    lb, ub = net.bounds(x.double(), eps=0.01, method="ibp")
    y = net(x.detach().double())
    assert np.all(lb <= y) and np.all(y <= ub)


def test_from_torch_leaves_the_module_in_training_mode():
    module = mlp().train()
    certnn.from_torch(module, torch.zeros(2, 20))
    assert module.training


def test_softmax_model_is_refused_by_crown_but_bounded_by_ibp():
    torch.manual_seed(4)
    module = torch.nn.Sequential(torch.nn.Linear(5, 3), torch.nn.Softmax(dim=1))
    net = certnn.from_torch(module, torch.zeros(1, 5))
    x = np.full(5, 0.5)
    with pytest.raises(certnn.Unsupported, match="crown.*Softmax"):
        net.bounds(x, eps=0.1, method="crown")
    lb, ub = net.bounds(x, eps=0.1, method="ibp")
    assert np.all(lb >= 0) and np.all(ub <= 1) and np.all(lb <= net(x)) and np.all(net(x) <= ub)
