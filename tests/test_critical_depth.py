"""The critical-depth search on a stubbed trainer."""
import math

import pytest

from reproduce.critical_depth import converged, depth_grid, search_critical_depth

GRID = depth_grid(20, 152)  # 20, 32, ..., 152


def stub(converging_depths):
    calls = []

    def outcome(d):
        calls.append(d)
        return d in converging_depths, ""
    return outcome, calls


def test_grid_follows_the_paper():
    assert depth_grid(20, 68) == [20, 32, 44, 56, 68]
    assert depth_grid()[-1] == 248


@pytest.mark.parametrize("mode", ["scan", "bisect"])
@pytest.mark.parametrize("critical", [20, 44, 116, 140])
def test_monotone_outcomes_give_the_same_answer_in_both_modes(mode, critical):
    outcome, calls = stub({d for d in GRID if d <= critical})
    s = search_critical_depth(outcome, GRID, mode)
    assert s.critical == critical and s.monotone and not s.capped


def test_scan_stops_at_the_first_failure():
    outcome, calls = stub({20, 32, 44})
    s = search_critical_depth(outcome, GRID, "scan")
    assert calls == [20, 32, 44, 56]
    assert s.evidence() == "scan: 20✓ 32✓ 44✓ 56✗"


def test_bisection_needs_fewer_runs():
    outcome, calls = stub({d for d in GRID if d <= 104})
    s = search_critical_depth(outcome, GRID, "bisect")
    assert s.critical == 104
    assert len(calls) <= 6 < len(GRID)  # 12 depths: scan would need 9 runs here
    assert calls[:2] == [20, 152]


@pytest.mark.parametrize("mode", ["scan", "bisect"])
def test_below_first_depth(mode):
    outcome, calls = stub(set())
    s = search_critical_depth(outcome, GRID, mode)
    assert s.critical == "<20" and calls == [20]


@pytest.mark.parametrize("mode", ["scan", "bisect"])
def test_cap_when_everything_converges(mode):
    outcome, _ = stub(set(GRID))
    s = search_critical_depth(outcome, GRID, mode)
    assert s.critical == 152 and s.capped and "capped" in s.evidence()


def test_non_monotone_outcomes_are_flagged():
    # 20 and 32 converge, 44 fails, 56 converges again (e.g. a lucky seed), deeper fail
    outcome, _ = stub({20, 32, 56})
    scan = search_critical_depth(outcome, GRID, "scan")
    assert scan.critical == 32 and scan.monotone  # the scan never sees 56
    bisect = search_critical_depth(outcome, GRID, "bisect")
    # bisect probes 20, 152, 80, 44, 32 and never sees 56 either, but a table that saw it says so
    assert bisect.critical == 32
    from reproduce.critical_depth import Search
    s = Search("scan", GRID, [(20, True, ""), (32, True, ""), (44, False, ""), (56, True, "")])
    assert not s.monotone and s.critical == 32 and "NOT monotone" in s.evidence()


def test_unknown_mode():
    with pytest.raises(ValueError, match="scan, bisect"):
        search_critical_depth(lambda d: (True, ""), GRID, "random")


def test_convergence_criterion():
    assert converged({"status": "ok", "final_train_acc": 0.15})
    assert not converged({"status": "ok", "final_train_acc": 0.149})
    assert not converged({"status": "diverged", "final_train_acc": 0.9})
    assert not converged({"status": "ok", "final_train_acc": None})
    assert converged({"status": "ok", "final_train_acc": 0.016}, num_classes=100)


# ------------------------------------------------------------------ bounds: caps and floors

def test_trained_reads_the_same_criterion_off_a_percentage():
    from reproduce.critical_depth import trained, trained_threshold
    assert trained_threshold() == 15.0 and trained_threshold(100) == 1.5
    assert trained(15.0) and not trained(14.99) and not trained(None) and not trained(math.nan)
    assert not trained("n/c") and trained(2.0, num_classes=100)


def test_search_values_mark_a_capped_search_and_keep_the_floor_in_its_literal():
    from reproduce.critical_depth import CAP, SearchSpec, search_values

    class FakeCell:
        def __init__(self, depth):
            self.hash, self.depth = f"h{depth}", depth

    def spec(row):
        return SearchSpec(row, "Critical depth", FakeCell, [8, 20], "bisect")

    def rec(ok):
        return {"result": {"status": "ok", "final_train_acc": 0.5 if ok else 0.1}}
    pairs = [(FakeCell(8), rec(True)), (FakeCell(20), rec(True))]
    values = {(v.row, v.column): v for v in search_values([spec("all converge")], pairs)}
    assert values[("all converge", "Critical depth")].values == [20]
    assert values[("all converge", "Critical depth" + CAP)].values == ["≥20"]
    pairs = [(FakeCell(8), rec(True)), (FakeCell(20), rec(False))]
    values = {(v.row, v.column): v.values for v in search_values([spec("exact")], pairs)}
    assert values == {("exact", "Critical depth"): [8]}  # no bound: nothing more
    pairs = [(FakeCell(8), rec(False))]
    values = {(v.row, v.column): v.values for v in search_values([spec("floor")], pairs)}
    assert values == {("floor", "Critical depth"): ["<8"]}  # the floor is in the literal


def test_a_grid_coarser_than_the_papers_12_layers_brackets_the_critical_depth():
    """'The model depth was gradually increased by integral multiples of 12 layers' (NG paper): a depth that
    converged with the next one tried failing 18 layers deeper (the smoke's 14 and 32) only places the critical
    depth in [14, 31]; 12 layers apart, as the paper's grid, it is the paper's exact reading."""
    from reproduce.critical_depth import RANGE, SearchSpec, at_least, depth_range, search_values

    class FakeCell:
        def __init__(self, depth):
            self.hash, self.depth = f"h{depth}", depth

    def rec(ok):
        return {"result": {"status": "ok", "final_train_acc": 0.5 if ok else 0.1}}
    coarse = SearchSpec("coarse", "Critical depth", FakeCell, [14, 32], "bisect")
    pairs = [(FakeCell(14), rec(True)), (FakeCell(32), rec(False))]
    values = {(v.row, v.column): v for v in search_values([coarse], pairs)}
    assert values[("coarse", "Critical depth")].values == [14]
    assert values[("coarse", "Critical depth" + RANGE)].values == ["14-31"]
    assert values[("coarse", "Critical depth" + RANGE)].aggregate == "list"  # seeds side by side, never a mean
    assert "converged at 14, failed at 32" in values[("coarse", "Critical depth" + RANGE)].evidence
    means = {k: v.values[0] for k, v in values.items()}
    base = depth_range(means, "coarse", "Critical depth")
    assert (base.lo, base.hi, str(base)) == (14, 31, "14-31")
    ng = depth_range({("ng", "c"): 32.0, ("ng", "c (capped)"): "≥32"}, "ng", "c")
    assert at_least(ng, base, 2) is None  # >= 32 against anything in 14-31: twice not shown (it was 32 >= 2 x 14)
    assert at_least(ng, depth_range({("b", "c"): "<14"}, "b", "c"), 2) is True  # the smoke's seed 0: base < 14
    assert at_least(depth_range({("r", "c"): 14.0, ("r", "c" + RANGE): "14-19"}, "r", "c"), base, 1) is None
    # a capped search is never bracketed, and the NG smoke grid (steps of 6) ends on neighbours: never bracketed
    capped = SearchSpec("capped", "Critical depth", FakeCell, [14, 32], "bisect")
    assert ("capped", "Critical depth" + RANGE) not in {
        (v.row, v.column) for v in search_values([capped], [(FakeCell(14), rec(True)), (FakeCell(32), rec(True))])}
    smoke = SearchSpec("smoke", "Critical depth", FakeCell, [14, 20, 26, 32], "bisect")
    pairs = [(FakeCell(14), rec(True)), (FakeCell(20), rec(False)), (FakeCell(26), rec(False)),
             (FakeCell(32), rec(False))]
    assert {(v.row, v.column): v.values for v in search_values([smoke], pairs)} == {("smoke", "Critical depth"): [14]}
    fine = SearchSpec("fine", "Critical depth", FakeCell, [20, 32, 44], "scan")
    pairs = [(FakeCell(20), rec(True)), (FakeCell(32), rec(False))]
    assert {(v.row, v.column) for v in search_values([fine], pairs)} == {("fine", "Critical depth")}


def test_depth_ranges_and_their_comparisons_by_hand():
    import math

    from reproduce.critical_depth import CAP, all_hold, at_least, depth_range, equal, greater
    means = {("a", "c"): 44.0, ("b", "c"): "<20", ("d", "c"): 20.0, ("d", "c" + CAP): "≥20", ("e", "c"): "20/<20"}
    exact, floor, cap = (depth_range(means, r, "c") for r in ("a", "b", "d"))
    assert (exact.lo, exact.hi) == (44, 44) and (floor.lo, floor.hi) == (-math.inf, 19)
    assert (cap.lo, cap.hi) == (20, math.inf)
    assert (str(exact), str(floor), str(cap)) == ("44", "<20", "≥20")
    assert depth_range(means, "missing", "c") is None
    with pytest.raises(ValueError, match=r"e / c is 20/<20: no one critical depth \(seeds that disagree\)"):
        depth_range(means, "e", "c")  # seeds that disagree: no critical depth, said in words
    assert greater(exact, floor) is True and greater(floor, exact) is False
    assert greater(cap, exact) is None and greater(cap, floor) is True and greater(exact, cap) is None
    assert greater(cap, cap) is None and greater(floor, floor) is None
    assert at_least(exact, floor, 2) is True           # 44 >= 2 x 19
    assert at_least(depth_range({("x", "c"): 32.0}, "x", "c"), floor, 2) is None  # 32 vs 2 x (anything < 20)
    assert at_least(exact, depth_range({("x", "c"): 32.0}, "x", "c"), 2) is False  # 44 < 64
    assert at_least(cap, depth_range({("x", "c"): 8.0}, "x", "c"), 2) is True      # >= 20 >= 16
    assert equal(exact, exact) is True and equal(cap, cap) is None and equal(floor, floor) is None
    assert equal(exact, floor) is False and equal(cap, depth_range({("x", "c"): 8.0}, "x", "c")) is False
    assert all_hold([True, True]) is True and all_hold([True, None]) is None and all_hold([None, False]) is False


def test_several_seeds_compare_the_union_of_each_seeds_range():
    """A mean over seeds of critical depths is no critical depth: seeds capped at 32 and bracketed at 14-31 allow
    anything from 14 up (not '>= 23'); the per-seed literals, in any order, give the union."""
    from reproduce.critical_depth import RANGE, SearchSpec, at_least, depth_range, search_values
    from reproduce.report import summarize

    class FakeCell:
        def __init__(self, depth, seed):
            self.hash, self.depth, self.seed = f"h{depth}-{seed}", depth, seed

    def rec(ok):
        return {"result": {"status": "ok", "final_train_acc": 0.5 if ok else 0.1}}
    specs = [SearchSpec("r", "c", lambda d, s=s: FakeCell(d, s), [14, 32], "bisect") for s in (0, 1)]
    pairs = [(FakeCell(14, 0), rec(True)), (FakeCell(32, 0), rec(True)),      # seed 0: capped at 32
             (FakeCell(14, 1), rec(True)), (FakeCell(32, 1), rec(False))]     # seed 1: 14-31
    means = {(v.row, v.column): summarize(v.values, v.aggregate)[0] for v in search_values(specs, pairs)}
    assert means[("r", "c" + RANGE)] == "≥32/14-31"  # mixed: one capped, one bracketed
    both = depth_range(means, "r", "c")
    assert (both.lo, both.hi) == (14, math.inf)
    assert at_least(both, depth_range({("b", "c"): "<14"}, "b", "c"), 1) is True
    assert at_least(both, depth_range({("b", "c"): 8.0}, "b", "c"), 2) is None  # 14-inf vs 16: undecided
    for text, lo, hi in (("<14/14", -math.inf, 14), ("14/<14", -math.inf, 14), ("20-31/14", 14, 31)):
        r = depth_range({("r", "c"): 1.0, ("r", "c" + RANGE): text}, "r", "c")
        assert (r.lo, r.hi) == (lo, hi), text
    # one seed alone (the per-seed check), capped: no RANGE value, its own search's reading
    one = {(v.row, v.column): v.values for v in search_values(specs[:1], pairs[:2])}
    assert ("r", "c" + RANGE) not in one
