"""NG test-accuracy tables (3, 4, A3, text): their cells at every scale, cells shared between tables, the
claims, and a rendered Table 3 with CIFAR-100 missing. No real training: a stub trainer on a tiny fixture."""
import numpy as np
import pytest

from reproduce import experiment, ng, ng_figures
from reproduce.__main__ import main
from reproduce.accuracy import converged_seeds_mean, final_accuracy
from reproduce.critical_depth import converged
from reproduce.data import check_available, save_npz_atomic
from reproduce.report import published, published_values
from reproduce.targets import get_target

SCALES = ("smoke", "fast", "paper")


def by_key(layout):
    return {(row, col): cell for row, col, cell in layout}


def means_of(table: str) -> dict:
    """{(row, column): published value} with numbers as floats, '-' kept."""
    return published_values("ng", table)


# ------------------------------------------------------------------ cells

@pytest.mark.parametrize("scale", SCALES)
def test_table3_has_every_published_cell_and_the_right_configs(scale):
    t3 = by_key(ng.table3_layout(scale))
    assert set(t3) == {(r["row"], r["column"]) for r in published("ng", "3")}
    s = ng.ACC_SCALES[scale]
    for (row, col), cell in t3.items():
        m = cell.model_kwargs
        act = {v: k for k, v in ng.ACT_LABEL.items()}[col]
        assert m["act"] == act and m["init"] == "msra"
        assert cell.data.name == ("cifar100" if "CIFAR-100" in row else "cifar10") and cell.data.augment
        assert (m.get("t_init"), m.get("t_trainable")) == ((-1.0, True) if act.startswith("ng-") else (None, None))
        paper_depth = int(row.split()[0].split("-")[1])
        if row.startswith("Plain"):
            assert m["arch"] == "plain" and m["bn"] is False
            assert m["depth"] == dict(zip(ng.PAPER_DEPTHS, s["plain_depths"]))[paper_depth]
            assert cell.train.lr == 0.01 and cell.train.schedule == "plateau"
            assert cell.train.plateau_monitor == "test_error"
        else:
            assert m["arch"] == "resnet" and m["widths"] == tuple(s["resnet_widths"])
            assert m["depth"] == dict(zip(ng.PAPER_DEPTHS, s["resnet_depths"]))[paper_depth]
            assert cell.train.lr == 0.1 and cell.train.schedule == "step"
            assert cell.train.milestones == s["milestones"] and cell.train.epochs == s["resnet_epochs"]
        assert cell.train.momentum == 0.9 and cell.train.weight_decay == 5e-4


def test_paper_scale_is_the_papers_protocol():
    t3 = by_key(ng.table3_layout("paper"))
    r56 = t3[("ResNet-56 / CIFAR-10", "NG-ReLU")]
    assert r56.model_kwargs["depth"] == 56 and r56.model_kwargs["widths"] == (16, 32, 64)
    assert (r56.train.epochs, r56.train.milestones, r56.train.lr, r56.train.batch_size) == \
        (200, (80, 120, 160), 0.1, 128)
    p44 = t3[("Plain-44 / CIFAR-10", "ReLU")]
    assert (p44.model_kwargs["depth"], p44.model_kwargs["bn"], p44.model_kwargs["width"]) == (44, False, 16)
    assert (p44.train.lr, p44.train.batch_size, p44.data.train_size, p44.data.test_size) == (0.01, 128, None, None)
    wide = ng.wide_cell("paper")
    assert (wide.model_kwargs["depth"], wide.model_kwargs["widths"], wide.model_kwargs["act"]) == \
        (20, (128, 256, 512), "ng-relu")
    assert wide.train.epochs == 200 and wide.train.milestones == (80, 120, 160)
    fast = by_key(ng.table3_layout("fast"))[("ResNet-44 / CIFAR-10", "ReLU")]
    assert (fast.model_kwargs["depth"], fast.train.epochs, fast.train.milestones) == (44, 30, (12, 18, 24))
    assert by_key(ng.table3_layout("fast"))[("Plain-56 / CIFAR-10", "SELU")].train.epochs == 10


@pytest.mark.parametrize("scale", ("fast", "paper"))
def test_plain_cells_are_those_of_tables_5_and_A4(scale):
    """At paper and fast scale a plain CNN of Tables 3/4/A3 is the Table 5 / A4 run of that depth (MSRA)."""
    assert ng.acc_plain_cell(scale, 44, "relu").hash == ng.plain_cell(scale, 44, "relu", "msra").hash
    assert ng.acc_plain_cell(scale, 56, "ng-prelu", bn=True).hash == \
        ng.plain_cell(scale, 56, "ng-prelu", "msra", bn=True).hash
    t5 = {c.hash for c in get_target("table", "ng", "5").cells(scale)}
    assert ng.acc_plain_cell(scale, 56, "selu").hash in t5


def test_smoke_reductions():
    s = ng.ACC_SCALES["smoke"]
    t3 = by_key(ng.table3_layout("smoke"))
    assert t3[("Plain-44 / CIFAR-10", "ReLU")].model_kwargs["depth"] == 8
    assert t3[("Plain-56 / CIFAR-10", "ReLU")].model_kwargs["depth"] == 14
    assert t3[("ResNet-56 / CIFAR-10", "ReLU")].model_kwargs["depth"] == 14
    for cell in ng.layout_cells(ng.table3_layout)("smoke"):
        assert cell.data.train_size == s["train_size"] and cell.train.batch_size == s["batch_size"]
        assert cell.train.epochs <= 2
    assert any("depth 8 and 14" in d for d in ng.table3_deviations("smoke"))


@pytest.mark.parametrize("scale", SCALES)
def test_tables_share_identical_cells(scale):
    t3, t4 = by_key(ng.table3_layout(scale)), by_key(ng.table4_layout(scale))
    a3, text = by_key(ng.tableA3_layout(scale)), by_key(ng.text_layout(scale))
    for d in ("44", "56"):
        assert t4[(d, "ReLU with BN")].hash == a3[(f"plain-{d} CNN / CIFAR-10", "ReLU")].hash
        assert t4[(d, "NG-ReLU")].hash == t3[(f"Plain-{d} / CIFAR-10", "NG-ReLU")].hash
        assert t4[(d, "NG-ReLU with BN")].hash == a3[(f"plain-{d} CNN / CIFAR-10", "NG-ReLU")].hash
    for col in ("NG-ReLU", "ReLU", "PReLU"):
        assert text[("Plain-56 BN epoch time", col)].hash == a3[("plain-56 CNN / CIFAR-10", col)].hash
        assert text[("ResNet-56 epoch time", col)].hash == t3[("ResNet-56 / CIFAR-10", col)].hash
    assert all(c.model_kwargs["bn"] for c in a3.values())
    assert {c.data.name for c in a3.values()} == {"cifar10", "svhn"}
    assert not any(c.data.augment for c in a3.values() if c.data.name == "svhn")
    everything = {c.hash for t in ng.ACCURACY_TARGETS for c in t.cells(scale)}
    assert len(everything) == 56 + 28 + 1  # Table 3 (incl. CIFAR-100), appendix Table 3 (incl. SVHN), wide ResNet


def test_published_rows_of_new_tables_are_covered():
    for table, layout in (("4", ng.table4_layout), ("A3", ng.tableA3_layout)):
        assert set(by_key(layout("smoke"))) == {(r["row"], r["column"]) for r in published("ng", table)}
    text = set(by_key(ng.text_layout("smoke")))
    assert {(r["row"], r["column"]) for r in published("ng", "text")} - text == {
        ("Plain CNN without BN / CIFAR-10 & CIFAR-100", "ReLU/LReLU/PReLU/SELU max convergent depth"),
        ("Plain CNN with BN / CIFAR-10", "largest depth tested")}


# ------------------------------------------------------------------ values

def result(train_acc=0.5, test_acc=0.4, status="ok", seconds=10.0, epochs=2, device="cpu"):
    return {"status": status, "final_train_acc": train_acc, "final_test_acc": test_acc, "epochs_run": epochs,
            "train_time_s": seconds, "wall_time_s": seconds + 1, "device": device, "dtype": "fp32",
            "train_images_per_s": 100.0, "history": []}


def test_final_accuracy_uses_the_convergence_criterion():
    c10 = ng.acc_plain_cell("smoke", 44, "relu")
    c100 = ng.acc_plain_cell("smoke", 44, "relu", dataset="cifar100")
    assert final_accuracy(c10, result(0.5, 0.4)) == pytest.approx(40.0)
    assert final_accuracy(c10, result(0.12, 0.4)) == "-"          # below 15 % on CIFAR-10
    assert final_accuracy(c100, result(0.03, 0.02)) == pytest.approx(2.0)  # 1.5 % on CIFAR-100
    assert final_accuracy(c10, result(status="diverged")) == "-"
    assert final_accuracy(c10, result(status="diverged"), not_converged="n/c") == "n/c"  # the LSUV paper's literal
    assert converged(result(0.15, 0.1))


def test_text_values_epoch_times_and_ratios():
    pairs = [(cell, {"result": result(seconds={"NG-ReLU": 72.0, "ReLU": 68.0, "PReLU": 77.0}.get(col, 1.0) * 2)})
             for row, col, cell in ng.text_layout("smoke")]
    vals = {(v.row, v.column): v for v in ng.text_values(pairs)}
    assert vals[("Plain-56 BN epoch time", "NG-ReLU")].values == [pytest.approx(72.0)]
    assert vals[("Plain-56 BN epoch time", "NG-ReLU")].unit == "s"
    assert vals[("ResNet-56 epoch time" + ng.RATIO, "PReLU")].values == [pytest.approx(77 / 68)]
    assert vals[(ng.WIDE_ROW, "test accuracy")].values == [pytest.approx(40.0)]
    # runs on different devices are never divided
    mixed = [(c, {"result": result(device="gpu" if col == "ReLU" else "cpu")}) for _, col, c in ng.text_layout("smoke")]
    assert not any(v.row.endswith(ng.RATIO) for v in ng.text_values(mixed))


# ------------------------------------------------------------------ claims

def claims(table_id):
    return get_target("table", "ng", table_id).claims


# every NG table's claims pass on the paper's own numbers: tests/test_ng_claims.py


def test_table3_claims_fail_and_are_na_per_dataset():
    plain10, resnet10, plain100, resnet100 = claims("3")
    m = means_of("3")
    assert "of 12 pairs better or comparable" in resnet10.check(m)[1]
    assert "of 12 pairs better or comparable" in resnet100.check(m)[1]
    bad = {**m, ("Plain-44 / CIFAR-10", "SELU"): 12.0}
    ok, detail = plain10.check(bad)
    assert ok is False and "SELU" in detail
    bad = {**m, ("Plain-56 / CIFAR-100", "NG-LReLU"): "-"}
    assert plain100.check(bad)[0] is False and plain10.check(bad)[0] is True
    # ResNets, "better or at least comparable ... in most cases": within 0.5 pp counts, a strict majority of the
    # 12 pairs (NG-X vs X and vs SELU, two depths) is needed
    assert resnet10.check({**m, ("ResNet-56 / CIFAR-10", "NG-PReLU"): 92.80})[0] is True  # 0.48 below PReLU
    r44_low = {**m, **{("ResNet-44 / CIFAR-10", f"NG-{b}"): 80.0 for b in ("ReLU", "LReLU", "PReLU")}}
    ok, detail = resnet10.check(r44_low)  # 6 of 12: half is not most
    assert ok is False and "6 of 12" in detail and "✗" in detail
    assert resnet10.check({**r44_low, ("ResNet-56 / CIFAR-10", "NG-ReLU"): 80.0})[0] is False
    # CIFAR-100 not run: its claims are n/a, never passed on the CIFAR-10 rows
    only10 = {k: v for k, v in m.items() if "CIFAR-100" not in k[0]}
    ok, detail = plain10.check(only10)
    assert ok is True and "2 of 2 plain rows" in detail
    assert resnet10.check(only10)[0] is True
    assert plain100.check(only10)[0] is None and resnet100.check(only10)[0] is None
    # one CIFAR-10 row missing: n/a, unless the other fails
    no56 = {k: v for k, v in m.items() if k[0] != "Plain-56 / CIFAR-10"}
    ok, detail = plain10.check(no56)
    assert ok is None and "Plain-56 / CIFAR-10: not run" in detail
    assert plain10.check({**no56, ("Plain-44 / CIFAR-10", "NG-ReLU"): "-"})[0] is False
    assert resnet10.check({k: v for k, v in m.items() if k != ("ResNet-44 / CIFAR-10", "LReLU")})[0] is True
    only44 = {k: v for k, v in m.items() if k[0] != "ResNet-56 / CIFAR-10"}  # 6 wins, 6 pairs not run: open
    assert resnet10.check(only44)[0] is None
    assert all(c.check({})[0] is None for c in claims("3"))


def test_values_mixed_over_seeds_are_read_as_the_worst_case():
    """Several seeds: a mean where some seed did not converge is the seeds' values joined by '/' (report.summarize).
    An NG variant's mixed value is not converged; a base's (or SELU's) is converged, at its converged seeds' mean."""
    from reproduce.report import summarize
    mixed = summarize(["-", 88.0, 90.0])[0]
    assert mixed == "-/88/90"
    assert summarize([0.144 * 100, 18.4, "-", 93.945])[0] == "14.4/18.4/-/93.945"  # no float noise, no digit lost
    assert summarize([11.71875, "n/c", 1234567.0, 4.87e-10])[0] == "11.71875/n/c/1234567/4.87e-10"
    assert converged_seeds_mean("11.71875/n/c/14.453125") == pytest.approx((11.71875 + 14.453125) / 2)
    assert converged_seeds_mean(mixed) == pytest.approx(89.0)
    assert converged_seeds_mean("-") is None and converged_seeds_mean(None) is None and converged_seeds_mean(91.5) == 91.5
    plain10, resnet10, _, _ = claims("3")
    m = means_of("3")
    ok, detail = plain10.check({**m, ("Plain-44 / CIFAR-10", "NG-ReLU"): "-/89.5"})  # NG failed on one seed
    assert ok is False and "did not converge: NG-ReLU ✗" in detail
    ok, detail = plain10.check({**m, ("Plain-56 / CIFAR-10", "SELU"): "-/30.0"})  # SELU converged on one seed
    assert ok is False and "converged: SELU ✗" in detail
    # ResNets: a base converged on some seeds is compared at those seeds' mean, not ranked below every number
    r = "ResNet-44 / CIFAR-10"  # paper: ReLU 92.83, SELU 92.66, NG-ReLU 93.48; every pair of the paper wins
    low = {**m, **{(r, f"NG-{b}"): 80.0 for b in ("ReLU", "LReLU")}}  # 4 of 12 pairs lost: 8 wins
    assert resnet10.check(low)[0] is True
    r56 = "ResNet-56 / CIFAR-10"  # NG-ReLU 93.90, NG-LReLU 93.56, NG-PReLU 93.49
    ok, detail = resnet10.check({**low, (r56, "ReLU"): "-/95.0", (r56, "SELU"): "-/95.0"})
    assert ok is False and "4 of 12" in detail  # 4 more pairs lost (vs ReLU; the three vs SELU)
    assert resnet10.check({**low, (r56, "ReLU"): "-/92.0", (r56, "SELU"): "-/92.0"})[0] is True  # 8 of 12
    ok, detail = resnet10.check({**low, (r56, "NG-ReLU"): "-/93.9", (r56, "NG-LReLU"): "93.6/-"})
    assert ok is False and "4 of 12" in detail  # NG not converged on some seed: those pairs lost
    mixed_both = {**m, (r, "NG-ReLU"): "-/93.5", (r, "ReLU"): "-/92.8", (r, "SELU"): "-"}
    ok, detail = resnet10.check(mixed_both)
    assert "NG-ReLU vs ReLU -/93.5 vs -/92.8 ✗" in detail and "NG-ReLU vs SELU: neither converged" in detail
    # appendix Table 3: the same reading
    cifar = claims("A3")[0]
    a3 = means_of("A3")
    row = "plain-44 CNN / CIFAR-10"  # ReLU 88.92, NG-ReLU 89.48
    assert cifar.check({**a3, (row, "ReLU"): "-/89.0"})[0] is True   # 89.48 >= 89.0 - 0.5
    ok, detail = cifar.check({**a3, (row, "ReLU"): "-/90.5"})        # 89.48 < 90.5 - 0.5
    assert ok is False and "NG-ReLU 89.48 vs -/90.5 ✗" in detail
    assert cifar.check({**a3, (row, "NG-ReLU"): "89.5/-"})[0] is False
    assert cifar.check({**a3, (row, "NG-ReLU"): "89.5/-"})[0] is False  # and SELU (89.09) beats it
    assert cifar.check({**a3, (row, "NG-ReLU"): "89.5/-", (row, "ReLU"): "-", (row, "SELU"): "-"})[0] is None  # neither
    # Table 4: a competitor converged on some seed counts at those seeds' mean
    t4 = means_of("4")  # 44: ReLU with BN 88.92, NG-ReLU 89.58, NG-ReLU with BN 89.98
    assert claims("4")[0].check({**t4, ("44", "ReLU with BN"): "-/89.0"})[0] is True
    assert claims("4")[0].check({**t4, ("44", "ReLU with BN"): "-/91.0"})[0] is False
    assert claims("4")[0].check({**t4, ("44", "NG-ReLU with BN"): "-/91.0"})[0] is False


def test_table3_declares_its_reading_of_most_cases():
    devs = ng.table3_deviations("paper")
    reading = [d for d in devs if "'Although our method first trained the models with the relatively low capacity" in d]
    assert len(reading) == 1
    assert "ResNet rows only" in reading[0] and "one claim per dataset" in reading[0] and "0.5 percentage" in reading[0]


def test_table4_claim_fails_when_another_column_is_higher():
    m = means_of("4")
    ok, detail = claims("4")[0].check({**m, ("56", "NG-ReLU"): 90.0})
    assert ok is False and "✗" in detail
    assert claims("4")[0].check({**m, ("44", "ReLU with BN"): "-"})[0] is True
    assert claims("4")[0].check({k: v for k, v in m.items() if k[0] != "56"})[0] is None  # 56 layers not run
    assert claims("4")[0].check({k: None for k in m})[0] is None


def test_tableA3_claim_tolerance_and_datasets():
    cifar, svhn = claims("A3")
    m = means_of("A3")
    assert svhn.check({**m, ("plain-44 CNN / SVHN", "NG-PReLU"): 95.81})[0] is True  # 0.49 below
    ok, detail = svhn.check({**m, ("plain-44 CNN / SVHN", "NG-PReLU"): 95.79})
    assert ok is False and "NG-PReLU 95.79 vs 96.30 ✗" in detail
    assert cifar.check({**m, ("plain-56 CNN / CIFAR-10", "NG-ReLU"): "-"})[0] is False
    no_svhn = {k: v for k, v in m.items() if "SVHN" not in k[0]}
    assert cifar.check(no_svhn)[0] is True and svhn.check(no_svhn)[0] is None


def test_tableA3_claim_compares_with_selu_too():
    """Appendix 3.2, 'Similar to the results of the plain CNNs without BN, NGs perform slightly better or comparable
    results': those results (Table 3) are 'better or at least comparable performances compared with their
    counterparts and SELUs', so every NG-X also against SELU, with the same 0.5 pp (the paper's closest pair:
    NG-LReLU 89.06 vs SELU 89.09, plain-44 CIFAR-10)."""
    cifar, svhn = claims("A3")
    for c in (cifar, svhn):
        assert "Similar to the results of the plain CNNs without BN, NGs perform slightly better or comparable" \
            in c.text
        assert "compared with their counterparts and SELUs" in c.text and not c.smoke_gate
    m = means_of("A3")
    row = "plain-44 CNN / CIFAR-10"  # LReLU 89.01, SELU 89.09, NG-LReLU 89.06
    ok, detail = cifar.check(m)
    assert ok is True and "NG-LReLU vs SELU 89.06 vs 89.09" in detail and "12 of 12 pairs run" in detail
    ok, detail = cifar.check({**m, (row, "NG-LReLU"): 88.58})  # within 0.5 of LReLU (88.51), not of SELU (88.59)
    assert ok is False and "NG-LReLU vs SELU 88.58 vs 89.09 ✗" in detail and "NG-LReLU 88.58 vs 89.01," in detail
    assert cifar.check({**m, (row, "NG-LReLU"): 88.59})[0] is True
    ok, detail = svhn.check({**m, ("plain-56 CNN / SVHN", "SELU"): 96.70})  # above every NG by more than 0.5
    assert ok is False and "NG-LReLU vs SELU 95.84 vs 96.70 ✗" in detail
    assert cifar.check({k: v for k, v in m.items() if k != (row, "SELU")})[0] is None  # SELU not run
    assert cifar.check({**m, (row, "SELU"): "-"})[0] is True  # SELU did not converge: NG better
    devs = ng.tableA3_deviations("paper")
    assert any("so every NG-X is compared with its base X and with SELU" in d for d in devs)


def test_text_declares_the_sentences_it_does_not_check():
    devs = ng.text_deviations("paper")
    wide = [d for d in devs if "better than the 1001-layer pre-activation ResNet in [He et al. 2016]" in d]
    assert len(wide) == 1 and wide[0].startswith("Not checked") and "4.92%" in wide[0] and "4.62%" in wide[0]
    chan = [d for d in devs if "the performances of the channel-wise and element-wise versions are comparable" in d]
    assert len(chan) == 1 and chan[0].startswith("Not checked")
    assert not any("95.43" in c.text or "element-wise" in c.text for c in claims("text"))


def test_text_claims():
    def means(ng_relu, relu, prelu):
        m = {}
        for row in ng.TIME_ROWS:
            m.update({(row, "NG-ReLU"): ng_relu, (row, "ReLU"): relu, (row, "PReLU"): prelu,
                      (row + ng.RATIO, "NG-ReLU"): ng_relu / relu, (row + ng.RATIO, "PReLU"): prelu / relu})
        return m
    (cheap,) = claims("text")  # no claim that PReLU costs more: no sentence says it (only the printed seconds)
    assert cheap.check(means(72, 68, 77))[0] is True
    assert cheap.check(means(80, 68, 77))[0] is False   # 18 % more
    assert cheap.check({})[0] is None
    # the sentence is about both models: one model's ratios missing (not run, or timed on another device) is n/a
    for row in ng.TIME_ROWS:
        one = {k: v for k, v in means(72, 68, 77).items() if k[0] != row + ng.RATIO}
        ok, detail = cheap.check(one)
        assert ok is None and f"{row}: no NG-ReLU / ReLU ratio" in detail
        worse = {k: v for k, v in means(80, 68, 70).items() if k[0] != row + ng.RATIO}
        assert cheap.check(worse)[0] is False  # the other model fails
    assert any("'small' taken as NG-ReLU's epoch time within 10% of ReLU's" in d for d in ng.text_deviations("paper"))


# ------------------------------------------------------------------ rendering

@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A tiny CIFAR-10 fixture (no CIFAR-100, no SVHN) and a stub trainer: NG nets and ResNets converge,
    plain nets without NG do not."""
    rng = np.random.RandomState(0)
    for split, n in (("train", 200), ("test", 50)):
        save_npz_atomic(str(tmp_path / "data" / "cifar10" / f"{split}.npz"),
                        rng.randint(0, 256, (n, 32, 32, 3)).astype(np.uint8), np.arange(n, dtype=np.int64) % 10)
    monkeypatch.setenv("REPRO_DATA", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    experiment._TASKS.clear()

    def stub(cell, opts):
        check_available(cell.data.name, "train")  # DatasetUnavailable for cifar100 / svhn, as the real trainer
        m = cell.model_kwargs
        ok = m["arch"] == "resnet" or m["act"].startswith("ng-") or m.get("bn")
        return dict(result(0.6 if ok else 0.1, 0.5 + 0.01 * len(m["act"])), data_notes=["stub data"])
    monkeypatch.setattr(experiment, "run_cell", stub)
    monkeypatch.setattr("reproduce.__main__.estimate_cost",
                        lambda cells, device: experiment.CostEstimate(1.0, len(cells), 0, "cpu"))
    return tmp_path


def test_table3_renders_cifar100_as_not_run_with_every_published_number(workdir):
    assert main(["table", "ng", "3", "--scale", "smoke", "--no-progress"]) == 0
    md = (workdir / "tables/smoke/ng-table-3.md").read_text()
    lines = md.splitlines()
    for r in published("ng", "3"):
        line = [x for x in lines if x.startswith(f"| {r['row']} | {r['column']} | {r['value']} |")]
        assert len(line) == 1, r
        if "CIFAR-100" in r["row"]:
            assert "| not run |" in line[0]
        else:
            assert "| not run |" not in line[0]
    assert "Partly not run" in md and "cifar100" in md
    assert "**PASS** — CIFAR-10: plain CNNs with ReLU" in md and "2 of 2 plain rows run" in md
    assert "**n/a** — CIFAR-100: plain CNNs with ReLU" in md  # never passed on the CIFAR-10 rows
    assert "depth 8 and 14" in md
    # Table 4 reuses Table 3's NG-ReLU cells (cached) and trains the BN ones
    assert main(["table", "ng", "4", "--scale", "smoke", "--no-progress"]) == 0
    md4 = (workdir / "tables/smoke/ng-table-4.md").read_text()
    assert "2 from cache" in md4 and "NG-ReLU with BN has the highest" in md4
    assert main(["table", "ng", "A3", "--scale", "smoke", "--no-progress"]) == 0
    mda3 = (workdir / "tables/smoke/ng-table-A3.md").read_text()
    assert "svhn" in mda3 and "4 from cache" in mda3
    assert main(["table", "ng", "text", "--scale", "smoke", "--no-progress"]) == 0
    mdt = (workdir / "tables/smoke/ng-table-text.md").read_text()
    assert "6 from cache" in mdt and "(not in paper)" in mdt and "95.43" in mdt


@pytest.mark.parametrize("scale", SCALES)
def test_figure3_reuses_table3_resnet56_cells(scale):
    fig = ng_figures.fig3_layout(scale)
    t3 = by_key(ng.table3_layout(scale))
    assert [row for row, _, _ in fig] == ["ReLU", "NG-ReLU", "LReLU", "NG-LReLU", "PReLU", "NG-PReLU"]
    for row, _, cell in fig:
        assert cell.hash == t3[("ResNet-56 / CIFAR-10", row)].hash

