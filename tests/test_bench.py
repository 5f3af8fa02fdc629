"""A reduced `make bench` keeps the benchmark code path alive."""
import glob
import os
import re
import shutil
import subprocess

import pytest

from benchmarks.__main__ import main

HAS_COMPILER = shutil.which(os.environ.get("CXX", "c++")) is not None  # as tests/test_ng_kernel.py


def test_quick_bench_writes_results(tmp_path):
    assert main(["--quick", "--device", "cpu", "--out", str(tmp_path)]) == 0
    md = next(p for p in tmp_path.iterdir() if p.suffix == ".md").read_text()
    assert "ng-relu" in md and "DeviceData" in md and "DataLoader" in md and "bisect" in md
    assert "CPU ISA features: " in md
    assert "NG-ReLU step vs ReLU's, ResNet-20 batch 4" in md and "alternating pairs" in md
    # the side-by-side epoch: the standard loop and the trainer, in one run, and the sentence that reports it
    assert "side by side: ResNet-8" in md and "standard: torchvision transforms + DataLoader" in md
    assert "this suite's trainer vs the standard PyTorch loop" in md and "x faster" in md


def test_cpu_isa_names_the_flags_of_proc_cpuinfo(tmp_path):
    from benchmarks.__main__ import cpu_isa

    info = tmp_path / "cpuinfo"
    info.write_text("model name\t: Some EPYC\nflags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512_bf16 sha_ni\n")
    assert cpu_isa(str(info)).startswith("sse4_2 avx fma avx2 avx512f avx512_bf16 (PyTorch CPU kernels: ")
    info.write_text("model name\t: Some CPU\nflags\t\t: fpu sse2\n")
    assert cpu_isa(str(info)).startswith("none of sse4_2")
    assert cpu_isa(str(tmp_path / "missing")).startswith("unknown (")  # not Linux: no /proc/cpuinfo


def test_training_memory_counts_state_and_saved_activations_by_hand():
    import pytest
    import torch
    import torch.nn as nn

    from benchmarks.__main__ import training_memory_mb
    from reproduce.train import RunOptions

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.ReLU(), nn.Flatten(), nn.Linear(8192, 10))
    opts = RunOptions("cpu", channels_last=False, amp=False)

    def mem(n):
        return training_memory_mb(model, torch.randn(n, 3, 32, 32), torch.zeros(n, dtype=torch.long), opts)
    params = 3 * 8 * 9 + 8192 * 10 + 10
    # per 4 more images: the conv's input (4 x 3 x 32 x 32) and the ReLU output (4 x 8 x 32 x 32; the Linear's
    # input is a view of it), float32; log-softmax output and targets are a few bytes
    assert mem(8) - mem(4) == pytest.approx(4 * (3 + 8) * 1024 * 4 / 2**20, rel=0.01)
    assert mem(4) == pytest.approx((3 * 4 * params + 4 * (3 + 8) * 1024 * 4) / 2**20, rel=0.01)


def test_paired_ratio_is_the_median_of_the_ratios_of_neighbouring_timings():
    from benchmarks.__main__ import paired_ratio

    # slow spells (repeats 2 and 3) land on both timings of a repeat and cancel: ratios 2, 2, 2
    assert paired_ratio([2.0, 4.0, 18.0], [1.0, 2.0, 9.0]) == 2.0
    # ratios 2, 2, 2, 1: median 2, where the ratio of the medians would be 4.5 / 3.5
    assert paired_ratio([2.0, 4.0, 18.0, 5.0], [1.0, 2.0, 9.0, 5.0]) == 2.0
    assert paired_ratio([1.0, 3.0, 1.0], [1.0, 1.0, 1.0]) == 1.0


# AVX-512 in `objdump -d` output: an EVEX-encoded instruction (first byte 0x62 after any segment / address-size
# prefix, on a line with a mnemonic), a zmm register, or a mask register (kmov* is VEX-encoded)
AVX512 = re.compile(r"^\s*[0-9a-f]+:\t(?:(?:26|2e|36|3e|64|65|67) )*62 (?:[0-9a-f]{2} )*\s*\t\S|%zmm|%k[0-7]\b", re.M)


def test_the_avx512_pattern_finds_evex_zmm_and_mask_instructions_only():
    evex_ymm = "    9a10:\t62 f3 75 28 25 c0 96 \tvpternlogd $0x96,%ymm0,%ymm1,%ymm0"
    mask = "    8fda:\tc5 f9 92 d6          \tkmovb  %esi,%k2"
    zmm = "    9b80:\t62 f1 7c 48 28 c1    \tvmovaps %zmm1,%zmm0"
    avx2 = "    9a10:\tc5 fd 6f 06          \tvmovdqa (%rsi),%ymm0"
    continued = "    9a17:\t62 00 00             \t"  # the tail of a long instruction, no mnemonic
    assert all(AVX512.search(line) for line in (evex_ymm, mask, zmm))
    assert not AVX512.search(avx2) and not AVX512.search(continued)


@pytest.mark.skipif(not HAS_COMPILER or os.environ.get("NG_KERNEL") == "0",
                    reason="no C++ compiler to build the kernel, or NG_KERNEL=0")
@pytest.mark.parametrize("isa", ["avx2", "avx512-bf16"])
def test_isa_emulation_times_ng_step_with_the_emulated_cpus_kernels_only(tmp_path, isa):
    """python -m benchmarks.isa --isa avx2: PyTorch dispatches to AVX2, oneDNN's convolutions run no AVX-512, and
    the NG-ReLU kernel it times is a build with AVX2 vectors and not a single AVX-512 instruction. --isa
    avx512-bf16: oneDNN's bf16 convolutions run without AMX, the kernel is the -march=cooperlake build, and the
    fast path timed is channels_last + bf16."""
    from benchmarks.isa import PROFILES, emulated_env, main, supported

    profile = PROFILES[isa]
    if not supported(profile=profile):
        pytest.skip(f"emulates {isa} on a Linux x86-64 CPU that has {profile.needs}")
    assert main(["--isa", isa, "--quick", "--out", str(tmp_path)]) == 0
    md = next(tmp_path.glob(f"*-{isa}-emulated-quick.md")).read_text()
    onednn = re.search(r"oneDNN's convolutions ran (.*?); the NG-ReLU", md).group(1)
    assert f"(PyTorch CPU kernels: {profile.capability})" in md and f"-march={profile.march}" in md
    assert "fused kernel" in md  # the kernel ran, not the autograd ops
    built = glob.glob(os.path.join(emulated_env(dict(os.environ), profile)["TORCH_EXTENSIONS_DIR"], "*", "*.so"))
    assert built
    if isa == "avx512-bf16":
        assert "avx512_core_bf16" in onednn and "amx" not in onednn
        assert "ResNet-20 batch 4 (eager fp32 NCHW" in md and "ResNet-20 batch 4 (channels_last + bf16" in md
        return
    assert "avx2" in onednn and "avx512" not in onednn
    assert "ResNet-20 batch 4 (eager fp32 NCHW" in md and "ResNet-20 batch 4 (channels_last fp32" in md
    if shutil.which("objdump") is None:
        pytest.skip("no objdump to read the kernel's instructions")
    for so in built:
        code = subprocess.run(["objdump", "-d", so], capture_output=True, text=True, check=True).stdout
        assert "%ymm" in code and not AVX512.search(code), so


def test_onednn_convolutions_names_the_instruction_set_that_ran():
    """The check that the emulation capped oneDNN can fail: uncapped on a CPU with AMX, its bf16 convolutions
    name AMX."""
    from benchmarks.__main__ import cpu_flags
    from benchmarks.isa import onednn_convolutions

    if "amx_bf16" not in (cpu_flags() or set()) or os.environ.get("ONEDNN_MAX_CPU_ISA"):
        pytest.skip("needs a CPU with AMX and oneDNN uncapped")
    assert any("amx" in name for name in onednn_convolutions(bf16=True))


def test_isa_emulation_refuses_a_machine_it_cannot_emulate_on(tmp_path):
    from benchmarks.isa import PROFILES, supported

    info = tmp_path / "cpuinfo"
    info.write_text("flags\t\t: fpu sse4_2 avx\n")
    assert supported(str(info)) is False
    info.write_text("flags\t\t: fpu sse4_2 avx avx2 fma\n")
    assert supported(str(info)) is (os.uname().machine == "x86_64")
    bf16 = PROFILES["avx512-bf16"]
    assert supported(str(info), bf16) is False
    info.write_text("flags\t\t: fpu avx2 avx512f avx512bw avx512vl\n")
    assert supported(str(info), bf16) is False  # no avx512_bf16: nothing to cap down from
    info.write_text("flags\t\t: fpu avx2 avx512f avx512bw avx512vl avx512_bf16\n")
    assert supported(str(info), bf16) is (os.uname().machine == "x86_64")
