"""reproduce.data: cache resolution, subsets, normalisation, augmentation,
device batches and load_task. All fixtures are tiny and live in tmp_path; no
network, no torchvision dataset, nothing under the real data root."""
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import reproduce.data as data
from reproduce.data import (DataSpec, DatasetUnavailable, DeviceData, Normalization, Split, balanced_subset,
                            load_split, load_task, random_crop_flip, save_npz_atomic)


def _arrays(n, seed=0, num_classes=10):
    rng = np.random.RandomState(seed)
    x = rng.randint(0, 256, size=(n, 32, 32, 3)).astype(np.uint8)
    y = (np.arange(n) % num_classes).astype(np.int64)
    return x, y


def _files(root):
    out = []
    for d, _, fs in os.walk(root):
        out += [os.path.join(d, f) for f in fs]
    return sorted(out)


@pytest.fixture
def no_torchvision(monkeypatch):
    """Replace the torchvision step: it records each call and fails like a
    missing dataset, so no network or real data is ever touched."""
    calls = []

    def fake(name, split, root, download):
        calls.append((name, split, root, download))
        raise RuntimeError("Dataset not found (test stub)")

    monkeypatch.setattr(data, "_torchvision_arrays", fake)
    return calls


@pytest.fixture
def read_only(tmp_path):
    """Make folders read-only; restore write bits afterwards so tmp_path can be cleaned."""
    made = []

    def make(*paths):
        for p in paths:
            os.chmod(p, 0o555)
            made.append(p)

    yield make
    for p in reversed(made):
        os.chmod(p, 0o755)


# ---------------------------------------------------------------------------
# load_split: cache and resolution order
# ---------------------------------------------------------------------------

def test_cache_round_trip(tmp_path, no_torchvision):
    x, y = _arrays(20)
    save_npz_atomic(str(tmp_path / "cifar10" / "train.npz"), x, y)
    assert _files(tmp_path) == [str(tmp_path / "cifar10" / "train.npz")]  # no temp file left behind
    s = load_split("cifar10", "train", root=str(tmp_path), allow_download=False)
    assert s.x.dtype == np.uint8 and s.y.dtype == np.int64
    assert np.array_equal(s.x, x) and np.array_equal(s.y, y)
    assert not s.partial and s.num_classes == 10
    assert s.name == "cifar10" and s.split == "train"
    assert no_torchvision == []  # the cache is used first
    assert "20 images" in s.description and "only" not in s.description


def test_root_from_repro_data_env(tmp_path, monkeypatch, no_torchvision):
    x, y = _arrays(7)
    save_npz_atomic(str(tmp_path / "svhn" / "test.npz"), x, y)
    monkeypatch.setenv("REPRO_DATA", str(tmp_path))
    s = load_split("svhn", "test", allow_download=False)
    assert np.array_equal(s.x, x) and np.array_equal(s.y, y)


def test_labels_are_cast_to_int64(tmp_path, no_torchvision):
    x, y = _arrays(5)
    save_npz_atomic(str(tmp_path / "cifar10" / "test.npz"), x, y.astype(np.int32))
    s = load_split("cifar10", "test", root=str(tmp_path), allow_download=False)
    assert s.y.dtype == np.int64 and np.array_equal(s.y, y)


def test_pieces_concatenated_in_order(tmp_path, no_torchvision):
    folder = tmp_path / "cifar10"
    x, y = _arrays(30)
    # written out of order on purpose: order is by piece number, not creation
    save_npz_atomic(str(folder / "train-01.npz"), x[10:20], y[10:20])
    save_npz_atomic(str(folder / "train-02.npz"), x[20:], y[20:])
    save_npz_atomic(str(folder / "train-00.npz"), x[:10], y[:10])
    s = load_split("cifar10", "train", root=str(tmp_path), allow_download=False)
    assert np.array_equal(s.x, x) and np.array_equal(s.y, y)
    assert not s.partial


def test_full_file_wins_over_pieces(tmp_path, no_torchvision):
    folder = tmp_path / "cifar10"
    x, y = _arrays(12)
    save_npz_atomic(str(folder / "train.npz"), x, y)
    save_npz_atomic(str(folder / "train-00.npz"), x[:3], y[:3])
    s = load_split("cifar10", "train", root=str(tmp_path), allow_download=False)
    assert len(s.y) == 12


def test_full_test_wins_over_subset(tmp_path, no_torchvision):
    folder = tmp_path / "cifar10"
    x, y = _arrays(40)
    save_npz_atomic(str(folder / "test.npz"), x, y)
    save_npz_atomic(str(folder / "test-subset.npz"), x[:10], y[:10])
    s = load_split("cifar10", "test", root=str(tmp_path), allow_download=True)
    assert len(s.y) == 40 and not s.partial
    assert np.array_equal(s.x, x)
    assert no_torchvision == []


def test_subset_only_is_partial(tmp_path, no_torchvision):
    x, y = _arrays(10)
    save_npz_atomic(str(tmp_path / "cifar10" / "test-subset.npz"), x, y)
    s = load_split("cifar10", "test", root=str(tmp_path), allow_download=False)
    assert s.partial
    assert np.array_equal(s.x, x) and np.array_equal(s.y, y)
    assert "first 10 images only" in s.description
    assert "test-subset.npz" in s.description
    # the subset comes last: torchvision on disk was tried first, a download was not (disabled)
    assert [c[3] for c in no_torchvision] == [False]


def test_unavailable_names_folder_and_repro_data(tmp_path, monkeypatch, no_torchvision):
    monkeypatch.setenv("REPRO_DATA", str(tmp_path))
    with pytest.raises(DatasetUnavailable) as exc:
        load_split("cifar10", "train", allow_download=False)
    msg = str(exc.value)
    assert os.path.join(str(tmp_path), "cifar10") in msg
    assert "REPRO_DATA" in msg
    assert "train-subset.npz" in msg
    assert isinstance(exc.value, RuntimeError)
    assert all(not c[3] for c in no_torchvision)  # download disabled: never requested
    assert _files(tmp_path) == []


def test_unavailable_with_explicit_root(tmp_path, monkeypatch, no_torchvision):
    monkeypatch.setenv("REPRO_DATA", str(tmp_path / "env-root"))
    root = tmp_path / "elsewhere"
    with pytest.raises(DatasetUnavailable) as exc:
        load_split("mnist", "test", root=str(root), allow_download=False)
    msg = str(exc.value)
    assert os.path.join(str(root), "mnist") in msg
    assert "REPRO_DATA" in msg and str(tmp_path / "env-root") in msg  # says what REPRO_DATA was
    assert not root.exists()


def test_read_only_root_creates_nothing(tmp_path, no_torchvision, read_only):
    root = tmp_path / "ro"
    root.mkdir()
    read_only(root)
    with pytest.raises(DatasetUnavailable) as exc:
        load_split("cifar10", "train", root=str(root), allow_download=True)
    assert _files(root) == [] and os.listdir(root) == []
    # a read-only root is never downloaded into, even with the download allowed
    assert all(not c[3] for c in no_torchvision)
    assert "is not writable" in str(exc.value)


def test_read_only_root_with_subset_creates_nothing(tmp_path, no_torchvision, read_only):
    root = tmp_path / "ro"
    x, y = _arrays(8)
    save_npz_atomic(str(root / "cifar10" / "test-subset.npz"), x, y)
    before = _files(root)
    read_only(root, root / "cifar10")
    s = load_split("cifar10", "test", root=str(root), allow_download=True)
    assert s.partial and len(s.y) == 8
    assert _files(root) == before
    assert all(not c[3] for c in no_torchvision)


def test_torchvision_on_disk_under_read_only_root_is_not_cached(tmp_path, monkeypatch, read_only):
    x, y = _arrays(6)
    calls = []

    def on_disk(name, split, root, download):
        calls.append(download)
        if download:
            raise AssertionError("download requested into a read-only root")
        return x, y

    monkeypatch.setattr(data, "_torchvision_arrays", on_disk)
    root = tmp_path / "ro"
    root.mkdir()
    read_only(root)
    s = load_split("cifar10", "train", root=str(root), allow_download=True)
    assert np.array_equal(s.x, x) and not s.partial
    assert calls == [False]
    assert _files(root) == []


def test_torchvision_on_disk_converted_once_to_cache(tmp_path, monkeypatch):
    x, y = _arrays(6)
    calls = []

    def on_disk(name, split, root, download):
        calls.append(download)
        return x, y

    monkeypatch.setattr(data, "_torchvision_arrays", on_disk)
    s = load_split("cifar100", "test", root=str(tmp_path), allow_download=False)
    assert np.array_equal(s.x, x) and s.num_classes == 100
    assert _files(tmp_path) == [str(tmp_path / "cifar100" / "test.npz")]
    s2 = load_split("cifar100", "test", root=str(tmp_path), allow_download=False)
    assert calls == [False]  # second load reads the cache
    assert np.array_equal(s2.x, x) and np.array_equal(s2.y, y)


def test_download_tried_only_when_allowed_and_writable(tmp_path, no_torchvision):
    with pytest.raises(DatasetUnavailable):
        load_split("cifar10", "train", root=str(tmp_path), allow_download=True)
    assert [c[3] for c in no_torchvision] == [False, True]
    assert _files(tmp_path) == []


@pytest.mark.parametrize("name,split", [("imagenet", "train"), ("cifar10", "val"), ("mnist", "")])
def test_unknown_dataset_or_split(tmp_path, no_torchvision, name, split):
    with pytest.raises(ValueError):
        load_split(name, split, root=str(tmp_path), allow_download=False)
    assert no_torchvision == []


# ---------------------------------------------------------------------------
# balanced_subset
# ---------------------------------------------------------------------------

def _labels_1000():
    return np.random.RandomState(0).permutation(np.repeat(np.arange(10), 100)).astype(np.int64)


def test_balanced_subset_per_class_sorted_and_seeded():
    y = _labels_1000()
    idx = balanced_subset(y, 100, seed=0)
    assert len(idx) == 100 and len(np.unique(idx)) == 100
    assert np.all(np.diff(idx) > 0)
    assert np.array_equal(np.bincount(y[idx], minlength=10), np.full(10, 10))
    assert np.array_equal(balanced_subset(y, 100, seed=0), idx)
    assert not np.array_equal(balanced_subset(y, 100, seed=1), idx)


def test_balanced_subset_remainder_to_lowest_classes():
    y = _labels_1000()
    idx = balanced_subset(y, 13, seed=0)
    assert np.array_equal(np.bincount(y[idx], minlength=10), [2, 2, 2, 1, 1, 1, 1, 1, 1, 1])


def test_balanced_subset_n_at_least_len_returns_all():
    y = _labels_1000()
    assert np.array_equal(balanced_subset(y, 1000), np.arange(1000))
    assert np.array_equal(balanced_subset(y, 5000), np.arange(1000))


# ---------------------------------------------------------------------------
# Normalization
# ---------------------------------------------------------------------------

def _nchw(x_nhwc):
    return torch.from_numpy(x_nhwc).permute(0, 3, 1, 2)


def test_channel_normalization_by_hand():
    # two 1x1 images: channel values 0/255, 51/153, 102/204
    x = np.array([[[[0, 51, 102]]], [[[255, 153, 204]]]], dtype=np.uint8)
    norm = Normalization.fit(x, "channel")
    torch.testing.assert_close(norm.mean.flatten(), torch.tensor([0.5, 0.4, 0.6]))
    torch.testing.assert_close(norm.std.flatten(), torch.tensor([0.5, 0.2, 0.2]))
    z = norm(_nchw(x))
    assert z.shape == (2, 3, 1, 1)
    torch.testing.assert_close(z.flatten(1), torch.tensor([[-1.0, -1.0, -1.0], [1.0, 1.0, 1.0]]))


def test_channel_normalization_statistics():
    rng = np.random.RandomState(0)
    x = np.stack([rng.randint(0, 100, (64, 8, 8)), rng.randint(50, 256, (64, 8, 8)),
                  rng.randint(200, 230, (64, 8, 8))], axis=-1).astype(np.uint8)
    z = Normalization.fit(x, "channel")(_nchw(x))
    assert z.dtype == torch.float32 and z.shape == (64, 3, 8, 8)
    torch.testing.assert_close(z.mean(dim=(0, 2, 3)), torch.zeros(3), rtol=0, atol=1e-4)
    torch.testing.assert_close(z.std(dim=(0, 2, 3), unbiased=False), torch.ones(3), rtol=0, atol=1e-4)


def test_pixel_normalization_subtracts_per_pixel_mean():
    rng = np.random.RandomState(1)
    x = rng.randint(0, 256, (32, 6, 5, 3)).astype(np.uint8)
    x[:, 0, 0, :] = 200  # one pixel far from the channel mean
    norm = Normalization.fit(x, "pixel")
    assert norm.mean.shape == (1, 3, 6, 5)
    z = norm(_nchw(x))
    torch.testing.assert_close(z.mean(dim=0), torch.zeros(3, 6, 5), rtol=0, atol=1e-5)
    # no scaling: differences between images are kept in [0, 1] units
    diff = (x[0].astype(np.float32) - x[1].astype(np.float32)) / 255
    torch.testing.assert_close(z[0] - z[1], torch.from_numpy(diff).permute(2, 0, 1), rtol=0, atol=1e-5)
    torch.testing.assert_close(z[:, :, 0, 0], torch.zeros(32, 3), rtol=0, atol=1e-6)


def test_unknown_normalization_raises():
    with pytest.raises(ValueError):
        Normalization.fit(np.zeros((2, 2, 2, 3), np.uint8), "zca")


# ---------------------------------------------------------------------------
# random_crop_flip
# ---------------------------------------------------------------------------

def _pattern(n=256, c=3, h=12, w=12):
    # every value distinct and non-zero, so each crop offset / flip is identifiable
    return torch.arange(1, n * c * h * w + 1, dtype=torch.float32).view(n, c, h, w)


def _identify(x, out, pad):
    """For each image, the (dy, dx, flipped) candidates that reproduce it exactly
    (brute force over all (2 pad + 1)^2 offsets and both orientations; numpy
    for speed)."""
    n, _, h, w = x.shape
    xp = F.pad(x, (pad, pad, pad, pad)).numpy()  # zero padding
    o = out.numpy()
    o_mirror = o[..., ::-1]
    found = [[] for _ in range(n)]
    for dy in range(2 * pad + 1):
        for dx in range(2 * pad + 1):
            crop = xp[:, :, dy:dy + h, dx:dx + w]
            plain = (o == crop).reshape(n, -1).all(1)
            mirror = (o_mirror == crop).reshape(n, -1).all(1)  # out is the mirror of this crop
            for i in np.flatnonzero(plain).tolist():
                found[i].append((dy, dx, False))
            for i in np.flatnonzero(mirror).tolist():
                found[i].append((dy, dx, True))
    return found


def test_random_crop_flip_is_a_padded_crop_or_its_mirror():
    x = _pattern()
    out = random_crop_flip(x, torch.Generator().manual_seed(0), pad=4)
    assert out.shape == x.shape and out.dtype == x.dtype
    found = _identify(x, out, 4)
    assert all(len(f) == 1 for f in found), "every image must be exactly one crop/flip of its padded input"
    dys = {f[0][0] for f in found}
    dxs = {f[0][1] for f in found}
    flips = [f[0][2] for f in found]
    # all 9 offsets per axis occur over 256 images (a missing one has probability ~1e-13)
    assert dys == set(range(9)) and dxs == set(range(9))
    assert 0.3 < np.mean(flips) < 0.7
    assert len({f[0] for f in found}) > 40


def test_random_crop_flip_same_seed_same_output():
    x = _pattern(64)
    a = random_crop_flip(x, torch.Generator().manual_seed(5))
    b = random_crop_flip(x, torch.Generator().manual_seed(5))
    c = random_crop_flip(x, torch.Generator().manual_seed(6))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_random_crop_without_flip_never_mirrors():
    x = _pattern(64)
    out = random_crop_flip(x, torch.Generator().manual_seed(0), pad=2, flip=False)
    found = _identify(x, out, 2)
    assert all(len(f) == 1 and f[0][2] is False for f in found)
    assert torch.equal(random_crop_flip(x, torch.Generator().manual_seed(0), pad=0, flip=False), x)


# ---------------------------------------------------------------------------
# DeviceData.batches
# ---------------------------------------------------------------------------

def _identity_norm(c=3):
    return Normalization(torch.zeros(1, c, 1, 1), torch.ones(1, c, 1, 1))


def _device_data(n=23, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randint(0, 256, (n, 4, 5, 3)).astype(np.uint8)
    y = np.arange(n, dtype=np.int64)  # unique labels identify each example
    split = Split("cifar10", "train", x, y, source="test")
    return x, DeviceData.from_split(split, None, _identity_norm(), "cpu")


def test_batches_cover_every_example_once_when_shuffled():
    x, dd = _device_data()
    assert len(dd) == 23
    gen = torch.Generator().manual_seed(0)
    batches = list(dd.batches(5, shuffle=True, generator=gen))
    assert [len(yb) for _, yb in batches] == [5, 5, 5, 5, 3]
    assert [tuple(xb.shape) for xb, _ in batches] == [(5, 3, 4, 5)] * 4 + [(3, 3, 4, 5)]
    labels = torch.cat([yb for _, yb in batches])
    assert sorted(labels.tolist()) == list(range(23))
    assert labels.tolist() != list(range(23))  # actually shuffled
    # each input still belongs to its label
    for xb, yb in batches:
        for xi, yi in zip(xb, yb):
            expected = torch.from_numpy(x[yi.item()]).permute(2, 0, 1).float() / 255
            torch.testing.assert_close(xi, expected, rtol=0, atol=1e-7)
    # a second epoch is another order, still complete
    labels2 = torch.cat([yb for _, yb in dd.batches(5, shuffle=True, generator=gen)])
    assert sorted(labels2.tolist()) == list(range(23)) and labels2.tolist() != labels.tolist()


def test_batches_in_order_and_drop_last():
    _, dd = _device_data()
    ordered = [yb.tolist() for _, yb in dd.batches(10)]
    assert ordered == [list(range(10)), list(range(10, 20)), [20, 21, 22]]
    dropped = [len(yb) for _, yb in dd.batches(10, shuffle=True, drop_last=True,
                                                 generator=torch.Generator().manual_seed(0))]
    assert dropped == [10, 10]


def test_batches_apply_normalisation():
    x = np.zeros((2, 2, 2, 3), np.uint8)
    x[0, 0, 0, 0] = 255
    x[1, 1, 1, 2] = 51
    split = Split("cifar10", "train", x, np.array([0, 1], np.int64), source="test")
    (xb, _), = DeviceData.from_split(split, None, _identity_norm(), "cpu").batches(2)
    assert xb.dtype == torch.float32 and xb.shape == (2, 3, 2, 2)
    assert xb[0, 0, 0, 0].item() == 1.0
    assert xb[1, 2, 1, 1].item() == pytest.approx(0.2)
    assert xb.sum().item() == pytest.approx(1.2)
    # mean 0.5, std 0.25: 255 -> 2, 0 -> -2
    norm = Normalization(torch.full((1, 3, 1, 1), 0.5), torch.full((1, 3, 1, 1), 0.25))
    (xb, _), = DeviceData.from_split(split, None, norm, "cpu").batches(2)
    assert xb[0, 0, 0, 0].item() == pytest.approx(2.0)
    assert xb[0, 1, 0, 0].item() == pytest.approx(-2.0)


def test_from_split_with_indices_and_augment_shape():
    x, y = _arrays(30)
    split = Split("cifar10", "train", x, y, source="test")
    idx = np.array([3, 7, 11])
    dd = DeviceData.from_split(split, idx, _identity_norm(), "cpu", augment=True)
    assert dd.augment and len(dd) == 3
    assert dd.y.tolist() == [3, 7, 1]
    assert torch.equal(dd.x[1], torch.from_numpy(x[7]).permute(2, 0, 1))
    (xb, _), = dd.batches(3, augment=True, generator=torch.Generator().manual_seed(0))
    assert xb.shape == (3, 3, 32, 32)


# ---------------------------------------------------------------------------
# load_task
# ---------------------------------------------------------------------------

@pytest.fixture
def task_root(tmp_path, monkeypatch, no_torchvision):
    x, y = _arrays(200, seed=0)
    save_npz_atomic(str(tmp_path / "cifar10" / "train.npz"), x, y)
    xt, yt = _arrays(50, seed=1)
    save_npz_atomic(str(tmp_path / "cifar10" / "test-subset.npz"), xt, yt)
    monkeypatch.setenv("REPRO_DATA", str(tmp_path))
    return tmp_path


def test_load_task_partial_test_noted(task_root):
    before = _files(task_root)
    task = load_task(DataSpec("cifar10", augment=False), "cpu")
    assert len(task.train) == 200 and len(task.test) == 50 and task.num_classes == 10
    assert not task.train.augment and not task.test.augment
    partial = [n for n in task.notes if "50" in n and "test" in n and "not available" in n]
    assert len(partial) == 1
    assert not any("subset of" in n for n in task.notes)
    assert _files(task_root) == before


def test_load_task_train_subset(task_root):
    task = load_task(DataSpec("cifar10", train_size=100, augment=True), "cpu")
    assert len(task.train) == 100
    assert np.array_equal(np.bincount(task.train.y.numpy(), minlength=10), np.full(10, 10))
    assert task.train.augment and not task.test.augment
    assert any("100" in n and "200" in n and "subset" in n for n in task.notes)
    assert any("not available" in n and "test" in n for n in task.notes)
    # normalisation fitted on the training subset: its channel means are ~0
    xb = torch.cat([xb for xb, _ in task.train.batches(100)])
    torch.testing.assert_close(xb.mean(dim=(0, 2, 3)), torch.zeros(3), rtol=0, atol=1e-4)


def test_load_task_test_subset(task_root):
    task = load_task(DataSpec("cifar10", test_size=20), "cpu")
    assert len(task.test) == 20
    assert np.array_equal(np.bincount(task.test.y.numpy(), minlength=10), np.full(10, 2))
    assert any("20" in n and "50" in n and n.startswith("test") for n in task.notes)


def test_load_task_train_size_not_smaller_than_split_adds_no_subset_note(task_root):
    task = load_task(DataSpec("cifar10", train_size=500, augment=False), "cpu")
    assert len(task.train) == 200
    assert not any(n.startswith("train") and "subset" in n for n in task.notes), task.notes


# ---------------------------------------------------------------------------
# the torchvision download (stubbed: tests/conftest.py)
# ---------------------------------------------------------------------------


def test_check_available_downloads_into_a_writable_root_and_converts_once(tmp_path, stub_download, capsys):
    from reproduce.data import check_available
    root = tmp_path / "data"
    check_available("cifar10", "train", root=str(root))
    check_available("cifar10", "test", root=str(root))
    assert stub_download["calls"] == [str(root)]  # one download: the archive holds both splits
    assert "downloading cifar10 into" in capsys.readouterr().err
    tr = load_split("cifar10", "train", root=str(root), allow_download=False)
    te = load_split("cifar10", "test", root=str(root), allow_download=False)
    assert tr.x.shape == (300, 32, 32, 3) and tr.x.dtype == np.uint8 and te.x.shape == (100, 32, 32, 3)
    assert tr.source.endswith("train.npz") and not tr.partial  # now read from the cache
    assert list(tr.y[:11]) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]


def test_offline_download_is_one_clear_line_naming_the_folder(tmp_path, stub_download):
    from reproduce.data import check_available
    stub_download["online"] = False
    root = tmp_path / "data"
    with pytest.raises(DatasetUnavailable) as exc:
        check_available("cifar10", "train", root=str(root))
    msg = str(exc.value)
    assert "\n" not in msg and str(root) in msg and "cifar10/train.npz" in msg and "cifar-10-batches-py/" in msg
    assert "URLError" in msg and "not writable" not in msg  # the folder is writable: the download failed
    assert stub_download["calls"] == [str(root)]
    with pytest.raises(DatasetUnavailable) as exc:  # offline: not tried again by the same process
        check_available("cifar10", "test", root=str(root))
    assert stub_download["calls"] == [str(root)] and "not tried again" in str(exc.value)
