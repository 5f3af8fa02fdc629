"""models: the nonlinearity generator (NG paper eqs. 1 and 3), activations by
name, weight initialisations (Glorot, He, Saxe) and the NG toy CNN (Table 1).

Expected numbers are computed by hand and written literally; they are never
produced by the code under test.
"""
import math

import pytest
import torch
import torch.nn as nn

import models
from models import NGToyCNN, build_model, count_parameters, init_model, ng_modules
from models.activations import (LRELU_SLOPE, PRELU_INIT, NonlinearityGenerator, activation,
                                activation_names, output_channels, reference_curve)
from models.init import fans, init_weight


# ---------------------------------------------------------------------------
# NonlinearityGenerator: NG(f)(x) = f(x - t) + t, channel-wise t
# ---------------------------------------------------------------------------

T_CHANNEL = [-1.0, 0.5]  # t of channel 0, channel 1

# x of shape (N=2, C=2, H=2, W=2). Sample 0 holds the interesting values
# (including ties x == t); sample 1 is above t everywhere except one position.
X = [
    [[[-1.5, -1.0], [0.0, 2.0]],      # n=0, c=0 (t = -1)
     [[-0.5, 0.5], [1.0, 0.25]]],     # n=0, c=1 (t = 0.5)
    [[[-2.0, 3.0], [3.0, 3.0]],       # n=1, c=0
     [[3.0, 3.0], [3.0, 3.0]]],       # n=1, c=1
]
# upstream gradient dL/dy
G = [
    [[[1.0, 2.0], [3.0, 4.0]],
     [[5.0, 6.0], [7.0, 8.0]]],
    [[[10.0, 10.0], [10.0, 10.0]],
     [[10.0, 10.0], [10.0, 10.0]]],
]


def _x(requires_grad=False):
    return torch.tensor(X, requires_grad=requires_grad)


def _ng(base, trainable=True):
    ng = NonlinearityGenerator(base, (2,), t_init=-1.0, trainable=trainable)
    with torch.no_grad():
        ng.t.copy_(torch.tensor(T_CHANNEL))
    return ng


def test_constants_are_the_documented_choices():
    assert LRELU_SLOPE == 0.01
    assert PRELU_INIT == 0.25


def test_ng_relu_forward_channelwise_by_hand():
    y = _ng(nn.ReLU())(_x())
    # NG-ReLU(x) = max(x, t)
    expected = torch.tensor([
        [[[-1.0, -1.0], [0.0, 2.0]],
         [[0.5, 0.5], [1.0, 0.5]]],
        [[[-1.0, 3.0], [3.0, 3.0]],
         [[3.0, 3.0], [3.0, 3.0]]],
    ])
    torch.testing.assert_close(y, expected, rtol=0, atol=1e-7)


def test_ng_lrelu_forward_channelwise_by_hand():
    y = _ng(nn.LeakyReLU(0.01))(_x())
    # c0: x - t = [-0.5, 0, 1, 3] -> [-0.005, 0, 1, 3] - 1
    # c1: x - t = [-1, 0, 0.5, -0.25] -> [-0.01, 0, 0.5, -0.0025] + 0.5
    # n=1 c0: x - t = [-1, 4, 4, 4] -> [-0.01, 4, 4, 4] - 1
    expected = torch.tensor([
        [[[-1.005, -1.0], [0.0, 2.0]],
         [[0.49, 0.5], [1.0, 0.4975]]],
        [[[-1.01, 3.0], [3.0, 3.0]],
         [[3.0, 3.0], [3.0, 3.0]]],
    ])
    torch.testing.assert_close(y, expected, rtol=0, atol=1e-6)


def test_ng_prelu_forward_channelwise_by_hand():
    ng = activation("ng-prelu", 2)
    assert isinstance(ng, NonlinearityGenerator) and isinstance(ng.base, nn.PReLU)
    with torch.no_grad():
        ng.t.copy_(torch.tensor(T_CHANNEL))
    y = ng(_x())
    # slope 0.25: c0: [-0.125, 0, 1, 3] - 1 ; c1: [-0.25, 0, 0.5, -0.0625] + 0.5
    # n=1 c0: [-0.25, 4, 4, 4] - 1
    expected = torch.tensor([
        [[[-1.125, -1.0], [0.0, 2.0]],
         [[0.25, 0.5], [1.0, 0.4375]]],
        [[[-1.25, 3.0], [3.0, 3.0]],
         [[3.0, 3.0], [3.0, 3.0]]],
    ])
    torch.testing.assert_close(y, expected, rtol=0, atol=1e-6)


def test_ng_relu_gradient_wrt_t_is_eq3_per_channel():
    ng = _ng(nn.ReLU())
    x = _x(requires_grad=True)
    ng(x).backward(torch.tensor(G))
    # eq. 3: dNG/dt = 1 where x <= t. Summed upstream gradient over those positions:
    # c0 (t=-1): n0 x=-1.5 (1), x=-1.0 (2); n1 x=-2 (10)          -> 13
    # c1 (t=0.5): n0 x=-0.5 (5), x=0.5 (6), x=0.25 (8); n1 none   -> 19
    torch.testing.assert_close(ng.t.grad, torch.tensor([13.0, 19.0]), rtol=0, atol=0)


def test_ng_relu_gradient_wrt_x_is_one_above_t_else_zero():
    ng = _ng(nn.ReLU())
    x = _x(requires_grad=True)
    ng(x).backward(torch.tensor(G))
    expected = torch.tensor([
        [[[0.0, 0.0], [3.0, 4.0]],
         [[0.0, 0.0], [7.0, 0.0]]],
        [[[0.0, 10.0], [10.0, 10.0]],
         [[10.0, 10.0], [10.0, 10.0]]],
    ])
    torch.testing.assert_close(x.grad, expected, rtol=0, atol=0)


def test_ng_lrelu_gradient_wrt_t_by_hand():
    # d/dt [lrelu(x - t) + t] = 1 - lrelu'(x - t): 0.99 where x < t, 0 where x > t.
    # No ties here (the derivative of lrelu at 0 is a convention).
    ng = NonlinearityGenerator(nn.LeakyReLU(LRELU_SLOPE), (2,))
    with torch.no_grad():
        ng.t.copy_(torch.tensor([-1.0, 0.5]))
    x = torch.tensor([[[[-2.0, 0.0]], [[0.0, 1.0]]]], requires_grad=True)  # (1, 2, 1, 2)
    ng(x).backward(torch.tensor([[[[3.0, 5.0]], [[7.0, 11.0]]]]))
    # c0: only x=-2 < -1 -> 0.99*3 ; c1: only x=0 < 0.5 -> 0.99*7
    torch.testing.assert_close(ng.t.grad, torch.tensor([2.97, 6.93]), rtol=0, atol=1e-5)
    torch.testing.assert_close(x.grad, torch.tensor([[[[0.03, 5.0]], [[0.07, 11.0]]]]), rtol=0, atol=1e-6)


def test_fixed_t_is_a_buffer_without_gradient():
    ng = _ng(nn.ReLU(), trainable=False)
    assert "t" in dict(ng.named_buffers())
    assert "t" not in dict(ng.named_parameters())
    assert not isinstance(ng.t, nn.Parameter)
    assert list(ng.parameters()) == []
    assert "t" in ng.state_dict()
    x = _x(requires_grad=True)
    y = ng(x)
    y.backward(torch.tensor(G))
    assert ng.t.grad is None and not ng.t.requires_grad
    torch.testing.assert_close(ng.t, torch.tensor(T_CHANNEL))
    # forward is still max(x, t)
    assert y[0, 1, 0, 0].item() == 0.5 and y[0, 0, 0, 0].item() == -1.0


def test_trainable_t_is_a_parameter():
    ng = NonlinearityGenerator(nn.ReLU(), (3,), t_init=-1.0, trainable=True)
    assert isinstance(ng.t, nn.Parameter) and ng.t.requires_grad
    params = dict(ng.named_parameters())
    assert list(params) == ["t"]
    assert params["t"].shape == (3,)
    assert "t" not in dict(ng.named_buffers())


def test_elementwise_t():
    # t_shape = (C, H, W): one t per element, shared over the batch
    ng = NonlinearityGenerator(nn.ReLU(), (2, 1, 2))
    with torch.no_grad():
        ng.t.copy_(torch.tensor([[[0.0, 1.0]], [[-1.0, 2.0]]]))
    x = torch.tensor([
        [[[0.5, 0.5]], [[-2.0, 3.0]]],
        [[[-0.5, 1.5]], [[0.0, 1.0]]],
    ], requires_grad=True)  # (N=2, C=2, H=1, W=2)
    y = ng(x)
    expected = torch.tensor([
        [[[0.5, 1.0]], [[-1.0, 3.0]]],
        [[[0.0, 1.5]], [[0.0, 2.0]]],
    ])
    torch.testing.assert_close(y, expected, rtol=0, atol=0)
    y.backward(torch.tensor([
        [[[1.0, 2.0]], [[3.0, 4.0]]],
        [[[5.0, 6.0]], [[7.0, 8.0]]],
    ]))
    # x <= t at: n0 (c0,w1):2, n0 (c1,w0):3, n1 (c0,w0):5, n1 (c1,w1):8
    torch.testing.assert_close(ng.t.grad, torch.tensor([[[5.0, 2.0]], [[3.0, 8.0]]]), rtol=0, atol=0)


def test_elementwise_t_for_dense_layer():
    ng = NonlinearityGenerator(nn.ReLU(), (3,))
    with torch.no_grad():
        ng.t.copy_(torch.tensor([-1.0, 0.0, 1.0]))
    x = torch.tensor([[0.0, -1.0, 0.5], [-2.0, 2.0, 3.0]])
    torch.testing.assert_close(ng(x), torch.tensor([[0.0, 0.0, 1.0], [-1.0, 2.0, 3.0]]), rtol=0, atol=0)


def test_fast_relu_path_equals_generic_path():
    torch.manual_seed(0)
    fast = NonlinearityGenerator(nn.ReLU(), (4,))
    slow = NonlinearityGenerator(nn.LeakyReLU(0.0), (4,))  # not nn.ReLU: generic base(x - t) + t
    t = torch.randn(4)
    with torch.no_grad():
        fast.t.copy_(t)
        slow.t.copy_(t)
    x = torch.randn(8, 4, 5, 5) * 2
    x1 = x.clone().requires_grad_(True)
    x2 = x.clone().requires_grad_(True)
    y1, y2 = fast(x1), slow(x2)
    torch.testing.assert_close(y1, y2, rtol=0, atol=1e-6)
    g = torch.randn_like(y1)
    y1.backward(g)
    y2.backward(g)
    torch.testing.assert_close(fast.t.grad, slow.t.grad, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(x1.grad, x2.grad, rtol=0, atol=0)
    # and both really differ from a plain ReLU (t matters)
    assert not torch.allclose(y1, torch.relu(x))


def test_reference_curve_ng_relu():
    x = torch.tensor([-3.0, -1.0, 0.0, 2.0])
    torch.testing.assert_close(reference_curve("ng-relu", x, t=-1.0), torch.tensor([-1.0, -1.0, 0.0, 2.0]))
    torch.testing.assert_close(reference_curve("ng-prelu", x, t=-1.0), torch.tensor([-1.5, -1.0, 0.0, 2.0]))


# ---------------------------------------------------------------------------
# activation(name, C)
# ---------------------------------------------------------------------------

def test_activation_names_listed():
    names = activation_names()
    for b in ("none", "relu", "lrelu", "prelu", "selu", "tanh", "sigmoid"):
        assert b in names
    for b in ("relu", "lrelu", "prelu", "selu", "tanh", "sigmoid"):
        assert f"ng-{b}" in names
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("name", activation_names())
def test_activation_preserves_shape(name):
    torch.manual_seed(0)
    m = activation(name, 3)
    assert isinstance(m, nn.Module)
    x = torch.randn(2, 3, 4, 4)
    y = m(x)
    assert y.shape == (2, output_channels(name, 3), 4, 4)
    assert y.shape == x.shape or name == "crelu"
    assert torch.isfinite(y).all()
    if name.startswith("ng-"):
        assert isinstance(m, NonlinearityGenerator)
        assert m.t.shape == (3,)
        assert torch.all(m.t == -1.0)
    else:
        assert not isinstance(m, NonlinearityGenerator)


def test_base_activation_values():
    x = torch.tensor([[-2.0, 3.0]])
    torch.testing.assert_close(activation("relu")(x), torch.tensor([[0.0, 3.0]]))
    torch.testing.assert_close(activation("lrelu")(x), torch.tensor([[-0.02, 3.0]]))
    torch.testing.assert_close(activation("none")(x), x)
    prelu = activation("prelu", 2)
    assert prelu.weight.shape == (2,) and torch.all(prelu.weight == 0.25)
    torch.testing.assert_close(activation("prelu", 1)(x), torch.tensor([[-0.5, 3.0]]))


@pytest.mark.parametrize("name", ["nope", "ng-nope", "RELU", ""])
def test_unknown_activation_raises_with_valid_names(name):
    with pytest.raises(ValueError) as exc:
        activation(name, 3)
    msg = str(exc.value)
    for valid in ("relu", "lrelu", "prelu", "ng-relu", "ng-prelu"):
        assert valid in msg


def test_ng_activation_t_init_and_options():
    m = activation("ng-relu", 5, t_init=0.3)
    assert m.t.shape == (5,)
    torch.testing.assert_close(m.t.detach(), torch.full((5,), 0.3))
    fixed = activation("ng-lrelu", 4, t_trainable=False)
    assert not isinstance(fixed.t, nn.Parameter) and "t" in dict(fixed.named_buffers())
    torch.testing.assert_close(fixed.t, torch.full((4,), -1.0))
    elem = activation("ng-relu", 2, elementwise_shape=(2, 3, 3), t_init=-0.5)
    assert elem.t.shape == (2, 3, 3)
    assert torch.all(elem.t == -0.5)
    assert elem(torch.randn(4, 2, 3, 3)).shape == (4, 2, 3, 3)


# ---------------------------------------------------------------------------
# Initialisations
# ---------------------------------------------------------------------------

def _layers():
    torch.manual_seed(0)
    # (layer, fan_in, fan_out) computed by hand: conv fan = channels * 3 * 3
    return [(nn.Conv2d(64, 128, 3), 64 * 9, 128 * 9), (nn.Linear(1024, 512), 1024, 512)]


def test_fans_by_hand():
    assert fans(torch.empty(128, 64, 3, 3)) == (576, 1152)
    assert fans(torch.empty(512, 1024)) == (1024, 512)
    assert fans(torch.empty(16, 8, 5, 3)) == (120, 240)


def _fill_bias(m):
    with torch.no_grad():
        m.bias.fill_(1.0)


@pytest.mark.parametrize("idx", [0, 1], ids=["conv", "linear"])
def test_xavier_variance_and_support(idx):
    layer, fan_in, fan_out = _layers()[idx]
    _fill_bias(layer)
    init_model(layer, "xavier", generator=torch.Generator().manual_seed(1))
    w = layer.weight.detach().double()
    assert w.numel() >= 73_000
    target = 2.0 / (fan_in + fan_out)
    assert abs(w.var().item() / target - 1) < 0.05
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    assert w.abs().max().item() <= bound
    assert w.abs().max().item() > 0.99 * bound  # really uses the whole support
    assert torch.all(layer.bias == 0)


@pytest.mark.parametrize("idx", [0, 1], ids=["conv", "linear"])
def test_msra_variance_and_mean(idx):
    layer, fan_in, _ = _layers()[idx]
    _fill_bias(layer)
    init_model(layer, "msra", generator=torch.Generator().manual_seed(2))
    w = layer.weight.detach().double()
    target = 2.0 / fan_in
    assert abs(w.var().item() / target - 1) < 0.05
    # mean within 5 standard errors of 0
    assert abs(w.mean().item()) < 5 * math.sqrt(target / w.numel())
    # Gaussian, not uniform: some weights beyond sqrt(3) sigma (a uniform of that variance has none)
    assert w.abs().max().item() > math.sqrt(3 * target) * 1.5
    assert torch.all(layer.bias == 0)


@pytest.mark.parametrize("idx", [0, 1], ids=["conv", "linear"])
def test_orthogonal_rows_orthonormal(idx):
    layer, _, _ = _layers()[idx]
    _fill_bias(layer)
    init_model(layer, "orthogonal", generator=torch.Generator().manual_seed(3))
    w = layer.weight.detach().double().reshape(layer.weight.shape[0], -1)
    assert w.shape[0] <= w.shape[1]
    torch.testing.assert_close(w @ w.T, torch.eye(w.shape[0], dtype=torch.float64), rtol=0, atol=1e-4)
    assert torch.all(layer.bias == 0)


def test_orthogonal_tall_weight_has_orthonormal_columns():
    w = torch.empty(64, 16)
    init_weight(w, "orthogonal")
    torch.testing.assert_close(w.T @ w, torch.eye(16), rtol=0, atol=1e-4)


def test_init_is_reproducible_with_generator():
    a, b = nn.Linear(32, 16), nn.Linear(32, 16)
    init_model(a, "msra", generator=torch.Generator().manual_seed(7))
    init_model(b, "msra", generator=torch.Generator().manual_seed(7))
    assert torch.equal(a.weight, b.weight)


def test_unknown_init_raises():
    with pytest.raises(ValueError, match="xavier"):
        init_weight(torch.empty(4, 4), "kaiming")
    with pytest.raises(ValueError):
        init_model(nn.Linear(4, 4), "nope")
    with pytest.raises(ValueError):
        build_model("ng-toy", init="nope")


def test_init_model_leaves_ng_t_and_prelu_slopes_alone():
    m = NGToyCNN(act="ng-prelu")
    init_model(m, "xavier")
    for ng in ng_modules(m):
        assert torch.all(ng.t == -1.0)
        assert torch.all(ng.base.weight == 0.25)


# ---------------------------------------------------------------------------
# NG toy CNN (NG paper Table 1)
# ---------------------------------------------------------------------------

# conv1 3*3*3*3+3 = 84, conv2 84, dense 3*32*32*10+10 = 30730
TOY_PARAMS_LINEAR = 30898


def test_toy_output_shape():
    torch.manual_seed(0)
    m = NGToyCNN(act="ng-relu")
    assert m(torch.randn(5, 3, 32, 32)).shape == (5, 10)


def test_toy_parameter_counts():
    assert count_parameters(NGToyCNN(act="none")) == TOY_PARAMS_LINEAR
    assert count_parameters(NGToyCNN(act="relu")) == TOY_PARAMS_LINEAR
    trainable = NGToyCNN(act="ng-relu", t_trainable=True)
    assert count_parameters(trainable) == TOY_PARAMS_LINEAR + 6
    ts = [p for n, p in trainable.named_parameters() if n.endswith(".t")]
    assert [tuple(t.shape) for t in ts] == [(3,), (3,)]
    fixed = NGToyCNN(act="ng-relu", t_trainable=False)
    assert count_parameters(fixed) == TOY_PARAMS_LINEAR
    assert len([n for n, _ in fixed.named_buffers() if n.endswith(".t")]) == 2


def test_toy_without_activation_is_affine():
    torch.manual_seed(0)
    m = NGToyCNN(act="none").double()
    a, b = torch.randn(2, 3, 32, 32, dtype=torch.float64), torch.randn(2, 3, 32, 32, dtype=torch.float64)
    zero = torch.zeros_like(a)
    torch.testing.assert_close(m(a + b) - m(zero), (m(a) - m(zero)) + (m(b) - m(zero)))


def test_toy_t_init_propagates():
    m = NGToyCNN(act="ng-relu", t_init=-0.25)
    assert all(torch.all(ng.t == -0.25) for ng in ng_modules(m))


def test_build_model():
    torch.manual_seed(0)
    m = build_model("ng-toy", init="msra", act="relu")
    assert isinstance(m, NGToyCNN)
    assert m(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    linears = [l for l in m.modules() if isinstance(l, (nn.Conv2d, nn.Linear))]
    assert len(linears) == 3
    assert all(torch.all(l.bias == 0) for l in linears)
    dense = linears[-1].weight.detach().double()
    assert abs(dense.var().item() / (2.0 / 3072) - 1) < 0.05  # msra: 2 / fan_in, fan_in = 3*32*32
    assert "ng-toy" in models.ARCHITECTURES


def test_build_model_unknown_raises():
    with pytest.raises(ValueError, match="ng-toy"):
        build_model("nope")


# ---------------------------------------------------------------------------
# ng_modules
# ---------------------------------------------------------------------------

def test_ng_modules_in_order():
    m = NGToyCNN(act="ng-relu")
    assert ng_modules(m) == [m[1], m[3]]
    assert all(ng_modules(m)[i] is x for i, x in enumerate((m[1], m[3])))
    assert ng_modules(NGToyCNN(act="relu")) == []

    a, b, c = (NonlinearityGenerator(nn.ReLU(), (2,)) for _ in range(3))
    nested = nn.Sequential(a, nn.Sequential(nn.Conv2d(2, 2, 1), b), nn.ReLU(), c)
    found = ng_modules(nested)
    assert len(found) == 3
    assert found[0] is a and found[1] is b and found[2] is c


def test_ng_relu_function_gradcheck_and_layouts():
    """The hand-written NG-ReLU backward (NGReLUFunction) against numerical gradients, in channels_last too,
    with a fixed t (no gradient asked), and NaN kept NaN (divergence must stay visible)."""
    from models.activations import NGReLUFunction
    torch.manual_seed(0)
    x = (torch.randn(3, 4, 5, 5, dtype=torch.double) * 2).requires_grad_(True)
    t = torch.randn(1, 4, 1, 1, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(NGReLUFunction.apply, (x, t))
    xc = x.detach().contiguous(memory_format=torch.channels_last).requires_grad_(True)
    y = NGReLUFunction.apply(xc, t)
    y.backward(torch.ones_like(y))
    torch.testing.assert_close(xc.grad, (x > t).double(), rtol=0, atol=0)
    fixed = NonlinearityGenerator(nn.ReLU(), (4,), trainable=False)
    xf = torch.randn(2, 4, 3, 3, requires_grad=True)
    fixed(xf).sum().backward()
    assert xf.grad is not None and not fixed.t.requires_grad
    nan = torch.tensor([[[[float("nan")]]]])
    assert torch.isnan(NonlinearityGenerator(nn.ReLU(), (1,))(nan)).all()
