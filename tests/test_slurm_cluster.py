"""EXECUTOR=slurm against a real SLURM cluster: a one-node cluster on localhost (tests/local_slurm.py) with
real sbatch, squeue, sacct, scontrol requeue and scancel, as a cluster user would drive it.

Skipped with one line on a machine without root or SLURM's packages; in CI (CI=true) the cluster must start,
so a broken SLURM path fails the run instead of hiding behind a skip (.ci/run installs the packages)."""
import json
import os
import subprocess
import sys
import time

import pytest

import local_slurm
from reproduce.data import DataSpec
from reproduce.executors import Sequential, cell_file, live_claim, make_executor
from reproduce.experiment import Cell, load_cached
from reproduce.train import RunOptions, TrainSpec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IN_CI = os.environ.get("CI") == "true"
HAS_CIFAR = bool(os.environ.get("REPRO_DATA")) or os.path.isdir(os.path.join(ROOT, "data"))
SLURM_ENV = {"EXECUTOR": "slurm", "SLURM_CPUS_PER_TASK": "1", "SLURM_TIME": "30"}


def _unavailable(why: str):
    if IN_CI:
        pytest.fail(f"CI must run the SLURM tests, but: {why}", pytrace=False)
    pytest.skip(why)


@pytest.fixture(scope="module")
def cluster():
    why = local_slurm.missing() or (None if HAS_CIFAR else "needs CIFAR-10 (set REPRO_DATA)")
    if why:
        _unavailable(why)
    c = local_slurm.LocalSlurm()
    try:
        c.start()
    except Exception as e:  # noqa: BLE001 -- any failure to start is reported in one line
        c.stop()
        _unavailable(f"the local SLURM cluster did not start: {e}")
    yield c
    c.stop()


@pytest.fixture
def job_env(monkeypatch):
    """What sbatch passes on to the jobs (--export=ALL): one thread per task, this checkout on the path."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("PYTHONPATH", ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def toy(label: str, epochs: int, train_size: int = 2048, arch: str = "ng-toy", seed: int = 0) -> Cell:
    return Cell.make("ng", label, {"arch": arch, "act": "ng-relu", "t_init": -1.0},
                     DataSpec("cifar10", train_size=train_size, test_size=256), TrainSpec(epochs=epochs, lr=0.01), seed,
                     "smoke")


def wait_for(what: str, ok, timeout: float = 240) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if ok():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def same_run(a: dict, b: dict) -> None:
    """Two result records describe the same training: every number of every epoch, except timings."""
    def strip(rec):
        return [{k: v for k, v in row.items() if k != "seconds"} for row in rec["history"]]
    assert strip(a) == strip(b)
    for key in ("status", "final_train_acc", "final_test_acc", "epochs_run"):
        assert a[key] == b[key]


def reference(cell: Cell, root) -> dict:
    """The same cell trained in this process, uninterrupted, on one thread as each SLURM task is."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return Sequential().run([cell], RunOptions(device="cpu"), str(root), None)[cell.hash]["result"]
    finally:
        torch.set_num_threads(threads)


def submitted_job(cell: Cell, root) -> str:
    with open(cell_file(cell, ".submitted.json", str(root))) as fh:
        return json.load(fh)["job_id"]


# ---------------------------------------------------------------- a table, as a user runs it


def test_a_smoke_table_on_slurm_equals_the_local_table(cluster, tmp_path, job_env):
    """`make reproduce-table-ortho-text SCALE=smoke EXECUTOR=slurm`: one array task per cell, `make` returns
    after submitting; a second `make` while the jobs are queued or running submits nothing; once they have
    finished, a third renders the same table (numbers and verdicts) as EXECUTOR=local."""
    def make(folder, executor):
        folder.mkdir(exist_ok=True)
        env = {**os.environ, "REPRO_RESULTS": str(folder / "results"), **(SLURM_ENV if executor == "slurm" else {})}
        env["EXECUTOR"] = executor
        res = subprocess.run([sys.executable, "-m", "reproduce", "table", "ortho", "text", "--scale", "smoke",
                              "--no-progress"], cwd=folder, env=env, capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, res.stderr[-2000:]
        md = (folder / "tables" / "smoke" / "ortho-table-text.md").read_text()
        rows = [line.split("|")[1:9] for line in md.splitlines() if line.startswith("| ") and "published" not in line]
        return res.stdout, md, rows

    before = set(cluster.jobs())
    started = time.time()
    out, md, _ = make(tmp_path / "slurm", "slurm")
    # the text table's five nets (ortho / L2 at 44 layers; three ortho nets at 110)
    assert "submitted 5 cells as SLURM jobs" in out and time.time() - started < 120  # returns after submitting
    assert "**Incomplete**: 5 cells pending" in md
    tasks = set(cluster.jobs()) - before
    assert len(tasks) == 5 and len({t.split("_")[0] for t in tasks}) == 1  # one array, one task per cell

    assert cluster.active(), "the jobs finished before the second make could see them queued or running"
    out, md, _ = make(tmp_path / "slurm", "slurm")
    assert "submitted" not in out and set(cluster.jobs()) - before == tasks  # nothing new while they run

    cluster.wait_idle()
    out, md, rows = make(tmp_path / "slurm", "slurm")
    assert "submitted" not in out and "Incomplete" not in md and "5 from cache" in md
    assert set(cluster.jobs()) - before == tasks
    _, local_md, local_rows = make(tmp_path / "local", "local")
    assert rows == local_rows and len(rows) >= 3  # same numbers, same verdicts


# ---------------------------------------------------------------- requeue, failure, cancel


def test_a_requeued_job_resumes_from_its_checkpoint_with_the_uninterrupted_numbers(cluster, tmp_path, job_env):
    """`scontrol requeue` in the middle of a multi-epoch cell: the requeued task resumes from the last epoch
    checkpoint and ends with exactly the numbers of an uninterrupted run."""
    cell = toy("requeued", epochs=40)  # long enough to still run when SIGKILL comes (KillWait + srun wait: ~6 s)
    root = tmp_path / "results"
    make_executor(env=SLURM_ENV).run([cell], RunOptions(device="cpu"), str(root))
    job = submitted_job(cell, root)
    wait_for("the first epoch checkpoint", lambda: os.path.exists(cell_file(cell, ".ckpt", str(root))))
    assert load_cached(cell, str(root)) is None, "the cell finished before it could be requeued: make it longer"
    res = subprocess.run(["scontrol", "requeue", job], capture_output=True, text=True, env=cluster.env())
    assert res.returncode == 0, res.stderr
    # SLURM holds a requeued job for 120 s (Reason=BeginTime) once it is pending again; release it now, as an
    # admin may
    wait_for("the requeued job to be pending", lambda: cluster.state(job) == "PENDING", 60)
    subprocess.run(["scontrol", "update", f"JobId={job}", "StartTime=now"], capture_output=True, env=cluster.env())
    wait_for("the requeued cell to finish", lambda: load_cached(cell, str(root)) is not None, 300)
    rec = load_cached(cell, str(root))["result"]
    assert rec["resumed_at_epochs"] and 0 < rec["resumed_at_epochs"][0] < cell.train.epochs  # really resumed
    same_run(rec, reference(cell, tmp_path / "reference"))
    assert not os.path.exists(cell_file(cell, ".failures.json", str(root)))  # a requeue is not a failure


def test_a_failing_job_is_recorded_as_failed_and_not_resubmitted(cluster, tmp_path, job_env):
    """A cell whose config raises: the task records it failed with its error (tried twice), the table shows
    it, and running the target again for the same commit submits nothing."""
    cell = toy("broken", epochs=1, arch="no-such-architecture")
    root, ex = str(tmp_path / "results"), make_executor(env=SLURM_ENV)
    before = set(cluster.jobs())
    assert ex.run([cell], RunOptions(device="cpu"), root)[cell.hash]["status"] == "pending"
    cluster.wait_idle()
    again = ex.run([cell], RunOptions(device="cpu"), root)[cell.hash]
    assert again["status"] == "failed" and "no-such-architecture" in again["reason"]
    assert len(set(cluster.jobs()) - before) == 1  # the failed cell was not submitted a second time

    from reproduce import report
    from reproduce.targets import Target
    target = Target("ng", "zz", "table", "t", cells=lambda s: [cell], protocol=lambda s: [], values=lambda d: [])
    report.render_table(target, "smoke", [(cell, again)], {}, out_dir=str(tmp_path / "tables"))
    md = (tmp_path / "tables" / "smoke" / "ng-table-zz.md").read_text()
    assert "**Failed cells** (1" in md and "no-such-architecture" in md


def test_scancel_of_the_array_leaves_nothing_that_blocks_a_later_run(cluster, tmp_path, job_env):
    """`scancel` of a whole array while its tasks train: no claim stays live, the cancelled cells are not
    counted as queued, and a later run trains them at once."""
    cells = [toy(f"cancelled {i}", epochs=40, seed=i) for i in range(2)]
    root, ex = str(tmp_path / "results"), make_executor(env=SLURM_ENV)
    ex.run(cells, RunOptions(device="cpu"), root)
    wait_for("both tasks to claim their cells", lambda: all(live_claim(cell_file(c, ".claim", root)) for c in cells))
    array = submitted_job(cells[0], root).split("_")[0]
    assert subprocess.run(["scancel", array], env=cluster.env()).returncode == 0
    cluster.wait_idle(60)
    assert not any(live_claim(cell_file(c, ".claim", root)) for c in cells)
    assert not any(ex.in_flight(c, root) for c in cells)
    trained = []

    def quick(cell, opts):  # stands in for training: what matters is that this run may take the cells at once
        trained.append(cell.label)
        return {"status": "ok", "history": []}
    started = time.time()
    out = Sequential().run(cells, RunOptions(device="cpu"), root, quick)
    assert sorted(trained) == sorted(c.label for c in cells) and time.time() - started < 30
    assert all(out[c.hash]["result"]["status"] == "ok" for c in cells)


def test_array_ids_are_expanded_one_per_task():
    assert local_slurm.expand_array("7_[2-3,5%4]") == ["7_2", "7_3", "7_5"]
    assert local_slurm.expand_array("7_1") == ["7_1"] and local_slurm.expand_array("12") == ["12"]
