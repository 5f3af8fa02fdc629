"""The command line and make targets, end to end on a tiny generated fixture."""
import csv
import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest

from reproduce import experiment
from reproduce.__main__ import main
from reproduce.data import save_npz_atomic
from reproduce.report import published

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A fresh output folder with a tiny CIFAR-10-shaped fixture as REPRO_DATA."""
    rng = np.random.RandomState(0)
    data = tmp_path / "data"
    for split, n in (("train", 300), ("test", 100)):
        y = np.arange(n, dtype=np.int64) % 10
        save_npz_atomic(str(data / "cifar10" / f"{split}.npz"),
                        rng.randint(0, 256, (n, 32, 32, 3)).astype(np.uint8), y)
    monkeypatch.setenv("REPRO_DATA", str(data))
    monkeypatch.chdir(tmp_path)
    experiment._TASKS.clear()
    return tmp_path


def test_unknown_table_id_exits_nonzero_listing_valid_ids(capsys):
    assert main(["table", "ng", "99", "--scale", "smoke"]) == 2
    err = capsys.readouterr().err
    assert "99" in err and "valid table ids:" in err and " 1" in err and "A4" in err


def test_unknown_paper_exits_nonzero(capsys):
    assert main(["paper", "nope", "--scale", "smoke"]) == 2
    assert "valid papers: ng" in capsys.readouterr().err


def test_make_unknown_target_fails():
    out = subprocess.run(["make", "-s", "reproduce-table-ng-99", "SCALE=smoke", f"PY={sys.executable}"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode != 0 and "valid table ids" in out.stderr


def test_smoke_table1_renders_every_published_number_and_caches(workdir, monkeypatch, capsys):
    # random fixture images: the toy nets cannot show Table 1's declared claims, so the smoke gate fails (exit 4)
    assert main(["table", "ng", "1", "--scale", "smoke", "--no-progress"]) == 4
    assert "ng-table-1: As t increased, so did the maximum training accuracy" in capsys.readouterr().err
    md = (workdir / "tables/smoke/ng-table-1.md").read_text()
    for row in published("ng", "1"):
        assert row["value"] in md
    for v in ("35.75", "42.66", "46.20", "50.03", "46.73", "-0.4765"):
        assert v in md
    assert "Scale: smoke" in md and "## Claims" in md and "## Deviations" in md
    with open(workdir / "tables/smoke/ng-table-1.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(published("ng", "1")) and all(r["reproduced"] != "" for r in rows)
    assert (workdir / "tables/smoke/REPORT.md").read_text().count("ng-table-1") >= 1
    assert len(os.listdir(workdir / "results/smoke/ng")) == 6

    def no_training(*a, **k):
        raise AssertionError("a cached cell was retrained")
    monkeypatch.setattr(experiment, "run_cell", no_training)
    assert main(["table", "ng", "1", "--scale", "smoke", "--no-progress"]) == 4


def test_empty_repro_data_renders_not_run_with_published_numbers(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REPRO_DATA", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty").chmod(0o555)  # read-only: no download attempt
    monkeypatch.chdir(tmp_path)
    assert main(["table", "ng", "1", "--scale", "smoke", "--no-progress"]) == 3
    md = (tmp_path / "tables/smoke/ng-table-1.md").read_text()
    assert "Not run" in md and "35.75" in md and "REPRO_DATA" in md
    err = capsys.readouterr().err
    # Table 1's declared claims are named as not run; exit 3 (data missing) says why for one target
    assert "REPRO_DATA" in err and "smoke gate FAILED" in err and "ng-table-1: As t increased" in err
    assert main(["table", "lsuv", "10", "--scale", "smoke", "--no-progress"]) == 3
    assert "4.87E-10" in (tmp_path / "tables/smoke/lsuv-table-10.md").read_text()
    err = capsys.readouterr().err
    assert "smoke gate FAILED" in err and "lsuv-table-10: It is much more stable" in err
    assert "not run: " in err
    assert os.listdir(tmp_path / "empty") == []


def test_paper_scale_refused_on_cpu_when_too_long(workdir, monkeypatch, capsys):
    monkeypatch.setattr("reproduce.__main__.estimate_cost",
                        lambda cells, device, **kw: experiment.CostEstimate(3 * 3600, len(cells), 0, "cpu"))
    assert main(["table", "ng", "1", "--scale", "paper", "--device", "cpu", "--no-progress"]) == 2
    assert "FORCE=1" in capsys.readouterr().err
    assert not os.path.exists(workdir / "results/paper")


def test_figure1_is_drawn(workdir):
    assert main(["figure", "ng", "1", "--scale", "smoke", "--no-progress"]) == 0
    png = workdir / "figures/smoke/ng-figure-1.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cached_table_renders_without_the_data(workdir, monkeypatch, table1_not_gated):
    assert main(["table", "ng", "1", "--scale", "smoke", "--no-progress"]) == 0
    before = (workdir / "tables/smoke/ng-table-1.csv").read_text()
    empty = workdir / "nodata"
    empty.mkdir()
    empty.chmod(0o555)
    monkeypatch.setenv("REPRO_DATA", str(empty))
    assert main(["table", "ng", "1", "--scale", "smoke", "--no-progress"]) == 0
    assert (workdir / "tables/smoke/ng-table-1.csv").read_text() == before
    assert "Not run" not in (workdir / "tables/smoke/ng-table-1.md").read_text()


def test_smoke_table_end_to_end_through_a_stubbed_download(tmp_path, monkeypatch, stub_download, capsys,
                                                          table1_not_gated):
    """A fresh machine with internet: no data, REPRO_DATA unset (default ./data, writable): the table's dataset
    is downloaded through torchvision, converted once into the cache, and the cells train on it."""
    monkeypatch.delenv("REPRO_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    experiment._TASKS.clear()
    assert main(["table", "ng", "1", "--scale", "smoke", "--no-progress"]) == 0
    assert stub_download["calls"] == ["./data"]
    assert sorted(os.listdir(tmp_path / "data" / "cifar10")) == ["test.npz", "train.npz"]
    md = (tmp_path / "tables/smoke/ng-table-1.md").read_text()
    assert "Not run" not in md and len(os.listdir(tmp_path / "results/smoke/ng")) == 6
    assert "downloading cifar10" in capsys.readouterr().err
    experiment._TASKS.clear()


def test_offline_without_data_is_one_line_and_a_nonzero_exit(tmp_path, monkeypatch, stub_download, capsys):
    stub_download["online"] = False
    monkeypatch.delenv("REPRO_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["table", "ng", "1", "--scale", "smoke", "--no-progress"]) == 3
    err = capsys.readouterr().err
    reason = [line for line in err.splitlines() if "cifar10 train unavailable" in line]
    assert len(reason) == 1 and str(tmp_path / "data") in reason[0] and "cifar10/train.npz" in reason[0]
    assert "not writable" not in err and "Traceback" not in err
    assert "Not run" in (tmp_path / "tables/smoke/ng-table-1.md").read_text()


@pytest.mark.parametrize("how", ["flag", "env"])
def test_cuda_requested_without_a_gpu_is_one_line(monkeypatch, capsys, how):
    import torch
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    args = ["table", "ng", "1", "--scale", "smoke"]
    if how == "flag":
        args += ["--device", "cuda"]
    else:
        monkeypatch.setenv("DEVICE", "cuda")
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no CUDA GPU" in err and "DEVICE=cpu" in err


def test_unknown_scale_exits_nonzero():
    with pytest.raises(SystemExit) as exc:
        main(["table", "ng", "1", "--scale", "huge"])
    assert exc.value.code == 2


def test_truncated_summary_is_one_line_and_a_nonzero_exit(workdir, capsys):
    os.makedirs(workdir / "tables/smoke")
    (workdir / "tables/smoke/ng-table-9.json").write_text('{"target": "ng-table-9", "tit')
    assert main(["report", "--scale", "smoke"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "ng-table-9.json is unreadable" in err and "Traceback" not in err


@pytest.fixture
def one_epoch(monkeypatch):
    """Train every cell for one epoch only (results stored under the cell's own hash): the cache logic is what
    these tests check, not the numbers."""
    real = experiment.run_cell

    def short(cell, opts):
        return real(dataclasses.replace(cell, train=dataclasses.replace(cell.train, epochs=1)), opts)
    monkeypatch.setattr(experiment, "run_cell", short)


def test_data_missing_and_a_corrupt_cell_keep_the_table_and_say_so(workdir, monkeypatch, capsys, one_epoch,
                                                                   table1_not_gated):
    assert main(["table", "ng", "1", "--scale", "smoke", "--no-progress"]) == 0
    md, csv_before = (workdir / "tables/smoke/ng-table-1.md").read_text(), (workdir / "tables/smoke/ng-table-1.csv").read_text()
    victim = sorted((workdir / "results/smoke/ng").glob("*.json"))[0]
    victim.write_text('{"code": "abc", "conf')  # truncated by a crash or a bad copy
    empty = workdir / "nodata"
    empty.mkdir()
    empty.chmod(0o555)
    monkeypatch.setenv("REPRO_DATA", str(empty))
    capsys.readouterr()
    assert main(["table", "ng", "1", "--scale", "smoke", "--no-progress"]) == 3
    out = capsys.readouterr().out
    assert "kept tables/smoke/ng-table-1.md" in out and f"corrupt result: results/smoke/ng/{victim.name}" in out
    assert (workdir / "tables/smoke/ng-table-1.md").read_text() == md
    assert (workdir / "tables/smoke/ng-table-1.csv").read_text() == csv_before
    # with the data back, the corrupt cell is reported and retrained (smoke), the others come from the cache
    monkeypatch.setenv("REPRO_DATA", str(workdir / "data"))
    experiment._TASKS.clear()
    assert main(["table", "ng", "1", "--scale", "smoke", "--no-progress"]) == 0
    assert "corrupt result: " in capsys.readouterr().out
    md = (workdir / "tables/smoke/ng-table-1.md").read_text()
    assert "**Corrupt result files** (1)" in md and victim.name in md
    assert "(1 trained in this run, 5 from cache, 0 of them stale, 1 corrupt result files)" in md


def test_amp_off_after_a_bf16_run_retrains_and_says_fp32(workdir, monkeypatch, one_epoch, table1_not_gated):
    from reproduce import train
    monkeypatch.setattr(train, "cpu_has_native_bf16", lambda: True)
    assert main(["table", "ng", "1", "--scale", "smoke", "--no-progress"]) == 0
    md = (workdir / "tables/smoke/ng-table-1.md").read_text()
    assert "dtype bf16-autocast" in md and "dtype: 6 of 6 cells ran under bf16-autocast" in md
    monkeypatch.setenv("AMP", "0")
    assert main(["table", "ng", "1", "--scale", "smoke", "--no-progress"]) == 0
    md = (workdir / "tables/smoke/ng-table-1.md").read_text()
    assert "6 trained in this run, 0 from cache" in md and "dtype fp32" in md and "ran under bf16" not in md


def test_slurm_jobs_get_the_partitions_device_not_the_login_nodes(monkeypatch, tmp_path):
    """EXECUTOR=slurm from a login node without a GPU: with SLURM_GPUS_PER_TASK (or DEVICE=cuda) the cells are
    trained, and their cache keyed, on cuda, and this machine's lack of a GPU is not an error."""
    import reproduce.__main__ as cli
    from reproduce import executors
    seen = []
    monkeypatch.setattr(cli, "run_target", lambda t, scale, opts, *a, **k: seen.append(opts.device) or {})
    monkeypatch.setattr(executors.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEVICE", raising=False)
    monkeypatch.setenv("SLURM_GPUS_PER_TASK", "1")
    assert cli.main(["table", "ng", "1", "--scale", "smoke", "--executor", "slurm"]) == 0
    monkeypatch.delenv("SLURM_GPUS_PER_TASK")
    monkeypatch.setenv("DEVICE", "cuda")
    assert cli.main(["table", "ng", "1", "--scale", "smoke", "--executor", "slurm"]) == 0
    assert seen == ["cuda", "cuda"]
    assert cli.main(["table", "ng", "1", "--scale", "smoke"]) == 2  # locally, cuda without a GPU is refused
