"""Rendering: the Run section shared by tables and figure notes, stale cells shown as stale, the dtype deviation,
and a table never replaced by one with less."""
import csv
import dataclasses
import json
import os

import pytest

from reproduce import report
from reproduce.cells import BEFORE_FINGERPRINTS, code_fingerprint
from reproduce.data import DataSpec
from reproduce.experiment import Cell
from reproduce.report import verdict
from reproduce.targets import Claim, Target, Value
from reproduce.train import TrainSpec


def cells(scale="paper", n=2):
    return [Cell.make("ng", f"c{i}", {"arch": "ng-toy", "act": "relu"}, DataSpec("cifar10"), TrainSpec(epochs=1), i,
                      scale) for i in range(n)]


def record(cell, acc, dtype="fp32", code="current", stale=None):
    rec = {"config": cell.config(), "hash": cell.hash, "commit": "abc1234",
           "result": {"status": "ok", "final_train_acc": acc, "dtype": dtype, "device": "CPU (2 threads)",
                      "wall_time_s": 1.0}}
    if code == "current":
        rec["code"] = code_fingerprint()
    elif code:
        rec["code"] = code
    else:
        rec["code_version"] = "1"
    if stale:
        rec["stale"] = stale
    return rec


def target(kind="table"):
    def values(done):
        return [Value(c.label, "acc", [100 * r["result"]["final_train_acc"]]) for c, r in done]
    return Target("ng", "zz", kind, "test target", cells=lambda s: cells(s), protocol=lambda s: ["protocol line"],
                  deviations=lambda s: ["a deviation"], values=values,
                  claims=[Claim("c0 above 10", lambda m: (m[("c0", "acc")] > 10, "checked"))],
                  plot=lambda done, path, scale: open(path, "wb").write(b"png"))


@pytest.fixture
def published_zz(monkeypatch):
    rows = [{"table": "zz", "row": "c0", "column": "acc", "value": "50", "unit": "%", "note": ""},
            {"table": "zz", "row": "c1", "column": "acc", "value": "60", "unit": "%", "note": ""}]
    monkeypatch.setattr(report, "published", lambda paper, table=None: rows)


def test_figure_note_has_the_tables_run_section(tmp_path, monkeypatch, published_zz):
    monkeypatch.chdir(tmp_path)
    cs = cells()
    pairs = [(cs[0], record(cs[0], 0.5, dtype="bf16-autocast")), (cs[1], record(cs[1], 0.6))]
    info = {"commit": "def5678", "trained": 1, "cached": 1}
    report.render_table(target(), "paper", pairs, info)
    report.render_figure(target("figure"), "paper", pairs, info)
    table = (tmp_path / "tables/paper/ng-table-zz.md").read_text()
    note = (tmp_path / "tables/paper/ng-figure-zz.md").read_text()

    def run_section(md):
        lines = md[md.index("## Run"):].splitlines()
        return [line for line in lines if not line.startswith("- rendered:")]
    assert run_section(note) == run_section(table)
    section = "\n".join(run_section(note))
    for part in ("- scale: paper", "cells trained at abc1234; rendered at def5678", f"this commit {code_fingerprint()}",
                 "dtype bf16-autocast, fp32", "- cells: 2 (1 trained in this run, 1 from cache"):
        assert part in section, part
    # bf16 is a deviation from the papers' fp32, said once by the report, in tables and figure notes alike
    for md in (table, note):
        assert "dtype: 1 of 2 cells ran under bf16-autocast" in md and "- a deviation" in md


def test_no_dtype_deviation_for_fp32():
    assert report.dtype_deviations([{"dtype": "fp32"}, {"dtype": "fp32"}]) == []
    assert report.dtype_deviations([{"dtype": "fp64"}, {"dtype": "float64"}]) == []  # more precise than the papers'
    assert report.dtype_deviations([{"dtype": "bf16-autocast"}])


def test_a_declared_claim_says_so_on_smoke_pages_only():
    entry = {"passed": True, "claim": "c", "detail": "d", "smoke_gate": True}
    assert "declared: the smoke scale is calibrated" in report.claim_line(entry, "smoke")
    assert "declared" not in report.claim_line(entry, "paper") and "declared" not in report.claim_line(entry, "fast")


def test_stale_cells_are_shown_and_marked_with_the_code_that_trained_them(tmp_path, monkeypatch, published_zz):
    monkeypatch.chdir(tmp_path)
    cs = cells()
    why = f"c1: trained by {BEFORE_FINGERPRINTS} (code_version 1, commit e3802e2), current code {code_fingerprint()}"
    pairs = [(cs[0], record(cs[0], 0.5)), (cs[1], record(cs[1], 0.6, code=None, stale=why))]
    summary = report.render_table(target(), "paper", pairs, {"stale": {cs[1].hash: why}, "cached": 2})
    md = (tmp_path / "tables/paper/ng-table-zz.md").read_text()
    assert "**Stale cells** (1)" in md and why in md and "RETRAIN_STALE=1" in md
    assert f"{BEFORE_FINGERPRINTS} (code_version 1, commit abc1234) (1, stale)" in md
    assert f"{code_fingerprint()} (1)" in md
    assert "| c1 | acc | 60 | 60.00 |" in md and summary["stale"] == 1
    assert "1 cells stale" in open(report.write_scorecard("paper")).read()


def test_a_table_is_not_replaced_by_one_with_fewer_values(tmp_path, monkeypatch, published_zz, capsys):
    monkeypatch.chdir(tmp_path)
    cs = cells()
    report.render_table(target(), "paper", [(c, record(c, 0.5)) for c in cs], {})
    before = (tmp_path / "tables/paper/ng-table-zz.md").read_text()
    summary = report.render_table(target(), "paper", [(cs[0], record(cs[0], 0.5)),
                                                      (cs[1], {"status": "not run", "reason": "corrupt"})],
                                  {"missing_data": {"cifar10": "cifar10 train unavailable"},
                                   "corrupt": {cs[1].hash: "x.json is unreadable"}})
    assert summary.get("kept") and (tmp_path / "tables/paper/ng-table-zz.md").read_text() == before
    assert "kept tables/paper/ng-table-zz.md as it was: it has 2 reproduced values, this run only 1" \
        in capsys.readouterr().out


def test_with_the_data_missing_stored_cells_still_give_their_values(tmp_path, monkeypatch, published_zz):
    monkeypatch.chdir(tmp_path)
    cs = cells()
    summary = report.render_table(target(), "paper", [(cs[0], record(cs[0], 0.5)),
                                                      (cs[1], {"status": "not run", "reason": "no data"})],
                                  {"missing_data": {"cifar10": "cifar10 train unavailable"}})
    md = (tmp_path / "tables/paper/ng-table-zz.md").read_text()
    assert "| c0 | acc | 50 | 50.00 |" in md and "**Partly not run**" in md
    assert summary["partial"] and not summary["not_run"]
    assert all(c["passed"] is None for c in summary["claims"])  # claims are not checked on part of the data
    with open(tmp_path / "tables/paper/ng-table-zz.json") as fh:
        assert json.load(fh)["verdicts"]["not run"] == 1


def test_cells_whose_own_data_is_missing_make_the_table_partly_not_run(tmp_path, monkeypatch, published_zz):
    """A table whose declared datasets are there but some of whose cells' data is not (NG Table 3's CIFAR-100
    rows): the stored cells give their values and the scorecard says 'partly not run', not 'done'."""
    monkeypatch.chdir(tmp_path)
    cs = cells()
    summary = report.render_table(target(), "paper", [(cs[0], record(cs[0], 0.5)),
                                                      (cs[1], {"status": "not run", "reason": "cifar100 unavailable"})],
                                  {})
    md = (tmp_path / "tables/paper/ng-table-zz.md").read_text()
    assert "**Partly not run** (those cells say 'not run'): cifar100 unavailable" in md
    assert summary["partial"] and not summary["not_run"]
    assert "partly not run (data missing)" in open(report.write_scorecard("paper")).read()
    whole = report.render_table(target(), "paper", [(c, record(c, 0.5)) for c in cs], {})
    assert not whole["partial"]


def test_relative_verdicts_hold_at_every_magnitude():
    """LSUV Table 10's variances are around 1e-14: 22 % off is 'differs' there as for a number near 1."""
    from reproduce.report import verdict
    assert verdict("2.30e-14", 2.30e-14 * 1.04, "variance") == "match"
    assert verdict("2.30e-14", 2.30e-14 * 1.10, "variance") == "close"
    assert verdict("2.30e-14", 2.30e-14 * 0.78, "variance") == "differs"
    assert verdict("0", 0.0, "ratio") == "match" and verdict("0", 1e-20, "ratio") == "differs"


def test_a_diverged_run_matches_a_published_cell_that_did_not_converge(tmp_path, monkeypatch):
    """Ortho Table 2 prints 10.18 % (chance) for Nesterov's 110-layer net, which 'cannot even converge': a
    reproduced n/c says the same and matches; a trained reproduction differs; without the CSV's
    [not converged] mark n/c differs from a number, as before."""
    import glob

    from reproduce.report import published, published_not_converged, verdict
    marked = {(os.path.basename(f), r["row"], r["column"]) for f in glob.glob("reproduce/published/*.csv")
              for r in csv.DictReader(open(f)) if published_not_converged(r.get("note") or "")}
    assert marked == {("ortho.csv", m, d) for m, d in (("Nesterov", "110-layer"), ("Adam", "110-layer"),
                                                      ("RmsProp", "44-layer"), ("RmsProp", "110-layer"),
                                                      ("SGD", "110-layer"), ("AdaGrad", "110-layer"),
                                                      ("AdaDelta", "110-layer"))}
    rows = {(r["row"], r["column"]): r for r in published("ortho", "2")}
    nesterov_110 = rows[("Nesterov", "110-layer")]["value"]
    assert verdict(nesterov_110, "n/c", "%", True) == "match"
    assert verdict(nesterov_110, "n/c/10.2", "%", True) == "match"    # one seed diverged, one at chance
    assert verdict(nesterov_110, 10.4, "%", True) == "match"          # at chance too: numbers compare
    assert verdict(nesterov_110, 62.0, "%", True) == "differs"        # it trained: not the paper's outcome
    assert verdict(nesterov_110, "n/c/62.0", "%", True) == "differs"  # one seed trained
    assert verdict(nesterov_110, "nan", "%", True) == "differs"       # not a literal the suite writes
    assert verdict(rows[("SGD", "44-layer")]["value"], "n/c", "%") == "differs"  # the paper's net trained
    # through the rendered table: the ortho Table 2 row of a diverged reproduction says match
    monkeypatch.chdir(tmp_path)
    from reproduce.targets import get_target
    t2 = get_target("table", "ortho", "2")
    cell = t2.cells("smoke")[0]
    rec = {"status": "ok", "result": {"status": "ok", "wall_time_s": 1.0}}
    fake = dataclasses.replace(t2, values=lambda pairs: [Value("Nesterov", "110-layer", ["n/c"]),
                                                          Value("SGD", "44-layer", ["n/c"])])
    report.render_table(fake, "smoke", [(cell, rec)], {})
    md = (tmp_path / "tables/smoke/ortho-table-2.md").read_text()
    assert "| Nesterov | 110-layer | 10.18 | n/c |  | 1 | match |" in md
    assert "| SGD | 44-layer | 84.14 | n/c |  | 1 | differs |" in md


def test_critical_depth_bounds_get_a_range_verdict_not_a_number_one():
    """A capped search ('≥32': the deepest depth of the grid converged) allows the paper's 116: consistent, not
    'differs' by 84 layers; a search that failed at its first depth ('<14') allows the paper's '<20'; ranges
    apart by at most one 12-layer step are close, further apart differ; two single depths keep the numeric rule."""
    from reproduce.critical_depth import CAP
    from reproduce.report import depth_verdict

    def pub(value, note="plain CNN"):
        return {"row": "NG-ReLU-Xavier", "column": "Critical depth", "value": value, "unit": "layers", "note": note}

    def rep(depth, capped=False):
        out = {("NG-ReLU-Xavier", "Critical depth"): Value("NG-ReLU-Xavier", "Critical depth", [depth],
                                                           unit="layers")}
        if capped:
            out[("NG-ReLU-Xavier", "Critical depth" + CAP)] = Value("NG-ReLU-Xavier", "Critical depth" + CAP,
                                                                    [f"≥{depth}"], unit="layers")
        return out
    assert depth_verdict(pub("116"), rep(32, capped=True)) == "consistent"
    assert depth_verdict(pub("<20"), rep("<14")) == "consistent"
    assert depth_verdict(pub("116"), rep("<14")) == "differs"          # failed at 14, the paper trains 116 layers
    assert depth_verdict(pub("116"), rep(128, capped=True)) == "close"  # at least 128: one step deeper
    assert depth_verdict(pub("116"), rep(152, capped=True)) == "differs"
    assert depth_verdict(pub("<20"), rep(20)) == "close" and depth_verdict(pub("<20"), rep(32)) == "differs"
    assert depth_verdict(pub("116"), rep(104)) is None                 # two depths: verdict's numeric rule
    assert verdict("116", 104.0, "layers") == "close"
    # the paper's own cap: 248 = the largest depth it tested, so at least 248
    capped_paper = pub("248", "plain CNN with BN; [lower bound] 248 = largest depth tested (GPU memory limit)")
    assert depth_verdict(capped_paper, rep(260)) == "consistent"
    assert depth_verdict(capped_paper, rep(236)) == "close"
    assert depth_verdict(pub("116"), {}) is None
    # the marked rows are exactly appendix Table 4's 248s (the paper's GPU-memory cap), set by hand in the CSV
    marked = {(r["row"], r["value"]) for r in report.published("ng") if report.LOWER_BOUND_MARK in r.get("note", "")}
    assert len(marked) == 9 and {v for _, v in marked} == {"248"}
    assert {r for r, _ in marked} == {r["row"] for r in report.published("ng", "A4") if r["value"] == "248"}
    # the same bound on both sides is the best result there is: a match (fast/paper grids start at 20 and stop
    # at 248, as the paper's)
    assert depth_verdict(pub("<20"), rep("<20")) == "match"
    assert depth_verdict(capped_paper, rep(248, capped=True)) == "match"


def test_several_seeds_are_judged_seed_by_seed_never_by_their_mean():
    """Seeds 20 and 44 against a published 32 (mean 32, yet no seed reached 32): the worst seed decides; seeds
    '<14' and '≥32' together cover every depth, yet one of them contradicts the paper's 116."""
    from reproduce.critical_depth import RANGE, depth_range
    from reproduce.report import depth_verdict

    def seeds(*ranges):
        r, c = "ReLU-Xavier", "Critical depth"
        return {(r, c): Value(r, c, [20.0] * len(ranges), unit="layers"),
                (r, c + RANGE): Value(r, c + RANGE, list(ranges), unit="layers", aggregate="list")}

    def pub(value):
        return {"row": "ReLU-Xavier", "column": "Critical depth", "value": value, "unit": "layers", "note": ""}
    assert depth_verdict(pub("32"), seeds("20", "44")) == "close"
    assert depth_verdict(pub("32"), seeds("20", "56")) == "differs"
    assert depth_verdict(pub("32"), seeds("32", "32")) == "match"
    assert depth_verdict(pub("116"), seeds("<14", "≥32")) == "differs"
    assert depth_verdict(pub("116"), seeds("≥32", "≥44")) == "consistent"
    assert depth_verdict(pub("<20"), seeds("<20", "<20")) == "match"
    # the seeds' ranges are listed, never averaged (critical_depth.search_values: aggregate "list"), so claims
    # read their union too
    means = {k: report.summarize(v.values, v.aggregate)[0] for k, v in seeds("20", "44").items()}
    assert means[("ReLU-Xavier", "Critical depth" + RANGE)] == "20/44"
    rng = depth_range(means, "ReLU-Xavier", "Critical depth")
    assert (rng.lo, rng.hi) == (20, 44)


def test_a_rendered_table_gives_a_capped_search_its_range_verdict(tmp_path, monkeypatch, published_zz):
    """Through render_table: the bound row says 'consistent', shows no numeric diff and is not counted."""
    from reproduce.critical_depth import CAP
    monkeypatch.chdir(tmp_path)
    cs = cells()
    base = target()
    rows = [{"table": "zz", "row": "c0", "column": "depth", "value": "116", "unit": "layers", "note": ""}]
    monkeypatch.setattr(report, "published", lambda paper, table=None: rows)
    t = dataclasses.replace(base, values=lambda pairs: [Value("c0", "depth", [32.0], unit="layers"),
                                                       Value("c0", "depth" + CAP, ["≥32"], unit="layers")])
    summary = report.render_table(t, "smoke", [(cs[0], record(cs[0], 0.5))], {})
    md = (tmp_path / "tables/smoke/ng-table-zz.md").read_text()
    assert "| c0 | depth | 116 | 32 |  | 1 | consistent |" in md
    assert sum(summary["verdicts"].values()) == 0


def test_seconds_on_the_papers_hardware_get_no_verdict():
    """NG's 72 s per epoch on a GTX1080-ti and LSUV's 210 s of CaffeNet init time are not this device's seconds:
    no match or differs on them (the tables' ratios are what compares)."""
    assert verdict("72", 72.0, "s") == "other device" and verdict("210", 9000.0, "s") == "other device"
    assert verdict("72", None, "s") == "not run"
    assert "other device" not in report.VERDICTS  # not counted in the scorecard


def test_the_fingerprint_covers_every_module_a_cell_runs():
    """Every reproduce module that cell_run or measure imports (a change there can change a result) is hashed."""
    import ast
    import glob
    from reproduce import cells
    covered = {os.path.relpath(p, cells.ROOT) for pat in cells.FINGERPRINT_SOURCES
               for p in glob.glob(os.path.join(cells.ROOT, pat))}
    todo, seen = ["reproduce/cell_run.py"], set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(open(os.path.join(cells.ROOT, path)).read())):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                todo.append(f"reproduce/{node.module.split('.')[0]}.py")
    result_code = seen - {"reproduce/cells.py", "reproduce/atomic.py"}  # the cache itself, not the computation
    assert result_code <= covered, sorted(result_code - covered)


def test_a_drawn_figure_is_not_replaced_by_not_drawn_when_the_data_is_missing(tmp_path, monkeypatch, published_zz,
                                                                               capsys):
    monkeypatch.chdir(tmp_path)
    cs = cells()
    report.render_figure(target("figure"), "paper", [(c, record(c, 0.5)) for c in cs], {})
    before = (tmp_path / "tables/paper/ng-figure-zz.md").read_text()
    assert "**PASS**" in before
    summary = report.render_figure(target("figure"), "paper", [(cs[0], record(cs[0], 0.5))],
                                   {"missing_data": {"cifar10": "cifar10 train unavailable"}})
    assert summary.get("kept") and not summary["not_run"]
    assert (tmp_path / "tables/paper/ng-figure-zz.md").read_text() == before
    assert "kept figures/paper/ng-figure-zz.png and its note as they were" in capsys.readouterr().out
    (tmp_path / "tables/paper/ng-figure-zz.json").unlink()  # nothing drawn before: "not drawn" is written
    assert report.render_figure(target("figure"), "paper", [], {"missing_data": {"cifar10": "x"}})["not_run"]


def test_median_error_ranks_a_failed_run_as_the_worst_error():
    """The CReLU paper's 'median of 5 runs' of an error rate: one n/c of five is the worst error, so the median
    is the third best number (not a literal that would rank the whole row as failed); three n/c of five put
    the middle on a failed run; 'median' of numbers alone is unchanged."""
    s = report.summarize
    assert s([5.3, 5.1, "n/c", 5.2, 5.0], "median-error") == (5.2, None, 5)
    assert s([9.0, "n/c", "n/c", 9.2, "n/c"], "median-error")[0] == "n/c"
    assert s([5.0, 5.1, 5.2, "n/c"], "median-error")[0] == pytest.approx(5.15)  # middle pair both numbers
    assert s([5.0, 5.1, "n/c", "n/c"], "median-error")[0] == "n/c"              # middle pair meets a failure
    assert s(["n/c", "n/c"], "median-error")[0] == "n/c"
    assert s([7.0, 5.0, 6.0], "median-error")[0] == 6.0
    assert s([5.0, "n/c", 6.0], "median")[0] == "5/n/c/6"  # plain median keeps a mixed row as its literals


def test_a_non_finite_value_is_never_summarized_as_a_measured_number():
    """Every seed giving inf (or NaN, the mean of an empty series) is the literal 'inf' ('nan'), not a float that a
    check could read as a number: accuracy.converges(inf) would call it converged."""
    import math

    from reproduce.accuracy import converges
    from reproduce.targets import reproduced_number

    for x, text in ((math.inf, "inf"), (-math.inf, "-inf"), (math.nan, "nan")):
        v, std, n = report.summarize([x, float(text)])
        assert (v, std, n) == (text, None, 2)
        assert not converges(v)
        with pytest.raises(ValueError):
            reproduced_number({("r", "c"): v}, ("r", "c"))
        assert report.verdict("93.0", v, "%") == "differs"
    assert report.summarize([math.inf, 2.0])[0] == "inf/2"
    assert report.summarize([1.0, 2.0])[0] == 1.5  # finite numbers still average


def test_a_non_finite_median_error_is_a_literal_too():
    """The median of error rates where the middle falls on a non-finite value: its text, not a number."""
    import math

    from reproduce.accuracy import converges
    v = report.summarize([math.inf, math.inf, 5.0], "median-error")[0]
    assert v == "inf" and not converges(v)
