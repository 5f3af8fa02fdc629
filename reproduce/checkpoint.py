"""Per-cell training checkpoints at epoch granularity.

After every epoch the trainer (reproduce.train.train) saves everything the
rest of the run depends on: model and optimizer state, the learning-rate
schedule's state, the data generator's and torch's RNG states, the history
and counters. A cell whose worker was killed or preempted resumes from its
last finished epoch; on the deterministic CPU path the resumed run ends with
the same numbers as an uninterrupted one (tests/test_scale_out.py). The file
lives next to the cell's result, ``<hash>.ckpt``, and is removed once the
result is written. It is written atomically (temp file + rename), so a kill
during the save leaves the previous checkpoint.
"""
from __future__ import annotations

import contextlib
import os

import torch

from .atomic import atomic_write


def save_checkpoint(path: str, state: dict) -> None:
    atomic_write(path, lambda fh: torch.save(state, fh), binary=True)


def load_checkpoint(path: str | None, tag: str, spec: dict) -> dict | None:
    """The checkpoint at `path` if it was written for this `tag` (the code
    version) and this training spec; None when absent, unreadable or another
    run's."""
    if not path or not os.path.exists(path):
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception:  # truncated or from an incompatible torch: start afresh
        return None
    if state.get("tag") != tag or state.get("spec") != spec:
        return None
    return state


def remove_checkpoint(path: str | None) -> None:
    if path:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
