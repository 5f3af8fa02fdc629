"""Scales, the runner and cost estimates.

Cells and the cache live in reproduce.cells (re-exported here), building
and running one cell in reproduce.cell_run, where cells are trained in
reproduce.executors. Re-running a target trains only what has no usable
result: a run killed midway resumes the cell it was training from its last
finished epoch (reproduce.checkpoint).

Which stored results the Runner uses (reproduce.cells.lookup):

- ``current`` (same config, dtype, device type and code fingerprint): reused;
- ``stale`` (trained by other code): at smoke retrained; at fast and paper
  shown, marked stale in the table, and retrained only when asked
  (``retrain_stale``: RETRAIN_STALE=1 / --retrain-stale), so that hours of
  GPU work are not thrown away by an edit that may not matter;
- ``other-run`` (another dtype or device type: another request): retrained;
- ``corrupt`` (unreadable file): reported and retrained.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field

import torch

from models import ng_relu_cpu
from models.init import DATA_INITS

from .cell_run import _TASKS, CONVINIT_KEYS, INIT_KEYS, build_cell_model, run_cell  # noqa: F401 (re-exported)
from .cells import (RESULTS_DIR, SCALES, Cell, CacheEntry, code_fingerprint, default_device,  # noqa: F401
                    git_commit, load_cached, lookup, non_default, run_key, write_json_atomic)
from .data import DATASETS, IMAGE_SHAPES, SPLIT_SIZES
from .executors import Sequential, pending_record
from .train import RunOptions, amp_enabled, device_name


class Runner:
    """Trains the cells a target needs, reusing cached results, through an
    executor (reproduce.executors: this process by default, or worker
    processes, or SLURM jobs).

    `train_fn(cell, opts)` is the trainer (tests substitute a stub)."""

    def __init__(self, opts: RunOptions, root: str | None = None, train_fn=None, progress: bool = True,
                 executor=None, retrain_stale: bool = False):
        self.opts = opts
        self.run_key = run_key(opts)
        self.root = root
        self.train_fn = train_fn or run_cell
        self.progress = progress
        self.executor = executor or Sequential()
        self.retrain_stale = retrain_stale
        self.trained = 0
        self.cached = 0
        self.stale: dict[str, str] = {}     # cell hash -> why: stale cells shown as they are (fast/paper)
        self.replaced: dict[str, str] = {}  # cell hash -> why a stored record was not reused and the cell retrained
        self.corrupt: dict[str, str] = {}   # cell hash -> which file was unreadable (also in replaced)

    def reuse(self, cell: Cell) -> tuple[dict | None, CacheEntry]:
        """(the stored record to use for `cell` or None to train it, the cache entry); see the module
        docstring for the policy. A stale record is returned with its reason under "stale"."""
        entry = lookup(cell, self.root, self.run_key)
        if entry.status == "current":
            return entry.record, entry
        if entry.status == "stale" and cell.scale != "smoke" and not self.retrain_stale:
            return dict(entry.record, stale=entry.reason), entry
        return None, entry

    def _use(self, cell: Cell) -> dict | None:
        """`reuse`, and note (and report on stdout) what was not current."""
        rec, entry = self.reuse(cell)
        if rec is not None and entry.status == "stale":
            self.stale[cell.hash] = entry.reason
        elif rec is None and entry.status in ("stale", "other-run", "corrupt"):
            if entry.status == "corrupt" and cell.hash not in self.corrupt:
                self.corrupt[cell.hash] = entry.reason
                print(f"corrupt result: {entry.reason}; {cell.label} is trained again", flush=True)
            self.replaced[cell.hash] = entry.reason
        return rec

    def run(self, cells: list[Cell]) -> dict[str, dict]:
        """Records by cell hash. A cell without a result maps to
        {"status": "not run" | "pending" | "failed", "reason": ...}: its data
        is missing, it is not finished yet (another worker, a queued SLURM
        job), or it failed twice (reproduce.executors)."""
        out: dict[str, dict] = {}
        todo = []
        for cell in cells:
            if cell.hash in out:
                continue
            rec = self._use(cell)
            if rec is not None:
                out[cell.hash] = rec
                self.cached += 1
            else:
                todo.append(cell)
                out[cell.hash] = None
        if todo:
            records = self._execute(todo)
            for cell in todo:
                out[cell.hash] = records[cell.hash]
                self.trained += bool(records[cell.hash].get("result"))
        return out

    def _execute(self, todo: list[Cell]) -> dict[str, dict]:
        from tqdm.auto import tqdm

        tty = sys.stderr.isatty()  # in a log file: a cells line every 30 s, no epoch bars
        bar = tqdm(total=len(todo), desc="cells", unit="cell", disable=not self.progress, dynamic_ncols=True,
                   mininterval=0.1 if tty else 30)
        epochs = []

        def before_cell(cell):
            if epochs:
                epochs.pop().close()
                bar.update(1)
            bar.set_postfix_str(cell.label)
            epochs.append(tqdm(total=cell.train.epochs, desc="  epochs", unit="ep", leave=False,
                               disable=not (self.progress and tty), dynamic_ncols=True))

        def on_epoch(epoch, row):
            if epochs:
                epochs[-1].set_postfix(loss=f"{row['train_loss']:.3f}", acc=f"{row['train_acc']:.3f}")
                epochs[-1].update(1)
        try:
            records = self.executor.run(todo, self.opts, self.root, self.train_fn, before_cell, on_epoch)
            bar.update(bar.total - bar.n)
            return records
        finally:
            for e in epochs:
                e.close()
            bar.close()

    def execute(self, execute_fn, scale: str) -> list[tuple]:
        """Run an adaptive target (Target.execute: critical-depth and
        learning-rate searches, whose next cell depends on finished ones).
        In this process: as it asks. With workers: in rounds; each round
        replays the target on what is finished, collects the cells it asks
        for next (one per independent search) as pending, and trains those
        in parallel; with SLURM one round is submitted and the pairs so far
        are returned."""
        if not self.executor.parallel:
            return execute_fn(self.run, scale)
        done: dict[str, dict] = {}
        while True:
            frontier: dict[str, Cell] = {}

            def probe(cells):
                out = {}
                for c in cells:
                    rec = done.get(c.hash) or self._use(c)
                    if rec is None:
                        frontier.setdefault(c.hash, c)
                        rec = pending_record(c, self.root)
                    out[c.hash] = rec
                return out
            pairs = execute_fn(probe, scale)
            if not frontier:
                return pairs
            done.update(self.run(list(frontier.values())))
            if not self.executor.waits:
                return execute_fn(probe, scale)


# ---------------------------------------------------------------- cost


@dataclass
class CostEstimate:
    seconds: float
    cells: int
    cached: int
    device: str
    per_model: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return (f"{format_seconds(self.seconds)} on {self.device} for {self.cells - self.cached} cells to train "
                f"({self.cached} of {self.cells} cached)")


def format_seconds(s: float) -> str:
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


SHAPE_FREE_KEYS = INIT_KEYS + ("t_init", "t_trainable")  # model options that do not change the step time
_STEP_REF: dict = {}  # family of networks, device, torch version -> (MACs, seconds per step), as measured


def step_times_path() -> str:
    """Measured step times persist here, so that `make list` measures each family once per machine."""
    return os.path.join(RESULTS_DIR, "step-times.json")


def _load_step_times() -> dict:
    try:
        with open(step_times_path()) as fh:
            return {k: tuple(v) for k, v in json.load(fh).items()}
    except (OSError, ValueError):
        return {}
_MACS: dict = {}


def _build(cell: Cell, device: str) -> tuple[torch.nn.Module, int]:
    return build_cell_model(cell, None, device, initialise=False)[0], DATASETS[cell.data.name][0]


def count_macs(model: torch.nn.Module, input_shape: tuple) -> int:
    """Multiply-accumulates of one forward pass of one example through the
    model's Conv2d and Linear layers."""
    total = 0

    def hook(m, inp, out):
        nonlocal total
        if isinstance(m, torch.nn.Conv2d):
            total += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        else:
            total += m.in_features * m.out_features
    hooks = [m.register_forward_hook(hook) for m in model.modules()
             if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    was_training = model.training
    model.eval()  # batch of one: BN must use its running statistics
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return total


CPU_TIMING_BATCH = 16  # off CUDA, a step is timed at this batch and scaled linearly to the cell's (make list)


def measure_step_seconds(cell: Cell, device: str, steps: int = 2) -> float:
    """Seconds of one training step of `cell`'s network at its batch size on
    `device`, on random inputs, through the trainer's own step (fast path,
    CUDA graph on CUDA). Measured once per family of networks that differ
    only in depth (the first one met), and scaled to other depths by their
    multiply-accumulate count, so that a grid of depths costs one timing.
    Off CUDA the step is timed at a batch of at most CPU_TIMING_BATCH and
    scaled linearly to the cell's batch: per image a CPU step costs about
    the same at any batch (a bit less at a larger one, so the estimate errs
    high), and timing an ImageNet ResNet at batch 256 would take minutes."""
    from .train import GraphedStep, make_optimizer, train_step

    shape = tuple((k, v) for k, v in cell.model if k not in SHAPE_FREE_KEYS)
    family = (tuple(kv for kv in shape if kv[0] != "depth"), cell.data.name, cell.train.batch_size, device)
    macs_key = (tuple(kv for kv in shape if kv[0] != "act"), cell.data.name)  # activations add no MACs
    if macs_key not in _MACS:
        _MACS[macs_key] = count_macs(_build(cell, "cpu")[0], IMAGE_SHAPES[cell.data.name])
    if not _STEP_REF:
        _STEP_REF.update(_load_step_times())
    batch = cell.train.batch_size if device.startswith("cuda") else min(cell.train.batch_size, CPU_TIMING_BATCH)
    how = [device_name(device), torch.__version__, batch,
           "bf16" if amp_enabled(torch.device(device), RunOptions(device)) else "fp32"]
    if dict(shape).get("act") == "ng-relu":  # its backward: fused on a CPU, or autograd ops (models.ng_relu_cpu)
        how.append(ng_relu_cpu.implementation(device))
    fkey = json.dumps([repr(family)] + how)
    if fkey not in _STEP_REF:
        model, classes = _build(cell, device)
        opts = RunOptions(device)
        if opts.channels_last:
            model = model.to(memory_format=torch.channels_last)
        # lr 0: the same arithmetic, but random data cannot push the weights of an uninitialised network into
        # overflow or denormals, which can make a CPU step a hundred times slower and the estimate meaningless
        opt = make_optimizer(model, dataclasses.replace(cell.train, lr=0.0))
        graphed = GraphedStep(model, opt, opts) if device.startswith("cuda") else None
        x = torch.randn(batch, *IMAGE_SHAPES[cell.data.name], device=device)
        y = torch.randint(0, classes, (batch,), device=device)
        times = []
        for _ in range(steps + 1):
            t0 = time.perf_counter()
            if graphed is not None:
                graphed(x, y, 0.0)
                torch.cuda.synchronize()
            else:
                train_step(model, opt, x, y, opts)
            times.append(time.perf_counter() - t0)
        _STEP_REF[fkey] = (_MACS[macs_key], sorted(times[1:])[len(times[1:]) // 2] * cell.train.batch_size / batch)
        with contextlib.suppress(OSError):
            write_json_atomic(step_times_path(), _STEP_REF)
    ref_macs, ref_seconds = _STEP_REF[fkey]
    return ref_seconds * _MACS[macs_key] / ref_macs


def estimate_cost(cells: list[Cell], device: str, root: str | None = None) -> CostEstimate:
    """Upper estimate of the wall time to train the uncached `cells` on
    `device`: measured step time x steps (epochs x batches per epoch), plus
    evaluation at about a third of a step per test batch of the same size.
    Cached = current for the default options on `device` (the CLI passes only the cells its Runner would train)."""
    key = run_key(RunOptions(device))
    total, cached, seen = 0.0, 0, set()
    for cell in cells:
        if cell.hash in seen:
            continue
        seen.add(cell.hash)
        if load_cached(cell, root, key) is not None:
            cached += 1
            continue
        n_train, n_test = SPLIT_SIZES[cell.data.name]
        n_train = min(n_train, cell.data.train_size or n_train)
        n_test = min(n_test, cell.data.test_size or n_test)
        step = measure_step_seconds(cell, device)
        if cell.job == "train":
            batches = math.ceil(n_train / cell.train.batch_size) + math.ceil(n_test / cell.train.batch_size) / 3
            total += step * batches * cell.train.epochs
        else:  # a measurement: its steps, plus a data-driven init: per weight layer about two forward passes
            # (a forward is about a third of a training step) that stop at that layer (half the network on average)
            data_init = dict(cell.model).get("init") in DATA_INITS
            layers = sum(isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)) for m in _build(cell, "cpu")[0].modules())
            total += step * (cell.train.max_steps + (layers / 3 if data_init else 1))
    return CostEstimate(total, len(seen), cached, device_name(device))
