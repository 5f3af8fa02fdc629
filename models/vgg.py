"""VGG for CIFAR with batch normalization, as the ConvInit paper uses it
(Zhang et al. 2022, "Necessary conditions for convergence of CNNs and
initialization of convolution kernels", Sec. 5.1: "VGG-19 [3] which has
sixteen convolutional layers and one fully connected layer"; Tables 1 and 3:
20.04M parameters on CIFAR-10).

The convolutional part is Simonyan & Zisserman 2015 ("Very Deep
Convolutional Networks for Large-Scale Image Recognition", Table 1,
configurations A, B, D, E = VGG-11, -13, -16, -19): 3x3 convs with 'same'
padding in five stages of 64, 128, 256, 512, 512 filters, each stage ended
by a 2x2 max pool of stride 2. On a 32x32 CIFAR image the five pools leave a
1x1x512 map, which is flattened and fed to ONE Linear(512, num_classes)
(the ConvInit paper's "one fully connected layer"; the ImageNet model's
three FC layers of 4096 are not used). VGG-19: 16 convs + 1 Linear.

Assumed / chosen here:
  - each conv is followed by BN then ReLU (``bn=True``, the paper's "VGG-19
    with BN"); convs have no bias when BN follows (``bn=False``: no BN, the
    convs keep their bias as in the original VGG);
  - the Linear has a bias (``fc_bias=True``); ``fc_bias=False`` for the
    ConvInit paper's Sec. 5.2 experiments ("with all bias set as false");
  - no dropout (ConvInit Sec. 5.1: "We do not use dropout in any of the
    experiments");
  - ``width`` multiplies every conv's channel count (rounded, at least 1), for
    small smoke-test variants; 1.0 is the paper's network;
  - PyTorch's default initialization (an init is applied by models.init).

Layers are named as in the VGG paper's released Caffe models (conv1_1 ...
conv5_4, pool1 ... pool5), with bn<s>_<i> and relu<s>_<i> after each conv;
the classifier is ``fc``.

Parameters at width 1, 10 classes, BN: convs 20,018,880 + BN 11,008 +
Linear 5,130 = 20,035,018 (the paper's 20.04M).
"""
from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn as nn

# Simonyan & Zisserman Table 1: conv widths per stage; each stage ends with a max pool.
VGG_CONFIGS = {
    11: ((64,), (128,), (256, 256), (512, 512), (512, 512)),
    13: ((64, 64), (128, 128), (256, 256), (512, 512), (512, 512)),
    16: ((64, 64), (128, 128), (256,) * 3, (512,) * 3, (512,) * 3),
    19: ((64, 64), (128, 128), (256,) * 4, (512,) * 4, (512,) * 4),
}


class CifarVGG(nn.Module):
    """VGG-`depth` (11, 13, 16, 19) for 32x32 inputs: convs [-BN]-ReLU, 2x2 max
    pools, one Linear on the flattened 1x1 map (see the module docstring).

    Args:
        depth: 11 | 13 | 16 | 19 (depth - 3 convs and one Linear).
        num_classes, in_channels: classifier outputs and input channels.
        width: multiplier on every conv's channel count (rounded, at least 1).
        bn: BN after every conv (convs then have no bias).
        fc_bias: bias of the Linear.
    """

    def __init__(self, depth: int = 19, num_classes: int = 10, in_channels: int = 3, width: float = 1.0,
                 bn: bool = True, fc_bias: bool = True):
        super().__init__()
        if depth not in VGG_CONFIGS:
            raise ValueError(f"VGG depth must be one of {sorted(VGG_CONFIGS)}, got {depth!r}")
        if not width > 0:
            raise ValueError(f"width must be positive, got {width!r}")
        self.depth, self.bn = depth, bn
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        cin = in_channels
        for s, stage in enumerate(VGG_CONFIGS[depth], start=1):
            for i, c in enumerate(stage, start=1):
                cout = max(1, round(c * width))
                layers[f"conv{s}_{i}"] = nn.Conv2d(cin, cout, 3, padding=1, bias=not bn)
                if bn:
                    layers[f"bn{s}_{i}"] = nn.BatchNorm2d(cout)
                layers[f"relu{s}_{i}"] = nn.ReLU(inplace=True)
                cin = cout
            layers[f"pool{s}"] = nn.MaxPool2d(2, 2)
        self.features = nn.Sequential(layers)
        self.fc = nn.Linear(cin, num_classes, bias=fc_bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.features(x), 1))
