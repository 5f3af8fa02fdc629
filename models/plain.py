"""The NG paper's plain CNN (Jiang et al., appendix "2. Structure details of
the test model", Table 1), with or without batch normalization.

Table 1 (depth = 3n + 2; 44 layers: n = 14, 56 layers: n = 18):

    input                                 32 x 32
    [3x3, 16] x 1                         32 x 32
    [3x3, 16] x n                         32 x 32
    max pooling
    [3x3, 32] x n                         16 x 16
    max pooling
    [3x3, 64] x n                          8 x 8
    global average pooling
    softmax (a dense layer to the classes; the softmax itself is in the loss)

The paper says the structure is "the same as [He et al. 2016] without BN",
i.e. He et al.'s CIFAR plain net (Sec. 4.2) except that the two
downsamplings are max poolings (Table 1) rather than stride-2 convolutions.
Depth is counted as in both papers: the 3n + 1 conv layers plus the one
dense layer, 3n + 2 (the NG appendix's critical depths 80, 104, ..., 248
are all of this form).

Assumed where the paper is silent:
  - every conv is 3x3, stride 1, padding 1 ('same'); the first conv of
    stages 2 and 3 changes the width (16 -> 32, 32 -> 64);
  - max pooling is 2x2 with stride 2 and sits between the stages, after the
    activation of the last conv of stages 1 and 2 (Table 1's row order);
  - conv bias is used when there is no BN; with BN (``bn=True``, NG Table 4
    and appendix Sec. 3) the conv has no bias (BN's shift plays it) and the
    order is conv - BN - activation, as in He et al.;
  - the dense layer takes the globally average-pooled 4*width features and
    has a bias;
  - every activation is a fresh module from ``models.activations.activation``
    with one channel-wise parameter set per layer (NG's channel-wise t,
    PReLU's per-channel slope).

For the other papers' methods on this one network (the ``compare`` targets,
reproduce/compare.py) the unit conv - norm - act also takes
  - ``norm="normprop"`` (and its NormProp2/3 forms), the CReLU paper's
    NormProp "in replacement of BatchNorm": every conv a NormPropConv2d and
    NormProp's constant map after its activation (models.normprop), the same
    units as the CReLU paper's ResNets;
  - ``act="crelu"``: the CReLU paper's convention (Figure 1(a)): the number
    of filters is unchanged and the next conv (and the dense layer) sees
    twice the channels.
"""
from __future__ import annotations


import torch
import torch.nn as nn

from .activations import output_channels
from .depth import units_per_stage
from .normprop import check_norm, norm_activation, norm_conv


def _depth_to_n(depth: int) -> int:
    return units_per_stage(depth, 1, "plain CNN")


class PlainCNN(nn.Module):
    """Plain CNN of depth 3n + 2 (NG paper appendix Table 1).

    Args:
        depth: number of weight layers, 3n + 2 (44 -> n = 14, 56 -> n = 18).
        act: activation name (see ``models.activations.activation``).
        bn: batch normalization after every conv (conv - BN - act); the same as
            ``norm="bn"``.
        norm: the normalization of every unit (models.normprop.NORMS: "none",
            "bn", "normprop", "normprop2", "normprop3"); default from `bn`.
        width: channels of stage 1; stages 2 and 3 have 2x and 4x.
        num_classes, in_channels: classifier outputs and input channels.
        t_init, t_trainable: NG's t (used only by ``ng-*`` activations).
        downsample: "maxpool" (NG Table 1) or "stride": the first conv of
            stages 2 and 3 has stride 2 instead (He et al. 2016's plain CIFAR
            net, Sec. 4.2; with bn=True and depth 6n + 2 it is the Ortho
            paper's "Conv-BN-ReLU" plain network: 44 -> 14 convs per stage),
            or "none": no downsampling (every stage at the input's size).
        padding_mode: the convs' border, "zeros" (the papers') or "circular"
            (no border: the ConvInit section-3 control, whose T_l is only
            "convolution kernel, bias value and activation function").
    """

    def __init__(self, depth: int, act: str = "relu", bn: bool = False, width: int = 16,
                 num_classes: int = 10, in_channels: int = 3, t_init: float = -1.0,
                 t_trainable: bool = True, downsample: str = "maxpool",
                 padding_mode: str = "zeros", norm: str | None = None):
        super().__init__()
        if norm is not None and bn and norm != "bn":
            raise ValueError(f"bn=True and norm={norm!r} contradict each other")
        norm = norm or ("bn" if bn else "none")
        check_norm(norm)
        n = _depth_to_n(depth)
        self.depth = 3 * n + 2
        self.n = n

        if downsample not in ("maxpool", "stride", "none"):
            raise ValueError(f"downsample must be 'maxpool', 'stride' or 'none', got {downsample!r}")

        def unit(cin: int, cout: int, stride: int = 1) -> list[nn.Module]:
            layers: list[nn.Module] = [norm_conv(cin, cout, 3, stride, norm, padding_mode=padding_mode)]
            if norm == "bn":
                layers.append(nn.BatchNorm2d(cout))
            layers.append(norm_activation(act, cout, norm, t_init=t_init, t_trainable=t_trainable))
            return layers

        layers = unit(in_channels, width)
        cin = output_channels(act, width)  # CReLU doubles the channels the next layer sees
        for stage, cout in enumerate((width, 2 * width, 4 * width)):
            if stage > 0 and downsample == "maxpool":
                layers.append(nn.MaxPool2d(2))
            for i in range(n):
                stride = 2 if stage > 0 and i == 0 and downsample == "stride" else 1
                layers += unit(cin, cout, stride)
                cin = output_channels(act, cout)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def weight_layers(self) -> list[nn.Module]:
        """The layers counted in the depth: every Conv2d, then the Linear."""
        return [m for m in self.features if isinstance(m, nn.Conv2d)] + [self.fc]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))
