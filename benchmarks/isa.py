"""python -m benchmarks.isa: NG-ReLU's step vs ReLU's as a CPU without AVX-512 runs it, emulated on this one.

The suite promises NG-ReLU's step at <= 1.05x ReLU's on every x86 CPU it runs on, plain AVX2 CPUs (fp32) included.
An AVX2-only CPU differs from an AVX-512 one where that ratio is made:

- PyTorch's own CPU kernels (ReLU, BatchNorm, the optimizer) dispatch to their AVX2 builds: ATEN_CPU_CAPABILITY=avx2;
- oneDNN's convolutions pick their ISA from the CPU: ONEDNN_MAX_CPU_ISA=AVX2 caps them;
- the NG-ReLU kernel (models/ng_relu_cpu.cpp) is compiled with -march=native: here with -march=x86-64-v3 (AVX2 and
  FMA, no AVX-512), into its own extensions folder, so the native build stays as it is;
- no native bf16, so the suite's fast path there is channels_last in fp32 (reproduce.train.amp_enabled): the modes
  timed are eager fp32 NCHW and channels_last fp32.

The process re-runs itself with those settings and checks that PyTorch reports AVX2. What is not emulated: the
clock, caches and memory bandwidth of a real AVX2 part (an AVX2 instruction on this CPU may run faster or slower
than on it). Writes benchmarks/results/<device>-avx2-emulated.md.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

MARCH = "x86-64-v3"  # AVX, AVX2, FMA, BMI2: what an AVX2 CPU's -march=native gives the kernel, without AVX-512
ENV = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}


def emulated_env(environ: dict) -> dict:
    """`environ` with the AVX2 settings, and TORCH_EXTENSIONS_DIR a sub-folder of the usual one, where the kernel's
    AVX2 build cannot replace the native build of the same name."""
    base = environ.get("TORCH_EXTENSIONS_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "torch_extensions")
    return {**environ, **ENV, "TORCH_EXTENSIONS_DIR": os.path.join(base, MARCH)}


def run_emulated(a) -> int:
    import torch

    from models import ng_relu_cpu
    from reproduce.train import RunOptions, device_name

    from .__main__ import bench_ng_step, cpu_isa

    capability = torch.backends.cpu.get_cpu_capability()
    if capability != "AVX2":
        print(f"benchmarks.isa: PyTorch dispatches to {capability}, not AVX2, with ATEN_CPU_CAPABILITY=avx2",
              file=sys.stderr)
        return 1
    ng_relu_cpu.FLAGS = [f if not f.startswith("-march=") else f"-march={MARCH}" for f in ng_relu_cpu.FLAGS]
    modes = [("eager fp32 NCHW", RunOptions("cpu", amp=False, channels_last=False, cuda_graph=False)),
             ("channels_last fp32", RunOptions("cpu", amp=False, channels_last=True, cuda_graph=False))]
    models, batch, pairs = (("ResNet-20",), 4, 2) if a.quick else (("ResNet-56", "plain-56-BN"), 128, a.pairs)
    rows = bench_ng_step("cpu", models=models, batch=batch, pairs=pairs, modes=modes)
    dev = device_name("cpu")
    lines = [f"# NG-ReLU step vs ReLU's on {dev}, as an AVX2 CPU runs it (emulated)", "",
             f"CPU ISA features: {cpu_isa()}", "",
             f"Emulation (python -m benchmarks.isa): {' '.join(f'{k}={v}' for k, v in ENV.items())}; the NG-ReLU "
             f"kernel built with {' '.join(ng_relu_cpu.FLAGS)}; fp32 only (no native bf16 on such a CPU). Not "
             "emulated: a real AVX2 part's clock, caches and memory. torch "
             f"{torch.__version__}; ratio = median over {pairs} alternating pairs of single steps of NG-ReLU's time "
             "/ ReLU's (benchmarks.paired_ratio).", "",
             "| benchmark | NG-ReLU backward | NG-ReLU ms | ratio to ReLU |", "|---|---|---|---|"]
    lines += [f"| {r['benchmark']} | {r['variant']} | {r['ms']:.1f} | {r['ratio_to_baseline']:.2f} |" for r in rows]
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, re.sub(r"[^A-Za-z0-9]+", "-", dev).strip("-") + "-avx2-emulated"
                        + ("-quick" if a.quick else "") + ".md")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines) + f"\n\nwrote {path}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.isa",
                                 description="NG-ReLU's step vs ReLU's with AVX2 kernels only (emulated)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (used by the tests)")
    ap.add_argument("--pairs", type=int, default=15, help="alternating pairs of single steps per mode")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    a = ap.parse_args(argv)
    if a.pairs < 1:
        ap.error("--pairs must be at least 1")
    if all(os.environ.get(k) == v for k, v in ENV.items()):
        return run_emulated(a)
    if not sys.platform.startswith("linux") or os.uname().machine not in ("x86_64", "AMD64"):
        print("benchmarks.isa: emulates an x86 AVX2 CPU; this machine is not x86-64", file=sys.stderr)
        return 1
    # the settings take effect at PyTorch's first kernel call, so in a fresh process
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = [sys.executable, "-m", "benchmarks.isa", *(argv if argv is not None else sys.argv[1:])]
    return subprocess.run(args, env=emulated_env(dict(os.environ)), cwd=root).returncode


if __name__ == "__main__":
    raise SystemExit(main())
