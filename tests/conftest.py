"""Fixtures shared by the harness tests: generated data in the cache format, and torchvision's CIFAR-10
download stubbed (no network here) so that the real torchvision reader and our conversion run end to end."""
import os
import pickle
import urllib.error

import numpy as np
import pytest


def write_cifar_fixture(root, train=300, test=100, seed=0):
    """A tiny CIFAR-10-shaped dataset in the cache format (<root>/cifar10/{train,test}.npz), random pixels,
    labels cycling through the 10 classes."""
    from reproduce.data import save_npz_atomic
    rng = np.random.RandomState(seed)
    for split, n in (("train", train), ("test", test)):
        save_npz_atomic(os.path.join(str(root), "cifar10", f"{split}.npz"),
                        rng.randint(0, 256, (n, 32, 32, 3)).astype(np.uint8), np.arange(n, dtype=np.int64) % 10)
    return root


@pytest.fixture
def table1_not_gated(monkeypatch):
    """NG Table 1's declared claims taken off the smoke gate, for tests of the command line's mechanics (cache,
    resume, data paths) that use Table 1 as a cheap target on random fixture images, where the toy nets cannot show
    them (tests/test_cli.py's first test shows the gate failing there)."""
    from reproduce.targets import get_target
    for claim in get_target("table", "ng", "1").claims:
        monkeypatch.setattr(claim, "smoke_gate", False)


@pytest.fixture
def tiny_cifar(tmp_path, monkeypatch):
    """REPRO_DATA pointing at a generated CIFAR-10 fixture (tests that need any CIFAR-shaped data, not the real
    images); worker subprocesses inherit it through the environment."""
    from reproduce import cell_run
    root = write_cifar_fixture(tmp_path / "fixture-data")
    monkeypatch.setenv("REPRO_DATA", str(root))
    cell_run._TASKS.clear()
    yield root
    cell_run._TASKS.clear()


def _fake_cifar_archive(root, per_batch=60, test=100):
    """What torchvision's CIFAR-10 download leaves in `root`: cifar-10-batches-py/ with five pickled training
    batches, a test batch and the meta file, in the real format (data N x 3072 uint8 in CHW order, labels)."""
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.RandomState(1)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        n = test if name == "test_batch" else per_batch
        batch = {"data": rng.randint(0, 256, (n, 3072)).astype(np.uint8), "labels": list(np.arange(n) % 10)}
        with open(os.path.join(folder, name), "wb") as fh:
            pickle.dump(batch, fh)
    with open(os.path.join(folder, "batches.meta"), "wb") as fh:
        pickle.dump({"label_names": [f"class{i}" for i in range(10)]}, fh)


@pytest.fixture
def stub_download(monkeypatch):
    """torchvision's CIFAR-10 download replaced: `online` (default True) writes the fake archive's files, offline
    raises the URLError an unreachable server gives. Checksums are replaced by existence (the fake files are not
    the real ones). Returns the calls (download folders)."""
    import torchvision.datasets.cifar as tv_cifar
    from reproduce import data
    state = {"online": True, "calls": []}
    monkeypatch.setattr(data, "_FAILED_DOWNLOADS", {})

    def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None, **kw):
        state["calls"].append(download_root)
        if not state["online"]:
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
        _fake_cifar_archive(download_root)

    monkeypatch.setattr(tv_cifar, "download_and_extract_archive", download_and_extract_archive)
    monkeypatch.setattr(tv_cifar, "check_integrity", lambda fpath, md5=None: os.path.isfile(fpath))
    return state


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never touch the network: a torchvision download fails as offline (tests that need one stub it with
    `stub_download`)."""
    import urllib.request

    def offline(*args, **kwargs):
        raise urllib.error.URLError("network disabled in tests")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    from reproduce import data
    monkeypatch.setattr(data, "_FAILED_DOWNLOADS", {})


@pytest.fixture(autouse=True)
def no_seeds_override():
    """Every test starts without SEEDS and leaves none behind: `python -m reproduce --seeds` sets it in the
    process environment (that is how the paper modules read it), which would leak into later tests."""
    saved = os.environ.pop("SEEDS", None)
    yield
    os.environ.pop("SEEDS", None)
    if saved is not None:
        os.environ["SEEDS"] = saved
