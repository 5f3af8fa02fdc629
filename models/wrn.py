"""Wide residual networks for CIFAR (Zagoruyko & Komodakis 2016, "Wide
Residual Networks", Sec. 2 and Table 1), as the ConvInit paper uses them
(Zhang et al. 2022, Sec. 5.1 "WideResNet [11] with Widen Factor 10
(WideResNet28-10)"; Tables 1 and 3: 36.49M parameters on CIFAR-10).

WRN-d-k (Zagoruyko & Komodakis Table 1): a first 3x3 conv to 16 channels
(``conv1``), then three groups ``conv2``, ``conv3``, ``conv4`` of
N = (d - 4) / 6 pre-activation basic blocks B(3,3) with 16k, 32k, 64k
channels on 32x32, 16x16, 8x8 maps (the first block of conv3 and conv4 has
stride 2), then BN-ReLU, global average pooling and a Linear. A block is

    x -> BN -> ReLU -> conv3x3(stride) -> BN -> ReLU -> conv3x3 -> (+ shortcut)

The depth is d = 6N + 4 as the authors' code defines it (28 -> N = 4;
10 -> N = 1).

Assumed / chosen here (following the authors' code, github.com/szagoruyko/
wide-residual-networks):
  - where a block changes the shape (channels or stride) the shortcut is a
    1x1 conv of the block's stride, applied to the pre-activated input
    (BN-ReLU shared by both paths); elsewhere the identity on the raw input;
  - all convs (including the shortcuts) have no bias; the Linear has a bias;
  - no dropout (ConvInit Sec. 5.1; the WRN paper's dropout is optional);
  - PyTorch's default initialization (an init is applied by models.init).

Parameters, WRN-28-10, 10 classes: 36,479,194 (the paper's 36.49M, which
rounds 36.479M up; 36.48M is the correct rounding).
"""
from __future__ import annotations

import torch
import torch.nn as nn


def blocks_per_group(depth: int) -> int:
    """N in depth = 6 N + 4."""
    if not isinstance(depth, int) or (depth - 4) % 6 != 0 or (depth - 4) // 6 < 1:
        raise ValueError(f"WideResNet depth must be 6n + 4 with n >= 1 (e.g. 10, 16, 28, 40), got {depth!r}")
    return (depth - 4) // 6


class WideBasicBlock(nn.Module):
    """Pre-activation B(3,3): BN-ReLU-conv3x3(stride)-BN-ReLU-conv3x3, plus the
    identity, or a 1x1 conv of the pre-activated input where the shape changes."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.equal_in_out = in_channels == out_channels and stride == 1
        self.shortcut = None if self.equal_in_out else nn.Conv2d(in_channels, out_channels, 1, stride=stride,
                                                                 bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        o = self.relu1(self.bn1(x))
        y = self.conv2(self.relu2(self.bn2(self.conv1(o))))
        return y + (x if self.shortcut is None else self.shortcut(o))


class WideResNet(nn.Module):
    """WRN-`depth`-`widen_factor` for CIFAR (see the module docstring).

    Args:
        depth: 6N + 4 (28 -> 4 blocks per group; 10 -> 1).
        widen_factor: k (group widths 16k, 32k, 64k).
        num_classes, in_channels: classifier outputs and input channels.
    """

    def __init__(self, depth: int = 28, widen_factor: int = 10, num_classes: int = 10, in_channels: int = 3):
        super().__init__()
        n = blocks_per_group(depth)
        if not isinstance(widen_factor, int) or widen_factor < 1:
            raise ValueError(f"widen_factor must be a positive integer, got {widen_factor!r}")
        self.depth, self.n, self.widen_factor = depth, n, widen_factor
        widths = (16 * widen_factor, 32 * widen_factor, 64 * widen_factor)
        self.conv1 = nn.Conv2d(in_channels, 16, 3, padding=1, bias=False)
        cin = 16
        for g, (cout, stride) in enumerate(zip(widths, (1, 2, 2)), start=2):
            blocks = []
            for j in range(n):
                blocks.append(WideBasicBlock(cin, cout, stride if j == 0 else 1))
                cin = cout
            setattr(self, f"conv{g}", nn.Sequential(*blocks))
        self.bn = nn.BatchNorm2d(cin)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv4(self.conv3(self.conv2(self.conv1(x))))
        x = self.relu(self.bn(x))
        return self.fc(torch.flatten(self.pool(x), 1))
