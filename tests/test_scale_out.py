"""Scale-out: claims, retries, per-epoch checkpoints and resume, worker processes (submitit's local executor),
SLURM submission (submitit stubbed: no cluster here), and rendering of unfinished tables."""
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time

import pytest

from reproduce import claims, executors
from reproduce.data import DataSpec
from reproduce.executors import LocalProcesses, Sequential, cell_file, make_executor
from reproduce.experiment import Cell, Runner, load_cached
from reproduce.train import RunOptions, TrainSpec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny(seed=0, epochs=4, label=None):
    """A real cell that trains in well under a second per epoch on the CPU."""
    return Cell.make("ng", label or f"tiny s{seed}", {"arch": "ng-toy", "act": "ng-relu", "t_init": -1.0},
                     DataSpec("cifar10", train_size=256, test_size=256), TrainSpec(epochs=epochs, lr=0.05), seed,
                     "smoke")


def same_run(a: dict, b: dict) -> None:
    """Two result records describe the same training: every number of every epoch, except timings."""
    strip = [{k: v for k, v in row.items() if k != "seconds"} for row in a["history"]]
    assert strip == [{k: v for k, v in row.items() if k != "seconds"} for row in b["history"]]
    for key in ("status", "final_train_acc", "final_test_acc", "best_test_acc", "epochs_run"):
        assert a[key] == b[key]


# ---------------------------------------------------------------- claims


def test_claim_is_exclusive_and_released(tmp_path):
    path = str(tmp_path / "c.claim")
    first, second = claims.Claim(path), claims.Claim(path)
    assert first.acquire()
    assert not second.acquire()
    assert claims.live_claim(path)["pid"] == os.getpid()
    first.release()
    assert not os.path.exists(path)
    assert second.acquire() and second.previous is None
    second.release()


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_claim_of_a_dead_process_is_taken_over(tmp_path):
    path = str(tmp_path / "c.claim")
    import socket
    with open(path, "w") as fh:
        json.dump({"host": socket.gethostname(), "pid": dead_pid()}, fh)
    c = claims.Claim(path)
    assert c.acquire()
    assert c.previous["pid"] != os.getpid()
    c.release()


def test_claim_of_another_host_is_live_until_its_heartbeat_stops(tmp_path):
    path = str(tmp_path / "c.claim")
    with open(path, "w") as fh:
        json.dump({"host": "elsewhere", "pid": 1}, fh)
    assert not claims.Claim(path, stale_s=60).acquire()
    old = time.time() - 120
    os.utime(path, (old, old))
    c = claims.Claim(path, stale_s=60)
    assert c.acquire() and c.previous["host"] == "elsewhere"
    c.release()


def test_heartbeat_keeps_a_claim_fresh(tmp_path):
    path = str(tmp_path / "c.claim")
    c = claims.Claim(path, heartbeat_s=0.05)
    assert c.acquire()
    old = time.time() - 1000
    os.utime(path, (old, old))
    time.sleep(0.3)
    assert time.time() - os.stat(path).st_mtime < 10
    c.release()


# ---------------------------------------------------------------- retries


class Flaky:
    def __init__(self, failures):
        self.failures, self.calls = failures, 0

    def __call__(self, cell, opts):
        self.calls += 1
        if self.calls <= self.failures:
            raise RuntimeError(f"boom {self.calls}")
        return {"status": "ok", "wall_time_s": 0.0}


def test_a_crashed_cell_is_retried_once(tmp_path):
    c = tiny()
    t = Flaky(failures=1)
    rec = Runner(RunOptions(), root=str(tmp_path), train_fn=t, progress=False).run([c])[c.hash]
    assert t.calls == 2 and rec["result"]["status"] == "ok"
    assert not os.path.exists(cell_file(c, ".failures.json", str(tmp_path)))
    assert not os.path.exists(cell_file(c, ".claim", str(tmp_path)))


def test_a_cell_that_crashes_twice_is_recorded_as_failed_with_its_error(tmp_path):
    c = tiny()
    t = Flaky(failures=5)
    rec = Runner(RunOptions(), root=str(tmp_path), train_fn=t, progress=False).run([c])[c.hash]
    assert t.calls == 2 and rec["status"] == "failed" and "boom 2" in rec["reason"]
    assert load_cached(c, str(tmp_path)) is None
    again = Flaky(failures=0)  # not retried again by a later run of the same commit
    rec = Runner(RunOptions(), root=str(tmp_path), train_fn=again, progress=False).run([c])[c.hash]
    assert again.calls == 0 and rec["status"] == "failed"


# ---------------------------------------------------------------- checkpoints


def test_checkpoint_resume_equals_uninterrupted_run_after_sigkill(tmp_path, tiny_cifar):
    c = tiny(epochs=6)
    whole = Runner(RunOptions(), root=str(tmp_path / "whole"), progress=False).run([c])[c.hash]["result"]
    assert whole["resumed_at_epochs"] == []
    assert not os.path.exists(cell_file(c, ".ckpt", str(tmp_path / "whole")))  # removed with the result

    root = str(tmp_path / "killed")
    with open(tmp_path / "cell.pkl", "wb") as fh:
        pickle.dump(c, fh)
    script = ("import pickle, sys, time, dataclasses\n"
              "from reproduce.experiment import Runner, run_cell\n"
              "from reproduce.train import RunOptions\n"
              "cell = pickle.load(open(sys.argv[1], 'rb'))\n"
              "def slow(cell, opts):  # the same training, slowed down so that the test can kill it mid-cell\n"
              "    return run_cell(cell, dataclasses.replace(opts, progress=lambda e, row: time.sleep(0.5)))\n"
              "Runner(RunOptions(), root=sys.argv[2], train_fn=slow, progress=False).run([cell])\n")
    worker = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "cell.pkl"), root], cwd=ROOT)
    ckpt = cell_file(c, ".ckpt", root)
    deadline = time.time() + 120
    while not os.path.exists(ckpt) and time.time() < deadline and worker.poll() is None:
        time.sleep(0.05)
    assert os.path.exists(ckpt), "the worker never wrote a checkpoint"
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert load_cached(c, root) is None and os.path.exists(cell_file(c, ".claim", root))  # killed mid-cell

    resumed = Runner(RunOptions(), root=root, progress=False).run([c])[c.hash]["result"]
    assert len(resumed["resumed_at_epochs"]) == 1 and 1 <= resumed["resumed_at_epochs"][0] < 6
    same_run(resumed, whole)
    assert not os.path.exists(ckpt) and not os.path.exists(cell_file(c, ".claim", root))


def test_a_killed_worker_process_is_resumed_from_its_checkpoint(tmp_path, tiny_cifar):
    """JOBS=1 worker (submitit local job) killed with SIGKILL mid-cell: the runner takes its stale claim over
    and resumes the cell from the last epoch checkpoint; the numbers are those of an uninterrupted run."""
    import threading

    import torch
    c = Cell.make("ng", "plain-20 w8", {"arch": "plain", "depth": 20, "width": 8, "act": "ng-relu", "init": "msra"},
                  DataSpec("cifar10", train_size=512, test_size=256), TrainSpec(epochs=6, lr=0.01), 0, "smoke")
    threads = torch.get_num_threads()
    torch.set_num_threads(os.cpu_count() or 1)  # what LocalProcesses(1) gives its worker
    try:
        whole = Runner(RunOptions(), root=str(tmp_path / "whole"), progress=False).run([c])[c.hash]["result"]
        root = str(tmp_path / "killed")
        out = {}
        runner = Runner(RunOptions(), root=root, progress=False, executor=LocalProcesses(1))
        thread = threading.Thread(target=lambda: out.update(runner.run([c])))
        thread.start()
        ckpt, deadline = cell_file(c, ".ckpt", root), time.time() + 120
        while not os.path.exists(ckpt) and time.time() < deadline:
            time.sleep(0.05)
        worker = claims.read_claim(cell_file(c, ".claim", root))
        assert worker and worker["pid"] != os.getpid()
        os.kill(worker["pid"], signal.SIGKILL)
        thread.join(timeout=300)
    finally:
        torch.set_num_threads(threads)
    resumed = out[c.hash]["result"]
    assert len(resumed["resumed_at_epochs"]) == 1
    same_run(resumed, whole)


def test_checkpoint_of_another_spec_is_not_resumed(tmp_path):
    from reproduce.checkpoint import load_checkpoint, save_checkpoint
    path = str(tmp_path / "x.ckpt")
    save_checkpoint(path, {"tag": "1", "spec": {"epochs": 3}, "history": []})
    assert load_checkpoint(path, "1", {"epochs": 3}) is not None
    assert load_checkpoint(path, "2", {"epochs": 3}) is None
    assert load_checkpoint(path, "1", {"epochs": 4}) is None
    with open(path, "wb") as fh:
        fh.write(b"truncated")
    assert load_checkpoint(path, "1", {"epochs": 3}) is None


# ---------------------------------------------------------------- worker processes


def test_worker_processes_give_the_numbers_of_the_sequential_run(tmp_path, tiny_cifar):
    import torch
    cells = [tiny(seed=s, epochs=2) for s in range(3)]
    threads = torch.get_num_threads()
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // 2))  # what each of the two workers gets: the float
    try:                                                        # reductions then run in the same order
        seq = Runner(RunOptions(), root=str(tmp_path / "seq"), progress=False).run(cells)
    finally:
        torch.set_num_threads(threads)
    par = Runner(RunOptions(), root=str(tmp_path / "par"), progress=False, executor=LocalProcesses(2)).run(cells)
    for c in cells:
        same_run(par[c.hash]["result"], seq[c.hash]["result"])
    jobs = [d for d in os.listdir(tmp_path / "par" / "submitit") if d.isdigit()]
    assert len(jobs) == 2  # two worker processes (submitit jobs, named by their pid)


def test_a_smoke_table_with_two_workers_equals_the_sequential_table(tmp_path, tiny_cifar):
    """`make reproduce-table-ortho-text JOBS=2` against the default executor, each in its own results folder:
    the same reproduced numbers and evidence (each run's final training accuracy: at smoke the nets may stay at
    chance, whose values are n/c; the sequential run gets the thread count each worker gets)."""
    def table(folder, jobs, threads):
        folder.mkdir()
        env = {**os.environ, "REPRO_RESULTS": str(folder / "results"), "OMP_NUM_THREADS": str(threads)}
        subprocess.run([sys.executable, "-m", "reproduce", "table", "ortho", "text", "--scale", "smoke",
                        "--jobs", str(jobs), "--no-progress"], cwd=folder, env=env, check=True, capture_output=True)
        md = (folder / "tables" / "smoke" / "ortho-table-text.md").read_text()
        rows = [line.split("|")[1:9] for line in md.splitlines() if line.startswith("| ") and "published" not in line]
        return rows, md
    seq, _ = table(tmp_path / "seq", 1, max(1, (os.cpu_count() or 1) // 2))
    par, md = table(tmp_path / "par", 2, 1)
    assert par == seq and len(seq) >= 3
    # the text table's five nets: ortho and L2 at 44 layers, modulation throughout / first n and no modulation at 110
    assert "5 trained in this run" in md and len(os.listdir(tmp_path / "par" / "results" / "smoke" / "ortho")) == 5


def test_two_runners_at_once_train_each_cell_once(tmp_path):
    cells = [tiny(seed=s, label=f"s{s}") for s in range(6)]
    with open(tmp_path / "cells.pkl", "wb") as fh:
        pickle.dump(cells, fh)
    log = tmp_path / "trained.log"
    script = ("import pickle, sys, os, time\n"
              "from reproduce.experiment import Runner\n"
              "from reproduce.train import RunOptions\n"
              "cells = pickle.load(open(sys.argv[1], 'rb'))\n"
              "def stub(cell, opts):\n"
              "    with open(sys.argv[3], 'a') as fh:\n"
              "        fh.write(f'{cell.label} {os.getpid()}\\n')\n"
              "    time.sleep(0.3)\n"
              "    return {'status': 'ok', 'wall_time_s': 0.3, 'seed': cell.seed}\n"
              "out = Runner(RunOptions(), root=sys.argv[2], train_fn=stub, progress=False).run(cells)\n"
              "assert all(r['result']['seed'] == c.seed for c, r in zip(cells, out.values()))\n")
    args = [sys.executable, "-c", script, str(tmp_path / "cells.pkl"), str(tmp_path / "res"), str(log)]
    procs = [subprocess.Popen(args, cwd=ROOT) for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]  # both end with every cell's record
    trained = [line.split()[0] for line in log.read_text().splitlines()]
    assert sorted(trained) == sorted(c.label for c in cells)  # each cell trained exactly once
    assert len({line.split()[1] for line in log.read_text().splitlines()}) == 2  # and the work was shared


class BatchRecorder(Sequential):
    """An in-process stand-in for worker processes that records which cells each round gets."""
    parallel = True

    def __init__(self):
        self.rounds = []

    def run(self, cells, *args, **kwargs):
        self.rounds.append(sorted(c.label for c in cells))
        return super().run(cells, *args, **kwargs)


def test_adaptive_searches_advance_in_parallel_rounds(tmp_path):
    from reproduce.critical_depth import SearchSpec, execute_searches

    def make_cell(row):
        return lambda depth: Cell.make("ng", f"{row} d{depth}", {"arch": "ng-toy", "depth": depth, "row": row},
                                       DataSpec("cifar10"), TrainSpec(epochs=1), 0, "smoke")

    def stub(cell, opts):  # converges up to depth 44 for row a, 20 for row b
        limit = 44 if dict(cell.model)["row"] == "a" else 20
        ok = dict(cell.model)["depth"] <= limit
        return {"status": "ok", "final_train_acc": 0.9 if ok else 0.1, "max_train_acc": 0.9 if ok else 0.1}
    specs = [SearchSpec(r, "c", make_cell(r), [20, 32, 44, 56]) for r in "ab"]
    seq = execute_searches(specs, Runner(RunOptions(), root=str(tmp_path / "s"), train_fn=stub, progress=False).run)
    rec = BatchRecorder()
    runner = Runner(RunOptions(), root=str(tmp_path / "p"), train_fn=stub, progress=False, executor=rec)
    par = runner.execute(lambda run, scale: execute_searches(specs, run), "smoke")
    assert [c.label for c, _ in par] == [c.label for c, _ in seq]
    assert rec.rounds[0] == ["a d20", "b d20"]  # both searches' first depth in one round
    assert rec.rounds[1] == ["a d32", "b d32"]
    assert len(rec.rounds) == 4  # a needs 20, 32, 44, 56; b stops after 32


# ---------------------------------------------------------------- SLURM (submitit stubbed)


class FakeJob:
    def __init__(self, n):
        self.job_id = f"77_{n}"


class FakeSlurmExecutor:
    submitted, params = [], {}

    def __init__(self, folder, cluster):
        assert cluster == "slurm"

    def update_parameters(self, **kw):
        FakeSlurmExecutor.params = kw

    def batch(self):
        import contextlib
        return contextlib.nullcontext()

    def submit(self, worker):
        FakeSlurmExecutor.submitted.append(worker)
        return FakeJob(len(FakeSlurmExecutor.submitted) - 1)


def test_slurm_submits_each_unfinished_cell_once_and_returns(tmp_path, monkeypatch):
    import submitit
    monkeypatch.setattr(submitit, "AutoExecutor", FakeSlurmExecutor)
    monkeypatch.setattr(executors.shutil, "which", lambda cmd: f"/usr/bin/{cmd}")
    FakeSlurmExecutor.submitted = []
    env = {"EXECUTOR": "slurm", "SLURM_PARTITION": "gpu", "SLURM_TIME": "600", "SLURM_GPUS_PER_TASK": "1",
           "SLURM_ARRAY_PARALLELISM": "8"}
    ex = make_executor(env=env)
    cells = [tiny(seed=s) for s in range(3)]
    out = Runner(RunOptions(), root=str(tmp_path), progress=False, executor=ex).run(cells)
    assert all(out[c.hash]["status"] == "pending" for c in cells)
    assert len(FakeSlurmExecutor.submitted) == 3 and [w.cells for w in FakeSlurmExecutor.submitted] == [[c] for c in cells]
    assert FakeSlurmExecutor.params["slurm_partition"] == "gpu" and FakeSlurmExecutor.params["timeout_min"] == 600
    assert FakeSlurmExecutor.params["gpus_per_node"] == 1 and FakeSlurmExecutor.params["slurm_array_parallelism"] == 8
    monkeypatch.setattr(executors, "slurm_state", lambda job_id, folder: "RUNNING")
    Runner(RunOptions(), root=str(tmp_path), progress=False, executor=ex).run(cells)
    assert len(FakeSlurmExecutor.submitted) == 3  # queued or running: not submitted again
    monkeypatch.setattr(executors, "slurm_state", lambda job_id, folder: "FAILED")
    Runner(RunOptions(), root=str(tmp_path), progress=False, executor=ex).run(cells)
    assert len(FakeSlurmExecutor.submitted) == 6  # the jobs ended without results: submitted again


def test_executor_choice_errors(monkeypatch):
    assert isinstance(make_executor(env={}), Sequential)
    assert isinstance(make_executor(env={"JOBS": "3"}), LocalProcesses)
    with pytest.raises(ValueError, match="unknown executor"):
        make_executor(env={"EXECUTOR": "kubernetes"})
    with pytest.raises(ValueError, match="at least 1"):
        make_executor(env={"JOBS": "0"})
    monkeypatch.setattr(executors.shutil, "which", lambda name: None)  # a machine without SLURM (CI has one)
    with pytest.raises(ValueError, match="needs SLURM"):  # one clear error, not a traceback from submitit
        make_executor(env={"EXECUTOR": "slurm"})


def test_cli_rejects_an_unknown_executor():
    out = subprocess.run([sys.executable, "-m", "reproduce", "table", "ng", "1", "--scale", "smoke", "--jobs", "0"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and "JOBS must be at least 1" in out.stderr


# ---------------------------------------------------------------- rendering unfinished tables


def test_pending_cells_render_as_pending_never_as_numbers(tmp_path, monkeypatch):
    from reproduce.report import render_table
    from reproduce.targets import get_target
    monkeypatch.chdir(tmp_path)
    target = get_target("table", "ng", "1")
    cells = target.cells("smoke")
    pairs = [(c, {"status": "pending", "reason": f"{c.label}: queued"}) for c in cells]
    summary = render_table(target, "smoke", pairs, {})
    md = (tmp_path / "tables" / "smoke" / "ng-table-1.md").read_text()
    assert "**Incomplete**" in md and summary["pending"] == len(cells)
    assert summary["verdicts"]["pending"] > 0 and summary["verdicts"]["differs"] == 0
    assert all(c["passed"] is None and "pending" in c["detail"] for c in summary["claims"])
    rows = [line for line in md.splitlines() if line.startswith("| ") and "pending |" in line]
    assert rows and all("| — |" in line for line in rows)  # the reproduced column is empty, not zero
