"""Which seeds a cell is trained under.

Every paper module names its default seeds per scale: the paper's own count
(one run, seed 0; the CReLU paper's medians of five runs). ``SEEDS=<list>``
(make) or ``--seeds <list>`` (python -m reproduce) replaces them on every
target: ``SEEDS=0,1,2`` trains each cell under seeds 0, 1 and 2, ``SEEDS=917``
under the single seed 917. Tables then show mean ± std and n, and every
claim is also checked on each seed alone ("PASS in k of n seeds").

What a seed changes (reproduce.cell_run, reproduce.train): the weight
initialization (torch.manual_seed(seed) before the model is built and
initialized, incl. the batch a data-driven init such as LSUV sees), the
order of the training data and every random augmentation (a generator
seeded with it). What it does not change: the class-balanced subset of a
reduced scale, which is part of the dataset (DataSpec.subset_seed, 0 for
every seed), so that seeds differ in training and not in the data.
"""
from __future__ import annotations

import os

ENV = "SEEDS"


def parse_seeds(text: str) -> tuple[int, ...]:
    """'0,1,2' -> (0, 1, 2); ValueError (one line) for anything that is not a comma-separated list of
    distinct non-negative integers."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        out = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"SEEDS / --seeds must be a comma-separated list of integers, e.g. 0,1,2 (got {text!r})") \
            from None
    if any(s < 0 for s in out) or len(set(out)) != len(out):
        raise ValueError(f"SEEDS / --seeds must be distinct non-negative integers (got {text!r})")
    return out


def seeds(default: tuple[int, ...]) -> tuple[int, ...]:
    """The seeds to train under: $SEEDS when set (the command line sets it from --seeds), else `default`
    (the paper module's count for the scale)."""
    text = os.environ.get(ENV, "").strip()
    return parse_seeds(text) if text else tuple(default)
