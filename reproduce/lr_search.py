"""The CReLU paper's learning-rate rule (Experiments): "The default initial
learning rate is 0.1, but we decrease it by half until training is feasible
when the initial rate is too high."

"Feasible" is the suite's one convergence criterion
(reproduce.critical_depth.converged: not diverged, final training accuracy
>= 1.5 x chance). The rule runs once per seed: each seed halves its own
learning rate, 0.1, 0.05, 0.025, ..., until its run converges, and its
result is that run (`n/c` when none of the allowed halvings converges).
So a seed is one whole replicate of the paper's protocol: the records of
one seed alone give that seed's answer (the rate it settled, its error),
exactly what `SEEDS=<that seed>` alone would train and report, and on the
records of every seed a table reports the median over seeds (the paper:
"the median of 5 runs"). Every rate tried and its outcome is recorded, so a
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
    try (in order) and its seeds (one search of the rates per seed)."""
    row: str
    column: str
    make_cell: Callable[[float, int], object]
    lrs: tuple[float, ...]
    seeds: tuple[int, ...]
    num_classes: int = 10


@dataclass
class Settled:
    """The search of one seed."""
    seed: int
    lr: float | None                                   # None: no rate was feasible
    tried: list[tuple[float, str]] = field(default_factory=list)  # (lr, outcome) of every rate tried
    pairs: list = field(default_factory=list)          # (cell, record) of every rate tried, in order

    @property
    def final(self) -> tuple:
        """(cell, record) of the run at the settled rate, or of the last rate tried when none was feasible."""
        return self.pairs[-1]

    def evidence(self) -> str:
        tried = ", ".join(f"{lr:g}: {outcome}" for lr, outcome in self.tried)
        return (f"lr settled at {self.lr:g}" if self.lr is not None else "no feasible lr") + f" (tried {tried})"


def evidence(settled: list[Settled]) -> str:
    """The rates tried by each seed: as Settled.evidence for one seed, prefixed by the seed for several."""
    if len(settled) == 1:
        return settled[0].evidence()
    return "; ".join(f"seed {st.seed}: {st.evidence()}" for st in settled)


def _outcome(rec: dict, num_classes: int) -> tuple[bool, str]:
    r = rec.get("result") if rec else None
    if r is None:
        raise KeyError(rec.get("reason") if rec else "missing")
    if r["status"] != "ok":
        return False, r["status"]
    acc = r.get("final_train_acc")
    ok = converged(r, num_classes)
    return ok, f"{'ok' if ok else 'not converged'}, train acc {100 * acc:.0f}%"


def settle_seed(search: LRSearch, seed: int, run) -> Settled:
    """Halve `seed`'s learning rate until its run is feasible. `run(cells) -> {hash: record}` trains or reuses
    cells; KeyError when a record is missing (data absent, or not among the records replayed)."""
    out = Settled(seed, None)
    for lr in search.lrs:
        cell = search.make_cell(lr, seed)
        rec = run([cell])[cell.hash]
        ok, detail = _outcome(rec, search.num_classes)
        out.pairs.append((cell, rec))
        out.tried.append((lr, detail))
        if ok:
            out.lr = lr
            break
    return out


def settle(search: LRSearch, run) -> list[Settled]:
    """The search of every seed of `search`, in seed order; KeyError when one is incomplete."""
    return [settle_seed(search, s, run) for s in search.seeds]


def all_cells(searches: list[LRSearch]) -> list:
    """Every cell the searches could need: the cost upper bound."""
    return [s.make_cell(lr, seed) for s in searches for lr in s.lrs for seed in s.seeds]


def execute_lr_searches(searches: list[LRSearch], run) -> list:
    """Run every seed's search (one whose data is missing stays incomplete); the (cell, record) pairs used."""
    pairs, seen = [], set()
    for s in searches:
        for seed in s.seeds:
            try:
                settled = settle_seed(s, seed, run)
            except KeyError:
                continue
            for c, r in settled.pairs:
                if c.hash not in seen:
                    seen.add(c.hash)
                    pairs.append((c, r))
    return pairs


def replay(searches: list[LRSearch], pairs: list) -> dict[tuple[str, str], list[Settled]]:
    """{(row, column): [Settled of each seed whose records are all in `pairs`]} (no training); a configuration
    none of whose seeds is complete is left out. On the records of one seed (the harness checks claims per
    seed on them), every configuration holds that seed's search alone."""
    out = {}
    run = lookup(pairs)
    for s in searches:
        done = []
        for seed in s.seeds:
            try:
                done.append(settle_seed(s, seed, run))
            except KeyError:
                continue
        if done:
            out[(s.row, s.column)] = done
    return out


def lr_search_values(searches: list[LRSearch], pairs: list, value: Callable, not_converged: str = "n/c",
                     describe: Callable | None = None, aggregate: str = "median") -> list[Value]:
    """One Value per configuration: for each seed, `value(cell, result)` at its settled rate, or `not_converged`
    for a seed none of whose rates was feasible."""
    out = []
    for (row, col), settled in replay(searches, pairs).items():
        vals, extra = [], set()
        for st in settled:
            if st.lr is None:
                vals.append(not_converged)
                continue
            c, r = st.final
            vals.append(value(c, r["result"]))
            if describe:
                extra.add(describe(c, r["result"]))
        ev = evidence(settled) + (f"; {'; '.join(sorted(extra))}" if extra else "")
        out.append(Value(row, col, vals, evidence=ev, aggregate=aggregate))
    return out
