"""DenseNet for CIFAR (Huang et al. 2017, "Densely Connected Convolutional
Networks", Sec. 3 and 4.1), as the ConvInit paper uses it (Zhang et al.
2022, Sec. 5.1 "DenseNet100"; Tables 1 and 3: 0.77M parameters on CIFAR-10,
i.e. DenseNet-BC with L = 100, k = 12, Huang et al. Table 2: 0.8M).

Huang et al. Sec. 3-4.1, for CIFAR:
  - a first 3x3 conv with 2k output channels for DenseNet-BC (16 otherwise);
  - three dense blocks on 32x32, 16x16 and 8x8 maps with the same number of
    layers each; a layer H_l is BN-ReLU-conv3x3 to k channels, or, with
    bottlenecks ("-B"), BN-ReLU-conv1x1 to 4k channels then BN-ReLU-conv3x3 to
    k; every layer's output is concatenated to its input;
  - between blocks a transition layer BN-ReLU-conv1x1-avgpool 2x2, the conv
    producing floor(theta m) channels from m (compression theta, "-C":
    0.5);
  - at the end BN-ReLU, global average pooling and a Linear (softmax).
  Depth L counts the first conv, the weight layers of the dense blocks, the
  two transition convs and the Linear: L = 3 n (layers per H_l) + 4, so a
  block has (L - 4) / 6 bottleneck layers or (L - 4) / 3 plain layers
  (L = 100, bottleneck -> 16 layers per block).

Assumed / chosen here:
  - convs have no bias (each is preceded by BN in the next unit, as in the
    authors' Torch and the common PyTorch code); the Linear has a bias;
  - no dropout (ConvInit Sec. 5.1; Huang et al. drop only without
    augmentation);
  - transition output floor(compression * m), as the authors' code;
  - the first conv has 2k channels exactly when the network is DenseNet-BC
    (bottleneck and compression < 1), else 16 (Huang et al. Sec. 4.1);
  - PyTorch's default initialization (an init is applied by models.init).

Names follow Huang et al. Table 1: ``conv1``, ``dense1``, ``trans1``,
``dense2``, ``trans2``, ``dense3``, then ``bn``, ``fc``.

Parameters, DenseNet-BC-100, k = 12, 10 classes: 769,162 (the paper's 0.77M).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn


def layers_per_block(depth: int, bottleneck: bool) -> int:
    """n in depth = 3 n h + 4, h = 2 weight layers per bottleneck layer, 1 otherwise."""
    step = 6 if bottleneck else 3
    if not isinstance(depth, int) or (depth - 4) % step != 0 or (depth - 4) // step < 1:
        raise ValueError(f"DenseNet{'-B' if bottleneck else ''} depth must be {step}n + 4 with n >= 1, got {depth!r}")
    return (depth - 4) // step


class DenseLayer(nn.Module):
    """H_l: [BN-ReLU-conv1x1 (4k)] - BN-ReLU-conv3x3 (k); output = cat(input, H_l(input))."""

    def __init__(self, in_channels: int, growth_rate: int, bottleneck: bool = True):
        super().__init__()
        mid = in_channels
        if bottleneck:
            mid = 4 * growth_rate
            self.bn1 = nn.BatchNorm2d(in_channels)
            self.relu1 = nn.ReLU(inplace=True)
            self.conv1 = nn.Conv2d(in_channels, mid, 1, bias=False)
        self.bottleneck = bottleneck
        self.bn2 = nn.BatchNorm2d(mid)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(mid, growth_rate, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(self.relu1(self.bn1(x))) if self.bottleneck else x
        out = self.conv2(self.relu2(self.bn2(out)))
        return torch.cat([x, out], 1)


class Transition(nn.Module):
    """BN-ReLU-conv1x1 (out_channels)-avgpool 2x2."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(in_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.pool = nn.AvgPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv(self.relu(self.bn(x))))


class DenseNet(nn.Module):
    """DenseNet(-B/-C/-BC) for CIFAR (see the module docstring).

    Args:
        depth: L = 6n + 4 with bottlenecks (100 -> 16 layers per block),
            3n + 4 without.
        growth_rate: k.
        num_classes, in_channels: classifier outputs and input channels.
        compression: theta of the transition layers (1.0: no compression).
        bottleneck: bottleneck (1x1, 4k) layers.
    """

    def __init__(self, depth: int = 100, growth_rate: int = 12, num_classes: int = 10, in_channels: int = 3,
                 compression: float = 0.5, bottleneck: bool = True):
        super().__init__()
        if not 0 < compression <= 1:
            raise ValueError(f"compression must be in (0, 1], got {compression!r}")
        n = layers_per_block(depth, bottleneck)
        self.depth, self.n, self.growth_rate = depth, n, growth_rate
        channels = 2 * growth_rate if (bottleneck and compression < 1) else 16
        self.conv1 = nn.Conv2d(in_channels, channels, 3, padding=1, bias=False)
        for b in (1, 2, 3):
            layers = []
            for _ in range(n):
                layers.append(DenseLayer(channels, growth_rate, bottleneck))
                channels += growth_rate
            setattr(self, f"dense{b}", nn.Sequential(*layers))
            if b < 3:
                out = int(math.floor(channels * compression))
                setattr(self, f"trans{b}", Transition(channels, out))
                channels = out
        self.bn = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.trans1(self.dense1(self.conv1(x)))
        x = self.trans2(self.dense2(x))
        x = self.relu(self.bn(self.dense3(x)))
        return self.fc(torch.flatten(self.pool(x), 1))
