"""Measurements shared by the papers.

Per-epoch probes (``PROBES``, TrainSpec.probes): functions of the model,
evaluated by the trainer after every epoch.

Step probes (``STEP_PROBES``, TrainSpec.step_probes): functions of the model
and the trainer's ``models.ortho.Modulation`` (which records every conv's
error moment in each backward pass), evaluated every
``step_probe_every`` steps, after the step (the Ortho paper's Figures 2-4):

- ``filter_correlation``: eq. 8 (models.ortho.filter_correlation);
- ``error_moment_ratio``: second-order moment of the error at the first conv
  over that at the last conv, in the last backward pass (Figure 3);
- ``error_moments``: every conv's error moment relative to the highest
  conv's, bottom up (Figure 4).

Final probes (``FINAL_PROBES``, TrainSpec.final_probes): functions of the
trained model and images, evaluated once after the last epoch in eval mode
(BN with its running statistics), fp32, without autograd, on the first
``FINAL_PROBE_IMAGES`` test images. The CReLU paper's measurements of
trained ResNets are of this kind:

- ``residual_delta`` (Figure 2): for each residual block, Delta = the mean
  over spatial positions (i, j) of ||x_l(:, i, j) - x_{l+1}(:, i, j)||_2,
  x_l the block's input and x_{l+1} its output, averaged over the images.
  Where a block changes the shape, x_l is taken through the block's
  identity path (subsampled, zero channels appended): the paper draws those
  blocks ("the spike when the spatial dimension is reduced") without saying
  how it compared tensors of different shapes; this is our reading.
- ``last_activation`` (Table 1): mean and std over every entry of the output
  of the network's last ReLU (for a CReLU network, of its last CReLU: the
  paper's "when using CReLU, the NZR is automatically 0.5" holds only
  there), and the non-zero ratio NZR; also the same for the classifier's
  input (the last block's output).
- ``coherence`` (supplement, Figure 3, Definition 2): for each conv layer,
  mu = max_{i != j} |W_i^T W_j| / (||W_i|| ||W_j||) over its filters W_i.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from models.activations import CReLU, ng_modules

FINAL_PROBE_IMAGES = 1000


def ng_t_mean(model: nn.Module) -> float | None:
    """Mean of every NG t value of the model (NG paper, Table 1 prose)."""
    ts = [m.t.detach().float().flatten() for m in ng_modules(model)]
    return float(torch.cat(ts).mean()) if ts else None


def ng_t_per_layer(model: nn.Module) -> list[list[float]]:
    """The t values of every NG layer (NG paper, Figure 2)."""
    return [m.t.detach().float().flatten().tolist() for m in ng_modules(model)]


PAPER_T_LAYER, PAPER_NG_LAYERS = 19, 55  # NG Figure 2: layer 19 of the 56-layer plain CNN (55 conv + NG layers)


def ng_t_layer19(model: nn.Module) -> list[float] | None:
    """The t of every channel of the NG layer that NG Figure 2 plots: layer 19
    of the 56-layer plain CNN; in a network with L NG layers, the one at the
    same relative depth, number round(19 L / 55) (1-based)."""
    mods = ng_modules(model)
    if not mods:
        return None
    i = max(1, round(PAPER_T_LAYER * len(mods) / PAPER_NG_LAYERS))
    return mods[i - 1].t.detach().float().flatten().tolist()


def weight_variance(model: nn.Module) -> list[float]:
    """Variance of the weights of every Conv/Linear layer, in order (NG Figure 4)."""
    return [float(m.weight.detach().float().var()) for m in model.modules()
            if isinstance(m, (nn.Conv2d, nn.Linear))]


PROBES = {
    "ng_t_mean": ng_t_mean,
    "ng_t_per_layer": ng_t_per_layer,
    "ng_t_layer19": ng_t_layer19,
    "weight_variance": weight_variance,
}


# ------------------------------------------------------------------ the formulas


def delta(x_in: torch.Tensor, x_out: torch.Tensor) -> torch.Tensor:
    """CReLU paper, Delta: per image (N, C, H, W) -> (N,), the mean over the
    H x W positions of the L2 norm over channels of x_in - x_out."""
    return (x_in.float() - x_out.float()).norm(dim=1).mean(dim=(1, 2))


def coherence(weight: torch.Tensor) -> float:
    """Coherence of a filter matrix (CReLU supplement, Definition 2): rows W_i
    are the filters (out x in*k*k); max over i != j of |cos(W_i, W_j)|.
    A zero filter counts as orthogonal to every other."""
    w = weight.detach().float().flatten(1)
    if w.shape[0] < 2:
        raise ValueError("coherence needs at least two filters")
    w = w / w.norm(dim=1, keepdim=True).clamp_min(1e-30)
    gram = (w @ w.T).abs()
    gram.fill_diagonal_(0.0)
    return float(gram.max())


def activation_stats(y: torch.Tensor) -> dict:
    """Mean, std and non-zero ratio over every entry of `y` (CReLU Table 1)."""
    y = y.detach().float()
    return {"mean": float(y.mean()), "std": float(y.std()), "nzr": float((y != 0).float().mean())}


# ------------------------------------------------------------------ on a trained model


def _images(data, opts, batch_size: int = 250):
    n = 0
    for xb, _ in data.batches(batch_size):
        if n >= FINAL_PROBE_IMAGES:
            break
        xb = xb[:FINAL_PROBE_IMAGES - n].float()
        n += len(xb)
        yield xb


def _blocks(model: nn.Module) -> list[nn.Module]:
    if not hasattr(model, "blocks"):
        raise ValueError(f"{type(model).__name__} has no residual blocks")
    return model.blocks()


@torch.no_grad()
def residual_delta(model: nn.Module, data, opts) -> list[float]:
    """Delta of every residual block, in forward order (see the module doc)."""
    blocks = _blocks(model)
    sums = [0.0] * len(blocks)
    count = 0

    def hook(i, block):
        def fn(module, inputs, output):
            x = inputs[0]
            if x.shape != output.shape:
                x = block.shortcut(x)
            sums[i] += float(delta(x, output).sum())
        return fn
    handles = [b.register_forward_hook(hook(i, b)) for i, b in enumerate(blocks)]
    try:
        for xb in _images(data, opts):
            model(xb)
            count += len(xb)
    finally:
        for h in handles:
            h.remove()
    return [s / max(count, 1) for s in sums]


def last_rectifier(model: nn.Module) -> nn.Module:
    """The network's last CReLU if it has any, else its last ReLU (definition order = forward order in the
    suite's ResNets)."""
    crelus = [m for m in model.modules() if isinstance(m, CReLU)]
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    if not (crelus or relus):
        raise ValueError(f"{type(model).__name__} has no ReLU or CReLU")
    return (crelus or relus)[-1]


@torch.no_grad()
def last_activation(model: nn.Module, data, opts) -> dict:
    """Stats of the last ReLU/CReLU output and of the classifier's input (see the module doc)."""
    captured: dict[str, list] = {"last": [], "classifier_input": []}
    h1 = last_rectifier(model).register_forward_hook(lambda m, i, o: captured["last"].append(o.detach().cpu()))
    h2 = _blocks(model)[-1].register_forward_hook(
        lambda m, i, o: captured["classifier_input"].append(o.detach().cpu()))
    try:
        for xb in _images(data, opts):
            model(xb)
    finally:
        h1.remove()
        h2.remove()
    return {k: activation_stats(torch.cat(v)) for k, v in captured.items()}


@torch.no_grad()
def conv_coherence(model: nn.Module, data=None, opts=None) -> list[float]:
    """Coherence of every conv layer with at least two filters and kernels larger than 1x1 (the 3x3 convs of
    the blocks and the stem; option-B 1x1 projections left out), in definition order."""
    return [coherence(m.weight) for m in model.modules()
            if isinstance(m, nn.Conv2d) and m.out_channels > 1 and m.kernel_size != (1, 1)]


FINAL_PROBES = {
    "residual_delta": residual_delta,
    "last_activation": last_activation,
    "coherence": conv_coherence,
}


def _moments(modulation) -> list[float]:
    """Error moments of the last backward pass, bottom conv first (after any modulation)."""
    if modulation is None or not modulation.moments:
        return []
    return [after for _, after in reversed(modulation.moments)]


def error_moment_ratio(model: nn.Module, modulation) -> float | None:
    q = _moments(modulation)
    return q[0] / q[-1] if q and q[-1] > 0 else None


def error_moments(model: nn.Module, modulation) -> list[float]:
    q = _moments(modulation)
    return [x / q[-1] for x in q] if q and q[-1] > 0 else []


def _filter_correlation(model: nn.Module, modulation=None) -> float:
    from models.ortho import filter_correlation
    return filter_correlation(model)


STEP_PROBES = {
    "filter_correlation": _filter_correlation,
    "error_moment_ratio": error_moment_ratio,
    "error_moments": error_moments,
}
