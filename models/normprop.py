"""Normalization Propagation (Arpit et al. 2016) and the CReLU paper's two
modifications of it (Shang, Chiu & Sohn, AAAI 2017, "Normalization
Propagation in ResNets").

NormProp (CReLU paper, the equation of "Normalization Propagation in
ResNets"; Arpit et al. 2016):

    x_{l+1} = [1/2 - 1/(2 pi)]^(-1/2) [ReLU(gamma_l (W_l x_l) / ||W_l||_2 + beta_l) - 1/sqrt(2 pi)]

with ||W_l||_2 the norm of each filter (one row of W viewed as
out x (in k k)), gamma_l and beta_l one per output channel. The two
constants make ReLU(z), z ~ N(0, 1), zero-mean and unit-variance again:
E[ReLU(z)] = 1/sqrt(2 pi), Var[ReLU(z)] = 1/2 (1 - 1/pi) (the paper's
Proposition 2, whose "E[y] = 1/(2 pi)" is a misprint: the formula subtracts
1/sqrt(2 pi)).

- NormProp2: ReLU(gamma W x / ||W||_2 + beta), the constants dropped (the
  same form as WeightNorm, Salimans & Kingma 2016).
- NormProp3: NormProp2 with every gamma fixed at 1/1.21, "suggested as an
  initial value in the original NormProp".

The suite splits each formula into its two halves so that they compose with
any block: ``NormPropConv2d`` (gamma W x / ||W|| + beta: the normalised
linear map) and ``NormPropActivation`` (the activation, then for NormProp
the constant affine map). For CReLU the affine map is applied to both
halves (each half is a ReLU of a unit Gaussian under NormProp's premise).

Choices where the paper is silent: gamma starts at 1/1.21 (the value
Arpit et al. suggest, also NormProp3's fixed one) and beta at 0 for all
three forms; the norm is taken per output filter over in x k x k, with a
small floor (1e-12) against a zero filter.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .activations import activation

NORMPROPS = ("normprop", "normprop2", "normprop3")
NORMS = ("bn", "none") + NORMPROPS  # every normalization a conv -> norm -> act unit can have
GAMMA_INIT = 1 / 1.21
RELU_MEAN = 1 / math.sqrt(2 * math.pi)          # E[ReLU(z)], z ~ N(0, 1)
RELU_STD = math.sqrt(0.5 - 1 / (2 * math.pi))   # sqrt(Var[ReLU(z)])


class NormPropConv2d(nn.Conv2d):
    """gamma * conv(x, W / ||W||_2) + beta, ||W||_2 per output filter.

    `fixed_gamma` (NormProp3): gamma is a buffer held at 1/1.21, not learnt.
    The conv's own bias is not used (beta plays it)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 fixed_gamma: bool = False):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False)
        gamma = torch.full((out_channels,), GAMMA_INIT)
        if fixed_gamma:
            self.register_buffer("gamma", gamma)
        else:
            self.gamma = nn.Parameter(gamma)
        self.beta = nn.Parameter(torch.zeros(out_channels))
        self.fixed_gamma = fixed_gamma

    def normalized_weight(self) -> torch.Tensor:
        """W / ||W||_2, one norm per output filter."""
        norm = self.weight.flatten(1).norm(dim=1).clamp_min(1e-12)
        return self.weight / norm.view(-1, 1, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.conv2d(x, self.normalized_weight(), None, self.stride, self.padding, self.dilation, self.groups)
        return y * self.gamma.view(1, -1, 1, 1).to(y.dtype) + self.beta.view(1, -1, 1, 1).to(y.dtype)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", fixed_gamma={self.fixed_gamma}"


class NormPropActivation(nn.Module):
    """The activation half of NormProp: act(x), then (act(x) - 1/sqrt(2 pi)) /
    sqrt(1/2 - 1/(2 pi)) when `affine` (original NormProp), unchanged for
    NormProp2 and NormProp3."""

    def __init__(self, act: nn.Module, affine: bool):
        super().__init__()
        self.act = act
        self.affine = affine

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(x)
        return (y - RELU_MEAN) / RELU_STD if self.affine else y

    def extra_repr(self) -> str:
        return f"affine={self.affine}"


# ------------------------------------------------ conv -> norm -> act units, for every normalization


def check_norm(norm: str) -> None:
    if norm not in NORMS:
        raise ValueError(f"unknown normalization {norm!r}; known: {', '.join(NORMS)}")


def norm_conv(cin: int, cout: int, kernel: int, stride: int = 1, norm: str = "bn", bias: bool = True,
              padding_mode: str = "zeros") -> nn.Conv2d:
    """A kxk conv ('same' padding) for normalization `norm`: a NormPropConv2d for
    the NormProp forms (zero padding only); otherwise a Conv2d, with a bias only without BN and if `bias`."""
    if norm in NORMPROPS:
        if padding_mode != "zeros":
            raise ValueError(f"NormProp convs pad with zeros only, not {padding_mode!r}")
        return NormPropConv2d(cin, cout, kernel, stride=stride, padding=kernel // 2,
                              fixed_gamma=norm == "normprop3")
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=norm == "none" and bias,
                     padding_mode=padding_mode)


def norm_layer(norm: str, channels: int) -> nn.Module:
    """BN after a conv for norm "bn"; nothing otherwise (NormProp normalises inside its conv)."""
    return nn.BatchNorm2d(channels) if norm == "bn" else nn.Identity()


def norm_activation(act: str, channels: int, norm: str = "bn", **ng) -> nn.Module:
    """The activation of a conv -> norm -> act unit: `act` over `channels`, with NormProp's constant affine map
    when norm is "normprop" (the unit is then one NormProp layer, the paper's equation)."""
    m = activation(act, channels, **ng)
    return NormPropActivation(m, affine=True) if norm == "normprop" else m
