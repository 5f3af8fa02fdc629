"""Where cells are trained: in this process, in N local worker processes,
or as SLURM jobs, all through the same per-cell routine.

`execute_cell` is the one way a cell is trained, whoever runs it: claim the
cell (reproduce.claims), train it with a per-epoch checkpoint
(reproduce.checkpoint) so that a killed or preempted run resumes, write the
result atomically, release the claim. A cell whose training raises is
retried once; after MAX_ATTEMPTS failed attempts (an exception, or a
worker that died holding the claim) it is recorded as failed with its
errors in ``<hash>.failures.json``, and stays failed for this commit.

Executors (EXECUTOR / JOBS in the environment, or --executor / --jobs):

- ``local`` with JOBS=1 (default): cells in order, in this process.
- ``local`` with JOBS=N: N worker processes started with submitit's local
  executor, each walking the same list of cells and training those it can
  claim; on CUDA worker i sees only GPU i (CUDA_VISIBLE_DEVICES), on a CPU
  the cores are split between the workers. `make` waits for them.
- ``slurm``: one SLURM array task per cell through submitit (SLURM_PARTITION,
  SLURM_TIME in minutes, SLURM_GPUS_PER_TASK, SLURM_CPUS_PER_TASK,
  SLURM_MEM_GB, SLURM_ACCOUNT, SLURM_QOS, SLURM_CONSTRAINT,
  SLURM_ARRAY_PARALLELISM); `make` returns once the jobs are submitted and
  renders what has finished, the rest as pending. Preempted or timed-out
  tasks are requeued by submitit and resume from their checkpoints.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import time
import traceback

from .cell_run import run_cell
from .cells import RESULTS_DIR, code_fingerprint, git_commit, load_cached, run_key, write_json_atomic
from .checkpoint import remove_checkpoint
from .claims import Claim, live_claim, mark_preempted
from .data import DatasetUnavailable

MAX_ATTEMPTS = 2
POLL_S = 2.0
ACTIVE_SLURM_STATES = ("PENDING", "RUNNING", "REQUEUED", "RESIZING", "SUSPENDED", "CONFIGURING", "COMPLETING",
                       "UNKNOWN", "READY")


def cell_file(cell, suffix: str, root: str | None = None) -> str:
    """A file of `cell` next to its result: ``<hash><suffix>``."""
    return cell.result_path(root)[: -len(".json")] + suffix


# ---------------------------------------------------------------- failures


def load_failures(cell, root: str | None = None) -> list[str]:
    """Errors of this commit's failed attempts at `cell` (older commits' or other code's do not count)."""
    try:
        with open(cell_file(cell, ".failures.json", root)) as fh:
            rec = json.load(fh)
    except (OSError, ValueError):
        return []
    if rec.get("commit") != git_commit() or rec.get("code") != code_fingerprint():
        return []
    return list(rec.get("errors", []))


def save_failures(cell, errors: list[str], root: str | None = None) -> None:
    write_json_atomic(cell_file(cell, ".failures.json", root),
                      {"commit": git_commit(), "code": code_fingerprint(), "label": cell.label, "errors": errors})


def failed_record(cell, errors: list[str], root: str | None = None) -> dict:
    return {"status": "failed", "reason": f"{cell.label}: failed {len(errors)} times, last: {errors[-1]} "
                                          f"(delete {cell_file(cell, '.failures.json', root)} to retry)",
            "errors": errors}


# ---------------------------------------------------------------- one cell


def execute_cell(cell, opts, root: str | None = None, train_fn=None, on_epoch=None) -> dict | None:
    """Train `cell` (or return its finished record): the result record, a
    {"status": "failed" | "not run", "reason": ...} record, or None when
    another live worker holds the cell's claim. The record says which code
    (reproduce.cells.code_fingerprint) and which run (dtype, device type: run_key) produced it."""
    train_fn = train_fn or run_cell
    claim = Claim(cell_file(cell, ".claim", root))
    if not claim.acquire():
        return None
    with claim:
        run = run_key(opts)
        rec = load_cached(cell, root, run)  # finished by another worker before we claimed it
        if rec is not None:
            return rec
        errors = load_failures(cell, root)
        if claim.previous is not None and not claim.previous.get("preempted"):
            errors.append(f"worker {claim.previous.get('host')}:{claim.previous.get('pid')} stopped while training "
                          "it (killed, out of memory or preempted without requeue)")
            save_failures(cell, errors, root)
        checkpoint = cell_file(cell, ".ckpt", root)
        while len(errors) < MAX_ATTEMPTS:
            run_opts = dataclasses.replace(opts, progress=on_epoch, checkpoint=checkpoint,
                                           checkpoint_tag=f"{code_fingerprint()} {run['dtype']} {run['device_type']}")
            try:
                result = train_fn(cell, run_opts)
            except DatasetUnavailable as e:
                return {"status": "not run", "reason": str(e)}
            except Exception as e:  # noqa: BLE001 -- any crash of one cell is recorded, the table goes on
                tb = traceback.format_exc(limit=-3).strip().splitlines()
                errors.append(f"{type(e).__name__}: {e} [{' | '.join(line.strip() for line in tb[-4:-1])}]")
                save_failures(cell, errors, root)
                continue
            # what ran: a training's dtype is the request's (reproduce.train records the same amp_enabled), a
            # measurement job's its own (reproduce.measure: fp32, fp64)
            ran = dict(run, dtype=result.get("dtype") or run["dtype"]) if cell.job != "train" else run
            rec = {"code": code_fingerprint(), "run": ran, "config": json.loads(json.dumps(cell.config(), default=list)),
                   "hash": cell.hash, "label": cell.label, "commit": git_commit(),
                   "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "result": result}
            write_json_atomic(cell.result_path(root), rec)
            remove_checkpoint(checkpoint)
            with contextlib.suppress(FileNotFoundError):
                os.remove(cell_file(cell, ".failures.json", root))
            return rec
        return failed_record(cell, errors, root)


def work_through(cells: list, opts, root: str | None = None, train_fn=None, wait: bool = True,
                 before_cell=None, on_epoch=None) -> dict[str, dict]:
    """Train every cell of `cells` this worker can claim, in order. With
    `wait`, then wait for the cells other workers hold (taking over those
    whose worker dies) until each has a record; without, those map to a
    "pending" record. `before_cell(cell)` is called before training one."""
    run = run_key(opts)
    out: dict[str, dict] = {}
    todo = list(cells)
    while True:
        held = []
        for cell in todo:
            rec = load_cached(cell, root, run)
            if rec is None:
                if before_cell is not None:
                    before_cell(cell)
                rec = execute_cell(cell, opts, root, train_fn, on_epoch)
            if rec is None:
                held.append(cell)
            else:
                out[cell.hash] = rec
        if not held or not wait:
            for cell in held:
                out[cell.hash] = pending_record(cell, root)
            return out
        time.sleep(POLL_S)
        todo = held


def pending_record(cell, root: str | None = None, where: str | None = None) -> dict:
    owner = live_claim(cell_file(cell, ".claim", root))
    if where is None:
        where = f"being trained by {owner.get('host')}:{owner.get('pid')}" if owner else "not finished yet"
    return {"status": "pending", "reason": f"{cell.label}: {where}"}


# ---------------------------------------------------------------- executors


class Sequential:
    """JOBS=1: every cell in this process, in order (the default)."""
    name = "local"
    waits = True       # run() returns when every cell has its record
    parallel = False   # trains one cell at a time

    def run(self, cells, opts, root, train_fn, before_cell=None, on_epoch=None):
        return work_through(cells, opts, root, train_fn, wait=True, before_cell=before_cell, on_epoch=on_epoch)


@dataclasses.dataclass
class CellWorker:
    """What one submitit job runs: `work_through` over `cells` without
    waiting, after pinning itself to its GPU or its share of the CPU cores.
    `checkpoint()` is submitit's preemption hook: the epoch checkpoints on
    disk hold the state, so the job is simply resubmitted as it was."""
    cells: list
    opts: object
    root: str | None
    gpu: int | None = None
    threads: int | None = None

    def __call__(self) -> dict:
        if self.gpu is not None:
            os.environ["CUDA_VISIBLE_DEVICES"] = str(self.gpu)
        import torch
        if self.threads:
            torch.set_num_threads(self.threads)
        out = work_through(self.cells, self.opts, self.root, wait=False)
        return {h: r.get("status") or r["result"]["status"] for h, r in out.items()}

    def checkpoint(self, *args, **kwargs):
        import submitit
        mark_preempted()
        return submitit.helpers.DelayedSubmission(self)


def _submitit_folder(root: str | None) -> str:
    return os.path.join(root or RESULTS_DIR, "submitit", "%j")


class LocalProcesses:
    """JOBS=N on one machine: N submitit local jobs sharing the cells through claims; waits for them."""
    name = "local"
    waits = True
    parallel = True

    def __init__(self, jobs: int):
        self.jobs = jobs

    def run(self, cells, opts, root, train_fn=None, before_cell=None, on_epoch=None):
        import submitit
        import torch

        n = max(1, min(self.jobs, len(cells)))
        gpus = torch.cuda.device_count() if opts.device.startswith("cuda") else 0
        threads = None if gpus else max(1, (os.cpu_count() or 1) // n)
        ex = submitit.AutoExecutor(folder=_submitit_folder(root), cluster="local")
        ex.update_parameters(timeout_min=7 * 24 * 60)
        jobs = [ex.submit(CellWorker(cells, opts, root, gpu=i % gpus if gpus else None, threads=threads))
                for i in range(n)]
        for job in jobs:
            try:
                job.result()
            except Exception as e:  # a worker crashed outside a cell: its cells are picked up below
                print(f"worker {job.job_id} failed: {str(e).splitlines()[-1] if str(e) else e!r}", flush=True)
        # everything is normally finished now; what is not (a dead worker's cell) is trained here
        return work_through(cells, opts, root, train_fn, wait=True, before_cell=before_cell, on_epoch=on_epoch)


class Slurm:
    """EXECUTOR=slurm: one array task per cell not yet finished, claimed or
    queued; returns at once with the unfinished cells pending."""
    name = "slurm"
    waits = False
    parallel = True

    def __init__(self, params: dict, array_parallelism: int | None = None):
        self.params, self.array_parallelism = params, array_parallelism

    def in_flight(self, cell, root) -> bool:
        """True while the cell's worker holds a live claim or its job is queued or running."""
        if live_claim(cell_file(cell, ".claim", root)):
            return True
        try:
            with open(cell_file(cell, ".submitted.json", root)) as fh:
                sub = json.load(fh)
        except (OSError, ValueError):
            return False
        return slurm_state(sub["job_id"], sub["folder"]) in ACTIVE_SLURM_STATES

    def run(self, cells, opts, root, train_fn=None, before_cell=None, on_epoch=None):
        out, submit = {}, []
        for cell in cells:
            rec = load_cached(cell, root, run_key(opts))
            if rec is not None:
                out[cell.hash] = rec
            elif len(load_failures(cell, root)) >= MAX_ATTEMPTS:
                out[cell.hash] = failed_record(cell, load_failures(cell, root), root)
            elif self.in_flight(cell, root):
                out[cell.hash] = pending_record(cell, root, "queued or running on SLURM")
            else:
                submit.append(cell)
        if submit:
            import submitit
            folder = _submitit_folder(root)
            ex = submitit.AutoExecutor(folder=folder, cluster="slurm")
            params = dict(self.params)
            if self.array_parallelism:
                params["slurm_array_parallelism"] = self.array_parallelism
            ex.update_parameters(**params)
            with ex.batch():  # one array job; each task a CellWorker, whose checkpoint() requeues it
                jobs = [ex.submit(CellWorker([c], opts, root)) for c in submit]
            for cell, job in zip(submit, jobs):
                write_json_atomic(cell_file(cell, ".submitted.json", root),
                                  {"job_id": job.job_id, "folder": folder, "label": cell.label,
                                   "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
                out[cell.hash] = pending_record(cell, root, f"submitted as SLURM job {job.job_id}")
            print(f"submitted {len(submit)} cells as SLURM jobs {jobs[0].job_id}..{jobs[-1].job_id}", flush=True)
        return out


def slurm_state(job_id: str, folder: str) -> str:
    """The job's SLURM state (sacct through submitit), "UNKNOWN" when it cannot be read."""
    try:
        import submitit
        return submitit.SlurmJob(folder=folder, job_id=job_id).state.split()[0]
    except Exception:  # noqa: BLE001 -- no sacct here, or a malformed record
        return "UNKNOWN"


SLURM_ENV = {  # environment variable -> (submitit parameter, type)
    "SLURM_PARTITION": ("slurm_partition", str), "SLURM_TIME": ("timeout_min", int),
    "SLURM_GPUS_PER_TASK": ("gpus_per_node", int), "SLURM_CPUS_PER_TASK": ("cpus_per_task", int),
    "SLURM_MEM_GB": ("mem_gb", float), "SLURM_ACCOUNT": ("slurm_account", str),
    "SLURM_QOS": ("slurm_qos", str), "SLURM_CONSTRAINT": ("slurm_constraint", str),
}


def make_executor(name: str | None = None, jobs: int | None = None, env=None):
    """The executor named by `name` / `jobs`, defaulting to $EXECUTOR / $JOBS."""
    env = os.environ if env is None else env
    name = name or env.get("EXECUTOR") or "local"
    jobs = jobs if jobs is not None else int(env.get("JOBS") or 1)
    if jobs < 1:
        raise ValueError(f"JOBS must be at least 1, not {jobs}")
    if name == "local":
        return Sequential() if jobs == 1 else LocalProcesses(jobs)
    if name == "slurm":
        if shutil.which("sbatch") is None:
            raise ValueError("EXECUTOR=slurm needs SLURM (sbatch, srun) on this machine's PATH: run it on the "
                             "cluster's login node, or use EXECUTOR=local JOBS=N here")
        params = {"timeout_min": 24 * 60, "tasks_per_node": 1, "nodes": 1}
        for var, (key, typ) in SLURM_ENV.items():
            if env.get(var):
                params[key] = typ(env[var])
        parallel = int(env["SLURM_ARRAY_PARALLELISM"]) if env.get("SLURM_ARRAY_PARALLELISM") else None
        return Slurm(params, parallel)
    raise ValueError(f"unknown executor {name!r}; known: local, slurm")
