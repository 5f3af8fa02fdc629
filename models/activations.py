"""Activation functions by name, and the nonlinearity generator (NG).

NG (Jiang et al., "An Effective Training Method for Deep CNNs", eq. 1):

    NG(f)(x_i) = f(x_i - t_i) + t_i

with t trainable and, for the channel-wise variant the paper uses, shared by
all positions of one channel. Its derivative w.r.t. t is 1 - f'(x - t): for
ReLU (the paper's eq. 3) 0 where x > t and 1 where x <= t, for LReLU and
PReLU 0 where x > t and 1 - slope where x <= t (autograd derives these from
eq. 1; only NG-ReLU's gradients are written out, ``NGReLUFunction``), times
the upstream gradient; t is updated by the same momentum SGD as the weights
(eq. 4).

Choices the NG paper leaves open (recorded in README and in every table):
  - LReLU negative slope: 0.01 (Maas et al. 2013, the original LReLU).
  - PReLU initial slope: 0.25, one slope per channel (He et al. 2015).

Also here for the LSUV paper: VLReLU, "very leaky ReLU", a leaky ReLU with
negative slope 0.333 (LSUV section 5.1), and Maxout (Goodfellow et al. 2013),
which is not element-wise: see ``Maxout``.

And for the CReLU paper (Shang, Chiu & Sohn 2017, Definition 1; Shang et
al. 2016): CReLU(x) = ([x]_+, [-x]_+), concatenated on the channel axis, so
it doubles the channels: see ``CReLU`` and ``output_channels``.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import ng_relu_cpu

LRELU_SLOPE = 0.01
PRELU_INIT = 0.25
VLRELU_SLOPE = 0.333
BASE_ACTIVATIONS = ("none", "relu", "lrelu", "vlrelu", "prelu", "selu", "tanh", "sigmoid", "crelu")


def base_activation(name: str, num_channels: int = 1) -> nn.Module:
    """The plain activation `name` (one of BASE_ACTIVATIONS) as a module."""
    if name == "none":
        return nn.Identity()
    if name == "relu":
        return nn.ReLU()
    if name == "lrelu":
        return nn.LeakyReLU(LRELU_SLOPE)
    if name == "vlrelu":
        return nn.LeakyReLU(VLRELU_SLOPE)
    if name == "prelu":
        return nn.PReLU(num_channels, init=PRELU_INIT)
    if name == "selu":
        return nn.SELU()
    if name == "tanh":
        return nn.Tanh()
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "crelu":
        return CReLU()
    raise ValueError(f"unknown activation {name!r}; known: {', '.join(activation_names())}")


class Maxout(nn.Module):
    """Maxout with k pieces (Goodfellow et al. 2013) over the channel axis:
    an input of k*C channels (the preceding conv or linear layer has k times
    the outputs) becomes C channels, channel c = max over the k pieces
    x[:, c], x[:, C + c], ..., x[:, (k-1) C + c]. The pieces are contiguous
    channel blocks, as Caffe's Slice + Eltwise(MAX) forms them (the LSUV
    paper's FitNets: 2 pieces in conv layers, 5 in the fully-connected one)."""

    def __init__(self, pieces: int):
        super().__init__()
        self.pieces = pieces

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = self.pieces
        if x.shape[1] % k:
            raise ValueError(f"maxout with {k} pieces needs a multiple of {k} channels, got {x.shape[1]}")
        return x.unflatten(1, (k, x.shape[1] // k)).amax(dim=1)

    def extra_repr(self) -> str:
        return f"pieces={self.pieces}"


class CReLU(nn.Module):
    """CReLU(x) = (ReLU(x), ReLU(-x)) concatenated on the channel axis (CReLU
    paper, Definition 1): C channels in, 2C out, the positive parts first."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(torch.cat((x, -x), dim=1))


def output_channels(name: str, num_channels: int) -> int:
    """Channels out of activation `name` given `num_channels` in (CReLU doubles them)."""
    return 2 * num_channels if name == "crelu" else num_channels


class NGReLUFunction(torch.autograd.Function):
    """NG-ReLU(x) = ReLU(x - t) + t = max(x, t) with its gradients written
    out (NG paper eqs. 2-3): dL/dx = g where x > t, else 0; dL/dt = g where
    x <= t, else 0, summed over the positions t is shared by. Like ReLU it
    saves its output, not its input (x > t exactly where max(x, t) > t), and
    its forward is one op where autograd of ``torch.where(x <= t, t, x)``
    needs a comparison, a select and a saved mask (benchmarks/: 1.6x faster
    forward+backward on a CPU). NaN in x stays NaN (torch.maximum
    propagates it). On a CPU the backward is one fused pass
    (models/ng_relu_cpu.cpp: NG-ReLU's step as fast as ReLU's), elsewhere
    the autograd ops below; a bf16 forward on a CPU runs the same file's
    tiles (torch.maximum's broadcast is slow on channels_last)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        tx = t.to(x.dtype)  # compared and returned in x's dtype (bf16 under autocast); dL/dt comes back in t's
        out = ng_relu_cpu.bf16_forward(x, tx)  # bf16 on a CPU: the kernel's tiles (torch.maximum's values)
        if out is None:
            out = torch.maximum(x, tx)
        ctx.save_for_backward(out, tx)
        ctx.t_dtype = t.dtype
        return out

    @staticmethod
    def backward(ctx, g: torch.Tensor):
        out, t = ctx.saved_tensors
        fused = ng_relu_cpu.fused_backward(g, out, t)
        if fused is not None:  # one pass on a CPU (models/ng_relu_cpu.cpp), same formula (t's sum in another order,
            # in fp32 whatever the activations' dtype)
            return fused[0], fused[1].to(ctx.t_dtype) if ctx.needs_input_grad[1] else None
        grad_x = torch.where(out > t, g, 0.0)
        # g - grad_x is exactly g where x <= t and 0 elsewhere: the masked sum of eq. 3, bit for bit what autograd
        # of torch.where(x <= t, t, x) gave
        grad_t = (g - grad_x).sum_to_size(t.shape).to(ctx.t_dtype) if ctx.needs_input_grad[1] else None
        return grad_x, grad_t


class NonlinearityGenerator(nn.Module):
    """NG(f)(x) = f(x - t) + t  (NG paper, eq. 1), for any base activation f.

    Args:
        base: the activation f, a module (e.g. nn.ReLU(), nn.PReLU(C)).
        t_shape: shape of t. ``(C,)`` is the channel-wise variant (t shared over
            the spatial positions of a channel); ``(C, H, W)`` or ``(D,)`` for a
            dense layer is the element-wise variant of eq. 1.
        t_init: initial value of every t (the paper uses -1).
        trainable: if False t stays fixed (NG Tables 1 and 2 use fixed t).

    For f = ReLU it is max(x, t) with hand-written gradients
    (``NGReLUFunction``): dNG/dt = 1 where x <= t and 0 elsewhere, exactly
    eq. 3.
    """

    def __init__(self, base: nn.Module, t_shape: tuple[int, ...] = (1,), t_init: float = -1.0,
                 trainable: bool = True):
        super().__init__()
        self.base = base
        t = torch.full(tuple(t_shape), float(t_init))
        if trainable:
            self.t = nn.Parameter(t)
        else:
            self.register_buffer("t", t)
        self.trainable = trainable

    def _t_view(self, x: torch.Tensor) -> torch.Tensor:
        t = self.t
        if t.dim() == 1 and x.dim() > 2:  # channel-wise (or one t shared by all channels)
            if t.numel() not in (1, x.shape[1]):
                raise ValueError(f"NG has {t.numel()} channel-wise t values, input has {x.shape[1]} channels")
            return t.view(1, -1, *([1] * (x.dim() - 2)))
        return t.unsqueeze(0)  # element-wise: t has the shape of one example

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if type(self.base) is nn.ReLU:
            return NGReLUFunction.apply(x, self._t_view(x))  # relu(x - t) + t == max(x, t), in x's dtype
        t = self._t_view(x).to(x.dtype)
        return self.base(x - t) + t

    def extra_repr(self) -> str:
        return f"t_shape={tuple(self.t.shape)}, trainable={self.trainable}"


def activation(name: str, num_channels: int = 1, *, t_init: float = -1.0,
               t_trainable: bool = True, elementwise_shape: tuple[int, ...] | None = None) -> nn.Module:
    """Activation by name: a base name (relu, lrelu, prelu, selu, tanh,
    sigmoid, none) or ``ng-<base>`` for its nonlinearity generator with
    channel-wise t over `num_channels` channels (element-wise if
    `elementwise_shape` is given)."""
    if name.startswith("ng-"):
        base = base_activation(name[3:], num_channels)
        shape = elementwise_shape or (num_channels,)
        return NonlinearityGenerator(base, shape, t_init=t_init, trainable=t_trainable)
    return base_activation(name, num_channels)


def activation_names() -> list[str]:
    return list(BASE_ACTIVATIONS) + [f"ng-{b}" for b in BASE_ACTIVATIONS if b not in ("none", "crelu")]


def ng_modules(model: nn.Module) -> list[NonlinearityGenerator]:
    """All NG activations of `model`, in forward-definition order."""
    return [m for m in model.modules() if isinstance(m, NonlinearityGenerator)]


def reference_curve(name: str, x: torch.Tensor, t: float = -1.0) -> torch.Tensor:
    """Value of activation `name` on a 1-D tensor, for plotting (NG Figure 1).
    PReLU is drawn at its initial slope."""
    if name.startswith("ng-"):
        return reference_curve(name[3:], x - t) + t
    if name == "prelu":
        return F.prelu(x, torch.tensor([PRELU_INIT]))
    return base_activation(name)(x)
