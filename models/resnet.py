"""CIFAR ResNet of He et al. 2016 ("Deep Residual Learning for Image
Recognition", Sec. 4.2), as used by the NG paper (appendix "2. Structure
details of the test model", Table 2).

He et al. Sec. 4.2: the first layer is a 3x3 conv; then a stack of 6n 3x3
conv layers on feature maps of sizes {32, 16, 8}, 2n layers each, with
{16, 32, 64} filters; subsampling is by convolutions with stride 2; the
network ends with global average pooling, a 10-way fully connected layer and
softmax: 6n + 2 weight layers (n = 3, 7, 9 -> 20, 44, 56 layers; Table 6:
0.27M, 0.66M, 0.85M parameters). Shortcuts are identities everywhere, and
where the dimensions increase option A is used: the identity with extra
zero channels (parameter-free), the spatial size halved by taking every
second position ("performed with a stride of 2").

The NG paper's Table 2 has the 44- and 56-layer ResNets above and a
"20-layer wider ResNet" with widths 128, 256, 512:
``CifarResNet(20, widths=(128, 256, 512))``.

Block (He et al. Fig. 2 / Sec. 3.3, BN "right after each convolution and
before activation"):

    x -> conv3x3(stride) -> BN -> act -> conv3x3 -> BN -> (+ shortcut(x)) -> act

Assumed / chosen here:
  - convs have no bias (BN follows each); the final Linear has a bias;
  - option A's zero channels are appended after the identity channels
    (as the original fb.resnet.torch 'A' shortcut: concat(x, 0 * x)); the
    common PyTorch re-implementation that pads C/4 zero channels on each side
    differs only by a fixed permutation of the channels;
  - option B (``shortcut="B"``, He et al. Sec. 3.3) projects with a 1x1 conv
    of the block's stride followed by BN, only where the shape changes;
  - the two activations of a block are separate modules (their own NG t or
    PReLU slope), channel-wise, created by ``models.activations.activation``.

The CReLU paper (Shang, Chiu & Sohn 2017) trains the same networks with
other normalizations and CReLU; they are options of the same blocks:

  - ``norm``: "bn" (default, the above), "none" (its "Plain" ResNet: no
    normalization; conv bias on unless ``bias=False``, its "Plain (no
    bias)"), or "normprop" / "normprop2" / "normprop3" (models.normprop:
    every conv a NormPropConv2d). NormProp is applied "in replacement of
    BatchNorm" (the paper, section "Normalization Propagation in ResNets"),
    so it goes exactly where fb.resnet.torch's block has a BN: a conv
    followed by a ReLU (the stem, the first conv of a block, a bottleneck's
    first two) is one NormProp unit, "[1/2 - 1/(2 pi)]^(-1/2) [ReLU(gamma W x
    / ||W||_2 + beta) - 1/sqrt(2 pi)]", its constant map included for
    "normprop"; the conv before the addition is gamma W x / ||W||_2 + beta
    alone (its BN was not followed by a ReLU); and the ReLU after the
    addition stays a bare ReLU, for every form (nothing normalises after the
    addition in fb.resnet.torch; Table 1's NormProp ReLU NZR of 0.21 "after
    last ReLU (i.e., before softmax layer)" is a bare ReLU's exact zeros:
    after the constant map no entry would be 0). NormProp2 ("NormProp2
    (where we discard constant terms from the original formulation)",
    x_{l+1} = [ReLU(gamma W x / ||W|| + beta)]) and NormProp3 ("we fix the
    multiplication parameter gamma") sit in the same places and have no map
    anywhere. CReLU ("we propose to replace ReLU into CReLU") replaces the
    ReLU of the conv -> ReLU units inside the blocks; under NormProp the map
    is applied to both halves ([x]_+ and [-x]_+ of a unit Gaussian have the
    same mean and variance). With NormProp, BN sits on the identity path where the
    spatial size is reduced (the paper's footnote 2): after option A's
    subsample-and-pad, or as option B's projection BN.
  - ``act="crelu"``: Figure 1(a): CReLU inside each residual block only, so
    the second conv sees twice the channels while the number of filters, the
    identity path and the activation after the addition (a ReLU) are
    unchanged; the stem keeps its ReLU too (its output is the first
    identity path). ``Bottleneck`` (Figure 1(b)): CReLU after the first two
    convs only.
  - ``ImageNetResNet``: He et al.'s ImageNet ResNet-18/34 (basic blocks) and
    -50/101/152 (bottlenecks), option B shortcuts (fb.resnet.torch's
    ImageNet default), for the CReLU paper's Table 4.
"""
from __future__ import annotations


import torch
import torch.nn as nn
import torch.nn.functional as F

from .activations import activation, output_channels
from .depth import units_per_stage
from .normprop import NORMPROPS, NORMS, check_norm, norm_activation, norm_conv, norm_layer

def _depth_to_n(depth: int) -> int:
    return units_per_stage(depth, 2, "CIFAR ResNet")


def conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class ShortcutA(nn.Module):
    """He et al.'s option A: identity, subsampled by `stride`, with
    ``out_channels - in_channels`` zero channels appended. No parameters."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 2):
        super().__init__()
        if out_channels < in_channels:
            raise ValueError(f"option A shortcut cannot reduce channels ({in_channels} -> {out_channels})")
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride > 1:
            x = x[:, :, ::self.stride, ::self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.out_channels - self.in_channels))

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"


def shortcut_path(in_channels: int, out_channels: int, stride: int, option: str, norm: str = "bn",
                  bias: bool = True) -> nn.Module:
    """The identity path of a block: the identity where the shape is kept; else option A (subsample + zero
    channels; followed by BN for NormProp, footnote 2) or option B (1x1 projection, then BN unless the
    network has no normalization, in which case the projection has a bias if `bias`)."""
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    if option == "A":
        a = ShortcutA(in_channels, out_channels, stride)
        return nn.Sequential(a, nn.BatchNorm2d(out_channels)) if norm in NORMPROPS else a
    if option == "P3":  # a 3x3 projection (conv + BN): the Ortho paper's residual networks (section 5.1)
        return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
                             nn.BatchNorm2d(out_channels))
    if option == "B":
        if norm == "none":
            return nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=bias)
        return nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                             nn.BatchNorm2d(out_channels))
    raise ValueError(f"unknown shortcut option {option!r}; known: 'A', 'B', 'P3'")


def _after_add(act: str) -> str:
    """The activation after the addition: CReLU keeps a ReLU there (identity path unchanged, Figure 1)."""
    return "relu" if act == "crelu" else act


def sum_activation(act: str, channels: int, **ng) -> nn.Module:
    """The activation after a block's addition: a ReLU for CReLU networks (identity path unchanged, Figure 1),
    else `act`; never NormProp's constant map (no normalization follows the addition in fb.resnet.torch's
    block, so NormProp, "in replacement of BatchNorm", puts none there either)."""
    return activation(_after_add(act), channels, **ng)


class BasicBlock(nn.Module):
    """conv3x3(stride)-norm-act-conv3x3-norm, plus the shortcut, then act
    (a ReLU after the addition when act is CReLU)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, act: str = "relu",
                 t_init: float = -1.0, t_trainable: bool = True, shortcut: str = "A", norm: str = "bn",
                 bias: bool = True):
        super().__init__()
        check_norm(norm)
        ng = dict(t_init=t_init, t_trainable=t_trainable)
        self.conv1 = norm_conv(in_channels, out_channels, 3, stride, norm, bias)
        self.bn1 = norm_layer(norm, out_channels)
        self.act1 = norm_activation(act, out_channels, norm, **ng)
        self.conv2 = norm_conv(output_channels(act, out_channels), out_channels, 3, 1, norm, bias)
        self.bn2 = norm_layer(norm, out_channels)
        self.act2 = sum_activation(act, out_channels, **ng)
        self.shortcut = shortcut_path(in_channels, out_channels, stride, shortcut, norm, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.act2(out + self.shortcut(x))


class Bottleneck(nn.Module):
    """1x1 (width) - 3x3 (width, stride) - 1x1 (4 width), each followed by
    the norm, activations after the first two, the shortcut added, then a
    ReLU (He et al. 2016, Fig. 5 right; stride on the 3x3 as fb.resnet.torch).
    With CReLU (CReLU paper, Figure 1(b)) the second and third convs see
    2 x width channels."""
    expansion = 4

    def __init__(self, in_channels: int, width: int, stride: int = 1, act: str = "relu", shortcut: str = "B",
                 norm: str = "bn", bias: bool = True):
        super().__init__()
        check_norm(norm)
        out_channels = width * self.expansion
        mid = output_channels(act, width)
        self.conv1 = norm_conv(in_channels, width, 1, 1, norm, bias)
        self.bn1 = norm_layer(norm, width)
        self.act1 = norm_activation(act, width, norm)
        self.conv2 = norm_conv(mid, width, 3, stride, norm, bias)
        self.bn2 = norm_layer(norm, width)
        self.act2 = norm_activation(act, width, norm)
        self.conv3 = norm_conv(mid, out_channels, 1, 1, norm, bias)
        self.bn3 = norm_layer(norm, out_channels)
        self.act3 = sum_activation(act, out_channels)
        self.shortcut = shortcut_path(in_channels, out_channels, stride, shortcut, norm, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.act2(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.act3(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """CIFAR ResNet of depth 6n + 2 (He et al. 2016 Sec. 4.2; NG appendix Table 2;
    CReLU paper's ResNet-110, n = 18).

    Args:
        depth: 6n + 2 (20 -> n = 3, 44 -> n = 7, 56 -> n = 9, 110 -> n = 18).
        act: activation name (see ``models.activations.activation``; "crelu"
            inside the blocks only, see the module doc).
        widths: channels of the three stages (the NG "wider" ResNet-20:
            (128, 256, 512); the CReLU paper's "double": (32, 64, 128)).
        num_classes, in_channels: classifier outputs and input channels.
        t_init, t_trainable: NG's t (used only by ``ng-*`` activations).
        shortcut: "A" (zero-padding identity, He et al.'s CIFAR choice),
            "B" (1x1 projection + BN) or "P3" (3x3 projection + BN, the
            Ortho paper's) where the shape changes.
        norm: "bn" | "none" | "normprop" | "normprop2" | "normprop3".
        bias: conv bias when norm is "none" (the CReLU paper's "Plain" vs
            "Plain (no bias)").
    """

    def __init__(self, depth: int, act: str = "relu", widths: tuple = (16, 32, 64),
                 num_classes: int = 10, in_channels: int = 3, t_init: float = -1.0,
                 t_trainable: bool = True, shortcut: str = "A", norm: str = "bn", bias: bool = True):
        super().__init__()
        n = _depth_to_n(depth)
        widths = tuple(widths)
        if len(widths) != 3:
            raise ValueError(f"widths must have three entries (one per stage), got {widths!r}")
        if shortcut not in ("A", "B", "P3"):
            raise ValueError(f"unknown shortcut option {shortcut!r}; known: 'A', 'B', 'P3'")
        check_norm(norm)
        self.depth, self.n, self.widths, self.shortcut = 6 * n + 2, n, widths, shortcut
        self.norm, self.act = norm, act
        ng = dict(t_init=t_init, t_trainable=t_trainable)
        self.conv1 = norm_conv(in_channels, widths[0], 3, 1, norm, bias)
        self.bn1 = norm_layer(norm, widths[0])
        self.act1 = norm_activation(_after_add(act), widths[0], norm, **ng)
        cin = widths[0]
        stages = []
        for i, cout in enumerate(widths):
            blocks = []
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(BasicBlock(cin, cout, stride, act=act, shortcut=shortcut, norm=norm, bias=bias, **ng))
                cin = cout
            stages.append(nn.Sequential(*blocks))
        self.stage1, self.stage2, self.stage3 = stages
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[-1], num_classes)

    def blocks(self) -> list[nn.Module]:
        """The residual blocks in forward order (3n of them: 54 for ResNet-110)."""
        return [b for stage in (self.stage1, self.stage2, self.stage3) for b in stage]

    def weight_layers(self) -> list[nn.Module]:
        """The layers counted in the depth (He et al.): the first conv, the
        two convs of every block, the Linear. Option-B projections excluded."""
        layers: list[nn.Module] = [self.conv1]
        for block in self.blocks():
            layers += [block.conv1, block.conv2]
        return layers + [self.fc]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.stage3(self.stage2(self.stage1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


IMAGENET_LAYOUTS = {  # depth -> (block, blocks per stage) (He et al. 2016, Table 1)
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}


class ImageNetResNet(nn.Module):
    """He et al. 2016's ImageNet ResNet (Table 1): 7x7/2 conv, 3x3/2 max pool,
    four stages of basic blocks (18, 34) or bottlenecks (50, 101, 152) with
    64-128-256-512 widths, global average pooling, fc. Option B shortcuts.
    `act`, `norm`, `bias` as CifarResNet (CReLU paper, Table 4).
    `cifar_stem`: the CIFAR adaptation (3x3 stride-1 stem, no max pool) used
    for the ConvInit paper's ResNet-34 (its Figures 5-7); `fc_bias=False`
    for its "all bias set as false"."""

    def __init__(self, depth: int = 34, act: str = "relu", norm: str = "bn", bias: bool = True,
                 num_classes: int = 1000, in_channels: int = 3, widths: tuple = (64, 128, 256, 512),
                 cifar_stem: bool = False, fc_bias: bool = True):
        super().__init__()
        if depth not in IMAGENET_LAYOUTS:
            raise ValueError(f"ImageNet ResNet depth must be one of {sorted(IMAGENET_LAYOUTS)}, got {depth}")
        check_norm(norm)
        kind, counts = IMAGENET_LAYOUTS[depth]
        widths = tuple(widths)
        self.depth, self.norm, self.act = depth, norm, act
        if cifar_stem:  # 32 x 32 inputs: a 3x3 stride-1 stem and no max pool (the common CIFAR ResNet-18/34)
            self.conv1 = norm_conv(in_channels, widths[0], 3, 1, norm, bias)
        else:
            self.conv1 = norm_conv(in_channels, widths[0], 7, 2, norm, bias)
            self.conv1.padding = (3, 3)
        self.bn1 = norm_layer(norm, widths[0])
        self.act1 = norm_activation(_after_add(act), widths[0], norm)
        self.maxpool = nn.Identity() if cifar_stem else nn.MaxPool2d(3, stride=2, padding=1)
        cin, stages = widths[0], []
        for i, (w, count) in enumerate(zip(widths, counts)):
            blocks = []
            for j in range(count):
                stride = 2 if (i > 0 and j == 0) else 1
                if kind == "basic":
                    blocks.append(BasicBlock(cin, w, stride, act=act, shortcut="B", norm=norm, bias=bias))
                    cin = w
                else:
                    blocks.append(Bottleneck(cin, w, stride, act=act, shortcut="B", norm=norm, bias=bias))
                    cin = w * Bottleneck.expansion
            stages.append(nn.Sequential(*blocks))
        self.stage1, self.stage2, self.stage3, self.stage4 = stages
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes, bias=fc_bias)

    def blocks(self) -> list[nn.Module]:
        return [b for stage in (self.stage1, self.stage2, self.stage3, self.stage4) for b in stage]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.act1(self.bn1(self.conv1(x))))
        x = self.stage4(self.stage3(self.stage2(self.stage1(x))))
        return self.fc(torch.flatten(self.pool(x), 1))
