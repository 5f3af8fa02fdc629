"""The training loop: determinism, divergence as a result, schedules, optimizer groups."""
import math

import numpy as np
import pytest
import torch

from models import build_model
from reproduce.data import DeviceData, Normalization
from reproduce.train import LRSchedule, RunOptions, TrainSpec, make_optimizer, train


def tiny_data(n=256, seed=0, augment=True):
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 10
    # a learnable signal: class c brightens channel c % 3
    x = rng.randint(0, 100, size=(n, 32, 32, 3)).astype(np.uint8)
    for c in range(10):
        x[y == c, :, :, c % 3] += np.uint8(15 * c)
    norm = Normalization.fit(x, "channel")
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    return DeviceData(xt, torch.from_numpy(y.astype(np.int64)), norm, augment=augment)


def run(seed=0, **spec_kw):
    torch.manual_seed(seed)
    model = build_model("ng-toy", init="msra", act="ng-relu")
    spec = TrainSpec(**{"epochs": 3, "batch_size": 64, "lr": 0.01, "weight_decay": 5e-4, "schedule": "constant",
                        "probes": ("ng_t_mean",), **spec_kw})
    return train(model, tiny_data(), tiny_data(64, seed=1, augment=False), spec, RunOptions("cpu"), seed=seed)


def test_deterministic_under_seed_on_cpu():
    a, b, c = run(0), run(0), run(1)
    keys = ("train_loss", "train_acc", "test_loss", "test_acc", "ng_t_mean")
    ha = [[h[k] for k in keys] for h in a["history"]]
    assert ha == [[h[k] for k in keys] for h in b["history"]]
    assert ha != [[h[k] for k in keys] for h in c["history"]]


def test_result_records_speed_and_device():
    r = run(0)
    assert r["status"] == "ok" and r["epochs_run"] == 3
    assert r["train_images_per_s"] > 0 and r["wall_time_s"] > 0
    from reproduce.train import cpu_has_native_bf16
    assert r["dtype"] == ("bf16-autocast" if cpu_has_native_bf16() else "fp32") and "threads" in r["device"]
    assert r["max_train_acc"] == max(h["train_acc"] for h in r["history"])
    # trainable t moved away from its initial value
    assert r["history"][-1]["ng_t_mean"] != -1.0


def test_divergence_is_a_result_not_a_crash():
    r = run(0, lr=1e6, epochs=5)
    assert r["status"] == "diverged"
    assert "non-finite" in r["stop_reason"] or ">" in r["stop_reason"]
    assert r["epochs_run"] < 5
    assert r["max_train_acc"] is None  # a diverged epoch is not counted


class LargeLogits(torch.nn.Module):
    """A linear classifier whose logits are scaled x1e3 at init: its cross-entropy starts near 1e3 (far above
    10 ln 10 = 23), like a deep unnormalised network's, and it trains."""
    def __init__(self, scale=1e3):
        super().__init__()
        self.fc = torch.nn.Linear(3 * 32 * 32, 10)
        with torch.no_grad():
            self.fc.weight.mul_(scale)
            self.fc.bias.zero_()

    def forward(self, x):
        return self.fc(x.flatten(1))


def train_large(lr, epochs=4, scale=1e3):
    torch.manual_seed(0)
    spec = TrainSpec(epochs=epochs, batch_size=64, lr=lr, momentum=0.0, weight_decay=0.0, schedule="constant")
    return train(LargeLogits(scale), tiny_data(augment=False), tiny_data(64, seed=1, augment=False), spec,
                 RunOptions("cpu", channels_last=False, amp=False, check_every=1), seed=0)


def test_a_network_that_starts_with_a_huge_loss_is_not_diverged_and_trains():
    r = train_large(lr=1.0)
    first = r["history"][0]["train_loss"]
    assert first > 10 * math.log(10)  # the old absolute rule (10 ln C) would have called it diverged
    assert r["status"] == "ok" and r["epochs_run"] == 4
    assert r["history"][-1]["train_loss"] < first / 2  # and it trains


def test_a_run_that_explodes_beyond_its_start_is_still_diverged():
    r = train_large(lr=1e3)  # the same network, a step size that blows the loss up
    assert r["status"] == "diverged" and r["epochs_run"] < 4 and "x its start" in r["stop_reason"]
    assert run(0, lr=1e6, epochs=5)["status"] == "diverged"  # a network that starts at chance, too


def test_step_schedule():
    s = LRSchedule(TrainSpec(epochs=200, lr=0.1, schedule="step", milestones=(80, 120, 160)))
    assert [round(s.at_epoch(e), 10) for e in (0, 79, 80, 119, 120, 160, 199)] == \
        [0.1, 0.1, 0.01, 0.01, 0.001, 0.0001, 0.0001]


def test_cosine_schedule():
    s = LRSchedule(TrainSpec(epochs=10, lr=0.2, schedule="cosine"))
    assert s.at_epoch(0) == pytest.approx(0.2)
    assert s.at_epoch(5) == pytest.approx(0.1)


def test_plateau_divides_by_ten_and_stops():
    s = LRSchedule(TrainSpec(epochs=100, lr=0.01, schedule="plateau", plateau_patience=2, plateau_max_drops=2))
    stops = [s.observe(v) for v in (1.0, 0.5, 0.5, 0.5)]  # two epochs without improvement -> drop
    assert stops == [False] * 4 and s.lr == pytest.approx(0.001)
    assert not s.observe(0.4999)  # 0.02% better: below the 0.1% threshold, not an improvement
    assert not s.observe(0.5) and s.lr == pytest.approx(0.0001)
    assert not s.observe(0.5)
    assert s.observe(0.5)  # a third drop would be needed: stop


def test_ng_t_excluded_from_weight_decay():
    model = build_model("ng-toy", act="ng-relu")
    opt = make_optimizer(model, TrainSpec(epochs=1, weight_decay=5e-4))
    decays = {id(p): g["weight_decay"] for g in opt.param_groups for p in g["params"]}
    ts = [m.t for m in model.modules() if hasattr(m, "t")]
    assert all(decays[id(t)] == 0.0 for t in ts)
    assert decays[id(model[0].weight)] == 5e-4
    opt = make_optimizer(model, TrainSpec(epochs=1, weight_decay=5e-4, decay_ng_t=True))
    assert all(g["weight_decay"] == 5e-4 for g in opt.param_groups)


def test_training_learns_a_learnable_task():
    r = run(0, epochs=6, lr=0.01)
    assert r["status"] == "ok"
    assert r["history"][-1]["train_loss"] < r["history"][0]["train_loss"]
    assert r["max_train_acc"] > 0.2 and math.isfinite(r["history"][-1]["test_loss"])


def test_bf16_autocast_only_where_it_is_native(monkeypatch):
    import torch

    from reproduce import train as tr
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert tr.amp_enabled(cuda, tr.RunOptions("cuda")) and not tr.amp_enabled(cuda, tr.RunOptions("cuda", amp=False))
    monkeypatch.setattr(tr, "cpu_has_native_bf16", lambda: False)
    assert not tr.amp_enabled(cpu, tr.RunOptions("cpu"))  # emulated bf16 is slower: fp32
    monkeypatch.setattr(tr, "cpu_has_native_bf16", lambda: True)
    assert tr.amp_enabled(cpu, tr.RunOptions("cpu")) and not tr.amp_enabled(cpu, tr.RunOptions("cpu", amp=False))


def test_a_device_lr_tensor_gives_the_steps_of_a_number_lr_and_set_lr_changes_it_in_place():
    """make_optimizer's lr_device (what a CUDA graph of the step reads for a per-step schedule): fused SGD with
    the lr as a tensor takes the same steps as the default SGD with the lr as a number, and set_lr writes into
    that tensor (the one a captured graph holds) instead of replacing it."""
    from reproduce.train import set_lr, train_step
    spec = TrainSpec(epochs=1, lr=0.1, weight_decay=5e-4, nesterov=True)
    x = torch.randn(3, 8, 3, 32, 32)
    y = torch.randint(0, 10, (3, 8))
    nets = []
    for lr_device in (None, torch.device("cpu")):
        torch.manual_seed(0)
        net = build_model("resnet", depth=8, widths=(4, 8, 16), act="relu")
        opt = make_optimizer(net, spec, lr_device)
        held = opt.param_groups[0]["lr"]
        for i, lr in enumerate((0.1, 0.05, 0.01)):
            set_lr(opt, lr)
            train_step(net, opt, x[i], y[i], RunOptions("cpu", amp=False, channels_last=False))
        if lr_device is not None:
            assert opt.param_groups[0]["lr"] is held and float(held) == pytest.approx(0.01)
        else:
            assert opt.param_groups[0]["lr"] == 0.01
        nets.append(net)
    for (name, a), b in zip(nets[0].state_dict().items(), nets[1].state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=1e-6, rtol=1e-5), name
