"""Datasets by name, resolved under $REPRO_DATA, held on the training device.

Resolution order for ``load_split(name, split)`` (DESIGN.md, "Data"):

1. the compact cache ``<root>/<name>/<split>.npz`` (arrays ``x`` uint8 NHWC,
   ``y`` int64), or its pieces ``<split>-00.npz``, ``-01``, ... concatenated;
2. the torchvision dataset already on disk under ``<root>``;
3. a torchvision download into ``<root>`` when ``<root>`` is writable and the
   network allows; 2 and 3 are converted once into the cache of 1;
4. ``<root>/<name>/<split>-subset.npz``: real but partial; the returned
   ``Split`` says so (``partial=True``) and every output must repeat it;
5. otherwise ``DatasetUnavailable``, naming every place looked at.

``<root>`` is ``$REPRO_DATA``, default ``./data``. Nothing is written under
``<root>`` except the one-time conversion of a fresh download.

Training batches come from ``DeviceData``: the split as one uint8 tensor on
the training device; crop, flip and normalisation are batched tensor ops.
"""
from __future__ import annotations

import contextlib
import glob
import os
import socket
import stat
import sys
import tempfile
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .augment import autoaugment, check_names, cutout, random_erasing

DATASETS = {  # name -> (number of classes, splits)
    "cifar10": (10, ("train", "test")),
    "cifar100": (100, ("train", "test")),
    "svhn": (10, ("train", "test")),
    "mnist": (10, ("train", "test")),
    "imagenet": (1000, ("train", "test")),  # image folders under $REPRO_IMAGENET (reproduce/folder_data.py)
}
SPLIT_SIZES = {"cifar10": (50000, 10000), "cifar100": (50000, 10000), "svhn": (73257, 26032),
               "mnist": (60000, 10000), "imagenet": (1281167, 50000)}
IMAGE_SHAPES = {"cifar10": (3, 32, 32), "cifar100": (3, 32, 32), "svhn": (3, 32, 32), "mnist": (1, 28, 28),
                "imagenet": (3, 224, 224)}


TORCHVISION_FILES = {"cifar10": "cifar-10-batches-py/", "cifar100": "cifar-100-python/",
                     "svhn": "svhn/<split>_32x32.mat", "mnist": "MNIST/raw/"}  # what torchvision reads under a root


_FAILED_DOWNLOADS: dict = {}  # (dataset, root) -> why its download failed in this process


class DatasetUnavailable(RuntimeError):
    """A dataset split is neither cached, nor on disk, nor downloadable."""


def data_root() -> str:
    return os.environ.get("REPRO_DATA", "./data")


@dataclass
class Split:
    """One split of a dataset as numpy arrays (x uint8 NHWC, y int64)."""
    name: str
    split: str
    x: np.ndarray
    y: np.ndarray
    source: str
    partial: bool = False
    num_classes: int = 10

    @property
    def description(self) -> str:
        n = len(self.y)
        if self.partial:
            return f"{self.name} {self.split}: the first {n:,} images only ({self.source})"
        return f"{self.name} {self.split}: {n:,} images"


def _read_npz(files: list[str]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for f in files:
        with np.load(f) as z:
            xs.append(z["x"])
            ys.append(z["y"])
    return np.concatenate(xs), np.concatenate(ys).astype(np.int64)


def _writable(directory: str) -> bool:
    """True if we may create files in `directory` (or its nearest existing parent).
    A folder without write bits counts as read-only even for root."""
    d = os.path.abspath(directory)
    while not os.path.exists(d):
        d = os.path.dirname(d)
    mode = os.stat(d).st_mode
    return os.access(d, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def save_npz_atomic(path: str, x: np.ndarray, y: np.ndarray) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".npz.tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, x=x, y=y)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)


def _torchvision_arrays(name: str, split: str, root: str, download: bool) -> tuple[np.ndarray, np.ndarray]:
    import torchvision.datasets as tvd

    train = split == "train"
    if name in ("cifar10", "cifar100"):
        cls = tvd.CIFAR10 if name == "cifar10" else tvd.CIFAR100
        ds = cls(root, train=train, download=download)
        return np.asarray(ds.data, dtype=np.uint8), np.asarray(ds.targets, dtype=np.int64)
    if name == "svhn":
        ds = tvd.SVHN(os.path.join(root, "svhn"), split=split, download=download)
        return np.ascontiguousarray(ds.data.transpose(0, 2, 3, 1)), np.asarray(ds.labels, dtype=np.int64)
    if name == "mnist":
        ds = tvd.MNIST(root, train=train, download=download)
        return ds.data.numpy()[..., None].astype(np.uint8), ds.targets.numpy().astype(np.int64)
    raise ValueError(name)


def load_split(name: str, split: str, root: str | None = None, allow_download: bool = True) -> Split:
    """Resolve `name`/`split` (see module docstring for the order)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    if name == "imagenet":
        raise ValueError("imagenet is streamed from image folders under $REPRO_IMAGENET (reproduce/folder_data.py), "
                         "not loaded as arrays")
    num_classes, splits = DATASETS[name]
    if split not in splits:
        raise ValueError(f"unknown split {split!r} of {name}; known: {', '.join(splits)}")
    root = root or data_root()
    folder = os.path.join(root, name)
    tried = []

    full = os.path.join(folder, f"{split}.npz")
    pieces = sorted(glob.glob(os.path.join(folder, f"{split}-[0-9][0-9].npz")))
    files = [full] if os.path.exists(full) else pieces
    tried.append(f"{full} (or {split}-NN.npz pieces)")
    if files:
        x, y = _read_npz(files)
        return Split(name, split, x, y, source=", ".join(files), num_classes=num_classes)

    for download in (False, True):
        if download and not allow_download:
            tried.append("torchvision download: not attempted (disabled)")
            continue
        if download and not _writable(root):
            tried.append(f"torchvision download: not attempted ({os.path.abspath(root)} is not writable)")
            continue
        if download and (name, os.path.abspath(root)) in _FAILED_DOWNLOADS:
            tried.append(f"torchvision download into {root}: {_FAILED_DOWNLOADS[name, os.path.abspath(root)]} "
                         "(earlier in this process; not tried again)")
            continue
        if download:
            print(f"downloading {name} into {os.path.abspath(root)} (torchvision), converted once into "
                  f"{os.path.join(folder, '<split>.npz')}", file=sys.stderr, flush=True)
        try:
            old = socket.getdefaulttimeout()
            socket.setdefaulttimeout(30)
            try:
                x, y = _torchvision_arrays(name, split, root, download)
            finally:
                socket.setdefaulttimeout(old)
        except Exception as e:  # torchvision raises RuntimeError / URLError / OSError
            if download:  # offline: one attempt per dataset and process (a firewall can make each one take 30 s)
                _FAILED_DOWNLOADS[name, os.path.abspath(root)] = f"failed ({type(e).__name__}: {str(e)[:120]})"
            tried.append(f"torchvision download into {root} failed ({type(e).__name__}: {str(e)[:120]})" if download
                         else f"torchvision's {TORCHVISION_FILES[name]} under {root}: absent")
            continue
        if _writable(folder):
            save_npz_atomic(full, x, y)
        return Split(name, split, x, y, source=f"torchvision under {root}", num_classes=num_classes)

    subset = os.path.join(folder, f"{split}-subset.npz")
    tried.append(subset)
    if os.path.exists(subset):
        x, y = _read_npz([subset])
        return Split(name, split, x, y, source=subset, partial=True, num_classes=num_classes)

    raise DatasetUnavailable(
        f"{name} {split} unavailable: put {name}/{split}.npz (arrays x uint8 NHWC, y int64) or torchvision's "
        f"{TORCHVISION_FILES[name]} in {os.path.abspath(root)}, or set REPRO_DATA to a folder that has them, or allow "
        f"the download (network, writable folder). REPRO_DATA={os.environ.get('REPRO_DATA', '(unset, default ./data)')}"
        "; looked at: " + "; ".join(tried))


IMAGENET_HELP = ("ImageNet (ILSVRC-2012) is not available: set REPRO_IMAGENET to a folder holding train/ and val/ "
                 "class-per-folder trees (torchvision ImageFolder layout)")


def check_available(name: str, split: str, root: str | None = None, allow_download: bool = True) -> None:
    """Raise DatasetUnavailable if `name`/`split` cannot be loaded; cheap when
    the cache files exist (nothing is read). Otherwise it is resolved as
    load_split does: torchvision's files on disk, else a download into the
    root when it is writable and the network allows (torchvision's progress
    bar), converted once into the cache. "imagenet" is looked for under
    $REPRO_IMAGENET only (never downloaded)."""
    if name == "imagenet":
        folder = os.environ.get("REPRO_IMAGENET", "")
        sub = "train" if split == "train" else "val"
        if not folder or not os.path.isdir(os.path.join(folder, sub)):
            raise DatasetUnavailable(IMAGENET_HELP + (f" (no {sub}/ in {folder!r})" if folder else " (REPRO_IMAGENET unset)"))
        return
    folder = os.path.join(root or data_root(), name)
    if (os.path.exists(os.path.join(folder, f"{split}.npz")) or glob.glob(os.path.join(folder, f"{split}-[0-9][0-9].npz"))
            or os.path.exists(os.path.join(folder, f"{split}-subset.npz"))):
        return
    load_split(name, split, root, allow_download=allow_download)


def balanced_subset(y: np.ndarray, n: int, seed: int = 0, num_classes: int | None = None) -> np.ndarray:
    """Indices of a class-balanced subset of `n` examples (n / classes per
    class; the remainder to the lowest class ids), fixed by `seed`, in
    original order."""
    num_classes = num_classes or int(y.max()) + 1
    if n >= len(y):
        return np.arange(len(y))
    rng = np.random.RandomState(seed)
    per, extra = divmod(n, num_classes)
    chosen = []
    for c in range(num_classes):
        idx = np.flatnonzero(y == c)
        k = min(len(idx), per + (1 if c < extra else 0))
        chosen.append(rng.choice(idx, size=k, replace=False))
    return np.sort(np.concatenate(chosen))


@dataclass(frozen=True)
class DataSpec:
    """What a training cell needs from the data; part of the cell config."""
    name: str = "cifar10"
    train_size: int | None = None       # class-balanced subset of the train split
    test_size: int | None = None        # class-balanced subset of the test split
    augment: bool = True                # He et al. 2016: pad 4, random 32 crop, h-flip
    crop_pad: int = 4                   # augmentation: random shifts of up to this many pixels
    extra_augment: tuple[str, ...] = ()  # reproduce.augment: "autoaugment", "cutout<N>", "erasing"
    crop: int = 224                     # image folders (imagenet): side of the crop fed to the network
    resize: int = 256                   # image folders: short side the images are resized to first
    normalize: str = "channel"          # "channel": per-channel mean/std; "pixel": per-pixel mean; "pixel_std":
                                        # per-pixel mean and std; "unit": x/255
    subset_seed: int = 0


@dataclass
class Normalization:
    mean: torch.Tensor  # broadcastable to (N, C, H, W), in [0, 1] units
    std: torch.Tensor

    @staticmethod
    def fit(x_nhwc_uint8: np.ndarray, mode: str) -> "Normalization":
        x = torch.from_numpy(x_nhwc_uint8).permute(0, 3, 1, 2).float().div_(255)
        if mode == "channel":
            return Normalization(x.mean(dim=(0, 2, 3)).view(1, -1, 1, 1),
                                 x.std(dim=(0, 2, 3), unbiased=False).view(1, -1, 1, 1))
        if mode == "pixel":  # He et al. 2016: per-pixel mean subtracted, no scaling
            return Normalization(x.mean(dim=0, keepdim=True), torch.ones(1, x.shape[1], 1, 1))
        if mode == "pixel_std":  # per-pixel mean subtracted and per-pixel std divided (Ortho paper, 5.1)
            return Normalization(x.mean(dim=0, keepdim=True), x.std(dim=0, unbiased=False, keepdim=True).clamp_min(1e-6))
        if mode == "unit":  # pixel values scaled to [0, 1], nothing subtracted (Caffe's "scale" alone)
            return Normalization(torch.zeros(1, x.shape[1], 1, 1), torch.ones(1, x.shape[1], 1, 1))
        raise ValueError(f"unknown normalization {mode!r} (channel, pixel, pixel_std, unit)")

    def to(self, device) -> "Normalization":
        return Normalization(self.mean.to(device), self.std.to(device))

    def __call__(self, x_uint8: torch.Tensor) -> torch.Tensor:
        return (x_uint8.float().div_(255) - self.mean) / self.std


def random_crop_flip(x: torch.Tensor, generator: torch.Generator, pad: int = 4, flip: bool = True) -> torch.Tensor:
    """He et al. 2016 augmentation on a normalized float batch (N, C, H, W):
    zero-pad by `pad`, take a random H x W crop per image, flip half the
    images horizontally. All images at once, no Python loop over images."""
    n, c, h, w = x.shape
    dev = x.device
    xp = F.pad(x, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n,), device=dev, generator=generator)
    dx = torch.randint(0, 2 * pad + 1, (n,), device=dev, generator=generator)
    rows = (dy[:, None] + torch.arange(h, device=dev))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w, device=dev))[:, None, None, :]
    out = xp[torch.arange(n, device=dev)[:, None, None, None], torch.arange(c, device=dev)[None, :, None, None],
             rows, cols]
    if flip:
        mirror = torch.rand(n, device=dev, generator=generator) < 0.5
        out = torch.where(mirror[:, None, None, None], out.flip(3), out)
    return out


@dataclass
class DeviceData:
    """A split as one uint8 NCHW tensor on `device` plus labels, batched with
    on-device augmentation and normalisation."""
    x: torch.Tensor
    y: torch.Tensor
    norm: Normalization
    augment: bool = False  # He et al. 2016 crop + flip on every training batch
    crop_pad: int = 4      # the crop's zero padding: shifts of up to crop_pad pixels
    extra: tuple[str, ...] = ()  # further augmentations of training batches (reproduce.augment)

    @staticmethod
    def from_split(split: Split, idx: np.ndarray | None, norm: Normalization, device,
                   augment: bool = False, crop_pad: int = 4, extra: tuple[str, ...] = ()) -> "DeviceData":
        x, y = (split.x, split.y) if idx is None else (split.x[idx], split.y[idx])
        xt = torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2).contiguous().to(device)
        return DeviceData(xt, torch.from_numpy(y).to(device), norm.to(device), augment, crop_pad, tuple(extra))

    def __len__(self) -> int:
        return len(self.y)

    @property
    def device(self) -> torch.device:
        return self.x.device

    def batches(self, batch_size: int, *, shuffle: bool = False, augment: bool = False,
                generator: torch.Generator | None = None, drop_last: bool = False):
        """Yield (inputs float NCHW, labels) for one pass over the split."""
        n = len(self)
        order = torch.randperm(n, device=self.x.device, generator=generator) if shuffle else None
        stop = n - n % batch_size if drop_last else n
        for start in range(0, stop, batch_size):
            sl = slice(start, min(start + batch_size, n))
            idx = order[sl] if order is not None else sl
            xb = self.x[idx]
            if augment and "autoaugment" in self.extra:
                xb = autoaugment(xb)
            xb = self.norm(xb)
            if augment:
                xb = random_crop_flip(xb, generator, pad=self.crop_pad)
                for name in self.extra:
                    if name.startswith("cutout"):
                        xb = cutout(xb, int(name[6:]), generator)
                    elif name == "erasing":
                        xb = random_erasing(xb, generator)
            yield xb, self.y[idx]


@dataclass
class TaskData:
    train: DeviceData
    test: DeviceData
    num_classes: int
    notes: list[str]  # what every output that used this data must say


def load_task(spec: DataSpec, device) -> TaskData:
    """Train/test splits for a training cell, on `device`, per `spec`."""
    if spec.name == "imagenet":
        return load_folder_task(spec, device)
    train = load_split(spec.name, "train")
    test = load_split(spec.name, "test")
    notes = []
    tr_idx = balanced_subset(train.y, spec.train_size, spec.subset_seed, train.num_classes) \
        if spec.train_size and spec.train_size < len(train.y) else None
    te_idx = balanced_subset(test.y, spec.test_size, spec.subset_seed, test.num_classes) \
        if spec.test_size and spec.test_size < len(test.y) else None
    norm = Normalization.fit(train.x if tr_idx is None else train.x[tr_idx], spec.normalize)
    for s, idx in ((train, tr_idx), (test, te_idx)):
        if s.partial:
            notes.append(f"{s.split} on the first {len(s.y):,} official {s.name} {s.split} images "
                         f"(the full split is not available here)")
        if idx is not None:
            notes.append(f"{s.split}: class-balanced subset of {len(idx):,} of {len(s.y):,} images "
                         f"(seed {spec.subset_seed})")
    check_names(spec.extra_augment)
    return TaskData(DeviceData.from_split(train, tr_idx, norm, device, augment=spec.augment,
                                          crop_pad=spec.crop_pad, extra=spec.extra_augment),
                    DeviceData.from_split(test, te_idx, norm, device), train.num_classes, notes)


def load_folder_task(spec: DataSpec, device) -> TaskData:
    """ImageNet from image folders ($REPRO_IMAGENET/train, /val), streamed (reproduce/folder_data.py)."""
    from .folder_data import FolderData, imagenet_root

    for split in ("train", "test"):
        check_available("imagenet", split)
    root, notes, splits = imagenet_root(), [], []
    for sub, size, augment in (("train", spec.train_size, spec.augment), ("val", spec.test_size, False)):
        data = FolderData(os.path.join(root, sub), spec.crop, spec.resize, device, augment)
        if size and size < len(data):
            data.indices = balanced_subset(data.targets, size, spec.subset_seed, data.num_classes)
            notes.append(f"{sub}: class-balanced subset of {size:,} of {len(data.targets):,} images "
                         f"(seed {spec.subset_seed})")
        splits.append(data)
    notes.append(f"ImageNet from {root}: resize {spec.resize}, {spec.crop} x {spec.crop} crops, per-channel "
                 "mean/std normalisation")
    return TaskData(splits[0], splits[1], DATASETS["imagenet"][0], notes)  # 1000 outputs, whatever the folders
