"""The one training loop of the suite.

SGD with momentum and weight decay (optionally none on NG's t), a learning
rate schedule (step / divide-by-10 on plateau / cosine / constant), per-epoch
train loss and accuracy, test loss and accuracy, and the probes a cell asks
for. A run that diverges ends as status "diverged" with its history so far;
it never raises. Diverged = a non-finite loss, or a running mean training
loss (checked every `check_every` steps and at each epoch's end) above
DIVERGENCE_GROWTH x the run's own starting loss (the loss of its first
step, at the initial weights), floored at ln(classes), chance's cross-entropy:
for a network that starts near chance that is 10 ln(classes), as before;
one that starts with a huge loss (an unnormalised deep net at init) is not
killed for it, only for growing tenfold beyond it.

With `RunOptions.checkpoint` set, the whole state is saved after every
epoch and a run started again resumes from it (reproduce.checkpoint).

Training accuracy is the running accuracy over each epoch's (augmented)
training batches in train mode, the number the papers' Keras/Caffe logs show.

Speed: data stays on the device (reproduce.data.DeviceData); the model runs
channels_last under bf16 autocast on CUDA and on CPUs with native bf16
(AMX / AVX512-BF16; fp32 elsewhere, or everywhere with AMP=0), optionally
torch.compile'd;
losses and accuracies are accumulated on the device and read once per
`check_every` steps.
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from models import ng_relu_cpu
from models.activations import NonlinearityGenerator
from models.ortho import Modulation, orthonormal_penalty

from .augment import mixup_batch
from .checkpoint import load_checkpoint, save_checkpoint
from .data import DeviceData
from .probes import FINAL_PROBES, PROBES, STEP_PROBES

DIVERGENCE_GROWTH = 10.0  # diverged: mean loss > this x max(first-step loss, ln classes), or non-finite


@dataclass(frozen=True)
class TrainSpec:
    """Everything about optimisation that affects a result (part of a cell)."""
    epochs: int
    batch_size: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    decay_ng_t: bool = False           # weight decay on NG's t (NG paper is silent)
    schedule: str = "step"             # step | plateau | cosine | poly | constant
    milestones: tuple[int, ...] = ()   # step: multiply the lr by lr_gamma at these epochs
    lr_gamma: float = 0.1              # step: the factor (0.1 = divide by 10)
    plateau_monitor: str = "train_loss"  # plateau: train_loss | test_error
    plateau_patience: int = 5          # epochs without relative improvement > 1e-3
    plateau_max_drops: int = 3         # stop when a further drop would be needed
    probes: tuple[str, ...] = ()       # names in reproduce.probes.PROBES, run every epoch
    final_probes: tuple[str, ...] = ()  # names in reproduce.probes.FINAL_PROBES, run once after training
    nesterov: bool = False             # sgd: Nesterov momentum (fb.resnet.torch's recipe, CReLU paper)
    mixup_alpha: float = 0.0           # Mixup (reproduce.augment.mixup_batch) when > 0
    schedule_per_step: bool = False    # cosine: decay the lr after every step, not every epoch (ConvInit paper)
    ortho_reg: float = 0.0             # lambda of the orthonormal regularizer (Ortho paper, eq. 3), replacing
                                       # weight decay on Conv/Linear weights when > 0 (models.ortho)
    modulation_steps: int = 0          # Ortho paper's signal modulation during the first n steps (models.ortho)
    step_probes: tuple[str, ...] = ()  # names in STEP_PROBES, recorded every step_probe_every steps
    step_probe_every: int = 50
    loss: str = "softmax"              # softmax (cross-entropy) | hinge (one-vs-all, see hinge_loss)
    optimizer: str = "sgd"             # sgd (momentum) | rmsprop | adagrad | adadelta | adam (see make_optimizer)
    rms_decay: float = 0.9             # rmsprop: decay of the running average of squared gradients
    decay_bias: bool = True            # weight decay on biases too (Caffe models often exempt them)
    decay_norm: bool = True            # weight decay on BatchNorm's weight and bias too
    max_steps: int = 0                 # measurement jobs (reproduce.measure): SGD steps to run
    warmup_epochs: int = 0             # the first warmup_epochs epochs run at warmup_lr (He et al. 2016's
    warmup_lr: float = 0.0             # ResNet-110 on CIFAR: 0.01 for about 400 iterations, then the schedule)


@dataclass
class RunOptions:
    """How to execute (not what): recorded in results, not part of the hash."""
    device: str = "cpu"
    amp: bool = True          # bf16 autocast on CUDA and on CPUs with native bf16 (amp_enabled); AMP=0: fp32
    channels_last: bool = True  # NHWC activations (faster for convs on CUDA, and on CPU for narrow nets)
    compile: bool = False
    cuda_graph: bool = True   # on CUDA: replay the whole SGD step as one CUDA graph (GraphedStep)
    check_every: int = 50     # steps between divergence checks (host syncs)
    progress: object = None   # a callable(epoch, history_row) for progress bars
    checkpoint: str | None = None  # save the run's state here after every epoch, resume from it (reproduce.checkpoint)
    checkpoint_tag: str = ""  # a checkpoint is resumed only if written with the same tag (the code version)


class LRSchedule:
    """Learning rate per epoch for a TrainSpec; plateau decisions via `observe`."""

    def __init__(self, spec: TrainSpec):
        self.spec = spec
        self.lr = spec.lr
        self.drops = 0
        self.best = math.inf
        self.bad_epochs = 0

    def at_epoch(self, epoch: int) -> float:
        s = self.spec
        if s.schedule == "step":
            self.lr = s.lr * s.lr_gamma ** sum(epoch >= m for m in s.milestones)
        elif s.schedule == "cosine":
            self.lr = 0.5 * s.lr * (1 + math.cos(math.pi * epoch / s.epochs))
        elif s.schedule == "poly":  # Caffe's "poly" policy with power 0.5 (BVLC GoogLeNet), per epoch
            self.lr = s.lr * (1 - epoch / s.epochs) ** 0.5
        elif s.schedule not in ("plateau", "constant"):
            raise ValueError(f"unknown schedule {s.schedule!r}")
        return s.warmup_lr if epoch < s.warmup_epochs else self.lr

    def at_step(self, epoch: int, step: int, steps_per_epoch: int) -> float:
        """Per-iteration cosine decay from spec.lr to 0 at the last step (ConvInit paper, 5.1)."""
        if self.spec.schedule != "cosine":
            raise ValueError("a per-step schedule is only defined for the cosine schedule")
        t, total = epoch * steps_per_epoch + step, self.spec.epochs * steps_per_epoch
        return 0.5 * self.spec.lr * (1 + math.cos(math.pi * t / total))

    def observe(self, metric: float) -> bool:
        """Plateau: feed the monitored value after an epoch; divide the lr by
        10 after `plateau_patience` epochs without improvement. Returns True
        when training should stop (a drop beyond `plateau_max_drops`)."""
        if self.spec.schedule != "plateau":
            return False
        if metric < self.best * (1 - 1e-3):
            self.best, self.bad_epochs = metric, 0
            return False
        self.bad_epochs += 1
        if self.bad_epochs < self.spec.plateau_patience:
            return False
        if self.drops >= self.spec.plateau_max_drops:
            return True
        self.drops += 1
        self.lr *= 0.1
        self.bad_epochs = 0
        return False


def make_optimizer(model: nn.Module, spec: TrainSpec, lr_device: torch.device | None = None) -> torch.optim.Optimizer:
    """SGD with momentum (or RMSProp, `spec.optimizer`), weight decay on every
    parameter except NG's t unless `spec.decay_ng_t`, except biases
    (every parameter named "bias") unless `spec.decay_bias`, and except
    BatchNorm's parameters unless `spec.decay_norm`, and except Conv/Linear
    weights when the orthonormal regularizer replaces weight decay
    (`spec.ortho_reg` > 0: its penalty is added to the loss by the step).

    `lr_device` (SGD only): the learning rate lives there as a one-element
    tensor that torch's fused SGD kernel reads at every step, so a CUDA graph
    of the step replays under a new lr without a new capture (a per-step
    schedule); set it with `set_lr`. The default SGD's formula in one kernel
    instead of a foreach chain; not bit for bit (its operations are fused:
    weights 5e-7 apart after 20 fp32 steps at lr 0.1, momentum 0.9)."""
    ng_t = {id(m.t) for m in model.modules() if isinstance(m, NonlinearityGenerator) and m.trainable}
    norm_params = {id(p) for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
                   for p in m.parameters()}
    ortho = {id(m.weight) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))}
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        exempt = ((id(p) in ng_t and not spec.decay_ng_t) or (name.endswith("bias") and not spec.decay_bias)
                  or (id(p) in norm_params and not spec.decay_norm) or (id(p) in ortho and spec.ortho_reg > 0))
        (no_decay if exempt else decay).append(p)
    groups = [{"params": decay, "weight_decay": spec.weight_decay}]
    if no_decay:
        groups.append({"params": no_decay, "weight_decay": 0.0})
    if spec.optimizer == "rmsprop":
        return torch.optim.RMSprop(groups, lr=spec.lr, alpha=spec.rms_decay, momentum=spec.momentum)
    if spec.optimizer == "adagrad":  # torch's defaults for the method's own hyper-parameters
        return torch.optim.Adagrad(groups, lr=spec.lr)
    if spec.optimizer == "adadelta":
        return torch.optim.Adadelta(groups, lr=spec.lr)
    if spec.optimizer == "adam":
        return torch.optim.Adam(groups, lr=spec.lr)
    if spec.optimizer != "sgd":
        raise ValueError(f"unknown optimizer {spec.optimizer!r}; known: sgd, rmsprop, adagrad, adadelta, adam")
    if lr_device is not None:
        lr = torch.tensor(spec.lr, dtype=torch.float32, device=lr_device)  # the kernel reads it as a float
        return torch.optim.SGD(groups, lr=lr, momentum=spec.momentum, nesterov=spec.nesterov, fused=True)
    return torch.optim.SGD(groups, lr=spec.lr, momentum=spec.momentum, nesterov=spec.nesterov)


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Every group's learning rate to `lr`: in place where it is a tensor (make_optimizer's `lr_device`, which a
    captured CUDA graph reads), else as a number."""
    for g in optimizer.param_groups:
        if torch.is_tensor(g["lr"]):
            g["lr"].fill_(lr)
        else:
            g["lr"] = lr


def hinge_loss(scores: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Multiclass one-vs-all hinge loss with L1 norm, as Caffe's HingeLoss
    layer (the "-SVM" networks of the LSUV paper, Table 2): with t_k = +1 for
    the true class and -1 otherwise, sum_k max(0, 1 - t_k s_k), averaged over
    the batch."""
    t = torch.full_like(scores, -1.0).scatter_(1, target.unsqueeze(1), 1.0)
    return F.relu(1.0 - t * scores).sum(1).mean()


def loss_function(name: str):
    if name == "softmax":
        return F.cross_entropy
    if name == "hinge":
        return hinge_loss
    raise ValueError(f"unknown loss {name!r}; known: softmax, hinge")


@functools.lru_cache(maxsize=None)
def cpu_has_native_bf16() -> bool:
    """True when this CPU computes in bf16 natively (the amx_bf16 or avx512_bf16 flags of /proc/cpuinfo). There
    bf16 autocast about halves a CIFAR ResNet step (ResNet-20, batch 128, channels_last, 2 threads of an Intel
    Xeon with AMX: 113 ms vs 201 ms in fp32, measured); elsewhere bf16 is emulated and slower, so fp32 stays."""
    try:
        with open("/proc/cpuinfo") as fh:
            flags = next((line.split(":", 1)[1].split() for line in fh if line.startswith("flags")), [])
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def amp_enabled(device: torch.device, opts: RunOptions) -> bool:
    """bf16 autocast: on CUDA, and on a CPU with native bf16 (cpu_has_native_bf16), unless opts.amp is off."""
    return opts.amp and (device.type == "cuda" or (device.type == "cpu" and cpu_has_native_bf16()))


def autocast(device: torch.device, opts: RunOptions):
    enabled = amp_enabled(device, opts)
    # no weight-cast cache: it would hold tensors across CUDA-graph captures
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=enabled, cache_enabled=False)


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, xb: torch.Tensor, yb: torch.Tensor,
               opts: RunOptions, grads_to_none: bool = True, loss: str = "softmax",
               mix: tuple | None = None, penalty=None) -> tuple[torch.Tensor, torch.Tensor]:
    """One SGD step on a batch; returns (detached loss, detached logits).
    After it, every parameter's .grad holds this batch's gradient. `mix` =
    (perm, lam) for a Mixup batch (xb already mixed): the loss is
    lam L(yb) + (1 - lam) L(yb[perm]). `penalty()` (e.g. the orthonormal
    regularizer) is added to the loss that is minimised; the returned loss
    is the data loss alone."""
    if opts.channels_last:
        xb = xb.contiguous(memory_format=torch.channels_last)
    with autocast(xb.device, opts):
        out = model(xb)
    fn = loss_function(loss)
    if mix is None:
        loss = fn(out.float(), yb)
    else:
        perm, lam = mix
        loss = lam * fn(out.float(), yb) + (1 - lam) * fn(out.float(), yb[perm])
    optimizer.zero_grad(set_to_none=grads_to_none)
    (loss + penalty() if penalty is not None else loss).backward()
    optimizer.step()
    return loss.detach(), out.detach()


class GraphedStep:
    """The whole training step (forward, backward, SGD update) captured once
    as a CUDA graph and replayed for every full batch: at batch 128 a CIFAR
    ResNet is bound by kernel-launch overhead, which the replay removes
    (measured on an H100: ResNet-56 NG-ReLU 45-55 ms/step eager, 7.7 ms/step
    replayed). Same arithmetic as `train_step`, including its `penalty` (the
    orthonormal regularizer: tensor operations on the weights) and a Mixup
    batch (`mixup=True`: the caller mixes the images; the permutation and lam
    are copied into the graph's inputs at every call).

    The learning rate: where the optimizer holds it as a device tensor
    (make_optimizer's `lr_device`: a per-step schedule, set with `set_lr`) the
    graph reads it at every replay; otherwise it is baked into the graph and a
    new lr means a new capture. Capturing needs warm-up steps; they run on a
    snapshot that is restored afterwards, so the training trajectory is that of
    plain eager steps. A batch of another size (the last, partial one) runs
    eagerly.

    Not graphed (train() runs them eagerly): signal modulation and the step
    probes. Modulation decides on the host, per layer and per step, whether to
    rescale the error (models.ortho.Modulation); the probes read the moments
    it records there. A graph would replay the decisions of its capture."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, opts: RunOptions, loss: str = "softmax",
                 penalty=None, mixup: bool = False):
        self.model, self.optimizer, self.opts, self.loss = model, optimizer, opts, loss
        self.penalty, self.mixup = penalty, mixup
        self.lr_in_graph = all(torch.is_tensor(g["lr"]) for g in optimizer.param_groups)
        self.graph, self.lr = None, None

    def _state(self) -> list[torch.Tensor]:
        state = [p for p in self.model.parameters()] + [b for b in self.model.buffers()]
        for st in self.optimizer.state.values():
            state += [v for v in st.values() if torch.is_tensor(v)]
        return state

    def _step(self, xb, yb, mix, grads_to_none=False):
        return train_step(self.model, self.optimizer, xb, yb, self.opts, grads_to_none=grads_to_none,
                          loss=self.loss, mix=mix, penalty=self.penalty)

    def _capture(self, xb: torch.Tensor, yb: torch.Tensor, lr: float, mix) -> None:
        had_state = bool(self.optimizer.state)
        snapshot = [t.detach().clone() for t in self._state()]
        self.static_x, self.static_y = xb.clone(), yb.clone()
        static_mix = None
        if self.mixup:
            perm, lam = mix
            self.static_perm = perm.clone()
            self.static_lam = torch.tensor(float(lam), device=xb.device)
            static_mix = (self.static_perm, self.static_lam)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                self._step(self.static_x, self.static_y, static_mix)
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.static_loss, self.static_out = self._step(self.static_x, self.static_y, static_mix)
        with torch.no_grad():
            state = self._state()
            for t, saved in zip(state, snapshot):
                t.copy_(saved)
            if not had_state:  # momentum buffers born in the warm-up: an eager first step starts from 0
                for st in self.optimizer.state.values():
                    for v in st.values():
                        if torch.is_tensor(v) and v.is_floating_point():
                            v.zero_()
        self.lr = lr

    def __call__(self, xb: torch.Tensor, yb: torch.Tensor, lr: float, mix: tuple | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """One step on (xb, yb) at `lr` (the optimizer's lr, already set); `mix` = (perm, lam) of a Mixup batch."""
        if self.mixup != (mix is not None):
            raise ValueError("a GraphedStep built with mixup=True takes every batch's mix, and only then")
        if self.graph is not None and xb.shape != self.static_x.shape:
            return self._step(xb, yb, mix)
        if self.graph is None or (not self.lr_in_graph and lr != self.lr):
            self._capture(xb, yb, lr, mix)
        self.static_x.copy_(xb)
        self.static_y.copy_(yb)
        if self.mixup:
            self.static_perm.copy_(mix[0])
            self.static_lam.fill_(float(mix[1]))
        self.graph.replay()
        return self.static_loss.clone(), self.static_out.clone()


@torch.no_grad()
def evaluate(model: nn.Module, data: DeviceData, opts: RunOptions, batch_size: int = 1000) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) over `data`, eval mode, no autograd."""
    model.eval()
    device = data.device
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.long)
    with autocast(device, opts):
        for xb, yb in data.batches(batch_size):
            if opts.channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            out = model(xb).float()
            loss_sum += F.cross_entropy(out, yb, reduction="sum")
            correct += (out.argmax(1) == yb).sum()
    n = len(data)
    return float(loss_sum) / n, float(correct) / n


def train(model: nn.Module, train_data: DeviceData, test_data: DeviceData, spec: TrainSpec,
          opts: RunOptions, seed: int = 0, num_classes: int = 10) -> dict:
    """Train `model` per `spec`; returns the result record (see module doc)."""
    device = train_data.device
    model.to(device)
    if opts.channels_last:
        model.to(memory_format=torch.channels_last)
    step_model = model
    compiled = False
    if opts.compile:
        try:
            step_model = torch.compile(model)
            compiled = True
        except Exception:  # compile unavailable: fall back to eager, and say so
            step_model = model
    # host decisions every step (modulation, and the step probes that read its moments): no CUDA graph (GraphedStep).
    # Only SGD is graphed: torch's RMSprop/Adam/Adagrad/Adadelta refuse a capture unless built capturable, and a
    # per-step lr is read from a device tensor by the fused SGD kernel alone
    eager_only = spec.modulation_steps > 0 or bool(spec.step_probes) or spec.optimizer != "sgd"
    use_graph = opts.cuda_graph and device.type == "cuda" and not compiled and not eager_only
    lr_device = device if use_graph and spec.schedule_per_step else None
    optimizer = make_optimizer(model, spec, lr_device)
    penalty = (lambda: orthonormal_penalty(model, spec.ortho_reg)) if spec.ortho_reg > 0 else None
    modulation = Modulation(model, enabled=False) if spec.modulation_steps > 0 or spec.step_probes else None
    step_records: list[dict] = []
    global_step = 0
    graphed = GraphedStep(model, optimizer, opts, spec.loss, penalty, mixup=spec.mixup_alpha > 0) \
        if use_graph else None
    schedule = LRSchedule(spec)
    gen = torch.Generator(device=device).manual_seed(seed)
    reference = None  # the run's starting loss (first step), floored at ln(classes); the limit is 10x it

    history: list[dict] = []
    status, reason = "ok", "completed all epochs"
    images, train_seconds, elapsed_before, resumed = 0, 0.0, 0.0, []
    ckpt = load_checkpoint(opts.checkpoint, opts.checkpoint_tag, asdict(spec))
    if ckpt is not None:  # resume after the last finished epoch of a killed or preempted run
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        if lr_device is not None:  # loading restores the saved group settings (a checkpoint of an eager run: foreach
            # SGD, lr a number) and the lr tensor wherever it was loaded: the fused kernel and a device lr again
            for g in optimizer.param_groups:
                g.update(lr=torch.tensor(float(g["lr"]), dtype=torch.float32, device=lr_device), fused=True,
                         foreach=None)
        vars(schedule).update(ckpt["schedule"])
        gen.set_state(ckpt["generator"])
        torch.set_rng_state(ckpt["torch_rng"])
        if device.type == "cuda" and ckpt.get("cuda_rng") is not None:
            torch.cuda.set_rng_state(ckpt["cuda_rng"], device)
        history, step_records, global_step = ckpt["history"], ckpt["step_records"], ckpt["global_step"]
        images, train_seconds, elapsed_before = ckpt["images"], ckpt["train_seconds"], ckpt["elapsed"]
        resumed = ckpt["resumed"] + [len(history)]
        reference = ckpt.get("loss_reference")
    # NG-ReLU's fused CPU backward: its first-use build (~10 s) before the clock starts; which backward ran is
    # counted over the training loop
    uses_ng_relu = any(isinstance(m, NonlinearityGenerator) and type(m.base) is nn.ReLU for m in model.modules())
    if uses_ng_relu:
        ng_relu_cpu.implementation(device)
    ng_calls = dict(ng_relu_cpu.CALLS)
    t_start = time.perf_counter()
    steps_per_epoch = math.ceil(len(train_data) / spec.batch_size)
    for epoch in range(len(history), spec.epochs):
        lr = schedule.at_epoch(epoch)
        set_lr(optimizer, lr)
        model.train()
        t0 = time.perf_counter()
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        seen = 0
        for step, (xb, yb) in enumerate(train_data.batches(spec.batch_size, shuffle=True, augment=train_data.augment,
                                                           generator=gen)):
            if spec.schedule_per_step:
                set_lr(optimizer, schedule.at_step(epoch, step, steps_per_epoch))  # (a graph reads it: lr_device)
            mix = None
            if spec.mixup_alpha > 0:
                xb, perm, lam = mixup_batch(xb, spec.mixup_alpha, gen)
                mix = (perm, lam)
            if modulation is not None:
                modulation.enabled = global_step < spec.modulation_steps
            if graphed is not None:
                loss, out = graphed(xb, yb, lr, mix)
            else:
                loss, out = train_step(step_model, optimizer, xb, yb, opts, loss=spec.loss, mix=mix, penalty=penalty)
            if spec.step_probes and global_step % spec.step_probe_every == 0:
                step_records.append({"step": global_step, **{name: STEP_PROBES[name](model, modulation)
                                                             for name in spec.step_probes}})
            global_step += 1
            if reference is None:  # one host sync: the loss at the initial weights
                reference = float(loss)
                if not math.isfinite(reference):
                    status, reason = "diverged", f"loss non-finite at the first step (epoch {epoch + 1})"
                    break
                reference = max(reference, math.log(num_classes))
            limit = DIVERGENCE_GROWTH * reference
            loss_sum += loss * len(yb)
            correct += (out.argmax(1) == yb).sum()
            seen += len(yb)
            if (step + 1) % opts.check_every == 0 and not _finite_below(loss_sum / seen, limit):
                status, reason = "diverged", (f"loss non-finite or > {limit:.3g} ({DIVERGENCE_GROWTH:g} x its start "
                                              f"{reference:.3g}) at epoch {epoch + 1} step {step + 1}")
                break
        if device.type == "cuda":
            torch.cuda.synchronize()
        train_seconds += time.perf_counter() - t0
        images += seen
        train_loss = float(loss_sum) / max(seen, 1)
        if status == "ok" and not _finite_below(train_loss, DIVERGENCE_GROWTH * (reference or math.log(num_classes))):
            status, reason = "diverged", (f"loss non-finite or > {DIVERGENCE_GROWTH:g} x its start "
                                          f"{reference or math.log(num_classes):.3g} at epoch {epoch + 1}")
        row = {"epoch": epoch + 1, "lr": lr, "train_loss": train_loss, "train_acc": float(correct) / max(seen, 1),
               "seconds": time.perf_counter() - t0}
        if status == "diverged":
            history.append(row)
            break
        row["test_loss"], row["test_acc"] = evaluate(model, test_data, opts)
        for name in spec.probes:
            row[name] = PROBES[name](model)
        history.append(row)
        if opts.progress:
            opts.progress(epoch, row)
        monitor = row["train_loss"] if spec.plateau_monitor == "train_loss" else 1 - row["test_acc"]
        if schedule.observe(monitor):
            reason = f"plateau: no improvement after {spec.plateau_max_drops} learning-rate drops (epoch {epoch + 1})"
            break
        if opts.checkpoint and epoch + 1 < spec.epochs:
            save_checkpoint(opts.checkpoint, {
                "tag": opts.checkpoint_tag, "spec": asdict(spec), "model": model.state_dict(),
                "optimizer": optimizer.state_dict(), "schedule": {k: v for k, v in vars(schedule).items()
                                                                   if k != "spec"},
                "generator": gen.get_state(), "torch_rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state(device) if device.type == "cuda" else None,
                "history": history, "step_records": step_records, "global_step": global_step, "images": images,
                "train_seconds": train_seconds, "elapsed": elapsed_before + time.perf_counter() - t_start,
                "resumed": resumed, "loss_reference": reference})

    ng_backward = ng_relu_cpu.ran(ng_calls, ng_relu_cpu.CALLS) if uses_ng_relu else None
    if uses_ng_relu and ng_backward is None and compiled:  # the compiled graph calls no Python backward
        ng_backward = ng_relu_cpu.AUTOGRAD + " (traced by torch.compile)"
    accs = [h["train_acc"] for h in history if "test_acc" in h]
    tests = [h["test_acc"] for h in history if "test_acc" in h]
    final = {}
    if status == "ok" and spec.final_probes:
        model.eval()
        plain = model.to(memory_format=torch.contiguous_format)
        final = {name: FINAL_PROBES[name](plain, test_data, opts) for name in spec.final_probes}
    if modulation is not None:
        modulation.remove()
    return {
        "final_probes": final,
        "step_probes": step_records,
        "status": status,
        "stop_reason": reason,
        "epochs_run": len(history),
        "history": history,
        "max_train_acc": max(accs) if accs else None,
        "final_train_acc": accs[-1] if accs else None,
        "best_test_acc": max(tests) if tests else None,
        "final_test_acc": tests[-1] if tests else None,
        "wall_time_s": elapsed_before + time.perf_counter() - t_start,
        "resumed_at_epochs": resumed,
        "train_time_s": train_seconds,
        "train_images_per_s": images / train_seconds if train_seconds > 0 else None,
        "device": device_name(device),
        "dtype": "bf16-autocast" if amp_enabled(device, opts) else "fp32",
        "channels_last": opts.channels_last,
        "compiled": compiled,
        "cuda_graph": graphed is not None,
        "ng_relu_backward": ng_backward,
        "spec": asdict(spec),
    }


def _finite_below(value, limit: float) -> bool:
    v = float(value)
    return math.isfinite(v) and v <= limit


def device_name(device: torch.device | str) -> str:
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    model = "CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model} ({torch.get_num_threads()} threads)"
