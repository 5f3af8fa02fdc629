"""The ConvInit paper (Zhang et al. 2022): its initializations against their
formulas, fans of conv and linear layers, the augmentations of its tables,
the per-iteration cosine schedule, weight decay exemptions, the
forward/backward norm-ratio measurement, and the claims on the published
numbers."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn

from models import build_model
from models.init import convinit_, fans, init_model
from reproduce import convinit
from reproduce.augment import check_names, cutout, mixup_batch, random_erasing
from reproduce.report import published, published_values
from reproduce.train import LRSchedule, RunOptions, TrainSpec, make_optimizer, train, train_step
from test_train import tiny_data


def test_fans_of_conv_and_linear():
    assert fans(torch.empty(32, 16, 3, 3)) == (16 * 9, 32 * 9)  # n = c_in k^2, m = c_out k^2
    assert fans(torch.empty(10, 64)) == (64, 10)


@pytest.mark.parametrize("k,fan", [(5.0, "out"), (0.5, "out"), (2.0, "in")])
def test_convinit_variance_matches_formula(k, fan):
    net = nn.Sequential(nn.Conv2d(64, 128, 3), nn.Conv2d(128, 32, 3), nn.Flatten(), nn.Linear(512, 10))
    convinit_(net, k=k, fc_k=0.25, fan=fan, generator=torch.Generator().manual_seed(0))
    for conv in (net[0], net[1]):
        n, m = fans(conv.weight)
        expected = k / (m if fan == "out" else n)  # eq. 41 / eq. 34 (fan out), eq. 22 (fan in)
        assert float(conv.weight.detach().var()) == pytest.approx(expected, rel=0.03)
        assert abs(float(conv.weight.detach().mean())) < 3 * math.sqrt(expected / conv.weight.numel())
    assert float(net[3].weight.detach().var()) == pytest.approx(0.25 / 512, rel=0.1)  # eq. 21 with the paper's 0.25


def test_convinit_fc_std_and_gauss001_and_biases():
    net = nn.Sequential(nn.Conv2d(16, 64, 3), nn.Flatten(), nn.Linear(4096, 100))
    init_model(net, "convinit", k=1.5, fc_std=0.01)
    assert float(net[2].weight.std()) == pytest.approx(0.01, rel=0.02)
    assert torch.all(net[0].bias == 0) and torch.all(net[2].bias == 0)
    init_model(net, "gauss-0.01")
    assert float(net[0].weight.std()) == pytest.approx(0.01, rel=0.05)
    with pytest.raises(ValueError, match="takes no parameters"):
        init_model(net, "msra", k=2.0)


def test_cell_passes_k_to_the_init():
    from reproduce.experiment import build_cell_model
    cell = convinit.figure_cell("smoke", "VGGNet-19", 0.1, 10.0)
    torch.manual_seed(0)
    model, record = build_cell_model(cell)
    conv = max((m for m in model.modules() if isinstance(m, nn.Conv2d)), key=lambda m: m.weight.numel())
    assert float(conv.weight.detach().var()) == pytest.approx(10.0 / fans(conv.weight)[1], rel=0.1)
    assert record.scheme == "convinit"
    fc = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
    assert fc.bias is None  # "with all bias set as false"
    assert float(fc.weight.var()) == pytest.approx(1.0 / fc.in_features, rel=0.5)  # eq. 21 (few weights: loose)


# ------------------------------------------------------------------ augmentations


def test_cutout_zeroes_one_square_per_image():
    x = torch.ones(64, 3, 32, 32)
    y = cutout(x, 16, torch.Generator().manual_seed(0))
    zeros = (y[:, 0] == 0).sum(dim=(1, 2))
    assert zeros.max() == 256 and zeros.min() >= 64  # a full 16x16 square, or one clipped at a corner (>= 8x8)
    assert torch.equal((y == 0).all(dim=1), (y[:, :1] == 0).squeeze(1))  # same pixels in every channel


def test_random_erasing_erases_about_half_the_images_within_the_area_range():
    x = torch.ones(2000, 1, 32, 32)
    y = random_erasing(x, torch.Generator().manual_seed(0))
    frac = (y == 0).float().mean(dim=(1, 2, 3))
    erased = frac > 0
    assert 0.45 < float(erased.float().mean()) < 0.55
    assert float(frac[erased].min()) >= 0.01 and float(frac[erased].max()) <= 0.36  # rounding of the side lengths


def test_mixup_mixes_inputs_and_the_loss_mixes_labels():
    x = torch.randn(8, 3, 4, 4)
    xm, perm, lam = mixup_batch(x, 1.0, torch.Generator().manual_seed(0))
    assert 0 <= lam <= 1
    torch.testing.assert_close(xm, lam * x + (1 - lam) * x[perm])
    model = nn.Sequential(nn.Flatten(), nn.Linear(48, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    y = torch.arange(8) % 10
    loss, out = train_step(model, opt, xm, y, RunOptions(channels_last=False, amp=False), mix=(perm, lam))
    ce = nn.functional.cross_entropy
    assert float(loss) == pytest.approx(float(lam * ce(out, y) + (1 - lam) * ce(out, y[perm])), rel=1e-5)


def test_unknown_augmentation_is_refused():
    check_names(("cutout16", "autoaugment", "erasing"))
    with pytest.raises(ValueError, match="unknown augmentation"):
        check_names(("cutmix",))


def test_autoaugment_keeps_shape_and_dtype():
    from reproduce.augment import autoaugment
    x = torch.randint(0, 256, (20, 3, 32, 32), dtype=torch.uint8)
    y = autoaugment(x)
    assert y.shape == x.shape and y.dtype == torch.uint8


# ------------------------------------------------------------------ schedule and weight decay


def test_per_iteration_cosine_decays_to_zero():
    s = LRSchedule(TrainSpec(epochs=2, lr=0.1, schedule="cosine", schedule_per_step=True))
    assert s.at_step(0, 0, 10) == pytest.approx(0.1)
    assert s.at_step(1, 0, 10) == pytest.approx(0.05)
    assert s.at_step(1, 9, 10) == pytest.approx(0.05 * (1 + math.cos(math.pi * 19 / 20)))


def test_no_decay_on_biases_and_bn():
    model = build_model("vgg", depth=11, width=0.125)
    groups = make_optimizer(model, TrainSpec(epochs=1, weight_decay=2e-4, decay_bias=False, decay_norm=False)
                            ).param_groups
    decayed = {id(p) for p in groups[0]["params"]}
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            assert id(m.weight) not in decayed and id(m.bias) not in decayed
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            assert id(m.weight) in decayed
    assert groups[0]["weight_decay"] == 2e-4 and groups[1]["weight_decay"] == 0.0


def test_training_with_mixup_cutout_and_per_step_cosine_runs():
    torch.manual_seed(0)
    data = tiny_data(64)
    data.extra = ("cutout16", "erasing")
    model = build_model("resnet", depth=8, widths=(4, 8, 16), init="msra")
    spec = TrainSpec(epochs=2, batch_size=32, lr=0.1, schedule="cosine", schedule_per_step=True, mixup_alpha=1.0,
                     nesterov=True)
    r = train(model, data, tiny_data(32, seed=1, augment=False), spec, RunOptions(channels_last=False))
    assert r["status"] == "ok" and r["epochs_run"] == 2 and r["best_test_acc"] is not None


# ------------------------------------------------------------------ section 3 measurement


def test_norm_ratios_job_by_hand_on_a_linear_chain():
    """Two bias-free linear layers with weights 2I and 3I: the forward RMS grows by 3 from layer 1 to 2
    (alpha = 3) and the backward RMS by 3 from layer 2 back to layer 1 (beta = 3)."""
    from reproduce.measure import norm_ratios

    class Chain(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(10, 10, bias=False), nn.Linear(10, 10, bias=False)
            with torch.no_grad():
                self.a.weight.copy_(2 * torch.eye(10))
                self.b.weight.copy_(3 * torch.eye(10))

        def forward(self, x):
            return self.b(self.a(x.flatten(1)[:, :10]))

    task = type("T", (), {"train": tiny_data(16, augment=False)})()
    cell = type("C", (), {"seed": 0, "train": TrainSpec(epochs=1, batch_size=16)})()
    r = norm_ratios(Chain(), task, cell, RunOptions())
    assert r["alpha"] == [pytest.approx(3.0)] and r["beta"] == [pytest.approx(3.0)]
    assert r["dtype"] == "fp64"


def test_s3_claims_and_best_k():
    means = {("forward rule (eq. 24)", "forward ||x_n|| / ||x_1||"): 1.3,
             ("backward rule (eq. 36)", "backward ||d_1|| / ||d_n||"): 0.8,
             ("BN + backward rule (eq. 41, k = 2)", "forward ||x_n|| / ||x_1||"): 1.0,
             ("Gaussian std 0.01", "forward ||x_n|| / ||x_1||"): 1e-30}
    assert convinit.claim_rules_keep_norms(means)[0] is True
    assert convinit.claim_small_gaussian_vanishes(means)[0] is True
    means[("backward rule (eq. 36)", "backward ||d_1|| / ||d_n||")] = 1e-4
    assert convinit.claim_rules_keep_norms(means)[0] is False
    recs = [(0.5, {"status": "ok", "history": [{"train_loss": 0.9}]}),
            (5.0, {"status": "ok", "history": [{"train_loss": 0.3}]}),
            (10.0, {"status": "diverged", "history": [{"train_loss": 0.1}]})]
    assert convinit.best_k(recs) == (5.0, 0.3)
    ks = {("VGGNet-19", "lr=0.1"): 5.0, ("VGGNet-19", "lr=0.01"): 2.0, ("VGGNet-19", "lr=0.001"): 0.5,
          ("ResNet-34", "lr=0.1"): 2.0, ("ResNet-34", "lr=0.01"): 2.0, ("ResNet-34", "lr=0.001"): 2.0}
    assert convinit.claim_best_k_decreases(ks)[0] is False  # ResNet-34 flat
    ks[("ResNet-34", "lr=0.1")] = 10.0
    assert convinit.claim_best_k_decreases(ks)[0] is True


# ------------------------------------------------------------------ the paper's numbers and protocol


def _published_means(table):
    return published_values("convinit", table)


@pytest.mark.parametrize("table", ["1", "2", "3"])
def test_claims_hold_on_the_published_numbers(table):
    target = next(t for t in convinit.TARGETS if t.kind == "table" and t.id == table)
    for claim in target.claims:
        ok, detail = claim.check(_published_means(table))
        assert ok is True, detail


def test_published_cells_are_produced_by_the_layouts():
    for table, layout in (("1", convinit.table1_layout), ("2", convinit.table2_layout),
                          ("3", convinit.table3_layout)):
        produced = {(row, col) for row, col, _ in layout("smoke")}
        own = {(r["row"], r["column"]) for r in published("convinit", table)
               if not r["note"].startswith("context") and r["column"] != "Params"}
        assert produced == own


def test_paper_cells_follow_section_5():
    vgg = convinit.table_cell("paper", "cifar10", "VGGNet-19", "ours", "Cutout")
    wrn = convinit.table_cell("paper", "cifar10", "WideResNet28-10", "ours", "Cutout + Mixup")
    dn100 = convinit.table_cell("paper", "cifar100", "DenseNet-100", "ours", "Cutout")
    assert vgg.model_kwargs["init_k"] == 5.0 and vgg.model_kwargs["init_fc_k"] == 1.0
    assert vgg.train.weight_decay == 2e-4 and vgg.train.nesterov and vgg.train.schedule_per_step
    assert vgg.train.epochs == 200 and vgg.train.batch_size == 128 and vgg.data.extra_augment == ("cutout16",)
    assert wrn.model_kwargs["init_k"] == 3.0 and wrn.model_kwargs["init_fc_k"] == 0.25
    assert wrn.train.weight_decay == 1.25e-4 and wrn.train.mixup_alpha == 1.0
    assert dn100.model_kwargs["init_k"] == 1.2 and dn100.train.weight_decay == 3e-4
    assert dn100.data.extra_augment == ("cutout8",)
    t2 = convinit.table2_layout("paper")
    assert [c.train.epochs for _, _, c in t2] == [200, 300]
    assert t2[1][2].data.extra_augment == ("autoaugment", "erasing") and t2[1][2].train.mixup_alpha == 1.0
    kaiming = convinit.table_cell("paper", "cifar10", "ResNet-110", "Kaiming", "Cutout")
    assert kaiming.model_kwargs["init"] == "msra"


def test_cifar_resnet34_for_figures_5_to_7():
    """ResNet-34 adapted to CIFAR (3x3 stride-1 stem, no max pool): 21,282,122 parameters with a biased fc
    (the common CIFAR ResNet-34); 10 fewer without the fc bias."""
    from models import count_parameters
    from models.resnet import ImageNetResNet
    m = ImageNetResNet(34, cifar_stem=True, num_classes=10)
    assert count_parameters(m) == 21_282_122
    assert count_parameters(ImageNetResNet(34, cifar_stem=True, num_classes=10, fc_bias=False)) == 21_282_112
    assert m.eval()(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert isinstance(m.maxpool, nn.Identity) and m.conv1.kernel_size == (3, 3) and m.conv1.stride == (1, 1)
