"""Augmentations beyond crop + flip, as batched tensor ops on the training
device (the ConvInit paper's Tables 1-3 use them). Named in
``DataSpec.extra_augment`` and applied by ``DeviceData.batches`` in this order:

- ``autoaugment``: AutoAugment's CIFAR-10 policy (Cubuk et al. 2019),
  torchvision's implementation, on the uint8 images before normalisation
  and before crop + flip. torchvision draws one sub-policy per call, so the
  batch is split into groups of ``AUTOAUGMENT_GROUP`` images, each with its
  own draw (one call per group, not per image: a recorded deviation from a
  per-image draw).
- ``cutout<N>``: Cutout (DeVries & Taylor 2017): one N x N square per image,
  centre uniform over the image (the square may be clipped at the border),
  set to 0 in the normalised image (the mean pixel); N = 16 for CIFAR-10, 8
  for CIFAR-100 in that paper.
- ``erasing``: random erasing (Zhong et al. 2020), torchvision's defaults:
  with probability 0.5 a rectangle of area 2-33 % of the image and aspect
  ratio 0.3-3.3 (log-uniform) set to 0 in the normalised image. A rectangle
  that does not fit is clipped to the image (torchvision retries up to 10
  times instead).

Mixup (Zhang et al. 2018) mixes labels too, so it lives in the training step
(TrainSpec.mixup_alpha, reproduce.train).
"""
from __future__ import annotations

import math

import numpy as np
import torch

AUTOAUGMENT_GROUP = 8


def check_names(names: tuple[str, ...]) -> None:
    for n in names:
        if n in ("autoaugment", "erasing") or (n.startswith("cutout") and n[6:].isdigit()):
            continue
        raise ValueError(f"unknown augmentation {n!r}; known: autoaugment, cutout<N>, erasing")


def autoaugment(x_uint8: torch.Tensor, group: int = AUTOAUGMENT_GROUP) -> torch.Tensor:
    """AutoAugment CIFAR-10 policy on a uint8 NCHW batch, one policy draw per group of images."""
    from torchvision.transforms import v2

    policy = v2.AutoAugment(v2.AutoAugmentPolicy.CIFAR10)
    return torch.cat([policy(chunk) for chunk in x_uint8.split(group)])


def _box_mask(n: int, h: int, w: int, top: torch.Tensor, left: torch.Tensor, bh: torch.Tensor, bw: torch.Tensor,
              device) -> torch.Tensor:
    """(n, 1, h, w) boolean mask, True inside each image's box [top, top + bh) x [left, left + bw)."""
    rows = torch.arange(h, device=device).view(1, h, 1)
    cols = torch.arange(w, device=device).view(1, 1, w)
    inside = ((rows >= top.view(-1, 1, 1)) & (rows < (top + bh).view(-1, 1, 1))
              & (cols >= left.view(-1, 1, 1)) & (cols < (left + bw).view(-1, 1, 1)))
    return inside.unsqueeze(1)


def cutout(x: torch.Tensor, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Zero one size x size square per image (centre uniform over the image, clipped at the border)."""
    n, _, h, w = x.shape
    cy = torch.randint(0, h, (n,), device=x.device, generator=generator)
    cx = torch.randint(0, w, (n,), device=x.device, generator=generator)
    top, left = cy - size // 2, cx - size // 2
    side = torch.full((n,), size, device=x.device)
    return x.masked_fill(_box_mask(n, h, w, top, left, side, side, x.device), 0.0)


def random_erasing(x: torch.Tensor, generator: torch.Generator | None = None, p: float = 0.5,
                   scale: tuple = (0.02, 0.33), ratio: tuple = (0.3, 3.3)) -> torch.Tensor:
    """Random erasing with torchvision's default parameters, all images at once (see the module doc)."""
    n, _, h, w = x.shape
    dev = x.device
    u = torch.rand(n, 4, device=dev, generator=generator)
    area = h * w * (scale[0] + (scale[1] - scale[0]) * u[:, 0])
    aspect = torch.exp(math.log(ratio[0]) + (math.log(ratio[1]) - math.log(ratio[0])) * u[:, 1])
    bh = torch.sqrt(area * aspect).round().clamp(1, h).long()
    bw = torch.sqrt(area / aspect).round().clamp(1, w).long()
    top = ((h - bh + 1) * u[:, 2]).floor().long()
    left = ((w - bw + 1) * u[:, 3]).floor().long()
    erase = torch.rand(n, device=dev, generator=generator) < p
    mask = _box_mask(n, h, w, top, left, bh, bw, dev) & erase.view(-1, 1, 1, 1)
    return x.masked_fill(mask, 0.0)


def mixup_batch(x: torch.Tensor, alpha: float, generator: torch.Generator | None = None):
    """Mixup: (lam x + (1 - lam) x[perm], perm, lam) with lam ~ Beta(alpha, alpha), one lam per batch (Zhang et
    al. 2018's implementation). The loss is lam CE(y) + (1 - lam) CE(y[perm])."""
    seed = int(torch.randint(0, 2 ** 31 - 1, (1,), generator=generator,
                             device=generator.device if generator is not None else "cpu"))
    lam = float(np.random.default_rng(seed).beta(alpha, alpha))
    perm = torch.randperm(len(x), device=x.device, generator=generator)
    return lam * x + (1 - lam) * x[perm], perm, lam
