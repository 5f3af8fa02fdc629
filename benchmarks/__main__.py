"""make bench: measured speed of the pieces the suite's cost depends on.

Writes benchmarks/results/<device>.md and .csv. Each figure is measured in
the same run as its baseline and reported as a ratio (median of repeats).
So far: NG-ReLU vs ReLU vs PReLU forward+backward on a large activation
tensor; the device-resident CIFAR-10 batch pipeline (crop, flip, normalise)
in images/s; SGD step time of ResNet-20/56 and plain-56-BN per activation,
eager fp32 NCHW vs channels_last + bf16 vs the whole step as a CUDA graph
(and torch.compile with --compile), also FitNet-4 (maxout) of the LSUV
paper; the cost of LSUV vs the orthonormal init it starts from (LSUV paper,
Table 6: the ratio is what compares across machines).
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import statistics
import time

import torch

from models.activations import activation
from reproduce.data import DeviceData, Normalization
from reproduce.train import device_name


def timed(fn, repeats: int, device: str) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_activations(device: str, shape: tuple, repeats: int) -> list[dict]:
    x = torch.randn(*shape, device=device, requires_grad=True)
    g = torch.randn(*shape, device=device)
    rows, base = [], None
    for name in ("relu", "ng-relu", "prelu", "ng-prelu", "lrelu", "ng-lrelu"):
        act = activation(name, shape[1]).to(device)

        def step():
            x.grad = None
            act(x).backward(g)
        s = timed(step, repeats, device)
        base = base or s
        rows.append({"benchmark": f"activation fwd+bwd {tuple(shape)}", "variant": name,
                     "ms": 1e3 * s, "ratio_to_baseline": s / base, "baseline": "relu"})
    return rows


def bench_pipeline(device: str, n: int, repeats: int) -> list[dict]:
    x = torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, device=device)
    y = torch.randint(0, 10, (n,), device=device)
    data = DeviceData(x, y, Normalization(torch.zeros(1, 3, 1, 1), torch.ones(1, 3, 1, 1)).to(device), augment=True)
    gen = torch.Generator(device=device).manual_seed(0)

    def epoch():
        for xb, _ in data.batches(128, shuffle=True, augment=True, generator=gen):
            pass
    s = timed(epoch, repeats, device)
    return [{"benchmark": f"device-resident batches, crop+flip+normalize, {n} images", "variant": "DeviceData",
             "ms": 1e3 * s, "ratio_to_baseline": 1.0, "baseline": "-", "images_per_s": n / s}]


TRAIN_MODELS = {  # name -> build_model kwargs
    "ResNet-20": {"arch": "resnet", "depth": 20},
    "ResNet-56": {"arch": "resnet", "depth": 56},
    "plain-56-BN": {"arch": "plain", "depth": 56, "bn": True},
    "FitNet-4 maxout": {"arch": "fitnet", "variant": "fitnet4", "act": "maxout"},  # its own activation only
}


def bench_init(device: str, model_kw: dict, batch: int, repeats: int) -> list[dict]:
    """Seconds to initialise a network: OrthoNorm (an SVD per layer) vs LSUV
    (OrthoNorm + the variance loop on one batch), LSUV paper Table 6."""
    from models import build_model
    from models.init import initialize

    x = torch.randn(batch, 3, 32, 32, device=device)
    rows, base = [], None
    for scheme in ("orthonorm", "lsuv"):
        model = build_model(**model_kw).to(device)
        s = timed(lambda: initialize(model, scheme, x), repeats, device)
        base = base or s
        rows.append({"benchmark": f"init {model_kw.get('variant', model_kw['arch'])} {model_kw.get('act', '')} "
                                  f"(LSUV batch {batch})", "variant": scheme, "ms": 1e3 * s,
                     "ratio_to_baseline": s / base, "baseline": "orthonorm"})
    return rows


def bench_training(device: str, models: dict, acts: tuple, batch: int, steps: int, repeats: int,
                   compile_too: bool) -> list[dict]:
    """ms per SGD step at `batch` on synthetic data: eager fp32 NCHW (the
    baseline) vs the suite's fast path (channels_last, bf16 autocast on
    CUDA), optionally torch.compile'd; per activation."""
    from models import build_model
    from reproduce.train import GraphedStep, RunOptions, TrainSpec, make_optimizer, train_step

    rows = []
    x = torch.randn(batch, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    fast_label = "channels_last + bf16" if device.startswith("cuda") else "channels_last (fp32)"
    modes = [("eager fp32 NCHW", RunOptions(device, amp=False, channels_last=False, cuda_graph=False)),
             (fast_label, RunOptions(device, cuda_graph=False))]
    if device.startswith("cuda"):
        modes.append(("fast path (+ CUDA graph)", RunOptions(device)))
    if compile_too:
        modes.append((fast_label + " + compile", RunOptions(device, compile=True, cuda_graph=False)))
    for name, kw in models.items():
        for act in ((kw["act"],) if "act" in kw else acts):
            base = None
            for mode, opts in modes:
                torch.manual_seed(0)
                model = build_model(**{**kw, "act": act}).to(device)
                if opts.channels_last:
                    model = model.to(memory_format=torch.channels_last)
                step_model = torch.compile(model) if opts.compile else model
                opt = make_optimizer(model, TrainSpec(epochs=1))
                graphed = GraphedStep(model, opt, opts) if opts.cuda_graph and device.startswith("cuda") else None

                def one():
                    if graphed is not None:
                        graphed(x, y, 0.1)
                    else:
                        train_step(step_model, opt, x, y, opts)
                for _ in range(3):  # warm-up (and compilation / capture)
                    one()

                def run():
                    for _ in range(steps):
                        one()
                s = timed(run, repeats, device) / steps
                base = base or s
                rows.append({"benchmark": f"train step {name} batch {batch}", "variant": f"{act}, {mode}",
                             "ms": 1e3 * s, "ratio_to_baseline": s / base, "baseline": "eager fp32 NCHW",
                             "images_per_s": batch / s})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (used by the tests)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    ap.add_argument("--compile", action="store_true", help="also time torch.compile'd training steps")
    a = ap.parse_args(argv)
    shape, n, rep = ((8, 16, 16, 16), 512, 3) if a.quick else ((128, 64, 32, 32), 10000, 7)
    rows = bench_activations(a.device, shape, rep) + bench_pipeline(a.device, n, rep)
    if a.quick:
        rows += bench_training(a.device, {"ResNet-20": {"arch": "resnet", "depth": 8, "widths": (4, 8, 16)}},
                               ("relu",), batch=8, steps=1, repeats=1, compile_too=False)
        rows += bench_init(a.device, {"arch": "fitnet", "variant": "fitnet4", "act": "maxout", "width": 0.125}, 8, 1)
    else:
        steps = 20 if a.device.startswith("cuda") else 2
        rows += bench_training(a.device, TRAIN_MODELS, ("relu", "ng-relu", "prelu"), batch=128, steps=steps,
                               repeats=5 if a.device.startswith("cuda") else 3, compile_too=a.compile)
        rows += bench_init(a.device, {"arch": "fitnet", "variant": "fitnet4", "act": "maxout"}, 128, 3)
    dev = device_name(a.device)
    os.makedirs(a.out, exist_ok=True)
    base = os.path.join(a.out, re.sub(r"[^A-Za-z0-9]+", "-", dev).strip("-") + ("-quick" if a.quick else ""))
    keys = ["benchmark", "variant", "ms", "ratio_to_baseline", "baseline", "images_per_s"]
    with open(base + ".csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    lines = [f"# Benchmarks on {dev}", "", f"torch {torch.__version__}; median of {rep} repeats", "",
             "| benchmark | variant | ms | ratio | images/s |", "|---|---|---|---|---|"]
    for r in rows:
        ips = f"{r['images_per_s']:,.0f}" if r.get("images_per_s") else ""
        lines.append(f"| {r['benchmark']} | {r['variant']} | {r['ms']:.2f} | {r['ratio_to_baseline']:.2f} | {ips} |")
    with open(base + ".md", "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwrote {base}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
