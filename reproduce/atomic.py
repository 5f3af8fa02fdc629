"""Atomic file writes: readers see the old file or the whole new one, never
a partial one (a worker killed mid-write, many workers on one results
directory)."""
from __future__ import annotations

import contextlib
import os
import tempfile


def atomic_write(path: str, dump, binary: bool = False) -> None:
    """Write `path` by calling `dump(file)` on a temp file in the same folder, then renaming it over `path`."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w") as fh:
            dump(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
