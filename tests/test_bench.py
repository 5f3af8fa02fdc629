"""A reduced `make bench` keeps the benchmark code path alive."""
from benchmarks.__main__ import main


def test_quick_bench_writes_results(tmp_path):
    assert main(["--quick", "--device", "cpu", "--out", str(tmp_path)]) == 0
    md = next(p for p in tmp_path.iterdir() if p.suffix == ".md").read_text()
    assert "ng-relu" in md and "DeviceData" in md and "DataLoader" in md and "bisect" in md


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
