"""NG: SEEDS / --seeds reach every cell the paper module builds (tables, critical-depth searches, figures), one
critical-depth search per seed, and every target's `values` gives one seed's answer on that seed's pairs and the
list over seeds on all of them (what reproduce.report checks claims per seed on). No training: hand-made
records."""
import pytest

from reproduce import ng, ng_figures
from reproduce.critical_depth import CAP
from reproduce.targets import get_target, targets

TABLE_LAYOUTS = [ng.table3_layout, ng.table4_layout, ng.tableA3_layout, ng.text_layout]
FIGURE_LAYOUTS = [ng_figures.fig2_layout, ng_figures.fig3_layout, ng_figures.fig5_layout, ng_figures.figA1_layout,
                  ng_figures.figA2_layout]


@pytest.mark.parametrize("scale", ["smoke", "paper"])
def test_every_ng_cell_trains_under_the_seeds_asked_for(monkeypatch, scale):
    monkeypatch.setenv("SEEDS", "5,6")
    for t in targets("ng"):
        cells = t.cells(scale)
        if cells:
            assert {c.seed for c in cells} == {5, 6}, t.name
            assert len(cells) % 2 == 0, t.name  # every cell under both seeds
    for layout in TABLE_LAYOUTS + FIGURE_LAYOUTS:
        by_seed = {}
        for row, col, cell in layout(scale):
            by_seed.setdefault(cell.seed, []).append((row, col))
        assert set(by_seed) == {5, 6} and by_seed[5] == by_seed[6], layout.__name__


def test_without_seeds_the_papers_single_run_from_seed_0(monkeypatch):
    monkeypatch.delenv("SEEDS", raising=False)
    for t in targets("ng"):
        assert {c.seed for c in t.cells("smoke")} <= {0}, t.name


@pytest.mark.parametrize("searches,per_seed", [(ng.table2_searches, 5),
                                               (lambda scale, seeds=None: ng.grid_searches(scale, False, seeds),
                                                21)])
def test_one_critical_depth_search_per_seed(monkeypatch, searches, per_seed):
    monkeypatch.setenv("SEEDS", "5,6")
    specs = searches("paper")
    assert len(specs) == 2 * per_seed
    seeds = [{spec.make_cell(d).seed for d in spec.grid} for spec in specs]
    assert seeds == [{5}] * per_seed + [{6}] * per_seed  # each search trains one seed only
    keys = [(s.row, s.column) for s in specs]
    assert keys[:per_seed] == keys[per_seed:]
    assert [s.make_cell(20).hash for s in searches("paper", (6,))] == [s.make_cell(20).hash for s in specs[per_seed:]]


def record(acc: float, status: str = "ok") -> dict:
    return {"result": {"status": status, "final_train_acc": acc, "max_train_acc": acc, "final_test_acc": acc,
                       "epochs_run": 2, "history": [{"epoch": 1, "train_acc": acc, "test_acc": acc, "ng_t_mean": -0.9},
                                                    {"epoch": 2, "train_acc": acc, "test_acc": acc,
                                                     "ng_t_mean": -0.8}]}}


def finished_searches(specs, converges_up_to: dict) -> list:
    """(cell, record) for every depth of every search: converging up to converges_up_to[seed] layers."""
    return [(spec.make_cell(d), record(0.5 if d <= converges_up_to[spec.make_cell(d).seed] else 0.1))
            for spec in specs for d in spec.grid]


def test_critical_depth_values_per_seed_and_over_seeds(monkeypatch):
    monkeypatch.setenv("SEEDS", "5,6")
    t2 = get_target("table", "ng", "2")
    grid = ng.PLAIN_SCALES["smoke"]["grid"]
    pairs = finished_searches(ng.table2_searches("smoke"), {5: grid[0], 6: grid[-1]})
    values = {(v.row, v.column): v for v in t2.values(pairs)}
    assert values[("Critical Depth", "-1")].values == [grid[0], grid[-1]]
    assert values[("Critical Depth", "-1" + CAP)].values == [f"≥{grid[-1]}"]  # seed 6 capped: the mean is a bound
    one = {(v.row, v.column): v for v in t2.values([(c, r) for c, r in pairs if c.seed == 5])}
    assert one[("Critical Depth", "-1")].values == [grid[0]] and ("Critical Depth", "-1" + CAP) not in one
    six = {(v.row, v.column): v for v in t2.values([(c, r) for c, r in pairs if c.seed == 6])}
    assert six[("Critical Depth", "-0.25")].values == [grid[-1]] and ("Critical Depth", "-1" + CAP) in six


def test_table_and_figure_values_per_seed_and_over_seeds(monkeypatch):
    monkeypatch.setenv("SEEDS", "5,6")
    acc = {5: 0.3, 6: 0.5}
    for kind, id, layout in (("table", "1", None), ("table", "3", ng.table3_layout),
                             ("figure", "5", ng_figures.fig5_layout), ("figure", "3", ng_figures.fig3_layout),
                             ("figure", "A2", ng_figures.figA2_layout)):
        t = get_target(kind, "ng", id)
        cells = t.cells("smoke") if layout is None else [c for _, _, c in layout("smoke")]
        pairs = [(c, record(acc[c.seed])) for c in cells]
        both = t.values(pairs)
        assert both and all(len(v.values) == 2 for v in both), id
        for seed in (5, 6):
            one = t.values([(c, r) for c, r in pairs if c.seed == seed])
            assert [(v.row, v.column) for v in one] == [(v.row, v.column) for v in both], id
            assert all(len(v.values) == 1 for v in one), id
