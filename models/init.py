"""Weight initializations by name, applied to every Conv/Linear layer.

- ``xavier``: Glorot & Bengio 2010, eq. 16: uniform on [-a, a] with
  a = sqrt(6 / (fan_in + fan_out)), i.e. Var(W) = 2 / (fan_in + fan_out).
- ``msra``: He et al. 2015, eq. 10: zero-mean Gaussian, Var(W) = 2 / fan_in.
- ``orthogonal``: Saxe et al. 2013: the weight reshaped to
  (out, in * k * k) has orthonormal rows (or columns, whichever are fewer).

Fans of a conv kernel (out, in, k, k): fan_in = in * k * k, fan_out = out * k * k.
Biases are set to zero. Other parameters (BN, NG's t, PReLU slopes) are left
at their module defaults.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn

INITS = ("xavier", "msra", "orthogonal")


def fans(weight: torch.Tensor) -> tuple[int, int]:
    receptive = weight[0, 0].numel() if weight.dim() > 2 else 1
    return weight.shape[1] * receptive, weight.shape[0] * receptive


@torch.no_grad()
def init_weight(weight: torch.Tensor, scheme: str, generator: torch.Generator | None = None) -> None:
    fan_in, fan_out = fans(weight)
    if scheme == "xavier":
        a = math.sqrt(6.0 / (fan_in + fan_out))
        weight.uniform_(-a, a, generator=generator)
    elif scheme == "msra":
        weight.normal_(0.0, math.sqrt(2.0 / fan_in), generator=generator)
    elif scheme == "orthogonal":
        nn.init.orthogonal_(weight, gain=1.0, generator=generator)
    else:
        raise ValueError(f"unknown init {scheme!r}; known: {', '.join(INITS)}")


def init_model(model: nn.Module, scheme: str, generator: torch.Generator | None = None) -> nn.Module:
    """Initialise every Conv2d/Linear weight of `model` by `scheme`, biases to 0."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            init_weight(m.weight, scheme, generator)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model
