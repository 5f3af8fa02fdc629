"""Architectures and the papers' methods as a library.

``build_model(arch, **kwargs)`` builds any architecture of the suite by
name; the methods (NG activation, initializations) are importable on their
own for use in any ``nn.Module``.
"""
from __future__ import annotations

import torch.nn as nn

from .activations import NonlinearityGenerator, activation, activation_names, ng_modules
from .init import INITS, init_model
from .plain import PlainCNN
from .resnet import CifarResNet
from .toy import NGToyCNN

ARCHITECTURES = {
    "ng-toy": NGToyCNN,
    "plain": PlainCNN,
    "resnet": CifarResNet,
}


def build_model(arch: str, init: str | None = None, **kwargs) -> nn.Module:
    """Build architecture `arch` with constructor `kwargs`, then apply the
    weight initialization `init` (see models.init) if given."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(ARCHITECTURES)}")
    model = ARCHITECTURES[arch](**kwargs)
    if init is not None:
        init_model(model, init)
    return model


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


__all__ = ["ARCHITECTURES", "CifarResNet", "INITS", "NGToyCNN", "NonlinearityGenerator", "PlainCNN",
           "activation", "activation_names", "build_model", "count_parameters", "init_model",
           "ng_modules"]
