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
"""
from __future__ import annotations


import torch
import torch.nn as nn
import torch.nn.functional as F

from .activations import activation
from .depth import units_per_stage


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


class BasicBlock(nn.Module):
    """conv3x3(stride)-BN-act-conv3x3-BN, plus the shortcut, then act."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, act: str = "relu",
                 t_init: float = -1.0, t_trainable: bool = True, shortcut: str = "A"):
        super().__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.act1 = activation(act, out_channels, t_init=t_init, t_trainable=t_trainable)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.act2 = activation(act, out_channels, t_init=t_init, t_trainable=t_trainable)
        if stride == 1 and in_channels == out_channels:
            self.shortcut = nn.Identity()
        elif shortcut == "A":
            self.shortcut = ShortcutA(in_channels, out_channels, stride)
        elif shortcut == "B":
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels))
        else:
            raise ValueError(f"unknown shortcut option {shortcut!r}; known: 'A', 'B'")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.act2(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """CIFAR ResNet of depth 6n + 2 (He et al. 2016 Sec. 4.2; NG appendix Table 2).

    Args:
        depth: 6n + 2 (20 -> n = 3, 44 -> n = 7, 56 -> n = 9).
        act: activation name (see ``models.activations.activation``).
        widths: channels of the three stages (the NG "wider" ResNet-20:
            (128, 256, 512)).
        num_classes, in_channels: classifier outputs and input channels.
        t_init, t_trainable: NG's t (used only by ``ng-*`` activations).
        shortcut: "A" (zero-padding identity, He et al.'s CIFAR choice) or
            "B" (1x1 projection + BN) where the shape changes.
    """

    def __init__(self, depth: int, act: str = "relu", widths: tuple = (16, 32, 64),
                 num_classes: int = 10, in_channels: int = 3, t_init: float = -1.0,
                 t_trainable: bool = True, shortcut: str = "A"):
        super().__init__()
        n = _depth_to_n(depth)
        widths = tuple(widths)
        if len(widths) != 3:
            raise ValueError(f"widths must have three entries (one per stage), got {widths!r}")
        if shortcut not in ("A", "B"):
            raise ValueError(f"unknown shortcut option {shortcut!r}; known: 'A', 'B'")
        self.depth, self.n, self.widths, self.shortcut = 6 * n + 2, n, widths, shortcut
        self.conv1 = conv3x3(in_channels, widths[0])
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.act1 = activation(act, widths[0], t_init=t_init, t_trainable=t_trainable)
        cin = widths[0]
        stages = []
        for i, cout in enumerate(widths):
            blocks = []
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(BasicBlock(cin, cout, stride, act=act, t_init=t_init,
                                         t_trainable=t_trainable, shortcut=shortcut))
                cin = cout
            stages.append(nn.Sequential(*blocks))
        self.stage1, self.stage2, self.stage3 = stages
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[-1], num_classes)

    def weight_layers(self) -> list[nn.Module]:
        """The layers counted in the depth (He et al.): the first conv, the
        two convs of every block, the Linear. Option-B projections excluded."""
        layers: list[nn.Module] = [self.conv1]
        for stage in (self.stage1, self.stage2, self.stage3):
            for block in stage:
                layers += [block.conv1, block.conv2]
        return layers + [self.fc]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.stage3(self.stage2(self.stage1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))
