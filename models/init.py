"""Weight initializations by name, applied to every Conv/Linear layer, and
LSUV (Mishkin & Matas 2016), the data-driven one.

Data-free schemes (``init_model(model, scheme, gain=1.0)``):

- ``xavier``: Glorot & Bengio 2010, eq. 16: uniform on [-a, a] with
  a = sqrt(6 / (fan_in + fan_out)), i.e. Var(W) = 2 / (fan_in + fan_out).
- ``xavier-caffe``: Caffe's "xavier" filler (its default variance_norm
  FAN_IN), the "Xavier" of the LSUV paper: uniform, Var(W) = 1 / fan_in.
  (LSUV Table 8's Xavier column is exactly 1/sqrt(fan_in): 0.191 for conv11,
  fan_in 27; 0.088 for ip1, fan_in 128.)
- ``msra``: He et al. 2015, eq. 10: zero-mean Gaussian, Var(W) = 2 / fan_in.
- ``msra-out``: He et al. 2015, eq. 14 (the backward-propagation case):
  zero-mean Gaussian, Var(W) = 2 / fan_out; what fb.resnet.torch's
  "MSR init" does (std sqrt(2 / (k k out))), the CReLU paper's init for
  BatchNorm networks.
- ``orthogonal``: Saxe et al. 2014 via torch's QR-based ``orthogonal_``.
- ``orthonorm``: Saxe et al. 2014 as the LSUV paper describes it (section 3):
  Gaussian noise of unit variance, decomposed by SVD, the weight (viewed as
  out x fan_in) replaced by the orthonormal factor of the same shape. Rows
  (or columns, whichever are fewer) are orthonormal, so entries have
  std 1 / sqrt(max(out, fan_in)).
- ``ortho-msra``: ``orthonorm`` times sqrt(2), the LSUV paper's
  "OrthoNorm-MSRA scaled" (Table 3; "the optimal scaling for ReLU-net is
  around 1.4, in line with sqrt(2) by He et al.", section 2). When
  out <= fan_in this is exactly MSRA's std sqrt(2 / fan_in).

- ``ortho-gs``: the Ortho paper's orthonormal init (Gram-Schmidt within
  filter groups, models.ortho.orthonormal_gram_schmidt_).
- ``gauss-0.01``: zero-mean Gaussian with std 0.01 (Krizhevsky et al. 2012;
  the ConvInit paper's example of an init whose norms vanish with depth).
- ``convinit`` / ``convinit-in`` (Zhang et al. 2022, "Necessary conditions
  for convergence of CNNs and initialization of convolution kernels"):
  every conv N(0, k / m) with m = fan_out = c_out k^2 (the backward rule:
  eq. 34, 1/lambda'; eq. 36, k = 2 for ReLU; with BN eq. 41, k = 2 / gamma)
  or, for ``convinit-in``, m = fan_in = c_in k^2 (the forward rule: eq. 22,
  1/lambda; eq. 24, k = 2 for ReLU); every Linear N(0, fc_k / fan_in) (the
  forward rule for a layer without activation after it: eq. 21, fc_k = 1,
  which the paper varies: 0.25 for WRN-28-10 on CIFAR-10) or, given
  ``fc_std``, N(0, fc_std^2) (its "the full-connected layer was initialized
  with the constant 0.01", read as a std). ``k`` is ``init_k``, default 2.

``gain`` multiplies the weights after the scheme (LSUV Figure 1 scans the
scale of ``orthonorm``).

Fans of a conv kernel (out, in, k, k): fan_in = in * k * k, fan_out = out * k * k.
Biases are set to zero. Other parameters (BN, NG's t, PReLU slopes) are left
at their module defaults.

Data-driven: ``lsuv_init(model, batch)`` (LSUV paper, Algorithm 1), and
``initialize(model, scheme, batch)`` which dispatches to either.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn as nn

INITS = ("xavier", "xavier-caffe", "msra", "msra-out", "orthogonal", "orthonorm", "ortho-msra", "gauss-0.01",
         "convinit", "convinit-in", "ortho-gs")
CONVINITS = ("convinit", "convinit-in")  # take k (and fc_k / fc_std): see convinit_
DATA_INITS = ("lsuv",)  # need a batch of data: see initialize()
# Inits that an architecture defines for itself (e.g. "bvlc": models.imagenet.bvlc_init), registered by the module
# that defines them (register_model_init), so that this module depends on no architecture.
MODEL_INITS: dict = {}


def register_model_init(name: str, fn) -> None:
    """Make `initialize(model, name)` call `fn(model, generator)`: an init defined by an architecture."""
    if name in INITS or name in DATA_INITS:
        raise ValueError(f"init {name!r} is already a scheme of models.init")
    MODEL_INITS[name] = fn


def fans(weight: torch.Tensor) -> tuple[int, int]:
    receptive = weight[0, 0].numel() if weight.dim() > 2 else 1
    return weight.shape[1] * receptive, weight.shape[0] * receptive


@torch.no_grad()
def orthonormal_(weight: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Saxe et al. 2014 by SVD (LSUV paper, section 3): fill a matrix of the
    weight's shape (out, fan_in) with N(0, 1), take its thin SVD U S V^T and
    keep U when out >= fan_in (orthonormal columns), else V^T (orthonormal
    rows)."""
    rows, cols = weight.shape[0], weight[0].numel()
    a = torch.randn(rows, cols, generator=generator, dtype=torch.float64)
    u, _, vh = torch.linalg.svd(a, full_matrices=False)
    q = u if u.shape == (rows, cols) else vh
    weight.copy_(q.reshape(weight.shape).to(weight.dtype))
    return weight


@torch.no_grad()
def init_weight(weight: torch.Tensor, scheme: str, generator: torch.Generator | None = None,
                gain: float = 1.0) -> None:
    fan_in, fan_out = fans(weight)
    if scheme == "xavier":
        a = math.sqrt(6.0 / (fan_in + fan_out))
        weight.uniform_(-a, a, generator=generator)
    elif scheme == "xavier-caffe":
        a = math.sqrt(3.0 / fan_in)
        weight.uniform_(-a, a, generator=generator)
    elif scheme == "msra":
        weight.normal_(0.0, math.sqrt(2.0 / fan_in), generator=generator)
    elif scheme == "msra-out":
        weight.normal_(0.0, math.sqrt(2.0 / fan_out), generator=generator)
    elif scheme == "ortho-gs":
        from .ortho import orthonormal_gram_schmidt_
        orthonormal_gram_schmidt_(weight, generator)
    elif scheme == "gauss-0.01":
        weight.normal_(0.0, 0.01, generator=generator)
    elif scheme == "orthogonal":
        nn.init.orthogonal_(weight, gain=1.0, generator=generator)
    elif scheme == "orthonorm":
        orthonormal_(weight, generator)
    elif scheme == "ortho-msra":
        orthonormal_(weight, generator).mul_(math.sqrt(2.0))
    else:
        known = ", ".join(INITS + DATA_INITS)
        raise ValueError(f"unknown init {scheme!r}; known: {known}")
    if gain != 1.0:
        weight.mul_(gain)


def weight_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(name, module) of every Conv2d/Linear of `model`, in definition order
    (= forward order for the suite's sequential architectures)."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def init_model(model: nn.Module, scheme: str, generator: torch.Generator | None = None,
               gain: float = 1.0, **params) -> nn.Module:
    """Initialise every Conv2d/Linear weight of `model` by `scheme`, biases to 0.
    `params` (k, fc_k, fc_std) are for the ConvInit schemes (convinit_)."""
    if scheme in DATA_INITS:
        raise ValueError(f"init {scheme!r} needs data: use models.init.initialize(model, {scheme!r}, batch)")
    if scheme in CONVINITS:
        convinit_(model, fan="in" if scheme == "convinit-in" else "out", generator=generator, **params)
    elif params:
        raise ValueError(f"init {scheme!r} takes no parameters, got {sorted(params)}")
    else:
        for _, m in weight_layers(model):
            init_weight(m.weight, scheme, generator, gain)
    for _, m in weight_layers(model):
        if gain != 1.0 and scheme in CONVINITS:
            m.weight.data.mul_(gain)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    return model


@torch.no_grad()
def convinit_(model: nn.Module, k: float = 2.0, fc_k: float = 1.0, fc_std: float | None = None, fan: str = "out",
              generator: torch.Generator | None = None) -> nn.Module:
    """ConvInit (Zhang et al. 2022): convs N(0, k / fan_out) (eqs. 34, 36, 41) or N(0, k / fan_in) with
    fan="in" (eqs. 22, 24); Linear layers N(0, fc_k / fan_in) (eq. 21), or N(0, fc_std^2) when fc_std is given."""
    if fan not in ("in", "out"):
        raise ValueError(f"fan must be 'in' or 'out', got {fan!r}")
    for _, m in weight_layers(model):
        fan_in, fan_out = fans(m.weight)
        if isinstance(m, nn.Linear):
            std = fc_std if fc_std is not None else math.sqrt(fc_k / fan_in)
        else:
            std = math.sqrt(k / (fan_out if fan == "out" else fan_in))
        m.weight.normal_(0.0, std, generator=generator)
    return model


# ------------------------------------------------------------------ LSUV


@dataclass
class LSUVLayer:
    """What LSUV did to one layer: forward passes used (trials), the output
    variance measured at the first and at the last trial (the weights were
    divided by sqrt of each measured variance), and the final weight std."""
    name: str
    trials: int
    first_variance: float
    last_variance: float
    weight_std: float


class _Reached(Exception):
    """Raised by the hook once the layer being initialised has its output:
    the rest of the network need not run."""


@torch.no_grad()
def lsuv_init(model: nn.Module, batch: torch.Tensor | Callable[[], torch.Tensor], tol_var: float = 0.1,
              t_max: int = 10, pre_init: str | None = "orthonorm",
              generator: torch.Generator | None = None) -> list[LSUVLayer]:
    """Layer-sequential unit-variance initialization (Mishkin & Matas 2016,
    Algorithm 1), in place.

    Pre-initialise every Conv2d/Linear with orthonormal matrices (`pre_init`,
    None to keep the current weights), then for each of those layers in
    order: forward a mini-batch, measure the variance Var(B_L) of the layer's
    output (over all its elements), divide the weights by sqrt(Var(B_L));
    repeat while |Var(B_L) - 1| >= `tol_var` and fewer than `t_max` trials.
    As in Algorithm 1 the weights are rescaled after every measurement,
    including the last one. Only weights change: biases stay as they are
    (zero after the pre-init).

    `batch` is a callable that returns the next mini-batch, called once per
    trial: Algorithm 1 does "Forward pass with a mini-batch" inside its loop,
    and "Because of data variations, it is often not possible to normalize
    variance with the desired precision" is about trials that see different
    data (the authors' script, LSUVinit's tools/extra/lsuv_init.py, runs
    Caffe's net.forward, which reads the data layer's next batch each time).
    A tensor is forwarded at every trial instead (then a zero-bias layer
    reaches unit variance on it after one rescale).

    Each forward stops at the layer being initialised (the layers after it do
    not affect its output). The model runs in train mode, as during training
    (batch statistics in BN layers); BN running statistics and every other
    buffer are restored afterwards, and the model's mode too.

    Returns one LSUVLayer per Conv2d/Linear layer, in order."""
    next_batch = batch if callable(batch) else (lambda: batch)
    if pre_init is not None:
        init_model(model, pre_init, generator)
    was_training = model.training
    buffers = {n: b.detach().clone() for n, b in model.named_buffers()}
    model.train()
    report = []
    captured: dict = {}

    def hook(module, inputs, output):
        captured["out"] = output
        raise _Reached

    try:
        for name, layer in weight_layers(model):
            handle = layer.register_forward_hook(hook)
            try:
                trials, first = 0, None
                while True:
                    try:
                        model(next_batch())
                    except _Reached:
                        pass
                    var = float(captured.pop("out").float().var())
                    trials += 1
                    first = var if first is None else first
                    if not math.isfinite(var) or var == 0.0:
                        break  # nothing to normalise (dead or non-finite output): leave the layer as is
                    layer.weight.div_(math.sqrt(var))
                    if abs(var - 1.0) < tol_var or trials >= t_max:
                        break
            finally:
                handle.remove()
            report.append(LSUVLayer(name, trials, first, var, float(layer.weight.float().std())))
    finally:
        for n, b in model.named_buffers():
            b.copy_(buffers[n])
        model.train(was_training)
    return report


@dataclass
class InitRecord:
    """An initialization as it happened: scheme, seconds, and for LSUV its per-layer report."""
    scheme: str
    seconds: float
    lsuv: list[LSUVLayer] | None = None
    batch_size: int | None = None  # images in the batch a data-driven init used


def initialize(model: nn.Module, scheme: str, batch: torch.Tensor | Callable[[], torch.Tensor] | None = None,
               generator: torch.Generator | None = None, gain: float = 1.0, **options) -> InitRecord:
    """Apply `scheme` (any of INITS; "lsuv", which needs `batch`: a tensor, or a callable giving the next
    mini-batch, see lsuv_init; a registered MODEL_INITS name, e.g. "bvlc" for the ImageNet networks) and time it. `options` go to lsuv_init (LSUV) or convinit_ (the ConvInit schemes' k, fc_k, fc_std)."""
    t0 = time.perf_counter()
    if scheme == "lsuv":
        if batch is None:
            raise ValueError("LSUV needs a batch of training data")
        layers = lsuv_init(model, batch, generator=generator, **options)
        return InitRecord(scheme, time.perf_counter() - t0, layers)
    if scheme in MODEL_INITS:
        MODEL_INITS[scheme](model, generator)
    else:
        init_model(model, scheme, generator, gain, **options)
    return InitRecord(scheme, time.perf_counter() - t0)
