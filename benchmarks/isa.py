"""python -m benchmarks.isa: NG-ReLU's step vs ReLU's as another x86 CPU runs it, emulated on this one.

The suite promises NG-ReLU's step at <= 1.05x ReLU's on every x86 CPU it runs on. Two kinds of CPU differ from
this CI machine's Xeon (AVX-512, avx512_bf16 and AMX) where that ratio is made, and each is a profile (--isa):

- ``avx2``: a plain AVX2 CPU (no AVX-512, no native bf16). PyTorch's own CPU kernels (ReLU, BatchNorm, the
  optimizer) dispatch to their AVX2 builds (ATEN_CPU_CAPABILITY=avx2); oneDNN's convolutions and MKL's matrix
  products are capped at AVX2 (ONEDNN_MAX_CPU_ISA, MKL_ENABLE_INSTRUCTIONS); the NG-ReLU kernel
  (models/ng_relu_cpu.cpp, -march=native) is built with -march=x86-64-v3 (AVX2 and FMA). No native bf16, so the
  suite's fast path there is channels_last in fp32 (reproduce.train.amp_enabled): eager fp32 NCHW and
  channels_last fp32 are timed.
- ``avx512-bf16``: AVX-512 with avx512_bf16 and no AMX, as the AMD EPYC (Zen 4) CI-class machine of issue 21.
  oneDNN is capped at AVX512_CORE_BF16 (its bf16 convolutions without AMX tiles), MKL at AVX512; PyTorch's
  kernels stay AVX-512; the kernel is built with -march=cooperlake (AVX-512 with BF16 and VNNI, no AMX, no FP16;
  the GCC 12.2 here has no znver4, which also has VBMI, IFMA and GFNI: instructions this kernel does not use). Such a CPU computes bf16 natively, so its fast path is channels_last + bf16 autocast:
  eager fp32 NCHW and channels_last + bf16 are timed.

The process re-runs itself with the profile's settings, checks that PyTorch reports the profile's kernel level and
that oneDNN's convolutions ran none of the instruction sets capped away (its verbose log), then times
bench_ng_step. What is not emulated: the clock, caches and memory bandwidth of the real part, and its
instructions' relative costs (a bf16 conversion on Zen 4 may cost more or less than here). Writes
benchmarks/results/<device>-<profile>-emulated.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import re
import subprocess
import sys
import tempfile

CHILD = "DEEPCNN_ISA_EMULATED"  # set only in the process this module starts with a profile's settings


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str              # --isa value and results file suffix
    describes: str         # for the results file's title
    march: str             # the NG-ReLU kernel's -march, in place of native
    env: dict              # what caps PyTorch, oneDNN and MKL
    capability: str        # torch.backends.cpu.get_cpu_capability() must report this
    needs: tuple           # /proc/cpuinfo flags the emulation caps down from (it cannot add them)
    amp: bool              # the fast path computes in bf16 (autocast) on such a CPU
    onednn_capped: tuple   # substrings no oneDNN convolution implementation may name


PROFILES = {
    "avx2": Profile("avx2", "an AVX2 CPU without AVX-512 or native bf16", "x86-64-v3",
                    {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
                    "AVX2", ("avx2",), False, ("avx512", "avx10", "amx")),
    "avx512-bf16": Profile("avx512-bf16", "an AVX-512 CPU with avx512_bf16 and no AMX (e.g. AMD EPYC Zen 4)",
                           "cooperlake", {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16", "MKL_ENABLE_INSTRUCTIONS": "AVX512"},
                           "AVX512", ("avx512f", "avx512bw", "avx512vl", "avx512_bf16"), True,
                           ("amx", "avx10", "fp16")),
}


def emulated_env(environ: dict, profile: Profile = PROFILES["avx2"]) -> dict:
    """`environ` with the profile's settings and the child's marker; TORCH_EXTENSIONS_DIR is <the folder it names,
    else ~/.cache/torch_extensions>/<the profile's -march>, where the kernel's emulation build cannot replace the
    native build of the same name (torch's own default adds a Python/CUDA sub-folder; this one is shared by
    versions, and cpp_extension rebuilds when the torch it was built against differs)."""
    base = environ.get("TORCH_EXTENSIONS_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "torch_extensions")
    return {**environ, **profile.env, CHILD: profile.name,
            "TORCH_EXTENSIONS_DIR": os.path.join(base, profile.march)}


def onednn_convolutions(bf16: bool) -> set[str]:
    """The oneDNN implementations that run a small channels_last convolution's forward and backward in this
    process (bf16 under autocast, else fp32), read from oneDNN's verbose log on stdout (file descriptor 1)."""
    import torch

    x = torch.randn(2, 8, 8, 8).contiguous(memory_format=torch.channels_last).requires_grad_()
    conv = torch.nn.Conv2d(8, 8, 3, padding=1).to(memory_format=torch.channels_last)
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile(mode="w+") as log:
        os.dup2(log.fileno(), 1)
        try:
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16), \
                    torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):
                conv(x).float().sum().backward()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        log.seek(0)
        return set(re.findall(r"exec,cpu,convolution,([^,]+),", log.read()))


def run_emulated(a, profile: Profile) -> int:
    import torch

    from models import ng_relu_cpu
    from reproduce.train import RunOptions, device_name

    from .__main__ import bench_ng_step, cpu_isa, results_base

    capability = torch.backends.cpu.get_cpu_capability()
    if capability != profile.capability:
        print(f"benchmarks.isa: PyTorch dispatches to {capability}, not {profile.capability}, with "
              f"{profile.env}", file=sys.stderr)
        return 1
    convolutions = onednn_convolutions(profile.amp)
    capped = sorted(c for c in convolutions if any(k in c for k in profile.onednn_capped))
    if not convolutions or capped:
        print(f"benchmarks.isa: with ONEDNN_MAX_CPU_ISA={profile.env['ONEDNN_MAX_CPU_ISA']} oneDNN's "
              + (f"convolutions ran {', '.join(capped)}: not capped" if capped else
                 "verbose log named no convolution: the cap cannot be checked"), file=sys.stderr)
        return 1
    # the kernel is built here, for the profile, into the emulation's own folder: not loaded before, one -march
    # replaced
    march = [f for f in ng_relu_cpu.FLAGS if f.startswith("-march=")]
    if (ng_relu_cpu._op is not None or len(march) != 1
            or not os.environ["TORCH_EXTENSIONS_DIR"].endswith(profile.march)):
        print(f"benchmarks.isa: cannot build the NG-ReLU kernel for {profile.march} here (loaded already, flags "
              f"{ng_relu_cpu.FLAGS}, TORCH_EXTENSIONS_DIR {os.environ['TORCH_EXTENSIONS_DIR']})", file=sys.stderr)
        return 1
    ng_relu_cpu.FLAGS = [f if not f.startswith("-march=") else f"-march={profile.march}" for f in ng_relu_cpu.FLAGS]
    if ng_relu_cpu.implementation("cpu") != ng_relu_cpu.FUSED:
        print(f"benchmarks.isa: the NG-ReLU kernel could not be built for {profile.march} (NG_KERNEL=0, or no C++ "
              "compiler): nothing to time", file=sys.stderr)
        return 1
    fast = ("channels_last + bf16", RunOptions("cpu", amp=True, channels_last=True, cuda_graph=False)) \
        if profile.amp else ("channels_last fp32", RunOptions("cpu", amp=False, channels_last=True, cuda_graph=False))
    modes = [("eager fp32 NCHW", RunOptions("cpu", amp=False, channels_last=False, cuda_graph=False)), fast]
    models, batch, pairs = (("ResNet-20",), 4, 2) if a.quick else (("ResNet-56", "plain-56-BN"), 128, a.pairs)
    rows = bench_ng_step("cpu", models=models, batch=batch, pairs=pairs, modes=modes)
    dev = device_name("cpu")
    lines = [f"# NG-ReLU step vs ReLU's on {dev}, as {profile.describes} runs it (emulated)", "",
             f"CPU ISA features: {cpu_isa()}", "",
             f"Emulation (python -m benchmarks.isa --isa {profile.name}): "
             f"{' '.join(f'{k}={v}' for k, v in profile.env.items())}; oneDNN's convolutions ran "
             f"{', '.join(sorted(convolutions))}; the NG-ReLU kernel built with {' '.join(ng_relu_cpu.FLAGS)}; "
             f"modes {', '.join(m for m, _ in modes)} ({fast[0]} is such a CPU's fast path). Not emulated: the real "
             f"part's clock, caches, memory and instruction costs. torch {torch.__version__}; ratio = median over "
             f"{pairs} alternating pairs of single steps of NG-ReLU's time / ReLU's (benchmarks.paired_ratio).", "",
             "| benchmark | NG-ReLU backward | NG-ReLU ms | ratio to ReLU |", "|---|---|---|---|"]
    lines += [f"| {r['benchmark']} | {r['variant']} | {r['ms']:.1f} | {r['ratio_to_baseline']:.2f} |" for r in rows]
    os.makedirs(a.out, exist_ok=True)
    path = results_base(a.out, dev, f"-{profile.name}-emulated" + ("-quick" if a.quick else "")) + ".md"
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines) + f"\n\nwrote {path}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.isa",
                                 description="NG-ReLU's step vs ReLU's as another x86 CPU runs it (emulated)")
    ap.add_argument("--isa", choices=list(PROFILES), default="avx2",
                    help="the CPU to emulate: avx2 (no AVX-512, no native bf16) or avx512-bf16 (no AMX)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, 2 pairs (used by the tests)")
    ap.add_argument("--pairs", type=int, default=15, help="alternating pairs of single steps per mode")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    a = ap.parse_args(argv)
    if a.pairs < 1:
        ap.error("--pairs must be at least 1")
    profile = PROFILES[a.isa]
    if os.environ.get(CHILD) == profile.name:
        return run_emulated(a, profile)
    if not supported(profile=profile):
        print(f"benchmarks.isa: emulates {profile.describes} on a Linux x86-64 CPU that has "
              f"{', '.join(profile.needs)}; this is not one", file=sys.stderr)
        return 1
    # the settings take effect at PyTorch's first kernel call, so in a fresh process
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = [sys.executable, "-m", "benchmarks.isa", "--isa", profile.name, "--pairs", str(a.pairs),
            "--out", os.path.abspath(a.out)]
    args += ["--quick"] if a.quick else []
    rc = subprocess.run(args, env=emulated_env(dict(os.environ), profile), cwd=root).returncode
    return rc if rc >= 0 else 128 - rc  # killed by a signal: the shell's convention


def supported(cpuinfo: str = "/proc/cpuinfo", profile: Profile = PROFILES["avx2"]) -> bool:
    """Linux on an x86-64 CPU that has the profile's features (the emulation caps what the CPU has; it cannot add
    them)."""
    from .__main__ import cpu_flags

    flags = cpu_flags(cpuinfo) or set()
    return (sys.platform.startswith("linux") and os.uname().machine == "x86_64"
            and all(f in flags for f in profile.needs))


if __name__ == "__main__":
    raise SystemExit(main())
