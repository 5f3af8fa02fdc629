"""NG paper figures: which runs they read (shared with the tables), the probes they need, and their claims'
measures, checked by hand."""
import pytest
import torch

from models import build_model
from reproduce import ng, ng_figures
from reproduce.accuracy import epochs_to_reach
from reproduce.experiment import SCALES
from reproduce.probes import ng_t_layer19
from reproduce.targets import get_target


def hashes(layout):
    return {cell.hash for _, _, cell in layout}


@pytest.mark.parametrize("scale", ["paper", "fast"])
def test_figure5_plain_runs_are_table5_depth20_cells(scale):
    t5 = {s.make_cell(20).hash for s in ng.grid_searches(scale, bn=False)}
    plain = [(row, cell) for row, _, cell in ng_figures.fig5_layout(scale) if row.startswith("plain")]
    assert len(plain) == 21 and all(cell.hash in t5 for _, cell in plain)
    assert {cell.model_kwargs["depth"] for _, cell in plain} == {20}


@pytest.mark.parametrize("scale", SCALES)
def test_figure_runs_shared_with_the_tables(scale):
    t3 = hashes(ng.table3_layout(scale))
    resnet_msra = [c for row, _, c in ng_figures.fig5_layout(scale) if row == "ResNet-56 / MSRA"]
    assert len(resnet_msra) == 7 and all(c.hash in t3 for c in resnet_msra)
    a3 = hashes(ng.tableA3_layout(scale))
    a1_msra = [c for row, _, c in ng_figures.figA1_layout(scale) if row.endswith("MSRA")]
    assert len(a1_msra) == 7 and all(c.hash in a3 for c in a1_msra)
    assert hashes(ng_figures.fig2_layout(scale)) <= t3  # Table 3's plain-56 NG-ReLU run
    assert hashes(ng_figures.fig4_layout(scale)) <= hashes(ng_figures.fig5_layout(scale))
    assert hashes(ng_figures.figA3_layout(scale)) <= hashes(ng_figures.figA1_layout(scale))
    inits = {c.model_kwargs["init"] for _, _, c in ng_figures.fig5_layout(scale)}
    assert inits == {"xavier", "msra", "orthogonal"}
    lrs = sorted(c.train.lr for _, _, c in ng_figures.figA2_layout(scale))
    assert lrs == [1.0, 1.0, 1.5, 1.5]


def test_figureA1_at_paper_scale_reuses_tableA4_depth56_cells():
    a4 = {s.make_cell(56).hash for s in ng.grid_searches("paper", bn=True)}
    assert hashes(ng_figures.figA1_layout("paper")) <= a4


def test_runs_record_the_probes_the_figures_read():
    cell = ng_figures.fig2_layout("paper")[0][2]
    assert "ng_t_layer19" in cell.train.probes and "weight_variance" in cell.train.probes
    resnet = ng_figures.fig4_layout("paper")[-1][2]
    assert resnet.model_kwargs["arch"] == "resnet" and "weight_variance" in resnet.train.probes


def test_t_of_layer_19_is_the_19th_ng_layer_of_the_56_layer_plain_cnn():
    net = build_model("plain", depth=56, act="ng-relu", width=2)
    ngs = [m for m in net.modules() if hasattr(m, "t")]
    assert len(ngs) == 55
    with torch.no_grad():
        for i, m in enumerate(ngs):
            m.t.fill_(float(i + 1))  # layer number k holds t = k
    assert ng_t_layer19(net) == [19.0] * ngs[18].t.numel()
    small = build_model("plain", depth=14, act="ng-relu", width=2)  # 13 NG layers: round(19 * 13 / 55) = 4
    with torch.no_grad():
        for i, m in enumerate(m for m in small.modules() if hasattr(m, "t")):
            m.t.fill_(float(i + 1))
    assert set(ng_t_layer19(small)) == {4.0}
    assert ng_t_layer19(build_model("plain", depth=14, act="relu", width=2)) is None


def test_measures_by_hand():
    assert ng_figures.variance_spread([1e-2, 1e-4]) == pytest.approx(1.0)  # log10: -2, -4 -> pstdev 1
    ok = {"status": "ok", "history": [{"train_acc": 0.2, "test_acc": 0.1}, {"train_acc": 0.4, "test_acc": 0.1}],
          "final_train_acc": 0.4}
    assert ng_figures.train_curve(ok, 3) == [0.2, 0.4, 0.4]  # stopped early: its last value carries on
    assert ng_figures.mean_train_acc(ok, 3) == pytest.approx(100 * 1.0 / 3)
    diverged = {"status": "diverged", "history": [{"train_acc": 0.3, "test_acc": 0.1}, {"train_acc": 0.05}],
                "final_train_acc": 0.3}
    assert ng_figures.train_curve(diverged, 4) == [0.3, 0.1, 0.1, 0.1]  # chance from the diverged epoch
    assert ng_figures.final_train_acc(diverged) == pytest.approx(10.0)


def learning_means(ng_acc, base_acc, arch="plain-20"):
    """means of one arch where every NG variant has `ng_acc` (mean, final) per init and every base `base_acc`."""
    out = {}
    for init_i, init in enumerate(("Xavier", "MSRA", "Orthogonal")):
        for act in ng.T3_ACTS:
            mean, final = (ng_acc if act.startswith("ng-") else base_acc)[init_i]
            out[(f"{arch} / {init} mean", ng.ACT_LABEL[act])] = mean
            out[(f"{arch} / {init} final", ng.ACT_LABEL[act])] = final
    return out


PLAIN = ("plain-20",)


def test_faster_and_insensitive_on_hand_made_numbers():
    good = learning_means(ng_acc=[(50, 60), (52, 61), (51, 60)], base_acc=[(10, 10), (40, 55), (12, 10)])
    assert ng_figures._faster(PLAIN, 1.0)(good)[0] is True
    assert ng_figures._insensitive(PLAIN)(good)[0] is True  # mean over epochs: NG spread 2 pp vs 30 pp
    bad = learning_means(ng_acc=[(50, 20), (30, 61), (51, 60)], base_acc=[(40, 60), (40, 60), (40, 60)])
    assert ng_figures._faster(PLAIN, 1.0)(bad)[0] is False  # MSRA: 30 < 40
    assert ng_figures._faster(PLAIN, 0.5)(bad)[0] is True   # ahead in 6 of 9 cases: "most"
    assert ng_figures._insensitive(PLAIN)(bad)[0] is False  # NG spread 21 pp vs 0
    assert ng_figures._faster(PLAIN, 1.0)({})[0] is None and ng_figures._insensitive(PLAIN)({})[0] is None


def test_most_cases_counts_every_expected_case():
    half = {("plain-20 / MSRA mean", "NG-ReLU"): 20, ("plain-20 / MSRA mean", "ReLU"): 10,
            ("plain-20 / MSRA mean", "NG-LReLU"): 10, ("plain-20 / MSRA mean", "LReLU"): 10,
            ("plain-20 / MSRA final", "NG-ReLU"): 20, ("plain-20 / MSRA final", "NG-LReLU"): 10}
    ok, detail = ng_figures._faster(PLAIN, 0.5)(half)
    assert ok is None and "1 of 9 cases" in detail  # 7 cases not run: a majority is still possible
    good = learning_means(ng_acc=[(50, 60)] * 3, base_acc=[(40, 60)] * 3)
    five = dict(list(good.items()))
    for init in ("Orthogonal",):  # 3 of 9 cases missing, the 6 others won: 6 > 4.5, "most" is decided
        for act in ng.T3_ACTS:
            five.pop((f"plain-20 / {init} mean", ng.ACT_LABEL[act]))
    assert ng_figures._faster(PLAIN, 0.5)(five)[0] is True
    assert ng_figures._faster(PLAIN, 1.0)(five)[0] is None  # "in all cases": 3 not run
    lost = learning_means(ng_acc=[(30, 60)] * 3, base_acc=[(40, 60)] * 3)
    lost = {k: v for k, v in lost.items() if "Orthogonal" not in k[0]}
    assert ng_figures._faster(PLAIN, 0.5)(lost)[0] is False  # 0 wins + 3 open <= 4.5: never a majority
    assert ng_figures._insensitive(PLAIN)(lost)[0] is None   # no spread over three inits


def curve_means(ng_curve, base_curve, arch="plain-20", inits=("Xavier", "MSRA", "Orthogonal")):
    """means of one arch where every NG variant has the training curve `ng_curve` (% per epoch; its last value is
    its final) and every other activation `base_curve`, under each of `inits`."""
    out = {}
    for init in inits:
        for act in ng.T3_ACTS:
            curve = ng_curve if act.startswith("ng-") else base_curve
            out.update({(f"{arch} / {init} epoch {k}", ng.ACT_LABEL[act]): acc for k, acc in enumerate(curve, 1)})
            out[(f"{arch} / {init} final", ng.ACT_LABEL[act])] = curve[-1]
    return out


def reaching(epoch, final=60.0, epochs=30):
    """A training curve at 12 % until `epoch`, then at `final` (%): it reaches any level up to `final` at `epoch`."""
    return [12.0] * (epoch - 1) + [final] * (epochs - epoch + 1)


def test_much_faster_is_half_the_epochs_to_reach_half_way_to_the_bases_final_accuracy():
    """Figure 5: 'converged much faster' = NG converged and reaches the level half-way from chance to the base's
    final training accuracy in at most half of the base's epochs."""
    much = ng_figures._much_faster(ng_figures.FIG5_ARCHS)
    both = {**curve_means(reaching(5), reaching(20)), **curve_means(reaching(5), reaching(20), "ResNet-56")}
    ok, detail = much(both)  # level 35 %: NG at epoch 5, the base at 20
    assert ok is True and "18 of 18" in detail and "35.0% reached at epoch 5 vs 20" in detail
    assert much({**both, **curve_means(reaching(10), reaching(20))})[0] is True  # exactly half
    slower = {**both, **curve_means(reaching(15), reaching(20))}
    ok, detail = much(slower)  # faster, but not twice as fast
    assert ok is False and "plain-20 Xavier NG-ReLU: 35.0% reached at epoch 15 vs 20" in detail and "✗" in detail
    # at paper scale every ResNet converges (training accuracy near 100 %): no longer out of reach for NG
    paper = {**both, **curve_means(reaching(2, 99.0), reaching(6, 99.5), "ResNet-56")}
    assert much(paper)[0] is True
    # a base that never reaches the level (never trains: the level is the 15 % convergence line) is beaten by an
    # NG run that reaches it, however late
    stuck = {**both, **curve_means(reaching(25), [10.0] * 30)}
    ok, detail = much(stuck)
    assert ok is True and "15.0% reached at epoch 25 vs never" in detail
    # an NG run that never trained is not ahead, even of a base at chance
    untrained = {**both, **curve_means([12.0] * 30, [10.0] * 30)}
    ok, detail = much(untrained)
    assert ok is False and "NG did not converge" in detail
    # an NG run that ends converged but never reached the base's level is not faster
    assert much({**both, **curve_means([20.0] * 30, reaching(20))})[0] is False
    # both reach the level in the first epoch: the per-epoch curve cannot tell, undecided
    first = {**both, **curve_means(reaching(1), reaching(1), "ResNet-56")}
    ok, detail = much(first)
    assert ok is None and "both within the first epoch, undecided" in detail
    assert much({**first, **curve_means(reaching(15), reaching(20))})[0] is False  # does not hide a failure
    # a base that trained and then diverged (its curve padded with chance) or sank back under the 15 % line did
    # not converge: an NG run that converged converged faster, although the base passed the 15 % line earlier
    ok, detail = ng_figures._much_faster_case([12, 40, 60, 70], [30, 50, 10, 10], 70.0, 10.0)
    assert ok is True and "the base did not converge (final 10.0%" in detail
    assert ng_figures._much_faster_case([12, 40, 60, 70], [30, 50, 14, 14], 70.0, 14.0)[0] is True
    sank = {**both, **curve_means([12.0, 40.0] + [60.0] * 28, [30.0, 50.0] + [10.0] * 28)}
    ok, detail = much(sank)
    assert ok is True and "plain-20 Xavier NG-ReLU: 15.0% reached at epoch 2 vs 1" in detail
    # ... but not when NG did not converge either
    assert ng_figures._much_faster_case([12, 40, 12, 12], [30, 50, 10, 10], 12.0, 10.0)[0] is False
    # a base that converged keeps the rule: the same early curve ending at 16 % (level 15 %) is reached first
    ok, detail = ng_figures._much_faster_case([12, 40, 60, 70], [30, 50, 16, 16], 70.0, 16.0)
    assert ok is False and "15.0% reached at epoch 2 vs 1" in detail and "✗" in detail
    assert ng_figures._much_faster_case([12, 12, 60, 70], [12, 12, 12, 60], 70.0, 60.0)[0] is False  # 3 vs 4
    assert ng_figures._much_faster_case([12, 60, 60, 70], [12, 12, 12, 60], 70.0, 60.0)[0] is True   # 2 vs 4
    # a case not run
    ok, detail = much(curve_means(reaching(5), reaching(20)))
    assert ok is None and "ResNet-56 Xavier NG-ReLU: not run" in detail
    assert much({})[0] is None


def test_learning_values_carry_the_training_curve_to_the_claims():
    fig5 = next(t for t in ng_figures.FIGURES if t.id == "5")

    def rec(accs):
        return {"result": {"status": "ok", "final_train_acc": accs[-1], "epochs_run": len(accs),
                           "history": [{"epoch": i + 1, "train_acc": a, "test_acc": 0.1} for i, a in enumerate(accs)]}}
    pairs = [(cell, rec([0.3, 0.6] if col.startswith("NG") else [0.12, 0.3])) for _, col, cell in
             ng_figures.fig5_layout("smoke")]
    means = {(v.row, v.column): v.values[0] for v in fig5.values(pairs)}
    assert ng_figures.learning_curve(means, "ResNet-56 / MSRA", "NG-ReLU") == [pytest.approx(30.0),
                                                                                pytest.approx(60.0)]
    assert ng_figures.learning_curve(means, "ResNet-56 / MSRA", "SELU") == [pytest.approx(12.0), pytest.approx(30.0)]
    ok, detail = fig5.claims[0].check(means)  # level 20 %: NG at epoch 1, the base at epoch 2
    assert ok is True and "20.0% reached at epoch 1 vs 2" in detail
    assert epochs_to_reach([10.0, 20.0, 30.0], 20.0) == 2
    assert epochs_to_reach([10.0, 20.0], 25.0) is None


def test_much_faster_threshold_is_the_papers_much_greater():
    assert ng_figures.MUCH_FASTER == ng.MUCH_GREATER == 1.8


def test_figure4_values_carry_each_runs_training_accuracy_to_its_claim():
    """variance_values gives, per panel and activation, the spread and the '<act> final train acc' column the
    claim reads: a typo in either name would leave Figure 4 n/a for ever."""
    fig4 = next(t for t in ng_figures.FIGURES if t.id == "4")

    def rec(spread_scale, acc):  # two layers, variances 1 and 10**spread_scale: spread = spread_scale / 2
        return {"result": {"status": "ok", "final_train_acc": acc, "epochs_run": 2,
                           "history": [{"weight_variance": [1.0, 10.0 ** spread_scale]}]}}
    pairs = [(cell, rec(0.4 if col == "NG-ReLU" else 0.8, 0.3)) for _, col, cell in ng_figures.fig4_layout("smoke")]
    means = {(v.row, v.column): v.values[0] for v in fig4.values(pairs)}
    assert means[("plain-20 / MSRA", "NG-ReLU")] == pytest.approx(0.2)
    assert means[("ResNet-56 / MSRA", "ReLU" + ng_figures.TRAINED)] == pytest.approx(30.0)
    assert fig4.claims[0].check(means)[0] is True
    at_chance = [(cell, rec(0.4 if col == "NG-ReLU" else 0.8, 0.1)) for _, col, cell in ng_figures.fig4_layout("smoke")]
    means = {(v.row, v.column): v.values[0] for v in fig4.values(at_chance)}
    assert fig4.claims[0].check(means)[0] is None  # nothing trained: undecided, however the spreads compare
    assert not any(c.smoke_gate for c in fig4.claims)


def test_stability_and_t_claims_on_hand_made_numbers():
    rows = ("plain-20 / MSRA", "ResNet-56 / MSRA")
    stable = ng_figures._more_stable(rows)
    trained = {(row, act + ng_figures.TRAINED): 40.0 for row in rows for act in ("ReLU", "NG-ReLU")}
    means = {("plain-20 / MSRA", "ReLU"): 0.8, ("plain-20 / MSRA", "NG-ReLU"): 0.3,
             ("ResNet-56 / MSRA", "ReLU"): 0.5, ("ResNet-56 / MSRA", "NG-ReLU"): 0.6, **trained}
    ok, detail = stable(means)
    assert ok is False and "ResNet-56 / MSRA: NG-ReLU 0.600 vs ReLU 0.500 ✗" in detail
    assert stable({**means, ("ResNet-56 / MSRA", "NG-ReLU"): 0.4})[0] is True
    one = {k: v for k, v in means.items() if k[0] == "plain-20 / MSRA"}  # ResNet runs diverged: no variance
    ok, detail = stable(one)
    assert ok is None and "ResNet-56 / MSRA: no value" in detail
    assert stable({})[0] is None
    # a run that never left chance keeps about its init's spread: its panel is undecided, not a win (the smoke's
    # plain-20 ReLU at 9.9 %); 15 % (1.5 x chance) is the suite's convergence line
    both_win = {**means, ("ResNet-56 / MSRA", "NG-ReLU"): 0.4}
    ok, detail = stable({**both_win, ("plain-20 / MSRA", "ReLU" + ng_figures.TRAINED): 9.9})
    assert ok is None and "plain-20 / MSRA: NG-ReLU 0.300 vs ReLU 0.800, undecided: did not train (ReLU 9.9%" in detail
    assert stable({**both_win, ("plain-20 / MSRA", "NG-ReLU" + ng_figures.TRAINED): 14.9})[0] is None
    assert stable({**both_win, ("plain-20 / MSRA", "NG-ReLU" + ng_figures.TRAINED): 15.0})[0] is True
    # an undecided panel does not hide a failing one
    assert stable({**means, ("plain-20 / MSRA", "ReLU" + ng_figures.TRAINED): 9.9})[0] is False
    no_acc = {k: v for k, v in both_win.items() if k[0] != "plain-20 / MSRA" or k[1] != "ReLU" + ng_figures.TRAINED}
    assert stable(no_acc)[0] is None
    high = ng_figures._ng_converges_relu_not
    yes = {("lr = 1", "NG-ReLU"): "converged", ("lr = 1", "ReLU"): "n/c",
           ("lr = 1.5", "NG-ReLU"): "converged", ("lr = 1.5", "ReLU"): "n/c"}
    assert high(yes)[0] is True
    assert high({**yes, ("lr = 1.5", "NG-ReLU"): "n/c"})[0] is False
    assert high({**yes, ("lr = 1", "ReLU"): "converged"})[0] is False
    assert high({k: v for k, v in yes.items() if k[0] == "lr = 1"})[0] is None  # lr 1.5 not run


# ------------------------------------------------------------------ Figure 2: t became increasingly oscillatory

def t_run(ts, lrs=None, final=0.4, status="ok"):
    """A Figure 2 run: layer-19 t per epoch (`ts`, one list of channels per epoch) at learning rates `lrs`."""
    lrs = lrs or [0.01] * len(ts)
    return {"status": status, "final_train_acc": final, "epochs_run": len(ts),
            "history": [{"epoch": i + 1, "lr": lr, "train_acc": final, "test_acc": 0.3, "ng_t_layer19": t}
                        for i, (lr, t) in enumerate(zip(lrs, ts))]}


def test_t_second_differences_are_reversals_at_the_initial_lr():
    ts = [[-1.0, -1.0], [-0.9, -1.1], [-0.9, -1.0], [-0.5, -1.0], [-0.5, -1.0]]
    # channel 1: |-.9+1.8-1| = .1, |-.5+1.8-.9| = .4, |-.5+1-.9| = .4; channel 2: .2, .1, 0
    assert ng_figures.t_second_differences(t_run(ts)) == [pytest.approx(0.15), pytest.approx(0.25),
                                                           pytest.approx(0.2)]
    # after the lr is divided the steps shrink 10x: those epochs are left out
    assert ng_figures.t_second_differences(t_run(ts, lrs=[0.01, 0.01, 0.01, 0.001, 0.001])) == [
        pytest.approx(0.15)]
    # a steady drift, however fast, has no second difference
    assert ng_figures.t_second_differences(t_run([[-1.0 + 0.3 * e] for e in range(5)])) == [pytest.approx(0.0)] * 3
    assert ng_figures.t_second_differences(t_run(ts, status="diverged")) is None


def test_figure2_claim_measures_oscillation_over_time_in_a_trained_net():
    """'as the training proceeded, t became increasingly oscillatory': t reverses more between epochs (second
    difference) in the last third than in the first, in a net that trained; neither the spread over channels
    (every channel starts at -1, so it grows under any noise) nor a drift that speeds up decides it."""
    fig2 = get_target("figure", "ng", "2")
    cell = ng_figures.fig2_layout("smoke")[0][2]

    def means(run):
        return {(v.row, v.column): v.values[0] for v in fig2.values([(cell, {"result": run})])}
    calm_then_swinging = [[-1.0], [-0.99], [-0.98], [-0.97], [-0.7], [-0.9], [-0.6]]  # 2nd diffs 0 0 .26 .47 .5
    ok, detail = fig2.claims[0].check(means(t_run(calm_then_swinging)))
    assert ok is True and "0.0000 in the first third" in detail and "0.5000 in the last third" in detail
    settling = list(reversed(calm_then_swinging))
    ok, detail = fig2.claims[0].check(means(t_run(settling)))
    assert ok is False and "✗" in detail
    # t alternating around -1 with a growing amplitude: increasingly oscillatory; it passes where it ends above -1
    # (e = 12: -0.88), and fails "increasing the capacity" where it ends below (e = 11: -1.11)
    swinging = [[-1.0 + (-1) ** e * 0.01 * e] for e in range(13)]
    assert fig2.claims[0].check(means(t_run(swinging)))[0] is True
    ok, detail = fig2.claims[0].check(means(t_run(swinging[:12])))
    assert ok is False and "in the last third ✗" not in detail
    assert "mean t after the last epoch -1.1100 vs initial -1 ✗" in detail
    # a smooth drift that speeds up (t_e = -1 + 0.005 e^2: steps growing from .005 to .105) never reverses: not
    # oscillatory (the mean |t_e - t_(e-1)| rewarded it)
    speeding_up = [[-1.0 + 0.005 * e ** 2] for e in range(12)]
    ok, detail = fig2.claims[0].check(means(t_run(speeding_up)))
    assert ok is False and "✗" in detail
    # a spread over channels that grows while t does not swing more over time: not oscillatory
    fanning_out = [[-1.0 - 0.125 * e, -1.0 + 0.125 * e] for e in range(7)]  # every channel moves 0.125 per epoch
    assert fig2.claims[0].check(means(t_run(fanning_out)))[0] is False
    # a net that never left chance: undecided, however t moved
    ok, detail = fig2.claims[0].check(means(t_run(calm_then_swinging, final=0.11)))
    assert ok is None and "did not train" in detail
    # fewer than 5 epochs at the initial lr (the smoke's 2 epochs): the oscillation is undecided, so the claim is
    # n/a where t rose (-0.97) and FAILs where it did not (t back at or below its initial -1)
    ok, detail = fig2.claims[0].check(means(t_run(calm_then_swinging[:4])))
    assert ok is None and "mean t after the last epoch -0.9700 vs initial -1" in detail
    ok, detail = fig2.claims[0].check(means(t_run([[-1.0], [-0.9], [-1.05]])))
    assert ok is False and "-1.0500 vs initial -1 ✗" in detail
    assert fig2.claims[0].check(means(t_run([[-1.0], [-0.9], [-1.0]])))[0] is False  # back at -1: no increase
    assert fig2.claims[0].check(means(t_run([[-1.0], [-0.9], [-1.05]], final=0.11)))[0] is None  # did not train
    assert fig2.claims[0].check(means(t_run(calm_then_swinging, lrs=[0.01] * 4 + [0.001] * 3)))[0] is None
    assert fig2.claims[0].check({})[0] is None
    # the claim quotes the sentence, and t starts where Figure 2's run starts it
    assert "t became increasingly oscillatory, increasing the capacity of the model" in fig2.claims[0].text
    assert cell.model_kwargs["t_init"] == ng_figures.T_INIT == -1.0 and not fig2.claims[0].smoke_gate


def test_figure2_final_mean_t_is_layer19s_mean_after_the_last_epoch():
    assert ng_figures.final_mean_t(t_run([[-1.0, -1.0], [-0.8, -0.6]])) == pytest.approx(-0.7)
    assert ng_figures.final_mean_t(t_run([[-1.0], [-0.8]], status="diverged")) is None
    assert ng_figures.final_mean_t({"status": "ok", "history": [{"epoch": 1, "train_acc": 0.3}]}) is None


def test_figure2_deviation_quotes_the_subsections_init_sentence():
    """Figure 2's paragraph names no init; its subsection's Table 2 paragraph says Xavier 'for all the experiments',
    Table 3's paragraph MSRA: the deviation says both, not 'paper silent'."""
    devs = get_target("figure", "ng", "2").deviations("paper")
    reading = [d for d in devs if "We extracted t from the 56-layer plain CNN" in d]
    assert len(reading) == 1 and "paper silent" not in reading[0]
    assert "Xavier initialization [Glorort 2010] were used as the weight initialization for all the experiments" \
        in reading[0] and "'MSRA initialization was used'" in reading[0]
    assert ng_figures.fig2_layout("paper")[0][2].model_kwargs["init"] == "msra"


# ------------------------------------------------------------------ Figure 5 / appendix Figure 1: insensitive to init

def _set(act, kind, values, arch="plain-20"):
    """{(row, column): value} for `act`'s `kind` ("mean" / "final") training accuracy under Xavier, MSRA, Orthogonal."""
    return {(f"{arch} / {i} {kind}", act): v for i, v in zip(("Xavier", "MSRA", "Orthogonal"), values)}


def test_insensitive_needs_ng_trained_under_every_init_and_compares_selu_too():
    """The spread over the inits of each model's mean training accuracy over the epochs (the curve, 'learning
    behavior'), not of its last epoch, where every net that trains ends near the same accuracy."""
    insensitive = ng_figures._insensitive(PLAIN)
    good = learning_means(ng_acc=[(50, 60), (52, 61), (51, 60)], base_acc=[(10, 10), (40, 55), (12, 10)])
    ok, detail = insensitive(good)
    assert ok is True and "plain-20 NG-ReLU vs SELU: NG spread 2.0 vs 30.0 pp" in detail
    # the same last epoch under every init but curves that differ: the base is sensitive, NG wins
    late_equal = learning_means(ng_acc=[(50, 60), (52, 61), (51, 60)], base_acc=[(20, 60), (45, 60), (30, 60)])
    assert insensitive(late_equal)[0] is True
    # SELU as stable as NG: "the other models were not" fails for it
    selu_flat = {**good, **_set("SELU", "mean", [51.5] * 3), **_set("SELU", "final", [60.5] * 3)}
    ok, detail = insensitive(selu_flat)
    assert ok is False and "plain-20 NG-ReLU vs SELU: NG spread 2.0 vs 0.0 pp ✗" in detail
    # NG networks that never train under any init have no spread: undecided, not a win
    at_chance = learning_means(ng_acc=[(10, 10.2), (10, 10.1), (10, 10.2)], base_acc=[(10, 10), (40, 55), (12, 10)])
    ok, detail = insensitive(at_chance)
    assert ok is None and "did not train under every init" in detail
    # under one init only: that NG variant's cases are undecided; a failing case still fails the claim
    one_init = {**good, ("plain-20 / MSRA final", "NG-ReLU"): 11.0}
    assert insensitive(one_init)[0] is None
    assert insensitive({**one_init, **_set("LReLU", "mean", [51.0] * 3), **_set("LReLU", "final", [60.0] * 3)})[0] \
        is False


def test_insensitive_against_a_model_that_trained_under_no_init_is_undecided():
    """A comparator at chance under all three inits has a spread of about 0: NG can never be the less sensitive,
    a FAIL by construction. Such a comparison is undecided; one against a model that trained under some inits
    only is a valid one."""
    insensitive = ng_figures._insensitive(PLAIN)
    ng_trained = [(50, 60), (52, 61), (51, 60)]
    nowhere = learning_means(ng_acc=ng_trained, base_acc=[(10, 10)] * 3)  # every base and SELU at 10/10/10
    ok, detail = insensitive(nowhere)
    assert ok is None and "plain-20 NG-ReLU vs SELU: NG spread 2.0 vs 0.0 pp, undecided: SELU trained under no init" in detail
    assert "✗" not in detail
    # trained under two of the inits (10 % under MSRA), or under all three with a large spread: NG wins
    assert insensitive(learning_means(ng_acc=ng_trained, base_acc=[(50, 60), (10, 10), (50, 61)]))[0] is True
    ok, detail = insensitive(learning_means(ng_acc=ng_trained, base_acc=[(50, 60), (20, 20), (50, 61)]))
    assert ok is True and "plain-20 NG-ReLU vs ReLU: NG spread 2.0 vs 30.0 pp" in detail
    # a base whose curves are about equal under every init: a valid comparison, and NG loses it
    flat = learning_means(ng_acc=ng_trained, base_acc=[(51.0, 60.5), (51.2, 60.5), (51.1, 60.5)])
    assert insensitive(flat)[0] is False
    # one comparator untrained everywhere, the other decides: SELU's comparisons stand
    selu_only = {**nowhere, **_set("SELU", "mean", (50.0, 15.0, 51.0)), **_set("SELU", "final", (60.0, 20.0, 61.0))}
    ok, detail = insensitive(selu_only)
    assert ok is True and "ReLU trained under no init" in detail
    assert insensitive({**selu_only, **_set("SELU", "mean", [51.5] * 3)})[0] is False


@pytest.mark.parametrize("fid", ["2", "4", "5", "A1", "A2", "A3"])
def test_every_new_figure_is_a_target_with_claims(fid):
    t = get_target("figure", "ng", fid)
    assert t.claims and t.values and t.cells("smoke") and t.protocol("smoke")


def test_every_ng_target_that_trains_declares_its_weight_decay():
    """Issue 16: the paper's "weight decay of 0.0005" is silent on biases and BN parameters; every target that
    trains with weight decay declares the reading, Table 1 (no weight decay) says it has none."""
    from reproduce.ng_protocol import WEIGHT_DECAY_READING
    from reproduce.targets import targets
    for t in targets("ng"):
        cells = t.cells("smoke")
        if not cells:
            continue
        devs = t.deviations("paper")
        if any(c.train.weight_decay > 0 for c in cells):
            assert WEIGHT_DECAY_READING in devs, t.name
            assert all(c.train.decay_bias and c.train.decay_norm for c in cells), t.name  # as declared
        else:
            assert any("no weight decay" in d for d in devs), t.name


def test_figures_import_the_protocol_not_the_tables():
    import subprocess
    import sys
    code = "import sys, reproduce.ng_figures; print('reproduce.ng' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------ Figure 3: test accuracy far more stable

def run(tests, status="ok", trains=None):
    trains = trains or [0.5] * len(tests)
    return {"status": status, "epochs_run": len(tests), "final_train_acc": trains[-1],
            "history": [{"epoch": i + 1, "train_acc": t, "test_acc": a} for i, (a, t) in enumerate(zip(tests, trains))]}


def test_test_drops_sums_the_falls_of_the_test_accuracy():
    assert ng_figures.test_drops(run([0.5, 0.4, 0.6, 0.55, 0.7])) == pytest.approx(15.0)  # 10 + 5 pp
    assert ng_figures.test_drops(run([0.3, 0.4, 0.5])) == 0.0  # never falls
    assert ng_figures.test_drops(run([0.3])) is None  # one epoch: no oscillation to measure
    assert ng_figures.test_drops(run([0.3, 0.2], status="diverged")) is None


def test_train_drops_and_rise_read_the_training_curve():
    r = run([0.3, 0.2, 0.4], trains=[0.2, 0.4, 0.35, 0.6])
    assert ng_figures.train_drops(r) == pytest.approx(5.0)  # 0.4 -> 0.35 (epochs evaluated: the first three)
    assert ng_figures.train_rise(r) == pytest.approx(15.0)  # 0.2 -> 0.35
    assert ng_figures.train_drops(run([0.3, 0.4], trains=[0.2, 0.5])) == 0.0
    assert ng_figures.train_rise(run([0.3, 0.4], trains=[0.5, 0.4])) == pytest.approx(-10.0)
    assert ng_figures.train_drops(run([0.3])) is None and ng_figures.train_rise(run([0.3])) is None
    assert ng_figures.train_rise(run([0.3, 0.2], status="diverged")) is None


def fig3_means(drops: dict, final_train_acc: float = 50.0, train_drops: float = 0.0, rise: float = 20.0) -> dict:
    """Figure 3's means: each activation's summed test-accuracy drops, every run at `final_train_acc` (%), with
    summed training-accuracy drops `train_drops` and a rise `rise` from the first to the last epoch (pp)."""
    return {**{(row, ng_figures.FIG3_COLUMN): v for row, v in drops.items()},
            **{(row, ng_figures.FIG3_TRAIN_COLUMN): train_drops for row in drops},
            **{(row, ng_figures.FIG3_RISE): rise for row in drops},
            **{(row, ng_figures.FIG3_TRAINED): final_train_acc for row in drops}}


def test_figure3_claim():
    """'their test accuracy oscillated ... NG ... far more stable': X's test accuracy fell, NG-X's summed falls at
    most half of X's, for ReLU, LReLU and PReLU."""
    claim = get_target("figure", "ng", "3").claims[0]
    assert ng_figures.FAR_MORE_STABLE == ng.MUCH_GREATER  # 'far' read as the paper's 'much': at least 1.8 x
    good = {"ReLU": 6.0, "NG-ReLU": 3.0, "LReLU": 4.0, "NG-LReLU": 0.0, "PReLU": 2.0, "NG-PReLU": 0.5}
    ok, detail = claim.check(fig3_means(good))
    assert ok is True and "NG-ReLU 3.00 vs ReLU 6.00" in detail
    ok, detail = claim.check(fig3_means({**good, "NG-ReLU": 3.5}))  # more stable, but not twice
    assert ok is False and "NG-ReLU 3.50 vs ReLU 6.00 ✗" in detail
    assert claim.check(fig3_means({**good, "PReLU": 0.0, "NG-PReLU": 0.0}))[0] is False  # PReLU never oscillated
    assert claim.check(fig3_means({k: v for k, v in good.items() if k != "NG-LReLU"}))[0] is None  # not run
    assert claim.check(fig3_means({k: v for k, v in good.items() if k != "PReLU"} | {"NG-ReLU": 4.0}))[0] is False
    assert claim.check({})[0] is None
    # an NG net that never trains has a test curve flat at chance: no drops, but no stability either
    flat = {**fig3_means(good), ("NG-LReLU", ng_figures.FIG3_TRAINED): 10.0}
    ok, detail = claim.check(flat)
    assert ok is None and "NG-LReLU 0.00 vs LReLU 4.00, undecided: did not train (NG-LReLU 10.0%" in detail
    assert claim.check({**flat, ("LReLU", ng_figures.FIG3_TRAINED): 14.9})[0] is None  # nor a base at chance
    assert claim.check({**flat, ("NG-ReLU", ng_figures.FIG3_COLUMN): 3.5})[0] is False  # another pair fails
    assert claim.check(fig3_means(good, final_train_acc=11.0))[0] is None  # nothing trained
    assert claim.check({k: v for k, v in fig3_means(good).items()
                        if k != ("NG-PReLU", ng_figures.FIG3_TRAINED)})[0] is None


def test_figure3_claim_reads_the_contrast_of_steady_training_and_oscillating_test_accuracy():
    """'although the training accuracies of ResNets with ReLUs, LReLUs and PReLUs increased steadily, their test
    accuracy oscillated': for each X the training accuracy rose and its summed falls are below the test
    accuracy's; the NG half is unchanged."""
    claim = get_target("figure", "ng", "3").claims[0]
    assert "increased steadily, their test accuracy oscillated" in claim.text and "far more stable" in claim.text
    good = {"ReLU": 6.0, "NG-ReLU": 3.0, "LReLU": 4.0, "NG-LReLU": 0.0, "PReLU": 2.0, "NG-PReLU": 0.5}
    ok, detail = claim.check(fig3_means(good, train_drops=1.0))
    assert ok is True and "ReLU train rise 20.00, train drops 1.00 vs test drops 6.00;" in detail
    # PReLU's training accuracy fell as much as its test accuracy: not "steadily" against "oscillated"
    m = fig3_means(good)
    ok, detail = claim.check({**m, ("PReLU", ng_figures.FIG3_TRAIN_COLUMN): 2.0})
    assert ok is False and "PReLU train rise 20.00, train drops 2.00 vs test drops 2.00 ✗" in detail
    assert claim.check({**m, ("PReLU", ng_figures.FIG3_TRAIN_COLUMN): 1.99})[0] is True
    # a training accuracy that did not increase
    ok, detail = claim.check({**m, ("LReLU", ng_figures.FIG3_RISE): -1.0})
    assert ok is False and "LReLU train rise -1.00" in detail and "✗" in detail
    assert claim.check({**m, ("LReLU", ng_figures.FIG3_RISE): 0.0})[0] is False
    # the NG half alone still fails it
    assert claim.check({**m, ("NG-ReLU", ng_figures.FIG3_COLUMN): 3.5})[0] is False
    # a base without its training curve's values: undecided
    assert claim.check({k: v for k, v in m.items() if k != ("ReLU", ng_figures.FIG3_TRAIN_COLUMN)})[0] is None


def test_figure3_values_read_tables_3_runs_per_seed(monkeypatch):
    monkeypatch.setenv("SEEDS", "1,2")
    layout = ng_figures.fig3_layout("smoke")
    assert {c.hash for _, _, c in layout} <= {c.hash for _, _, c in ng.table3_layout("smoke")}
    curves = {"ReLU": [0.3, 0.2, 0.4], "NG-ReLU": [0.3, 0.35, 0.4]}
    pairs = [(c, {"result": run(curves.get(row, [0.3, 0.3]))}) for row, _, c in layout]
    pairs[0] = (pairs[0][0], {"result": run([0.3, 0.1], status="diverged")})  # ReLU seed 1 diverged
    vals = {(v.row, v.column): v.values for v in get_target("figure", "ng", "3").values(pairs)}
    assert ("ReLU", ng_figures.FIG3_COLUMN) not in vals  # a diverged seed: no value (the claim is undecided)
    assert vals[("NG-ReLU", ng_figures.FIG3_COLUMN)] == [0.0, 0.0]
    assert vals[("NG-ReLU", ng_figures.FIG3_TRAINED)] == [pytest.approx(50.0)] * 2  # read by the claim
    one = get_target("figure", "ng", "3").values([p for p in pairs if p[0].seed == 2])
    one = {(v.row, v.column): v.values for v in one}
    assert one[("ReLU", ng_figures.FIG3_COLUMN)] == [pytest.approx(10.0)]
    assert one[("NG-ReLU", ng_figures.FIG3_COLUMN)] == [0.0]
    assert one[("ReLU", ng_figures.FIG3_TRAIN_COLUMN)] == [0.0] and one[("ReLU", ng_figures.FIG3_RISE)] == [0.0]
