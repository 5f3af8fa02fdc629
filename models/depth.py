"""Depth bookkeeping shared by the CIFAR architectures."""
from __future__ import annotations

import operator


def units_per_stage(depth: int, layers_per_unit: int, what: str) -> int:
    """n in depth = layers_per_unit * 3 * n + 2 (three stages, plus the first
    conv and the classifier): plain CNN (1 conv per unit) depth = 3n + 2,
    CIFAR ResNet (2 convs per block) depth = 6n + 2."""
    step = 3 * layers_per_unit
    try:
        d = operator.index(depth)
    except TypeError:
        d = None
    if d is None or (d - 2) % step != 0 or (d - 2) // step < 1:
        raise ValueError(f"{what} depth must be {step}n + 2 with n >= 1 (e.g. 20, 44, 56), got {depth!r}")
    return (d - 2) // step
