"""models.plain / models.resnet: the NG paper's plain CNN (appendix Table 1)
and the CIFAR ResNet of He et al. 2016 (Sec. 4.2; NG appendix Table 2).

Expected numbers are derived by hand in the comments and written literally;
they are never produced by the code under test.
"""
import pytest
import torch
import torch.nn as nn

from models import ARCHITECTURES, CifarResNet, PlainCNN, build_model, count_parameters
from models.activations import NonlinearityGenerator
from models.resnet import BasicBlock, ShortcutA


def _count(model, cls):
    return sum(1 for m in model.modules() if type(m) is cls)


def _x(n=2, c=3, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, size, size, generator=g)


# ---------------------------------------------------------------------------
# Plain CNN (NG appendix Table 1): depth = 3n + 2
# ---------------------------------------------------------------------------
#
# Parameters, width 16, no BN, ReLU (conv: 3*3*cin*cout weights + cout biases):
#   first conv 3->16:                 27*16 + 16   =    448
#   stage 1, n x (16->16):            2304 + 16    =  2,320 each
#   stage 2, 16->32 then (n-1) 32->32: 4608 + 32   =  4,640;  9216 + 32  =  9,248 each
#   stage 3, 32->64 then (n-1) 64->64: 18432 + 64  = 18,496; 36864 + 64  = 36,928 each
#   Linear 64->10:                    640 + 10     =    650
#   total = 448 + 4640 + 18496 + 650 + 2320 n + (9248 + 36928)(n - 1)
#         = 24,234 + 2,320 n + 46,176 (n - 1)
#   n = 14 (44 layers): 24234 + 32480 + 600288 = 657,002
#   n = 18 (56 layers): 24234 + 41760 + 784992 = 850,986
#   n =  6 (20 layers): 24234 + 13920 + 230880 = 269,034
# Channels after the convs (one activation each): 16 + 16n + 32n + 64n = 16 + 112 n
#   n = 14: 1,584    n = 18: 2,032    n = 6: 688
# BN: each conv loses its cout biases and gains 2*cout (gamma, beta): + cout per conv,
#   i.e. + (16 + 112 n): 44 -> 657002 + 1584 = 658,586; 56 -> 850986 + 2032 = 853,018.
# NG-ReLU with trainable channel-wise t, or PReLU (one slope per channel): the
#   same + (16 + 112 n) on the ReLU count.

PLAIN = {  # depth: (n, convs = 3n + 1, params relu no BN, channels 16 + 112n)
    44: (14, 43, 657_002, 1_584),
    56: (18, 55, 850_986, 2_032),
}


@pytest.mark.parametrize("depth", [44, 56])
def test_plain_layer_counts(depth):
    n, convs, _, _ = PLAIN[depth]
    m = PlainCNN(depth)
    assert _count(m, nn.Conv2d) == convs
    assert _count(m, nn.Linear) == 1
    assert _count(m, nn.Conv2d) + _count(m, nn.Linear) == depth
    assert _count(m, nn.MaxPool2d) == 2
    assert _count(m, nn.BatchNorm2d) == 0
    assert _count(m, nn.ReLU) == convs
    layers = m.weight_layers()
    assert len(layers) == depth
    assert isinstance(layers[-1], nn.Linear)
    assert all(isinstance(l, nn.Conv2d) for l in layers[:-1])


def test_plain_conv_geometry():
    m = PlainCNN(20)  # n = 6
    convs = [l for l in m.modules() if isinstance(l, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == (
        [(3, 16)] + [(16, 16)] * 6 + [(16, 32)] + [(32, 32)] * 5 + [(32, 64)] + [(64, 64)] * 5)
    for c in convs:
        assert c.kernel_size == (3, 3) and c.stride == (1, 1) and c.padding == (1, 1)
        assert c.bias is not None
    assert (m.fc.in_features, m.fc.out_features) == (64, 10)


@pytest.mark.parametrize("depth", [44, 56])
def test_plain_param_count_relu(depth):
    assert count_parameters(PlainCNN(depth, act="relu", bn=False, width=16)) == PLAIN[depth][2]


@pytest.mark.parametrize("depth,expected", [(44, 658_586), (56, 853_018)])
def test_plain_param_count_bn(depth, expected):
    m = PlainCNN(depth, act="relu", bn=True)
    assert count_parameters(m) == expected
    assert _count(m, nn.BatchNorm2d) == PLAIN[depth][1]
    assert all(c.bias is None for c in m.modules() if isinstance(c, nn.Conv2d))
    # conv - BN - act order
    seq = list(m.features)
    for i, layer in enumerate(seq):
        if isinstance(layer, nn.Conv2d):
            assert isinstance(seq[i + 1], nn.BatchNorm2d) and isinstance(seq[i + 2], nn.ReLU)


@pytest.mark.parametrize("act", ["ng-relu", "prelu"])
@pytest.mark.parametrize("depth,expected", [(44, 658_586), (56, 853_018)])
def test_plain_param_count_per_channel_activations(act, depth, expected):
    # relu count + one parameter (t or slope) per channel per activation
    assert count_parameters(PlainCNN(depth, act=act)) == expected


def test_plain_ng_prelu_has_t_and_slope():
    # NG-PReLU: t and the PReLU slope, 2 per channel: 657002 + 2 * 1584 = 660,170
    assert count_parameters(PlainCNN(44, act="ng-prelu")) == 660_170


@pytest.mark.parametrize("depth", [44, 56])
def test_plain_forward_shape_and_8x8_before_gap(depth):
    # batch of 1 at 32x32: a 56-layer forward costs ~1 s on a slow 2-core CPU
    m = PlainCNN(depth).eval()
    seen = []
    m.pool.register_forward_hook(lambda mod, inp, out: seen.append(tuple(inp[0].shape)))
    with torch.no_grad():
        y = m(_x(1))
    assert y.shape == (1, 10)
    assert seen == [(1, 64, 8, 8)]


def test_plain_forward_batch():
    # GAP makes the net size-agnostic: a batch of 3 small images, 8x8 -> 2x2 before GAP
    m = PlainCNN(44).eval()
    with torch.no_grad():
        y = m(_x(3, size=8))
    assert y.shape == (3, 10)
    # samples are independent in eval mode
    with torch.no_grad():
        assert torch.allclose(m(_x(3, size=8)[1:2]), y[1:2], atol=1e-5)


def test_plain_stage_resolutions():
    # 32x32 through stage 1, 16x16 through stage 2, 8x8 through stage 3
    m = PlainCNN(20).eval()  # n = 6
    sizes = []
    for layer in m.features:
        if isinstance(layer, nn.Conv2d):
            layer.register_forward_hook(lambda mod, inp, out: sizes.append(tuple(out.shape[1:])))
    with torch.no_grad():
        m(_x(1))
    assert sizes == [(16, 32, 32)] * 7 + [(32, 16, 16)] * 6 + [(64, 8, 8)] * 6


def test_plain_other_classes_and_channels():
    m = PlainCNN(20, num_classes=100, in_channels=1, width=8)
    with torch.no_grad():
        assert m(torch.zeros(2, 1, 16, 16)).shape == (2, 100)
    assert m.features[0].in_channels == 1 and m.fc.in_features == 32


@pytest.mark.parametrize("depth", [45, 43, 2, 0, -1, 44.0])
def test_plain_bad_depth_raises(depth):
    with pytest.raises(ValueError, match="3n"):
        PlainCNN(depth)


# ---------------------------------------------------------------------------
# CIFAR ResNet (He et al. 2016 Sec. 4.2; NG appendix Table 2): depth = 6n + 2
# ---------------------------------------------------------------------------
#
# Parameters, widths (16, 32, 64), option A (parameter-free shortcuts), BN
# after every conv (2 per channel), convs without bias:
#   first conv 3->16 + BN:            432 + 32                          =    464
#   stage-1 block (16->16):           2*2304 + 2*32                     =  4,672
#   first stage-2 block (16->32):     4608 + 9216 + 2*64                = 13,952
#   other stage-2 blocks (32->32):    2*9216 + 2*64                     = 18,560
#   first stage-3 block (32->64):     18432 + 36864 + 2*128             = 55,552
#   other stage-3 blocks (64->64):    2*36864 + 2*128                   = 73,984
#   Linear 64->10:                    650
#   total = 464 + 650 + 13952 + 55552 + 4672 n + (18560 + 73984)(n - 1)
#         = 70,618 + 4,672 n + 92,544 (n - 1)
#   n = 3 (20): 70618 + 14016 + 185088 = 269,722  -> 0.27M (He et al. Table 6)
#   n = 7 (44): 70618 + 32704 + 555264 = 658,586  -> 0.66M
#   n = 9 (56): 70618 + 42048 + 740352 = 853,018  -> 0.85M
# Option B adds 1x1 convs 16->32 (512) + BN (64) and 32->64 (2048) + BN (128):
#   + 2,752 parameters, + 2 Conv2d, + 2 BatchNorm2d.
# Activations: 1 + 2 per block; channels 16 + 2n(16 + 32 + 64) = 16 + 224 n.

RESNET = {  # depth: (n, convs = 6n + 1, params option A, Table 6 in millions)
    20: (3, 19, 269_722, 0.27),
    44: (7, 43, 658_586, 0.66),
    56: (9, 55, 853_018, 0.85),
}


@pytest.mark.parametrize("depth", [20, 44, 56])
def test_resnet_layer_counts(depth):
    n, convs, _, _ = RESNET[depth]
    m = CifarResNet(depth)
    assert _count(m, nn.Conv2d) == convs
    assert _count(m, nn.Linear) == 1
    assert _count(m, nn.BatchNorm2d) == convs
    assert _count(m, BasicBlock) == 3 * n
    assert _count(m, ShortcutA) == 2
    assert _count(m, nn.ReLU) == 1 + 6 * n
    assert len(m.weight_layers()) == depth
    assert all(c.bias is None for c in m.modules() if isinstance(c, nn.Conv2d))


@pytest.mark.parametrize("depth", [20, 44, 56])
def test_resnet_param_count_matches_he_table6(depth):
    _, _, params, millions = RESNET[depth]
    got = count_parameters(CifarResNet(depth))
    assert got == params
    assert round(got / 1e6, 2) == millions


@pytest.mark.parametrize("depth", [20, 44, 56])
def test_resnet_option_b_adds_projections(depth):
    a, b = CifarResNet(depth, shortcut="A"), CifarResNet(depth, shortcut="B")
    assert count_parameters(b) - count_parameters(a) == 2_752
    assert _count(b, nn.Conv2d) - _count(a, nn.Conv2d) == 2
    assert _count(b, nn.BatchNorm2d) - _count(a, nn.BatchNorm2d) == 2
    assert _count(b, ShortcutA) == 0
    assert len(b.weight_layers()) == depth  # projections are not counted in the depth
    proj = [c for c in b.modules() if isinstance(c, nn.Conv2d) and c.kernel_size == (1, 1)]
    assert [(c.in_channels, c.out_channels, c.stride) for c in proj] == [(16, 32, (2, 2)), (32, 64, (2, 2))]


def test_resnet_option_b_forward_shape():
    with torch.no_grad():
        assert CifarResNet(20, shortcut="B").eval()(_x(2, size=16)).shape == (2, 10)


@pytest.mark.parametrize("depth,batch", [(20, 2), (56, 1)])
def test_resnet_forward_shape_and_8x8_before_gap(depth, batch):
    m = CifarResNet(depth).eval()
    seen = []
    m.pool.register_forward_hook(lambda mod, inp, out: seen.append(tuple(inp[0].shape)))
    with torch.no_grad():
        y = m(_x(batch))
    assert y.shape == (batch, 10)
    assert seen == [(batch, 64, 8, 8)]


def test_wider_resnet20():
    # widths (128, 256, 512), option A:
    #   first conv 3*3*3*128 + BN 256                         =      3,712
    #   stage 1: 3 x (2*9*128*128 + 2*256) = 3 x 295,424       =    886,272
    #   stage 2 first: 9*128*256 + 9*256*256 + 2*512           =    885,760
    #           others: 2 x (2*9*256*256 + 2*512) = 2 x 1,180,672 = 2,361,344
    #   stage 3 first: 9*256*512 + 9*512*512 + 2*1024          =  3,540,992
    #           others: 2 x (2*9*512*512 + 2*1024) = 2 x 4,720,640 = 9,441,280
    #   Linear 512*10 + 10                                      =      5,130
    #   total                                                   = 17,124,490
    m = CifarResNet(20, widths=(128, 256, 512)).eval()
    assert count_parameters(m) == 17_124_490
    assert _count(m, nn.Conv2d) == 19
    assert (m.conv1.out_channels, m.fc.in_features) == (128, 512)
    seen = []
    m.pool.register_forward_hook(lambda mod, inp, out: seen.append(tuple(inp[0].shape)))
    with torch.no_grad():
        y = m(_x(1))
    assert y.shape == (1, 10)
    assert seen == [(1, 512, 8, 8)]


@pytest.mark.parametrize("depth", [21, 19, 44.0, 2, 0])
def test_resnet_bad_depth_raises(depth):
    with pytest.raises(ValueError, match="6n"):
        CifarResNet(depth)


def test_resnet_bad_shortcut_raises():
    with pytest.raises(ValueError, match="shortcut"):
        CifarResNet(20, shortcut="C")


# x: (1, 2, 4, 4) = arange(32) - 4
#   channel 0: [[-4,-3,-2,-1],[0,1,2,3],[4,5,6,7],[8,9,10,11]] -> ::2,::2 -> [[-4,-2],[4,6]]
#   channel 1: [[12..15],[16..19],[20..23],[24..27]]           -> ::2,::2 -> [[12,14],[20,22]]
# option A to 4 channels: those two, then two zero channels.
SUBSAMPLED_PADDED = [[[-4.0, -2.0], [4.0, 6.0]],
                     [[12.0, 14.0], [20.0, 22.0]],
                     [[0.0, 0.0], [0.0, 0.0]],
                     [[0.0, 0.0], [0.0, 0.0]]]


def _block_x():
    return (torch.arange(32, dtype=torch.float32) - 4).view(1, 2, 4, 4)


def test_shortcut_a_by_hand():
    assert torch.equal(ShortcutA(2, 4, stride=2)(_block_x()), torch.tensor([SUBSAMPLED_PADDED]))
    assert len(list(ShortcutA(2, 4).parameters())) == 0


@pytest.mark.parametrize("act,expected", [
    ("none", SUBSAMPLED_PADDED),
    # relu: the two negative entries of channel 0 become 0
    ("relu", [[[0.0, 0.0], [4.0, 6.0]], [[12.0, 14.0], [20.0, 22.0]],
              [[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]),
    # ng-relu, t = -1: max(x, -1): -4 -> -1, -2 -> -1; the zero channels stay 0
    ("ng-relu", [[[-1.0, -1.0], [4.0, 6.0]], [[12.0, 14.0], [20.0, 22.0]],
                 [[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]),
])
@pytest.mark.parametrize("train", [False, True])
def test_block_option_a_output_is_act_of_shortcut(act, expected, train):
    torch.manual_seed(0)
    block = BasicBlock(2, 4, stride=2, act=act, shortcut="A")
    with torch.no_grad():
        block.bn2.weight.zero_()  # residual branch = BN shift = 0
    block.train(train)
    with torch.no_grad():
        y = block(_block_x())
    assert y.shape == (1, 4, 2, 2)
    assert torch.allclose(y, torch.tensor([expected]), atol=1e-6)


@pytest.mark.parametrize("act,beta,expected", [
    # none, beta = 1: shortcut + 1
    ("none", 1.0, [[[-3.0, -1.0], [5.0, 7.0]], [[13.0, 15.0], [21.0, 23.0]],
                   [[1.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]]]),
    # relu, beta = -5: relu(shortcut - 5), the activation comes after the addition
    #   channel 0: [[-9,-7],[-1,1]] -> [[0,0],[0,1]]; channel 1: [[7,9],[15,17]]; zeros stay 0
    ("relu", -5.0, [[[0.0, 0.0], [0.0, 1.0]], [[7.0, 9.0], [15.0, 17.0]],
                    [[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]),
])
def test_block_residual_branch_is_added_before_act(act, beta, expected):
    # bn2 with weight 0 and shift beta: the residual branch is the constant beta
    block = BasicBlock(2, 4, stride=2, act=act).eval()
    with torch.no_grad():
        block.bn2.weight.zero_()
        block.bn2.bias.fill_(beta)
        y = block(_block_x())
    assert torch.allclose(y, torch.tensor([expected]))


def test_identity_block_has_identity_shortcut():
    block = BasicBlock(4, 4, stride=1)
    assert isinstance(block.shortcut, nn.Identity)
    x = torch.randn(1, 4, 4, 4)
    with torch.no_grad():
        block.bn2.weight.zero_()
        y = block.eval()(x)
    assert torch.allclose(y, x.clamp(min=0))


# ---------------------------------------------------------------------------
# Activations in the models
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("make,count,channels", [
    # plain-20: 3n + 1 = 19 activations over 16 + 112*6 = 688 channels
    (lambda **kw: PlainCNN(20, **kw), 19, 688),
    (lambda **kw: PlainCNN(20, bn=True, **kw), 19, 688),
    # resnet-20: 1 + 6n = 19 activations over 16 + 224*3 = 688 channels
    (lambda **kw: CifarResNet(20, **kw), 19, 688),
])
def test_every_activation_is_ng_with_t_init(make, count, channels):
    m = make(act="ng-relu", t_init=-2.5)
    ngs = [x for x in m.modules() if isinstance(x, NonlinearityGenerator)]
    assert len(ngs) == count
    # every ReLU in the model is the base of an NG: no plain activation left
    assert _count(m, nn.ReLU) == count
    assert all(type(g.base) is nn.ReLU for g in ngs)
    assert sum(g.t.numel() for g in ngs) == channels
    for g in ngs:
        assert g.t.dim() == 1  # channel-wise
        assert isinstance(g.t, nn.Parameter)
        assert torch.all(g.t == -2.5)
    assert sum(p.numel() for p in m.parameters()) - count_parameters(make(act="relu")) == channels


@pytest.mark.parametrize("make", [lambda **kw: PlainCNN(20, **kw), lambda **kw: CifarResNet(20, **kw)])
def test_untrainable_t_is_not_a_parameter(make):
    m = make(act="ng-relu", t_trainable=False)
    ngs = [x for x in m.modules() if isinstance(x, NonlinearityGenerator)]
    assert len(ngs) == 19
    for g in ngs:
        assert not isinstance(g.t, nn.Parameter)
        assert torch.all(g.t == -1.0)
    assert count_parameters(m) == count_parameters(make(act="relu"))


def test_ng_t_channels_match_their_layer():
    # each NG's t has as many entries as the channels it acts on
    m = CifarResNet(20, act="ng-relu").eval()
    bad = []

    def hook(mod, inp, out):
        if mod.t.shape[0] != inp[0].shape[1]:
            bad.append(mod)

    for g in m.modules():
        if isinstance(g, NonlinearityGenerator):
            g.register_forward_hook(hook)
    with torch.no_grad():
        m(_x(1, size=16))
    assert bad == []


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------

def test_registry():
    assert ARCHITECTURES["plain"] is PlainCNN
    assert ARCHITECTURES["resnet"] is CifarResNet


def test_build_model_plain_xavier():
    torch.manual_seed(0)
    m = build_model("plain", depth=20, act="relu", init="xavier")
    assert isinstance(m, PlainCNN)
    assert count_parameters(m) == 269_034  # n = 6 by the plain formula above
    for c in m.modules():
        if isinstance(c, (nn.Conv2d, nn.Linear)):
            assert torch.all(c.bias == 0)
    # Glorot bound for a 16->16 3x3 conv: sqrt(6 / (144 + 144)) = 0.1443
    w = m.features[2].weight
    assert w.abs().max() <= 0.1444 and w.abs().max() > 0.12
    with torch.no_grad():
        y = m(_x(2, size=16))
    assert y.shape == (2, 10) and torch.isfinite(y).all()


def test_build_model_resnet_msra():
    torch.manual_seed(0)
    m = build_model("resnet", depth=20, init="msra", num_classes=100)
    assert isinstance(m, CifarResNet)
    # He std for 64->64 3x3: sqrt(2 / 576) = 0.0589
    w = m.stage3[1].conv1.weight
    assert abs(w.std().item() - 0.0589) < 0.003
    with torch.no_grad():
        y = m.eval()(_x(2, size=16))
    assert y.shape == (2, 100) and torch.isfinite(y).all()


# ---------------------------------------------------------------------------
# NormProp ResNet-110 at initialization (CReLU paper; issue 16)
# ---------------------------------------------------------------------------
#
# NormProp replaces BatchNorm: its constant map follows the conv -> ReLU units only, the ReLU after each addition
# stays bare. With the map after the addition every block multiplied the identity path by ~1.7 and the logits of a
# fresh ResNet-110 reached ~1e15; now the scale grows with depth about as the Plain (no normalization) net's does.


def _scales_at_init(norm, act, x):
    from models import initialize
    torch.manual_seed(0)
    net = build_model("resnet", depth=110, norm=norm, act=act, num_classes=100)
    initialize(net, "xavier")  # the paper's init without BatchNorm
    stds = []
    hooks = [b.register_forward_hook(lambda m, i, o: stds.append(float(o.std()))) for b in net.blocks()]
    with torch.no_grad():
        logits = net.eval()(x)
    for h in hooks:
        h.remove()
    return float(logits.std()), stds


@pytest.mark.parametrize("act", ["relu", "crelu"])
@pytest.mark.parametrize("norm", ["normprop", "normprop2", "normprop3"])
def test_normprop_resnet110_scale_at_init_is_like_the_plain_nets(norm, act):
    x = _x(n=4, seed=1)
    plain_logits, plain_blocks = _scales_at_init("none", act, x)
    logits, blocks = _scales_at_init(norm, act, x)
    assert len(blocks) == len(plain_blocks) == 54
    assert all(map(torch.isfinite, torch.tensor([logits] + blocks)))
    # within three orders of magnitude of the Plain net's, block by block and at the logits
    assert 1e-3 < logits / plain_logits < 1e3
    assert all(1e-3 < b / p < 1e3 for b, p in zip(blocks, plain_blocks))
    assert logits < 1e6
