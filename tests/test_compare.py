"""The compare targets (issue 20): every method on the NG paper's plain CNN under one protocol. The methods are
the library's (models.*, TrainSpec), the baselines the NG tables' own cells; the plain CNN takes CReLU and NormProp;
the step-memory measurement and the cost columns are computed as documented."""
import types

import pytest
import torch
import torch.nn as nn

from models import build_model, count_parameters
from models.normprop import NormPropActivation, NormPropConv2d
from reproduce import compare, ng_protocol
from reproduce.cell_run import build_cell_model
from reproduce.measure import step_memory
from reproduce.train import RunOptions


def test_plain_cnn_with_crelu_doubles_what_the_next_layer_sees():
    # depth 8 = 3n + 2, n = 2, width 4: convs 3->4, 8->4, 8->4 | 8->8, 16->8 | 16->16, 32->16, dense 32->10
    convs = [(3, 4), (8, 4), (8, 4), (8, 8), (16, 8), (16, 16), (32, 16)]
    expected = sum(9 * i * o + o for i, o in convs) + 32 * 10 + 10
    assert expected == 9714
    m = build_model("plain", depth=8, width=4, act="crelu")
    assert count_parameters(m) == expected
    assert m(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_plain_cnn_with_normprop_uses_the_crelu_papers_units():
    m = build_model("plain", depth=8, width=4, norm="normprop")
    convs = [x for x in m.features if isinstance(x, nn.Conv2d)]
    assert len(convs) == 7 and all(isinstance(c, NormPropConv2d) for c in convs)
    assert sum(isinstance(x, NormPropActivation) for x in m.features) == 7
    assert not any(isinstance(x, nn.BatchNorm2d) for x in m.features)
    with pytest.raises(ValueError):
        build_model("plain", depth=8, bn=True, norm="normprop")
    with pytest.raises(ValueError):
        build_model("plain", depth=8, norm="groupnorm")


def test_bn_flag_and_norm_bn_build_the_same_network():
    torch.manual_seed(0)
    a = build_model("plain", depth=8, width=4, bn=True, init="msra")
    torch.manual_seed(0)
    b = build_model("plain", depth=8, width=4, norm="bn", init="msra")
    assert list(a.state_dict()) == list(b.state_dict())
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())


def test_every_method_builds_from_the_library_and_baselines_are_the_ng_cells():
    for m in compare.METHODS:
        cell = compare.method_cell("fast", m, 20)
        model, _ = build_cell_model(cell, initialise=False)
        assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    by_row = {m.row: m for m in compare.METHODS}
    assert compare.method_cell("smoke", by_row["NG-ReLU"], 14) == ng_protocol.plain_cell("smoke", 14, "ng-relu", "xavier")
    assert compare.method_cell("fast", by_row["BatchNorm"], 20) == ng_protocol.plain_cell("fast", 20, "relu", "msra",
                                                                                     bn=True)
    # the NG smoke trains its BN nets for fewer epochs: here every method gets the same budget
    bn = compare.method_cell("smoke", by_row["BatchNorm"], 14)
    assert bn.paper == "compare" and bn.train.epochs == ng_protocol.PLAIN_SCALES["smoke"]["epochs"]
    ortho = compare.method_cell("paper", by_row["Ortho reg + modulation"], 20)
    assert ortho.train.ortho_reg == 1e-4 and ortho.train.modulation_steps == 5 * 391
    assert ortho.model_kwargs["init"] == "ortho-gs" and ortho.paper == "compare"
    conv = compare.method_cell("paper", by_row["ConvInit + BN"], 20)
    assert conv.model_kwargs["init"] == "convinit" and conv.model_kwargs["init_k"] == compare.CONVINIT_K
    assert conv.model_kwargs["bn"] is True
    assert compare.method_cell("paper", by_row["NormProp"], 20).model_kwargs["norm"] == "normprop"


def test_one_search_per_method_and_seed(monkeypatch):
    monkeypatch.setenv("SEEDS", "3,4")
    specs = compare.searches("smoke")
    assert len(specs) == 2 * len(compare.methods("smoke"))
    assert {s.make_cell(8).seed for s in specs} == {3, 4}
    assert not any(m.extra for m in compare.methods("smoke")) and any(m.extra for m in compare.methods("paper"))


def test_step_memory_counts_what_backward_keeps():
    class Task:
        def __init__(self, n):
            x, y = torch.randn(n, 6), torch.arange(n) % 3
            self.train = types.SimpleNamespace(device="cpu", batches=lambda bs, **k: iter([(x[:bs], y[:bs])]))
    cell = types.SimpleNamespace(seed=0, train=types.SimpleNamespace(batch_size=8))
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    r8 = step_memory(model, Task(8), cell, RunOptions())
    cell.train.batch_size = 16
    r16 = step_memory(model, Task(16), cell, RunOptions())
    assert r8["param_bytes"] == 4 * (6 * 5 + 5 + 5 * 3 + 3)  # fp32 parameters, counted by hand
    assert r8["step_bytes"] == r8["saved_bytes"] + 2 * r8["param_bytes"]
    # per image: the input (6 floats, for the first Linear), the ReLU's output (5, saved once though both the ReLU
    # and the second Linear keep it), log-softmax's output (3) and the int64 label (8 bytes); plus nll_loss's
    # scalar total weight (4 bytes), whatever the batch
    assert r8["saved_bytes"] == 8 * (4 * (6 + 5 + 3) + 8) + 4
    assert r16["saved_bytes"] == 16 * (4 * (6 + 5 + 3) + 8) + 4


def _rec(acc=0.5, ips=100.0, status="ok", init_s=None, **extra):
    r = {"status": status, "final_train_acc": acc, "final_test_acc": acc, "train_images_per_s": ips, **extra}
    if init_s is not None:
        r["init"] = {"seconds": init_s}
    return {"result": r}


def test_costs_are_relative_to_relu_msra_at_the_same_depth_and_seed():
    layout = compare.accuracy_layout("smoke")
    pairs = []
    for row, col, cell in layout:
        if col == compare.MEM_COL:
            pairs.append((cell, _rec(step_bytes=3 * 2 ** 20, saved_bytes=2 ** 20, batch_size=32)))
        elif row == "LSUV":
            pairs.append((cell, _rec(ips=50.0, init_s=0.7)))
        elif row == "ReLU + Xavier" and col.endswith("32 layers"):
            pairs.append((cell, _rec(acc=0.1)))  # stays at chance: not converged
        else:
            pairs.append((cell, _rec()))
    vals = {(v.row, v.column): v.values for v in compare.accuracy_values(pairs)}
    assert vals[("LSUV", compare.TIME_COL)] == [2.0]          # half the images per second (the shallow depth)
    assert vals[("ReLU + MSRA", compare.TIME_COL)] == [1.0]
    assert vals[("LSUV", compare.INIT_COL)] == [0.7]
    assert vals[("ReLU + Xavier", "test acc, 32 layers")] == ["-"]
    assert vals[("LSUV", "test acc, 14 layers")] == [50.0]
    assert vals[("CReLU", compare.MEM_COL)] == [3.0]


def test_a_critical_depth_under_several_seeds_is_one_value_per_seed(monkeypatch):
    monkeypatch.setenv("SEEDS", "0,1")
    from reproduce.critical_depth import search_values
    specs = [s for s in compare.searches("smoke") if s.row == "NG-ReLU"]
    ok = {8: {0: 0.5, 1: 0.5}, 14: {0: 0.5, 1: 0.5}, 32: {0: 0.5, 1: 0.1}}  # the smoke grid 8, 14, 32
    pairs = [(c, _rec(acc=ok[d][seed])) for s in specs for d in s.grid for seed in (0, 1)
             for c in [s.make_cell(d)] if c.seed == seed]
    vals = {(v.row, v.column): v for v in search_values(specs, pairs)}
    assert sorted(vals[("NG-ReLU", "critical depth")].values) == [14, 32]   # seed 1 fails at 32; seed 0 capped
    assert vals[("NG-ReLU", "critical depth (capped)")].values == ["≥32"]
    assert "seed 0: " in vals[("NG-ReLU", "critical depth")].evidence
    one = {(v.row, v.column): v.values for v in search_values(specs, [p for p in pairs if p[0].seed == 1])}
    # one seed's pairs: its answer alone (14, and 32 failed 18 layers deeper: somewhere in 14-31)
    assert one == {("NG-ReLU", "critical depth"): [14], ("NG-ReLU", "critical depth (range)"): ["14-31"]}
