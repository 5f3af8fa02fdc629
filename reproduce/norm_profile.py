"""The ``norm_profile`` measurement job (a Cell.job of reproduce.measure.JOBS):
one forward and backward pass at initialization, in float64, recording for
every Conv/Linear layer l the whole-tensor L2 norm of its output x_l and of
the loss gradient delta_l = dLoss/dx_l, with the output's size.

These are the norms of the ConvInit paper's section 3 (Zhang et al. 2022):
"the output of Layer l is y_l in R^{B x C x H x W}", ||y_l|| = alpha_l
||y_{l-1}|| (eq. 4), ||delta_{l-1}|| = beta_l ||delta_l|| (eq. 8). Whole
vectors, not per-element RMS: a 2x2 max pool keeps ||delta|| exactly in the
backward direction while its RMS halves, so RMS ratios across a pool measure
the change of size, not the norm. The ratios themselves are computed by the
paper module (reproduce.convinit), which knows which pairs of layers the
statements are about.

The batch is the same for every seed (the first shuffled batch of generator
seed 0): seeds vary only the weight draw, the random quantity the paper's
expectations are over.
"""
from __future__ import annotations

import time

import torch
import torch.nn as nn

from models.init import weight_layers

from .train import RunOptions, device_name


def norm_profile(model: nn.Module, task, cell, opts: RunOptions) -> dict:
    """Per Conv/Linear layer: ||x_l||, ||dLoss/dx_l|| (L2 over the whole batch tensor) and x_l's size per
    example; the mean cross-entropy of one batch of cell.train.batch_size, train mode, float64."""
    t0 = time.perf_counter()
    model = model.double().train()
    layers = weight_layers(model)
    outputs: list = [None] * len(layers)

    def hook(i):
        def fn(m, inp, out):
            out.retain_grad()
            outputs[i] = out
        return fn
    handles = [m.register_forward_hook(hook(i)) for i, (_, m) in enumerate(layers)]
    gen = torch.Generator(device=task.train.device).manual_seed(0)
    xb, yb = next(task.train.batches(cell.train.batch_size, shuffle=True, augment=False, generator=gen))
    try:
        loss = nn.functional.cross_entropy(model(xb.double()), yb)
        loss.backward()
    finally:
        for h in handles:
            h.remove()
    return {"status": "ok", "wall_time_s": time.perf_counter() - t0, "device": device_name(opts.device),
            "dtype": "fp64", "channels_last": False, "compiled": False, "cuda_graph": False,
            "layer_names": [n for n, _ in layers], "shapes": [list(o.shape[1:]) for o in outputs],
            "forward_norm": [float(o.detach().norm()) for o in outputs],
            "backward_norm": [float(o.grad.norm()) for o in outputs], "loss": float(loss.detach()),
            "batch_size": len(xb)}
