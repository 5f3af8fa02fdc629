"""Measurements shared by the papers, each a function of a model (evaluated
once per epoch by the trainer when a cell asks for it by name)."""
from __future__ import annotations

import torch
import torch.nn as nn

from models.activations import ng_modules


def ng_t_mean(model: nn.Module) -> float | None:
    """Mean of every NG t value of the model (NG paper, Table 1 prose)."""
    ts = [m.t.detach().float().flatten() for m in ng_modules(model)]
    return float(torch.cat(ts).mean()) if ts else None


def ng_t_per_layer(model: nn.Module) -> list[list[float]]:
    """The t values of every NG layer (NG paper, Figure 2)."""
    return [m.t.detach().float().flatten().tolist() for m in ng_modules(model)]


def weight_variance(model: nn.Module) -> list[float]:
    """Variance of the weights of every Conv/Linear layer, in order (NG Figure 4)."""
    return [float(m.weight.detach().float().var()) for m in model.modules()
            if isinstance(m, (nn.Conv2d, nn.Linear))]


PROBES = {
    "ng_t_mean": ng_t_mean,
    "ng_t_per_layer": ng_t_per_layer,
    "weight_variance": weight_variance,
}
