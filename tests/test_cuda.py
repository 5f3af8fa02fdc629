"""The CUDA fast path (bf16 autocast, channels_last, whole-step CUDA graph).
Skipped on machines without a GPU (CI); run on a GPU box with `make test`."""
import numpy as np
import pytest
import torch

from models import build_model
from reproduce.data import DeviceData, Normalization
from reproduce.train import GraphedStep, RunOptions, TrainSpec, make_optimizer, train, train_step

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


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
    rng = np.random.RandomState(0)
    x = rng.randint(0, 256, (512, 32, 32, 3)).astype(np.uint8)
    y = (np.arange(512) % 10).astype(np.int64)
    norm = Normalization.fit(x, "channel")
    data = DeviceData(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().cuda(), torch.from_numpy(y).cuda(),
                      norm.to("cuda"), augment=True)
    torch.manual_seed(0)
    model = build_model("resnet", depth=8, widths=(8, 16, 32), act="ng-relu")
    r = train(model, data, data, TrainSpec(epochs=2, batch_size=128, lr=0.05), RunOptions("cuda"))
    assert r["status"] == "ok" and r["cuda_graph"] and r["dtype"] == "bf16-autocast" and r["channels_last"]
    assert r["train_images_per_s"] > 0
    assert r["ng_relu_backward"] == "autograd ops"  # the fused kernel is CPU-only (models/ng_relu_cpu.cpp)
