"""models.vgg / models.densenet / models.wrn: the ConvInit paper's CIFAR
networks (Zhang et al. 2022, Sec. 5.1; Tables 1 and 3: VGG-19 20.04M,
DenseNet-100 0.77M, WideResNet28-10 36.49M parameters on CIFAR-10).

Full-size models are only built on the meta device (no memory, no init) for
parameter counting; forwards use small variants. Expected parameter counts
are computed here from the layer lists of the papers, never from the modules.
"""
import math

import pytest
import torch
import torch.fx
import torch.nn as nn

from models import ARCHITECTURES, CifarVGG, DenseNet, WideResNet, build_model, count_parameters


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models: one intra-op thread is faster than contending for a busy CPU."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _meta(cls, **kwargs):
    with torch.device("meta"):
        return cls(**kwargs)


def _x(n=2, c=3, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, size, size, generator=g)


def _bn(c):
    return 2 * c  # gamma + beta


# ---------------------------------------------------------------------------
# Independent parameter counts from the papers' layer lists
# ---------------------------------------------------------------------------

def vgg19_count(num_classes=10):
    """Simonyan & Zisserman config E: 3x3 convs 64,64 | 128,128 | 256 x4 | 512 x4 | 512 x4,
    each conv (no bias) + BN, then Linear(512, classes) with bias."""
    widths = [64, 64, 128, 128] + [256] * 4 + [512] * 8
    total, cin = 0, 3
    for c in widths:
        total += 9 * cin * c + _bn(c)
        cin = c
    return total + 512 * num_classes + num_classes


def densenet_bc_count(depth=100, k=12, num_classes=10):
    """Huang et al.: conv3x3 3 -> 2k; 3 blocks of (depth-4)/6 layers
    BN(c)-conv1x1(c->4k)-BN(4k)-conv3x3(4k->k); transitions BN(c)-conv1x1(c->floor(c/2));
    BN(c)-Linear(c, classes)."""
    n = (depth - 4) // 6
    c = 2 * k
    total = 9 * 3 * c
    for b in range(3):
        for _ in range(n):
            total += _bn(c) + c * 4 * k + _bn(4 * k) + 9 * 4 * k * k
            c += k
        if b < 2:
            total += _bn(c) + c * (c // 2)
            c //= 2
    return total + _bn(c) + c * num_classes + num_classes


def wrn_count(depth=28, k=10, num_classes=10):
    """Zagoruyko & Komodakis Table 1: conv3x3 3 -> 16; groups of N = (depth-4)/6 blocks
    BN(cin)-conv3x3(cin->cout)-BN(cout)-conv3x3(cout->cout), a 1x1 conv cin->cout in the
    first block of each group (the shape changes: 16 -> 16k, stride 2 in groups 2 and 3);
    BN(64k)-Linear(64k, classes)."""
    n = (depth - 4) // 6
    total, cin = 9 * 3 * 16, 16
    for cout in (16 * k, 32 * k, 64 * k):
        first = _bn(cin) + 9 * cin * cout + _bn(cout) + 9 * cout * cout + (cin * cout if cin != cout else 0)
        rest = _bn(cout) + 9 * cout * cout + _bn(cout) + 9 * cout * cout
        total += first + (n - 1) * rest
        cin = cout
    return total + _bn(cin) + cin * num_classes + num_classes


def test_vgg19_parameter_count():
    # convs 20,018,880 + BN 11,008 + Linear 5,130 = 20,035,018 -> 20.04M (paper).
    # (With conv biases as well, 20,040,522: also 20.04M.)
    got = count_parameters(_meta(CifarVGG))
    assert got == vgg19_count() == 20_035_018
    assert round(got / 1e6, 2) == 20.04


def test_densenet_bc100_parameter_count():
    # 769,162 -> 0.77M (paper; Huang et al. Table 2 print 0.8M).
    got = count_parameters(_meta(DenseNet))
    assert got == densenet_bc_count() == 769_162
    assert round(got / 1e6, 2) == 0.77


def test_wrn28_10_parameter_count():
    # 36,479,194 rounds to 36.48M; the ConvInit paper prints 36.49M. The 0.01M
    # difference is exactly conv biases: with a bias on every conv (as some public
    # PyTorch WRN code has) the count is 36,479,194 + 10,096 = 36,489,290 -> 36.49M.
    # We follow the WRN authors' code (no conv bias); the difference is within 0.011M.
    got = count_parameters(_meta(WideResNet))
    assert got == wrn_count() == 36_479_194
    conv_biases = 16 + sum(2 * 4 * c + c for c in (160, 320, 640))  # stem + 2 per block + shortcut
    assert round((got + conv_biases) / 1e6, 2) == 36.49
    assert abs(got / 1e6 - 36.49) < 0.011


@pytest.mark.parametrize("depth,k", [(10, 4), (22, 6), (40, 12)])
def test_densenet_small_counts(depth, k):
    assert count_parameters(_meta(DenseNet, depth=depth, growth_rate=k)) == densenet_bc_count(depth, k)


@pytest.mark.parametrize("depth,k", [(10, 1), (16, 2), (16, 8)])
def test_wrn_small_counts(depth, k):
    assert count_parameters(_meta(WideResNet, depth=depth, widen_factor=k)) == wrn_count(depth, k)


def test_layer_counts():
    vgg = _meta(CifarVGG)  # "sixteen convolutional layers and one fully connected layer"
    assert sum(isinstance(m, nn.Conv2d) for m in vgg.modules()) == 16
    assert sum(isinstance(m, nn.Linear) for m in vgg.modules()) == 1
    assert sum(isinstance(m, nn.MaxPool2d) for m in vgg.modules()) == 5
    for depth, convs in ((11, 8), (13, 10), (16, 13)):
        assert sum(isinstance(m, nn.Conv2d) for m in _meta(CifarVGG, depth=depth).modules()) == convs
    dn = _meta(DenseNet)  # 1 + 3 * 16 * 2 + 2 = 99 convs + 1 Linear = L = 100
    assert sum(isinstance(m, nn.Conv2d) for m in dn.modules()) == 99
    assert dn.fc.in_features == 342  # 24 + 192 = 216 -> 108 + 192 = 300 -> 150 + 192 = 342
    wrn = _meta(WideResNet)  # 1 + 3 * 4 * 2 = 25 3x3 convs + 3 1x1 shortcuts
    convs = [m for m in wrn.modules() if isinstance(m, nn.Conv2d)]
    assert sum(m.kernel_size == (3, 3) for m in convs) == 25
    assert sum(m.kernel_size == (1, 1) for m in convs) == 3
    assert all(m.bias is None for m in convs)
    assert wrn.fc.in_features == 640


# ---------------------------------------------------------------------------
# Forward shapes of small variants
# ---------------------------------------------------------------------------

SMALL = [
    (CifarVGG, dict(depth=19, width=0.125)),
    (CifarVGG, dict(depth=11, width=0.25, bn=False, fc_bias=False)),
    (CifarVGG, dict(depth=16, width=0.01)),  # every stage rounds to 1 channel at least
    (DenseNet, dict(depth=10, growth_rate=4)),
    (DenseNet, dict(depth=16, growth_rate=4)),
    (DenseNet, dict(depth=10, growth_rate=4, bottleneck=False, compression=1.0)),
    (WideResNet, dict(depth=10, widen_factor=1)),
    (WideResNet, dict(depth=10, widen_factor=2)),
]


@pytest.mark.parametrize("cls,kwargs", SMALL)
def test_forward_shapes(cls, kwargs, num_classes=7):
    m = cls(num_classes=num_classes, **kwargs)
    m.train()
    y = m(_x())
    assert y.shape == (2, num_classes)
    assert torch.isfinite(y).all()
    y.sum().backward()
    m.eval()
    with torch.no_grad():
        assert m(_x()).shape == (2, num_classes)


def test_in_channels():
    for cls, kwargs in (SMALL[1], SMALL[3], SMALL[6]):
        assert cls(in_channels=1, **kwargs)(_x(c=1)).shape == (2, 10)


def test_vgg_width_rounding():
    m = CifarVGG(depth=19, width=0.25)
    widths = [mod.out_channels for mod in m.modules() if isinstance(mod, nn.Conv2d)]
    assert widths == [16, 16, 32, 32] + [64] * 4 + [128] * 8
    assert m.fc.in_features == 128


@pytest.mark.parametrize("cls,kwargs", [
    (CifarVGG, dict(depth=18)), (CifarVGG, dict(width=0)),
    (DenseNet, dict(depth=12)), (DenseNet, dict(depth=4)), (DenseNet, dict(depth=12, compression=0)),
    (WideResNet, dict(depth=12)), (WideResNet, dict(depth=4)), (WideResNet, dict(depth=10, widen_factor=0)),
])
def test_bad_arguments(cls, kwargs):
    with pytest.raises(ValueError):
        _meta(cls, **kwargs)


def test_wrn_shortcut_on_preactivated_input():
    # Authors' code: where the shape changes the 1x1 conv sees BN-ReLU(x), shared with the residual branch.
    m = WideResNet(depth=10, widen_factor=2).eval()
    block = m.conv3[0]
    assert block.shortcut is not None and block.shortcut.stride == (2, 2)
    seen = {}
    block.relu1.register_forward_hook(lambda mod, i, o: seen.__setitem__("preact", o.clone()))
    block.shortcut.register_forward_pre_hook(lambda mod, i: seen.__setitem__("sc", i[0].clone()))
    m(_x())
    assert torch.equal(seen["preact"], seen["sc"])
    assert WideResNet(depth=10, widen_factor=1).conv2[0].shortcut is None  # 16 -> 16, stride 1: identity


# ---------------------------------------------------------------------------
# Every conv is followed by BN (on every data path to the next weight layer)
# ---------------------------------------------------------------------------

def _convs_not_followed_by_bn(model):
    """Names of Conv2d modules with a data path to another Conv2d/Linear or to the
    output that does not pass through a BatchNorm2d (torch.fx graph; adds, concats,
    ReLUs and pools are passed through)."""
    gm = torch.fx.symbolic_trace(model)
    mods = dict(gm.named_modules())

    def kind(node):
        if node.op == "call_module":
            m = mods[node.target]
            if isinstance(m, nn.BatchNorm2d):
                return "bn"
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                return "weight"
        return "output" if node.op == "output" else "other"

    bad = []
    for node in gm.graph.nodes:
        if node.op != "call_module" or not isinstance(mods[node.target], nn.Conv2d):
            continue
        stack, seen = list(node.users), set()
        while stack:
            u = stack.pop()
            if u in seen:
                continue
            seen.add(u)
            k = kind(u)
            if k in ("weight", "output"):
                bad.append(node.target)
                break
            if k == "other":
                stack.extend(u.users)
    return bad


@pytest.mark.parametrize("cls,kwargs", [
    (CifarVGG, dict(depth=19, width=0.125)), (CifarVGG, dict(depth=11, width=0.125)),
    (DenseNet, dict(depth=10, growth_rate=4)), (DenseNet, dict(depth=10, bottleneck=False)),
    (WideResNet, dict(depth=10, widen_factor=2)), (WideResNet, dict(depth=16, widen_factor=1)),
])
def test_every_conv_followed_by_bn(cls, kwargs):
    m = cls(**kwargs)
    assert sum(isinstance(x, nn.Conv2d) for x in m.modules()) > 0
    assert _convs_not_followed_by_bn(m) == []


def test_bn_check_detects_missing_bn():
    # Negative control of the check above: VGG without BN fails for every conv.
    m = CifarVGG(depth=11, width=0.125, bn=False)
    assert len(_convs_not_followed_by_bn(m)) == 8
    assert all(mod.bias is not None for mod in m.modules() if isinstance(mod, nn.Conv2d))


def test_vgg_bn_structure():
    # conv -> BN -> ReLU directly, convs without bias.
    seq = list(CifarVGG(depth=19, width=0.125).features)
    for i, mod in enumerate(seq):
        if isinstance(mod, nn.Conv2d):
            assert mod.bias is None
            assert isinstance(seq[i + 1], nn.BatchNorm2d) and isinstance(seq[i + 2], nn.ReLU)


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------

def test_registry():
    assert ARCHITECTURES["vgg"] is CifarVGG
    assert ARCHITECTURES["densenet"] is DenseNet
    assert ARCHITECTURES["wrn"] is WideResNet


@pytest.mark.parametrize("arch,kwargs", [
    ("vgg", dict(depth=19, width=0.25)),
    ("densenet", dict(depth=16, growth_rate=4)),
    ("wrn", dict(depth=10, widen_factor=1)),
])
def test_build_model(arch, kwargs):
    m = build_model(arch, num_classes=100, **kwargs)
    assert isinstance(m, ARCHITECTURES[arch])
    assert m(_x()).shape == (2, 100)
    m = build_model(arch, init="convinit", num_classes=100, **kwargs)
    with torch.no_grad():
        assert math.isfinite(float(m(_x()).sum()))


def test_plain_cnn_control_circular_padding_and_no_pooling():
    """The ConvInit section-3 control: circular padding (no border) and no downsampling keep every stage at the
    input's size; the NG net's default is zero padding with max pooling."""
    from models import build_model
    ctl = build_model("plain", depth=20, downsample="none", padding_mode="circular")
    ng = build_model("plain", depth=20)
    convs = [m for m in ctl.features if isinstance(m, nn.Conv2d)]
    assert all(m.padding_mode == "circular" for m in convs) and not any(
        isinstance(m, nn.MaxPool2d) for m in ctl.features)
    assert all(m.padding_mode == "zeros" for m in ng.features if isinstance(m, nn.Conv2d))
    assert ctl.features(torch.randn(2, 3, 32, 32)).shape == (2, 64, 32, 32)
    # a constant input stays constant under a circular conv with constant weights: no border effect
    conv = convs[1]
    with torch.no_grad():
        conv.weight.fill_(1.0)
        conv.bias.zero_()
        y = conv(torch.ones(1, 16, 8, 8))
    assert torch.all(y == 16 * 9)
