"""Accuracy tables, the same for every paper: a trained cell's final test
accuracy, or the paper's literal for a network that did not converge (the
suite's one criterion, reproduce.critical_depth.converged), gathered into
one Value per (row, column) of a table layout, one entry per seed."""
from __future__ import annotations

import math
import statistics
from typing import Callable

from .critical_depth import converged
from .data import DATASETS
from .experiment import Cell
from .report import as_number
from .targets import Value, layout_records


def final_accuracy(cell: Cell, result: dict, not_converged: str = "-"):
    """Final test accuracy in %, or `not_converged` (NG writes '-', LSUV 'n/c') when the run did not converge."""
    if not converged(result, DATASETS[cell.data.name][0]):
        return not_converged
    return 100 * result["final_test_acc"]


def training_outcome(result: dict) -> str:
    """'diverged', or the final training accuracy: why a cell did or did not converge."""
    acc = result.get("final_train_acc")
    if result["status"] != "ok" or acc is None:
        return result["status"]
    return f"final train acc {100 * acc:.1f}%"


def accuracy_values(layout, describe: Callable[[Cell, dict], str], not_converged: str = "-",
                    transform: Callable[[str, object], object] | None = None):
    """values(pairs) of an accuracy table. `describe(cell, result)` is the evidence text; `transform(column,
    value)` may turn an accuracy into what the column reports (e.g. an error rate)."""
    def values(pairs: list[tuple[Cell, dict]]) -> list[Value]:
        grouped: dict[tuple, tuple[list, list]] = {}
        for row, col, cell, r in layout_records(layout, pairs):
            v = final_accuracy(cell, r, not_converged)
            if transform is not None and not isinstance(v, str):
                v = transform(col, v)
            g = grouped.setdefault((row, col), ([], []))
            g[0].append(v)
            g[1].append(describe(cell, r))
        return [Value(row, col, vals, evidence="; ".join(sorted(set(ev)))) for (row, col), (vals, ev) in grouped.items()]
    return values


def rank(v) -> float:
    """An accuracy for comparisons: a literal ('-', 'n/c') or a missing value ranks below every number."""
    return float(v) if v is not None and not isinstance(v, str) else -math.inf


def converges(v) -> bool:
    """A reproduced table value is a number (not '-', 'n/c' or missing)."""
    return v is not None and not isinstance(v, str)


def converged_seeds_mean(v) -> float | None:
    """A competitor's accuracy to beat, the worst case for a claim that the method wins: the number; for a value
    mixed over seeds ('-/88.04', 'n/c/90.0/90.0') the mean of the seeds that converged; None where no seed
    converged or nothing was run."""
    if converges(v):
        return float(v)
    nums = [n for n in map(as_number, str(v).split("/")) if n is not None] if isinstance(v, str) else []
    return statistics.fmean(nums) if nums else None


def worst_case_lead(ahead, behind) -> float:
    """How far `ahead` is above `behind` (points), at the worst case over seeds for a claim that `ahead` leads:
    -inf unless `ahead` converged on every seed (a run that did not converge leads nothing); +inf where no seed of
    `behind` converged (it ranks below every converged run); else `ahead` minus the mean of `behind`'s converged
    seeds (converged_seeds_mean). Callers compare it with their margin (> 0: above; >= -1: within 1 pp)."""
    if not converges(ahead):
        return -math.inf
    beat = converged_seeds_mean(behind)
    return math.inf if beat is None else float(ahead) - beat



def common_level(chance: float, finals) -> float:
    """Half-way from chance to the lower of two runs' final accuracies (fractions): a level both runs reach, so
    the epochs each needs to reach it compare their speed, not which ends higher (LSUV Figure 3, ConvInit's
    convergence speed)."""
    return chance + (min(finals) - chance) / 2


def epochs_to_reach(curve: list, level: float) -> int | None:
    """The first epoch (1-based: curve[0] is after epoch 1) whose accuracy is at least `level`; None if none is
    (an epoch without a value, None, does not reach it)."""
    return next((epoch for epoch, acc in enumerate(curve, 1) if acc is not None and acc >= level), None)
