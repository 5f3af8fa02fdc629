"""The device check (benchmarks/device.py) dry-run on the CPU: the same steps and code path as on a GPU, tiny."""
import os

import numpy as np

from benchmarks import device


def _fake_cifar(root, train: int, test: int):
    rng = np.random.default_rng(0)
    os.makedirs(root / "cifar10")
    for split, n in (("train", train), ("test", test)):
        np.savez(root / "cifar10" / f"{split}.npz", x=rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8),
                 y=np.arange(n) % 10)


def test_prepare_writes_a_class_balanced_subset_the_suite_loads(tmp_path):
    from reproduce.data import load_split
    _fake_cifar(tmp_path / "src", 500, 40)
    device.prepare(str(tmp_path / "src"), str(tmp_path / "dev"), images=200)
    train = load_split("cifar10", "train", root=str(tmp_path / "dev"), allow_download=False)
    assert len(train.y) == 200 and np.bincount(train.y).tolist() == [20] * 10
    assert len(load_split("cifar10", "test", root=str(tmp_path / "dev"), allow_download=False).y) == 40


def test_full_size_subset_fits_the_device_working_tree():
    """10,000 training + 1,000 test images, uint8, stored uncompressed: under the 64 MiB a device call carries."""
    assert (10000 + 1000) * 32 * 32 * 3 < 40 * 2**20


def test_dry_run_runs_every_step_and_writes_the_summary(tmp_path, monkeypatch):
    monkeypatch.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository root
    _fake_cifar(tmp_path / "src", 300, 40)
    device.prepare(str(tmp_path / "src"), str(tmp_path / "dev"), images=260)
    out = tmp_path / "out"
    assert device.run(str(out), dry_run=True, data=str(tmp_path / "dev")) == 0
    summary = (out / "SUMMARY.md").read_text()
    assert all(f"| {step} | ok |" in summary for step in ("test_cuda", "slice", "bench")), summary
    table = (out / "slice.md").read_text()
    assert "plain-8 relu xavier | ok" in table and "plain-8 ng-relu xavier | ok" in table, table
    assert len((out / "slice.jsonl").read_text().splitlines()) == 2
