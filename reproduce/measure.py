"""Measurement jobs: cells that build and initialise a network, then measure
it instead of training it to the end (Cell.job names one of JOBS).

- ``init_stats``: per-layer weight std and variance right after
  initialization (LSUV paper, Tables 8 and 9; the init's own record, with its
  time and LSUV's trials per layer, is added by run_cell: Table 6).
- ``early_training``: the first ``cell.train.max_steps`` steps of the cell's
  training protocol (same optimizer, batches and augmentation as a training
  run, train mode), recording per step and per Conv/Linear layer l the
  variance of the error back-propagated to the layer's output,
  Var(dL/dy_l) over every element of y_l (batch, channels, positions; L the
  batch-mean loss): the "variance of the gradient at all layers" of LSUV
  Table 10, which Caffe, the authors' framework, holds as the diff of the
  layer's top blob (conv1_1, ..., ip1: the output before the non-linearity,
  whose ReLU is not in place in their models); the variance of the weight
  gradient Var(dL/dW) (a secondary reading of the same table); and the
  relative size of the weight update ||W_after - W_before|| / ||W_before||
  (LSUV Figure 1).
- ``norm_profile``: reproduce.norm_profile (ConvInit section 3).
- ``step_seconds``: the median seconds of one SGD step of the cell's
  training protocol on this device, nothing else timed (LSUV Table 6's
  training-time estimate).
- ``step_memory``: the memory one training step of the cell's network holds
  at its batch size (fp32, NCHW, eager): the tensors autograd saves for the
  backward pass, each storage once, plus the parameters and their gradients;
  on CUDA also the peak allocated during the step. The cost columns of the
  ``compare`` targets (reproduce/compare.py).

Each returns a record with the fields every result has (status, wall time,
device, dtype) so tables render it like a trained cell.
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import time

import torch
import torch.nn as nn

from models.init import weight_layers

from .norm_profile import norm_profile
from .train import RunOptions, device_name, make_optimizer, train_step


def _common(device, seconds: float, status: str = "ok") -> dict:
    return {"status": status, "wall_time_s": seconds, "device": device_name(device), "dtype": "fp32",
            "channels_last": False, "compiled": False, "cuda_graph": False}


@torch.no_grad()
def init_stats(model: nn.Module, task, cell, opts: RunOptions) -> dict:
    """Weight std and variance of every Conv/Linear layer, as initialised."""
    t0 = time.perf_counter()
    layers = [{"name": name, "weight_std": float(m.weight.float().std()), "weight_var": float(m.weight.float().var()),
               "weight_mean": float(m.weight.float().mean()), "numel": m.weight.numel(), "shape": list(m.weight.shape)}
              for name, m in weight_layers(model)]
    return {**_common(opts.device, time.perf_counter() - t0), "layers": layers}


@contextlib.contextmanager
def output_error_variances(layers: list[tuple[str, nn.Module]]):
    """Within the block, every backward pass writes into the yielded list, at layer l's index, Var(dL/dy_l):
    the variance (torch's unbiased estimator) over all elements of the gradient of the loss with respect to the
    output y_l of layer l (nan for a layer the pass did not reach)."""
    found = [math.nan] * len(layers)

    def hook(i):
        def fn(module, grad_output):
            if grad_output[0] is not None:
                found[i] = float(grad_output[0].detach().float().var())
        return fn
    handles = [m.register_full_backward_pre_hook(hook(i)) for i, (_, m) in enumerate(layers)]
    try:
        yield found
    finally:
        for h in handles:
            h.remove()


def early_training(model: nn.Module, task, cell, opts: RunOptions) -> dict:
    """The first `cell.train.max_steps` steps of training, with per-layer output-error variance, weight-gradient
    variance and relative update size at every step. fp32, NCHW, eager (the measurement needs each step's
    gradients and weights)."""
    spec = cell.train
    device = task.train.device
    model.to(device).train()
    step_opts = dataclasses.replace(opts, amp=False, channels_last=False, compile=False, cuda_graph=False)
    optimizer = make_optimizer(model, spec)
    for g in optimizer.param_groups:
        g["lr"] = spec.lr
    layers = weight_layers(model)
    gen = torch.Generator(device=device).manual_seed(cell.seed)
    steps, status = [], "ok"
    t0 = time.perf_counter()
    while len(steps) < spec.max_steps:  # as many epochs as the steps need
        for xb, yb in task.train.batches(spec.batch_size, shuffle=True, augment=task.train.augment, generator=gen):
            before = [m.weight.detach().clone() for _, m in layers]
            with output_error_variances(layers) as out_grad_var:
                loss, _ = train_step(model, optimizer, xb, yb, step_opts, loss=spec.loss)
            with torch.no_grad():
                grad_var = [float(m.weight.grad.float().var()) if m.weight.grad is not None else math.nan
                            for _, m in layers]
                rel = [float((m.weight - w).norm() / w.norm().clamp_min(1e-30)) for (_, m), w in zip(layers, before)]
            steps.append({"loss": float(loss), "out_grad_var": out_grad_var, "grad_var": grad_var,
                          "rel_update": rel})
            if not math.isfinite(float(loss)):
                status = "diverged"
                break
            if len(steps) >= spec.max_steps:
                break
        if status != "ok":
            break
    seconds = time.perf_counter() - t0
    n = len(steps)

    def mean(key):
        return [sum(s[key][i] for s in steps) / n for i in range(len(layers))] if n else []
    return {**_common(device, seconds, status), "layer_names": [name for name, _ in layers], "steps": steps,
            "steps_run": n, "out_grad_var_mean": mean("out_grad_var"), "grad_var_mean": mean("grad_var"),
            "train_images_per_s": n * spec.batch_size / seconds if seconds > 0 else None}


def step_memory(model: nn.Module, task, cell, opts: RunOptions) -> dict:
    """Bytes held by one forward + backward pass on the first training batch (see the module docstring):
    `saved_bytes` (tensors saved for backward that are not parameters, each storage once), `param_bytes`
    (parameters and, after the step, as many bytes of gradients), and on CUDA `cuda_peak_bytes`."""
    device = task.train.device
    model.to(device).train()
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved: dict[int, int] = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:
            saved[storage.data_ptr()] = storage.nbytes()
        return t

    gen = torch.Generator(device=device).manual_seed(cell.seed)
    xb, yb = next(task.train.batches(cell.train.batch_size, shuffle=True, augment=False, generator=gen))
    cuda = torch.device(device).type == "cuda"
    if cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    t0 = time.perf_counter()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = nn.functional.cross_entropy(model(xb), yb)
    loss.backward()
    param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    out = {**_common(device, time.perf_counter() - t0, "ok" if math.isfinite(float(loss.detach())) else "diverged"),
           "batch_size": len(xb), "saved_bytes": sum(saved.values()), "param_bytes": param_bytes,
           "step_bytes": sum(saved.values()) + 2 * param_bytes}
    if cuda:
        out["cuda_peak_bytes"] = torch.cuda.max_memory_allocated(device)
    return out


def step_seconds(model: nn.Module, task, cell, opts: RunOptions) -> dict:
    """Seconds per SGD step of the cell's training protocol on this device (fp32, NCHW, eager, nothing but the
    step: no probes, no hooks): one untimed warm-up step, then `cell.train.max_steps` steps timed one by one; the
    median seconds per image over them, as `train_images_per_s` and as `step_seconds` at the cell's batch (a
    training split smaller than the batch gives smaller steps). A non-finite loss does not stop it (a step
    costs the same either way); it is recorded (`finite_loss`)."""
    spec = cell.train
    device = task.train.device
    model.to(device).train()
    step_opts = dataclasses.replace(opts, amp=False, channels_last=False, compile=False, cuda_graph=False)
    optimizer = make_optimizer(model, spec)
    for g in optimizer.param_groups:
        g["lr"] = spec.lr
    gen = torch.Generator(device=device).manual_seed(cell.seed)
    cuda = torch.device(device).type == "cuda"
    steps = max(spec.max_steps, 1)
    times, sizes, finite = [], [], True  # steps + 1 in all: the first warms up (allocations, kernel choices), untimed
    t_all = time.perf_counter()
    while len(times) <= steps:  # as many passes over the images as the steps need
        for xb, yb in task.train.batches(spec.batch_size, shuffle=True, augment=False, generator=gen):
            if cuda:
                torch.cuda.synchronize(device)
            t0 = time.perf_counter()
            loss, _ = train_step(model, optimizer, xb, yb, step_opts, loss=spec.loss)
            finite &= math.isfinite(float(loss))  # a host sync: the step has finished
            times.append(time.perf_counter() - t0)
            sizes.append(len(xb))
            if len(times) > steps:
                break
    per_image = sorted(t / n for t, n in zip(times[1:], sizes[1:]))
    median = per_image[len(per_image) // 2]
    return {**_common(device, time.perf_counter() - t_all), "batch_size": spec.batch_size, "steps_timed": steps,
            "step_seconds": median * spec.batch_size, "train_images_per_s": 1.0 / median, "finite_loss": finite}


JOBS = {
    "init_stats": init_stats,
    "early_training": early_training,
    "norm_profile": norm_profile,
    "step_memory": step_memory,
    "step_seconds": step_seconds,
}
