"""What a paper module declares: its tables and figures, each with the cells
it needs at every scale, how reproduced numbers are read off the results,
the claims they support, and the protocol and deviations to print.

Nothing paper-specific lives here; see reproduce/ng.py for an example.
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from typing import Callable

from .experiment import Cell

# paper keys, each with a module reproduce/<key>.py; "compare" is no paper: every method on one protocol (issue 20)
PAPERS = ("ng", "lsuv", "crelu", "ortho", "convinit", "compare")


@dataclass
class Value:
    """A reproduced number (or a literal like 'n/c', '<20') for the cell
    (row, column) of a published table; several values = several seeds."""
    row: str
    column: str
    values: list
    unit: str = "%"
    evidence: str = ""  # e.g. the depths tried in a critical-depth search
    # how seeds are summarised: "mean", "median", "median-error" (the CReLU paper's median of 5 runs of an error
    # rate: a run that did not converge ranks as the worst error), "max" (a worst case), "list" (side by side, e.g.
    # each seed's critical-depth range: never averaged); see report.summarize
    aggregate: str = "mean"


@dataclass
class Claim:
    """A sentence of the paper that the table supports, and its test: a
    function of {(row, column): mean reproduced value} returning
    (passed: bool | None, detail). None = cannot be decided (missing cells)."""
    text: str
    check: Callable[[dict], tuple]
    # True for a sentence that holds by construction (e.g. CReLU's non-zero ratio of 0.5, the paper's
    # Proposition 3): it is still checked and shown, but marked "analytic" and never counted as a passed claim.
    analytic: bool = False
    # True for a claim the smoke scale is calibrated to show (issue "smoke that shows the science"): at smoke,
    # `python -m reproduce` (and so `make smoke`) exits non-zero when it does not hold on every seed, and the
    # scorecard counts it under "smoke: k of n declared claims hold". Declare only what holds on seeds the
    # calibration did not use; the criterion is the claim's own, at every scale.
    smoke_gate: bool = False


def reproduced_number(means: dict, key: tuple[str, str]) -> float:
    """The reproduced number at (row, column) for a claim's check; a run that did not converge (n/c), a NaN (e.g. the mean of
    an empty series) or a cell not reproduced raises ValueError, which makes the claim n/a (report.check_claim)
    with this message."""
    v = means.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
        raise ValueError(f"{key[0]} / {key[1]} {'not reproduced' if v is None else 'is ' + str(v)}")
    return float(v)


@dataclass
class Target:
    paper: str
    id: str
    kind: str  # "table" | "figure"
    title: str
    cells: Callable[[str], list[Cell]]                # scale -> cells
    protocol: Callable[[str], list[str]]              # scale -> protocol lines
    deviations: Callable[[str], list[str]] = lambda scale: []
    datasets: tuple[str, ...] = ()
    # tables
    values: Callable[[list[tuple[Cell, dict]]], list[Value]] | None = None
    claims: list[Claim] = field(default_factory=list)
    # figures
    plot: Callable | None = None                      # (pairs, path, scale) -> None
    # adaptive targets (e.g. a critical-depth search decides which cells to train next):
    # execute(run, scale) -> [(cell, record)], where run(cells) -> {hash: record} trains or
    # reuses cells. Without it, every cell of cells(scale) is trained.
    execute: Callable | None = None
    cost_note: str = ""                               # e.g. "upper bound: the search may stop early"
    # claims are also checked on each seed's cells alone when several seeds ran (report.seed_means); False where
    # the cells' seeds are a measurement's samples rather than repeated runs (e.g. ConvInit's weight draws)
    per_seed_claims: bool = True

    @property
    def name(self) -> str:
        return f"{self.paper}-{self.kind}-{self.id}"


def layout_cells(layout: Callable[[str], list[tuple[str, str, Cell]]]) -> Callable[[str], list[Cell]]:
    """cells(scale) of a target from its layout (scale -> [(row, column, cell)]), each distinct cell once."""
    def cells(scale: str) -> list[Cell]:
        out = {}
        for _, _, cell in layout(scale):
            out.setdefault(cell.hash, cell)
        return list(out.values())
    return cells


def layout_records(layout, pairs: list[tuple[Cell, dict]]) -> list[tuple[str, str, Cell, dict]]:
    """[(row, column, cell, result)] for the finished cells of a layout, in layout order."""
    recs = {c.hash: r for c, r in pairs}
    out = []
    for row, col, cell in layout(pairs[0][0].scale) if pairs else []:
        rec = recs.get(cell.hash)
        if rec and rec.get("result"):
            out.append((row, col, cell, rec["result"]))
    return out


def layout_runs(layout, pairs: list[tuple[Cell, dict]]) -> dict[tuple[str, str], list[tuple[Cell, dict]]]:
    """{(row, column): [(cell, result) of each seed]} of the finished cells of a layout, in layout order."""
    out: dict = {}
    for row, col, cell, r in layout_records(layout, pairs):
        out.setdefault((row, col), []).append((cell, r))
    return out


def merge_seeds(values: list[Value]) -> list[Value]:
    """One Value per (row, column), its values the list over seeds (cells of one (row, column) that differ only
    in their seed), in order; evidence texts joined once each."""
    out: dict[tuple, Value] = {}
    for v in values:
        have = out.get((v.row, v.column))
        if have is None:
            out[(v.row, v.column)] = Value(v.row, v.column, list(v.values), v.unit, v.evidence, v.aggregate)
        else:
            have.values += v.values
            if v.evidence and v.evidence not in have.evidence.split("; "):
                have.evidence = "; ".join(filter(None, (have.evidence, v.evidence)))
    return list(out.values())


def paper_module(paper: str):
    if paper not in PAPERS:
        raise KeyError(f"unknown paper {paper!r}; valid papers: {', '.join(PAPERS)}")
    return importlib.import_module(f"reproduce.{paper}")


def targets(paper: str | None = None, kind: str | None = None) -> list[Target]:
    out = []
    for p in ([paper] if paper else PAPERS):
        out += [t for t in paper_module(p).TARGETS if kind in (None, t.kind)]
    return out


def get_target(kind: str, paper: str, id: str) -> Target:
    for t in targets(paper, kind):
        if t.id == id:
            return t
    valid = ", ".join(t.id for t in targets(paper, kind)) or "(none)"
    raise KeyError(f"unknown {kind} id {id!r} for paper {paper!r}; valid {kind} ids: {valid}")
