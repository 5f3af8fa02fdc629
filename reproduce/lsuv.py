"""Mishkin & Matas, "All you need is a good init" (ICLR 2016): LSUV.
../shared/papers/003_e89e838415d3bdff.txt

LSUV (Algorithm 1, models.init.lsuv_init): orthonormal pre-initialization
(Saxe et al. 2014), then for each conv / fully-connected layer in order,
forward a mini-batch and divide the weights by sqrt(Var(output)) until
|Var - 1| < Tol_var or T_max trials. The paper gives no values for either,
only "Its value does not noticeably influence the performance in a broad
range of 0.01 to 0.1" (Tol_var, section 3): Tol_var = 0.1 (within that
range) and T_max = 10 are the suite's choices (lsuv_init's defaults). Each
trial forwards a fresh mini-batch: Algorithm 1 has "do Forward pass with a
mini-batch" inside its loop, and "Because of data variations, it is often
not possible to normalize variance with the desired precision"
(LSUV_BATCH_READING).

Networks: the FitNets of Table 1 (models.fitnet; FitNet-4 has 17 convs, see
there). Training (section 4.2): "SGD with momentum 0.9, the initial learning
rate 0.01, reduced by a factor of 10 after the 100th, 150th and 200th epoch,
finishing at 230th epoch", "mirroring and random shifts". From the authors'
Caffe models (github.com/ducha-aiki/LSUVinit): batch 128, weight decay 5e-4,
dropout, random shifts of up to 8 pixels; MNIST with RMSProp (lr 0.002,
decay 0.99, batch 64, lr / 10 every 15k iterations, 50k iterations), no
augmentation; the CIFAR-100 † numbers with RMSProp (lr 0.0005, decay 0.9,
x0.5 at 70k, 100k, 130k, 150k, 170k, 180k iterations, 190k iterations).

Measurements at initialization (Tables 6, 8, 9, 10, Figure 1) are cells
whose job is not "train" (reproduce.measure): at `paper` scale they use the
paper's networks and batches and run on a CPU in minutes.

"n/c" ("failed to converge") uses the suite's one criterion
(reproduce.critical_depth.converged): not diverged and final-epoch training
accuracy >= 1.5 x chance.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import statistics

from models.fitnet import FitNet
from models.init import lsuv_init

from .accuracy import accuracy_values as shared_accuracy_values
from .accuracy import (common_level, converged_seeds_mean, converges, epochs_to_reach, final_accuracy, rank,
                       training_outcome, worst_case_lead)
from .critical_depth import CONVERGENCE_FACTOR, all_hold
from .data import DATASETS, DataSpec
from .experiment import Cell
from .report import MATCH_PP, cited, published, published_values
from .seeds import seeds
from .targets import Claim, Target, Value, layout_cells, layout_records, merge_seeds
from .train import TrainSpec

PAPER = "lsuv"

ACTS = {"maxout": "maxout", "ReLU": "relu", "VLReLU": "vlrelu", "tanh": "tanh", "Sigmoid": "sigmoid"}
INITS = {"LSUV": "lsuv", "OrthoNorm": "orthonorm", "OrthoNorm-MSRA scaled": "ortho-msra", "Xavier": "xavier-caffe",
         "MSRA": "msra"}
T3_SKIPPED = {(r["row"], r["column"]) for r in published("lsuv", "3") if r["value"] == "-"}  # not tested by the paper
FITNET4_LAYERS = ([f"conv1{i}" for i in range(1, 6)] + [f"conv2{i}" for i in range(1, 7)]
                  + [f"conv3{i}" for i in range(1, 7)] + ["ip1"])

# ------------------------------------------------------------------ scales

TRAIN_SCALES = {
    # FitNet width multiplier, CIFAR images (None = all), epochs, lr milestones, batch, seeds
    "paper": dict(width=1.0, train_size=None, test_size=None, epochs=230, milestones=(100, 150, 200), batch=128,
                  seeds=(0,)),
    "fast": dict(width=1.0, train_size=None, test_size=None, epochs=30, milestones=(13, 20, 26), batch=128,
                 seeds=(0,)),
    # smoke trains nothing out of chance (Tables 2-5, Figures 2-3 say n/c) and declares none of their claims: a
    # probe at 2,000 images, 4 epochs, batch 32 (252 steps; Table 3's 23 cells -- the paper's two '-' cells are not
    # run -- under seeds 1 and 2: 46 cells in 7 min of the 2-core machine) left only tanh above chance (LSUV 17.0 %), every ReLU, VLReLU and maxout net under every init at
    # n/c: FitNet-4 at width x0.125 with its dropout layers needs far more steps than CI can give 50 cells.
    # Table 4's FitResNet-4 probed for "LSUV is the only init that converges with every non-linearity except
    # sigmoid" (Dec 2026, 2,000 images, batch 32, seeds 1-2): the other inits' half shows (maxout diverges under
    # OrthoNorm, Xavier and MSRA on both seeds, VLReLU under MSRA, in the first epoch), LSUV's does not: after 6
    # epochs (378 steps) LSUV's ReLU net is at 12.2 / 14.8 % training accuracy and maxout at 16.7 / 14.5 % (n/c under
    # 15 %); at width x0.25 (4 epochs) ReLU 10.1 / 15.8 %, VLReLU 15.6 / 14.5 %. 12-36 s a cell: not declared.
    "smoke": dict(width=0.125, train_size=256, test_size=200, epochs=2, milestones=(), batch=32, seeds=(0,)),
}
MNIST_SCALES = {  # RMSProp, 50k iterations of 64 = 53 epochs, lr / 10 every 15k iterations = 16 epochs
    "paper": dict(train_size=None, test_size=None, epochs=53, milestones=(16, 32, 48)),
    "fast": dict(train_size=None, test_size=None, epochs=10, milestones=(3, 6, 9)),
    "smoke": dict(train_size=1000, test_size=500, epochs=3, milestones=()),
}
MEASURE_SCALES = {
    # width, batch (LSUV's and the steps'), Table 10 steps, ImageNet nets in Table 6, Figure 1 steps and gains.
    # Figure 1 plots the update "as a function of the training iteration" and says "the values in the range
    # 0.1% .. 1% lead to convergence, larger to divergence": its iteration range is not in the text, so paper
    # scale follows as many iterations as fast (300; a GPU run), never fewer (FIG1_DEVIATION)
    "paper": dict(width=1.0, batch=128, steps=10, imagenet=True, fig1_steps=300, gains=(0.5, 1.0, 1.41, 2.0, 3.0),
                  seeds=(0,)),
    "fast": dict(width=1.0, batch=128, steps=10, imagenet=True, fig1_steps=300, gains=(0.5, 1.0, 1.41, 2.0, 3.0),
                 seeds=(0,)),
    # smoke's Figure 1 is not declared: at width x0.125 the update level of a scale that learns sits below the
    # paper's 0.1-1 % band (64 iterations, seeds 1-4: ReLU x1.41 0.009-0.025 % with the loss falling 0.5-22 %,
    # VLReLU x1.41 0.025-0.052 % falling 2.5-47 %, tanh x3 0.046-0.076 % falling 32-38 %), so "for smaller, the
    # network can hardly leave the initial state" fails on every seed (at 16 iterations too, seeds 1-4, where on the
    # means over the four seeds only tanh x3 goes against it). The level grows with the width: at
    # x0.5 (16 iterations, seed 1) VLReLU x1.41 and tanh x3 fall in the band and only ReLU x1.41 stays below
    # (0.077 %); those 12 cells took 110 s, more than the smoke can spend on one figure (Dec 2026 probes).
    "smoke": dict(width=0.125, batch=128, steps=3, imagenet=False, fig1_steps=16, gains=(0.5, 1.41, 3.0), seeds=(0,)),
}
IMAGENET_BATCH = {"alexnet": 256, "googlenet": 32}  # the BVLC training batch sizes of CaffeNet and GoogLeNet
T6_ROWS = {"FitNet4": None, "CaffeNet": "alexnet", "GoogLeNet": "googlenet"}
# "negligible in comparison the training time" (5.4) needs CaffeNet's training time on the device that timed its
# LSUV: SGD steps of CaffeNet at BVLC's batch of 256 timed there (the step_seconds job: fp32, eager, as LSUV
# runs; median of T6_TRAIN_STEPS steps after a warm-up one), times BVLC's CaffeNet solver's 450,000 iterations
# (models/bvlc_reference_caffenet/solver.prototxt: max_iter 450000; batch 256 in its train_val.prototxt)
T6_TRAIN_STEPS = 3
T6_TRAINING = "training (BVLC solver, est.)"
CAFFENET_ITERATIONS = 450_000
# "negligible": under 1 % of the training time. The paper gives its own training time nowhere; BVLC's published
# speed for CaffeNet (about 20 s per 20 iterations on a K40 with cuDNN) makes 450,000 iterations about 5 days, of
# which the paper's 3.5 min are 0.05 %: 1 % is about 20 x looser than that ratio, the margin "negligible" leaves.
NEGLIGIBLE = 0.01
OTHER_DEVICE = "other device"  # T6_TRAINING's value when its row's LSUV cell was timed on another machine
T6_COLUMNS = {"OrthoNorm": "orthonorm", "LSUV": "lsuv"}


def cifar_data(scale: str, dataset: str = "cifar10") -> DataSpec:
    s = TRAIN_SCALES[scale]
    return DataSpec(dataset, train_size=s["train_size"], test_size=s["test_size"], augment=True, crop_pad=8,
                    normalize="pixel")


def sgd_spec(scale: str, epochs: int | None = None, milestones: tuple | None = None) -> TrainSpec:
    s = TRAIN_SCALES[scale]
    return TrainSpec(epochs=epochs or s["epochs"], batch_size=s["batch"], lr=0.01, momentum=0.9, weight_decay=5e-4,
                     decay_bias=False, schedule="step", milestones=s["milestones"] if milestones is None else milestones)


def fitnet_cell(scale: str, variant: str, act: str, init: str, bn: str | None = None, dataset: str = "cifar10",
                train: TrainSpec | None = None, seed: int = 0, init_batch: int | None = None) -> Cell:
    model = {"arch": "fitnet", "variant": variant, "act": act, "init": init,
             "width": TRAIN_SCALES[scale]["width"]}
    if bn:
        model["bn"] = bn
    if init_batch:
        model["init_batch"] = init_batch
    label = f"{variant} {act} {init}{' bn-' + bn if bn else ''}{f' lsuv-batch {init_batch}' if init_batch else ''}" \
            f" {dataset} seed={seed}"
    return Cell.make(PAPER, label, model, cifar_data(scale, dataset), train or sgd_spec(scale), seed, scale)


# ------------------------------------------------------------------ accuracy tables (2, 3, 4, 5, 7)

def _seeds(scale: str) -> tuple:
    """The seeds every training cell of `scale` runs under ($SEEDS / --seeds, else the scale's default)."""
    return seeds(TRAIN_SCALES[scale]["seeds"])


def _measure_seeds(scale: str) -> tuple:
    """The seeds of the measurement cells (init, LSUV's batch, the early steps' batches)."""
    return seeds(MEASURE_SCALES[scale]["seeds"])


def table3_layout(scale: str, variant: str = "fitnet4") -> list[tuple[str, str, Cell]]:
    out = []
    for row, init in INITS.items():
        if variant == "fitresnet4" and init == "ortho-msra":
            continue  # not a row of Table 4
        for col, act in ACTS.items():
            if variant == "fitnet4" and (row, col) in T3_SKIPPED:
                continue
            out += [(row, col, fitnet_cell(scale, variant, act, init, seed=s)) for s in _seeds(scale)]
    return out


def table4_layout(scale: str) -> list[tuple[str, str, Cell]]:
    return table3_layout(scale, "fitresnet4")


PLAIN_LSUV_ROW = "LSUV, plain FitNet-4 (Table 3)"  # Table 4's extra row: Table 3's LSUV cells the residual claim reads
RESIDUAL_ACTS = ("maxout", "ReLU", "tanh")


RESIDUAL_READING = (f"Row '{PLAIN_LSUV_ROW}' (not in the paper's Table 4): Table 3's LSUV cells for maxout, ReLU and "
                    "tanh, which 'the residual training improves results for ReLU and maxout, but does not help "
                    "tanh-based network' compares with; read on LSUV's row, the init the paragraph is about (on the "
                    "paper's numbers the best init of each activation gives the same verdict).")


def table4_with_plain_layout(scale: str) -> list[tuple[str, str, Cell]]:
    """Table 4's cells and, for its sentence "the residual training improves results for ReLU and maxout, but does
    not help tanh-based network" (a comparison with Table 3), Table 3's LSUV cells of those activations, as the row
    PLAIN_LSUV_ROW (the same cells as Table 3's: trained once for both tables)."""
    return table4_layout(scale) + [(PLAIN_LSUV_ROW, col, fitnet_cell(scale, "fitnet4", ACTS[col], "lsuv", seed=s))
                                   for col in RESIDUAL_ACTS for s in _seeds(scale)]


T5_ACTS = {"TanH": "tanh", "ReLU": "relu", "Maxout": "maxout"}


def table5_layout(scale: str) -> list[tuple[str, str, Cell]]:
    """BN-FitNet4, BN before or after the non-linearity. Section 5.2 compares LSUV "against a batch-normalized
    network, initialized with the standard method" and names no init for Table 5; read as Xavier, the init of the
    next experiment ("BN-FitNet4, initialized with Xavier", Figure 3): T5_INIT_DEVIATION."""
    return [(row, col, fitnet_cell(scale, "fitnet4", act, "xavier-caffe", bn=col.lower(), seed=s))
            for row, act in T5_ACTS.items() for col in ("Before", "After") for s in _seeds(scale)]


T7_BATCHES = (2, 16, 32, 128, 1024)


def table7_layout(scale: str) -> list[tuple[str, str, Cell]]:
    return [("Final accuracy", str(b), fitnet_cell(scale, "fitnet4", "tanh", "lsuv", init_batch=b, seed=s))
            for b in T7_BATCHES for s in _seeds(scale)]


def rmsprop_cifar100_spec(scale: str) -> TrainSpec:
    """The † runs: RMSProp, lr 0.0005, decay 0.9, x0.5 at 70k..180k of 190k iterations (batch 128, 50k
    images: 391 iterations per epoch); `fast` and `smoke` scale the schedule to their epochs."""
    paper_epochs, paper_ms = 486, (179, 256, 333, 384, 435, 461)
    epochs = paper_epochs if scale == "paper" else TRAIN_SCALES[scale]["epochs"]
    ms = tuple(sorted({max(1, round(m * epochs / paper_epochs)) for m in paper_ms})) if scale != "smoke" else ()
    s = TRAIN_SCALES[scale]
    return TrainSpec(epochs=epochs, batch_size=s["batch"], lr=0.0005, momentum=0.0, weight_decay=5e-4,
                     decay_bias=False, optimizer="rmsprop", rms_decay=0.9, schedule="step", milestones=ms,
                     lr_gamma=0.5)


def mnist_cell(scale: str, init: str, loss: str, seed: int = 0) -> Cell:
    s = MNIST_SCALES[scale]
    data = DataSpec("mnist", train_size=s["train_size"], test_size=s["test_size"], augment=False, normalize="unit")
    train = TrainSpec(epochs=s["epochs"], batch_size=64, lr=0.002, momentum=0.0, weight_decay=5e-4,
                      optimizer="rmsprop", rms_decay=0.99, schedule="step", milestones=s["milestones"], loss=loss)
    model = {"arch": "fitnet", "variant": "fitnet-mnist", "act": "maxout", "init": init, "in_channels": 1}
    return Cell.make(PAPER, f"fitnet-mnist maxout {init} {loss} seed={seed}", model, data, train, seed, scale)


T2_MNIST = {"FitNet-Ortho": ("orthonorm", "softmax"), "FitNet-LSUV": ("lsuv", "softmax"),
            "FitNet-Ortho-SVM": ("orthonorm", "hinge"), "FitNet-LSUV-SVM": ("lsuv", "hinge")}
T2_CIFAR = {"Fitnet4-LSUV": "lsuv", "Fitnet4-OrthoInit": "orthonorm"}


def table2_layout(scale: str) -> list[tuple[str, str, Cell]]:
    out = []
    for row, init in T2_CIFAR.items():
        for s in _seeds(scale):
            out.append((row, "CIFAR-10", fitnet_cell(scale, "fitnet4", "maxout", init, seed=s)))
            out.append((row, "CIFAR-100", fitnet_cell(scale, "fitnet4", "maxout", init, dataset="cifar100", seed=s)))
            out.append((row, "CIFAR-100 (RMSProp)", fitnet_cell(scale, "fitnet4", "maxout", init, dataset="cifar100",
                                                                train=rmsprop_cifar100_spec(scale), seed=s)))
    for row, (init, loss) in T2_MNIST.items():
        out += [(row, "MNIST error", mnist_cell(scale, init, loss, seed=s)) for s in _seeds(scale)]
    return out


def _describe(cell: Cell, r: dict) -> str:
    m = cell.model_kwargs
    lsuv = r.get("init", {}).get("lsuv")
    trials = f", LSUV trials {min(l['trials'] for l in lsuv)}-{max(l['trials'] for l in lsuv)}" if lsuv else ""
    return f"{m['variant']} w{m.get('width', 1.0)}, {r.get('epochs_run')} ep, {training_outcome(r)}{trials}"


def accuracy_values(layout, error: bool = False):
    """values(pairs): final test accuracy in % (or, when `error`, the error 100 - accuracy in the MNIST
    column), 'n/c' if not converged."""
    transform = (lambda col, v: 100 - v if col == "MNIST error" else v) if error else None
    return shared_accuracy_values(layout, _describe, "n/c", transform)


def table2_values(pairs):
    """Accuracies / MNIST errors, plus the 'layers' (conv layers) and 'params' columns of the own MNIST rows,
    counted on the network the cells train."""
    import torch.nn as nn

    from models import build_model, count_parameters

    out = accuracy_values(table2_layout, error=True)(pairs)
    done = {row for row, col, _, _ in layout_records(table2_layout, pairs) if col == "MNIST error"}
    if done:
        m = build_model("fitnet", variant="fitnet-mnist", act="maxout", in_channels=1)
        convs = sum(isinstance(x, nn.Conv2d) for x in m.modules()) // 2  # two maxout pieces per conv layer
        for row in done:
            out.append(Value(row, "layers", [convs], unit="layers", evidence="conv layers (maxout pieces count once)"))
            out.append(Value(row, "params", [count_parameters(m)], unit="params",
                             evidence="weights + biases of FitNet-MNIST maxout as the authors' Caffe model"))
    return out


def _lsuv_converges_all_but_sigmoid(rows_other: list[str]):
    """LSUV converges with every non-linearity except sigmoid, and none of `rows_other` (the other inits) does."""
    def check(means: dict):
        lsuv = {c: means.get(("LSUV", c)) for c in ACTS}
        if any(v is None for v in lsuv.values()):
            return None, "LSUV row incomplete"
        ok = all(converges(lsuv[c]) for c in ACTS if c != "Sigmoid")
        detail = "LSUV: " + ", ".join(f"{c} {v if isinstance(v, str) else f'{v:.2f}'}" for c, v in lsuv.items())
        for row in rows_other:
            vals = [means.get((row, c)) for c in ACTS if c != "Sigmoid"]
            if any(v is None for v in vals):
                return None, f"{row} row incomplete"
            if all(converges(v) for v in vals):
                ok = False
                detail += f"; {row} also converges with all of them"
        return ok, detail
    return check


ABSTRACT_ACTS = ("maxout", "ReLU", "VLReLU", "tanh")  # the abstract's "(maxout, ReLU-family, tanh)"


def _lsuv_learns_with_tested_acts(means: dict):
    """'Experiment with different activation functions (maxout, ReLU-family, tanh) show that the proposed
    initialization leads to learning of very deep nets' (abstract; the experiments of section 5.1, Table 3): LSUV's
    FitNet-4 converges (every seed) with maxout, ReLU, VLReLU and tanh. No sentence of the paper says of Table 3
    'LSUV converges with every non-linearity except sigmoid': its 'except, again, sigmoid' is Table 4's 'only' claim
    (section 5.1, FitResNet-4), and sigmoid's failure is Table 3's separate 'All the methods failed to train
    sigmoid-based very deep network'. The sentence's '(i) produces networks with test accuracy better or equal to
    standard methods and (ii) is at least as fast as ... FitNets and Highway' is not this check."""
    lsuv = {c: means.get(("LSUV", c)) for c in ABSTRACT_ACTS}
    if any(v is None for v in lsuv.values()):
        return None, "LSUV row incomplete: " + ", ".join(c for c, v in lsuv.items() if v is None)
    bad = [c for c, v in lsuv.items() if not converges(v)]
    return not bad, "LSUV: " + ", ".join(f"{c} {_fmt(v)}" for c, v in lsuv.items()) + \
        f"; not converged: {', '.join(bad) or 'none'}"


T3_TANH_ROWS = [r for r in INITS if (r, "tanh") not in T3_SKIPPED]  # the inits Table 3 ran with tanh


def _lsuv_worst_on_tanh(means: dict):
    """'We have selected tanh activation as one, where LSUV initialization shows the worst performance' (appendix
    A.1, of Table 3, where LSUV's 89.28 is below OrthoNorm's 89.48, MSRA's 89.54 and Xavier's 89.82): LSUV's tanh
    accuracy strictly below every other init's that ran tanh (T3_TANH_ROWS; OrthoNorm-MSRA scaled was not tested).
    Over seeds the other inits, which the sentence says are ahead, count only if every seed converged (rank), LSUV
    at the mean of its converged seeds (converged_seeds_mean): the worst case for the sentence. An init where both
    are n/c at that worst case (LSUV never converged, it failed on some seed) is undecided; a failing init fails the
    claim whatever the undecided ones."""
    vals = {r: means.get((r, "tanh")) for r in T3_TANH_ROWS}
    missing = [r for r, v in vals.items() if v is None]
    if missing:
        return None, f"tanh: {', '.join(missing)} missing"
    lsuv = converged_seeds_mean(vals["LSUV"])
    parts, outcomes = [], []
    for r in [x for x in T3_TANH_ROWS if x != "LSUV"]:
        other = rank(vals[r])
        if lsuv is None and other == -math.inf:
            outcomes.append(None)
            parts.append(f"{r} {_fmt(vals[r])} (both n/c: undecided)")
            continue
        outcomes.append(lsuv is None or other > lsuv)
        parts.append(f"{r} {_fmt(vals[r])}" + ("" if outcomes[-1] else " ✗"))
    return all_hold(outcomes), f"tanh: LSUV {_fmt(vals['LSUV'])} vs " + ", ".join(parts) + \
        " (pass: every other init above LSUV)"


def _residual_helps_relu_maxout_not_tanh(means: dict):
    """'It is worth nothing that the residual training improves results for ReLU and maxout, but does not help
    tanh-based network' (section 5.1, Table 4 against Table 3), on LSUV's row, the init the paragraph is about (the
    only one that converges with every non-linearity): LSUV's FitResNet-4 accuracy above its plain FitNet-4's for
    maxout and ReLU, and not above it for tanh (the paper: 93.94 -> 94.16, 92.11 -> 92.82, 89.28 -> 89.17). Over
    several seeds the side the sentence says is ahead (the residual net for maxout and ReLU, the plain net for tanh)
    needs every seed converged, the other counts at the mean of its converged seeds; an activation where both are
    n/c at that worst case (the side ahead failed on some seed, the other on every seed) is undecided, one
    undecided activation leaves the claim n/a unless another fails it."""
    parts, ok, undecided = [], True, []
    for col in RESIDUAL_ACTS:
        res, plain = means.get(("LSUV", col)), means.get((PLAIN_LSUV_ROW, col))
        if res is None or plain is None:
            undecided.append(f"{col}: not run")
            continue
        ahead, behind = (res, plain) if col != "tanh" else (plain, res)
        other = converged_seeds_mean(behind)
        if not converges(ahead) and other is None:  # both n/c at the worst case compared (as in Table 3's claims)
            undecided.append(f"{col}: neither converged")
            continue
        lead = worst_case_lead(ahead, behind)
        holds = lead > 0 if col != "tanh" else lead >= 0
        ok &= holds
        parts.append(f"{col}: residual {_fmt(res)} vs plain {_fmt(plain)}" + ("" if holds else " ✗"))
    if undecided and ok:
        return None, "; ".join(parts + undecided)
    return ok, "; ".join(parts + undecided) + " (pass: residual above plain for maxout and ReLU, not above for tanh)"


def _sigmoid_fails(rows):
    def check(means: dict):
        vals = {r: means.get((r, "Sigmoid")) for r in rows}
        if any(v is None for v in vals.values()):
            return None, "Sigmoid column incomplete"
        bad = [r for r, v in vals.items() if converges(v)]
        return not bad, "converged: " + (", ".join(bad) if bad else "none")
    return check


ORTHO_ROWS = ("LSUV", "OrthoNorm", "OrthoNorm-MSRA scaled")
ORTHO_ACTS = ("maxout", "ReLU", "VLReLU")  # the activations where section 5.1 has orthonormal inits ahead
GAUSS_ROWS = ("Xavier", "MSRA")


def _ortho_beats_gaussian(means: dict):
    """Best orthonormal-based init > best scaled-Gaussian init for maxout, ReLU, VLReLU; not for tanh. Over seeds,
    the side the sentence says wins counts as converged only if every seed did (rank), the other side at the mean
    of its seeds that converged (_other_init_accuracy): the worst case for the sentence, either way. An activation
    where both sides are n/c at that worst case (no Gaussian init converged on any seed, each orthonormal one
    failed on some seed: no seed has a converged init against a failed one of the other family) is undecided (runs
    at chance say nothing about which init is superior, as in Figure 2's and Table 4's checks); a failing
    activation fails the claim whatever the undecided ones."""
    parts, outcomes = [], []
    for col in (*ORTHO_ACTS, "tanh"):
        rows = [r for r in ORTHO_ROWS + GAUSS_ROWS if (r, col) not in T3_SKIPPED]
        missing = [r for r in rows if means.get((r, col)) is None]
        if missing:
            return None, f"{col}: {', '.join(missing)} missing"
        winner, other = (rank, _other_init_accuracy) if col != "tanh" else (_other_init_accuracy, rank)
        o = max(winner(means.get((r, col))) for r in ORTHO_ROWS)
        g = max(other(means.get((r, col))) for r in GAUSS_ROWS)
        if o == g == -math.inf:
            outcomes.append(None)
            parts.append(f"{col}: n/c on both sides (undecided)")
            continue
        wins = o > g
        outcomes.append(wins if col != "tanh" else not wins)
        parts.append(f"{col}: ortho-based {o:.2f} vs Gaussian {g:.2f}" + ("" if outcomes[-1] else " ✗"))
    return all_hold(outcomes), "; ".join(parts).replace("-inf", "n/c")


def _lsuv_beats_orthonorm(means: dict):
    """Section 5.1, after "Performance of orthonormal-based methods is superior to the scaled Gaussian-noise
    approaches for all tested types of activation functions, except tanh": "Proposed LSUV strategy outperforms
    orthonormal initialization by smaller margin, but still consistently (see Table 3)". Read over the activations
    that sentence's superiority covers (maxout, ReLU, VLReLU; the paper's own tanh row, 89.28 vs 89.48, would fail
    an every-activation reading, and nothing trains sigmoid): in each, LSUV's accuracy above OrthoNorm's, by a margin
    smaller than the orthonormal inits' (OrthoNorm, OrthoNorm-MSRA scaled) margin over the best scaled-Gaussian one
    (Xavier, MSRA). The paper's numbers: 0.16 vs 2.03 (maxout), 0.37 vs 1.02 (ReLU), 0.57 vs 0.66 (VLReLU). Over
    seeds each value is taken at the worst case for the sentence: LSUV, OrthoNorm and the other orthonormal inits
    count only if every seed converged (rank), the Gaussian inits at the mean of their converged seeds. LSUV ahead
    of an OrthoNorm that did not converge (on a seed) is no 'smaller margin' (fail); Gaussian inits that never
    converged leave the orthonormal margin unbounded. An activation where LSUV and OrthoNorm are both n/c at that
    worst case (each failed on some seed) is undecided, as in _ortho_beats_gaussian; a failing activation fails the
    claim whatever those."""
    parts, outcomes = [], []
    others = [r for r in ORTHO_ROWS if r != "LSUV"]
    for col in ORTHO_ACTS:
        rows = [r for r in ("LSUV", *others, *GAUSS_ROWS) if (r, col) not in T3_SKIPPED]
        missing = [r for r in rows if means.get((r, col)) is None]
        if missing:
            return None, f"{col}: {', '.join(missing)} missing"
        lsuv, ortho = rank(means[("LSUV", col)]), rank(means[("OrthoNorm", col)])
        family = max(rank(means[(r, col)]) for r in others if r in rows)
        gauss = max(_other_init_accuracy(means[(r, col)]) for r in GAUSS_ROWS)
        pair = f"{col}: LSUV {_fmt(means[('LSUV', col)])} vs OrthoNorm {_fmt(means[('OrthoNorm', col)])}"
        if lsuv == ortho == -math.inf:
            outcomes.append(None)
            parts.append(f"{pair}: both n/c (undecided)")
            continue
        if lsuv == -math.inf or ortho == -math.inf:
            outcomes.append(False)
            parts.append(f"{pair}: no margin to compare ✗")
            continue
        margin = lsuv - ortho
        ortho_margin = family - gauss if family > -math.inf else -math.inf
        outcomes.append(0 < margin < ortho_margin)
        other = "unbounded (no Gaussian init converged)" if ortho_margin == math.inf else f"{ortho_margin:+.2f}"
        parts.append(f"{col}: LSUV - OrthoNorm {margin:+.2f} vs orthonormal - Gaussian {other}"
                     f"{'' if outcomes[-1] else ' ✗'}")
    return all_hold(outcomes), "; ".join(parts).replace("-inf", "n/c") + " (pass: every margin of LSUV over " \
        "OrthoNorm positive and smaller than the orthonormal inits' over the best Gaussian one)"


def _bn_after_better(means: dict):
    wins, parts = 0, []
    for row in T5_ACTS:
        b, a = means.get((row, "Before")), means.get((row, "After"))
        if b is None or a is None:
            return None, f"{row} incomplete"
        wins += rank(a) > rank(b)
        parts.append(f"{row}: before {b if isinstance(b, str) else f'{b:.2f}'}, after "
                     f"{a if isinstance(a, str) else f'{a:.2f}'}")
    return wins >= 2, f"after wins {wins} of 3 ({'; '.join(parts)})"


def _batch_size_negligible(means: dict):
    """No difference between LSUV batch sizes 16..1024 (within 1 pp); batch 2 may differ."""
    vals = [means.get(("Final accuracy", str(b))) for b in T7_BATCHES[1:]]
    if any(v is None for v in vals):
        return None, "incomplete"
    if not all(converges(v) for v in vals):
        return False, "some runs did not converge: " + ", ".join(map(str, vals))
    spread = max(vals) - min(vals)
    return spread <= 1.0, f"spread over batch 16..1024: {spread:.2f} pp"


def _fmt(v) -> str:
    return v if isinstance(v, str) else f"{v:.2f}"


T2_CIFAR_COLUMNS = ("CIFAR-10", "CIFAR-100", "CIFAR-100 (RMSProp)")


def _lsuv_matches_ortho(means: dict):
    """'The results of LSUV are virtually identical to the orthonormal initialization' (section 4.2, every CIFAR
    column of Table 2): |LSUV - OrthoInit| <= 0.5 pp in each (the paper's largest gap: 0.40 on CIFAR-100)."""
    parts, ok = [], True
    for col in T2_CIFAR_COLUMNS:
        a, b = means.get(("Fitnet4-LSUV", col)), means.get(("Fitnet4-OrthoInit", col))
        if a is None or b is None:
            return None, f"{col} incomplete"
        ok &= converges(a) and converges(b) and abs(a - b) <= 0.5
        parts.append(f"{col}: LSUV {_fmt(a)} vs OrthoInit {_fmt(b)}")
    return ok, "; ".join(parts) + " (need |diff| <= 0.5 pp in each)"


def _beat_hints(means: dict):
    """'LSUV and orthonormal initialized nets outperformed Hints-trained Fitnets' (section 4.2): on CIFAR-10 and
    CIFAR-100 (Hints' numbers cited from Romero et al. 2015)."""
    parts, ok = [], True
    for col in ("CIFAR-10", "CIFAR-100"):
        hints = cited(PAPER, "2")[("Fitnet4-Hints", col)]
        a, b = means.get(("Fitnet4-LSUV", col)), means.get(("Fitnet4-OrthoInit", col))
        if a is None or b is None:
            return None, f"{col} incomplete"
        ok &= rank(a) > hints and rank(b) > hints
        parts.append(f"{col}: LSUV {_fmt(a)}, OrthoInit {_fmt(b)} vs Hints {hints}")
    return ok, "; ".join(parts)


T2_OWN_CIFAR_ROWS = ("Fitnet4-LSUV", "Fitnet4-OrthoInit")  # the nets 'outperformed Hints-trained Fitnets'


def _gain_ratios_of_the_paper() -> dict:
    """{row: CIFAR-100 gain / CIFAR-10 gain} over the cited Fitnet4-Hints row, on Table 2's published numbers."""
    pub, hints = published_values(PAPER, "2"), cited(PAPER, "2")
    return {row: (pub[(row, "CIFAR-100")] - hints[("Fitnet4-Hints", "CIFAR-100")])
            / (pub[(row, "CIFAR-10")] - hints[("Fitnet4-Hints", "CIFAR-10")]) for row in T2_OWN_CIFAR_ROWS}


# "much larger" (the CIFAR-100 gain sentence): at least MUCH_LARGER_GAIN x the CIFAR-10 gain. The paper gives no
# number for it; as the NG module reads its paper's "much greater" (ng_protocol.MUCH), the smallest ratio among the
# pairs the paper itself calls much larger, rounded down to one decimal: LSUV's (70.04 - 64.96) / (93.94 - 91.61)
# = 2.18 (OrthoInit's 2.53) -> 2.1, read off the CSV, not typed. Table 10's MUCH = 10 is not reused: it is "much
# more stable" of a variance spread across layers that spans orders of magnitude, not of two accuracy gains in pp.
MUCH_LARGER_GAIN = math.floor(10 * min(_gain_ratios_of_the_paper().values())) / 10


def _cifar100_gain_much_larger(means: dict):
    """'The gain on the fine-grained CIFAR-100 is much larger than on CIFAR-10' (section 4.2, right after 'LSUV and
    orthonormal initialized nets outperformed Hints-trained Fitnets', whose gain it is): for Fitnet4-LSUV and
    Fitnet4-OrthoInit each, the gain in pp over the cited Fitnet4-Hints row on CIFAR-100 is positive and at least
    MUCH_LARGER_GAIN x the gain on CIFAR-10 (the paper: +5.08 vs +2.33 for LSUV, +5.48 vs +2.17 for OrthoInit; the
    SGD columns, as Hints' row has no RMSProp one). A CIFAR-10 gain at or below zero is exceeded by any positive
    CIFAR-100 gain. Over seeds the CIFAR-100 side, which the sentence says is larger, counts only if every seed
    converged (rank), the CIFAR-10 side at the mean of its converged seeds (converged_seeds_mean): the worst case for
    the sentence. A row where both are n/c at that worst case is undecided; a failing row fails the claim."""
    hints = cited(PAPER, "2")
    parts, outcomes = [], []
    for row in T2_OWN_CIFAR_ROWS:
        c10, c100 = means.get((row, "CIFAR-10")), means.get((row, "CIFAR-100"))
        if c10 is None or c100 is None:
            outcomes.append(None)
            parts.append(f"{row}: runs missing")
            continue
        best10 = converged_seeds_mean(c10)
        gain10 = None if best10 is None else best10 - hints[("Fitnet4-Hints", "CIFAR-10")]
        if not converges(c100) and gain10 is None:
            outcomes.append(None)
            parts.append(f"{row}: CIFAR-10 {_fmt(c10)}, CIFAR-100 {_fmt(c100)}: neither converged (undecided)")
            continue
        gain100 = rank(c100) - hints[("Fitnet4-Hints", "CIFAR-100")]
        holds = converges(c100) and gain100 > 0 and (gain10 is None or gain100 >= MUCH_LARGER_GAIN * gain10)
        outcomes.append(holds)
        parts.append(f"{row}: gain over Hints CIFAR-100 {gain100:+.2f} vs CIFAR-10 "
                     + ("n/c" if gain10 is None else f"{gain10:+.2f}") + ("" if holds else " ✗"))
    return all_hold(outcomes), "; ".join(parts).replace("-inf", "n/c") + \
        f" (pp; pass: CIFAR-100 gain positive and at least {MUCH_LARGER_GAIN:g}x the CIFAR-10 gain)"


# The cited rows of 'FitNets' and 'Highway' that the conclusions' sentence is read against: Table 2's left block
# (Fitnet4-Hints, Fitnet4-Highway) and the MNIST block's 'FitNet-like networks' group (FitNet-Hints, HighWay-16).
# HighWay-32 (0.45 %, 151K parameters) sits in the 'State-of-art-networks' group, against which the paper claims
# no win (FitNet-LSUV's 0.48 is above it).
FITNETS_HIGHWAY = {"CIFAR-10": ("Fitnet4-LSUV", ("Fitnet4-Hints", "Fitnet4-Highway")),
                   "CIFAR-100": ("Fitnet4-LSUV", ("Fitnet4-Hints", "Fitnet4-Highway")),
                   "MNIST error": ("FitNet-LSUV", ("FitNet-Hints", "HighWay-16"))}


def _outperforms_fitnets_and_highway(means: dict):
    """'The LSUV initialization ... leads to (near) state-of-the-art results on MNIST, CIFAR, ImageNet datasets,
    outperforming the sophisticated systems designed specifically for very deep nets such as FitNets(Romero et al.
    (2015)) and Highway(Srivastava et al. (2015))' (section 6): LSUV's result above every cited FitNets and Highway
    row of Table 2 in its column (FITNETS_HIGHWAY): CIFAR-10 accuracy above 91.61 and 92.46, CIFAR-100 above 64.96
    and 68.09 (the SGD column, like for like; the paper: 93.94, 70.04), softmax FitNet-MNIST error below 0.51 and
    0.57 (the paper: 0.48). ImageNet has no FitNets or Highway result. The sentence's "(near) state-of-the-art"
    is not checked (no threshold for "near"; the claim text marks it). A run that did not converge (on any seed)
    outperforms nothing (the cited numbers are fixed); a missing run leaves the claim n/a unless another column
    fails it."""
    parts, outcomes = [], []
    for col, (row, rivals) in FITNETS_HIGHWAY.items():
        v = means.get((row, col))
        if v is None:
            outcomes.append(None)
            parts.append(f"{col}: {row} missing")
            continue
        ref = {r: cited(PAPER, "2")[(r, col)] for r in rivals}
        error = col == "MNIST error"
        outcomes.append(converges(v) and all((v < x) if error else (v > x) for x in ref.values()))
        parts.append(f"{col}: {row} {_fmt(v)} vs " + ", ".join(f"{r} {x:g}" for r, x in ref.items())
                     + ("" if outcomes[-1] else " ✗"))
    return all_hold(outcomes), "; ".join(parts) + " (pass: accuracies above, the MNIST error below, every cited row)"


def _svm_improves(means: dict):
    """'Since the widely cited DSN error rate of 0.39%, the state-of-the-art (until recently) was obtained after
    replacing the softmax classifier with SVM, we do the same and also observe improved results (line
    FitNet-LSUV-SVM in Table 2)' (section 4.1): as DSN improved on its softmax by the SVM, the LSUV net with the SVM
    (hinge) output has a lower MNIST error than with softmax. The sentence names the LSUV line only; the Ortho-SVM
    row is shown, not compared. A run that did not converge ('n/c') is the worst error; n/a when neither did."""
    soft, svm = means.get(("FitNet-LSUV", "MNIST error")), means.get(("FitNet-LSUV-SVM", "MNIST error"))
    if soft is None or svm is None:
        return None, "incomplete"
    detail = f"LSUV: softmax {_fmt(soft)}, SVM {_fmt(svm)} (MNIST error, %)"
    if not converges(svm):
        return (None if not converges(soft) else False), detail
    return (not converges(soft) or svm < soft), detail  # errors: lower is better


def _lsuv_beats_ortho_mnist(means: dict):
    """'LSUV outperforms orthonormal initialization' (section 4.1, MNIST): LSUV's error is at most OrthoInit's with
    softmax and with SVM, and lower in at least one (the paper: 0.48 = 0.48, 0.38 < 0.43)."""
    parts, le, lt = [], True, False
    for suffix in ("", "-SVM"):
        l, o = means.get((f"FitNet-LSUV{suffix}", "MNIST error")), means.get((f"FitNet-Ortho{suffix}", "MNIST error"))
        if l is None or o is None:
            return None, "incomplete"
        if not (converges(l) and converges(o)):
            return False, f"LSUV{suffix} {l} vs Ortho{suffix} {o}"
        le &= l <= o
        lt |= l < o
        parts.append(f"LSUV{suffix} {l:.2f} vs Ortho{suffix} {o:.2f}")
    return le and lt, "; ".join(parts) + " (need <= in both, < in one)"


def _beat_hints_mnist(means: dict):
    """'both LSUV and orthonormal outperform Hints initialization' (section 4.1): softmax FitNet-LSUV and
    FitNet-Ortho errors below FitNet-Hints' (cited from Romero et al. 2015)."""
    hints = cited(PAPER, "2")[("FitNet-Hints", "MNIST error")]
    l, o = means.get(("FitNet-LSUV", "MNIST error")), means.get(("FitNet-Ortho", "MNIST error"))
    if l is None or o is None:
        return None, "incomplete"
    ok = converges(l) and converges(o) and l < hints and o < hints
    return ok, f"LSUV {_fmt(l)}, Ortho {_fmt(o)} vs Hints {hints} (errors, %)"


# ------------------------------------------------------------------ measurement tables (6, 8, 9, 10)

def measure_data(scale: str) -> DataSpec:
    return cifar_data(scale)


def _measure_train(scale: str, steps: int = 0) -> TrainSpec:
    s = MEASURE_SCALES[scale]
    return TrainSpec(epochs=1, batch_size=s["batch"], lr=0.01, momentum=0.9, weight_decay=5e-4, max_steps=steps)


def init_cell(scale: str, act: str, init: str, job: str = "init_stats", steps: int = 0, gain: float = 1.0,
              arch: str = "fitnet", seed: int = 0, batch: int | None = None, lr: float | None = None) -> Cell:
    """A measurement cell (`job`, reproduce.measure) of FitNet-4 with activation `act`, or of ImageNet network
    `arch`, under `init`; `batch` the training batch of its steps (default the scale's), `lr` their learning
    rate (default the training protocol's 0.01; 0: every step reads the initial weights)."""
    s = MEASURE_SCALES[scale]
    if arch == "fitnet":
        model = {"arch": "fitnet", "variant": "fitnet4", "act": act, "init": init, "width": s["width"]}
        name = f"fitnet4 {act}"
    else:
        model = {"arch": "imagenet", "name": arch, "init": init, "num_classes": 1000,
                 "init_batch": IMAGENET_BATCH[arch]}
        name = arch
    if gain != 1.0:
        model["init_gain"] = gain
    label = f"{name} {init}{f' x{gain}' if gain != 1.0 else ''} {job}{f' seed={seed}' if seed else ''}"
    train = _measure_train(scale, steps)
    if batch is not None:
        train = dataclasses.replace(train, batch_size=batch)
    if lr is not None:
        train = dataclasses.replace(train, lr=lr)
    return Cell.make(PAPER, label, model, measure_data(scale), train, seed, scale, job=job)


T8_COLUMNS = {"LSUV": "lsuv", "OrthoNorm": "orthonorm", "MSRA": "msra", "Xavier": "xavier-caffe"}
T9_COLUMNS = {"TanH": "tanh", "ReLU": "relu", "VReLU": "vlrelu", "Maxout": "maxout"}
T10_COLUMNS = {"LSUV": "lsuv", "MSRA": "msra", "OrthoInit": "orthonorm", "Xavier": "xavier-caffe"}


def table8_layout(scale: str):
    return [("*", col, init_cell(scale, "relu", init, seed=s)) for col, init in T8_COLUMNS.items()
            for s in _measure_seeds(scale)]


def table9_layout(scale: str):
    return [("*", col, init_cell(scale, act, "lsuv", seed=s)) for col, act in T9_COLUMNS.items()
            for s in _measure_seeds(scale)]


# Table 10 reads the gradients at the initial weights: its caption says "Variance of the initial gradients per
# layer" and the text (appendix A.3) "we measure the average variance of the gradient at all layers after 10
# mini-batches": 10 mini-batches through the initialized net, no update between them (lr 0), and the variance
# averaged over them. Read instead as the first 10 steps of training (lr 0.01, the reading until Dec 2026), the
# nets that learn move within those steps: LSUV's and MSRA's conv11 variance fell 9x and 19x from step 1 to step
# 10 (paper scale, seed 0), so their averages were 0.14-0.73 of the published values in conv11-conv33, where
# step 1's were 0.45-1.29 (Xavier and OrthoInit, which barely move, the same either way).
T10_LR = 0.0


def table10_layout(scale: str):
    steps = MEASURE_SCALES[scale]["steps"]
    return [("*", col, init_cell(scale, "relu", init, job="early_training", steps=steps, seed=s, lr=T10_LR))
            for col, init in T10_COLUMNS.items() for s in _measure_seeds(scale)]


def table6_layout(scale: str):
    out = []
    for row, net in T6_ROWS.items():
        if net and not MEASURE_SCALES[scale]["imagenet"]:
            continue
        for col, init in T6_COLUMNS.items():
            out += [(row, col, init_cell(scale, "maxout", init, seed=s) if net is None
                     else init_cell(scale, None, init, arch=net, seed=s)) for s in _measure_seeds(scale)]
        if net == "alexnet":  # its training speed, for "negligible in comparison the training time" (BVLC's own init:
            # the standard CaffeNet training the sentence compares with; an init does not change a step's cost)
            out += [(row, T6_TRAINING, init_cell(scale, None, "bvlc", job="step_seconds", steps=T6_TRAIN_STEPS,
                                                 arch=net, seed=s, batch=IMAGENET_BATCH[net]))
                    for s in _measure_seeds(scale)]
    return out


def per_layer(result: dict, key: str = "weight_std") -> dict[str, float]:
    """{paper layer name: value} from an init_stats record; maxout pieces of a layer pooled into one
    std (or variance) over all the layer's weights. The classifier (ip2) is not in the paper's tables."""
    groups: dict[str, list[dict]] = {}
    for layer in result["layers"]:
        groups.setdefault(FitNet.paper_name(layer["name"]), []).append(layer)
    out = {}
    for name, ls in groups.items():
        n = sum(l["numel"] for l in ls)
        mean = sum(l["numel"] * l["weight_mean"] for l in ls) / n
        second = sum(l["numel"] * (l["weight_var"] + l["weight_mean"] ** 2) for l in ls) / n
        var = second - mean ** 2
        out[name] = math.sqrt(max(var, 0.0)) if key == "weight_std" else var
    return out


def _lsuv_evidence(r: dict) -> str:
    lsuv = (r.get("init") or {}).get("lsuv")
    if not lsuv:
        return ""
    return f"LSUV trials per layer {min(l['trials'] for l in lsuv)}-{max(l['trials'] for l in lsuv)}"


def std_values(layout):
    def values(pairs):
        out = []
        for _, col, cell, r in layout_records(layout, pairs):
            stds = per_layer(r)
            ev = _lsuv_evidence(r)
            out += [Value(layer, col, [stds[layer]], unit="std", evidence=ev) for layer in FITNET4_LAYERS
                    if layer in stds]
        return merge_seeds(out)
    return values


RATIO_ROW = "var(ip1)/var(conv11)"
WEIGHT_GRAD = " Var(dL/dW)"  # suffix of the secondary columns: the weight gradient's variance (not in the paper)
CONV_LAYERS = FITNET4_LAYERS[:-1]


def table10_values(pairs):
    """Per layer and init: the mean over the steps of Var(dL/dy_l), the error back-propagated to layer l's
    output (the paper's reading, reproduce.measure.early_training), and in a secondary column '<init>
    Var(dL/dW)' the weight gradient's variance; plus the published ratio row var(ip1)/var(conv11)."""
    out = []
    for _, col, cell, r in layout_records(table10_layout, pairs):
        if r["status"] != "ok":
            out += [Value(layer, col, ["n/c"], unit="var", evidence=f"{r['status']} after {r['steps_run']} steps")
                    for layer in FITNET4_LAYERS]
            continue
        if "out_grad_var_mean" not in r:  # a record of the code before the output-error reading: not comparable
            continue
        names = [FitNet.paper_name(n) for n in r["layer_names"]]
        var, wvar = dict(zip(names, r["out_grad_var_mean"])), dict(zip(names, r["grad_var_mean"]))
        ev = (f"mean over {r['steps_run']} mini-batches{' at the initial weights' if cell.train.lr == 0 else ''} of "
              "Var(dL/dy), y the layer's output")
        out += [Value(layer, col, [var[layer]], unit="var", evidence=ev) for layer in FITNET4_LAYERS if layer in var]
        out += [Value(layer, col + WEIGHT_GRAD, [wvar[layer]], unit="var",
                      evidence=f"mean over {r['steps_run']} mini-batches of Var(dL/dW)")
                for layer in FITNET4_LAYERS if layer in wvar]
        if var.get("conv11"):
            out.append(Value(RATIO_ROW, col, [var["ip1"] / var["conv11"]], unit="ratio", evidence=ev))
    return merge_seeds(out)


def _conv_variances(means: dict, col: str) -> dict | None:
    """{conv layer: variance} of one column of Table 10, None unless all 17 are measured numbers."""
    v = {layer: means.get((layer, col)) for layer in CONV_LAYERS}
    return v if all(isinstance(x, float) and x > 0 for x in v.values()) else None


# The FAIL at paper scale is a result, not a measurement artifact (checked 2026-12-05, AMD EPYC 2 threads, CPU fp32,
# width x1.0, batch 128, lr 0, 10 mini-batches, 15-72 s a cell). LSUV Var(dL/dy) conv11..conv15 / conv31..conv36:
#   seed 0: 3.06 3.05 2.84 2.22 1.86e-10 / 2.18 2.14 2.43 2.71 2.91 2.99e-9 (conv11-15 below 10^-9.5)
#   seed 1: 5.64 4.93 4.72 3.08 4.14e-10 / 3.96 3.14 3.13 3.17 3.43 3.66e-9 (conv14 below; conv31, 34-36 above)
#   seed 2: 10.2 10.4 12.0 7.81 6.32e-10 / 3.50 2.96 2.93 3.13 3.40 4.13e-9 (conv31, 35, 36 above 10^-8.5)
#   seed 3: 2.69 2.33 2.76 2.08 2.15e-10 / 2.34 2.72 2.23 2.29 2.33 2.14e-9 (conv11-15 below)
# The protocol matches the paper's where it can be checked: Xavier and OrthoInit, whose values scale as 1/batch^2
# and with the reading (dL/dy before the ReLU; dL/dW is ~1e-4 for LSUV), land within -29..+14 % of Table 10 in all
# 18 layers (seed 0). Probes of the deviations left: the authors' GCN input moved conv11-15 by -12..-15 % (seed 0)
# and -1..-11 % (seed 1), their script's Tol_var 0.02 / 20 trials by -4..+4 % (seed 0); the seed moves conv11 4x
# (2.7e-10 .. 1.0e-9), the paper's 4.87e-10 inside. The paper's single run sits 1.5 % (conv14) and 3 % (conv31)
# inside the criterion's band: FAIL in 4 of 4 seeds is a genuine difference under the criterion fixed beforehand.
def _close_to_1e9(means: dict):
    """'The variance is close to 10^-9 for all convolutional layers' (LSUV column). Criterion (fixed before the
    output-error data were seen): every conv layer's variance has 10^-9 as its nearest power of ten,
    10^-9.5 <= v < 10^-8.5 (the paper's own values span 3.21e-10 .. 3.06e-9)."""
    v = _conv_variances(means, "LSUV")
    if v is None:
        return None, "LSUV conv variances missing or not measured"
    far = {layer: x for layer, x in v.items() if round(math.log10(x)) != -9}
    return not far, (f"LSUV conv variances {min(v.values()):.3g} .. {max(v.values()):.3g}; nearest power of ten "
                     f"not 1e-9: {', '.join(f'{k} {x:.3g}' for k, x in far.items()) or 'none'}")


MUCH = 10  # "much more stable": a spread at least an order of magnitude smaller


def _more_stable_except_msra(means: dict):
    """'It is much more stable than for the reference methods, except MSRA.' Stability of a column = the spread
    max/min of its variance over the 17 conv layers (the sentence is about 'all convolutional layers'). Criterion:
    LSUV's spread is at least MUCH (10) times smaller than OrthoInit's and Xavier's, and not MUCH times smaller
    than MSRA's (the exception)."""
    spreads = {}
    for col in T10_COLUMNS:
        v = _conv_variances(means, col)
        if v is None:
            return None, f"{col}: conv variances missing or not measured"
        spreads[col] = max(v.values()) / min(v.values())
    ok = all(spreads[c] >= MUCH * spreads["LSUV"] for c in ("OrthoInit", "Xavier"))
    ok &= spreads["MSRA"] < MUCH * spreads["LSUV"]
    return ok, ("max/min over conv layers: " + ", ".join(f"{c} {x:.3g}" for c, x in spreads.items())
                + f" (need OrthoInit and Xavier >= {MUCH}x LSUV's, MSRA < {MUCH}x)")


def table6_values(pairs):
    """Seconds per (network, init) and, per seed, the LSUV/OrthoNorm ratio; CaffeNet's estimated training hours
    (OTHER_DEVICE when its LSUV cell of the same seed was timed on another machine: cells cached from two)."""
    out, secs, devices, training = [], {}, {}, []
    for row, col, cell, r in layout_records(table6_layout, pairs):
        devices[(row, col, cell.seed)] = r.get("device")
        if col == T6_TRAINING:
            training.append((row, col, cell, r))
            continue
        s = r["init"]["seconds"]
        secs[(row, col, cell.seed)] = s
        ev = f"{r['device']}" + (f"; LSUV batch {r['init']['batch_size']}" if r["init"].get("batch_size") else "")
        out.append(Value(row, col, [s], unit="s", evidence=ev))
    for row, col, cell, r in training:
        ok = r["status"] == "ok" and r.get("step_seconds")
        hours = CAFFENET_ITERATIONS * r["step_seconds"] / 3600 if ok else "n/c"
        lsuv_device = devices.get((row, "LSUV", cell.seed))
        if ok and lsuv_device is not None and lsuv_device != r.get("device"):
            hours = OTHER_DEVICE
        out.append(Value(row, col, [hours], unit="h", evidence=(
            f"{r['device']}; median of {r.get('steps_timed')} SGD steps of batch {r.get('batch_size')} (fp32, "
            f"eager) {r.get('step_seconds') or 0:.2f} s x {CAFFENET_ITERATIONS:,} iterations"
            + (f"; its LSUV init timed on {lsuv_device}" if hours == OTHER_DEVICE else ""))))
    for (row, col, seed), s in secs.items():
        if col == "LSUV" and (row, "OrthoNorm", seed) in secs:
            out.append(Value(row, "LSUV/OrthoNorm", [s / secs[(row, "OrthoNorm", seed)]], unit="ratio",
                             evidence="ratio of the two times on this device (what compares across machines)"))
    return merge_seeds(out)


def _caffenet_slowest(means: dict):
    """'In the slowest case – CaffeNet – LSUV initialization takes ...' (section 5.4): CaffeNet's LSUV time is the
    largest of the three networks'."""
    l = {r: means.get((r, "LSUV")) for r in T6_ROWS}
    if any(v is None for v in l.values()):
        return None, "not all networks timed (the ImageNet networks run at paper and fast scale)"
    return max(l, key=l.get) == "CaffeNet", "LSUV seconds: " + ", ".join(f"{r} {v:.1f}" for r, v in l.items())


def _lsuv_negligible(means: dict):
    """'In the slowest case – CaffeNet – LSUV initialization takes 3.5 minutes, which is negligible in comparison
    the training time' (5.4): CaffeNet's LSUV seconds under NEGLIGIBLE of its training time on the same device,
    estimated from timed SGD steps scaled to BVLC's solver (T6_TRAINING)."""
    lsuv, hours = means.get(("CaffeNet", "LSUV")), means.get(("CaffeNet", T6_TRAINING))
    if lsuv is None or hours is None:
        return None, "CaffeNet not timed (it runs at paper and fast scale)"
    if hours == OTHER_DEVICE:
        return None, "CaffeNet's LSUV init and its training steps were timed on different devices: undecided"
    if isinstance(hours, str):
        return None, f"CaffeNet's training steps gave no time ({hours}): undecided"
    training = hours * 3600
    share = lsuv / training
    return share < NEGLIGIBLE, (f"CaffeNet LSUV init {lsuv:.1f} s = {100 * share:.3g} % of its estimated training "
                                f"time {training / 3600:.1f} h on this device (paper: 3.5 min; pass: under "
                                f"{100 * NEGLIGIBLE:g} %)")


def lsuv_trials_values(layout):
    """Value rows per LSUV column: 'LSUV trials per layer (max)', the most forward passes any layer needed, and
    'LSUV abs(Var - 1) at the last trial (max)', how far from unit variance the worst layer's output was when
    LSUV stopped (Algorithm 1's loop ends at |Var(B_L) - 1| < Tol_var, at T_max, or on a dead or non-finite
    output: the last two leave it unmet; a non-finite variance counts as infinitely far). Both are worst cases,
    so several seeds give their largest (aggregate "max"), not their mean."""
    def values(pairs):
        out = []
        for _, col, cell, r in layout_records(layout, pairs):
            lsuv = (r.get("init") or {}).get("lsuv")
            if lsuv:
                out.append(Value(TRIALS_ROW, col, [max(l["trials"] for l in lsuv)], unit="trials",
                                 evidence=f"T_max {T_MAX}; min {min(l['trials'] for l in lsuv)}", aggregate="max"))
                miss = [abs(l["last_variance"] - 1.0) if math.isfinite(l["last_variance"]) else math.inf
                        for l in lsuv]
                worst = max(range(len(lsuv)), key=miss.__getitem__)
                out.append(Value(REACHED_ROW, col, [miss[worst]], unit="ratio",
                                 evidence=f"Tol_var {TOL_VAR}; worst layer {lsuv[worst]['name']}", aggregate="max"))
        return merge_seeds(out)
    return values


def combine(*fns):
    def values(pairs):
        return [v for f in fns for v in f(pairs)]
    return values


TRIALS_ROW = "LSUV trials per layer (max)"
REACHED_ROW = "LSUV abs(Var - 1) at the last trial (max)"
# Algorithm 1's Tol_var and T_max as the suite runs it: models.init.lsuv_init's defaults
TOL_VAR, T_MAX = (inspect.signature(lsuv_init).parameters[k].default for k in ("tol_var", "t_max"))


def _trials_1_to_5(columns):
    """'The T_max was never reached. The desired variance was achieved in 1-5 iterations' (section 3), in every
    LSUV column of the table: every layer stopped within 1-5 trials (TRIALS_ROW) with its output variance
    within Tol_var of 1 (REACHED_ROW: achieved, not merely stopped -- Algorithm 1 also stops on a dead or
    non-finite output, after one trial)."""
    def check(means: dict):
        vals = {c: means.get((TRIALS_ROW, c)) for c in columns}
        reached = {c: means.get((REACHED_ROW, c)) for c in columns}
        if any(v is None for v in vals.values()) or any(v is None for v in reached.values()):
            return None, "LSUV cells missing: " + ", ".join(c for c in columns
                                                              if vals[c] is None or reached[c] is None)
        def show(v, spec):  # a literal (e.g. 'inf' joined over seeds) as it is
            return format(v, spec) if isinstance(v, (int, float)) else str(v)

        # a value that is no finite number (a non-finite variance on some seed: infinitely far) fails
        ok = (all(isinstance(v, (int, float)) and 1 <= v <= 5 for v in vals.values())
              and all(isinstance(m, (int, float)) and m < TOL_VAR for m in reached.values()))
        return ok, ", ".join(f"{c}: max {show(vals[c], 'g')} trials, worst |Var - 1| {show(reached[c], '.3g')}"
                             for c in columns) + \
            f" (pass: 1-5 trials and |Var - 1| < Tol_var {TOL_VAR:g} in every layer)"
    return check


# ------------------------------------------------------------------ protocol and deviations text

def _train_lines(scale: str) -> list[str]:
    s = TRAIN_SCALES[scale]
    data = "all 50,000 CIFAR training images" if not s["train_size"] else f"{s['train_size']} CIFAR training images"
    return [f"FitNets of LSUV Table 1 (models/fitnet.py; FitNet-4 has 17 convs, 5 + 6 + 6), width x{s['width']}"
            + ("" if s["width"] == 1.0 else " (reduced)") + "; dropout as the authors' Caffe models.",
            f"SGD momentum 0.9, lr 0.01 / 10 at epochs {s['milestones'] or 'none'}, {s['epochs']} epochs, batch "
            f"{s['batch']}, weight decay 5e-4 on weights, none on biases (the authors' Caffe models).",
            f"Data: {data}; per-pixel mean subtracted (inputs in [0, 1]); random shifts of up to 8 pixels "
            "(zero padding) and horizontal mirroring.",
            f"Inits: LSUV (Algorithm 1; Tol_var {TOL_VAR:g} and T_max {T_MAX} are the suite's choices, the paper "
            "gives none; a fresh batch of the training batch size at every trial, network in train mode, i.e. "
            "dropout on, as the authors' script), OrthoNorm (SVD, Saxe et al.), OrthoNorm-MSRA scaled (OrthoNorm x "
            "sqrt(2), the suite's reading), Xavier (Caffe's: uniform, Var = 1/fan_in), MSRA (N(0, 2/fan_in)).",
            f"'n/c' = not converged by the suite's one criterion: diverged, or final-epoch training accuracy "
            f"< {CONVERGENCE_FACTOR} x chance (15% on CIFAR-10). Reported: final test accuracy.",
            f"Seeds: {', '.join(map(str, _seeds(scale)))} (each cell trained once per seed; SEEDS / --seeds)."]


FITNET4_DEVIATION = ("FitNet-4 has 5 + 6 + 6 = 17 convs: Table 1 prints five 80- and five 128-filter convs, but "
                     "Tables 8-10 name conv21..conv26 and conv31..conv36, Table 3's caption says '17 layers', and "
                     "the authors' Caffe models have 17 convs.")
FITRESNET4_DEVIATION = ("FitResNet-4: Table 1 prints 5 convs per stage (32 32 48 48 48 | 80 x 5 | 128 x 5, a sum "
                        "after the 2nd and 4th conv of each); no Caffe model of it was published. Here its later "
                        "stages have 6 convs as FitNet-4's (32 32 48 48 48 | 80 x 6 | 128 x 6, 17 convs), and "
                        "the paper's rule 'the output of each even convolutional layer is summed with the output "
                        "of the previous non-linearity layer' gives a third sum (after conv26 and conv36).")
TOL_VAR_DEVIATION = (f"Tol_var {TOL_VAR:g} and T_max {T_MAX} are the suite's choices, not the paper's: Algorithm 1 "
                     "names both without values, and of Tol_var section 3 says only 'Its value does not noticeably "
                     "influence the performance in a broad range of 0.01 to 0.1' (0.1 is within it). The authors' "
                     "script (LSUVinit, tools/extra/lsuv_init.py) used 0.02 and up to 20 trials.")
# Algorithm 1 forwards "a mini-batch" inside its loop, and section 3 says "Because of data variations, it is often not
# possible to normalize variance with the desired precision": its trials see data variation, as the authors' script,
# whose Caffe net.forward reads the data layer's next batch each time. (Until 2026-12-03 the suite forwarded one
# fixed batch at every trial: with zero biases one rescale then gives unit variance on that batch, 1-2 trials by
# construction.)
LSUV_BATCH_READING = ("LSUV estimates Var(B_L) on a fresh mini-batch at every trial (models.init.lsuv_init, "
                      "reproduce.cell_run.mini_batches: successive batches of permutations of the training images "
                      "seeded by the cell's seed, not augmented): Algorithm 1 has 'do Forward pass with a "
                      "mini-batch' inside its loop, section 3 says 'Because of data variations, it is often not "
                      "possible to normalize variance with the desired precision', and the authors' script (Caffe's "
                      "net.forward) reads the data layer's next batch at each forward pass.")
ORTHO_MSRA_DEVIATION = ("'OrthoNorm-MSRA scaled' (Table 3) is not defined by the paper: read as OrthoNorm x sqrt(2) "
                        "(models.init 'ortho-msra'), after section 2's 'The optimal scaling for ReLU-net is around "
                        "1.4, which is in line with the theoretically derived sqrt(2) by He et al.'.")
T5_INIT_DEVIATION = ("Table 5's init is not stated: section 5.2 compares LSUV 'against a batch-normalized network, "
                     "initialized with the standard method'; read as Xavier (Caffe's), the init the next experiment "
                     "names ('we compare BN-FitNet4, initialized with Xavier and LSUV-initialized FitNet4', Figure 3).")
FIG3_BN_DEVIATION = ("Figure 3's BN-FitNet4: the paper does not say where its BN layers sit; here after every "
                     "non-linearity (the placement Table 5 finds better 'in the most cases').")
FIG3_ACT_DEVIATION = ("Figure 3's non-linearity is not stated ('we compare BN-FitNet4, initialized with Xavier and "
                      "LSUV-initialized FitNet4'): here maxout for all three runs (LSUV, BN, BN-half), FitNet-4's "
                      "non-linearity in Table 1 ('Maxout with 2 linear pieces in convolution layers') and that of "
                      "Table 2's Fitnet4 rows.")
MNIST_RMSPROP_DEVIATION = ("FitNet-MNIST trains with RMSProp (lr 0.002, decay 0.99, batch 64), as the authors' Caffe "
                           "MNIST solver, while Table 2's caption marks only the '†' results (CIFAR-100) as obtained "
                           "with RMSProp: read literally, the unmarked MNIST errors would be SGD's (the paper states "
                           "no MNIST solver). The authors' published solver is followed.")


@functools.lru_cache(maxsize=None)
def _parameter_counts() -> dict:
    """Parameters of the networks the cells train (models.count_parameters), FitNet-4 at full width."""
    from models import build_model, count_parameters
    return {"fitnet-mnist": count_parameters(build_model("fitnet", variant="fitnet-mnist", act="maxout",
                                                         in_channels=1)),
            "fitnet4 maxout": count_parameters(build_model("fitnet", variant="fitnet4", act="maxout")),
            "fitnet4 relu": count_parameters(build_model("fitnet", variant="fitnet4", act="relu"))}


def _table2_deviations() -> list[str]:
    n = _parameter_counts()
    return [f"Parameters (counted on the networks trained, models.count_parameters): FitNet-MNIST maxout "
            f"{n['fitnet-mnist']:,} against the paper's '30K' (Tables 1 and 2; the layout of the authors' Caffe "
            f"model); FitNet-4 {n['fitnet4 maxout']:,} with maxout (the Fitnet4 rows) and {n['fitnet4 relu']:,} "
            "with the other non-linearities, against the paper's '2.5M' and '1.2M' (Table 1, Table 3's caption): "
            "17 convs as the authors' Caffe models (see the FitNet-4 line).",
            MNIST_RMSPROP_DEVIATION]


FIG1_READINGS = [
    "Figure 1's network, data and solver are not in the paper's text: here FitNet-4 on CIFAR-10 (the network of "
    "section 5.1's experiments), SGD with section 4.2's lr 0.01 and momentum 0.9, the authors' Caffe weight decay "
    "5e-4.",
    "Figure 1's scales of the orthonormal init are not in the text either: the grid (x0.5, x1, x1.41, x2, x3 at "
    "paper and fast scale) is the suite's, chosen around section 2's 'around 1.4'.",
    "'lead to convergence' over a few hundred iterations is read as: the loss falls by more than 1% of its first "
    "value (first iteration to the mean of the last quarter), without diverging; 'can hardly leave the initial "
    "state' as: the loss stays within 1% of its first value.",
    "'The optimal scaling for ReLU-net' is read as the ReLU scale whose training loss over the last quarter of "
    "the iterations is lowest (the paper does not say what makes a scale optimal)."]
FIG1_DEVIATION = ("Figure 1's iteration range is not in the paper's text ('Relative magnitude of weight updates as a "
                  "function of the training iteration'): paper and fast scale follow the first 300 iterations.")


def _train_deviations(scale: str) -> list[str]:
    out = [FITNET4_DEVIATION,
           "Input preprocessing: the authors' CIFAR data was globally contrast-normalised (scale undocumented); "
           "here only the per-pixel mean is subtracted.",
           "The paper's MSRA/maxout run that needed a small lr and gradient clipping (n/c†) is not attempted "
           "with those settings: the suite runs every cell with the same protocol."]
    if scale != "paper":
        s = TRAIN_SCALES[scale]
        out.append(f"{scale} scale: {s['epochs']} epochs instead of 230"
                   + (f", {s['train_size']} training images, {s['test_size']} test images, width x{s['width']}, "
                      f"batch {s['batch']}" if s["train_size"] else "") + ": numbers are not comparable to the paper's.")
    return out


def _lsuv_train_deviations(scale: str) -> list[str]:
    """_train_deviations of a target whose runs are LSUV-initialized: plus how LSUV is run."""
    return _train_deviations(scale) + [TOL_VAR_DEVIATION, LSUV_BATCH_READING]


def _measure_lines(scale: str, what: str) -> list[str]:
    s = MEASURE_SCALES[scale]
    return [what,
            f"FitNet-4 (17 convs + ip1), width x{s['width']}; CIFAR-10 batch of {s['batch']} training images "
            "(per-pixel mean subtracted) for LSUV.",
            f"LSUV: Algorithm 1 with the suite's Tol_var {TOL_VAR:g} and T_max {T_MAX} (the paper gives no values), "
            "a fresh batch at every trial, network in train mode (dropout on)."]


def _measure_deviations(scale: str) -> list[str]:
    out = [TOL_VAR_DEVIATION, LSUV_BATCH_READING,
           "Maxout layers: each piece is its own layer (as in the authors' Caffe models) and is normalised "
           "separately; the reported std pools the pieces' weights.",
           "Input scale differs (no global contrast normalisation): it changes conv11's LSUV std, not the others'."]
    if scale != "paper":
        out.append(f"{scale} scale: width x{MEASURE_SCALES[scale]['width']}, batch {MEASURE_SCALES[scale]['batch']}: "
                   "values are not comparable to the paper's.")
    return out


def _table10_deviations(scale: str) -> list[str]:
    return _measure_deviations(scale) + [
        "Reading: the paper's 'variance of the gradient at all layers' is taken as the variance of the error "
        "back-propagated to each layer's output (what Caffe, the authors' framework, keeps as the diff of the "
        "layer's top blob), not of the weight gradient. The paper does not say which gradient, and the authors' "
        "published code (LSUVinit) has no gradient measurement: this reading was chosen because it gives the "
        "published pattern (under Xavier and OrthoInit the values about double per layer towards the output, as "
        "a ReLU halves the error's variance; each 2x2 pool costs about x0.3; ip1 is about equal under all four "
        "inits), i.e. it is a reading fitted to the published numbers, not one the paper settles. The weight "
        "gradient's variance is shown beside it ('<init> Var(dL/dW)', not in the paper).",
        "Reading: 'initial gradients' (the caption) 'after 10 mini-batches' (the text) is taken as the gradients "
        "at the initial weights on 10 mini-batches, averaged, with no update between them; the first 10 steps "
        "of training (lr 0.01) would let LSUV's and MSRA's nets, which learn, move within the 10 steps (their "
        "conv11 variance fell 9x and 19x from step 1 to step 10 at paper scale)."]


# ------------------------------------------------------------------ figures

def figure1_layout(scale: str):
    s = MEASURE_SCALES[scale]
    return [(act, f"x{g}", init_cell(scale, act, "orthonorm", job="early_training", steps=s["fig1_steps"], gain=g,
                                     seed=seed))
            for act in ("relu", "vlrelu", "tanh", "maxout") for g in s["gains"] for seed in _measure_seeds(scale)]


LOSS_CHANGE = " loss change"  # suffixes of Figure 1's second and third column per scale
FINAL_LOSS = " final loss"
DIVERGED = "diverged"
BAND = (0.1, 1.0)  # Figure 1: "The values in the range 0.1% .. 1% lead to convergence"
MOVED = 0.01  # the loss moved: by more than 1% of its first value


def relative_update(result: dict):
    """The per-iteration relative update of Figure 1, in %: the median over the iterations run of the mean over
    the layers of |W_t+1 - W_t| / |W_t| (the plotted curve's level); None when no iteration has a finite one."""
    per_step = [100 * statistics.fmean(finite) for st in result["steps"]
                if (finite := [x for x in st["rel_update"] if math.isfinite(x)])]
    return statistics.median(per_step) if per_step else None


def loss_change(result: dict):
    """'diverged' (a non-finite loss, the suite's divergence rule), else the relative change of the training
    loss from the first iteration to the mean of the last quarter of the iterations: (L_end - L_1) / L_1."""
    end = final_loss(result)
    return end if end == DIVERGED else (end - result["steps"][0]["loss"]) / result["steps"][0]["loss"]


def final_loss(result: dict):
    """'diverged', or the mean training loss over the last quarter of the iterations."""
    losses = [st["loss"] for st in result["steps"]]
    if result["status"] != "ok" or not losses or not all(math.isfinite(x) for x in losses):
        return DIVERGED
    return statistics.fmean(losses[-max(1, len(losses) // 4):])


def figure1_values(pairs):
    """Per (activation, OrthoNorm scale): the relative update level (%) and the loss change (or 'diverged')."""
    out = []
    for act, col, cell, r in layout_records(figure1_layout, pairs):
        u = relative_update(r)
        ev = f"{r['status']} after {r.get('steps_run', len(r['steps']))} iterations"
        out.append(Value(act, col, [u if u is not None else "n/a"], unit="%", evidence=ev))
        out.append(Value(act, col + LOSS_CHANGE, [loss_change(r)], unit="ratio", evidence=ev))
        out.append(Value(act, col + FINAL_LOSS, [final_loss(r)], unit="loss", evidence=ev))
    return merge_seeds(out)


def _band_outcome(u, change) -> tuple[str, bool]:
    """(band of the update level u, whether the run's outcome is the one Figure 1's sentence gives that band)."""
    if u > BAND[1]:  # divergence: a non-finite loss, or a finite one that rose by more than MOVED
        return "larger", change == DIVERGED or (not isinstance(change, str) and change > MOVED)
    if u >= BAND[0]:
        return "0.1%..1%", not isinstance(change, str) and change < -MOVED
    return "smaller", not isinstance(change, str) and abs(change) <= MOVED


def _figure1_bands(means: dict):
    """'The values in the range 0.1% .. 1% lead to convergence, larger to divergence, for smaller, the network can
    hardly leave the initial state' (Figure 1). Every (activation, scale) run is placed by its update level u
    (median over the iterations of the mean over layers of |dW|/|W|): u > 1% must diverge (a non-finite loss, or a
    loss that rose by more than 1% of its first value: a net moving away from where it started);
    0.1% <= u <= 1% must not diverge and its loss must fall by more than 1% (the few iterations' sign of
    convergence); u < 0.1% must not diverge and its loss must stay within 1% of its first value (the network
    hardly leaves its initial state). Each of the three bands must be reached by some run (else n/a)."""
    runs = {k: v for k, v in means.items() if not k[1].endswith((LOSS_CHANGE, FINAL_LOSS))}
    if not runs:
        return None, "no runs"
    seen, wrong = set(), []
    for (act, col), u in sorted(runs.items()):
        change = means.get((act, col + LOSS_CHANGE))
        if change is None or isinstance(u, str):
            continue  # an update level not measured (diverged in the first iteration): not placed in a band
        band, ok = _band_outcome(u, change)
        seen.add(band)
        if not ok:
            wrong.append(f"{act} {col}: update {u:.3g}% ({band}), loss "
                         f"{change if isinstance(change, str) else f'{100 * change:+.1f}%'}")
    missing = [b for b in ("smaller", "0.1%..1%", "larger") if b not in seen]
    detail = f"{len(runs)} runs; against the sentence: {'; '.join(wrong) or 'none'}"
    if wrong:
        return False, detail
    if missing:
        return None, detail + f"; band(s) no run reached: {', '.join(missing)}"
    return True, detail


def _relu_optimum_near_1_4(means: dict):
    """'The optimal scaling for ReLU-net is around 1.4' (section 2, on Figure 1): of the ReLU scales tried, the one
    with the lowest final training loss (mean of the last quarter of the iterations; a diverged run is worst) is
    the one nearest 1.41, and its loss fell by more than MOVED (an optimum is a net that learned); n/a if the grid
    has no scale in [1.2, 1.6] or no ReLU scale's loss moved (every net at chance: a ranking of noise)."""
    scale_col = {float(col[1:-len(FINAL_LOSS)]): col[:-len(FINAL_LOSS)] for act, col in means
                 if act == "relu" and col.endswith(FINAL_LOSS)}  # 1.41 -> "x1.41"
    ends = {g: means[("relu", c + FINAL_LOSS)] for g, c in scale_col.items()}
    if not ends:
        return None, "no ReLU runs"
    near = min(ends, key=lambda g: abs(g - 1.41))
    if not 1.2 <= near <= 1.6:
        return None, f"no ReLU scale near 1.4 in {sorted(ends)}"
    finite = {g: v for g, v in ends.items() if not isinstance(v, str)}
    if not finite:
        return False, "every ReLU scale diverged"
    best = min(finite, key=finite.get)
    others = [v for g, v in finite.items() if g != near]
    detail = ("ReLU final loss per scale: " + ", ".join(f"x{g}: {_fmt(v)}" for g, v in sorted(ends.items()))
              + f"; lowest x{best}")
    if near not in finite:
        return False, detail + f"; x{near} diverged"
    change = {g: means.get(("relu", scale_col[g] + LOSS_CHANGE)) for g in finite}
    learned = {g for g, c in change.items() if isinstance(c, (int, float)) and c < -MOVED}
    if not learned:  # every net at its initial loss: an optimum of noise (e.g. 2.30 vs 2.30 at chance)
        return None, detail + f"; no ReLU scale's loss fell by more than {100 * MOVED:g}%: undecided"
    ok = best == near and near in learned and all(v > finite[near] for v in others)  # strictly the lowest
    return ok, detail + f"; scales whose loss fell by more than {100 * MOVED:g}%: " + \
        ", ".join(f"x{g:g}" for g in sorted(learned))


def figure1_plot(pairs, path: str, scale: str) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    titles = {"relu": "ReLU", "vlrelu": "VLReLU", "tanh": "tanh", "maxout": "maxout"}
    for ax, act in zip(axes.flat, titles):
        for a, gain, cell, r in layout_records(figure1_layout, pairs):
            if a != act or cell.seed != min(c.seed for c, _ in pairs):
                continue  # one seed drawn
            rel = [100 * statistics.fmean(finite) if (finite := [x for x in st["rel_update"] if math.isfinite(x)])
                   else math.nan for st in r["steps"]]
            ax.plot(range(1, len(rel) + 1), rel, label=f"{gain}" + (" (diverged)" if r["status"] != "ok" else ""))
        ax.axhspan(0.1, 1.0, color="green", alpha=0.1, label="0.1%-1% (paper)")
        ax.set_yscale("log")
        ax.set_title(titles[act])
        ax.set_ylabel("mean over layers of |ΔW|/|W|, %")
        ax.legend(fontsize=7, title="OrthoNorm scale", title_fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("iteration")
    fig.suptitle(f"LSUV Figure 1: relative weight update, FitNet-4 on CIFAR-10 ({scale} scale)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


def figure2_plot(pairs, path: str, scale: str) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 5, figsize=(18, 3.8), sharey=True)
    for ax, col in zip(axes, ACTS):
        for row, c, cell, r in layout_records(table3_layout, pairs):
            if c != col or cell.seed != _seeds(scale)[0]:
                continue
            acc = [h.get("test_acc") for h in r["history"] if "test_acc" in h]
            ax.plot(range(1, len(acc) + 1), acc, label=row)
        ax.set_title(col)
        ax.set_xlabel("epoch")
        if scale == "paper":
            ax.set_ylim(0.4, 1.0)  # "graphs are cropped at 0.4 accuracy"
    axes[0].set_ylabel("CIFAR-10 test accuracy")
    axes[-1].legend(fontsize=7)
    fig.suptitle(f"LSUV Figure 2: FitNet-4 test accuracy per epoch by activation and init ({scale} scale)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


FINAL_TEST = " final"  # suffix of Figure 2's second column per activation: the final test accuracy (Table 3's)


def figure2_values(pairs):
    """Per (init, activation) of Table 3's runs: the mean over the epochs of the test accuracy in % (the area under
    Figure 2's curve per epoch: a higher one is a faster convergence) in the activation's column, and the final test
    accuracy (Table 3's number, where Figure 2's curve ends) in '<activation> final'; 'n/c' for a run that did not
    converge (diverged, or a last-epoch training accuracy under 1.5 x chance: the suite's one criterion)."""
    out = []
    for row, col, cell, r in layout_records(table3_layout, pairs):
        acc = [h["test_acc"] for h in r["history"] if h.get("test_acc") is not None]
        final = final_accuracy(cell, r, "n/c")
        trained = converges(final) and bool(acc) and all(math.isfinite(a) for a in acc)
        ev = f"{len(acc)} epochs, {training_outcome(r)}"
        out.append(Value(row, col, [100 * statistics.fmean(acc) if trained else "n/c"], evidence=ev))
        out.append(Value(row, col + FINAL_TEST, [final if trained else "n/c"], evidence=ev))
    return merge_seeds(out)


def _other_init_accuracy(v) -> float:
    """Another init's value to beat in Figure 2 (accuracy.converged_seeds_mean, the worst case for the claim); -inf
    where no seed converged or nothing was run."""
    x = converged_seeds_mean(v)
    return -math.inf if x is None else x


# The inits Figure 2's sentence compares LSUV with. The paper's text does not list the figure's curves; its caption
# and Table 3's ("n/c† -- ... we managed to train a maxout-net with MSRA initialization ..., see Figure 2") place
# MSRA in it. OrthoNorm-MSRA scaled is left out: Table 3 has it above LSUV for VLReLU (93.09 vs 92.97 final), so
# with it in the figure the paper's own final numbers would contradict its sentence; it has no maxout or tanh run.
FIG2_INITS = [r for r in INITS if r != "OrthoNorm-MSRA scaled"]


def _lsuv_better_and_faster(means: dict):
    """'Figure 2 shows that LSUV method not only leads to better generalization error, but also converges faster for
    all tested activation functions, except tanh' (section 5.1). Per activation, among the inits of Table 3 (the
    runs Figure 2 plots here, FIG2_INITS; the paper's figure legend is not in its text): 'better generalization' = LSUV's final
    test accuracy above every other init's, 'converges faster' = LSUV's mean test accuracy over the epochs above
    every other init's. A run that did not converge, 'n/c', ranks lowest; over several seeds LSUV counts as
    converged only if every seed did (a number), another init at the mean of its seeds that converged (the worst
    case for the claim). Both must hold for maxout, ReLU and VLReLU, and not both for tanh (the exception), which
    needs LSUV's tanh run converged: an LSUV that did not train says nothing about whether tanh is an exception
    (n/a). An activation where no run converged, or with a run missing, cannot be decided (n/a): runs at chance say
    nothing about which init generalizes or converges better; a failing activation fails the claim whatever the
    undecided ones (critical_depth.all_hold). OrthoNorm-MSRA scaled is not compared (FIG2_INITS): the paper's own
    Table 3 has it above LSUV for VLReLU (93.09 vs 92.97)."""
    parts, outcomes = [], []
    for col in (*ORTHO_ACTS, "tanh"):
        rows = [r for r in FIG2_INITS if (r, col) not in T3_SKIPPED]
        if any(means.get((r, c)) is None for r in rows for c in (col, col + FINAL_TEST)):
            outcomes.append(None)
            parts.append(f"{col}: runs missing")
            continue
        if not any(_other_init_accuracy(means[(r, col)]) > -math.inf for r in rows):
            outcomes.append(None)
            parts.append(f"{col}: no run converged")
            continue
        if col == "tanh" and not (converges(means[("LSUV", col)]) and converges(means[("LSUV", col + FINAL_TEST)])):
            outcomes.append(None)
            parts.append(f"{col}: LSUV did not converge, the exception cannot be decided")
            continue
        others = [r for r in rows if r != "LSUV"]
        best_final = max(others, key=lambda r: _other_init_accuracy(means[(r, col + FINAL_TEST)]))
        best_mean = max(others, key=lambda r: _other_init_accuracy(means[(r, col)]))
        better = rank(means[("LSUV", col + FINAL_TEST)]) > _other_init_accuracy(means[(best_final, col + FINAL_TEST)])
        faster = rank(means[("LSUV", col)]) > _other_init_accuracy(means[(best_mean, col)])
        outcomes.append(better and faster if col != "tanh" else not (better and faster))
        parts.append(f"{col}: final LSUV {_fmt(means[('LSUV', col + FINAL_TEST)])} vs {best_final} "
                     f"{_fmt(means[(best_final, col + FINAL_TEST)])}, mean over epochs LSUV "
                     f"{_fmt(means[('LSUV', col)])} vs {best_mean} {_fmt(means[(best_mean, col)])}")
    return all_hold(outcomes), "; ".join(parts) + " (test accuracy, %; pass: LSUV above every other init in both " \
        "for maxout, ReLU, VLReLU, not in both for tanh)"


EPOCHS_TO_LEVEL = "epochs to the common level"  # Figure 3's second column: half-way from chance to the lower final
FINAL_ACC = "final test acc"  # Figure 3's third column: where each curve ends (%; 'n/c' for a run that did not converge)


def figure3_values(pairs):
    """Per run of Figure 3: training images per second (its iteration speed) and, for LSUV and BN, the epochs
    each needed to reach the common level, half-way from chance (1 / classes, 10 % on CIFAR-10) to the lower of
    the two runs' final test accuracies (of the same seed), as NG's Figure 5 reads 'converged faster'
    (ng_figures._much_faster_case): a level both reach well before their last epoch, so the two counts compare
    the iterations needed, not which run ends higher (at the lower final itself the run that ends lower reaches
    it only at its last epoch; the paper: 'LSUV-initialized network is as good as batch-normalized one'). Both
    runs have the same batch and data, so epochs count iterations. 'n/c' when either run did not converge (the suite's one criterion): a run at
    chance needs no iterations to reach chance."""
    out, runs = [], {}
    for row, _, cell, r in layout_records(figure3_layout, pairs):
        if r.get("train_images_per_s"):
            out.append(Value(row, "images/s", [r["train_images_per_s"]], unit="img/s", evidence=r["device"]))
        runs.setdefault(cell.seed, {})[row] = (cell, r)
    for seed, by_row in runs.items():
        out += [Value(row, FINAL_ACC, [final_accuracy(*by_row[row], "n/c")], evidence=training_outcome(by_row[row][1]))
                for row in ("LSUV", "BN") if row in by_row]
        if "LSUV" not in by_row or "BN" not in by_row:
            continue
        finals = {row: final_accuracy(*by_row[row], "n/c") for row in ("LSUV", "BN")}
        if not all(converges(v) for v in finals.values()):
            ev = "not converged: " + ", ".join(f"{row} {training_outcome(by_row[row][1])}" for row in finals)
            out += [Value(row, EPOCHS_TO_LEVEL, ["n/c"], unit="epochs", evidence=ev) for row in finals]
            continue
        chance = 1 / DATASETS[by_row["BN"][0].data.name][0]
        lower = min(by_row[row][1]["final_test_acc"] for row in finals)
        level = common_level(chance, [lower])
        for row in finals:
            curve = [h.get("test_acc") for h in by_row[row][1]["history"]]
            out.append(Value(row, EPOCHS_TO_LEVEL, [epochs_to_reach(curve, level)], unit="epochs",
                             evidence=f"level {100 * level:.2f}% (half-way from chance {100 * chance:.0f}% to the "
                                      f"lower final test accuracy {100 * lower:.2f}%)"))
    return merge_seeds(out)


def _lsuv_as_good_as_bn(means: dict):
    """'LSUV-initialized network is as good as batch-normalized one' (section 5.2, on Figure 3): LSUV's final test
    accuracy at least BN's minus MATCH_PP (the suite's match for a percentage: 'as good as' is a tie or better).
    Over seeds LSUV counts only if every seed converged (rank), BN at the mean of its converged seeds
    (converged_seeds_mean): the worst case for the sentence. LSUV that did not converge beside a BN that did fails;
    a BN that did not converge beside a converged LSUV passes; neither converged: n/a (two nets at chance)."""
    lsuv, bn = means.get(("LSUV", FINAL_ACC)), means.get(("BN", FINAL_ACC))
    if lsuv is None or bn is None:
        raise ValueError("LSUV / BN final test accuracy not reproduced")
    if converged_seeds_mean(bn) is None and not converges(lsuv):
        raise ValueError(f"neither converged: LSUV {_fmt(lsuv)}, BN {_fmt(bn)}")
    ok = worst_case_lead(lsuv, bn) >= -MATCH_PP
    return ok, f"final test accuracy: LSUV {_fmt(lsuv)} vs BN {_fmt(bn)} (pass: LSUV converged and at least BN's " \
        f"minus {MATCH_PP:g} pp)"


def _bn_fewer_iterations_but_slower(means: dict):
    """'Batch-normalization reduces training time in terms of needed number of iterations, but each iteration
    becomes slower because of extra computations' (section 5.2), both halves: the BN network reaches the common
    test-accuracy level (half-way from chance to the lower of the two runs' final accuracies: EPOCHS_TO_LEVEL) in
    strictly fewer epochs than the LSUV one, and trains fewer images per second (same batch, same device). The iterations half is n/a when either
    run did not converge; a half that fails decides the claim."""
    l, b = means.get(("LSUV", "images/s")), means.get(("BN", "images/s"))
    le, be = means.get(("LSUV", EPOCHS_TO_LEVEL)), means.get(("BN", EPOCHS_TO_LEVEL))
    if l is None or b is None or le is None or be is None:
        return None, "runs missing"
    slower = b < l
    fewer = be < le if converges(le) and converges(be) else None
    ok = False if False in (slower, fewer) else None if fewer is None else True
    return ok, (f"epochs to the common level: BN {_fmt(be)} vs LSUV {_fmt(le)}; training images/s: BN {b:.0f} vs "
                f"LSUV {l:.0f} (pass: BN fewer epochs and fewer images/s)")


def figure3_layout(scale: str):
    s = TRAIN_SCALES[scale]
    half = sgd_spec(scale, epochs=max(1, s["epochs"] // 2), milestones=tuple(m // 2 for m in s["milestones"]))
    return [cell for s in _seeds(scale) for cell in (
        ("LSUV", "", fitnet_cell(scale, "fitnet4", "maxout", "lsuv", seed=s)),
        ("BN", "", fitnet_cell(scale, "fitnet4", "maxout", "xavier-caffe", bn="after", seed=s)),
        ("BN-half", "", fitnet_cell(scale, "fitnet4", "maxout", "xavier-caffe", bn="after", train=half, seed=s)))]


def figure3_plot(pairs, path: str, scale: str) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for row, _, cell, r in layout_records(figure3_layout, pairs):
        if cell.seed != min(c.seed for c, _ in pairs):
            continue  # one seed drawn
        t, acc = 0.0, []
        for h in r["history"]:
            t += h["seconds"]
            if "test_acc" in h:
                acc.append((t, h["test_acc"]))
        ax.plot([a for a, _ in acc], [b for _, b in acc], marker=".", label=f"{row} ({r['device']})")
    ax.set_xlabel("training wall-clock time, s (test evaluation excluded)")
    ax.set_ylabel("CIFAR-10 test accuracy")
    ax.legend(fontsize=7)
    ax.set_title(f"LSUV Figure 3: FitNet-4 maxout, LSUV vs BN (Xavier), {scale} scale", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


IMAGENET_SCALES = {
    # train / val images (None = all), crop and resize, epochs
    "paper": dict(train_size=None, test_size=None, crop=None, resize=256, epochs=None),
    "fast": dict(train_size=None, test_size=None, crop=None, resize=256, epochs=2),
    "smoke": dict(train_size=40, test_size=20, crop=64, resize=72, epochs=1),
}
IMAGENET_FIGURES = {
    # figure: (network, crop, BVLC solver: batch, lr, weight decay, epochs, schedule, milestones)
    "4": ("alexnet", 227, dict(batch_size=256, lr=0.01, weight_decay=5e-4, epochs=90, schedule="step",
                               milestones=(20, 40, 60, 80))),  # 100k-iteration steps, 450k iterations
    "5": ("googlenet", 224, dict(batch_size=32, lr=0.01, weight_decay=2e-4, epochs=60, schedule="poly")),  # 2.4M its
}


def imagenet_layout(figure: str):
    def layout(scale: str):
        net, crop, solver = IMAGENET_FIGURES[figure]
        s = IMAGENET_SCALES[scale]
        crop = s["crop"] or crop
        data = DataSpec("imagenet", train_size=s["train_size"], test_size=s["test_size"], crop=crop, resize=s["resize"])
        epochs = s["epochs"] or solver["epochs"]
        train = TrainSpec(**{**solver, "epochs": epochs, "momentum": 0.9,
                             "milestones": tuple(m for m in solver.get("milestones", ()) if m < epochs),
                             "batch_size": solver["batch_size"] if scale != "smoke" else 8})
        out = []
        for row, init in (("LSUV", "lsuv"), ("reference", "bvlc")):
            model = {"arch": "imagenet", "name": net, "init": init, "input_size": crop}
            out += [(row, "", Cell.make(PAPER, f"{net} {init} imagenet{f' seed={s}' if s else ''}", model, data,
                                        train, s, scale)) for s in _seeds(scale)]
        return out
    return layout


def imagenet_plot(figure: str):
    def plot(pairs, path: str, scale: str) -> None:
        import matplotlib.pyplot as plt

        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
        for row, _, cell, r in layout_records(imagenet_layout(figure), pairs):
            epochs = [h["epoch"] for h in r["history"]]
            a.plot(epochs, [h["train_loss"] for h in r["history"]], marker=".", label=row)
            b.plot([h["epoch"] for h in r["history"] if "test_acc" in h],
                   [h["test_acc"] for h in r["history"] if "test_acc" in h], marker=".", label=row)
        a.set_xlabel("epoch")
        a.set_ylabel("training loss (epoch mean)")
        b.set_xlabel("epoch")
        b.set_ylabel("validation accuracy")
        a.legend()
        net = {"4": "CaffeNet (torchvision AlexNet)", "5": "GoogLeNet (torchvision)"}[figure]
        fig.suptitle(f"LSUV Figure {figure}: {net} on ImageNet, LSUV vs BVLC reference init ({scale} scale)",
                     fontsize=10)
        fig.tight_layout()
        fig.savefig(path, dpi=110, format="png")
        plt.close(fig)
    return plot


# Figures 4 and 5's sentences (section 5.3), checked on one value per (init, epoch): the epoch-mean training
# loss and the validation top-1 accuracy after every epoch (the figures' per-iteration curves of the first epoch
# are not recorded: see FLAT_LOSS_NOT_MEASURED), and the final validation accuracy.
FINAL_VAL = "final validation accuracy"
IMAGENET_ROWS = ("LSUV", "reference")
DIVERGED_EPOCH = "diverged"  # an epoch a run did not finish (it diverged before or in it)
VAL_PREFIX, LOSS_PREFIX = "validation accuracy after epoch ", "training loss of epoch "


def val_column(epoch: int) -> str:
    return f"{VAL_PREFIX}{epoch}"


def loss_column(epoch: int) -> str:
    return f"{LOSS_PREFIX}{epoch}"


def imagenet_values(figure: str):
    """Per init of Figure 4 / 5 (rows LSUV, reference) and epoch of the planned run: the epoch's mean training loss
    and the validation top-1 accuracy in % after it, DIVERGED_EPOCH for every epoch a run that diverged did not
    finish (so that a seed that diverged stays visible when seeds are merged: its epochs are then not numbers);
    and the final validation accuracy ('n/c' for a run that did not converge: the suite's one criterion)."""
    def values(pairs):
        out = []
        for row, _, cell, r in layout_records(imagenet_layout(figure), pairs):
            done = {h["epoch"]: h for h in r["history"] if h.get("test_acc") is not None}  # finished epochs
            ev = f"{len(done)} of {cell.train.epochs} epochs, {training_outcome(r)}"
            for e in range(1, cell.train.epochs + 1):
                h = done.get(e)
                out.append(Value(row, loss_column(e), [h["train_loss"] if h else DIVERGED_EPOCH], unit="loss",
                                 evidence=ev))
                out.append(Value(row, val_column(e), [100 * h["test_acc"] if h else DIVERGED_EPOCH], evidence=ev))
            out.append(Value(row, FINAL_VAL, [final_accuracy(cell, r, "n/c")], evidence=ev))
        return merge_seeds(out)
    return values


def _curves(means: dict, prefix: str) -> dict:
    """{row: {epoch: value, or None where a seed did not finish that epoch}} of the LSUV and reference runs."""
    out = {row: {} for row in IMAGENET_ROWS}
    for (row, col), v in means.items():
        if row in out and col.startswith(prefix):
            out[row][int(col[len(prefix):])] = v if isinstance(v, (int, float)) else None
    return out


def _ahead(lsuv_value, ref_value, lower_is_better: bool) -> bool:
    """LSUV strictly better than the reference at one epoch; an epoch a run did not finish (None) is behind."""
    if lsuv_value is None:
        return False
    if ref_value is None:
        return True
    return lsuv_value < ref_value if lower_is_better else lsuv_value > ref_value


FLAT_LOSS_NOT_MEASURED = ("not measured: the runs record the training loss once per epoch, so the flat-loss time "
                          "of the first epoch (the paper: 0.5 epochs with the original init, 0.05 with LSUV) cannot "
                          "be read off them")


def _flat_loss_time(means: dict):
    """'LSUV initialization reduces the starting flat-loss time from 0.5 epochs to 0.05 for CaffeNet': always n/a
    here (FLAT_LOSS_NOT_MEASURED), kept as a claim so that the sentence shows as unchecked, not as absent."""
    return None, FLAT_LOSS_NOT_MEASURED


def _caffenet_starts_faster(means: dict):
    """'... and starts to converge faster': LSUV's mean training loss over the first epoch below the original
    init's (a run that did not finish its first epoch is the slower one)."""
    loss = _curves(means, LOSS_PREFIX)
    if 1 not in loss["LSUV"] or 1 not in loss["reference"]:
        return None, "runs missing"
    lo, ref = loss["LSUV"][1], loss["reference"][1]
    return _ahead(lo, ref, lower_is_better=True), \
        f"epoch-1 training loss: LSUV {_fmt(lo if lo is not None else 'diverged')} vs original " \
        f"{_fmt(ref if ref is not None else 'diverged')}"


OVERTAKEN_AT = (25, 35)  # 'overtaken ... at the 30-th epoch': the epoch rounds to 30 (the nearest ten)


def _caffenet_overtaken_at_30(means: dict):
    """'... but it is overtaken by a standard CaffeNet at the 30-th epoch': the overtaking epoch, the first epoch
    from which the original init's validation accuracy stays above LSUV's to the last epoch, rounds to 30
    (OVERTAKEN_AT: 25 <= epoch < 35), and LSUV was strictly ahead at the epoch before it. A run that did not finish
    every epoch fails it (a diverged original never overtook; a diverged LSUV was not overtaken at epoch 30). n/a
    when the runs are planned shorter than 35 epochs, where the sentence's epoch is not reached (fast and smoke
    scale), or a run is missing."""
    acc = _curves(means, VAL_PREFIX)
    epochs = sorted(set(acc["LSUV"]) | set(acc["reference"]))
    if not acc["LSUV"] or not acc["reference"]:
        return None, "runs missing"
    unfinished = [row for row in IMAGENET_ROWS if any(acc[row].get(e) is None for e in epochs)]
    if unfinished:
        return False, f"{' and '.join(unfinished)} did not finish every epoch (diverged)"
    if epochs[-1] < OVERTAKEN_AT[1]:
        return None, f"the runs end at epoch {epochs[-1]}, before epoch {OVERTAKEN_AT[1]}: the sentence's epoch is not reached"
    behind = [acc["reference"][e] > acc["LSUV"][e] for e in epochs]
    k = len(behind)
    while k > 0 and behind[k - 1]:
        k -= 1
    if k == len(behind):
        return False, f"LSUV ahead or level after the last epoch ({epochs[-1]}): never overtaken"
    epoch = epochs[k]
    led = k > 0 and acc["LSUV"][epochs[k - 1]] > acc["reference"][epochs[k - 1]]
    return led and OVERTAKEN_AT[0] <= epoch < OVERTAKEN_AT[1], (
        f"the original init ahead from epoch {epoch} to the end, LSUV " + ("ahead" if led else "not ahead")
        + f" before it (pass: from an epoch in [{OVERTAKEN_AT[0]}, {OVERTAKEN_AT[1]}), LSUV strictly ahead before)")


def _caffenet_final_1_3_lower(means: dict):
    """'... and its final precision is 1.3% lower': the original init's final validation accuracy minus LSUV's
    within MATCH_PP of 1.3 pp (the suite's match for a percentage; 'precision' read as top-1 accuracy, '1.3%' as
    percentage points). A run that did not converge (on any seed): n/a if both, else no such gap (FAIL)."""
    lo, ref = means.get(("LSUV", FINAL_VAL)), means.get(("reference", FINAL_VAL))
    if lo is None or ref is None:
        return None, "runs missing"
    if not converges(lo) or not converges(ref):
        return (None if not converges(lo) and not converges(ref) else False), \
            f"final: LSUV {_fmt(lo)}, original {_fmt(ref)} (a run that did not converge: no 1.3 pp gap)"
    gap = ref - lo
    return abs(gap - 1.3) <= MATCH_PP, (f"final validation accuracy: LSUV {lo:.2f} vs original {ref:.2f}: LSUV "
                                        f"lower by {gap:.2f} pp (the paper: 1.3; pass: within {MATCH_PP:g} pp of it)")


def _mean_loss(curve: dict):
    """The mean over the epochs of the epoch-mean training loss (the area under the loss curve per epoch); None when
    the run did not finish some epoch (diverged) or has none."""
    vals = list(curve.values())
    return None if not vals or any(v is None for v in vals) else statistics.fmean(vals)


def _googlenet_faster_and_better_all_the_time(means: dict):
    """'On the contrary, the LSUV-initialized GoogLeNet learns faster than the original one and shows better test
    accuracy all the time' (set against CaffeNet, which started faster and was overtaken). 'All the time' qualifies
    the second verb phrase, the test accuracy, only: 'learns faster' = LSUV's mean training loss over the epochs
    (the area under its loss curve, as Figure 2's 'converges faster' reads the mean test accuracy over the epochs)
    below the reference's, not its loss lower in every epoch; 'better test accuracy all the time' = its validation
    accuracy higher after every epoch. An epoch a run did not finish is behind: a reference that diverged is behind
    from then on (and learned slower), an LSUV that diverged fails both."""
    loss, acc = _curves(means, LOSS_PREFIX), _curves(means, VAL_PREFIX)
    if not acc["LSUV"] or not acc["reference"]:
        return None, "runs missing"
    epochs = sorted(set(acc["LSUV"]) | set(acc["reference"]))
    lo, ref = _mean_loss(loss["LSUV"]), _mean_loss(loss["reference"])
    faster = lo is not None and (ref is None or lo < ref)
    worse = [e for e in epochs if not _ahead(acc["LSUV"].get(e), acc["reference"].get(e), lower_is_better=False)]
    return faster and not worse, (
        f"{len(epochs)} epochs; mean training loss over the epochs: LSUV {_fmt(lo if lo is not None else 'diverged')} "
        f"vs original {_fmt(ref if ref is not None else 'diverged')}; LSUV's validation accuracy not higher after "
        f"epoch(s) {', '.join(map(str, worse)) or 'none'}")


def _googlenet_finals(means: dict):
    """'The final accuracy is 0.680 vs. 0.672 respectively': LSUV's final validation top-1 above the reference's,
    each within MATCH_PP of the paper's 68.0 and 67.2 % (the suite's match)."""
    got = {row: means.get((row, FINAL_VAL)) for row in IMAGENET_ROWS}
    if None in got.values():
        return None, "runs missing"
    paper = {"LSUV": 68.0, "reference": 67.2}
    ok = all(converges(got[r]) and abs(got[r] - paper[r]) <= MATCH_PP for r in IMAGENET_ROWS) \
        and got["LSUV"] > got["reference"]
    return ok, ", ".join(f"{r} {_fmt(got[r])} (paper {paper[r]:.1f})" for r in IMAGENET_ROWS) + \
        f" (pass: LSUV higher, each within {MATCH_PP:g} pp)"


IMAGENET_READINGS = [
    "Claim readings (section 5.3): 'starts to converge faster' (CaffeNet) = LSUV's mean training loss over the "
    "first epoch below the original init's; 'learns faster' (GoogLeNet, 'on the contrary' to CaffeNet's start) = "
    "its mean training loss over the epochs (the area under the loss curve) below the original's ('all the time' "
    "qualifies the test accuracy only, the second half of the sentence); 'overtaken ... at the 30-th epoch' = the original init's "
    f"validation accuracy above LSUV's from an epoch in [{OVERTAKEN_AT[0]}, {OVERTAKEN_AT[1]}) (rounding to 30) to "
    "the last, LSUV strictly ahead before it, n/a for runs planned shorter than that; 'final precision is 1.3% "
    f"lower' = top-1 accuracy, 1.3 percentage points, within {MATCH_PP:g} pp (the suite's match for a %); 'better "
    "test accuracy all the time' = the validation accuracy higher after every epoch; an epoch a run did not finish "
    "(diverged) counts as behind; the flat-loss time of the first epoch is not measured (one loss per epoch is "
    "recorded): its claim is always n/a.",
]


IMAGENET_CLAIMS = {
    "4": [Claim("LSUV initialization reduces the starting flat-loss time from 0.5 epochs to 0.05 for CaffeNet",
                _flat_loss_time),
          Claim("LSUV starts to converge faster (first-epoch training loss below the original init's)",
                _caffenet_starts_faster),
          Claim("LSUV is overtaken by a standard CaffeNet at the 30-th epoch (LSUV ahead before; the original "
                "init's validation accuracy above LSUV's from an epoch that rounds to 30 to the end)",
                _caffenet_overtaken_at_30),
          Claim("LSUV's final precision is 1.3% lower (the original's final validation accuracy minus LSUV's within "
                "1 pp of 1.3 pp)", _caffenet_final_1_3_lower)],
    "5": [Claim("The LSUV-initialized GoogLeNet learns faster than the original one and shows better test accuracy "
                "all the time (mean training loss over the epochs lower; validation accuracy higher after every "
                "epoch)",
                _googlenet_faster_and_better_all_the_time),
          Claim("The final accuracy is 0.680 vs. 0.672 (LSUV above the reference, each within 1 pp)",
                _googlenet_finals)],
}


def imagenet_protocol(figure: str):
    def protocol(scale: str) -> list[str]:
        net, crop, solver = IMAGENET_FIGURES[figure]
        s = IMAGENET_SCALES[scale]
        return [f"ImageNet (ILSVRC-2012) from $REPRO_IMAGENET image folders; resize {s['resize']}, random "
                f"{s['crop'] or crop} crops + mirroring (centre crop for validation), per-channel mean/std.",
                f"{net}: BVLC solver {solver} (epochs at this scale: {s['epochs'] or solver['epochs']}); SGD "
                "momentum 0.9. 'reference' = the BVLC fillers (models.imagenet.bvlc_init); LSUV as Algorithm 1 "
                f"(Tol_var {TOL_VAR:g}, T_max {T_MAX}) with a fresh mini-batch of the training batch "
                f"({imagenet_layout(figure)(scale)[0][2].train.batch_size} images at this scale, the training split's "
                "random crops and mirroring, fixed by the split in reproduce/folder_data.py) at every trial.",
                "Plotted per epoch: the paper's per-iteration curves of the first epoch are not recorded.",
                "torchvision's AlexNet / GoogLeNet stand in for CaffeNet / BVLC GoogLeNet (see the deviations)."]
    return protocol


IMAGENET_NET_DEVIATION = {
    "4": ("CaffeNet is not built: torchvision's AlexNet stands in for it (models/imagenet.py), the one-GPU variant "
          "with 64-192-384-256-256 conv filters, no local response normalization and no filter groups, where "
          "CaffeNet has 96-256-384-384-256 filters, LRN (after pooling) and groups of 2 in conv2, conv4 and conv5; "
          "fc6 (9216 x 4096), fc7 and fc8 are the same, with dropout 0.5 twice (torchvision before fc6 and fc7, "
          "CaffeNet after them). The paper's curves are of the Caffe network."),
    "5": ("BVLC GoogLeNet is not built: torchvision's GoogLeNet stands in for it (models/imagenet.py), with batch "
          "normalization after every one of its 57 convs (which then have no bias), no local response normalization, "
          "no auxiliary classifiers and dropout 0.2 before the classifier; BVLC GoogLeNet has no batch "
          "normalization, two LRN layers (after the first pooling and after conv2), two auxiliary classifiers "
          "in training (loss weight 0.3) and dropout 0.4. LSUV "
          "against this batch-normalized GoogLeNet is not the paper's comparison: every BN layer renormalizes its "
          "conv's output in training, so the scale LSUV sets for a conv's weights is normalized away in the forward "
          "pass (it changes only the relative size of those weights' updates), and the reference init trains with "
          "BN too; the paper compared the two inits on a network without BN."),
}


# ------------------------------------------------------------------ targets

def _table(id, title, layout, protocol, deviations, claims, values=None, datasets=("cifar10",)):
    return Target(PAPER, id, "table", title, cells=layout_cells(layout), values=values or accuracy_values(layout),
                  protocol=protocol, deviations=deviations, claims=claims, datasets=datasets,
                  cost_note="cells whose dataset is unavailable are counted but not run")


def _lines(extra: str):
    return lambda scale: [extra] + _train_lines(scale)


def std_table(id: str, title: str, layout, what: str, lsuv_columns) -> Target:
    """Tables 8 and 9: per-layer weight std at initialization, and LSUV's trials per layer."""
    return Target(PAPER, id, "table", title, cells=layout_cells(layout), datasets=("cifar10",),
                  values=combine(std_values(layout), lsuv_trials_values(layout)),
                  protocol=lambda scale: _measure_lines(scale, what), deviations=_measure_deviations,
                  # every trial forwards a fresh mini-batch (LSUV_BATCH_READING), so the trials see the paper's
                  # "data variations"; on one fixed batch (the suite until 2026-12-03) 1-2 trials held by
                  # construction. Not declared for the smoke gate (Dec 2026 probes, Tol_var 0.1, batch 128): the
                  # count has a tail. Table 8 (ReLU) at the smoke's width x0.125 held on seeds 0-3, 5-7, 31-33,
                  # 70-72, 80-82 and 917 (max 3-5 trials) but took 9 on seed 42 (one conv2x layer), 7 on seed 8
                  # and 6 on 115 and 116 (fresh seeds 100-119: max 2-6, over 5 on 2 of 20); at width x0.5 6 trials
                  # on seeds 0 and 42, at full width 5 on seed 0 (ip1) and 3 on 42. Table 9 at smoke: maxout
                  # needed 7 trials on seeds 0 and 3; at width x0.25 maxout 6 on seed 82, at x0.5 VReLU 6 on seed
                  # 82. Both are reported as they fall (the paper's "1-5 iterations" is its own runs' count).
                  claims=[Claim("LSUV reaches the desired variance in 1-5 iterations per layer (T_max never "
                                "reached).", _trials_1_to_5(lsuv_columns))])


T3_CLAIMS = [
    Claim("Experiment with different activation functions (maxout, ReLU-family, tanh) show that the proposed "
          "initialization leads to learning of very deep nets (abstract; LSUV's FitNet-4 converges with maxout, ReLU, "
          "VLReLU and tanh).", _lsuv_learns_with_tested_acts),
    Claim("All the methods failed to train sigmoid-based very deep network.", _sigmoid_fails(list(INITS))),
    Claim("Orthonormal-based inits (LSUV, OrthoNorm, OrthoNorm-MSRA) beat the scaled Gaussian ones (Xavier, MSRA) "
          "for every activation except tanh (best of each family compared).", _ortho_beats_gaussian),
    Claim("LSUV outperforms orthonormal initialization by smaller margin, but still consistently (maxout, ReLU, "
          "VLReLU: LSUV above OrthoNorm, by less than the orthonormal inits' margin over the Gaussian ones).",
          _lsuv_beats_orthonorm),
    Claim("We have selected tanh activation as one, where LSUV initialization shows the worst performance (appendix "
          "A.1; LSUV's tanh accuracy below every other init's that ran tanh: OrthoNorm, Xavier, MSRA).",
          _lsuv_worst_on_tanh),
]
T4_ROWS = [r for r in INITS if r != "OrthoNorm-MSRA scaled"]

TARGETS = [
    _table("2", "FitNet-4 on CIFAR-10/100 and FitNet-MNIST: LSUV vs orthonormal init (with cited context rows)",
           table2_layout,
           lambda scale: ["Own networks only: Fitnet4-LSUV / -OrthoInit = Table 3's maxout cells (CIFAR-100 "
                          "the same protocol; † = RMSProp lr 0.0005, decay 0.9, x0.5 steps); FitNet-MNIST maxout, "
                          "RMSProp lr 0.002 (decay 0.99), batch 64, weight decay 5e-4 (biases too, as the authors' "
                          "MNIST model), lr / 10 every 16 epochs, "
                          f"{MNIST_SCALES[scale]['epochs']} epochs, no augmentation, pixels / 255; -SVM = one-vs-all "
                          "L1 hinge loss (Caffe HingeLoss) instead of softmax. MNIST column: test error %.",
                          "Rows marked 'context' in the published CSV are other papers' numbers, shown for "
                          "reference and never reproduced."] + _train_lines(scale),
           lambda scale: _lsuv_train_deviations(scale) + _table2_deviations(),
           [Claim("The results of LSUV are virtually identical to the orthonormal initialization (every CIFAR "
                  "column within 0.5 pp).", _lsuv_matches_ortho),
            Claim("LSUV and orthonormal initialized nets outperformed Hints-trained Fitnets (CIFAR-10 91.61%, "
                  "CIFAR-100 64.96%).", _beat_hints),
            Claim("On MNIST, replacing softmax with SVM, 'we do the same and also observe improved results (line "
                  "FitNet-LSUV-SVM in Table 2)' (FitNet-LSUV-SVM error below FitNet-LSUV's).", _svm_improves),
            Claim("On MNIST, LSUV outperforms orthonormal initialization (error <= OrthoInit's with softmax and "
                  "with SVM, < in at least one).", _lsuv_beats_ortho_mnist),
            Claim("On MNIST, both LSUV and orthonormal outperform Hints initialization (0.51% error).",
                  _beat_hints_mnist),
            Claim("The gain on the fine-grained CIFAR-100 is much larger than on CIFAR-10 (LSUV's and OrthoInit's "
                  "gain over Hints-trained Fitnets on CIFAR-100 positive and at least "
                  f"{MUCH_LARGER_GAIN:g}x their CIFAR-10 gain, the paper's smallest ratio: 5.08 / 2.33).",
                  _cifar100_gain_much_larger),
            Claim("The LSUV initialization ... [leads to (near) state-of-the-art results, not checked,] "
                  "outperforming the sophisticated systems designed specifically for very deep nets such "
                  "as FitNets(Romero et al. (2015)) and Highway(Srivastava et al. (2015)) (conclusions; LSUV above "
                  "the cited Fitnet4-Hints and Fitnet4-Highway rows on CIFAR-10 and CIFAR-100, MNIST error below "
                  "FitNet-Hints' and HighWay-16's).", _outperforms_fitnets_and_highway)],
           values=table2_values, datasets=("cifar10", "mnist")),
    _table("3", "FitNet-4 on CIFAR-10: init x activation", table3_layout,
           _lines("Table 3: FitNet-4, 5 inits x 5 non-linearities ('-' cells of the paper not run)."),
           lambda scale: _lsuv_train_deviations(scale) + [ORTHO_MSRA_DEVIATION], T3_CLAIMS),
    _table("4", "FitResNet-4 on CIFAR-10: init x activation", table4_with_plain_layout,
           _lines("Table 4: FitResNet-4 (a sum after every even conv of a stage), 4 inits x 5 non-linearities."),
           lambda scale: [FITRESNET4_DEVIATION, RESIDUAL_READING] + _lsuv_train_deviations(scale),
           [Claim("LSUV is the only init that converges with every non-linearity except sigmoid.",
                  _lsuv_converges_all_but_sigmoid([r for r in T4_ROWS if r != "LSUV"])),
            Claim("All the methods failed to train sigmoid-based very deep network.", _sigmoid_fails(T4_ROWS)),
            Claim("The residual training improves results for ReLU and maxout, but does not help tanh-based network "
                  f"(LSUV's FitResNet-4 against its plain FitNet-4 of Table 3, row '{PLAIN_LSUV_ROW}')",
                  _residual_helps_relu_maxout_not_tanh)]),
    _table("5", "BN-FitNet-4 on CIFAR-10: BN before vs after the non-linearity", table5_layout,
           _lines("Table 5: FitNet-4 with BN before or after every non-linearity, Xavier init (the suite's reading "
                  "of section 5.2's 'the standard method')."),
           lambda scale: [T5_INIT_DEVIATION] + _train_deviations(scale),
           [Claim("In most cases, batch normalization put after the non-linearity performs better.",
                  _bn_after_better)]),
    Target(PAPER, "6", "table", "Time to initialise on top of random Gaussian: OrthoNorm vs LSUV",
           cells=layout_cells(table6_layout), values=table6_values, datasets=("cifar10",),
           protocol=lambda scale: _measure_lines(
               scale, "Table 6: seconds of models.init.initialize on this device: OrthoNorm = SVD of every layer; "
               "LSUV = OrthoNorm + the variance loop (each forward stops at the layer being scaled). FitNet-4 is the "
               "maxout net; CaffeNet = torchvision AlexNet and GoogLeNet = torchvision GoogLeNet (1000 classes, "
               "224 x 224: CIFAR images resized), LSUV batch 256 and 32 (their BVLC training batches). CaffeNet's "
               f"training time (row CaffeNet, column '{T6_TRAINING}'): the median of {T6_TRAIN_STEPS} SGD steps "
               "of batch 256 timed on the same device after a warm-up step (fp32, eager, as LSUV runs; the "
               "CIFAR batches are in memory, so no ImageNet decoding is counted: that errs short, against the "
               "claim) times BVLC's solver's 450,000 iterations."),
           deviations=lambda scale: _measure_deviations(scale) + [
               "CaffeNet/GoogLeNet: torchvision's AlexNet (64-192-384-256-256 filters, no LRN, no groups; same "
               "9216 x 4096 fc6) and GoogLeNet (with BN, no auxiliary heads), fed CIFAR-10 images resized to 224: "
               "the timing, not the data, is the point.",
               "Seconds depend on the device (the paper's: unstated GPU/CPU); the LSUV/OrthoNorm ratio compares."]
           + (["smoke scale: FitNet-4 only (the ImageNet networks run at fast and paper scale)."]
              if scale == "smoke" else []),
           claims=[Claim("In the slowest case – CaffeNet – ... (CaffeNet's LSUV init takes longest of the three "
                         "networks).", _caffenet_slowest),
                   Claim("CaffeNet's LSUV initialization takes 3.5 minutes, which is negligible in comparison the "
                         f"training time (under {100 * NEGLIGIBLE:g} % of CaffeNet's training time on the same "
                         "device).", _lsuv_negligible)]),
    _table("7", "FitNet-4 tanh on CIFAR-10: final accuracy vs LSUV batch size", table7_layout,
           _lines("Table 7: FitNet-4 tanh, LSUV variance estimated on a batch of 2, 16, 32, 128 or 1024 images "
                  "(capped at the training set size); training batch unchanged."),
           _lsuv_train_deviations,
           [Claim("No difference between small and large LSUV batches except extreme cases (2 images): batches "
                  "16..1024 within 1 pp.", _batch_size_negligible)]),
    std_table("8", "Per-layer weight std of FitNet-4 (ReLU) after LSUV, OrthoNorm, MSRA, Xavier", table8_layout,
              "Table 8: std of every layer's weights right after initialization (FitNet-4, ReLU).", ["LSUV"]),
    std_table("9", "Per-layer weight std found by LSUV for TanH, ReLU, VReLU, Maxout (FitNet-4)", table9_layout,
              "Table 9: std of every layer's weights after LSUV, FitNet-4 with each non-linearity.", list(T9_COLUMNS)),
    Target(PAPER, "10", "table", "Variance of the initial gradients per layer (FitNet-4, ReLU)",
           cells=layout_cells(table10_layout), values=table10_values, datasets=("cifar10",),
           protocol=lambda scale: _measure_lines(
               scale, f"Table 10: {MEASURE_SCALES[scale]['steps']} mini-batches of the training protocol through the "
               "initialized net, no weight update between them (the caption's 'initial gradients'; augmented "
               "batches, train mode: dropout on, loss = mean cross-entropy over the batch as Caffe's "
               "SoftmaxWithLoss); per conv/fc layer the variance, over every element, of the error back-propagated "
               "to its output, dL/dy (Caffe's diff of the layer's top blob, before the ReLU), per mini-batch, "
               "averaged over them (the paper: 'the average variance of the gradient at all layers after 10 "
               "mini-batches'). Secondary columns '<init> Var(dL/dW)': the weight gradient's variance, the same "
               "way."),
           deviations=_table10_deviations,
           claims=[Claim("The variance is close to 10^-9 for all convolutional layers (LSUV; criterion: nearest "
                         "power of ten 1e-9 in every conv layer).", _close_to_1e9),
                   # declared for the smoke gate: held on seeds 0-3, 70-72, 101-103 and, untuned, 5-11, 31-33, 42, 917
                   # (Dec 2026; at seeds 7, 42, 917 max/min LSUV 14.8, MSRA 3.9, OrthoInit 1.6e5, Xavier 1.2e5)
                   Claim("It is much more stable than for the reference methods, except MSRA (criterion: max/min "
                         f"over the conv layers >= {MUCH}x smaller than OrthoInit's and Xavier's, not {MUCH}x "
                         "smaller than MSRA's).", _more_stable_except_msra, smoke_gate=True)]),
    Target(PAPER, "1", "figure", "Relative weight update per iteration for scalings of the orthonormal init",
           cells=layout_cells(figure1_layout), plot=figure1_plot, datasets=("cifar10",),
           protocol=lambda scale: [f"FitNet-4, OrthoNorm x {MEASURE_SCALES[scale]['gains']}, first "
                                   f"{MEASURE_SCALES[scale]['fig1_steps']} SGD steps (lr 0.01, momentum 0.9, batch "
                                   f"{MEASURE_SCALES[scale]['batch']}); seeds "
                                   f"{', '.join(map(str, _measure_seeds(scale)))}.",
                                   "Read per run: the update level (median over the iterations of the mean over "
                                   "layers of |dW|/|W|, %), the loss change from the first iteration to the mean "
                                   "of the last quarter, and that final loss; 'diverged' = a non-finite loss."],
           deviations=lambda scale: [FIG1_DEVIATION, *FIG1_READINGS, FITNET4_DEVIATION] + (
               [f"{scale} scale: width x{MEASURE_SCALES[scale]['width']}, batch {MEASURE_SCALES[scale]['batch']}, "
                f"{MEASURE_SCALES[scale]['fig1_steps']} iterations."] if scale == "smoke" else []),
           values=figure1_values,
           claims=[Claim("The values in the range 0.1% .. 1% lead to convergence, larger to divergence, for "
                         "smaller, the network can hardly leave the initial state (every run: update level > 1% "
                         "diverges (non-finite, or loss up > 1%); 0.1-1%: finite, loss falls > 1%; < 0.1%: finite, "
                         "loss within 1%; each band reached).", _figure1_bands),
                   Claim("The optimal scaling for ReLU-net is around 1.4 (of the ReLU scales tried, the one nearest "
                         "1.41 ends with the lowest training loss).", _relu_optimum_near_1_4)]),
    Target(PAPER, "2", "figure", "FitNet-4 CIFAR-10 test accuracy per epoch by activation and init",
           cells=layout_cells(table3_layout), plot=figure2_plot, datasets=("cifar10",), protocol=_train_lines,
           values=figure2_values, deviations=lambda scale: _lsuv_train_deviations(scale) + [ORTHO_MSRA_DEVIATION],
           claims=[Claim("Figure 2 shows that LSUV method not only leads to better generalization error, but also "
                         "converges faster for all tested activation functions, except tanh (final test accuracy and "
                         "mean test accuracy over the epochs both above every other init's but OrthoNorm-MSRA scaled "
                         "for maxout, ReLU, "
                         "VLReLU; not both for tanh; n/a where no run converged).", _lsuv_better_and_faster)]),
    Target(PAPER, "3", "figure", "FitNet-4 test accuracy vs wall-clock time: LSUV vs BN vs BN-half",
           cells=layout_cells(figure3_layout), plot=figure3_plot, datasets=("cifar10",),
           protocol=_lines("Figure 3: FitNet-4 maxout (the paper names no non-linearity: see the deviations) three ways: LSUV; BN-FitNet-4, Xavier "
                           "init, BN after every non-linearity; BN-half, the same with half the epochs and the lr "
                           "drops at half the epochs. Test accuracy against wall-clock training time."),
           values=figure3_values,
           deviations=lambda scale: _lsuv_train_deviations(scale) + [FIG3_BN_DEVIATION, FIG3_ACT_DEVIATION],
           claims=[Claim("Batch-normalization reduces training time in terms of needed number of iterations, but "
                         "each iteration becomes slower because of extra computations (BN: fewer epochs than LSUV "
                         "to reach half-way from chance to the lower of their final test accuracies, and fewer "
                         "training images per second).",
                         _bn_fewer_iterations_but_slower),
                   Claim("LSUV-initialized network is as good as batch-normalized one (final test accuracy at least "
                         f"BN's minus {MATCH_PP:g} pp, the suite's match).", _lsuv_as_good_as_bn)]),
    *[Target(PAPER, id, "figure", f"{net} on ImageNet: LSUV vs {ref} init (needs REPRO_IMAGENET)",
             cells=layout_cells(imagenet_layout(id)), plot=imagenet_plot(id), datasets=("imagenet",),
             protocol=imagenet_protocol(id), values=imagenet_values(id), claims=IMAGENET_CLAIMS[id],
             deviations=lambda scale, id=id: [IMAGENET_NET_DEVIATION[id], TOL_VAR_DEVIATION, LSUV_BATCH_READING,
                                              *IMAGENET_READINGS])
      for id, net, ref in (("4", "CaffeNet", "original"), ("5", "GoogLeNet", "reference"))],
]
