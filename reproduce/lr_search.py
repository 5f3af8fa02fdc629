"""The CReLU paper's learning-rate rule (Experiments): "The default initial
learning rate is 0.1, but we decrease it by half until training is feasible
when the initial rate is too high."

"Feasible" is the suite's one convergence criterion
(reproduce.critical_depth.converged: not diverged, final training accuracy
>= 1.5 x chance), applied to the first seed: the first learning rate of
0.1, 0.05, 0.025, ... whose run converges is the settled one, and every
other seed trains at it. When none of the allowed halvings converges the
configuration is `n/c`. Every rate tried and its outcome is recorded, so a
table shows the evidence with the number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .critical_depth import converged, lookup
from .targets import Value


def halving_lrs(lr: float, halvings: int) -> tuple[float, ...]:
    """lr, lr/2, ..., lr/2**halvings."""
    return tuple(lr / 2 ** k for k in range(halvings + 1))


@dataclass
class LRSearch:
    """One configuration of a table: its (row, column), its cell for a (learning rate, seed), the rates it may
    try (in order) and its seeds."""
    row: str
    column: str
    make_cell: Callable[[float, int], object]
    lrs: tuple[float, ...]
    seeds: tuple[int, ...]
    num_classes: int = 10


@dataclass
class Settled:
    lr: float | None                                   # None: no rate was feasible
    tried: list[tuple[float, str]] = field(default_factory=list)  # (lr, outcome) of the first seed
    pairs: list = field(default_factory=list)          # (cell, record) of every run used

    @property
    def seed_pairs(self) -> list:
        """(cell, record) of every seed at the settled rate."""
        return [(c, r) for c, r in self.pairs if self.lr is not None and c.train.lr == self.lr]

    def evidence(self) -> str:
        tried = ", ".join(f"{lr:g}: {outcome}" for lr, outcome in self.tried)
        return (f"lr settled at {self.lr:g}" if self.lr is not None else "no feasible lr") + f" (tried {tried})"


def _outcome(rec: dict, num_classes: int) -> tuple[bool, str]:
    r = rec.get("result") if rec else None
    if r is None:
        raise KeyError(rec.get("reason") if rec else "missing")
    if r["status"] != "ok":
        return False, r["status"]
    acc = r.get("final_train_acc")
    ok = converged(r, num_classes)
    return ok, f"{'ok' if ok else 'not converged'}, train acc {100 * acc:.0f}%"


def settle(search: LRSearch, run) -> Settled:
    """Halve the first seed's learning rate until its run is feasible, then run the other seeds at that rate.
    `run(cells) -> {hash: record}` trains or reuses cells; KeyError when a record is missing (data absent)."""
    first, rest = search.seeds[0], search.seeds[1:]
    out = Settled(None)
    for lr in search.lrs:
        cell = search.make_cell(lr, first)
        rec = run([cell])[cell.hash]
        ok, detail = _outcome(rec, search.num_classes)
        out.pairs.append((cell, rec))
        out.tried.append((lr, detail))
        if ok:
            out.lr = lr
            break
    if out.lr is not None and rest:
        cells = [search.make_cell(out.lr, s) for s in rest]
        recs = run(cells)
        for c in cells:
            _outcome(recs[c.hash], search.num_classes)  # raises when missing
            out.pairs.append((c, recs[c.hash]))
    return out


def all_cells(searches: list[LRSearch]) -> list:
    """Every cell the searches could need: the cost upper bound."""
    return [s.make_cell(lr, seed) for s in searches for lr in s.lrs for seed in s.seeds]


def execute_lr_searches(searches: list[LRSearch], run) -> list:
    """Run every search (a search whose data is missing stays incomplete); the (cell, record) pairs used."""
    pairs, seen = [], set()
    for s in searches:
        try:
            settled = settle(s, run)
        except KeyError:
            continue
        for c, r in settled.pairs:
            if c.hash not in seen:
                seen.add(c.hash)
                pairs.append((c, r))
    return pairs


def replay(searches: list[LRSearch], pairs: list) -> dict[tuple[str, str], Settled]:
    """The Settled of every search whose records are all in `pairs` (no training)."""
    out = {}
    for s in searches:
        try:
            out[(s.row, s.column)] = settle(s, lookup(pairs))
        except KeyError:
            continue
    return out


def lr_search_values(searches: list[LRSearch], pairs: list, value: Callable, not_converged: str = "n/c",
                     describe: Callable | None = None, aggregate: str = "median") -> list[Value]:
    """One Value per search: `value(cell, result)` of each seed at the settled rate, or `not_converged`."""
    out = []
    for (row, col), st in replay(searches, pairs).items():
        if st.lr is None:
            out.append(Value(row, col, [not_converged], evidence=st.evidence(), aggregate=aggregate))
            continue
        seeds = st.seed_pairs
        vals = [value(c, r["result"]) for c, r in seeds]
        extra = "; ".join(sorted({describe(c, r["result"]) for c, r in seeds})) if describe else ""
        out.append(Value(row, col, vals, evidence=st.evidence() + (f"; {extra}" if extra else ""),
                         aggregate=aggregate))
    return out
