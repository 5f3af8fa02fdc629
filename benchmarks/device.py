"""The GPU check for a session that is lent a GPU machine: one command, everything written under one folder.

    # here, on the CPU machine, once: a class-balanced CIFAR-10 subset from $REPRO_DATA that fits the device's
    # 64 MiB working tree (10,000 training images + the 1,000 test images: about 34 MB, under data/, ignored)
    REPRO_DATA=/work/shared/data python -m benchmarks.device prepare
    # on the device (run tool: carry ["data/device"], timeout_s 600):
    python3 -m benchmarks.device run --out $OUT

`run` does, each step in its own process with its own time limit, the whole inside RUN_BUDGET_S (9 minutes,
inside the 10 a device command may take), the cheap and decisive steps first:
1. the CUDA tests (tests/test_cuda.py) -> test_cuda.log;
2. a fast-scale slice on real data: NG Table 5's ReLU-Xavier and NG-ReLU-Xavier rows (plain CNN without BN, the
   suite's fast-scale cell: 10 epochs at most, lr 0.01 on plateau) over a short depth grid, trained through
   reproduce.cell_run.run_cell on the subset, the GPU path end to end (device-resident loader, bf16,
   channels_last, CUDA graph) -> slice.md, slice.jsonl (one result record a line, written as each run ends);
3. `make bench` (python -m benchmarks) with the time left -> bench/<GPU>.md, .csv;
and SUMMARY.md: each step's exit status and seconds, the machine. A step past its limit is killed and said so;
the others still run. `--dry-run` takes the same code path on the CPU at tiny sizes (tests/test_device.py).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time

import numpy as np

DATA = os.path.join("data", "device")  # the prepared subset, relative to the repository root
RUN_BUDGET_S = 540
SLICE_DEPTHS = (20, 44, 56, 74, 110)
SLICE_ACTS = ("relu", "ng-relu")


def prepare(source: str | None, dest: str = DATA, images: int = 10000) -> list[str]:
    """Write dest/cifar10/train.npz (a class-balanced subset of `images` training images, subset seed 0, as the
    suite draws its subsets) and dest/cifar10/test.npz (the test split as it is in `source`) in the npz layout
    reproduce.data.load_split reads; the paths written."""
    from reproduce.data import balanced_subset, load_split

    folder = os.path.join(dest, "cifar10")
    os.makedirs(folder, exist_ok=True)
    paths = []
    for split, n in (("train", images), ("test", None)):
        s = load_split("cifar10", split, root=source, allow_download=False)
        keep = balanced_subset(s.y, n, seed=0, num_classes=10) if n and n < len(s.y) else np.arange(len(s.y))
        path = os.path.join(folder, f"{split}.npz")
        np.savez(path, x=s.x[keep], y=s.y[keep].astype(np.uint8))
        paths.append(path)
    return paths


def slice_cells(tiny: bool) -> list:
    """The slice's cells: the suite's own fast-scale NG plain-CNN cells (reproduce.ng_protocol.plain_cell), ReLU
    and NG-ReLU with Xavier init, over SLICE_DEPTHS; tiny (the CPU dry run): depth 8, width 4, one epoch."""
    from reproduce.ng_protocol import plain_cell

    cells = []
    for depth in (8,) if tiny else SLICE_DEPTHS:
        for act in SLICE_ACTS:
            cell = plain_cell("fast", depth, act, "xavier")
            if tiny:
                model = dict(cell.model, width=4)
                cell = dataclasses.replace(cell, model=tuple(sorted(model.items())),
                                           train=dataclasses.replace(cell.train, epochs=1))
            cells.append(cell)
    return cells


def run_slice(out: str, device: str, tiny: bool, budget_s: float) -> int:
    """Train the slice's cells on `device` from the data under $REPRO_DATA, deepest last; a cell is started only
    while `budget_s` is not spent. Writes out/slice.jsonl (as each cell ends) and out/slice.md."""
    from reproduce.cell_run import run_cell
    from reproduce.critical_depth import converged
    from reproduce.train import RunOptions

    t0, rows = time.perf_counter(), []
    with open(os.path.join(out, "slice.jsonl"), "w") as fh:
        for cell in slice_cells(tiny):
            if time.perf_counter() - t0 > budget_s:
                rows.append((cell, None))
                continue
            r = run_cell(cell, RunOptions(device))
            fh.write(json.dumps({"label": cell.label, **r}, default=str) + "\n")
            fh.flush()
            rows.append((cell, r))
    lines = [f"# NG Table 5 slice: ReLU-Xavier and NG-ReLU-Xavier rows, plain CNN without BN, on {device}", "",
             f"Fast-scale cells (reproduce.ng_protocol.plain_cell){' at tiny sizes (CPU dry run)' if tiny else ''} "
             f"trained on $REPRO_DATA={os.environ.get('REPRO_DATA', './data')}; converged: the suite's criterion "
             "(reproduce.critical_depth.converged).", "",
             "| network | status | epochs | final train acc | test acc | converged | images/s | backward | dtype |",
             "|---|---|---|---|---|---|---|---|---|"]
    for cell, r in rows:
        if r is None:
            lines.append(f"| {cell.label} | not run (slice budget spent) | | | | | | | |")
            continue
        ips = r.get("train_images_per_s")
        lines.append(f"| {cell.label} | {r.get('status')} | {r.get('epochs_run')} | {r.get('final_train_acc')} | "
                     f"{r.get('final_test_acc')} | {converged(r)} | {f'{ips:,.0f}' if ips else ''} | "
                     f"{'CUDA graph' if r.get('cuda_graph') else r.get('ng_relu_backward') or ''} | "
                     f"{r.get('dtype')} |")
    with open(os.path.join(out, "slice.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines), flush=True)
    return 0 if all(r is not None and r.get("status") in ("ok", "diverged") for _, r in rows) else 1


def steps(out: str, dry_run: bool, data: str) -> list[tuple[str, list[str], float]]:
    """(name, command, seconds allowed) of each step, in the order they run; the bench gets what is left."""
    py = sys.executable
    device = "cpu" if dry_run else "cuda"
    return [("test_cuda", [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_cuda.py"], 120),
            ("slice", [py, "-m", "benchmarks.device", "slice", "--out", out, "--device", device, "--data", data,
                       "--budget", "150"] + (["--tiny"] if dry_run else []), 240),
            ("bench", [py, "-m", "benchmarks", "--out", os.path.join(out, "bench"), "--device", device]
             + (["--help"] if dry_run else []), RUN_BUDGET_S)]


def machine() -> str:
    import torch
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA device"
    return f"{gpu}; torch {torch.__version__}; Python {sys.version.split()[0]}; {os.cpu_count()} CPU cores"


def run(out: str, dry_run: bool = False, data: str = DATA) -> int:
    """Every step, each in its own process (log: out/<step>.log), inside RUN_BUDGET_S in all; SUMMARY.md."""
    os.makedirs(out, exist_ok=True)
    t_start, summary, failed = time.perf_counter(), [], 0
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "REPRO_DATA": os.path.abspath(data)}
    for name, cmd, limit in steps(out, dry_run, data):
        left = RUN_BUDGET_S - (time.perf_counter() - t_start)
        limit = min(limit, left)
        if limit < 20:
            summary.append(f"| {name} | not run (time budget spent) | | `{' '.join(cmd[1:])}` |")
            failed += 1
            continue
        t0 = time.perf_counter()
        with open(os.path.join(out, f"{name}.log"), "w") as log:
            try:
                rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, timeout=limit).returncode
                status = "ok" if rc == 0 else f"failed (exit {rc})"
            except subprocess.TimeoutExpired:
                rc, status = -1, f"killed at its limit of {limit:.0f} s"
        failed += rc != 0
        summary.append(f"| {name} | {status} | {time.perf_counter() - t0:.0f} | `{' '.join(cmd[1:])}` |")
        print(summary[-1], flush=True)
    text = "\n".join([f"# Device check{' (CPU dry run)' if dry_run else ''}", "", f"Machine: {machine()}", "",
                      "| step | status | seconds | command |", "|---|---|---|---|", *summary]) + "\n"
    with open(os.path.join(out, "SUMMARY.md"), "w") as fh:
        fh.write(text)
    print(text)
    return 1 if failed else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.device")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare", help="write the CIFAR-10 subset the device run trains on (from $REPRO_DATA)")
    p.add_argument("--source", default=None, help="dataset folder (default $REPRO_DATA)")
    p.add_argument("--data", default=DATA)
    p.add_argument("--images", type=int, default=10000)
    r = sub.add_parser("run", help="the whole device check")
    r.add_argument("--out", default=os.environ.get("OUT", "device-out"))
    r.add_argument("--data", default=DATA)
    r.add_argument("--dry-run", action="store_true", help="the same steps on the CPU at tiny sizes")
    s = sub.add_parser("slice", help="the fast-scale slice alone")
    s.add_argument("--out", required=True)
    s.add_argument("--device", default="cuda")
    s.add_argument("--data", default=DATA)
    s.add_argument("--budget", type=float, default=150.0)
    s.add_argument("--tiny", action="store_true")
    a = ap.parse_args(argv)
    if a.cmd == "prepare":
        for path in prepare(a.source, a.data, a.images):
            print(f"wrote {path} ({os.path.getsize(path) / 2**20:.1f} MiB)")
        return 0
    if a.cmd == "slice":
        os.environ["REPRO_DATA"] = os.path.abspath(a.data)
        os.makedirs(a.out, exist_ok=True)
        return run_slice(a.out, a.device, a.tiny, a.budget)
    return run(a.out, a.dry_run, a.data)


if __name__ == "__main__":
    raise SystemExit(main())
