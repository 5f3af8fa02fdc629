"""Cells, scales, the result cache and the runner.

A cell is one training run: a frozen config (model, data, optimisation,
seed, scale) whose stable hash names its result file
``results/<scale>/<paper>/<hash>.json``, written atomically (temp file +
rename). A cached result is reused only when its config and CODE_VERSION
both match, so re-running a target trains only the missing cells, and a run
killed midway resumes the cell it was training from its last finished
epoch (reproduce.executors, reproduce.checkpoint).
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

import torch

from models import build_model, ng_relu_cpu
from models.init import DATA_INITS, InitRecord, initialize

from .atomic import atomic_write
from .data import DATASETS, IMAGE_SHAPES, SPLIT_SIZES, DataSpec, load_task
from .train import RunOptions, TrainSpec, amp_enabled, device_name, train

# Bump when a change of the training code changes results: cached cells are
# then recomputed. (The git commit is recorded too, but does not invalidate.)
CODE_VERSION = "1"
SCALES = ("smoke", "fast", "paper")
RESULTS_DIR = os.environ.get("REPRO_RESULTS", "results")


@dataclass(frozen=True)
class Cell:
    """One network of a table: trained (job "train"), or built, initialised
    and measured by another job of reproduce.measure.JOBS (e.g. weight std at
    initialization). `label` is for humans and is not hashed: two tables that
    need the same run share its result.

    `model` holds models.build_model's arguments plus the initialization:
    "init" (a scheme of models.init), "init_gain" (a factor on it),
    "init_batch" (batch size for a data-driven init such as LSUV; default the
    training batch size) and, for the ConvInit schemes, "init_k", "init_fc_k",
    "init_fc_std" (models.init.convinit_)."""
    paper: str
    label: str
    model: tuple  # sorted (key, value) pairs for models.build_model
    data: DataSpec
    train: TrainSpec
    seed: int
    scale: str
    job: str = "train"

    @staticmethod
    def make(paper: str, label: str, model: dict, data: DataSpec, train: TrainSpec, seed: int, scale: str,
             job: str = "train") -> "Cell":
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}")
        return Cell(paper, label, tuple(sorted(model.items())), data, train, seed, scale, job)

    @property
    def model_kwargs(self) -> dict:
        return dict(self.model)

    def config(self) -> dict:
        """What the hash covers. Fields of the data and train specs that hold
        their default value are left out, so adding a new field with a default
        keeps existing results valid; changing a default needs a CODE_VERSION bump."""
        config = {"paper": self.paper, "model": self.model_kwargs, "data": non_default(self.data),
                  "train": non_default(self.train), "seed": self.seed, "scale": self.scale}
        if self.job != "train":
            config["job"] = self.job
        return config

    @property
    def hash(self) -> str:
        blob = json.dumps(self.config(), sort_keys=True, default=list)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def result_path(self, root: str | None = None) -> str:
        return os.path.join(root or RESULTS_DIR, self.scale, self.paper, f"{self.hash}.json")


def non_default(spec) -> dict:
    return {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)
            if f.default is dataclasses.MISSING or getattr(spec, f.name) != f.default}


def write_json_atomic(path: str, obj) -> None:
    """Write `obj` as JSON to `path` so that readers see the old file or the
    whole new one, never a partial one."""
    atomic_write(path, lambda fh: json.dump(obj, fh, indent=1, sort_keys=True, default=str))


def load_cached(cell: Cell, root: str | None = None) -> dict | None:
    """The stored record of `cell`, or None if absent, unreadable, from
    another CODE_VERSION, or for another config."""
    try:
        with open(cell.result_path(root)) as fh:
            rec = json.load(fh)
    except (OSError, ValueError):
        return None
    same_config = json.loads(json.dumps(cell.config(), default=list)) == rec.get("config")
    return rec if rec.get("code_version") == CODE_VERSION and same_config else None


OUTPUT_PATHS = (":!tables", ":!figures", ":!results")  # outputs: changing them does not make the code dirty


@functools.lru_cache(maxsize=None)
def git_commit() -> str:
    """Short commit of the working tree (+ "-dirty" when tracked files other than the outputs under tables/,
    figures/ and results/ differ from it), or $REPRO_COMMIT where
    there is no git checkout (e.g. a copy of the tree on a GPU machine).
    Read once, when the process first asks: the code it runs is that one,
    even if the tree changes while a long run goes on."""
    if os.environ.get("REPRO_COMMIT"):
        return os.environ["REPRO_COMMIT"]
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", *OUTPUT_PATHS],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return (sha + ("-dirty" if dirty else "")) or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def default_device() -> str:
    return os.environ.get("DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")


class Runner:
    """Trains the cells a target needs, reusing cached results, through an
    executor (reproduce.executors: this process by default, or worker
    processes, or SLURM jobs).

    `train_fn(cell, opts)` is the trainer (tests substitute a stub)."""

    def __init__(self, opts: RunOptions, root: str | None = None, train_fn=None, progress: bool = True,
                 executor=None):
        from .executors import Sequential

        self.opts = opts
        self.root = root
        self.train_fn = train_fn or run_cell
        self.progress = progress
        self.executor = executor or Sequential()
        self.trained = 0
        self.cached = 0

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
            rec = load_cached(cell, self.root)
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
        from .executors import pending_record

        if not self.executor.parallel:
            return execute_fn(self.run, scale)
        done: dict[str, dict] = {}
        while True:
            frontier: dict[str, Cell] = {}

            def probe(cells):
                out = {}
                for c in cells:
                    rec = done.get(c.hash) or load_cached(c, self.root)
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


_TASKS: dict = {}


INIT_KEYS = ("init", "init_gain", "init_batch", "init_k", "init_fc_k", "init_fc_std")  # Cell.model keys about init
CONVINIT_KEYS = {"init_k": "k", "init_fc_k": "fc_k", "init_fc_std": "fc_std"}  # -> models.init.convinit_


def build_cell_model(cell: Cell, task=None, device: str = "cpu",
                     initialise: bool = True) -> tuple[torch.nn.Module, InitRecord | None]:
    """The network of `cell` on `device`, initialised as the cell says. A
    data-driven init (LSUV) takes its batch from the task's training split:
    the first `init_batch` images of a permutation seeded by the cell's seed,
    normalised, not augmented. Without a task a data-driven init is skipped;
    `initialise=False` skips every init (shape-only uses, e.g. timing a step)."""
    kwargs = cell.model_kwargs
    kwargs.setdefault("in_channels", IMAGE_SHAPES[cell.data.name][0])
    init = {k: kwargs.pop(k) for k in INIT_KEYS if k in kwargs}
    kwargs.setdefault("num_classes", DATASETS[cell.data.name][0])
    model = build_model(kwargs.pop("arch"), **kwargs).to(device)
    scheme = init.get("init") if initialise else None
    if scheme is None or (scheme in DATA_INITS and task is None):
        return model, None
    batch = None
    if scheme in DATA_INITS:
        gen = torch.Generator(device=task.train.device).manual_seed(cell.seed)
        size = init.get("init_batch") or cell.train.batch_size
        batch, _ = next(task.train.batches(size, shuffle=True, augment=False, generator=gen))
    options = {arg: init[key] for key, arg in CONVINIT_KEYS.items() if key in init}
    record = initialize(model, scheme, batch, gain=init.get("init_gain", 1.0), **options)
    record.batch_size = None if batch is None else len(batch)
    return model, record


def run_cell(cell: Cell, opts: RunOptions) -> dict:
    """Build and initialise the network of `cell`, then train it (or run the
    cell's measurement job); the result record. Datasets loaded once per
    process and device."""
    from .measure import JOBS

    key = (cell.data, opts.device)
    if key not in _TASKS:
        task = load_task(cell.data, opts.device)  # raises DatasetUnavailable before the cached task is dropped
        _TASKS.clear()
        _TASKS[key] = task
    task = _TASKS[key]
    torch.manual_seed(cell.seed)
    model, init = build_cell_model(cell, task, opts.device)
    if cell.job == "train":
        result = train(model, task.train, task.test, cell.train, opts, seed=cell.seed, num_classes=task.num_classes)
    else:
        result = JOBS[cell.job](model, task, cell, opts)
    if init is not None:
        result["init"] = dataclasses.asdict(init)
        result["wall_time_s"] = result.get("wall_time_s", 0.0) + init.seconds  # the cell's time includes its init
    result["data_notes"] = task.notes
    return result


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
    evaluation at about a third of a step per test batch of the same size."""
    total, cached, seen = 0.0, 0, set()
    for cell in cells:
        if cell.hash in seen:
            continue
        seen.add(cell.hash)
        if load_cached(cell, root) is not None:
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
