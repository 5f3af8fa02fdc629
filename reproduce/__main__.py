"""Command line: python -m reproduce {table,figure,paper,all,list,report} ...

    python -m reproduce table ng 1 --scale smoke
    python -m reproduce figure ng 1
    python -m reproduce paper ng          # every table and figure of a paper
    python -m reproduce all               # every paper
    python -m reproduce list              # targets with estimated cost per scale
    python -m reproduce report            # rebuild tables/<scale>/REPORT.md

Defaults come from the environment: SCALE (paper), SEEDS (the paper's; e.g. 0,1,2), FORCE, DEVICE, COMPILE, AMP (0: fp32), RETRAIN_STALE
(1: retrain fast/paper cells trained by other code, see reproduce/experiment.py), and the executor:
EXECUTOR=local|slurm, JOBS=N (see reproduce/executors.py).
Exit status: 0 done; 2 bad input (one line on stderr) or refused; 3 data missing for a single
target (its table is still rendered as "not run"; this wins over 4 when that target ran nothing); 4 at smoke
scale, a declared claim (Claim.smoke_gate, the claims the smoke is calibrated to show) did not hold on every
seed, or its target could not run (`make smoke` without data fails): each is named on stderr; 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys

from .executors import Slurm, make_executor
from .experiment import SCALES, Runner, default_device, estimate_cost, format_seconds, git_commit, lookup
from .report import ScorecardError, dataset_status, gate_failures, render_figure, render_table, write_scorecard
from .seeds import ENV as SEEDS_ENV
from .seeds import parse_seeds
from .targets import PAPERS, Target, get_target, targets
from .train import RunOptions, device_name

CPU_REFUSAL_SECONDS = 30 * 60


class Refused(Exception):
    pass


def run_target(target: Target, scale: str, opts: RunOptions, force: bool, progress: bool = True,
               executor=None, retrain_stale: bool = False) -> dict:
    """Train what `target` needs at `scale` (unless cached), through `executor`, and render it."""
    cells = target.cells(scale)
    missing = dataset_status(target)
    info = {"commit": git_commit(), "device": device_name(opts.device), "missing_data": missing}
    runner = Runner(opts, progress=progress, executor=executor, retrain_stale=retrain_stale)
    if cells and missing:  # no training possible: render whatever is stored, current or not (marked)
        def cached_only(cs):
            out = {}
            for c in cs:
                entry = lookup(c, None, runner.run_key)
                if entry.status == "current":
                    out[c.hash] = entry.record
                elif entry.status in ("stale", "other-run"):
                    runner.stale[c.hash] = entry.reason
                    out[c.hash] = dict(entry.record, stale=entry.reason)
                else:
                    if entry.status == "corrupt" and c.hash not in runner.corrupt:
                        runner.corrupt[c.hash] = entry.reason
                        print(f"corrupt result: {entry.reason}; {c.label} cannot be trained again here (data "
                              "missing)", flush=True)
                    out[c.hash] = {"status": "not run", "reason": entry.reason if entry.status == "corrupt"
                                   else next(iter(missing.values()))}
            return out
        pairs = target.execute(cached_only, scale) if target.execute else [(c, cached_only([c])[c.hash]) for c in cells]
        if not target.execute and pairs and all(r.get("result") for _, r in pairs):
            missing = {}  # every cell cached: the table is complete without the data
            info.update(missing_data=missing, cached=len(pairs))
    elif cells:
        distinct = list({c.hash: c for c in cells}.values())
        todo = [c for c in distinct if runner.reuse(c)[0] is None]  # what the runner would train
        est = estimate_cost(todo, opts.device)
        reused = len(distinct) - len(todo)
        est.cells, est.cached = est.cells + reused, est.cached + reused
        print(f"[{target.name} scale={scale}] estimated cost: {est}"
              + (f" ({target.cost_note})" if target.cost_note else ""), flush=True)
        other_run = [e.reason for e in (runner.reuse(c)[1] for c in todo) if e.status == "other-run"]
        if other_run:
            print(f"[{target.name} scale={scale}] {len(other_run)} of them are stored for another dtype or device, "
                  f"e.g. {other_run[0]}: another request, trained anew (AMP / DEVICE select the stored one)",
                  flush=True)
        if (scale == "paper" and not opts.device.startswith("cuda") and est.seconds > CPU_REFUSAL_SECONDS
                and not force and not isinstance(executor, Slurm)):
            raise Refused(f"{target.name} at scale=paper is estimated at {format_seconds(est.seconds)} on this CPU "
                          f"(limit {CPU_REFUSAL_SECONDS // 60} min without a GPU). Run it on a GPU, use "
                          f"SCALE=fast or smoke, or set FORCE=1.")
        if target.execute:
            pairs = runner.execute(target.execute, scale)
        else:
            records = runner.run(cells)
            pairs = [(c, records[c.hash]) for c in cells]
        info.update(trained=runner.trained, cached=runner.cached)
        for status in ("pending", "failed"):
            n = sum(1 for _, r in pairs if r and r.get("status") == status)
            if n:
                print(f"[{target.name} scale={scale}] {n} cells {status}"
                      + (": run the same command again later to render them" if status == "pending" else
                         " (see the table)"), flush=True)
    else:
        pairs = []
    info.update(stale=dict(runner.stale), replaced=dict(runner.replaced), corrupt=dict(runner.corrupt))
    if runner.stale:
        print(f"[{target.name} scale={scale}] {len(runner.stale)} cells stale (trained by other code, or another "
              "dtype/device while the data is missing): shown as stale in the output; "
              "RETRAIN_STALE=1 (--retrain-stale) retrains them", flush=True)
    if target.kind == "table":
        summary = render_table(target, scale, pairs, info)
        out = f"tables/{scale}/{target.paper}-table-{target.id}.md"
    else:
        summary = render_figure(target, scale, pairs, info)
        out = summary["path"]
    if missing and target.kind == "figure":
        print(f"[{target.name} scale={scale}] NOT DRAWN: data missing", flush=True)
    else:
        print(f"[{target.name} scale={scale}] wrote {out}" + (" (NOT RUN: data missing)" if missing else ""), flush=True)
    for reason in missing.values():
        print(f"  {reason}", file=sys.stderr)
    summary["missing"] = missing
    return summary


def check_device(device: str) -> None:
    """ValueError (one line) for a device this machine cannot train on: a malformed name, or CUDA without a GPU."""
    import torch
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        raise ValueError(f"unknown device {device!r} (DEVICE / --device): use cpu or cuda") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested (DEVICE / --device) but no CUDA GPU is available here: "
                         "use DEVICE=cpu (or leave DEVICE unset)")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device {device!r} is not supported (DEVICE / --device): use cpu or cuda")


def cmd_list(scale_filter: str | None, device: str) -> None:
    print(f"Targets (estimated cost to train what is not cached yet, measured on this device: {device_name(device)})")
    print(f"{'target':<28} {'smoke':>8} {'fast':>8} {'paper':>8}  title")
    for t in targets():
        costs = []
        for scale in SCALES:
            if scale_filter and scale != scale_filter:
                costs.append("")
                continue
            cells = t.cells(scale)
            costs.append(format_seconds(estimate_cost(cells, device).seconds) if cells else "0 s")
        kind = "table" if t.kind == "table" else "figure"
        print(f"reproduce-{kind}-{t.paper}-{t.id:<12} {costs[0]:>8} {costs[1]:>8} {costs[2]:>8}  {t.title}")
    print("\nAlso: reproduce-<paper> (" + ", ".join(PAPERS) + "), reproduce-all, smoke, test, bench, list, install.")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reproduce", description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["table", "figure", "paper", "all", "list", "report"])
    ap.add_argument("args", nargs="*", help="paper [id]")
    ap.add_argument("--scale", default=os.environ.get("SCALE") or "paper", choices=SCALES)
    ap.add_argument("--force", action="store_true", default=os.environ.get("FORCE", "") not in ("", "0"))
    ap.add_argument("--device", default=None,
                    help="cpu or cuda (default: $DEVICE, else cuda when this machine has a GPU; with "
                         "EXECUTOR=slurm and SLURM_GPUS_PER_TASK, cuda on the compute nodes)")
    ap.add_argument("--compile", action="store_true", default=os.environ.get("COMPILE", "") not in ("", "0"))
    ap.add_argument("--no-amp", action="store_true", default=os.environ.get("AMP", "1") == "0",
                    help="fp32 everywhere (default: bf16 autocast on CUDA and on CPUs with native bf16)")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--retrain-stale", action="store_true",
                    default=os.environ.get("RETRAIN_STALE", "") not in ("", "0"),
                    help="at fast/paper scale, retrain cells trained by other code (default: show them as stale)")
    ap.add_argument("--seeds", default=os.environ.get("SEEDS") or None,
                    help="comma-separated seeds every cell is trained under, e.g. 0,1,2 (default: $SEEDS, else "
                         "the paper's count: one run, five for the CReLU paper's medians); see reproduce/seeds.py")
    ap.add_argument("--executor", default=os.environ.get("EXECUTOR") or "local", choices=["local", "slurm"])
    ap.add_argument("--jobs", type=int, default=os.environ.get("JOBS") or "1",
                    help="worker processes (local executor)")
    a = ap.parse_args(argv)
    # SLURM jobs train on the compute nodes, not here (a login node often has no GPU): there the device is the
    # partition's, and this machine's GPU is not checked
    on_cluster = a.executor == "slurm"
    a.device = a.device or os.environ.get("DEVICE") or (
        "cuda" if on_cluster and os.environ.get("SLURM_GPUS_PER_TASK") else default_device())
    opts = RunOptions(device=a.device, compile=a.compile, amp=not a.no_amp)
    try:
        if a.seeds:
            os.environ[SEEDS_ENV] = ",".join(map(str, parse_seeds(a.seeds)))  # what every paper module reads
        if not on_cluster:
            check_device(a.device)
        executor = make_executor(a.executor, a.jobs)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    try:
        if a.command == "list":
            cmd_list(None, a.device)
            return 0
        if a.command == "report":
            print(write_scorecard(a.scale))
            return 0
        if a.command in ("table", "figure"):
            if len(a.args) != 2:
                ap.error(f"usage: python -m reproduce {a.command} <paper> <id>")
            chosen = [get_target(a.command, a.args[0], a.args[1])]
        elif a.command == "paper":
            if len(a.args) != 1:
                ap.error("usage: python -m reproduce paper <paper>")
            chosen = targets(a.args[0])
        else:
            chosen = targets()
    except KeyError as e:
        print(f"error: {e.args[0]}", file=sys.stderr)
        return 2
    except ScorecardError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    summaries = []
    try:
        for t in chosen:
            summaries.append(run_target(t, a.scale, opts, a.force, progress=not a.no_progress, executor=executor,
                                        retrain_stale=a.retrain_stale))
    except Refused as e:
        print(f"refused: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: finished cells are saved; run the same command again to resume.", file=sys.stderr)
        return 130
    try:
        report = write_scorecard(a.scale)
    except ScorecardError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    not_run = [s["target"] for s in summaries if s.get("missing")]
    print(f"scorecard: {report}")
    failing = gate_failures(summaries) if a.scale == "smoke" else []
    if failing:  # the claims the smoke is calibrated to show (Claim.smoke_gate): CI fails when one does not hold
        print(f"smoke gate FAILED: {len(failing)} declared claims do not hold:", file=sys.stderr)
        for line in failing:
            print(f"  {line}", file=sys.stderr)
        if not (len(chosen) == 1 and summaries[0].get("not_run")):  # one target without its data: 3 says why
            return 4
    if not_run:
        print("not run (data unavailable): " + ", ".join(not_run), file=sys.stderr)
        if len(chosen) == 1:
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
