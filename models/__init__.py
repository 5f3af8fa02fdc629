"""Architectures and the papers' methods as a library.

``build_model(arch, **kwargs)`` builds any architecture of the suite by
name; the methods (NG activation, initializations) are importable on their
own for use in any ``nn.Module``.
"""
from __future__ import annotations

import torch.nn as nn

from .activations import Maxout, NonlinearityGenerator, activation, activation_names, ng_modules
from .densenet import DenseNet
from .fitnet import FitNet
from .imagenet import ImageNetNet
from .init import INITS, init_model, initialize, lsuv_init
from .plain import PlainCNN
from .resnet import CifarResNet, ImageNetResNet
from .toy import NGToyCNN
from .vgg import CifarVGG
from .wrn import WideResNet

ARCHITECTURES = {
    "ng-toy": NGToyCNN,
    "plain": PlainCNN,
    "resnet": CifarResNet,
    "fitnet": FitNet,
    "imagenet": ImageNetNet,
    "imagenet-resnet": ImageNetResNet,
    "vgg": CifarVGG,
    "densenet": DenseNet,
    "wrn": WideResNet,
}


def build_model(arch: str, init: str | None = None, init_gain: float = 1.0, **kwargs) -> nn.Module:
    """Build architecture `arch` with constructor `kwargs`, then apply the
    data-free weight initialization `init` (see models.init), times
    `init_gain`, if given. A data-driven init (LSUV) needs a batch: build
    without `init`, then call models.init.initialize(model, "lsuv", batch)."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(ARCHITECTURES)}")
    model = ARCHITECTURES[arch](**kwargs)
    if init is not None:
        init_model(model, init, gain=init_gain)
    return model


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


__all__ = ["ARCHITECTURES", "CifarResNet", "CifarVGG", "DenseNet", "FitNet", "INITS", "ImageNetResNet", "Maxout", "NGToyCNN", "NonlinearityGenerator",
           "PlainCNN", "WideResNet", "activation", "activation_names", "build_model", "count_parameters", "init_model",
           "initialize", "lsuv_init", "ng_modules"]
