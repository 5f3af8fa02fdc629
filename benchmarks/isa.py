"""python -m benchmarks.isa: NG-ReLU's step vs ReLU's as a CPU without AVX-512 runs it, emulated on this one.

The suite promises NG-ReLU's step at <= 1.05x ReLU's on every x86 CPU it runs on, plain AVX2 CPUs (fp32) included.
An AVX2-only CPU differs from an AVX-512 one where that ratio is made:

- PyTorch's own CPU kernels (ReLU, BatchNorm, the optimizer) dispatch to their AVX2 builds: ATEN_CPU_CAPABILITY=avx2;
- oneDNN's convolutions pick their ISA from the CPU: ONEDNN_MAX_CPU_ISA=AVX2 caps them;
- MKL's matrix products (the dense layer) too: MKL_ENABLE_INSTRUCTIONS=AVX2;
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
import subprocess
import sys

MARCH = "x86-64-v3"  # AVX, AVX2, FMA, BMI2: what an AVX2 CPU's -march=native gives the kernel, without AVX-512
ENV = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}
CHILD = "DEEPCNN_ISA_EMULATED"  # set only in the process this module starts with the settings above


def emulated_env(environ: dict) -> dict:
    """`environ` with the AVX2 settings and the child's marker; TORCH_EXTENSIONS_DIR is <the folder it names, else
    ~/.cache/torch_extensions>/x86-64-v3, where the kernel's AVX2 build cannot replace the native build of the
    same name (torch's own default adds a Python/CUDA sub-folder; this one is shared by versions, and
    cpp_extension rebuilds when the torch it was built against differs)."""
    base = environ.get("TORCH_EXTENSIONS_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "torch_extensions")
    return {**environ, **ENV, CHILD: "1", "TORCH_EXTENSIONS_DIR": os.path.join(base, MARCH)}


def run_emulated(a) -> int:
    import torch

    from models import ng_relu_cpu
    from reproduce.train import RunOptions, device_name

    from .__main__ import bench_ng_step, cpu_isa, results_base

    capability = torch.backends.cpu.get_cpu_capability()
    if capability != "AVX2":
        print(f"benchmarks.isa: PyTorch dispatches to {capability}, not AVX2, with ATEN_CPU_CAPABILITY=avx2",
              file=sys.stderr)
        return 1
    # the kernel is built here, for AVX2, into the emulation's own folder: not loaded before, one -march replaced
    march = [f for f in ng_relu_cpu.FLAGS if f.startswith("-march=")]
    if ng_relu_cpu._op is not None or len(march) != 1 or not os.environ["TORCH_EXTENSIONS_DIR"].endswith(MARCH):
        print(f"benchmarks.isa: cannot build the NG-ReLU kernel for {MARCH} here (loaded already, flags "
              f"{ng_relu_cpu.FLAGS}, TORCH_EXTENSIONS_DIR {os.environ['TORCH_EXTENSIONS_DIR']})", file=sys.stderr)
        return 1
    ng_relu_cpu.FLAGS = [f if not f.startswith("-march=") else f"-march={MARCH}" for f in ng_relu_cpu.FLAGS]
    if ng_relu_cpu.implementation("cpu") != ng_relu_cpu.FUSED:
        print("benchmarks.isa: the NG-ReLU kernel could not be built for AVX2 (NG_KERNEL=0, or no C++ compiler): "
              "nothing to time", file=sys.stderr)
        return 1
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
    path = results_base(a.out, dev, "-avx2-emulated" + ("-quick" if a.quick else "")) + ".md"
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines) + f"\n\nwrote {path}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.isa",
                                 description="NG-ReLU's step vs ReLU's with AVX2 kernels only (emulated)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, 2 pairs (used by the tests)")
    ap.add_argument("--pairs", type=int, default=15, help="alternating pairs of single steps per mode")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    a = ap.parse_args(argv)
    if a.pairs < 1:
        ap.error("--pairs must be at least 1")
    if os.environ.get(CHILD) == "1":
        return run_emulated(a)
    if not supported():
        print("benchmarks.isa: emulates an x86-64 AVX2 CPU on a Linux x86-64 CPU with AVX2; this is not one",
              file=sys.stderr)
        return 1
    # the settings take effect at PyTorch's first kernel call, so in a fresh process
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = [sys.executable, "-m", "benchmarks.isa", "--pairs", str(a.pairs), "--out", os.path.abspath(a.out)]
    args += ["--quick"] if a.quick else []
    rc = subprocess.run(args, env=emulated_env(dict(os.environ)), cwd=root).returncode
    return rc if rc >= 0 else 128 - rc  # killed by a signal: the shell's convention


def supported(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Linux on an x86-64 CPU that has AVX2 (the emulation caps what the CPU has; it cannot add AVX2)."""
    from .__main__ import cpu_flags

    return (sys.platform.startswith("linux") and os.uname().machine == "x86_64"
            and "avx2" in (cpu_flags(cpuinfo) or set()))


if __name__ == "__main__":
    raise SystemExit(main())
