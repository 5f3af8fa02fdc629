"""How a cell's network is built, initialised and trained (or measured): the
one routine every executor calls (reproduce.executors). Part of the code
fingerprint (reproduce.cells): a change here can change a result."""
from __future__ import annotations

import dataclasses

import torch

from models import build_model
from models.init import DATA_INITS, InitRecord, initialize

from .cells import Cell
from .data import DATASETS, IMAGE_SHAPES, load_task
from .train import RunOptions, train

_TASKS: dict = {}


INIT_KEYS = ("init", "init_gain", "init_batch", "init_k", "init_fc_k", "init_fc_std")  # Cell.model keys about init
CONVINIT_KEYS = {"init_k": "k", "init_fc_k": "fc_k", "init_fc_std": "fc_std"}  # -> models.init.convinit_


def build_cell_model(cell: Cell, task=None, device: str = "cpu",
                     initialise: bool = True) -> tuple[torch.nn.Module, InitRecord | None]:
    """The network of `cell` on `device`, initialised as the cell says. A
    data-driven init (LSUV) takes its mini-batches of `init_batch` images
    from the task's training split, normalised, not augmented, a fresh one
    at every trial, through permutations seeded by the cell's seed
    (mini_batches). Without a task a data-driven init is skipped;
    `initialise=False` skips every init (shape-only uses, e.g. timing a step)."""
    kwargs = cell.model_kwargs
    kwargs.setdefault("in_channels", IMAGE_SHAPES[cell.data.name][0])
    init = {k: kwargs.pop(k) for k in INIT_KEYS if k in kwargs}
    kwargs.setdefault("num_classes", DATASETS[cell.data.name][0])
    model = build_model(kwargs.pop("arch"), **kwargs).to(device)
    scheme = init.get("init") if initialise else None
    if scheme is None or (scheme in DATA_INITS and task is None):
        return model, None
    batches, size = None, None
    if scheme in DATA_INITS:
        gen = torch.Generator(device=task.train.device).manual_seed(cell.seed)
        size = min(init.get("init_batch") or cell.train.batch_size, len(task.train))
        batches = mini_batches(task.train, size, gen)
    options = {arg: init[key] for key, arg in CONVINIT_KEYS.items() if key in init}
    record = initialize(model, scheme, batches, gain=init.get("init_gain", 1.0), **options)
    record.batch_size = size
    return model, record


def mini_batches(split, size: int, generator: torch.Generator):
    """A callable returning the next mini-batch of `size` normalised, unaugmented images of `split`, through
    passes shuffled by `generator` (full batches only; a new pass when one runs out): a data-driven init's
    fresh mini-batch per trial (LSUV's Algorithm 1). Its first batch is the first `size` images of the first
    permutation."""
    stream = iter(())

    def next_batch() -> torch.Tensor:
        nonlocal stream
        xb = next(stream, None)
        if xb is None:
            stream = (x for x, _ in split.batches(size, shuffle=True, augment=False, generator=generator,
                                                  drop_last=True))
            xb = next(stream)
        return xb
    return next_batch


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


