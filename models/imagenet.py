"""ImageNet networks for the LSUV paper's timing table (Table 6) and its
ImageNet figures: torchvision's AlexNet (standing in for CaffeNet) and
GoogLeNet, built without pretrained weights.

Where they differ from the paper's Caffe models (said in every output that
uses them): torchvision's AlexNet is the one-GPU variant (64-192-384-256-256
filters, no LRN, no filter groups) rather than CaffeNet (96-256-384-384-256,
LRN, groups), with the same fc6 of 9216 x 4096; torchvision's GoogLeNet has
batch normalization after every conv, which BVLC GoogLeNet does not, and is
built without the auxiliary classifiers.

``input_size``: inputs of another size (e.g. 32 x 32 CIFAR images) are
resized bilinearly to it first, so that a CIFAR batch can drive LSUV through
a 224 x 224 network.

``bvlc_init``: the reference ("original") initializations of the BVLC Caffe
models that the LSUV paper's Figures 4 and 5 compare LSUV with.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .init import init_weight, register_model_init

IMAGENET_NETS = ("alexnet", "googlenet")


class ImageNetNet(nn.Module):
    def __init__(self, name: str = "alexnet", num_classes: int = 1000, in_channels: int = 3, input_size: int = 224):
        super().__init__()
        import torchvision

        if in_channels != 3:
            raise ValueError("the ImageNet networks take 3-channel images")
        if name == "alexnet":
            self.net = torchvision.models.alexnet(weights=None, num_classes=num_classes)
        elif name == "googlenet":
            self.net = torchvision.models.googlenet(weights=None, num_classes=num_classes, aux_logits=False,
                                                    init_weights=True)
        else:
            raise ValueError(f"unknown ImageNet network {name!r}; known: {', '.join(IMAGENET_NETS)}")
        self.name, self.input_size = name, input_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.input_size or x.shape[-2] != self.input_size:
            x = F.interpolate(x, size=(self.input_size, self.input_size), mode="bilinear", align_corners=False)
        return self.net(x)


@torch.no_grad()
def bvlc_init(model: ImageNetNet, generator: torch.Generator | None = None) -> ImageNetNet:
    """The BVLC reference initializations (Caffe model zoo solvers' fillers):

    - CaffeNet (bvlc_reference_caffenet): Gaussian weights, std 0.01 in the
      convs and fc8, 0.005 in fc6 and fc7; biases 1 in conv2, conv4, conv5,
      fc6, fc7 and 0 elsewhere (Krizhevsky et al. 2012).
    - GoogLeNet (bvlc_googlenet): Caffe's xavier filler (uniform,
      Var = 1/fan_in) for every conv and fc weight, conv biases 0.2, fc 0
      (torchvision's convs have no bias: BN follows them).
    """
    layers = [m for m in model.net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    if model.name == "alexnet":  # conv1..conv5, fc6, fc7, fc8
        stds = (0.01, 0.01, 0.01, 0.01, 0.01, 0.005, 0.005, 0.01)
        biases = (0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0)
        for m, std, b in zip(layers, stds, biases, strict=True):
            m.weight.normal_(0.0, std, generator=generator)
            m.bias.fill_(b)
    else:
        for m in layers:
            init_weight(m.weight, "xavier-caffe", generator)
            if m.bias is not None:
                m.bias.fill_(0.2 if isinstance(m, nn.Conv2d) else 0.0)
    return model


register_model_init("bvlc", bvlc_init)
