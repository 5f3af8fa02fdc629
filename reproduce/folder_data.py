"""ImageNet-style data from image folders (torchvision ImageFolder layout:
``<root>/train/<class>/*.JPEG`` and ``<root>/val/<class>/*.JPEG``), found
through ``$REPRO_IMAGENET``. Too large to keep on the device, so it streams:
JPEG decoding and augmentation in DataLoader worker processes (one per CPU
core), batches moved to the device as they come. Same interface as
data.DeviceData (``batches``, ``augment``, ``device``, ``len``), so the one
training loop trains on it unchanged.

Preprocessing follows the BVLC Caffe models of the LSUV paper's ImageNet
figures: images resized to 256 on the short side, a random `crop` x `crop`
crop (227 for CaffeNet, 224 for GoogLeNet) and mirroring when training, the
centre crop when evaluating; per-channel ImageNet mean and std normalisation
(Caffe subtracted the mean image and did not divide by a std: recorded as a
deviation by the tables that use it).
"""
from __future__ import annotations

import os

import numpy as np
import torch

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def imagenet_root() -> str:
    return os.environ.get("REPRO_IMAGENET", "")


class FolderData:
    """One split of an image-folder dataset, batched by a DataLoader.

    Args:
        folder: the split's folder (class-per-subfolder).
        crop: side of the (random or centre) crop fed to the network.
        resize: short side the images are resized to first.
        device: where batches go.
        augment: random crop + mirror (training) instead of the centre crop.
        indices: a subset of the images (e.g. class-balanced), or None for all.
    """

    def __init__(self, folder: str, crop: int, resize: int, device, augment: bool, indices=None):
        from torchvision import datasets, transforms

        t = [transforms.Resize(resize)]
        t += [transforms.RandomCrop(crop), transforms.RandomHorizontalFlip()] if augment else [transforms.CenterCrop(crop)]
        t += [transforms.ToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)]
        self.dataset = datasets.ImageFolder(folder, transform=transforms.Compose(t))
        self.targets = np.asarray(self.dataset.targets, dtype=np.int64)
        self.indices = None if indices is None else np.asarray(indices)
        self.device = torch.device(device)
        self.augment = augment
        self.num_classes = len(self.dataset.classes)

    def __len__(self) -> int:
        return len(self.targets) if self.indices is None else len(self.indices)

    def batches(self, batch_size: int, *, shuffle: bool = False, augment: bool = False,
                generator: torch.Generator | None = None, drop_last: bool = False):
        """Yield (inputs float NCHW on the device, labels) for one pass. The augmentation is fixed by the
        split (`self.augment`), as the transforms run in the workers; `generator` seeds the order."""
        from torch.utils.data import DataLoader, Subset

        data = self.dataset if self.indices is None else Subset(self.dataset, self.indices.tolist())
        order = None
        if shuffle:
            seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator, device=generator.device).item()) \
                if generator is not None else None
            order = torch.Generator().manual_seed(seed) if seed is not None else None
        loader = DataLoader(data, batch_size=batch_size, shuffle=shuffle, generator=order, drop_last=drop_last,
                            num_workers=min(8, os.cpu_count() or 1), pin_memory=self.device.type == "cuda",
                            persistent_workers=False)
        for xb, yb in loader:
            yield xb.to(self.device, non_blocking=True), yb.to(self.device, non_blocking=True)
