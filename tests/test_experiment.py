"""Cells, hashes, the atomic result cache and resume."""
import dataclasses
import json
import os
import subprocess
import sys

import pytest

from reproduce import experiment
from reproduce.data import DataSpec, DatasetUnavailable
from reproduce import cells as cells_module
from reproduce.experiment import Cell, Runner, load_cached, write_json_atomic
from reproduce.train import RunOptions, TrainSpec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cell(label="c", seed=0, scale="smoke", model=None, **train_kw):
    return Cell.make("ng", label, model or {"arch": "ng-toy", "act": "ng-relu", "t_init": -1.0},
                     DataSpec("cifar10", train_size=100), TrainSpec(epochs=2, **train_kw), seed, scale)


def test_hash_is_stable_across_processes():
    code = ("from reproduce.experiment import Cell; from reproduce.data import DataSpec; "
            "from reproduce.train import TrainSpec; "
            "print(Cell.make('ng','x',{'arch':'ng-toy','act':'ng-relu','t_init':-1.0},"
            "DataSpec('cifar10', train_size=100), TrainSpec(epochs=2), 0, 'smoke').hash)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == cell("another label").hash


def test_hash_changes_with_everything_that_affects_the_result():
    base = cell().hash
    variants = [cell(seed=1), cell(scale="fast"), cell(lr=0.5), cell(weight_decay=0.0),
                cell(model={"arch": "ng-toy", "act": "ng-relu", "t_init": -0.5}),
                dataclasses.replace(cell(), data=DataSpec("cifar10", train_size=200)),
                dataclasses.replace(cell(), data=DataSpec("cifar10", train_size=100, augment=False))]
    hashes = [v.hash for v in variants]
    assert base not in hashes and len(set(hashes)) == len(hashes)
    assert cell(label="other").hash == base  # the label is not part of the config


def test_model_dict_order_does_not_matter():
    a = cell(model={"arch": "ng-toy", "act": "relu", "init": "msra"})
    b = cell(model={"init": "msra", "act": "relu", "arch": "ng-toy"})
    assert a.hash == b.hash


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    path = str(tmp_path / "r.json")
    write_json_atomic(path, {"a": 1})

    def boom(*a, **k):
        raise RuntimeError("crash while writing")
    monkeypatch.setattr(json, "dump", boom)
    with pytest.raises(RuntimeError):
        write_json_atomic(path, {"a": 2})
    with open(path) as fh:
        assert json.load(fh) == {"a": 1}
    assert os.listdir(tmp_path) == ["r.json"]  # no temp file left behind


class CountingTrainer:
    def __init__(self, fail_at=None, exc=KeyboardInterrupt):
        self.calls, self.fail_at, self.exc = [], fail_at, exc

    def __call__(self, c, opts):
        if self.fail_at is not None and len(self.calls) == self.fail_at:
            raise self.exc()
        self.calls.append(c.label)
        return {"status": "ok", "max_train_acc": 0.1 * c.seed, "wall_time_s": 0.0}


def test_cached_cells_are_not_recomputed(tmp_path):
    cells = [cell(f"s{s}", seed=s) for s in range(4)]
    t1 = CountingTrainer()
    out = Runner(RunOptions(), root=str(tmp_path), train_fn=t1, progress=False).run(cells)
    assert len(t1.calls) == 4 and all(out[c.hash]["result"]["status"] == "ok" for c in cells)
    t2 = CountingTrainer()
    r2 = Runner(RunOptions(), root=str(tmp_path), train_fn=t2, progress=False)
    again = r2.run(cells)
    assert t2.calls == [] and r2.cached == 4
    assert again[cells[2].hash]["result"]["max_train_acc"] == pytest.approx(0.2)


def test_killed_run_resumes_with_only_missing_cells(tmp_path):
    cells = [cell(f"s{s}", seed=s) for s in range(5)]
    killed = CountingTrainer(fail_at=2)  # interrupted while training the third cell
    with pytest.raises(KeyboardInterrupt):
        Runner(RunOptions(), root=str(tmp_path), train_fn=killed, progress=False).run(cells)
    assert killed.calls == ["s0", "s1"]
    stored = sorted(os.listdir(tmp_path / "smoke" / "ng"))
    assert stored == sorted(f"{c.hash}.json" for c in cells[:2])  # finished cells complete, nothing partial
    resumed = CountingTrainer()
    Runner(RunOptions(), root=str(tmp_path), train_fn=resumed, progress=False).run(cells)
    assert resumed.calls == ["s2", "s3", "s4"]


def test_cache_invalidated_by_config(tmp_path):
    c = cell()
    Runner(RunOptions(), root=str(tmp_path), train_fn=CountingTrainer(), progress=False).run([c])
    assert load_cached(c, str(tmp_path)) is not None
    with open(c.result_path(str(tmp_path))) as fh:
        rec = json.load(fh)
    rec["config"]["seed"] = 99  # a file whose config does not match its name is not trusted
    write_json_atomic(c.result_path(str(tmp_path)), rec)
    assert load_cached(c, str(tmp_path)) is None


@pytest.fixture
def native_bf16(monkeypatch):
    """A CPU that computes bf16 natively, so that AMP on and off are two different runs on any machine."""
    from reproduce import train
    monkeypatch.setattr(train, "cpu_has_native_bf16", lambda: True)


def test_amp_off_after_a_bf16_run_retrains(tmp_path, native_bf16):
    c = cell()
    Runner(RunOptions(), root=str(tmp_path), train_fn=CountingTrainer(), progress=False).run([c])
    with open(c.result_path(str(tmp_path))) as fh:
        assert json.load(fh)["run"] == {"dtype": "bf16-autocast", "device_type": "cpu"}
    t = CountingTrainer()
    r = Runner(RunOptions(amp=False), root=str(tmp_path), train_fn=t, progress=False)
    out = r.run([c])
    assert t.calls == ["c"] and r.cached == 0 and "bf16-autocast" in r.replaced[c.hash]
    assert out[c.hash]["run"]["dtype"] == "fp32"
    t2 = CountingTrainer()  # and the fp32 result is reused for an fp32 request
    assert Runner(RunOptions(amp=False), root=str(tmp_path), train_fn=t2, progress=False).run([c]) and t2.calls == []


def test_another_device_type_is_another_run(tmp_path):
    c = cell()
    Runner(RunOptions(), root=str(tmp_path), train_fn=CountingTrainer(), progress=False).run([c])
    with open(c.result_path(str(tmp_path))) as fh:
        rec = json.load(fh)
    rec["run"]["device_type"] = "cuda"
    write_json_atomic(c.result_path(str(tmp_path)), rec)
    assert cells_module.lookup(c, str(tmp_path), cells_module.run_key(RunOptions())).status == "other-run"
    t = CountingTrainer()
    Runner(RunOptions(), root=str(tmp_path), train_fn=t, progress=False).run([c])
    assert t.calls == ["c"]


def other_code(monkeypatch):
    """Pretend the sources changed after the results were written."""
    monkeypatch.setattr(cells_module, "code_fingerprint", lambda root=None: "0123456789abcdef")


@pytest.mark.parametrize("scale", ["smoke", "fast", "paper"])
def test_a_cell_from_other_code_is_never_reused_silently(tmp_path, monkeypatch, scale):
    c = cell(scale=scale)
    Runner(RunOptions(), root=str(tmp_path), train_fn=CountingTrainer(), progress=False).run([c])
    other_code(monkeypatch)
    t = CountingTrainer()
    r = Runner(RunOptions(), root=str(tmp_path), train_fn=t, progress=False)
    out = r.run([c])
    if scale == "smoke":  # retrained
        assert t.calls == ["c"] and "stale" not in out[c.hash] and c.hash in r.replaced
    else:  # kept, and marked stale: which code trained it
        assert t.calls == [] and c.hash in r.stale and "trained by" in out[c.hash]["stale"]
        t2 = CountingTrainer()
        Runner(RunOptions(), root=str(tmp_path), train_fn=t2, progress=False, retrain_stale=True).run([c])
        assert t2.calls == ["c"]


def test_a_record_from_before_fingerprints_is_stale_not_current(tmp_path):
    """The committed paper-scale results carry code_version "1" and no fingerprint or run key."""
    c = cell(scale="paper")
    write_json_atomic(c.result_path(str(tmp_path)), {
        "code_version": "1", "commit": "e3802e2", "config": json.loads(json.dumps(c.config(), default=list)),
        "hash": c.hash, "label": c.label, "result": {"status": "ok", "dtype": "fp32", "device": "AMD EPYC (2 threads)"}})
    entry = cells_module.lookup(c, str(tmp_path), {"dtype": "fp32", "device_type": "cpu"})
    assert entry.status == "stale" and "code before fingerprints" in entry.reason and "e3802e2" in entry.reason
    assert cells_module.lookup(c, str(tmp_path), {"dtype": "bf16-autocast", "device_type": "cpu"}).status \
        == "other-run"
    t = CountingTrainer()
    r = Runner(RunOptions(amp=False), root=str(tmp_path), train_fn=t, progress=False)
    assert r.run([c])[c.hash]["stale"] and t.calls == []


def test_a_corrupt_result_is_reported_and_retrained(tmp_path, capsys):
    c = cell()
    Runner(RunOptions(), root=str(tmp_path), train_fn=CountingTrainer(), progress=False).run([c])
    with open(c.result_path(str(tmp_path)), "w") as fh:
        fh.write('{"code": "abc", "conf')  # truncated
    t = CountingTrainer()
    r = Runner(RunOptions(), root=str(tmp_path), train_fn=t, progress=False)
    r.run([c])
    assert t.calls == ["c"] and c.result_path(str(tmp_path)) in r.corrupt[c.hash]
    assert "corrupt result: " in capsys.readouterr().out
    assert load_cached(c, str(tmp_path)) is not None  # rewritten whole


def test_fingerprint_ignores_comments_and_docstrings_not_code(tmp_path):
    src = tmp_path / "reproduce"
    src.mkdir()
    (src / "train.py").write_text('"""Doc."""\nx = 1  # one\n')
    before = cells_module.code_fingerprint.__wrapped__(str(tmp_path))
    (src / "train.py").write_text('"""Other doc."""\n# a comment\nx = 1\n')
    assert cells_module.code_fingerprint.__wrapped__(str(tmp_path)) == before
    (src / "train.py").write_text('"""Doc."""\nx = 2\n')
    assert cells_module.code_fingerprint.__wrapped__(str(tmp_path)) != before
    assert len(cells_module.code_fingerprint()) == 16


def test_missing_dataset_is_not_run_and_not_cached(tmp_path):
    c = cell()
    t = CountingTrainer(fail_at=0, exc=lambda: DatasetUnavailable("cifar10 train unavailable"))
    out = Runner(RunOptions(), root=str(tmp_path), train_fn=t, progress=False).run([c])
    assert out[c.hash]["status"] == "not run" and "unavailable" in out[c.hash]["reason"]
    assert not os.path.exists(c.result_path(str(tmp_path)))


def test_count_macs_by_hand():
    from models import build_model
    from reproduce.experiment import count_macs
    toy = build_model("ng-toy", act="none")
    # two 3x3 convs 3->3 on 32x32 (27 MACs per output, 3*32*32 outputs each) + dense 3072 -> 10
    assert count_macs(toy, (3, 32, 32)) == 2 * 27 * 3 * 32 * 32 + 3072 * 10


def test_step_time_estimate_scales_with_depth_and_persists(monkeypatch, tmp_path):
    from reproduce import experiment
    from reproduce.experiment import _STEP_REF, measure_step_seconds
    monkeypatch.setattr(experiment, "step_times_path", lambda: str(tmp_path / "step-times.json"))
    _STEP_REF.clear()
    shallow = cell(model={"arch": "plain", "depth": 8, "width": 4, "act": "relu"})
    deep = cell(model={"arch": "plain", "depth": 20, "width": 4, "act": "relu"})
    t8 = measure_step_seconds(shallow, "cpu")
    t20 = measure_step_seconds(deep, "cpu")  # scaled from the depth-8 timing, not measured
    assert len(_STEP_REF) == 1 and 1.5 < t20 / t8 < 4
    # a later process (empty memory) reuses the stored timing instead of timing a step again
    assert len(json.loads((tmp_path / "step-times.json").read_text())) == 1
    _STEP_REF.clear()
    monkeypatch.setattr(experiment, "_build", lambda *a: pytest.fail("re-timed a stored family"))
    assert measure_step_seconds(deep, "cpu") == pytest.approx(t20)
    _STEP_REF.clear()


def test_analytic_claim_is_shown_but_not_counted_as_passed(tmp_path):
    from reproduce import report
    from reproduce.targets import Claim, Target
    target = Target("ng", "zz", "figure", "t", cells=lambda s: [], protocol=lambda s: [],
                    claims=[Claim("holds by construction", lambda m: (True, "0.5 = 0.5"), analytic=True),
                            Claim("measured", lambda m: (True, "ok"))],
                    values=lambda done: [])
    results = report.check_claims(target, [(cell(), {"result": {}})])
    assert [c["analytic"] for c in results] == [True, False]
    os.makedirs(tmp_path / "smoke")
    write_json_atomic(str(tmp_path / "smoke" / "ng-figure-zz.json"),
                      {"target": "ng-figure-zz", "title": "t", "path": "x.png", "verdicts": {}, "claims": results})
    row = [line for line in open(report.write_scorecard("smoke", str(tmp_path))) if "ng-figure-zz" in line][0]
    assert "| 1 | 0 | 0 | 1 |" in row  # one passed (the measured one), none failed, none n/a, one analytic
    assert report.claim_mark(True, analytic=True).startswith("PASS (analytic")


def test_a_measurement_job_is_reused_whatever_amp_says(tmp_path, native_bf16):
    """Measurement jobs (reproduce.measure) run in their own dtype (fp32, fp64): AMP does not change them, so it
    does not decide their reuse; the record says the dtype that ran."""
    c = dataclasses.replace(cell(), job="init_stats")
    trainer = lambda c, opts: {"status": "ok", "dtype": "fp64", "wall_time_s": 0.0}  # noqa: E731
    Runner(RunOptions(), root=str(tmp_path), train_fn=trainer, progress=False).run([c])
    with open(c.result_path(str(tmp_path))) as fh:
        assert json.load(fh)["run"] == {"dtype": "fp64", "device_type": "cpu"}
    t = CountingTrainer()
    Runner(RunOptions(amp=False), root=str(tmp_path), train_fn=t, progress=False).run([c])
    assert t.calls == []


def test_the_commit_is_the_checkouts_whatever_the_working_directory(tmp_path, monkeypatch):
    """A run started from another folder (tests, SLURM jobs, a user's results folder) records this checkout's
    commit, not 'unknown': failures are kept per commit and would otherwise never match."""
    from reproduce import cells
    here = cells.git_commit()
    cells.git_commit.cache_clear()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REPRO_COMMIT", raising=False)
    try:
        assert cells.git_commit() == here != "unknown"
    finally:
        cells.git_commit.cache_clear()
