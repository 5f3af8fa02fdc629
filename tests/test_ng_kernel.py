"""NG-ReLU's fused CPU backward (models/ng_relu_cpu.cpp) against NG paper eqs. 2-3 and the autograd ops."""
import os
import shutil

import pytest
import torch
import torch.nn as nn

from models import build_model, ng_relu_cpu
from models.activations import NGReLUFunction, NonlinearityGenerator

HAS_COMPILER = shutil.which(os.environ.get("CXX", "c++")) is not None  # what torch.utils.cpp_extension calls
needs_kernel = pytest.mark.skipif(not HAS_COMPILER or os.environ.get("NG_KERNEL") == "0",
                                  reason="no C++ compiler to build the kernel, or NG_KERNEL=0")


@needs_kernel
def test_kernel_builds_where_a_compiler_exists():
    assert ng_relu_cpu.available()
    assert ng_relu_cpu.implementation("cpu") == ng_relu_cpu.FUSED


def fused(g, out, t):
    """The kernel as NGReLUFunction.backward calls it: with grad mode off."""
    with torch.no_grad():
        return ng_relu_cpu.fused_backward(g, out, t)


def _autograd_ops(g, out, t):
    """Eqs. 2-3 with autograd's ops (the fallback path), the sum in float64."""
    grad_x = torch.where(out > t, g, 0.0)
    grad_t = torch.where(out > t, 0.0, g).double().sum_to_size(t.shape)
    return grad_x, grad_t


CASES = [((6, 5, 7, 9), torch.contiguous_format),    # NCHW, plane 63 (not a multiple of the 16 lanes)
         ((6, 5, 7, 9), torch.channels_last),        # NHWC, 5 channels
         ((130, 37, 4, 4), torch.channels_last),     # more rows than the kernel's 64 blocks, uneven split
         ((128, 16, 3, 3), torch.channels_last),     # tiles of 4 rows of 16 channels, a block ends mid-tile
         ((3, 16, 32, 32), torch.contiguous_format),  # whole lanes
         ((200, 33), torch.contiguous_format),        # a dense layer's (N, D), t viewed as (1, D)
         ((4, 3, 1, 1), torch.channels_last)]         # 1x1 maps: contiguous in both formats, with unequal strides


@needs_kernel
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("shape,fmt", CASES)
def test_fused_backward_is_eqs_2_3(shape, fmt, dtype):
    torch.manual_seed(0)
    x = torch.randn(*shape).to(dtype)
    x.view(-1)[::7] = float("nan")  # NaN: not above t, so no gradient to x; its g goes to t (as autograd does)
    if fmt is torch.channels_last:
        x = x.contiguous(memory_format=fmt)
    t = (torch.randn(1, shape[1], *[1] * (len(shape) - 2)) * 0.5).to(dtype)
    out = torch.maximum(x, t)
    g = torch.randn(*shape).to(dtype)  # NCHW: for channels_last cases the kernel must re-lay it out
    grad_x, grad_t = fused(g, out, t)
    ref_x, ref_t = _autograd_ops(g, out, t)
    assert torch.equal(grad_x, ref_x)  # a selection: bit-exact
    assert grad_x.stride() == out.stride()
    # the sums in fp32 in every dtype (NGReLUFunction hands them to t in t's own dtype): only the order of an fp32
    # accumulation differs from float64's, in bf16 too
    assert grad_t.shape == t.shape and grad_t.dtype == torch.float32
    tol = 1e-5
    torch.testing.assert_close(grad_t.double(), ref_t, rtol=tol, atol=tol * ref_t.abs().max().item())


@needs_kernel
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("fmt", [torch.contiguous_format, torch.channels_last])
def test_fused_backward_by_hand(dtype, fmt):
    """The small example of test_models (eq. 3 summed by hand): exact in every dtype and layout."""
    x = torch.tensor([[[[-1.5, -1.0], [0.0, 2.0]], [[-0.5, 0.5], [1.0, 0.25]]],
                      [[[-2.0, 3.0], [3.0, 3.0]], [[3.0, 3.0], [3.0, 3.0]]]]).to(dtype).contiguous(memory_format=fmt)
    t = torch.tensor([-1.0, 0.5]).view(1, 2, 1, 1).to(dtype)
    g = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]],
                      [[[10.0] * 2] * 2, [[10.0] * 2] * 2]]).to(dtype)
    grad_x, grad_t = fused(g, torch.maximum(x, t), t)
    # eq. 3: c0 (t=-1): -1.5 (g 1), -1.0 (g 2), -2 (g 10) -> 13; c1 (t=0.5): -0.5 (5), 0.5 (6), 0.25 (8) -> 19
    assert grad_t.flatten().tolist() == [13.0, 19.0]
    # eq. 2: g where x > t
    expected = torch.tensor([[[[0.0, 0.0], [3.0, 4.0]], [[0.0, 0.0], [7.0, 0.0]]],
                             [[[0.0, 10.0], [10.0, 10.0]], [[10.0] * 2] * 2]])
    assert torch.equal(grad_x.float(), expected)


@needs_kernel
def test_fused_backward_with_unequal_strides_of_size_one_dims():
    """1x1 maps: out in channels_last strides, g in NCHW strides, the same memory order: still exact."""
    torch.manual_seed(0)
    out = torch.empty_strided((4, 3, 1, 1), (3, 1, 3, 3)).copy_(torch.randn(4, 3, 1, 1))
    t = torch.zeros(1, 3, 1, 1)
    g = torch.randn(4, 3, 1, 1)
    assert out.stride() != g.stride()
    grad_x, grad_t = fused(g, out, t)
    assert torch.equal(grad_x, torch.where(out > t, g, 0.0))
    torch.testing.assert_close(grad_t.flatten(), torch.where(out > t, 0.0, g).sum((0, 2, 3)))


@needs_kernel
def test_fused_backward_does_not_depend_on_the_thread_count():
    torch.manual_seed(0)
    x = torch.randn(128, 16, 16, 16).contiguous(memory_format=torch.channels_last)
    t = torch.randn(1, 16, 1, 1) * 0.3
    out, g = torch.maximum(x, t), torch.randn_like(x)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = fused(g, out, t)
        torch.set_num_threads(max(2, threads))
        many = fused(g, out, t)
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(one[0], many[0]) and torch.equal(one[1], many[1])


def _bf16_forward_inputs(shape, fmt, seed=0):
    """x in bf16 with NaN, infinities, values equal to t and its two bf16 neighbours; t per channel."""
    torch.manual_seed(seed)
    x = torch.randn(*shape).to(torch.bfloat16)
    t = (torch.randn(1, shape[1], *[1] * (len(shape) - 2)) * 0.5).to(torch.bfloat16)
    flat, tt = x.view(-1), t.expand(shape).reshape(-1)
    flat[::7] = float("nan")
    flat[1::11] = float("inf")
    flat[2::11] = -float("inf")
    flat[3::5] = tt[3::5]  # equal to t
    for start, step in ((4, 1), (6, -1)):  # one bf16 ulp above / below t (|t| > 0: the bits' order is the values')
        near = (tt[start::9].view(torch.int16) + step * torch.where(tt[start::9] > 0, 1, -1).to(torch.int16))
        flat[start::9] = near.view(torch.bfloat16)
    return x.contiguous(memory_format=fmt), t


@needs_kernel
@pytest.mark.parametrize("shape,fmt", CASES)
def test_bf16_forward_is_torch_maximum(shape, fmt):
    """The bf16 forward's tiles give torch.maximum's values in x's layout: NaN stays NaN (torch writes its own NaN
    bits, the kernel x's), infinities, values equal to t and one bf16 step either side of it. Only a signed zero
    may differ where x and t are zeros of opposite signs, as between torch's own scalar and vector loops."""
    x, t = _bf16_forward_inputs(shape, fmt)
    with torch.no_grad():
        out = ng_relu_cpu.bf16_forward(x, t)
    ref = torch.maximum(x, t)
    assert out is not None and out.dtype == torch.bfloat16 and out.stride() == x.stride()
    torch.testing.assert_close(out, ref, rtol=0, atol=0, equal_nan=True)
    above = (x > t) | x.isnan()
    assert torch.equal(torch.where(above, x, t).view(torch.int16)[~x.isnan()], out.view(torch.int16)[~x.isnan()])


@needs_kernel
def test_bf16_forward_nan_threshold():
    """A NaN t gives NaN, as torch.maximum does."""
    x = torch.randn(2, 3, 4, 4).to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
    t = torch.tensor([0.0, float("nan"), -1.0]).view(1, 3, 1, 1).to(torch.bfloat16)
    out = ng_relu_cpu.bf16_forward(x, t)
    assert out[:, 1].isnan().all() and not out[:, [0, 2]].isnan().any()
    torch.testing.assert_close(out, torch.maximum(x, t), rtol=0, atol=0, equal_nan=True)


@needs_kernel
@pytest.mark.parametrize("shape", [(64, 5, 32, 32), (128, 16, 16, 16), (96, 37, 8, 8)])
def test_bf16_forward_threads_split_tiles(shape):
    """Large enough for several threads: the row ranges of at::parallel_for start mid-tile (5 and 16 channels:
    tiles of 12 and 4 rows); 1 and 3 threads write the same tensor, torch.maximum's values."""
    x, t = _bf16_forward_inputs(shape, torch.channels_last, seed=1)
    threads = torch.get_num_threads()
    try:
        outs = []
        for n in (1, 3):
            torch.set_num_threads(n)
            outs.append(ng_relu_cpu.bf16_forward(x, t))
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(outs[0].view(torch.int16), outs[1].view(torch.int16))
    torch.testing.assert_close(outs[0], torch.maximum(x, t), rtol=0, atol=0, equal_nan=True)


@needs_kernel
def test_bf16_forward_declines_what_it_does_not_cover():
    x = torch.randn(2, 3, 4, 4).to(torch.bfloat16)
    t = torch.zeros(1, 3, 1, 1, dtype=torch.bfloat16)
    assert ng_relu_cpu.bf16_forward(x.float(), t.float()) is None  # float32: torch.maximum is at ReLU's cost
    assert ng_relu_cpu.bf16_forward(x, t.float()) is None  # t not rounded to x's dtype
    assert ng_relu_cpu.bf16_forward(x, torch.zeros(1, 3, 4, 4, dtype=torch.bfloat16)) is None  # element-wise t
    assert ng_relu_cpu.bf16_forward(x[:, :, ::2], t) is None  # strided view
    assert ng_relu_cpu.bf16_forward(x[:, :0].contiguous(), t[:, :0]) is None  # no channels
    assert ng_relu_cpu.bf16_forward(x, t) is not None
    with ng_relu_cpu.disabled():
        assert ng_relu_cpu.bf16_forward(x, t) is None


@needs_kernel
def test_ng_relu_function_runs_the_bf16_forward(monkeypatch):
    """For a bf16 input (what bf16 autocast hands it) NGReLUFunction's forward is the kernel's answer; in float32
    torch.maximum's."""
    answers = []
    real = ng_relu_cpu.bf16_forward

    def spy(x, t):
        answers.append(real(x, t))
        return answers[-1]
    monkeypatch.setattr(ng_relu_cpu, "bf16_forward", spy)
    x = torch.randn(2, 3, 4, 4).contiguous(memory_format=torch.channels_last)
    t = torch.full((1, 3, 1, 1), -0.25)
    out = NGReLUFunction.apply(x.to(torch.bfloat16), t)
    assert answers[-1] is out and out.dtype == torch.bfloat16
    assert NGReLUFunction.apply(x, t) is not None and answers[-1] is None


@needs_kernel
def test_kernel_declines_what_it_does_not_cover():
    x = torch.randn(2, 3, 4, 4)
    channel_t = torch.zeros(1, 3, 1, 1)
    g = torch.randn_like(x)
    assert fused(g, x, torch.zeros(1, 3, 4, 4)) is None  # element-wise t (NG eq. 1)
    assert fused(g.double(), x.double(), channel_t.double()) is None  # float64 (gradcheck)
    assert fused(g, x, torch.zeros(1, 1, 1, 1)) is None  # one t shared by 3 channels
    dense = x[:, :, 0, 0].contiguous()
    assert fused(dense, dense, torch.zeros(3)) is None  # (N, C) with a t of shape (C,)
    assert fused(g[:, :, ::2], x[:, :, ::2], channel_t) is None  # strided view
    assert fused(g, x, channel_t) is not None  # what it covers
    with torch.enable_grad():  # a backward with create_graph=True: the autograd ops, which are differentiable
        assert ng_relu_cpu.fused_backward(g, x, channel_t) is None  # fused(): without grad, as in backward
    with ng_relu_cpu.disabled():
        assert fused(g, x, channel_t) is None
        assert ng_relu_cpu.implementation("cpu") == ng_relu_cpu.AUTOGRAD
    assert ng_relu_cpu.implementation("meta") == ng_relu_cpu.AUTOGRAD  # not a CPU


def test_ng_kernel_env_switch(monkeypatch):
    monkeypatch.setenv("NG_KERNEL", "0")
    assert not ng_relu_cpu.available()
    assert fused(torch.ones(1, 2), torch.ones(1, 2), torch.zeros(1, 2)) is None


@needs_kernel
@pytest.mark.parametrize("amp", [False, True])
def test_training_step_gradients_match_the_autograd_ops(amp):
    """A whole NG-ReLU ResNet step (channels_last, and bf16 autocast) with the kernel and without: every NG
    layer's backward ran fused in the first, by autograd ops in the second; the gradients of all weights are
    bit-equal (grad_x is a selection), t's equal up to the order of a float sum."""
    from reproduce.train import RunOptions, TrainSpec, make_optimizer, train_step
    torch.manual_seed(0)
    x, y = torch.randn(16, 3, 32, 32), torch.randint(0, 10, (16,))
    grads = []
    for off in (False, True):
        torch.manual_seed(1)
        model = build_model(arch="resnet", depth=8, widths=(4, 8, 16), act="ng-relu")
        model = model.to(memory_format=torch.channels_last)
        opt = make_optimizer(model, TrainSpec(epochs=1, lr=0.0))
        opts = RunOptions("cpu", amp=amp)
        n_ng = sum(isinstance(m, NonlinearityGenerator) for m in model.modules())
        before = dict(ng_relu_cpu.CALLS)
        with ng_relu_cpu.disabled() if off else torch.enable_grad():
            train_step(model, opt, x, y, opts)
        used = ng_relu_cpu.AUTOGRAD if off else ng_relu_cpu.FUSED
        assert n_ng > 0 and ng_relu_cpu.CALLS[used] - before[used] == n_ng
        grads.append({n: p.grad.clone() for n, p in model.named_parameters()})
    fused, ops = grads
    ts = [n for n in fused if n.endswith(".t")]
    assert ts and fused.keys() == ops.keys()
    for n in fused:
        if n in ts:
            torch.testing.assert_close(fused[n], ops[n], rtol=1e-2 if amp else 1e-5, atol=1e-6)
        else:
            assert torch.equal(fused[n], ops[n]), n


def test_results_record_which_ng_backward_ran(tmp_path):
    from reproduce.data import DeviceData, Normalization
    from reproduce.train import RunOptions, TrainSpec, train
    torch.manual_seed(0)
    data = DeviceData(torch.randint(0, 255, (32, 3, 8, 8), dtype=torch.uint8), torch.randint(0, 10, (32,)),
                      Normalization(torch.full((1, 3, 1, 1), 0.5), torch.full((1, 3, 1, 1), 0.25)))
    ng = nn.Sequential(nn.Conv2d(3, 4, 3), NonlinearityGenerator(nn.ReLU(), (4,)), nn.Flatten(),
                       nn.Linear(144, 10))
    relu = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 10))
    spec = TrainSpec(epochs=1, batch_size=16)
    assert train(relu, data, data, spec, RunOptions("cpu"))["ng_relu_backward"] is None
    expected = ng_relu_cpu.FUSED if ng_relu_cpu.available() else ng_relu_cpu.AUTOGRAD
    assert train(ng, data, data, spec, RunOptions("cpu"))["ng_relu_backward"] == expected
    with ng_relu_cpu.disabled():
        assert train(ng, data, data, spec, RunOptions("cpu"))["ng_relu_backward"] == ng_relu_cpu.AUTOGRAD
    # both in one run: each with its count
    assert ng_relu_cpu.ran({ng_relu_cpu.FUSED: 1, ng_relu_cpu.AUTOGRAD: 5}, {ng_relu_cpu.FUSED: 3,
                                                                            ng_relu_cpu.AUTOGRAD: 6}) == \
        f"{ng_relu_cpu.AUTOGRAD} x1; {ng_relu_cpu.FUSED} x2"


@needs_kernel
def test_ng_relu_function_uses_the_kernel_on_cpu(monkeypatch):
    """NGReLUFunction's backward goes through fused_backward, which answers (and its answer is what autograd
    returns)."""
    answers = []
    real = ng_relu_cpu.fused_backward

    def spy(g, out, t):
        answers.append(real(g, out, t))  # inside backward: grad mode is off
        return answers[-1]
    monkeypatch.setattr(ng_relu_cpu, "fused_backward", spy)
    x = torch.randn(2, 3, 4, 4, requires_grad=True)
    t = torch.zeros(1, 3, 1, 1, requires_grad=True)
    NGReLUFunction.apply(x, t).sum().backward()
    assert len(answers) == 1 and answers[0] is not None
    torch.testing.assert_close(t.grad.flatten(), (x.detach() <= 0).float().sum((0, 2, 3)))


@pytest.mark.skipif(not HAS_COMPILER, reason="torch.compile on a CPU needs a C++ compiler")
def test_torch_compile_of_an_ng_model_traces_the_autograd_ops():
    """Under torch.compile (COMPILE=1) the backward is traced: the kernel steps aside for the autograd ops
    (compiled by inductor; no Python backward runs, fused or not), and the gradients are those of the eager
    step."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), NonlinearityGenerator(nn.ReLU(), (4,)), nn.Flatten(),
                          nn.Linear(4 * 6 * 6, 10))
    x = torch.randn(8, 3, 8, 8)
    model(x).sum().backward()
    eager = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    compiled = torch.compile(model)
    compiled(x).sum().backward()  # compiles
    model.zero_grad()
    before = dict(ng_relu_cpu.CALLS)
    compiled(x).sum().backward()
    assert ng_relu_cpu.CALLS == before
    for a, b in zip(eager, [p.grad for p in model.parameters()]):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
