"""Critical depth: "the depth beyond which the model does not converge"
(NG paper, Tables 2, 5 and appendix Table 4), as one reusable search.

Convergence criterion (the same at every scale, and in README):
    a run CONVERGES if it did not diverge and its training accuracy in the
    last epoch is at least CONVERGENCE_FACTOR x chance (1.5 / classes, i.e.
    15 % on CIFAR-10); otherwise it does not converge.
A network that does not train stays at chance (10 %); one that trains
leaves it quickly, so the criterion separates the two well before the end
of training while staying far below any accuracy a trained model reaches.

Depths are those of the paper: 20, 32, 44, ... (steps of 12 layers). The
critical depth is the deepest depth that converges such that every
shallower depth tried converged too; `<20` (below the first depth) when the
first depth fails. Two modes:

- ``scan``   (the paper's): train the depths upward until the first failure.
- ``bisect``: assumes outcomes monotone in depth; tries the first and last
  depth of the grid, then bisects: about log2(len(grid)) + 2 runs.

Either way every depth tried and its outcome is recorded, so tables can show
the evidence and not only the number.

Bounds. A search whose deepest depth still converges reports that depth,
but the critical depth is only known to be at least that (a lower bound:
the search is *capped*); one whose first depth fails reports '<first depth'
(an upper bound: the *floor*). The floor is in the reported literal itself;
the cap is the extra value (row, column + CAP) = '>=depth' next to the
reported number, which stays a number so it is compared with a published
cap as a number (the NG paper's appendix Table 4 prints its 248-layer caps
as 248). A depth that converged with the next depth tried failing more
than the paper's 12 layers deeper (a grid coarser than the paper's, e.g.
the comparison's smoke grid 8, 14, 32) is *bracketed*: the critical depth
is anywhere in [depth, failure - 1]. Where a search is bracketed, or a
target ran several seeds, the extra value (row, column + RANGE) holds each
seed's range ('<14', '14', '14-31', '≥32'); claims compare their union
(the mean of critical depths is no critical depth; each seed alone is
checked as one search). Claims read all of these through `depth_range`
and compare ranges with `greater`, `at_least` and `equal`: True or False
only where every depth the ranges allow gives the same answer, None (n/a)
otherwise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

CONVERGENCE_FACTOR = 1.5
DEPTH_STEP = 12
MODES = ("scan", "bisect")
CAP = " (capped)"  # column suffix of the value that marks a capped search: its critical depth is a lower bound
# column suffix of the value that gives, per seed, the critical depths each search allows ('<14', '14', '14-31',
# '≥32'): written where a search is bracketed or several seeds ran; claims compare the union of these ranges
RANGE = " (range)"


def converged(result: dict, num_classes: int = 10) -> bool:
    """The suite's one convergence criterion (module docstring)."""
    if result.get("status") != "ok" or result.get("final_train_acc") is None:
        return False
    return result["final_train_acc"] >= CONVERGENCE_FACTOR / num_classes


def trained(train_acc_pct, num_classes: int = 10) -> bool:
    """The same criterion read off a claim's values: a (last-epoch, or where a table reports it, maximum)
    training accuracy in % of at least CONVERGENCE_FACTOR x chance (15 % on CIFAR-10); a missing or NaN
    accuracy is not trained. Claims whose sentence is about trained networks use it to leave a run that never
    left chance undecided."""
    return isinstance(train_acc_pct, (int, float)) and train_acc_pct >= trained_threshold(num_classes)


def trained_threshold(num_classes: int = 10) -> float:
    """CONVERGENCE_FACTOR x chance, in % of training accuracy."""
    return 100 * CONVERGENCE_FACTOR / num_classes


def depth_grid(first: int = 20, last: int = 248, step: int = DEPTH_STEP) -> list[int]:
    return list(range(first, last + 1, step))


@dataclass
class Search:
    mode: str
    grid: list[int]
    tried: list[tuple[int, bool, str]] = field(default_factory=list)  # (depth, converged, detail)

    @property
    def outcomes(self) -> dict[int, bool]:
        return {d: ok for d, ok, _ in self.tried}

    @property
    def critical(self) -> int | str:
        """The reported critical depth: a depth, or '<first depth>'."""
        ok = self.outcomes
        best = None
        for d in self.grid:
            if d not in ok:
                continue
            if not ok[d]:
                break
            best = d
        if self.mode == "bisect":  # under the monotone assumption: deepest success below the first failure
            fails = [d for d, c in ok.items() if not c]
            succ = [d for d, c in ok.items() if c and (not fails or d < min(fails))]
            best = max(succ) if succ else None
        return best if best is not None else f"<{self.grid[0]}"

    @property
    def capped(self) -> bool:
        return self.critical == self.grid[-1]

    @property
    def bracket(self) -> int | None:
        """The shallowest failed depth above the reported critical depth where it lies more than DEPTH_STEP (the
        paper's 12 layers: "the model depth was gradually increased by integral multiples of 12 layers") above
        it: the critical depth is then only known to be in [critical, bracket - 1], which a grid coarser than
        the paper's (e.g. the comparison's smoke grid 8, 14, 32) cannot narrow. None where the grid resolves it as the paper's does,
        or for a capped search or a floor."""
        c = self.critical
        if isinstance(c, str) or self.capped:
            return None
        above = [d for d, ok in self.outcomes.items() if not ok and d > c]
        return min(above) if above and min(above) - c > DEPTH_STEP else None

    @property
    def range_literal(self) -> str:
        """The critical depths this search allows, as one literal: '<14' (floor), '≥32' (capped), '14-31'
        (bracketed), or '14' (exact)."""
        c = self.critical
        if isinstance(c, str):
            return c
        if self.capped:
            return f"≥{c}"
        return f"{c}-{self.bracket - 1}" if self.bracket is not None else f"{c}"

    @property
    def monotone(self) -> bool:
        """False if a deeper network converged where a shallower one did not."""
        seen_fail = False
        for d in sorted(self.outcomes):
            if not self.outcomes[d]:
                seen_fail = True
            elif seen_fail:
                return False
        return True

    def evidence(self) -> str:
        tried = " ".join(f"{d}{'✓' if ok else '✗'}" for d, ok, _ in sorted(self.tried))
        extra = ", capped at the deepest depth tried" if self.capped else ""
        extra += "" if self.monotone else ", NOT monotone in depth"
        return f"{self.mode}: {tried}{extra}"


def search_critical_depth(outcome: Callable[[int], tuple[bool, str]], grid: list[int], mode: str = "scan") -> Search:
    """Run the search with `outcome(depth) -> (converged, detail)`, which
    trains (or looks up) one network."""
    if mode not in MODES:
        raise ValueError(f"unknown critical-depth mode {mode!r}; known: {', '.join(MODES)}")
    s = Search(mode, list(grid))

    def probe(d: int) -> bool:
        ok, detail = outcome(d)
        s.tried.append((d, bool(ok), detail))
        return bool(ok)

    if mode == "scan":
        for d in grid:
            if not probe(d):
                break
        return s
    lo, hi = 0, len(grid) - 1  # invariant: grid[lo] converges, grid[hi] fails (once probed)
    if not probe(grid[lo]):
        return s
    if hi == lo or probe(grid[hi]):
        return s
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if probe(grid[mid]):
            lo = mid
        else:
            hi = mid
    return s


def run_search(run, make_cell, grid: list[int], mode: str, num_classes: int = 10):
    """Search with real training: `make_cell(depth)` gives the cell of one
    depth, `run(cells) -> {hash: record}` trains or reuses it. Returns the
    Search and the (cell, record) pairs it used. With `run` a lookup into
    finished records, this replays a finished search without training."""
    pairs = []

    def outcome(depth: int) -> tuple[bool, str]:
        cell = make_cell(depth)
        rec = run([cell])[cell.hash]
        pairs.append((cell, rec))
        r = rec.get("result") if rec else None
        if r is None:
            raise KeyError(f"no result for depth {depth}: {rec.get('reason') if rec else 'missing'}")
        acc = r.get("final_train_acc")
        detail = r["status"] if r["status"] != "ok" else f"final train acc {acc:.3f}"
        return converged(r, num_classes), detail

    return search_critical_depth(outcome, grid, mode), pairs


def lookup(pairs):
    """A `run` for run_search that only reads finished records."""
    by_hash = {c.hash: r for c, r in pairs}
    return lambda cells: {c.hash: by_hash.get(c.hash) for c in cells}


@dataclass
class SearchSpec:
    """One critical-depth search of a table: its (row, column) in the
    published table and the cell of each depth."""
    row: str
    column: str
    make_cell: Callable[[int], object]
    grid: list[int]
    mode: str = "scan"


def all_cells(specs: list[SearchSpec]) -> list:
    """Every cell any search could need: the cost upper bound."""
    return [s.make_cell(d) for s in specs for d in s.grid]


def execute_searches(specs: list[SearchSpec], run) -> list:
    pairs = []
    for s in specs:
        try:
            pairs += run_search(run, s.make_cell, s.grid, s.mode)[1]
        except KeyError:  # a cell could not run (data missing): this search stays incomplete
            continue
    return pairs


def search_values(specs: list[SearchSpec], pairs: list) -> list:
    """Reproduced Values (critical depth + evidence) by replaying each search
    on finished records; a search with missing records is left out. Searches
    of the same (row, column) under several seeds (one search per seed) give
    one Value with one critical depth per seed, and the evidence of each; the
    value is capped (a lower bound) when any seed's search was."""
    from .targets import Value

    found: dict[tuple[str, str], list] = {}
    for s in specs:
        try:
            search, used = run_search(lookup(pairs), s.make_cell, s.grid, s.mode)
        except KeyError:
            continue
        found.setdefault((s.row, s.column), []).append((getattr(used[0][0], "seed", None) if used else None, search))
    out = []
    for (row, column), searches in found.items():
        several = len(searches) > 1
        evidence = "; ".join((f"seed {seed}: " if several else "") + search.evidence() for seed, search in searches)
        out.append(Value(row, column, [search.critical for _, search in searches], unit="layers", evidence=evidence))
        capped = [search for _, search in searches if search.capped]
        if capped:
            out.append(Value(row, column + CAP, [f"≥{search.critical}" for search in capped], unit="layers",
                             evidence=(f"the deepest depth of the grid converged on {len(capped)} of "
                                       f"{len(searches)} seeds: a lower bound" if several else
                                       f"the deepest depth of the grid ({capped[0].critical}) converged: a lower "
                                       "bound")))
        coarse = [(seed, search) for seed, search in searches if search.bracket is not None]
        if several or coarse:  # claims read the union of what each seed's search allows
            bracketed = "; ".join((f"seed {seed}: " if several else "") + f"converged at {search.critical}, failed "
                                  f"at {search.bracket}" for seed, search in coarse)
            out.append(Value(row, column + RANGE, [search.range_literal for _, search in searches], unit="layers",
                             aggregate="list",  # the seeds' ranges side by side ('20/32'), never their mean
                             evidence=(f"{bracketed}: the critical depth lies in between, which this grid cannot "
                                       f"narrow to the paper's {DEPTH_STEP} layers" if coarse else
                                       "the critical depths each seed's search allows")
                                      + ("; claims on the seeds together compare their union" if several else "")))
    return out


@dataclass(frozen=True)
class DepthRange:
    """The critical depths a reported value allows: [lo, hi] (inclusive; depths are whole layers)."""
    lo: float
    hi: float

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    def __str__(self) -> str:
        if self.exact:
            return f"{self.lo:.0f}"
        if math.isinf(self.hi):
            return f"≥{self.lo:.0f}"
        return f"<{self.hi + 1:.0f}" if math.isinf(self.lo) else f"{self.lo:.0f}-{self.hi:.0f}"


def depth_range(means: dict, row: str, column: str) -> DepthRange | None:
    """The range of critical depths the value at (row, column) allows: the union of the per-seed ranges at
    (row, column + RANGE) where there is one (a bracketed search, or several seeds); else a depth d is [d, d],
    '<20' (the first depth failed: the floor) is [-inf, 19], a capped d (the value at (row, column + CAP)) is
    [d, inf]. None when the cell was not run; ValueError for a value that is no critical depth, which makes a
    claim n/a."""
    v = means.get((row, column))
    if v is None:
        return None
    per_seed = means.get((row, column + RANGE))
    if per_seed is not None:
        ranges = [parse_range(x) for x in str(per_seed).split("/")]
        return DepthRange(min(r.lo for r in ranges), max(r.hi for r in ranges))
    try:
        if isinstance(v, str) and v.startswith("<"):
            return DepthRange(-math.inf, float(v[1:]) - 1)
        d = float(v)
    except ValueError:
        raise ValueError(f"{row} / {column} is {v}: no one critical depth (seeds that disagree)") from None
    return DepthRange(d, math.inf) if means.get((row, column + CAP)) is not None else DepthRange(d, d)


def parse_range(text: str) -> DepthRange:
    """A Search.range_literal back as a DepthRange."""
    t = text.strip()
    if t.startswith("<"):
        return DepthRange(-math.inf, float(t[1:]) - 1)
    if t.startswith("≥"):
        return DepthRange(float(t[1:]), math.inf)
    lo, _, hi = t.partition("-")
    return DepthRange(float(lo), float(hi or lo))


def greater(a: DepthRange, b: DepthRange) -> bool | None:
    """a > b for every pair of depths the ranges allow (True), for none (False), or undecided (None)."""
    return True if a.lo > b.hi else False if a.hi <= b.lo else None


def at_least(a: DepthRange, b: DepthRange, factor: float = 1.0) -> bool | None:
    """a >= factor * b, decided as `greater` (factor > 0)."""
    return True if a.lo >= factor * b.hi else False if a.hi < factor * b.lo else None


def equal(a: DepthRange, b: DepthRange) -> bool | None:
    """a == b: True only for two equal exact depths, False for disjoint ranges, else None."""
    if a.exact and b.exact and a.lo == b.lo:
        return True
    return False if a.hi < b.lo or b.hi < a.lo else None


def all_hold(outcomes) -> bool | None:
    """A claim about every case: False if any case fails, else None if any is undecided or missing (None),
    else True."""
    outcomes = list(outcomes)
    return False if False in outcomes else None if None in outcomes else True


def as_depth(v) -> float:
    """A critical depth as one number (plots, sorting): '<20' counts as just below 20. Claims compare
    `depth_range`s instead, which keep caps and floors as bounds."""
    if isinstance(v, str) and v.startswith("<"):
        return float(v[1:]) - 1
    return float(v)
