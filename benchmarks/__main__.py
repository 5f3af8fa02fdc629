"""make bench: measured speed of the pieces the suite's cost depends on.

Writes benchmarks/results/<device>.md and .csv. Each figure is measured in
the same run as its baseline and reported as a ratio (median of repeats):

1. SGD step time of ResNet-20/56, plain-56-BN (per activation), FitNet-4
   (maxout, LSUV paper) and VGG-19-BN (on CUDA also WRN-28-10): eager fp32
   NCHW vs the fast path (channels_last, bf16 autocast and the whole step as
   a CUDA graph on CUDA; torch.compile with --compile), with the step's
   memory (saved-tensor accounting; on CUDA also max allocated).
2. One pass over CIFAR-10 training images: the device-resident loader
   (reproduce.data.DeviceData) vs torchvision transforms + DataLoader with
   as many worker processes as cores, the same crop/flip/normalise.
3. Activation overhead: NG-ReLU and PReLU step time relative to ReLU's on
   plain-56-BN and ResNet-56 (the NG paper's 72/68/77 s and 94/87/100 s),
   and each activation's forward+backward alone on a large tensor; NG-ReLU
   with its fused CPU backward (models/ng_relu_cpu.cpp) and with autograd
   ops.
4. LSUV vs the orthonormal init it starts from (LSUV paper Table 6).
5. Critical-depth searches: training runs of the bisection mode vs the
   paper's upward scan over the NG Table 5 and appendix Table 4 grids, with
   outcomes simulated from the published critical depths.
6. A ResNet-56 CIFAR-10 training epoch (ReLU, NG-ReLU) through the suite's
   trainer, augmentation included (on a CPU timed over 1,920 images and
   scaled to 50,000; CIFAR-10 if REPRO_DATA has it, else random images).
7. Side by side, in the same run: a ResNet-20 and ResNet-56 CIFAR-10 epoch
   through the suite's trainer (6.) vs the same network trained the standard
   way (torchvision transforms + DataLoader with a worker per core, eager
   fp32 NCHW, a plain SGD loop; on a CPU 15 batches of 128 timed and scaled
   to an epoch), reported as a ratio; the header names the CPU's ISA
   features the numbers were measured with.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import os
import re
import statistics
import sys
import time

import numpy as np

import torch

from models import ng_relu_cpu
from models.activations import activation
from reproduce.data import DeviceData, Normalization
from reproduce.train import device_name


ISA_FEATURES = ("sse4_2", "avx", "fma", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16",
                "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8")  # /proc/cpuinfo names, oldest first


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> set[str] | None:
    """The feature flags of the first "flags" line of /proc/cpuinfo; None where it cannot be read (not Linux)."""
    try:
        with open(cpuinfo) as fh:
            return next((set(line.split(":", 1)[1].split()) for line in fh if line.startswith("flags")), None)
    except OSError:
        return None


def results_base(out: str, device: str, suffix: str = "") -> str:
    """<out>/<device name as a file name><suffix>: where a bench run writes its .md (and .csv)."""
    return os.path.join(out, re.sub(r"[^A-Za-z0-9]+", "-", device).strip("-") + suffix)


def cpu_isa(cpuinfo: str = "/proc/cpuinfo") -> str:
    """The vector ISA features of this CPU that its kernels' speed depends on (oneDNN's bf16 convolutions: AMX,
    else avx512_bf16, else conversions; the NG-ReLU kernel's vectors), from the flags line of /proc/cpuinfo, with
    the level PyTorch dispatches its own CPU kernels to; "unknown" where the flags cannot be read."""
    flags = cpu_flags(cpuinfo)
    names = "unknown" if flags is None else " ".join(f for f in ISA_FEATURES if f in flags) or "none of " + \
        " ".join(ISA_FEATURES)
    try:
        capability = torch.backends.cpu.get_cpu_capability()
    except (AttributeError, RuntimeError):
        capability = "unknown"
    return f"{names} (PyTorch CPU kernels: {capability})"


def seconds(fn, device: str) -> float:
    """Wall seconds of one call of fn (the device's queue drained before and after)."""
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def timed(fn, repeats: int, device: str, warmup: bool = True) -> float:
    """Median seconds of `repeats` calls, after one warm-up call unless `warmup` is False."""
    if warmup:
        fn()
    return statistics.median(seconds(fn, device) for _ in range(repeats))


def bench_activations(device: str, shape: tuple, repeats: int, fast_path: bool = False) -> list[dict]:
    """Forward+backward of each activation alone on a `shape` tensor, fp32 NCHW; with fast_path, ReLU and
    NG-ReLU only, in bf16 channels_last (what the fast path's activations see)."""
    dtype, fmt = (torch.bfloat16, torch.channels_last) if fast_path else (torch.float32, torch.contiguous_format)
    x = torch.randn(*shape, device=device).to(dtype).contiguous(memory_format=fmt).requires_grad_()
    g = torch.randn(*shape, device=device).to(dtype).contiguous(memory_format=fmt)
    rows, base = [], None
    names = ("relu", *ng_variants(device)) if fast_path else ("relu", *ng_variants(device), "prelu", "ng-prelu",
                                                               "lrelu", "ng-lrelu")
    label = f"activation fwd+bwd {tuple(shape)}" + (" bf16 channels_last" if fast_path else "")
    for name in names:
        act = activation(name.split(" ")[0], shape[1]).to(device)

        def step():
            x.grad = None
            act(x).backward(g)
        with ng_backward(name):
            s = timed(step, repeats, device)
        base = base or s
        rows.append({"benchmark": label, "variant": name,
                     "ms": 1e3 * s, "ratio_to_baseline": s / base, "baseline": "relu"})
    return rows


NG_FUSED = "ng-relu (fused kernel)"     # NG-ReLU with its fused CPU backward (models/ng_relu_cpu.cpp)
NG_AUTOGRAD = "ng-relu (autograd ops)"  # NG-ReLU with the autograd ops' backward


def ng_variants(device: str) -> tuple[str, ...]:
    """The NG-ReLU variants to time on `device`, named by the backward that runs: both where the fused kernel
    is built (a CPU with a compiler), else the autograd ops alone."""
    return (NG_FUSED, NG_AUTOGRAD) if ng_relu_cpu.implementation(device) == ng_relu_cpu.FUSED else (NG_AUTOGRAD,)


def ng_backward(act: str):
    """The NG-ReLU backward a variant names: the autograd ops for NG_AUTOGRAD, else the default."""
    return ng_relu_cpu.disabled() if act == NG_AUTOGRAD else contextlib.nullcontext()


class _TorchvisionStyle(torch.utils.data.Dataset):
    """What torchvision.datasets.CIFAR10 does per item: a PIL image from the uint8 array, then the transform."""

    def __init__(self, x: np.ndarray, y: np.ndarray, transform):
        self.x, self.y, self.transform = x, y, transform

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i):
        from PIL import Image
        return self.transform(Image.fromarray(self.x[i])), int(self.y[i])


CIFAR10_MEAN, CIFAR10_STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)  # per channel, [0, 1] units


def cifar_normalization(device: str) -> Normalization:
    return Normalization(torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1),
                         torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)).to(device)


def cifar_arrays(n: int) -> tuple[np.ndarray, np.ndarray, str]:
    """n CIFAR-10 training images (uint8 NHWC) if the data is here, else random ones of the same shape."""
    from reproduce.data import DatasetUnavailable, load_split
    try:
        split = load_split("cifar10", "train", allow_download=False)
        return split.x[:n], split.y[:n], "CIFAR-10"
    except (DatasetUnavailable, OSError):
        rng = np.random.default_rng(0)
        return rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, n), "random images"


def bench_loaders(device: str, n: int, repeats: int) -> list[dict]:
    """One pass over n training images in batches of 128 with random crop (pad 4), flip and normalisation,
    delivered on `device`: torchvision transforms + DataLoader (workers = cores, pinned memory on CUDA) vs the
    device-resident loader."""
    import torchvision.transforms as T

    x, y, source = cifar_arrays(n)
    tf = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                    T.Normalize(CIFAR10_MEAN, CIFAR10_STD)])
    workers = os.cpu_count() or 1
    loader = torch.utils.data.DataLoader(_TorchvisionStyle(x, y, tf), batch_size=128, shuffle=True,
                                         num_workers=workers, pin_memory=device.startswith("cuda"),
                                         persistent_workers=True)

    def torchvision_epoch():
        for xb, yb in loader:
            xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
    norm = cifar_normalization(device)
    data = DeviceData(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().to(device), torch.from_numpy(y).to(device),
                      norm, augment=True)
    gen = torch.Generator(device=device).manual_seed(0)

    def device_epoch():
        for _ in data.batches(128, shuffle=True, augment=True, generator=gen):
            pass
    rows, base = [], None
    for variant, fn in ((f"torchvision transforms + DataLoader ({workers} workers)", torchvision_epoch),
                        ("device-resident (DeviceData)", device_epoch)):
        sec = timed(fn, repeats, device)
        base = base or sec
        rows.append({"benchmark": f"data pipeline: one pass over {n:,} {source}, crop+flip+normalize, batch 128",
                     "variant": variant, "ms": 1e3 * sec, "ratio_to_baseline": sec / base,
                     "baseline": "DataLoader", "images_per_s": n / sec})
    return rows


def bench_epoch(device: str, n: int, acts: tuple = ("relu", "ng-relu"), depth: int = 56,
                repeats: int = 2) -> list[dict]:
    """A CIFAR-10 training epoch of ResNet-<depth> through the suite's own trainer (reproduce.train.train: the
    device-resident loader with crop + flip, the fast path, the CUDA graph on CUDA, loss and accuracy
    bookkeeping), batch 128, over n training images: the second of two epochs (the first builds, warms up and
    captures), with the seconds scaled to 50,000 images where n is smaller; the activations alternate over
    `repeats` runs (median; the ratio to the first activation's: paired_ratio). The issue's H100 target:
    <= 1 s."""
    from models import build_model
    from reproduce.train import RunOptions, TrainSpec, train

    x, y, source = cifar_arrays(n)
    norm = cifar_normalization(device)
    data = DeviceData(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().to(device),
                      torch.from_numpy(np.asarray(y, dtype=np.int64)).to(device), norm, augment=True)
    test = DeviceData(data.x[:256], data.y[:256], norm)
    times, labels = {act: [] for act in acts}, {}
    for _ in range(repeats):
        for act in acts:
            torch.manual_seed(0)
            r = train(build_model(arch="resnet", depth=depth, act=act), data, test,
                      TrainSpec(epochs=2, schedule="constant", lr=0.05), RunOptions(device))
            labels[act] = ", ".join(filter(None, (act, r["dtype"], r["cuda_graph"] and "CUDA graph",
                                                  r["ng_relu_backward"] and f"backward: {r['ng_relu_backward']}")))
            if r["status"] == "ok" and r["epochs_run"] == 2:  # else (diverged) no time: n/c
                times[act].append(r["history"][-1]["seconds"] * 50000 / n)
            else:
                labels[act] += f" (n/c: {r['stop_reason']})"
    rows = []
    for act in acts:
        sec = statistics.median(times[act]) if times[act] else float("nan")
        paired = len(times[act]) == len(times[acts[0]]) == repeats
        rows.append({"benchmark": f"training epoch ResNet-{depth} CIFAR-10 batch 128 (crop+flip; timed over "
                                  f"{n:,} {source}{', scaled to 50,000' if n < 50000 else ''})",
                     "variant": labels[act], "ms": 1e3 * sec,
                     "ratio_to_baseline": paired_ratio(times[act], times[acts[0]]) if paired else float("nan"),
                     "baseline": acts[0], "images_per_s": 50000 / sec})
    return rows


def standard_epoch_seconds(depth: int, x: np.ndarray, y: np.ndarray, device: str, batches: int,
                           warmup: int = 2) -> float:
    """Seconds of a CIFAR-10 epoch of ResNet-<depth> trained the standard way, as the widely used CIFAR ResNet
    reproductions do: torchvision transforms (RandomCrop 32 pad 4, flip, ToTensor, Normalize) per PIL image in
    a torch DataLoader with as many worker processes as cores, eager fp32 NCHW, a plain SGD loop (zero_grad,
    forward, cross-entropy, backward, step, the loss read back every step). Timed over `batches` batches of 128
    after `warmup` (worker start-up and the first steps excluded), scaled to an epoch of 50,000 images."""
    import torchvision.transforms as T

    from models import build_model

    tf = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                    T.Normalize(CIFAR10_MEAN, CIFAR10_STD)])
    loader = torch.utils.data.DataLoader(_TorchvisionStyle(x, y, tf), batch_size=128, shuffle=True, drop_last=True,
                                         num_workers=os.cpu_count() or 1, pin_memory=device.startswith("cuda"))
    assert len(loader) >= warmup + batches, "too few images for the batches to time"
    torch.manual_seed(0)
    model = build_model(arch="resnet", depth=depth, act="relu").to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    total = 0.0
    for k, (xb, yb) in enumerate(loader):
        if k == warmup:
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            t0 = time.perf_counter()
        if k == warmup + batches:
            break
        xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.item()
    sec = time.perf_counter() - t0
    del loader  # its workers exit
    return sec * 50000 / (batches * 128)


def bench_side_by_side(device: str, depths: tuple = (20, 56), batches: int = 20,
                       trainer_rows: list[dict] | None = None) -> list[dict]:
    """A ResNet CIFAR-10 training epoch through the suite's trainer (bench_epoch: the device-resident loader
    with crop + flip, the fast path) vs the same network trained the standard way (standard_epoch_seconds),
    both timed over `batches` batches of 128 and scaled to 50,000 images. The trainer's time of a depth is taken
    from `trainer_rows` (bench_epoch's ReLU row) where they have it, else measured here."""
    rows = []
    x, y, source = cifar_arrays((batches + 2) * 128)
    for depth in depths:
        standard = standard_epoch_seconds(depth, x, y, device, batches)
        ours = next((r for r in trainer_rows or [] if r["benchmark"].startswith(f"training epoch ResNet-{depth} ")
                     and r["variant"].startswith("relu")), None)
        if ours is None:
            ours = bench_epoch(device, batches * 128, acts=("relu",), depth=depth, repeats=1)[0]
        bench = (f"side by side: ResNet-{depth} CIFAR-10 epoch, batch 128 (standard loop timed over "
                 f"{batches * 128:,} {source}, the trainer as in its epoch row; scaled to 50,000)")
        workers = os.cpu_count() or 1
        rows.append({"benchmark": bench, "variant": f"standard: torchvision transforms + DataLoader ({workers} "
                     "workers), eager fp32 NCHW, SGD loop", "ms": 1e3 * standard, "ratio_to_baseline": 1.0,
                     "baseline": "standard", "images_per_s": 50000 / standard})
        rows.append({"benchmark": bench, "variant": f"this suite's trainer: {ours['variant']} "
                     f"({standard / (ours['ms'] / 1e3):.1f}x faster)", "ms": ours["ms"],
                     "ratio_to_baseline": ours["ms"] / 1e3 / standard, "baseline": "standard",
                     "images_per_s": ours["images_per_s"]})
    return rows


def side_by_side_summary(rows: list[dict]) -> str:
    """One sentence: how many times faster an epoch trains through the suite's trainer than the standard way."""
    parts = [f"{r['benchmark'].split(':')[1].split(' CIFAR')[0].strip()} {1 / r['ratio_to_baseline']:.1f}x"
             for r in rows if r["benchmark"].startswith("side by side") and r["baseline"] == "standard"
             and r["variant"].startswith("this suite")]
    return ("A CIFAR-10 training epoch through this suite's trainer vs the standard PyTorch loop (torchvision "
            "transforms + DataLoader, eager fp32 NCHW, SGD), same network, same run: " + ", ".join(parts) +
            " faster (epoch time extrapolated from the batches timed).") if parts else ""


def search_runs() -> list[dict]:
    """Training runs a critical-depth search needs, bisection vs the paper's upward scan, over the NG Table 5
    (20 ... 200) and appendix Table 4 (20 ... 248, with BN) grids, each row's outcomes simulated from its
    published critical depth (a depth converges iff it is at most the published one)."""
    from reproduce.critical_depth import as_depth, depth_grid, search_critical_depth
    from reproduce.report import published

    rows = []
    for table, grid in (("5", depth_grid(20, 200)), ("A4", depth_grid(20, 248))):
        runs = {}
        for mode in ("scan", "bisect"):
            total = 0
            for r in published("ng", table):
                critical = as_depth(r["value"])
                total += len(search_critical_depth(lambda d: (d <= critical, ""), grid, mode).tried)
            runs[mode] = total
        for mode in ("scan", "bisect"):
            rows.append({"benchmark": f"critical-depth search, NG Table {table} (21 rows, depths 20-{grid[-1]}), "
                                      "training runs", "variant": mode, "ms": runs[mode],
                         "ratio_to_baseline": runs[mode] / runs["scan"], "baseline": "scan", "unit": "runs"})
    return rows


def training_memory_mb(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, opts) -> float:
    """MB a training step holds beyond its input batch, counted the same way on every device: weights,
    gradients and SGD momentum (3 x the parameters) plus every tensor autograd saves for the backward in one
    forward pass under `opts` (channels_last, autocast), each storage counted once."""
    from reproduce.train import autocast

    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved: dict[int, int] = {}

    def pack(t):
        ptr = t.untyped_storage().data_ptr()
        if ptr not in params:
            saved[ptr] = t.untyped_storage().nbytes()
        return t
    if opts.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), autocast(x.device, opts):
        torch.nn.functional.cross_entropy(model(x).float(), y)
    state = 3 * sum(p.numel() * p.element_size() for p in model.parameters())
    return (state + sum(saved.values())) / 2**20


TRAIN_REPEATS = 5  # interleaved repeats of every variant of a network (bench_training)
TRAIN_MODELS = {  # name -> build_model kwargs
    "ResNet-20": {"arch": "resnet", "depth": 20},
    "ResNet-56": {"arch": "resnet", "depth": 56},
    "plain-56-BN": {"arch": "plain", "depth": 56, "bn": True},
    "FitNet-4 maxout": {"arch": "fitnet", "variant": "fitnet4", "act": "maxout"},  # its own activation only
    "VGG-19-BN": {"arch": "vgg", "depth": 19, "act": None},  # act None: the architecture's own (ReLU)
}
CUDA_ONLY_MODELS = {"WRN-28-10": {"arch": "wrn", "depth": 28, "widen_factor": 10, "act": None}}


def bench_init(device: str, model_kw: dict, batch: int, repeats: int) -> list[dict]:
    """Seconds to initialise a network: OrthoNorm (an SVD per layer) vs LSUV
    (OrthoNorm + the variance loop on one batch), LSUV paper Table 6. With
    repeats = 1 (a CPU: LSUV of a full FitNet-4 took 40-50 s in the committed
    CPU runs) one call, no warm-up."""
    from models import build_model
    from models.init import initialize

    x = torch.randn(batch, 3, 32, 32, device=device)
    rows, base = [], None
    for scheme in ("orthonorm", "lsuv"):
        model = build_model(**model_kw).to(device)
        s = timed(lambda: initialize(model, scheme, x), repeats, device, warmup=repeats > 1)
        base = base or s
        rows.append({"benchmark": f"init {model_kw.get('variant', model_kw['arch'])} {model_kw.get('act', '')} "
                                  f"(LSUV batch {batch})", "variant": scheme, "ms": 1e3 * s,
                     "ratio_to_baseline": s / base, "baseline": "orthonorm"})
    return rows


def bench_training(device: str, models: dict, acts: tuple, batch: int, steps: int, repeats: int,
                   compile_too: bool) -> list[dict]:
    """ms per SGD step at `batch` on synthetic data: eager fp32 NCHW (the
    baseline) vs the suite's fast path (channels_last, bf16 autocast on
    CPUs with native bf16 and on CUDA, the CUDA graph on CUDA), optionally
    torch.compile'd; per activation. The variants of one network are timed
    interleaved (repeat r of every variant, then repeat r + 1), so a slow
    spell of the machine lands on all of them and not on one ratio."""
    from models import build_model
    from reproduce.train import GraphedStep, RunOptions, TrainSpec, amp_enabled, make_optimizer, train_step

    rows = []
    x = torch.randn(batch, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    bf16 = amp_enabled(torch.device(device), RunOptions(device))
    fast_label = "channels_last + bf16" if bf16 else "channels_last (fp32)"
    modes = [("eager fp32 NCHW", RunOptions(device, amp=False, channels_last=False, cuda_graph=False)),
             (fast_label, RunOptions(device, cuda_graph=False))]
    if device.startswith("cuda"):
        modes.append(("fast path (+ CUDA graph)", RunOptions(device)))
    if compile_too:
        modes.append((fast_label + " + compile", RunOptions(device, compile=True, cuda_graph=False)))
    cuda = device.startswith("cuda")
    for name, kw in models.items():
        variants = []  # (act, mode, opts, model, one step)
        for act in ((kw["act"],) if "act" in kw else acts):
            for mode, opts in modes:
                torch.manual_seed(0)
                arch_act = act.split(" ")[0] if act else act
                model = build_model(**{k: v for k, v in {**kw, "act": arch_act}.items() if v is not None}).to(device)
                if opts.channels_last:
                    model = model.to(memory_format=torch.channels_last)
                step_model = torch.compile(model) if opts.compile else model
                # lr 0: the same arithmetic as any lr, but the weights stay put: SGD on random data can drift a
                # network into denormal numbers that make a CPU step several times slower (seen on plain-56-BN)
                opt = make_optimizer(model, TrainSpec(epochs=1, lr=0.0))
                graphed = GraphedStep(model, opt, opts) if opts.cuda_graph and cuda else None

                def one(graphed=graphed, step_model=step_model, opt=opt, opts=opts, act=act):
                    with ng_backward(act):  # the NG-ReLU backward the variant names
                        if graphed is not None:
                            graphed(x, y, 0.0)
                        else:
                            train_step(step_model, opt, x, y, opts)
                for _ in range(3 if cuda else 2):  # warm-up (and compilation / capture)
                    one()
                variants.append((act, mode, opts, model, one))
        times = [[] for _ in variants]
        for _ in range(repeats):
            for k, (*_, one) in enumerate(variants):
                times[k].append(seconds(lambda: [one() for _ in range(steps)], device) / steps)
        base = {}
        for k, (act, mode, opts, model, one) in enumerate(variants):
            s = statistics.median(times[k])
            base.setdefault(act, times[k])  # the first mode: eager fp32 NCHW
            if cuda:
                torch.cuda.reset_peak_memory_stats()
                one()
            rows.append({"benchmark": f"train step {name} batch {batch}", "variant": f"{act or 'relu'}, {mode}",
                         "ms": 1e3 * s, "ratio_to_baseline": paired_ratio(times[k], base[act]),
                         "baseline": "eager fp32 NCHW", "images_per_s": batch / s,
                         "memory_mb": training_memory_mb(model, x, y, opts),
                         "cuda_peak_mb": torch.cuda.max_memory_allocated() / 2**20 if cuda else None,
                         "times": times[k]})
    return rows


def pair_ratios(times: list[float], base: list[float]) -> list[float]:
    """time / base time of the same repeat, for every repeat, in increasing order."""
    return sorted(t / b for t, b in zip(times, base))


def paired_ratio(times: list[float], base: list[float]) -> float:
    """The median over repeats of time / base time of the same repeat. The variants of a network are timed
    interleaved, so the two times of a repeat are neighbours: a slow spell of the machine (a shared 2-core VM
    swings by +-20 % from step to step) lands on both and cancels, where it would shift a ratio of medians."""
    return statistics.median(pair_ratios(times, base))


def bench_ng_step(device: str, models=("ResNet-56", "plain-56-BN"), batch: int = 128, pairs: int = 15,
                  modes: list | None = None) -> list[dict]:
    """NG-ReLU's SGD step vs ReLU's, the figure this suite promises (<= 1.05x) and the NG paper reports (1.06-1.08
    per epoch on a GTX1080Ti): the same network with each activation (NG-ReLU with the backward that runs on
    `device`), `pairs` pairs of single steps in alternating order (ReLU first, then NG-ReLU first), in each mode
    (eager fp32 NCHW; the fast path; or `modes`, a list of (name, RunOptions)). The ratio is paired_ratio over the
    pairs; the spread is the 25th-75th percentile of the pair ratios."""
    from models import build_model
    from reproduce.train import RunOptions, TrainSpec, amp_enabled, make_optimizer, train_step

    x = torch.randn(batch, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    if modes is None:
        bf16 = amp_enabled(torch.device(device), RunOptions(device))
        modes = [("eager fp32 NCHW", RunOptions(device, amp=False, channels_last=False, cuda_graph=False)),
                 ("channels_last + bf16" if bf16 else "channels_last (fp32)", RunOptions(device, cuda_graph=False))]
    ng = ng_variants(device)[0]  # the backward that runs here: the fused kernel where it is built
    rows = []
    for name in models:
        for mode, opts in modes:
            steps = {}
            for act in ("relu", ng):
                torch.manual_seed(0)
                model = build_model(**{**TRAIN_MODELS[name], "act": act.split(" ")[0]}).to(device)
                if opts.channels_last:
                    model = model.to(memory_format=torch.channels_last)
                opt = make_optimizer(model, TrainSpec(epochs=1, lr=0.0))  # lr 0: see bench_training

                def one(model=model, opt=opt, opts=opts, act=act):
                    with ng_backward(act):
                        train_step(model, opt, x, y, opts)
                for _ in range(2):
                    one()
                steps[act] = one
            times = {act: [] for act in steps}
            for i in range(pairs):
                for act in (("relu", ng) if i % 2 == 0 else (ng, "relu")):
                    times[act].append(seconds(steps[act], device))
            ratios = pair_ratios(times[ng], times["relu"])
            q1, q3 = ratios[len(ratios) // 4], ratios[(3 * len(ratios)) // 4]
            rows.append({"benchmark": f"NG-ReLU step vs ReLU's, {name} batch {batch} ({mode}; {pairs} alternating "
                                      "pairs of single steps)",
                         "variant": f"{ng} (pair ratios {q1:.2f}-{q3:.2f}, 25th-75th percentile)",
                         "ms": 1e3 * statistics.median(times[ng]), "ratio_to_baseline": statistics.median(ratios),
                         "baseline": "relu", "images_per_s": batch / statistics.median(times[ng])})
    return rows


def activation_overhead(rows: list[dict], models=("plain-56-BN", "ResNet-56")) -> list[dict]:
    """NG-ReLU's and PReLU's step time relative to ReLU's, from the training rows of one run (same device,
    same mode; paired_ratio of the interleaved repeats): the NG paper's 72/68/77 s (plain-56 with BN) and
    94/87/100 s (ResNet-56) on a GTX1080Ti."""
    out = []
    for row in rows:
        name, _, rest = row["benchmark"].removeprefix("train step ").partition(" batch")
        act, _, mode = row["variant"].partition(", ")
        if name not in models or act not in (NG_FUSED, NG_AUTOGRAD, "prelu"):
            continue
        relu = next((r for r in rows if r["benchmark"] == row["benchmark"] and r["variant"] == f"relu, {mode}"), None)
        if relu:
            out.append({"benchmark": f"activation overhead, {name} step ({mode})", "variant": act, "ms": row["ms"],
                        "ratio_to_baseline": paired_ratio(row["times"], relu["times"]), "baseline": "relu"})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (used by the tests)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    ap.add_argument("--compile", action="store_true", help="also time torch.compile'd training steps")
    a = ap.parse_args(argv)
    start = time.perf_counter()

    def progress(what: str) -> None:  # where the time goes, on stderr
        print(f"[bench +{time.perf_counter() - start:.0f} s] {what}", file=sys.stderr, flush=True)
    shape, n, rep = ((8, 16, 16, 16), 512, 3) if a.quick else ((128, 64, 32, 32), 10000, 7)
    progress("activations")
    rows = bench_activations(a.device, shape, rep) + bench_activations(a.device, shape, rep, fast_path=True)
    progress("data pipeline")
    rows += bench_loaders(a.device, n, 1 if a.quick else 3)
    if a.quick:
        rows += bench_training(a.device, {"ResNet-20": {"arch": "resnet", "depth": 8, "widths": (4, 8, 16)}},
                               ("relu", *ng_variants(a.device)), batch=8, steps=1, repeats=1, compile_too=False)
        rows += bench_ng_step(a.device, models=("ResNet-20",), batch=4, pairs=2)
        rows += bench_init(a.device, {"arch": "fitnet", "variant": "fitnet4", "act": "maxout", "width": 0.125}, 8, 1)
        epochs = bench_epoch(a.device, 256, depth=8, repeats=1)
        rows += epochs + bench_side_by_side(a.device, depths=(8,), batches=2, trainer_rows=epochs)
    else:
        cuda = a.device.startswith("cuda")
        models = {**TRAIN_MODELS, **(CUDA_ONLY_MODELS if cuda else {})}
        progress("training steps")
        rows += bench_training(a.device, models, ("relu", *ng_variants(a.device), "prelu"), batch=128,
                               steps=20 if cuda else 1,  # a CPU step is long: 5 single steps per variant
                               repeats=TRAIN_REPEATS, compile_too=a.compile)
        progress("NG-ReLU step vs ReLU's")
        rows += bench_ng_step(a.device, pairs=30 if cuda else 15)
        progress("init")
        rows += bench_init(a.device, {"arch": "fitnet", "variant": "fitnet4", "act": "maxout"}, 128, 3 if cuda else 1)
        progress("training epochs")
        epochs = bench_epoch(a.device, 50000 if cuda else 1920)  # 15 batches: make bench within 10 min on 2 cores
        progress("side by side")
        rows += epochs + bench_side_by_side(a.device, batches=100 if cuda else 15, trainer_rows=epochs)
    rows += activation_overhead(rows) + search_runs()
    progress("done")
    dev = device_name(a.device)
    os.makedirs(a.out, exist_ok=True)
    base = results_base(a.out, dev, "-quick" if a.quick else "")
    keys = ["benchmark", "variant", "ms", "ratio_to_baseline", "baseline", "images_per_s", "memory_mb",
            "cuda_peak_mb", "unit"]
    with open(base + ".csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    summary = side_by_side_summary(rows)
    lines = [f"# Benchmarks on {dev}", "", f"CPU ISA features: {cpu_isa()}", "", *([summary, ""] if summary else []),
             f"torch {torch.__version__}; medians: of {rep} repeats (activations; data "
             "pipeline: 3; init: 3 on CUDA, one call on a CPU), of "
             f"{TRAIN_REPEATS} repeats interleaved over the variants of a network (train steps: 1 step "
             "per repeat on a CPU, 20 on CUDA; lr 0 so that the weights stay put); a train step's ratio (and the "
             "activation overhead) is the median over those repeats of the ratio of neighbouring timings "
             "(benchmarks.paired_ratio). Step memory: weights, "
             "gradients and momentum plus the tensors autograd saves for the backward (benchmarks.training_memory_mb), "
             "the same count on every device; CUDA peak: max allocated during one step.", "",
             "| benchmark | variant | ms (or runs) | ratio | images/s | step memory MB | CUDA peak MB |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        ips = f"{r['images_per_s']:,.0f}" if r.get("images_per_s") else ""
        mem = f"{r['memory_mb']:,.0f}" if r.get("memory_mb") else ""
        peak = f"{r['cuda_peak_mb']:,.0f}" if r.get("cuda_peak_mb") else ""
        value = f"{r['ms']:.0f} runs" if r.get("unit") == "runs" else f"{r['ms']:.2f}"
        lines.append(f"| {r['benchmark']} | {r['variant']} | {value} | {r['ratio_to_baseline']:.2f} | {ips} | {mem} "
                     f"| {peak} |")
    with open(base + ".md", "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwrote {base}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
