"""A reduced `make bench` keeps the benchmark code path alive."""
from benchmarks.__main__ import main


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


def test_isa_emulation_times_ng_step_with_avx2_kernels_only(tmp_path):
    """python -m benchmarks.isa: PyTorch dispatches to AVX2 and the NG-ReLU kernel it times is a build without a
    single AVX-512 instruction (zmm, mask or upper-16 vector registers), where the native build here has them."""
    import glob
    import os
    import re
    import shutil
    import subprocess

    import pytest

    from benchmarks.isa import emulated_env, main

    if os.uname().machine != "x86_64":
        pytest.skip("emulates an x86 AVX2 CPU")
    assert main(["--quick", "--out", str(tmp_path)]) == 0
    md = next(tmp_path.glob("*-avx2-emulated-quick.md")).read_text()
    assert "(PyTorch CPU kernels: AVX2)" in md and "-march=x86-64-v3" in md
    assert "ResNet-20 batch 4 (eager fp32 NCHW" in md and "ResNet-20 batch 4 (channels_last fp32" in md
    assert "fused kernel" in md  # the kernel ran, not the autograd ops
    if shutil.which("objdump") is None:
        pytest.skip("no objdump to read the kernel's instructions")
    built = glob.glob(os.path.join(emulated_env(dict(os.environ))["TORCH_EXTENSIONS_DIR"], "*", "*.so"))
    assert built
    avx512 = re.compile(r"%zmm|%k[0-7]\b|%[xy]mm(1[6-9]|2[0-9]|3[01])\b")
    for so in built:
        assert not avx512.search(subprocess.run(["objdump", "-d", so], capture_output=True, text=True).stdout), so
