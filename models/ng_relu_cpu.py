"""NG-ReLU's one-pass CPU backward and bfloat16 forward (models/ng_relu_cpu.cpp), built on first use.

NGReLUFunction (models.activations) calls `fused_backward` for its backward
on a CPU, and `bf16_forward` for its forward in bfloat16 (the fast path's
autocast): torch.maximum's broadcast over a channels_last tensor ran 1.9x
ReLU's forward at 16 channels; the kernel's tiles run at ReLU's cost, with
torch.maximum's values. Autograd ops need four passes over the activations for NG paper
eqs. 2-3 (NG-ReLU's step 1.35-1.45x ReLU's on this suite's CPU fast path);
the C++ kernel needs one, like ReLU's backward (benchmarks/results/).

The kernel is compiled with torch.utils.cpp_extension the first time it is
needed (about 10 s; cached under ~/.cache/torch_extensions, or
TORCH_EXTENSIONS_DIR) with -march=native. Its loops run over whole tiles
of 64+ values, so that any target vectorizes them (a loop over one
channels_last row of 16 bf16 values ran 30x slower than ReLU's backward
with 512-bit vectors, -march=x86-64-v4, GCC 12). The CPU's model and flags
are part of the build's name, so a home directory shared by different
cluster nodes never runs a kernel built for another CPU. Without a
compiler, or with NG_KERNEL=0, NG-ReLU falls back to the autograd ops (same
formula; every result records which ran: `ng_relu_backward`). On CUDA the
autograd ops run (inside the CUDA graph of the step), and under
torch.compile's tracing too.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import platform
import shutil
import sys
import warnings

import torch

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ng_relu_cpu.cpp")
FUSED = "fused C++ kernel (models/ng_relu_cpu.cpp)"
AUTOGRAD = "autograd ops"

FLAGS = ["-O3", "-march=native", "-fopenmp"]
_op = None           # the loaded backward op, once built
_forward_op = None   # the loaded bfloat16 forward op
_failed = False      # a build failed in this process: do not retry at every step
_disabled = 0        # depth of `disabled()` contexts
# NG-ReLU backward calls in this process run by each implementation (counted by fused_backward): what a
# training run records is what ran, not a prediction (steps replayed from a CUDA graph or compiled by
# torch.compile call no Python backward and are not counted)
CALLS = {FUSED: 0, AUTOGRAD: 0}


def enabled() -> bool:
    return os.environ.get("NG_KERNEL", "1") != "0" and not _disabled


def cpu_identity() -> str:
    """A short hash of this CPU's model name and feature flags (/proc/cpuinfo; the platform elsewhere)."""
    try:
        with open("/proc/cpuinfo") as fh:
            text = "".join(sorted({line for line in fh if line.startswith(("model name", "flags", "Features"))}))
    except OSError:
        text = ""
    text += platform.machine() + platform.processor()
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _build():
    global _op, _forward_op, _failed
    quiet = logging.getLogger("torch.utils.cpp_extension")  # its import warns that a CPU machine has no CUDA
    level, path = quiet.level, os.environ.get("PATH", "")
    quiet.setLevel(logging.ERROR)
    if shutil.which("ninja") is None:  # the pip `ninja` package puts its binary next to the interpreter
        os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + path
    try:
        from torch.utils import cpp_extension
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cpp_extension.load(name=f"deepcnn_ng_relu_cpu_{cpu_identity()}", sources=[SOURCE], extra_cflags=FLAGS,
                               extra_ldflags=["-fopenmp"], is_python_module=False, verbose=False)
        _op = torch.ops.deepcnn_ng.ng_relu_backward
        _forward_op = torch.ops.deepcnn_ng.ng_relu_forward
    except Exception as err:  # no compiler / ninja / setuptools: the autograd ops, said once
        _failed = True
        warnings.warn(f"NG-ReLU: could not build the fused CPU kernels ({type(err).__name__}: {err}); "
                      "using autograd ops (slower, same formula)", RuntimeWarning, stacklevel=3)
    finally:
        quiet.setLevel(level)
        os.environ["PATH"] = path
    return _op


def available() -> bool:
    """True when the fused kernel is enabled and built (building it now if needed)."""
    if not enabled() or _failed:
        return False
    return (_op or _build()) is not None


def implementation(device: torch.device | str) -> str:
    """Which NG-ReLU backward runs on `device` for the layouts the kernel covers (building it now if needed)."""
    return FUSED if torch.device(device).type == "cpu" and available() else AUTOGRAD


def ran(before: dict, after: dict) -> str | None:
    """What the NG-ReLU backward calls between two snapshots of CALLS ran: one implementation's name, both
    with their counts, or None when there were none."""
    used = {k: after[k] - before[k] for k in after if after[k] > before[k]}
    if len(used) <= 1:
        return next(iter(used), None)
    return "; ".join(f"{k} x{n}" for k, n in sorted(used.items()))


@contextlib.contextmanager
def disabled():
    """The autograd ops inside this block (benchmarks compare both)."""
    global _disabled
    _disabled += 1
    try:
        yield
    finally:
        _disabled -= 1


def layout(out: torch.Tensor, t: torch.Tensor):
    """(outer, C, inner, memory format) of the kernel's [outer][C][inner] view of `out`, or None where the kernel
    does not apply: t not one value per channel (dim 1), a dtype other than float32/bfloat16, other strides."""
    if out.dtype not in (torch.float32, torch.bfloat16) or out.dim() not in (2, 4):
        return None
    c = out.shape[1]
    if t.dim() != out.dim() or t.numel() != c or t.shape[1] != c:
        return None
    if out.is_contiguous():
        inner = out.shape[2] * out.shape[3] if out.dim() == 4 else 1
        return out.shape[0], c, inner, torch.contiguous_format
    if out.dim() == 4 and out.is_contiguous(memory_format=torch.channels_last):
        return out.shape[0] * out.shape[2] * out.shape[3], c, 1, torch.channels_last
    return None


def fused_backward(g: torch.Tensor, out: torch.Tensor, t: torch.Tensor):
    """(grad_x, grad_t) of NG-ReLU from its output (grad_t in float32, the kernel's sums, shaped as t), or None
    where the kernel does not apply and the caller
    runs the autograd ops (not a CPU tensor, disabled, not built, layout/dtype not covered, or a backward that is
    itself differentiated: create_graph=True, the kernel has no derivative). Each answer is counted in CALLS,
    except inside torch.compile's tracing, which gets None without side effects (nothing to break its graph)."""
    if torch.compiler.is_compiling():
        return None
    view = None
    if out.device.type == "cpu" and not torch.is_grad_enabled() and available():
        view = layout(out, t)
    if view is None:
        CALLS[AUTOGRAD] += 1
        return None
    CALLS[FUSED] += 1
    outer, c, inner, fmt = view
    if g.dtype != out.dtype or g.stride() != out.stride():
        g = g.to(out.dtype).contiguous(memory_format=fmt)
        if g.stride() != out.stride():  # size-1 dims: the same memory order under other strides
            g = g.as_strided(out.shape, out.stride())
    grad_x, grad_t = _op(g, out, t, outer, c, inner)
    return grad_x, grad_t.view(t.shape)


def bf16_forward(x: torch.Tensor, t: torch.Tensor):
    """max(x, t) by the kernel for a bfloat16 CPU tensor x and t in x's dtype, in x's strides: torch.maximum's
    values (a NaN stays NaN, with x's NaN bits where torch writes its own; where x and t are zeros of opposite
    signs either may come back, as between torch's own scalar and vector loops). None where the caller runs
    torch.maximum: float32 (at ReLU's cost already), not a CPU tensor, empty, disabled, not built, a layout the
    kernel does not cover, or inside torch.compile's tracing."""
    if (x.dtype != torch.bfloat16 or x.device.type != "cpu" or x.numel() == 0 or torch.compiler.is_compiling()
            or not available()):
        return None
    view = layout(x, t)
    if view is None or t.dtype != x.dtype:
        return None
    outer, c, inner, _ = view
    return _forward_op(x, t.reshape(c), outer, c, inner)
