"""The CUDA fast path (bf16 autocast, channels_last, whole-step CUDA graph).
Skipped on machines without a GPU (CI); run on a GPU box with `make test`."""
import numpy as np
import pytest
import torch

from models import build_model
from reproduce.data import DeviceData, Normalization
from reproduce.train import GraphedStep, RunOptions, TrainSpec, make_optimizer, train, train_step

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def random_cuda_data(n: int, augment: bool = True) -> DeviceData:
    """n random CIFAR-shaped uint8 images on the GPU, labels 0-9 in turn."""
    rng = np.random.RandomState(0)
    x = rng.randint(0, 256, (n, 32, 32, 3)).astype(np.uint8)
    y = (np.arange(n) % 10).astype(np.int64)
    norm = Normalization.fit(x, "channel")
    return DeviceData(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().cuda(), torch.from_numpy(y).cuda(),
                      norm.to("cuda"), augment=augment)


def test_graphed_step_follows_the_eager_trajectory():
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    opts = RunOptions("cuda", amp=False, channels_last=False)
    x = torch.randn(5, 16, 3, 32, 32, device="cuda")
    y = torch.randint(0, 10, (5, 16), device="cuda")
    batches = [(x[i], y[i]) for i in range(5)] + [(x[0, :7], y[0, :7])]  # last one partial
    lrs = [0.1, 0.1, 0.1, 0.01, 0.01, 0.01]  # an lr change forces a new capture
    models = []
    for graphed in (False, True):
        torch.manual_seed(0)
        model = build_model("resnet", depth=8, widths=(4, 8, 16), act="ng-relu").cuda()
        opt = make_optimizer(model, TrainSpec(epochs=1, weight_decay=5e-4))
        step = GraphedStep(model, opt, opts)
        for (xb, yb), lr in zip(batches, lrs):
            for g in opt.param_groups:
                g["lr"] = lr
            if graphed:
                step(xb, yb, lr)
            else:
                train_step(model, opt, xb, yb, opts, grads_to_none=False)
        models.append(model)
    for (name, a), b in zip(models[0].state_dict().items(), models[1].state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=1e-5, rtol=1e-4), name


def test_train_on_cuda_uses_the_fast_path():
    data = random_cuda_data(512)
    torch.manual_seed(0)
    model = build_model("resnet", depth=8, widths=(8, 16, 32), act="ng-relu")
    r = train(model, data, data, TrainSpec(epochs=2, batch_size=128, lr=0.05), RunOptions("cuda"))
    assert r["status"] == "ok" and r["cuda_graph"] and r["dtype"] == "bf16-autocast" and r["channels_last"]
    assert r["train_images_per_s"] > 0
    assert r["ng_relu_backward"] == "autograd ops"  # the fused kernel is CPU-only (models/ng_relu_cpu.cpp)


def test_graphed_step_with_per_step_lr_mixup_and_penalty_follows_the_eager_trajectory():
    """The paths that used to run eagerly: a new lr every step (read by the graph from a device tensor, no
    recapture), Mixup's permutation and lam as graph inputs, the orthonormal regularizer inside the graph. The
    reference is the plain eager step (foreach SGD with a number for lr, lam a number)."""
    from models.ortho import orthonormal_penalty
    from reproduce.augment import mixup_batch
    from reproduce.train import set_lr
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    opts = RunOptions("cuda", amp=False, channels_last=False)
    x = torch.randn(6, 16, 3, 32, 32, device="cuda")
    y = torch.randint(0, 10, (6, 16), device="cuda")
    gen = torch.Generator(device="cuda").manual_seed(0)
    batches = [mixup_batch(x[i], 0.2, gen) + (y[i],) for i in range(5)]
    batches.append(mixup_batch(x[5, :7], 0.2, gen) + (y[5, :7],))  # the last one partial: eager
    lrs = [0.1 * 0.5 * (1 + np.cos(np.pi * i / 6)) for i in range(6)]
    spec = TrainSpec(epochs=1, weight_decay=5e-4, ortho_reg=1e-2, nesterov=True)  # decay on the non-conv params
    models = []
    for graphed in (False, True):
        torch.manual_seed(0)
        model = build_model("resnet", depth=8, widths=(4, 8, 16), act="ng-relu").cuda()
        opt = make_optimizer(model, spec, lr_device=torch.device("cuda") if graphed else None)
        penalty = lambda: orthonormal_penalty(model, spec.ortho_reg)  # noqa: E731
        step = GraphedStep(model, opt, opts, penalty=penalty, mixup=True)
        assert step.lr_in_graph == graphed
        captures = []
        capture = step._capture
        step._capture = lambda *a, capture=capture: (captures.append(a[2]), capture(*a))
        for (xb, perm, lam, yb), lr in zip(batches, lrs):
            set_lr(opt, lr)
            if graphed:
                step(xb, yb, lr, (perm, lam))
            else:
                train_step(model, opt, xb, yb, opts, grads_to_none=False, mix=(perm, lam), penalty=penalty)
        if graphed:
            assert len(captures) == 1  # captured once, replayed under every lr
        models.append(model)
    for (name, a), b in zip(models[0].state_dict().items(), models[1].state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=1e-5, rtol=1e-4), name


def test_train_graphs_a_convinit_style_run_and_matches_the_eager_run():
    """train(): per-step cosine + Mixup + the orthonormal regularizer now run under the CUDA graph, with the
    numbers of the same run without it."""
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    data = random_cuda_data(300)
    spec = TrainSpec(epochs=2, batch_size=64, lr=0.05, schedule="cosine", schedule_per_step=True, mixup_alpha=0.2,
                     ortho_reg=1e-3)
    runs = []
    for cuda_graph in (False, True):
        torch.manual_seed(0)
        model = build_model("resnet", depth=8, widths=(4, 8, 16), act="relu")
        runs.append(train(model, data, data, spec, RunOptions("cuda", amp=False, channels_last=False,
                                                              cuda_graph=cuda_graph)))
    assert not runs[0]["cuda_graph"] and runs[1]["cuda_graph"]
    for a, b in zip(runs[0]["history"], runs[1]["history"]):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-3), (a, b)
        assert a["test_acc"] == pytest.approx(b["test_acc"], abs=0.01)


def test_modulation_and_step_probes_stay_eager():
    """They decide and record on the host every step (reproduce.train.GraphedStep's docstring)."""
    data = random_cuda_data(128, augment=False)
    model = build_model("resnet", depth=8, widths=(4, 8, 16), act="relu")
    r = train(model, data, data, TrainSpec(epochs=1, batch_size=64, modulation_steps=5), RunOptions("cuda"))
    assert r["status"] == "ok" and not r["cuda_graph"]
