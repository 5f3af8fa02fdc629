"""Claim files: which worker trains which cell.

A results directory may be shared by many workers (processes on one
machine, SLURM tasks on a cluster with a shared file system). Before
training a cell a worker creates ``<hash>.claim`` next to the cell's
result with O_CREAT|O_EXCL, which exactly one creator wins, writes its
identity into it and touches it every HEARTBEAT_S seconds while it trains.
Another worker skips a cell whose claim is live. A claim is stale, and may
be taken over, when its owner is a process of this host that no longer
exists (a worker killed with SIGKILL), or when it has not been touched for
STALE_S seconds (a worker on another host that died; override with
$REPRO_CLAIM_STALE_S). Taking over is serialised by a second O_EXCL file,
``<hash>.claim.break``, so that two workers that both saw the same stale
claim cannot both win. A SLURM task about to be preempted and requeued
marks its claims "preempted" (`mark_preempted`): its requeued self takes
them over at once, and the interruption does not count as a failed attempt.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time

HEARTBEAT_S = 30.0
STALE_S = float(os.environ.get("REPRO_CLAIM_STALE_S", 600))
BREAK_STALE_S = 60.0  # a breaker that died between its two steps
HELD: set = set()  # the claims this process holds


def owner() -> dict:
    return {"host": socket.gethostname(), "pid": os.getpid(), "slurm_job": os.environ.get("SLURM_JOB_ID"),
            "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


def read_claim(path: str) -> dict | None:
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def is_stale(path: str, stale_s: float | None = None) -> bool:
    """True when the claim at `path` may be taken over (see module doc). A
    claim whose file is being written (empty or unreadable) is live unless
    it is old."""
    try:
        age = time.time() - os.stat(path).st_mtime
    except FileNotFoundError:
        return True
    info = read_claim(path)
    if info and info.get("host") == socket.gethostname() and not _pid_alive(int(info.get("pid", 0))):
        return True
    if info and info.get("preempted") and info.get("slurm_job") == os.environ.get("SLURM_JOB_ID"):
        return True  # our own task, requeued after preemption
    return age > (STALE_S if stale_s is None else stale_s)


class Claim:
    """The claim of one cell (``with`` releases it). `acquire()` is True when
    this process now owns it; `previous` then holds the identity of a stale
    owner that was taken over (its run crashed or was killed), else None."""

    def __init__(self, path: str, stale_s: float | None = None, heartbeat_s: float = HEARTBEAT_S):
        self.path, self.stale_s, self.heartbeat_s = path, stale_s, heartbeat_s
        self.previous = None
        self.held = False
        self._stop = threading.Event()
        self._thread = None

    def _create(self) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as fh:
            json.dump(owner(), fh)
        return True

    def _break_stale(self) -> None:
        """Remove the claim file if it is stale, one breaker at a time."""
        lock = self.path + ".break"
        with contextlib.suppress(FileNotFoundError):
            if time.time() - os.stat(lock).st_mtime > BREAK_STALE_S:
                os.remove(lock)
        try:
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            return  # another worker is breaking it
        try:
            if os.path.exists(self.path) and is_stale(self.path, self.stale_s):  # re-check under the lock
                self.previous = read_claim(self.path) or {"host": "?", "pid": "?"}
                os.remove(self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(lock)

    def acquire(self) -> bool:
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        if not self._create():
            if not is_stale(self.path, self.stale_s):
                return False
            self._break_stale()
            if not self._create():
                return False
        self.held = True
        HELD.add(self)
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, daemon=True)
        self._thread.start()
        return True

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            with contextlib.suppress(OSError):
                os.utime(self.path)

    def release(self) -> None:
        if not self.held:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if _ours(read_claim(self.path)):
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)
        self.held = False
        HELD.discard(self)

    def __enter__(self) -> "Claim":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _ours(info: dict | None) -> bool:
    return bool(info) and info.get("host") == socket.gethostname() and info.get("pid") == os.getpid()


def mark_preempted() -> None:
    """Flag every claim this process holds as preempted (see module doc)."""
    for claim in list(HELD):
        info = read_claim(claim.path)
        if _ours(info):
            with open(claim.path, "w") as fh:
                json.dump({**info, "preempted": True}, fh)


def live_claim(path: str, stale_s: float | None = None) -> dict | None:
    """The owner of a live claim at `path`, or None when unclaimed or stale."""
    if not os.path.exists(path) or is_stale(path, stale_s):
        return None
    return read_claim(path) or {}
