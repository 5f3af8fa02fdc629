"""The critical-depth search on a stubbed trainer."""
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
