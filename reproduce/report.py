"""Published-vs-reproduced tables, claims, figures and the scorecard.

A rendered table lists, for every published number of the paper's table, the
reproduced value (mean ± std over seeds), the difference and a verdict; then
the claims with pass/fail; then scale, protocol, deviations, data, commit,
device and wall time. Verdicts (the same at every scale):

- ``match``:   |reproduced - published| <= 1 pp for %, exact for depths,
               <= 5 % relative otherwise; or the same literal ('-', '<20');
- ``close``:   <= 3 pp for %, <= one 12-layer depth step for depths,
               <= 15 % relative otherwise;
               a reproduced n/c also matches a number the published CSV marks
               "[not converged]" (a run the paper reports as failed, e.g. at chance);
- ``differs``: anything else (incl. n/c where the paper converged);
- not counted: ``consistent`` (a critical depth that is a bound, e.g. a
  search capped at '≥32', that allows the published depth: depth_verdict),
  ``other device`` (seconds measured on the paper's hardware and on this
  device: the tables' ratios compare instead), ``context`` (a number shown
  for reference that no cell here reproduces: another paper's, a protocol
  setting, or a summary of rows compared in another table), ``not tested``;
- ``not run``: no reproduced value (dataset unavailable, or not reproduced);
- ``pending``: no reproduced value yet: some of the table's cells are still
  being trained (other workers, queued SLURM jobs). Claims are not checked
  while any cell is pending, and missing values are never shown as zeros.
"""
from __future__ import annotations

import csv
import json
import math
import os
import statistics
import time

from .cells import code_fingerprint, git_commit, record_code, write_json_atomic
from .critical_depth import CAP, DEPTH_STEP, RANGE, depth_range, parse_range
from .data import DatasetUnavailable, check_available
from .experiment import format_seconds
from .targets import Target

PUBLISHED_DIR = os.path.join(os.path.dirname(__file__), "published")
VERDICTS = ("match", "close", "differs", "not run", "pending")
SCALE_BANNER = {
    "smoke": "**Scale: smoke** (CPU, CI): reduced data, width, depth and epochs. These numbers are NOT "
             "comparable to the paper's; verdicts are computed the same way but are not evidence for or "
             "against it. Claims are checked on the smoke data and may honestly fail.",
    "fast": "**Scale: fast** (one GPU, about an hour per table): fewer epochs and seeds than the paper, same "
            "architectures. Indicative only.",
    "paper": "**Scale: paper**: the paper's protocol, with the deviations listed below.",
}


def published(paper: str, table: str | None = None) -> list[dict]:
    """Rows of reproduce/published/<paper>.csv (all, or of one table), in file order."""
    with open(os.path.join(PUBLISHED_DIR, f"{paper}.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if table is None or r["table"] == table]


def published_values(paper: str, table: str) -> dict:
    """{(row, column): published value} of one table, numbers as floats and literals ('-', 'n/c', 'N/A') kept:
    the form a Claim.check reads, so claims can be tested on the paper's own numbers."""
    out = {}
    for r in published(paper, table):
        num = as_number(r["value"])
        out[(r["row"], r["column"])] = num if num is not None else r["value"]
    return out


def cited(paper: str, table: str) -> dict:
    """{(row, column): value} of a published table's context rows: other papers' numbers that it quotes (their
    note starts with "context"), which claims compare against but nothing reproduces."""
    return {(r["row"], r["column"]): as_number(r["value"]) for r in published(paper, table)
            if r.get("note", "").startswith("context") and as_number(r["value"]) is not None}


def as_number(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def summarize(values: list, aggregate: str = "mean") -> tuple[object, float | None, int]:
    """(mean, or median when `aggregate` is "median", or the largest when "max" (a worst case over seeds, e.g.
    LSUV's most trials), or the literal if every seed gave that literal (a non-finite float as its text, 'inf' or
    'nan'), else each seed's value joined by '/' if any seed gave a literal, or the values joined by '/' when
    "list"; std or None; n).

    "median-error" is the median of error rates, where a run that did not converge (a literal, e.g. n/c) ranks
    above every number, as the worst error: the median of 5 runs one of which failed is the third best error,
    and it is the literal when the middle falls on a failed run (3 of 5 failed). No std when a run failed."""
    if not values:
        return None, None, 0
    if aggregate == "list":  # values that are not samples of one number (e.g. each seed's critical-depth range)
        return "/".join(map(str, values)), None, len(values)
    nums = [as_number(v) for v in values]
    if aggregate == "median-error" and any(n is not None for n in nums) and any(n is None for n in nums):
        ranked = sorted(range(len(values)), key=lambda i: (nums[i] is None, nums[i] or 0.0))
        middle = [ranked[(len(values) - 1) // 2], ranked[len(values) // 2]]
        lits = [str(values[i]) if isinstance(values[i], float) else values[i] for i in middle if nums[i] is None]
        return (lits[0] if lits else statistics.fmean(nums[i] for i in middle)), None, len(values)
    if any(n is None for n in nums):
        # a non-finite float (inf, NaN: e.g. the mean of an empty series) is not a measured number: its text, as
        # a literal, so that no check reads it as one (accuracy.converges(inf) would call it converged)
        lits = [str(v) if isinstance(v, float) else v for v, n in zip(values, nums) if n is None]
        if len(set(lits)) == 1 and len(lits) == len(values):
            return lits[0], None, len(values)
        # each seed's value, a number to 15 significant digits: no float noise (14.399999999999999 is 14.4), no
        # digit of a real value lost (11.71875 of 256 test images stays 11.71875)
        return "/".join(str(v) if n is None else format(n, ".15g") for v, n in zip(values, nums)), None, len(values)
    mean = (statistics.median(nums) if aggregate in ("median", "median-error") else max(nums) if aggregate == "max"
            else statistics.fmean(nums))
    return mean, (statistics.stdev(nums) if len(nums) > 1 else None), len(nums)


NOT_CONVERGED_MARK = "[not converged]"
LOWER_BOUND_MARK = "[lower bound]"  # a published critical depth that is the paper's own cap (NG A4's 248)


def published_not_converged(note: str) -> bool:
    """A published cell whose run the paper reports as not converged, though it prints a number (e.g. Ortho's
    Table 2: 10.18 % = chance for a 110-layer net that 'cannot even converge'): its CSV note carries
    NOT_CONVERGED_MARK, put there by hand where the transcription decided it."""
    return NOT_CONVERGED_MARK in note


def _all_failed(pub: str, rep, unit: str) -> bool:
    """Every seed of a reproduced value failed where the paper's run failed: each is a non-convergence literal
    or a number that matches the published chance-level number ('n/c', 'n/c/10.2' against 10.18)."""
    parts = str(rep).replace("n/c", "nc").split("/")  # summarize joins the seeds' values with "/"
    return all(p in ("nc", "-")  # the literals the paper modules write for a run that did not converge
               or (as_number(p) is not None and verdict(pub, as_number(p), unit) == "match") for p in parts)


MATCH_PP = 1.0  # a reproduced % within this many points of the published one is a match


def verdict(pub: str, rep, unit: str, not_converged: bool = False) -> str:
    """match / close / differs of a reproduced value against a published one. A reproduced run that did not
    converge is a literal (n/c, '-'): it matches the same literal, and, with `not_converged`
    (published_not_converged), a number the paper prints for a run that did not converge either -- both say
    the method failed there, the one outcome the paper reports for that cell."""
    if rep is None:
        return "not run"
    if unit == "s":  # seconds on the paper's hardware against this device's: no verdict (ratios compare)
        return "other device"
    p, r = as_number(pub), as_number(rep)
    if not_converged and r is None and isinstance(rep, str) and _all_failed(pub, rep, unit):
        return "match"
    if p is None or r is None:
        return "match" if str(pub).strip() == str(rep).strip() else "differs"
    d = abs(r - p)
    if unit == "%":
        return "match" if d <= MATCH_PP else "close" if d <= 3 else "differs"
    if unit == "layers":
        return "match" if d == 0 else "close" if d <= 12 else "differs"
    rel = d / abs(p) if p else (0.0 if d == 0 else math.inf)  # relative at every magnitude (variances of 1e-14)
    return "match" if rel <= 0.05 else "close" if rel <= 0.15 else "differs"


def fmt(v, std=None, unit="") -> str:
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if unit in FIXED_DIGITS:
        digits = FIXED_DIGITS[unit]
        return f"{v:.{digits}f}" + (f" ± {std:.{digits}f}" if std is not None else "")
    return f"{v:.3g}" + (f" ± {std:.2g}" if std is not None else "")  # stds, variances, seconds, ratios


FIXED_DIGITS = {"%": 2, "t": 4, "layers": 0, "params": 0, "trials": 0}


def fmt_diff(p: float, r: float, unit: str) -> str:
    """reproduced - published: absolute for %, t and layers; relative (in %) for other units, whose values
    span orders of magnitude (variances, seconds)."""
    if unit in FIXED_DIGITS:
        return f"{r - p:+.{FIXED_DIGITS[unit]}f}"
    return f"{100 * (r - p) / abs(p):+.0f}%" if p else ""


def dataset_status(target: Target) -> dict[str, str]:
    """{dataset: reason} for every dataset the target needs that is not available."""
    missing = {}
    for name in target.datasets:
        for split in ("train", "test"):
            try:
                check_available(name, split)  # downloads it where it can (reproduce.data)
            except DatasetUnavailable as e:
                missing[name] = str(e)
                break  # one reason per dataset; no second download attempt
    return missing


def unfinished(pairs: list[tuple], status: str) -> list[str]:
    """The reason of each distinct cell whose record has `status` ("pending", "failed", "not run")."""
    cells = {c.hash: r for c, r in pairs if r and r.get("status") == status}
    return sorted(r["reason"] for r in cells.values())


def distinct_records(pairs: list[tuple]) -> list[dict]:
    """The records of `pairs`, each cell once."""
    return list({c.hash: r for c, r in pairs}.values())


def cache_notice(run_info: dict) -> list[str]:
    """Lines at the top of a table or figure note about stored results that were not current: stale cells shown
    as they are, corrupt result files (reproduce.experiment's policy)."""
    md = []
    stale, corrupt = run_info.get("stale") or {}, run_info.get("corrupt") or {}
    if stale:
        md += [f"**Stale cells** ({len(stale)}): trained by other code than this commit's (or, with the data "
               "missing, for another dtype or device); their values are shown. Retrain them with "
               "`RETRAIN_STALE=1` (`--retrain-stale`).", "", *[f"- stale: {r}" for r in sorted(stale.values())], ""]
    if corrupt:
        md += [f"**Corrupt result files** ({len(corrupt)}), trained again where the data allowed:", "",
               *[f"- {r}" for r in sorted(corrupt.values())], ""]
    return md


def dtype_deviations(results: list[dict]) -> list[str]:
    """A deviation line when some results were not computed in fp32 (the papers trained in fp32)."""
    # fp64 (ConvInit's norm profiles, LSUV's variance checks) is more precise than the papers' fp32: no deviation
    other = sorted({r.get("dtype") for r in results if r.get("dtype") not in (None, "fp32", "float64", "fp64")})
    if not other:
        return []
    n = sum(r.get("dtype") in other for r in results)
    return [f"dtype: {n} of {len(results)} cells ran under {', '.join(other)} (bf16 autocast: convolutions and "
            "matrix products in bfloat16, weights, losses and the update in fp32); the paper trained in fp32 "
            "(AMP=0 runs fp32)"]


def run_section(scale: str, pairs: list[tuple], run_info: dict) -> list[str]:
    """The "## Run" section of a table or figure note: scale, the commits and code that produced the cells,
    device, dtype, cells trained vs cached, stale and corrupt cells, wall time, throughput."""
    done = [(c, r) for c, r in pairs if r and r.get("result")]
    records = distinct_records(done)
    results = [r["result"] for r in records]
    ips = [r["train_images_per_s"] for r in results if r.get("train_images_per_s")]
    statuses: dict[str, int] = {}
    codes: dict[str, int] = {}
    for r in records:
        statuses[r["result"].get("status", "?")] = statuses.get(r["result"].get("status", "?"), 0) + 1
        codes[record_code(r)] = codes.get(record_code(r), 0) + 1
    current = code_fingerprint()
    stale, corrupt = run_info.get("stale") or {}, run_info.get("corrupt") or {}
    return ["## Run", "",
            f"- scale: {scale}",
            f"- commit: cells trained at {', '.join(sorted({r.get('commit', '?') for r in records})) or '-'}; "
            f"rendered at {run_info.get('commit') or git_commit()}",
            f"- code: fingerprint of this commit {current}; cells trained by "
            + (", ".join(f"{code} ({n}{'' if code == current else ', stale'})" for code, n in sorted(codes.items()))
               or "-"),
            f"- device: {', '.join(sorted({str(r.get('device')) for r in results})) or run_info.get('device', '')}"
            f"; dtype {', '.join(sorted({str(r.get('dtype')) for r in results})) or '-'}",
            f"- cells: {len(records)} ({run_info.get('trained', 0)} trained in this run, {run_info.get('cached', 0)} "
            f"from cache, {len(stale)} of them stale, {len(corrupt)} corrupt result files); outcomes: "
            f"{', '.join(f'{k} {v}' for k, v in statuses.items()) or '-'}",
            f"- wall time: {format_seconds(sum(r.get('wall_time_s') or 0 for r in results))} summed over cells"
            + (f"; training throughput median {statistics.median(ips):,.0f} images/s" if ips else ""),
            f"- rendered: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}", ""]


def reproduced_count(csv_path: str) -> int:
    """Reproduced values in a rendered table's CSV (0 when absent or unreadable)."""
    try:
        with open(csv_path, newline="") as fh:
            return sum(bool(r.get("reproduced")) for r in csv.DictReader(fh))
    except (OSError, ValueError, csv.Error):
        return 0


class ScorecardError(ValueError):
    """A summary under tables/<scale>/ cannot be read (one line, for the command line)."""


def read_summary(path: str) -> dict:
    try:
        with open(path) as fh:
            summary = json.load(fh)
    except (OSError, ValueError) as e:
        raise ScorecardError(f"{path} is unreadable ({type(e).__name__}: {str(e).splitlines()[0]}): delete it, or "
                             "run its target again to rewrite it") from None
    if not isinstance(summary, dict) or "target" not in summary or "title" not in summary:
        raise ScorecardError(f"{path} is not a table or figure summary: delete it, or run its target again")
    return summary


def depth_verdict(p: dict, reproduced: dict) -> str | None:
    """The verdict of a published critical depth (unit "layers") where it or the reproduction is a bound, not
    one depth: a search that failed at its first depth ('<14': below 14), one that converged at its deepest
    ('≥32', the value at column + CAP: at least 32), a coarse grid's bracket, or the paper's own cap (its CSV note
    carries LOWER_BOUND_MARK: at least 248); with several seeds, each seed's range (column + RANGE). "match"
    when every seed's range is the published one ('<20' against '<20'); else the worst seed decides:
    "consistent" (not counted) when every seed's range allows the published depth, "close" when the furthest is
    within one DEPTH_STEP, "differs" beyond. None for one seed's single depth against a single published depth
    (verdict's numeric rule decides) or a value that is no critical depth. `reproduced`: {(row, column): Value}."""
    row, col = p["row"], p["column"]
    if (row, col) not in reproduced:
        return None
    pub = {(row, col): p["value"]}
    if LOWER_BOUND_MARK in p.get("note", ""):
        pub[(row, col + CAP)] = f"≥{p['value']}"
    seeds = reproduced.get((row, col + RANGE))
    try:
        q = depth_range(pub, row, col)
        if seeds is not None:
            ranges = [parse_range(str(x)) for x in seeds.values]
        else:
            one = {k: summarize(v.values, v.aggregate)[0] for k, v in reproduced.items() if k[0] == row}
            ranges = [depth_range(one, row, col)]
    except ValueError:
        return None
    if seeds is None and ranges[0].exact and q.exact:
        return None
    if all(r == q for r in ranges):
        return "match"
    gap = max(max(q.lo - r.hi, r.lo - q.hi) for r in ranges)  # > 0: that seed's range is apart by that many layers
    return "consistent" if gap <= 0 else "close" if gap <= DEPTH_STEP else "differs"


def render_table(target: Target, scale: str, pairs: list[tuple], run_info: dict, out_dir: str = "tables") -> dict:
    """Write tables/<scale>/<paper>-table-<id>.{md,csv,json}; returns the summary."""
    pub_rows = published(target.paper, target.id)
    missing = run_info.get("missing_data") or {}
    done = [(c, r) for c, r in pairs if r and r.get("result")]
    pending, failed = unfinished(pairs, "pending"), unfinished(pairs, "failed")
    # with the data missing, the cells already stored still give their values (the rest say "not run")
    reproduced = {(v.row, v.column): v for v in (target.values(done) if done else [])}

    lines, csv_rows, means, counts = [], [], {}, {k: 0 for k in VERDICTS}
    for p in pub_rows:
        v = reproduced.get((p["row"], p["column"]))
        mean, std, n = summarize(v.values, v.aggregate) if v else (None, None, 0)
        means[(p["row"], p["column"])] = mean
        note = p.get("note", "")
        context = note.startswith("context")  # shown for reference (see the module docstring)
        untested = "not tested" in note       # a cell the paper left empty: nothing to reproduce
        bound = depth_verdict(p, reproduced) if v is not None and p["unit"] == "layers" else None
        ver = bound or verdict(p["value"], mean, p["unit"], published_not_converged(note))
        if v is None:
            ver = "context" if context else "not tested" if untested else "pending" if pending else ver
        if ver in counts:
            counts[ver] += 1
        pn, rn = as_number(p["value"]), as_number(mean)
        diff = fmt_diff(pn, rn, p["unit"]) if pn is not None and rn is not None and not bound else ""
        lines.append(f"| {p['row']} | {p['column']} | {p['value']} | {fmt(mean, std, p['unit'])} | {diff} | "
                     f"{n or ''} | {ver} | {v.evidence if v else ''} |")
        csv_rows.append({"table": target.id, "row": p["row"], "column": p["column"], "unit": p["unit"],
                         "published": p["value"], "reproduced": "" if mean is None else mean,
                         "std": "" if std is None else std, "n": n, "diff": diff, "verdict": ver,
                         "evidence": v.evidence if v else ""})
    for key, v in reproduced.items():  # reproduced numbers with no published counterpart
        if key not in means:
            mean, std, n = summarize(v.values, v.aggregate)
            means[key] = mean
            lines.append(f"| {v.row} | {v.column} | (not in paper) | {fmt(mean, std, v.unit)} | | {n} | | {v.evidence} |")

    claim_results = checked_claims(target, means, done, pending, decidable=bool(done) and not missing)
    claim_lines = [claim_line(c, scale) for c in claim_results]

    results = [r["result"] for r in distinct_records(done)]
    cell_seconds = sum(r.get("wall_time_s") or 0 for r in results)
    notes = sorted({n for r in results for n in r.get("data_notes", [])})

    md = [f"# {target.paper.upper()} Table {target.id}: {target.title}", "", SCALE_BANNER[scale], ""]
    if missing:
        md += [(f"**Partly not run**: {name} unavailable; the values of the {len(distinct_records(done))} cells "
                f"stored before are shown, the others say 'not run'. {reason}" if done else
                f"**Not run**: {name} unavailable. {reason}") for name, reason in missing.items()] + [""]
    skipped = sorted(set(unfinished(pairs, "not run")))
    if skipped:  # some cells' data is missing (e.g. the CIFAR-100 rows of a table)
        md += [f"**Partly not run** (those cells say 'not run'): {reason}" for reason in skipped] + [""]
    if pending:
        md += [f"**Incomplete**: {len(pending)} cells pending; the values that need them are missing (not zero) "
               "and claims are not checked. Run the same command again to render them when they finish.", "",
               *[f"- pending: {reason}" for reason in pending], ""]
    if failed:
        md += [f"**Failed cells** ({len(failed)}, each tried twice; the values that need them are missing):", "",
               *[f"- {reason}" for reason in failed], ""]
    md += cache_notice(run_info)
    md += ["| row | column | published | reproduced | diff | n | verdict | evidence |",
           "|---|---|---|---|---|---|---|---|", *lines, "",
           "Verdict counts: " + ", ".join(f"{k} {v}" for k, v in counts.items()), "",
           "## Claims", "", *(claim_lines or ["(none)"]), "",
           "## Protocol", "", *[f"- {x}" for x in target.protocol(scale)], "",
           "## Deviations from the paper and assumptions", "",
           *[f"- {x}" for x in (*target.deviations(scale), *dtype_deviations(results))], "",
           "## Data", "", *([f"- {n}" for n in notes] or ["- as the paper (full splits)"] if done else ["- not run"]),
           "", *run_section(scale, pairs, run_info)]

    os.makedirs(os.path.join(out_dir, scale), exist_ok=True)
    base = os.path.join(out_dir, scale, f"{target.paper}-table-{target.id}")
    had = reproduced_count(base + ".csv") if os.path.exists(base + ".json") else 0
    now = sum(r["reproduced"] != "" for r in csv_rows)
    if not pending and now < had:  # never replace a table with less than it had (data missing, corrupt cells)
        try:
            kept = read_summary(base + ".json")
        except ScorecardError:
            kept = None
        if kept is not None:
            print(f"[{target.name} scale={scale}] kept {base}.md as it was: it has {had} reproduced values, this "
                  f"run only {now} ({'data missing; ' if missing else ''}{len(run_info.get('corrupt') or {})} "
                  "corrupt result files)", flush=True)
            return dict(kept, kept=True)
    with open(base + ".md.tmp", "w") as fh:
        fh.write("\n".join(md))
    os.replace(base + ".md.tmp", base + ".md")
    with open(base + ".csv.tmp", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(csv_rows[0]) if csv_rows else ["table"])
        w.writeheader()
        w.writerows(csv_rows)
    os.replace(base + ".csv.tmp", base + ".csv")
    summary = {"target": target.name, "title": target.title, "scale": scale, "verdicts": counts,
               "claims": claim_results, "not_run": not (done or pending),
               # partly not run: a dataset of the target missing, or some cells' own (e.g. a table's CIFAR-100 rows)
               "partial": bool(done) and bool(missing or skipped),
               "cells": len(done), "pending": len(pending), "failed": len(failed), "wall_time_s": cell_seconds,
               "stale": len(run_info.get("stale") or {}), "corrupt": len(run_info.get("corrupt") or {})}
    write_json_atomic(base + ".json", summary)
    return summary


def save_figure(fig, path: str, title: str) -> None:
    """Title, lay out, write as PNG and close a matplotlib figure (every paper's plots end this way)."""
    import matplotlib.pyplot as plt

    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


def render_figure(target: Target, scale: str, pairs: list[tuple], run_info: dict, out_dir: str = "figures") -> dict:
    import matplotlib

    matplotlib.use("Agg")
    os.makedirs(os.path.join(out_dir, scale), exist_ok=True)
    path = os.path.join(out_dir, scale, f"{target.paper}-figure-{target.id}.png")
    missing = run_info.get("missing_data") or {}
    pending = unfinished(pairs, "pending")
    note = os.path.join("tables", scale, f"{target.name}.json")
    if missing and os.path.exists(note):  # never replace a drawn figure and its checked claims with "not drawn"
        try:
            kept = read_summary(note)
        except ScorecardError:
            kept = None
        if kept is not None and not kept.get("not_run"):
            print(f"[{target.name} scale={scale}] kept {path} and its note as they were: this run could not draw "
                  f"it ({'; '.join(missing.values())})", flush=True)
            return dict(kept, kept=True)
    if not missing:
        done = [(c, r) for c, r in pairs if r and r.get("result")]
        try:
            target.plot(done, path + ".tmp.png", scale)
            os.replace(path + ".tmp.png", path)
        except Exception:  # noqa: BLE001 -- a plot that needs every cell: drawn once they are finished
            if not pending:
                raise
    summary = {"target": target.name, "title": target.title, "scale": scale, "path": path,
               "not_run": bool(missing), "reason": "; ".join(missing.values()), "pending": len(pending),
               "failed": len(unfinished(pairs, "failed")), "stale": len(run_info.get("stale") or {}),
               "corrupt": len(run_info.get("corrupt") or {})}
    if target.claims:
        done = [] if missing else [(c, r) for c, r in pairs if r and r.get("result")]
        summary["claims"] = check_claims(target, done, pending)
        write_figure_note(target, scale, summary, os.path.join("tables", scale, f"{target.name}.md"), pairs,
                          run_info)
    write_json_atomic(note, summary)
    return summary


def check_claims(target: Target, done: list[tuple], pending: list | None = None) -> list[dict]:
    """A figure's claims, checked on the summary numbers its `values` reads off the finished cells (not while
    some are `pending`)."""
    values = target.values(done) if done and target.values and not pending else []
    means = {(v.row, v.column): summarize(v.values, v.aggregate)[0] for v in values}
    return checked_claims(target, means, done, pending or [], decidable=bool(done))


def seed_means(target: Target, done: list[tuple]) -> dict:
    """{seed: {(row, column): value}}: each seed's own reproduced values (the target's `values` on the cells of
    that seed alone), when the finished cells were trained under several seeds (SEEDS=0,1,2); {} for one seed,
    and for a target whose cell seeds are a measurement's samples (Target.per_seed_claims False)."""
    seeds = sorted({c.seed for c, _ in done})
    if len(seeds) < 2 or not target.per_seed_claims or not target.values:
        return {}
    return {s: {(v.row, v.column): summarize(v.values, v.aggregate)[0]
                for v in target.values([(c, r) for c, r in done if c.seed == s])} for s in seeds}


def checked_claims(target: Target, means: dict, done: list[tuple], pending: list, decidable: bool) -> list[dict]:
    """Every claim of `target` checked on the reproduced values `means` (mean, or median, over seeds) and, when
    the cells have several seeds, on each seed alone ("per_seed": {seed: passed}). Nothing is checked while
    cells are `pending` or when nothing was `decidable`."""
    decidable = decidable and not pending
    per_seed = seed_means(target, done) if decidable else {}
    out = []
    for c in target.claims:
        ok, detail = check_claim(c, means, decidable=decidable)
        if pending:
            detail = f"not checked: {len(pending)} cells pending"
        entry = {"claim": c.text, "passed": ok, "detail": detail, "analytic": c.analytic, "smoke_gate": c.smoke_gate}
        if per_seed:
            entry["per_seed"] = {str(s): check_claim(c, m)[0] for s, m in per_seed.items()}
        out.append(entry)
    return out


def seed_summary(per_seed: dict) -> str:
    """'PASS in 2 of 3 seeds (0 PASS, 1 PASS, 2 FAIL)'."""
    k = sum(v is True for v in per_seed.values())
    marks = ", ".join(f"{s} {claim_mark(v)}" for s, v in per_seed.items())
    return f"PASS in {k} of {len(per_seed)} seeds ({marks})"


def gate_holds(entry: dict) -> bool:
    """A declared (smoke_gate) claim holds when it passes on every seed: on the one seed, or, with several, on
    each seed alone (the verdict on the mean is shown beside it)."""
    if entry.get("per_seed"):
        return all(v is True for v in entry["per_seed"].values())
    return entry.get("passed") is True


def claim_line(entry: dict, scale: str = "smoke") -> str:
    """The markdown line of one checked claim (tables and figure notes); a claim declared for the smoke gate says
    so on smoke pages only (other scales are not calibrated or gated)."""
    line = f"- **{claim_mark(entry['passed'], entry.get('analytic', False))}** — {entry['claim']}  \n  {entry['detail']}"
    if entry.get("per_seed"):
        line += f"  \n  per seed: {seed_summary(entry['per_seed'])}"
    if entry.get("smoke_gate") and scale == "smoke":
        line += ("  \n  declared: the smoke scale is calibrated to show this claim (`make smoke` fails when it does "
                 "not hold on every seed)")
    return line


def claim_mark(passed: bool | None, analytic: bool = False) -> str:
    """PASS / FAIL / n/a; a claim that holds by construction says so and is not counted as evidence."""
    mark = {True: "PASS", False: "FAIL", None: "n/a"}[passed]
    return f"{mark} (analytic: holds by construction, not counted)" if analytic else mark


def check_claim(claim, means: dict, decidable: bool = True) -> tuple[bool | None, str]:
    """(passed, detail) of a claim on {(row, column): reproduced value}; None when it cannot be decided."""
    if not decidable:
        return None, "not run"
    try:
        return claim.check(means)
    except (KeyError, TypeError, ValueError) as e:
        return None, f"cannot be decided: {e}"


def write_figure_note(target: Target, scale: str, summary: dict, path: str, pairs: list[tuple] = (),
                      run_info: dict | None = None) -> None:
    """tables/<scale>/<paper>-figure-<id>.md: the figure's claims, protocol, deviations and Run section (the
    same as a table's)."""
    run_info = run_info or {}
    results = [r["result"] for r in distinct_records([(c, r) for c, r in pairs if r and r.get("result")])]
    md = [f"# {target.paper.upper()} Figure {target.id}: {target.title}", "", SCALE_BANNER[scale], "",
          f"Figure: [{os.path.basename(summary['path'])}](../../{summary['path']})"
          + (f" — NOT DRAWN: {summary['reason']}" if summary["not_run"] else ""), "", *cache_notice(run_info),
          "## Claims", "",
          *[claim_line(c, scale) for c in summary["claims"]], "",
          "## Protocol", "", *[f"- {x}" for x in target.protocol(scale)], "",
          "## Deviations from the paper and assumptions", "",
          *[f"- {x}" for x in (*target.deviations(scale), *dtype_deviations(results))], "",
          *run_section(scale, pairs, run_info)]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as fh:
        fh.write("\n".join(md))
    os.replace(path + ".tmp", path)


def gate_failures(entries: list[dict]) -> list[str]:
    """One line per declared (smoke_gate) claim of these summaries that does not hold: '<target>: <claim> —
    <why>'. A target still waiting for pending cells is not decided and not listed."""
    out = []
    for e in entries:
        for c in e.get("claims", []):
            if c.get("smoke_gate") and not gate_holds(c) and not e.get("pending"):
                why = (f"not run: {e.get('reason') or 'data missing'}" if e.get("not_run") else
                       seed_summary(c["per_seed"]) if c.get("per_seed") else f"{claim_mark(c['passed'])}: {c['detail']}")
                out.append(f"{e['target']}: {c['claim']} — {why}")
    return out


def smoke_gate_section(entries: list[dict]) -> list[str]:
    """The scorecard's per-paper count of the claims each paper's smoke is calibrated to show."""
    papers: dict[str, list] = {}
    checked: dict[str, int] = {}  # claims per paper: one that declares none is listed too, if it has claims
    for e in entries:
        paper = e["target"].split("-")[0]
        papers.setdefault(paper, [])
        checked[paper] = checked.get(paper, 0) + sum(not c.get("analytic") for c in e.get("claims", []))
        for c in e.get("claims", []):
            if c.get("smoke_gate"):
                papers[paper].append((e, c))
    lines = ["## Smoke gate: the claims each paper's smoke is calibrated to show", "",
             "`make smoke` fails when one of them does not hold on every seed it ran under (SEEDS).", "",
             "| paper | smoke: declared claims that hold |", "|---|---|"]
    for paper, cs in sorted(papers.items()):
        if not cs and not checked[paper]:
            continue  # targets without claims (the cross-paper comparison): nothing to gate or to report here
        if not cs:
            lines.append(f"| {paper} | smoke: no declared claim among its targets here (their {checked[paper]} "
                         "checked claims are reported as they fall, not gated) |")
            continue
        analytic = sum(bool(c.get("analytic")) for _, c in cs)
        lines.append(f"| {paper} | smoke: {sum(gate_holds(c) for _, c in cs)} of {len(cs)} declared claims hold"
                     + (f" ({analytic} of them analytic: hold by construction, not evidence)" if analytic else "")
                     + " |")
    failing = gate_failures(entries)
    return lines + ["", *(["Declared claims that do not hold:", "", *[f"- {f}" for f in failing]] if failing
                          else ["Every declared claim holds."]), ""]


def write_scorecard(scale: str, out_dir: str = "tables") -> str:
    """tables/<scale>/REPORT.md: every table and figure produced at `scale`
    with its verdict and claim counts."""
    folder = os.path.join(out_dir, scale)
    entries = []
    for f in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if f.endswith(".json"):
            entries.append(read_summary(os.path.join(folder, f)))
    lines = [f"# Reproduction scorecard, scale {scale}", "", SCALE_BANNER[scale], "",
             "| target | title | " + " | ".join(VERDICTS) + " | claims passed | claims failed | claims n/a | analytic | status |",
             "|---|---|" + "---|" * (len(VERDICTS) + 5)]
    total = {k: 0 for k in VERDICTS}
    for e in entries:
        v = e.get("verdicts", {})
        for k in VERDICTS:
            total[k] += v.get(k, 0)
        analytic = sum(bool(c.get("analytic")) for c in e.get("claims", []))
        cl = [c for c in e.get("claims", []) if not c.get("analytic")]
        passed = sum(c["passed"] is True for c in cl)
        failed = sum(c["passed"] is False for c in cl)
        na = sum(c["passed"] is None for c in cl)
        link = (f"[{e['target']}]({e['target']}.md)" if "table" in e["target"]
                else f"[{e['target']}](../../{e['path']})")
        status = ("not run" if e.get("not_run") else f"incomplete ({e['pending']} cells pending)" if e.get("pending")
                  else "partly not run (data missing)" if e.get("partial") else "done") \
            + (f", {e['failed']} cells failed" if e.get("failed") else "") \
            + (f", {e['stale']} cells stale" if e.get("stale") else "")
        lines.append(f"| {link} | {e['title']} | " + " | ".join(str(v.get(k, "")) for k in VERDICTS)
                     + f" | {passed} | {failed} | {na} | {analytic} | {status} |")
    lines += ["", "Totals: " + ", ".join(f"{k} {v}" for k, v in total.items()), ""]
    if scale == "smoke":
        lines += smoke_gate_section(entries)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "REPORT.md")
    with open(path, "w") as fh:
        fh.write("\n".join(lines))
    return path
