"""Zhang et al., "Necessary conditions for convergence of CNNs and
initialization of convolution kernels" (Digital Signal Processing 2022).
../shared/papers/004_ff741149659de401.txt

Section 3 (reproduce.convinit_s3): a CNN converges only if the forward norms ||y_l|| = alpha_l
||y_{l-1}|| and the backward error norms ||delta_{l-1}|| = beta_l ||delta_l||
neither explode nor vanish through depth: alpha_l, beta_l near 1. Section 4
derives Gaussian inits that keep them at 1 (models.init.convinit_): the
forward rule Var(w_l) = 1 / (lambda_l n_l), n_l = c_in k^2 (eq. 22; ReLU:
2 / n_l, eq. 24 = Kaiming), the backward rule Var(w_l) = 1 / (lambda'_l
m_{l+1}), m = c_out k^2 (eq. 34; ReLU: 2 / m, eq. 36), and with BN
Var(w_l) = 2 / (gamma_l m_{l+1}) (eq. 41), gamma chosen from the initial
learning rate: larger variance (gamma < 1) for a larger rate. The suite
writes eq. 41 as Var = k / fan_out with k = 2 / gamma ("Var(w) = 5/m
indicates gamma = 0.4", section 5.2).

Protocol (5.1): SGD, Nesterov momentum 0.9, lr 0.1 decayed by a cosine after
every iteration to 0, 200 (or 300) epochs, batch 128 (test batch 100),
weight decay 2e-4 (VGG-19, ResNet-110, DenseNet-100) / 1.25e-4 (WRN-28-10)
on CIFAR-10, 3e-4 / 1e-4 on CIFAR-100, not on biases or BN parameters; no
dropout; random crop + flip, with Cutout, Mixup, AutoAugment or random
erasing where a table says (reproduce.augment). "Acc (best)" = the best
test accuracy over the epochs.
"""
from __future__ import annotations

import dataclasses
import math

from models import build_model, count_parameters

from .accuracy import common_level, converges, epochs_to_reach, training_outcome, worst_case_lead
from .convinit_s3 import TARGET as S3_TARGET
from .critical_depth import converged, trained, trained_threshold
from .data import DataSpec
from .experiment import Cell
from .report import cited, save_figure
from .seeds import seeds
from .targets import Claim, Target, Value, layout_cells, layout_records, layout_runs, merge_seeds
from .train import TrainSpec

PAPER = "convinit"

SCALES = {
    # epochs (the paper: 200, Table 2's second row 300), images, batch, model size ("paper" or "small"), seeds
    "paper": dict(epochs=200, train_size=None, test_size=None, batch=128, size="paper", seeds=(0,)),
    "fast": dict(epochs=30, train_size=None, test_size=None, batch=128, size="paper", seeds=(0,)),
    "smoke": dict(epochs=2, train_size=512, test_size=256, batch=64, size="small", seeds=(0,)),
}

# the four networks of Tables 1 and 3: paper-size and small (smoke) constructor arguments
MODELS = {
    "VGGNet-19": ({"arch": "vgg", "depth": 19}, {"arch": "vgg", "depth": 19, "width": 0.0625}),
    "ResNet-110": ({"arch": "resnet", "depth": 110}, {"arch": "resnet", "depth": 14, "widths": (8, 16, 32)}),
    "DenseNet-100": ({"arch": "densenet", "depth": 100, "growth_rate": 12},
                     {"arch": "densenet", "depth": 22, "growth_rate": 6}),
    "WideResNet28-10": ({"arch": "wrn", "depth": 28, "widen_factor": 10},
                        {"arch": "wrn", "depth": 10, "widen_factor": 1}),
}
WRN = "WideResNet28-10"
WEIGHT_DECAY = {"cifar10": {"default": 2e-4, WRN: 1.25e-4}, "cifar100": {"default": 3e-4, WRN: 1e-4}}
# "ours" per dataset and model: conv k (Var = k / fan_out) and the fully-connected layer's init (5.3, 5.4)
OURS = {
    "cifar10": {"VGGNet-19": dict(init_k=5.0, init_fc_k=1.0), "ResNet-110": dict(init_k=5.0, init_fc_k=1.0),
                "DenseNet-100": dict(init_k=5.0, init_fc_k=1.0), WRN: dict(init_k=3.0, init_fc_k=0.25)},
    "cifar100": {"VGGNet-19": dict(init_k=1.5, init_fc_std=0.01), "ResNet-110": dict(init_k=1.5, init_fc_std=0.01),
                 "DenseNet-100": dict(init_k=1.2, init_fc_k=0.25), WRN: dict(init_k=2.5, init_fc_k=1.0)},
}
CUTOUT = {"cifar10": "cutout16", "cifar100": "cutout8"}  # DeVries & Taylor's sizes
MIXUP_ALPHA = 1.0  # Zhang et al. 2018's CIFAR setting
DATASET_LABEL = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100"}


def scale_seeds(scale: str) -> tuple[int, ...]:
    """The seeds every training cell of `scale` runs under: $SEEDS / --seeds, else the scale's own (seed 0)."""
    return seeds(SCALES[scale]["seeds"])


def model_args(name: str, scale: str) -> dict:
    paper, small = MODELS[name]
    return dict(paper if SCALES[scale]["size"] == "paper" else small)


def init_args(init: str, name: str, dataset: str) -> dict:
    """Kaiming = He et al.'s N(0, 2 / fan_in) (the paper's eq. 24 'is exactly the Kaiming initialization');
    ours = models.init's "convinit" with the constants of sections 5.3 / 5.4."""
    return {"init": "msra"} if init == "Kaiming" else {"init": "convinit", **OURS[dataset][name]}


def train_spec(scale: str, weight_decay: float, lr: float = 0.1, epochs: int | None = None,
               mixup: bool = False) -> TrainSpec:
    s = SCALES[scale]
    return TrainSpec(epochs=epochs or s["epochs"], batch_size=s["batch"], lr=lr, momentum=0.9, nesterov=True,
                     weight_decay=weight_decay, decay_bias=False, decay_norm=False, schedule="cosine",
                     schedule_per_step=True, mixup_alpha=MIXUP_ALPHA if mixup else 0.0)


def data_spec(scale: str, dataset: str, extra: tuple = ()) -> DataSpec:
    s = SCALES[scale]
    return DataSpec(dataset, train_size=s["train_size"], test_size=s["test_size"], augment=True, crop_pad=4,
                    normalize="channel", extra_augment=tuple(extra))


def table_cell(scale: str, dataset: str, name: str, init: str, augment: str, epochs: int | None = None,
               seed: int = 0) -> Cell:
    """One network of Tables 1-3: `augment` is the table's data-augmentation label; `seed` the training seed."""
    extra, mixup = [], False
    for part in augment.split(" + "):
        part = part.strip().lower()
        if part == "cutout":
            extra.append(CUTOUT[dataset])
        elif part == "autoaugment":
            extra.insert(0, "autoaugment")
        elif part == "random erasing":
            extra.append("erasing")
        elif part == "mixup":
            mixup = True
        else:
            raise ValueError(f"unknown augmentation {part!r}")
    wd = WEIGHT_DECAY[dataset].get(name, WEIGHT_DECAY[dataset]["default"])
    model = {**model_args(name, scale), **init_args(init, name, dataset)}
    label = f"{name} {init} {augment} {dataset}"
    return Cell.make(PAPER, label, model, data_spec(scale, dataset, extra),
                     train_spec(scale, wd, epochs=epochs, mixup=mixup), seed, scale)


# ------------------------------------------------------------------ Tables 1-3

T1_AUGMENT = {"VGGNet-19": "Cutout", "ResNet-110": "Cutout", "DenseNet-100": "Cutout", WRN: "Cutout + Mixup"}
T3_AUGMENT = {"VGGNet-19": "Cutout", "ResNet-110": "Cutout", "DenseNet-100": "Cutout", WRN: "AutoAugment + Cutout"}
ACC = "Acc (best)"
# our column, not the paper's (its Tables 1 and 3 print only Params and "Acc (best) %"): each run's last-epoch
# training accuracy in %, which the claims read to tell a run that trained from one that stayed at chance
TRAIN_ACC = "final train acc"


# "The result data comes from [31]" (section 5.3): Table 1's Kaiming, MetaInit and GradInit numbers are GradInit's
# runs (Zhu et al. 2021), under its protocol. They are context; our Kaiming run, under ConvInit's protocol, is its
# own row.
T1_KAIMING = "{name} Kaiming (our re-run, ConvInit protocol)"
T1_CITED = ("Kaiming", "MetaInit", "GradInit")


def table1_layout(scale: str):
    return [(T1_KAIMING.format(name=name) if init == "Kaiming" else f"{name} {init}", ACC,
             table_cell(scale, "cifar10", name, init, aug, seed=s))
            for name, aug in T1_AUGMENT.items() for init in ("Kaiming", "ours") for s in scale_seeds(scale)]


def table3_layout(scale: str):
    return [(f"{name} {init}", ACC, table_cell(scale, "cifar100", name, init, aug, seed=s))
            for name, aug in T3_AUGMENT.items() for init in ("Kaiming", "ours") for s in scale_seeds(scale)]


T2_OURS = {"AutoAugment + Cutout + our initialization": ("AutoAugment + Cutout", 200),
           "AutoAugment + random erasing + Mixup + our initialization": ("AutoAugment + random erasing + Mixup", 300)}


def table2_layout(scale: str):
    out = []
    for row, (aug, epochs) in T2_OURS.items():
        ep = epochs if scale == "paper" else SCALES[scale]["epochs"]
        out += [(row, ACC, table_cell(scale, "cifar10", WRN, "ours", aug, epochs=ep, seed=s))
                for s in scale_seeds(scale)]
    return out


def _describe(cell: Cell, r: dict) -> str:
    m = cell.model_kwargs
    size = ", ".join(f"{k} {v}" for k, v in m.items() if k not in ("arch", "init", "init_k", "init_fc_k",
                                                                     "init_fc_std"))
    init = m["init"] + (f" k={m['init_k']:g}" if "init_k" in m else "")
    return f"{m['arch']} ({size}), {init}, {r.get('epochs_run')} ep, {training_outcome(r)}"


def best_accuracy_values(layout, params: bool = False, train_acc: bool = False):
    """'Acc (best)': the best test accuracy over the epochs, in % (the paper's column); with `params`, also
    each model's parameter count at the paper's size (the architecture fact the tables print); with `train_acc`,
    each run's last-epoch training accuracy in % (TRAIN_ACC: whether the net trained, for a claim)."""
    def values(pairs):
        out = []
        for (row, col), runs in layout_runs(layout, pairs).items():
            accs = [100 * r["best_test_acc"] if r.get("status") == "ok" and r.get("best_test_acc") is not None
                    else "n/c" for _, r in runs]
            ev = "; ".join(_describe(cell, r) + (f" (seed {cell.seed})" if len(runs) > 1 else "") for cell, r in runs)
            out.append(Value(row, col, accs, evidence=ev))
            if train_acc:
                out.append(Value(row, TRAIN_ACC, [100 * r["final_train_acc"] if r.get("status") == "ok"
                                                  and r.get("final_train_acc") is not None else "n/c"
                                                  for _, r in runs], evidence=ev))
        if params and pairs:
            scale, dataset = pairs[0][0].scale, pairs[0][0].data.name
            classes = 10 if dataset == "cifar10" else 100
            for name in MODELS:
                paper_args = dict(MODELS[name][0])
                n = count_parameters(build_model(paper_args.pop("arch"), num_classes=classes, **paper_args))
                out.append(Value(f"{name} Kaiming", "Params", [n], unit="params",
                                 evidence=f"paper-size network ({scale} trains a smaller one)"
                                 if SCALES[scale]["size"] != "paper" else "the network trained"))
        return out
    return values


def cited_rows(table: str) -> dict:
    """{row: value} of a published table's context rows (report.cited; ConvInit's have one column each)."""
    return {row: v for (row, _), v in cited(PAPER, table).items()}


def ours_surpasses(ours, rival) -> bool:
    """Our run's accuracy above a rival's, the suite's convention (accuracy.rank): ours surpasses nothing unless it
    converged on every seed ('n/c', or a value mixed over seeds such as 'n/c/93.1', is a run that diverged or did not
    converge: a result, never a stand-in number), and a rival that did not converge ranks below every converged run.
    A rival mixed over seeds is taken at its worst case for the claim (accuracy.converged_seeds_mean: the mean of the
    seeds that converged). `ours` and `rival` must both have run (the caller leaves a missing cell n/a)."""
    return worst_case_lead(ours, rival) > 0


def _acc(v) -> str:
    """A table value in a claim's detail: a number to 2 decimals, a literal ('n/c', 'n/c/93.1') as it is."""
    return f"{float(v):.2f}" if converges(v) else str(v)


def claim_t1_surpasses(means: dict):
    """'As can be seen, the test results of our initialization method on the four network models using the same
    data augmentation method surpass other initialization methods' (section 5.3, Table 1): on every model ours is
    above the other initialization methods of Table 1, the rows 'The result data comes from [31]' (Kaiming,
    MetaInit, GradInit, cited from GradInit's runs). Our own Kaiming re-run is shown in the table, not compared:
    the sentence is about the methods the table cites. A run of ours that diverged or did not converge ('n/c', on
    any seed) surpasses nothing and fails its model (ours_surpasses). A model whose run of ours is missing (never
    ran) makes the claim n/a unless another model already fails it."""
    table = cited_rows("1")
    parts, ok, missing = [], True, []
    for name in MODELS:
        o = means.get((f"{name} ours", ACC))
        if o is None:
            missing.append(name)
            continue
        others = {f"{m} [31]": table[f"{name} {m}"] for m in T1_CITED}
        ok &= all(ours_surpasses(o, v) for v in others.values())
        parts.append(f"{name}: ours {_acc(o)}" + ("" if converges(o) else " (did not converge: surpasses nothing)")
                     + " vs " + ", ".join(f"{m} {v:.2f}" for m, v in others.items()))
    if missing and ok:
        raise ValueError(f"not reproduced: {', '.join(missing)}" + "".join(f"; {p}" for p in parts))
    return ok, "; ".join(parts + [f"not reproduced: {', '.join(missing)}"] * bool(missing))


def kaiming_row(name: str, dataset: str) -> str:
    """The row of our own Kaiming run of `name` on `dataset`: Table 1's 'Kaiming' row is GradInit's number
    (cited), so our re-run is its own row there (T1_KAIMING); Table 3's Kaiming row is the paper's re-run."""
    return T1_KAIMING.format(name=name) if dataset == "cifar10" else f"{name} Kaiming"


def ours_beats_kaiming(dataset: str):
    """Our init's best test accuracy above our Kaiming run's (same network, same protocol) on every model. CIFAR-100
    (Table 3): 'the experimental results showed that the initialization method proposed in this work improved the
    accuracy of image classification' (abstract; the experiments are 'on the CIFAR-10 and CIFAR-100 datasets ...
    with four network models'), 'we have re-implemented the Kaiming initialization method and compared the test
    results with our initialization method in Table 3' (section 5.4). CIFAR-10 (Table 1, our re-run row): 'In the
    case that the network structure is exactly the same ..., our initialization method makes ... the test results
    ... better than other initialization methods' (introduction). Trained = the suite's one criterion
    (critical_depth.trained, on the final training accuracy: at least 1.5 x chance): where only one of the two runs
    trained, it is the better init (ours untrained beside a trained Kaiming fails the model: no improvement); two
    runs at chance say nothing about which init is better. A model not reproduced or where neither trained makes
    the claim n/a unless another model already fails it."""
    classes = 10 if dataset == "cifar10" else 100

    def check(means: dict):
        parts, ok, undecided = [], True, []
        why = f"did not train (final training accuracy under {trained_threshold(classes):g} %)"
        for name in MODELS:
            rows = {"Kaiming": kaiming_row(name, dataset), "ours": f"{name} ours"}
            acc = {init: means.get((row, ACC)) for init, row in rows.items()}
            train_acc = {init: means.get((row, TRAIN_ACC)) for init, row in rows.items()}
            if any(v is None for v in (*acc.values(), *train_acc.values())):
                undecided.append(f"{name} not reproduced")
                continue
            untrained = [init for init in rows if not trained(train_acc[init], num_classes=classes)]
            if len(untrained) == 2:
                undecided.append(f"{name} Kaiming and ours {why}")
                continue
            if untrained:  # one trained, the other not: the one that trained is the better init
                ok &= untrained == ["Kaiming"]
                parts.append(f"{name}: {untrained[0]} {why}, the other trained")
                continue
            if not all(isinstance(v, float) for v in acc.values()):
                undecided.append(f"{name} test accuracy {acc}")
                continue
            ok &= acc["ours"] > acc["Kaiming"]
            parts.append(f"{name}: ours {acc['ours']:.2f} vs Kaiming {acc['Kaiming']:.2f}")
        if undecided and ok:
            raise ValueError("; ".join(undecided + parts))
        return ok, "; ".join(parts + undecided)
    return check


claim_t3_ours_beats_kaiming = ours_beats_kaiming("cifar100")

EPOCHS_TO_LEVEL = "epochs to the common level"  # a row's second column: see convergence_values


def convergence_values(layout, dataset: str):
    """'our initialization method makes the convergence speed of CNNs faster' (introduction): per model and seed,
    the epochs our run and our Kaiming run need to reach a common training accuracy, half-way from chance to the
    lower of the two runs' last-epoch training accuracies (the paper's own convergence plots, Figures 2-7, are of
    training accuracy and loss; the half-way level is the suite's reading, as for NG's Figure 5 and LSUV's Figure
    3: a level both reach, so the counts compare speed, not which run ends higher). A run that did not train (the
    suite's one criterion) is 'n/c'; where only one trained, the other's count is to half-way to its own end."""
    classes = 10 if dataset == "cifar10" else 100

    def values(pairs):
        runs: dict = {}
        for row, _, cell, r in layout_records(layout, pairs):
            runs.setdefault(cell.seed, {})[row] = r
        out = []
        for name in MODELS:
            rows = (kaiming_row(name, dataset), f"{name} ours")
            for by_row in runs.values():
                if not all(row in by_row for row in rows):
                    continue
                ok = {row: by_row[row].get("status") == "ok"
                      and trained(100 * (by_row[row].get("final_train_acc") or 0), num_classes=classes)
                      for row in rows}
                ends = [by_row[row]["final_train_acc"] for row in rows if ok[row]]
                if not ends:
                    out += [Value(row, EPOCHS_TO_LEVEL, ["n/c"], unit="epochs", evidence=training_outcome(by_row[row]))
                            for row in rows]
                    continue
                level = common_level(1 / classes, ends)
                for row in rows:
                    r = by_row[row]
                    if not ok[row]:
                        out.append(Value(row, EPOCHS_TO_LEVEL, ["n/c"], unit="epochs", evidence=training_outcome(r)))
                        continue
                    curve = [h.get("train_acc") for h in r["history"]]
                    out.append(Value(row, EPOCHS_TO_LEVEL, [epochs_to_reach(curve, level)], unit="epochs",
                                     evidence=f"level {100 * level:.2f}% training accuracy (half-way from chance to "
                                              f"the lower last-epoch training accuracy {100 * min(ends):.2f}%)"))
        return merge_seeds(out)
    return values


def ours_converges_faster(dataset: str):
    """'our initialization method makes the convergence speed of CNNs faster' (introduction, on the CIFAR-10 and
    CIFAR-100 runs): on every model our run reaches the common level (convergence_values) in strictly fewer epochs
    than our Kaiming run of the same network. Where only one of the two trained (on any seed: a count mixed with
    'n/c' is not a number), it is the faster (ours untrained fails the model); both reaching the level within the
    first epoch, or neither training, leaves the model undecided (n/a, unless another model fails)."""
    def check(means: dict):
        parts, ok, undecided = [], True, []
        for name in MODELS:
            k, o = means.get((kaiming_row(name, dataset), EPOCHS_TO_LEVEL)), means.get((f"{name} ours", EPOCHS_TO_LEVEL))
            if k is None or o is None:
                undecided.append(f"{name}: not reproduced")
                continue
            num_k, num_o = isinstance(k, (int, float)), isinstance(o, (int, float))
            if not num_k and not num_o:
                undecided.append(f"{name}: neither trained (ours {o}, Kaiming {k})")
            elif num_k != num_o:
                ok &= num_o
                parts.append(f"{name}: {'Kaiming' if num_o else 'ours'} did not train (ours {o}, Kaiming {k})")
            elif o == k == 1:
                undecided.append(f"{name}: both within the first epoch")
            else:
                ok &= o < k
                parts.append(f"{name}: ours {o:g} vs Kaiming {k:g} epochs")
        if undecided and ok:
            raise ValueError("; ".join(undecided + parts))
        return ok, "; ".join(parts + undecided) + (" (epochs to half-way from chance to the lower last-epoch "
                                                   "training accuracy; pass: ours strictly fewer)")
    return check


# Table 2's cited rows, grouped by the epochs of the row of ours below them
T2_CITED = {"AutoAugment + Cutout + our initialization": ("AutoAugment + Cutout", "Mixup"),
            "AutoAugment + random erasing + Mixup + our initialization": (
                "AutoAugment + random erasing + Mixup", "Manifold Mixup", "ResizeMix", "Cut-MixMo + CutMix")}


def claim_t2_surpasses(means: dict):
    """'our initialization method still surpasses these methods in terms of test results' (section 5.3): each row
    of ours is above every cited row trained for the same epochs (200 / 300). A row of ours that diverged or did not
    converge ('n/c', on any seed) surpasses nothing and fails (ours_surpasses). n/a when a row of ours is missing
    (never ran) and the other does not already fail."""
    table = cited_rows("2")
    parts, ok, missing = [], True, []
    for row, rivals in T2_CITED.items():
        ours = means.get((row, ACC))
        if ours is None:
            missing.append(row)
            continue
        best = max(rivals, key=table.get)
        ok &= ours_surpasses(ours, table[best])
        parts.append(f"{row}: {_acc(ours)}" + ("" if converges(ours) else " (did not converge: surpasses nothing)")
                     + f" vs the best cited row of its epochs ({best}) {table[best]:.2f}")
    if missing and ok:
        raise ValueError(f"not reproduced: {'; '.join(missing)}")
    return ok, "; ".join(parts + [f"not reproduced: {'; '.join(missing)}"] * bool(missing))


# ------------------------------------------------------------------ Figures 2-7: lr and init variance

FIG_NETS = {"VGGNet-19": ("2", "3", "4"), "ResNet-34": ("5", "6", "7")}
FIG_LRS = (0.1, 0.01, 0.001)
FIG_KS = {"paper": (0.5, 1.0, 2.0, 5.0, 10.0), "fast": (0.5, 1.0, 2.0, 5.0, 10.0), "smoke": (0.5, 2.0, 10.0)}
# Figures 2-7's budget where it differs from the scale's tables (SCALES): training images and epochs. At smoke the
# tables' 512 images x 2 epochs (16 steps) leave every figure run at chance, where no k is best; 2,048 images x 4
# epochs (128 steps of 64) lets the runs train (calibrated for the smoke gate, FIG_SMOKE_GATED).
FIG_BUDGET = {"smoke": dict(train_size=2048, epochs=4)}
FIG_MODELS = {  # the ResNet-34 adapted to CIFAR (3x3 stem, no max pool), fc without bias ("all bias set as false")
    "VGGNet-19": ({"arch": "vgg", "depth": 19, "fc_bias": False},
                  {"arch": "vgg", "depth": 19, "width": 0.0625, "fc_bias": False}),
    # small (smoke): ResNet-18 (basic blocks 2-2-2-2) at 8-16-32-64 filters stands for ResNet-34, at about 0.6 x its
    # time a step (the tables' smoke likewise trains ResNet-14 for ResNet-110)
    "ResNet-34": ({"arch": "imagenet-resnet", "depth": 34, "cifar_stem": True, "fc_bias": False},
                  {"arch": "imagenet-resnet", "depth": 18, "cifar_stem": True, "fc_bias": False,
                   "widths": (8, 16, 32, 64)}),
}


def small_network(net: str) -> str:
    """The network the small scales train for the paper's `net` in Figures 2-7, named from FIG_MODELS (the plot
    title and the protocol say the same as the cells)."""
    small = FIG_MODELS[net][1]
    if small["arch"] == "vgg":
        return f"VGG-{small['depth']} x{small['width']:g}"
    return f"ResNet-{small['depth']} at {'-'.join(map(str, small['widths']))} filters"


def figure_cell(scale: str, net: str, lr: float, k: float, seed: int = 0) -> Cell:
    paper, small = FIG_MODELS[net]
    model = {**(paper if SCALES[scale]["size"] == "paper" else small), "init": "convinit", "init_k": k,
             "init_fc_k": 1.0}
    train_size, epochs = figure_budget(scale)
    data = dataclasses.replace(data_spec(scale, "cifar10"), train_size=train_size)
    return Cell.make(PAPER, f"{net} lr={lr:g} Var=k/m k={k:g}", model, data,
                     train_spec(scale, 2e-4, lr=lr, epochs=epochs), seed, scale)


def figure_budget(scale: str) -> tuple:
    """(training images, epochs) of Figures 2-7's runs at `scale`: FIG_BUDGET's, else the scale's (SCALES)."""
    b = {**SCALES[scale], **FIG_BUDGET.get(scale, {})}
    return b["train_size"], b["epochs"]


def figure_layout(net: str, lr: float):
    def layout(scale: str):
        return [(f"k={k:g}", f"lr={lr:g}", figure_cell(scale, net, lr, k, s)) for k in FIG_KS[scale]
                for s in scale_seeds(scale)]
    return layout


def mean_train_loss(result: dict) -> float:
    """The mean over the epochs of the training loss (each epoch's mean): the area under a figure's loss curve
    per epoch, lower for a run whose loss falls faster. NaN when an epoch's loss is not finite."""
    losses = [h["train_loss"] for h in result["history"]]
    return sum(losses) / len(losses) if all(math.isfinite(x) for x in losses) else math.nan


def best_k(records: list) -> tuple:
    """(k, mean training loss over the epochs) of the init variance that converges fastest: the lowest mean
    training loss over the epochs (mean_train_loss, the area under the loss curve), among the runs that trained:
    finished (diverged runs never win) and converged by the suite's one criterion (critical_depth.converged:
    last-epoch training accuracy at least 1.5 x chance). Figures 2-7 are about convergence speed (section 4.3:
    with a bigger rate and eq. 24 / 36 'the training process of the network will be oscillatory and unstable,
    too. As a result, the convergence speed will slow down'; with a small rate and gamma > 1 'the convergence
    speed of the network can be accelerated'), and after a cosine decay to 0 every run that trained ends near
    zero loss, so the final loss ranks noise. A run that never left chance only shrank its initial loss (with BN
    a smaller k takes larger effective steps, so it does that faster whether or not the net learns), which says
    nothing about which variance trains best. ("n/c", None) when no run trained: no k is best."""
    done = [(k, mean_train_loss(r)) for k, r in records
            if r["status"] == "ok" and r.get("history") and converged(r)]
    done = [(k, area) for k, area in done if math.isfinite(area)]
    return min(done, key=lambda kl: kl[1]) if done else ("n/c", None)


def figure_plot(net: str, lr: float, fig: str):
    layout = figure_layout(net, lr)

    def plot(pairs, path: str, scale: str) -> None:
        import matplotlib.pyplot as plt

        f, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
        for row, _, cell, r in layout_records(layout, pairs):
            h = r["history"]
            label = f"Var = {row[2:]}/m" + (f" (seed {cell.seed})" if len(scale_seeds(scale)) > 1 else "")
            a.plot([x["epoch"] for x in h], [100 * x["train_acc"] for x in h], marker=".", label=label)
            b.plot([x["epoch"] for x in h], [x["train_loss"] for x in h], marker=".", label=label)
        a.set_xlabel("epoch")
        a.set_ylabel("training accuracy (%)")
        b.set_xlabel("epoch")
        b.set_ylabel("training loss")
        b.set_yscale("log")
        a.legend(fontsize=8)
        trained = net if SCALES[scale]["size"] == "paper" else f"{net} (trained: {small_network(net)})"
        save_figure(f, path, f"ConvInit Figure {fig}: {trained} with BN, initial lr {lr:g}, Var(w) = k / fan_out "
                             f"({scale} scale)")
    return plot


def figure_values(net: str, lr: float):
    layout = figure_layout(net, lr)

    def values(pairs):
        """The best k of each seed's own grid (a list over seeds); no value unless every seed present has the
        whole grid (a k that failed or did not run could be the best one: no best k from part of the grid)."""
        per_seed: dict = {}
        for row, _, c, r in layout_records(layout, pairs):
            per_seed.setdefault(c.seed, []).append((float(row[2:]), r))
        grid = len(FIG_KS[pairs[0][0].scale]) if pairs else 0
        if not per_seed or any(len(recs) < grid for recs in per_seed.values()):
            return []
        best = {s: best_k(recs) for s, recs in per_seed.items()}
        ev = "; ".join((f"mean training loss over the epochs {loss:.3g}" if loss is not None else
                        f"none of the {grid} runs trained (diverged, or last-epoch training accuracy under 1.5 x "
                        "chance)")
                       + (f" (seed {s}: k={k})" if len(best) > 1 else "") for s, (k, loss) in best.items())
        return [Value(net, f"lr={lr:g}", [k for k, _ in best.values()], unit="k", evidence=ev)]
    return values


def lr_init_layout(scale: str):
    return [(net, f"lr={lr:g}", cell) for net in FIG_NETS for lr in FIG_LRS
            for _, _, cell in figure_layout(net, lr)(scale)]


def lr_init_values(pairs):
    out = []
    for net in FIG_NETS:
        for lr in FIG_LRS:
            out += figure_values(net, lr)(pairs)
    return out


# Section 4.3: "When the initial learning rate is bigger, let gamma_l < 1 make Var(w_l) bigger; and when the initial
# learning rate is small, let gamma_l > 1 make Var(w_l) smaller" -- relative to gamma = 1, eq. 41's Var = 2 / m
# (k = 2 / gamma = 2). Figures 2 / 5 (lr 0.1, the paper's training lr, for which it takes k = 5, gamma = 0.4) and
# 4 / 7 (lr 0.001, the smallest) are the "bigger" and "small" rates; the text calls lr 0.01 neither, so Figures 3 /
# 6 carry no claim of their own.
GAMMA_ONE_K = 2.0
# The figures whose claim the smoke is calibrated to show (Claim.smoke_gate), at FIG_BUDGET["smoke"] (2,048 images x
# 4 epochs, k in {0.5, 2, 10}: k = 2 is gamma = 1, the sentence's reference; probes on the 2-core machine, Dec 2026;
# best k by the area under the loss curve among the runs that trained; "n/c" = under 1.5 x chance), the small
# rate's side:
# - VGG-19, lr 0.001 (Figure 4): k = 0.5 on calibration seeds 1-4 (area 2.16-2.26; k = 2: 2.29-2.45; k = 10: 2.32-2.54,
#   n/c on 1, 3, 4; k = 0.5 ends at 18-27 % training accuracy) and on seeds 0, 91-93 (k = 2 n/c on 92, 93, at least
#   0.08 above k = 0.5 on 0 and 91; k = 10 n/c on each).
# - ResNet-34 (ResNet-18 at smoke), lr 0.001 (Figure 7): k = 0.5 on seeds 1-4 (area 2.14-2.28; k = 2: 2.24-2.35, n/c
#   on 1; k = 10 n/c on each) and on 0, 91-93, 101, 102 (k = 2 at least 0.06 above k = 0.5, or n/c; k = 0.5 ends at
#   18-24 % training accuracy). (The ResNet-34 of the first probes gave the same on 0-4, 91-93, at 1.6 x the time.)
# Through the harness (`--seeds 0,101,102,103`, two threads) both held on every seed: VGG's k = 0.5 trained
# (17.8-20.1 %), k = 10 on none (10.5-13.7 %), k = 2 on 0, 101, 103 (area 2.349-2.423 vs k = 0.5's 2.278-2.315);
# ResNet-18's k = 0.5 trained (18.5-23.7 %), k = 10 on none (10.9-12.9 %), k = 2 on 101-103 (area 2.279-2.321 vs
# k = 0.5's 2.160-2.268), about 10 s a cell.
# Not declared, the bigger rate's side: VGG-19 at lr 0.1 (Figure 2) gave k = 10 over k = 0.5 on seeds 0-4 and 91-93
# in one-thread probes (area 2.01-2.24 vs 2.14-2.34), but through the harness (two threads) seed 0 gave k = 0.5 (2.143
# vs 2.157, k = 0.5 at 20.5 % training accuracy): lr 0.1 with k = 0.5 is on the edge of stability (n/c on some seeds,
# trained on others), so the order flips with the arithmetic's rounding. At lr 0.1 (Figure 5) the smoke's first
# ResNet-34 trained faster with k = 0.5 than with k = 10 on seeds 2 and 4 (2.10 vs 2.12, 1.98 vs 2.02), so the
# lr-init table's "decreases" failed with it; the smoke's ResNet-18 gave k = 2 (gamma = 1) as the best on each of
# seeds 1-4 through the harness (Dec 2026). lr 0.01 (Figures 3, 6) carries no claim.
# The mechanism is BN's scale invariance: with k 4x (20x) smaller the same lr is a 4x (20x) larger step for the
# weights' direction, what lets lr 0.001 leave chance within the budget and what makes lr 0.1 unstable.
FIG_SMOKE_GATED = {("VGGNet-19", 0.001), ("ResNet-34", 0.001)}
FIG_RATE = {0.1: "bigger", 0.001: "small"}


def claim_best_k_side(net: str, lr: float):
    """The figure of (net, lr)'s best k (the fastest-converging one, best_k) on the side of k = 2 (gamma = 1) that
    section 4.3 gives its rate: above 2 (gamma < 1) for the bigger rate, below 2 (gamma > 1) for the small one; n/a
    when no k is best."""
    bigger = FIG_RATE[lr] == "bigger"

    def check(means: dict):
        k = means.get((net, f"lr={lr:g}"))
        if not isinstance(k, float):
            raise ValueError(f"{net} at lr {lr:g}: best k {'not reproduced' if k is None else k}")
        ok = k > GAMMA_ONE_K if bigger else k < GAMMA_ONE_K
        return ok, f"{net} at lr {lr:g}: best k {k:g}, gamma = 2 / k = {2 / k:.2g} (pass: gamma " \
            f"{'< 1' if bigger else '> 1'}, i.e. k {'>' if bigger else '<'} {GAMMA_ONE_K:g})"
    return check


def figure_claims(net: str, lr: float) -> list:
    if lr not in FIG_RATE:
        return []
    if FIG_RATE[lr] == "bigger":
        text = ("'When the initial learning rate is bigger, let gamma_l < 1 make Var(w_l) bigger' (section 4.3): at "
                "lr 0.1 the best k exceeds 2")
    else:
        text = ("'when the initial learning rate is small, let gamma_l > 1 make Var(w_l) smaller' (section 4.3): at "
                "lr 0.001 the best k is below 2")
    # Declared for the smoke gate where FIG_SMOKE_GATED says. An earlier declaration of the small rate's side (at 16
    # steps, ranked by the final training loss) was withdrawn when a review found every run at chance (training
    # accuracy 5-14 %): the smaller k had only shed its initial loss faster. A best k now needs a run that trained
    # (best_k), and the smoke's figures train 128 steps (FIG_BUDGET), where the runs leave chance.
    return [Claim(text, claim_best_k_side(net, lr), smoke_gate=(net, lr) in FIG_SMOKE_GATED)]


def claim_best_k_decreases(means: dict):
    parts, ok = [], True
    for net in FIG_NETS:
        ks = [means.get((net, f"lr={lr:g}")) for lr in FIG_LRS]
        if any(not isinstance(k, float) for k in ks):
            raise ValueError(f"{net}: not every learning rate reproduced")
        ok &= ks[0] >= ks[1] >= ks[2] and ks[0] > ks[2]
        parts.append(f"{net}: best k " + ", ".join(f"{k:g} at lr {lr:g}" for k, lr in zip(ks, FIG_LRS)))
    return ok, "; ".join(parts) + " (pass: non-increasing as lr decreases, and smaller at 0.001 than at 0.1)"


def claim_lr_init_related(means: dict):
    """Section 5.2: "As can be seen from the above figure, for CNNs with BN, it can be concluded that there is a
    strong relationship between the initialization method and the initial learning rate, so the Kaiming
    initialization formula may not be the best choice": on each network (both have BN) the best k is not the same at
    every initial lr (the init that trains best depends on the rate), and at some lr it is not k = GAMMA_ONE_K (2:
    Var = 2 / fan_out, Kaiming's formula, gamma = 1). "Strong" has no measure in the text; the size of the
    dependence is claim_best_k_decreases's. A rate without a best k (not reproduced, or no run trained) is n/a."""
    parts, ok = [], True
    for net in FIG_NETS:
        ks = [means.get((net, f"lr={lr:g}")) for lr in FIG_LRS]
        if any(not isinstance(k, float) for k in ks):
            raise ValueError(f"{net}: not every learning rate has a best k")
        related, not_kaiming = len(set(ks)) > 1, any(k != GAMMA_ONE_K for k in ks)
        ok &= related and not_kaiming
        parts.append(f"{net}: best k " + ", ".join(f"{k:g} at lr {lr:g}" for k, lr in zip(ks, FIG_LRS))
                     + ("" if related else " (the same at every rate)")
                     + ("" if not_kaiming else f" (k = {GAMMA_ONE_K:g}, Kaiming's, at every rate)"))
    return ok, "; ".join(parts) + f" (pass: on each network the best k differs between rates and is not " \
        f"{GAMMA_ONE_K:g} at some rate)"


# ------------------------------------------------------------------ protocol text


def protocol(scale: str) -> list[str]:
    s = SCALES[scale]
    return [f"SGD, Nesterov momentum 0.9, lr 0.1 with a per-iteration cosine decay to 0, {s['epochs']} epochs, batch "
            f"{s['batch']}; weight decay 2e-4 (1.25e-4 WRN) on CIFAR-10, 3e-4 (1e-4 WRN) on CIFAR-100, not on "
            "biases or BN parameters; no dropout.",
            "Random crop (pad 4) + flip, per-channel mean/std; Cutout 16x16 (CIFAR-10) / 8x8 (CIFAR-100), Mixup "
            "alpha = 1, AutoAugment CIFAR-10 policy, random erasing (torchvision defaults) as each row says "
            "(reproduce/augment.py).",
            "Kaiming = N(0, 2 / fan_in) (He et al.; the paper's eq. 24); ours = N(0, k / fan_out) for convs "
            "(eq. 41, k = 2 / gamma) with k = 5 (VGG-19, ResNet-110, DenseNet-100) and 3 (WRN-28-10) on "
            "CIFAR-10, 1.5 / 1.5 / 1.2 / 2.5 on CIFAR-100; fully-connected N(0, c / fan_in) (eq. 21) with c = 1, "
            "0.25 for WRN on CIFAR-10, 0.25 DenseNet / 1.0 WRN on CIFAR-100, std 0.01 for VGG / ResNet on "
            "CIFAR-100.",
            "Acc (best): the best test accuracy over the epochs (test after every epoch).",
            f"Data: CIFAR train {s['train_size'] or 'all 50,000'}, test {s['test_size'] or 'all'} images; seeds "
            f"{', '.join(map(str, scale_seeds(scale)))} (mean over seeds; claims also checked on each seed alone)."]


def deviations(scale: str) -> list[str]:
    out = []
    if scale != "paper":
        out.append(f"{scale} scale: {SCALES[scale]['epochs']} epochs"
                   + ("; small networks (VGG-19 x0.0625, ResNet-14 8-16-32, DenseNet-BC-22 k = 6, WRN-10-1)"
                      if SCALES[scale]["size"] == "small" else "") + ".")
    out += ["'The full-connected layer was initialized with the constant 0.01' (CIFAR-100, VGG / ResNet) is read as "
            "a Gaussian of std 0.01.",
            "Kaiming is taken as fan-in N(0, 2 / fan_in) for every conv and Linear (the paper re-implemented it "
            "without saying which fan).",
            "AutoAugment draws one sub-policy per group of 8 images (torchvision's policy draws once per call); "
            "random erasing clips a rectangle that does not fit instead of retrying.",
            "Table 1's Kaiming, MetaInit and GradInit rows are GradInit's runs ('The result data comes from "
            "[31]', section 5.3), and Table 2's cited rows other papers' numbers: shown as context, not reproduced. "
            "Our Kaiming run, under ConvInit's protocol, is Table 1's row '<model> Kaiming (our re-run, ConvInit "
            "protocol)', with no published counterpart: shown, not compared by Table 1's claim (the sentence is "
            "about the methods the table cites).",
            "Epochs: section 5.1 says 'Training epochs is 200 or 300' without saying which run used which; Table 2 "
            "prints them per row and section 5.4 says of Table 3 'All experiments were trained for 200 epochs'. "
            "Table 1's runs use 200.",
            "Augmentation details are not in the paper ('The basic data augmentation is random crop and random "
            "left-right flipping'; cutout [34], Mixup [37] named without settings): the crop pads 4 pixels (zeros), "
            "inputs are normalised per channel (mean/std), Cutout is 16x16 on CIFAR-10 and 8x8 on CIFAR-100 "
            "(DeVries & Taylor's sizes for each), Mixup alpha = 1 (Zhang et al.'s CIFAR setting)."]
    return out


def figure_deviations(scale: str) -> list[str]:
    """Deviations of Figures 2-7 and the lr-init table: the scale's, and the protocol readings of the figures."""
    train_size, epochs = figure_budget(scale)
    scaled = [f"{scale} scale: {epochs} epochs over {train_size:,} training images (the tables': "
              f"{SCALES[scale]['epochs']} over {SCALES[scale]['train_size']:,}); small networks "
              f"({small_network('VGGNet-19')}, {small_network('ResNet-34')} for ResNet-34)." if scale in FIG_BUDGET
              else d
              for d in deviations(scale) if d.startswith(f"{scale} scale")]
    return scaled + [
        "Figures 2-7's protocol is not in the paper beyond the networks, the initial learning rates 0.1 / 0.01 / "
        "0.001 and eq. 41: the dataset (CIFAR-10 here; section 5.1 names CIFAR-10 and CIFAR-100), the epochs "
        f"({figure_budget(scale)[1]} here; the figures' axes are in epochs), the schedule (the per-iteration cosine "
        "to 0 that section 5.1 gives for 'the test experiment'), weight decay 2e-4 (its CIFAR-10 value for VGG-19; "
        f"not on biases / BN), batch {SCALES[scale]['batch']}, Nesterov momentum 0.9, and the augmentation (random "
        "crop with 4-pixel zero padding + flip, per-channel mean/std, no Cutout) are the suite's readings of section "
        "5.1.",
        "The paper states no rule for reading the best k off Figures 2-7; section 4.3 argues in convergence speed "
        "('As a result, the convergence speed will slow down'; 'In this way, the convergence speed of the network "
        "can be accelerated'), so the best k is the one whose training loss falls fastest: the lowest mean "
        "training loss over the epochs (the area under the loss curve), not the lowest final loss (after a cosine "
        "decay to 0 every run that trained ends near zero loss).",
        "lr 0.1 is read as section 4.3's 'bigger' rate (best k above 2) and 0.001 as its 'small' one (below 2) for "
        "these CIFAR-10 figures, as the paper's own CIFAR-10 choices at lr 0.1 are k = 5 and 3 (gamma 0.4 and 0.67, "
        "section 5.3); its CIFAR-100 runs at the same lr 0.1 take k = 1.5 and 1.2 (section 5.4, gamma > 1): the "
        "side of k = 2 a rate calls for is not the same on every dataset in the paper's own choices, so the "
        "figures' claims are read on CIFAR-10 only."]


def figure_protocol(scale: str) -> list[str]:
    nets = ("VGG-19 with BN / ResNet-34 for CIFAR" if SCALES[scale]["size"] == "paper" else
            f"{small_network('VGGNet-19')} with BN / {small_network('ResNet-34')} (standing for ResNet-34) for CIFAR")
    return [f"{nets} (3x3 stem, no max pool), fully-connected layer without bias "
            f"N(0, 1 / fan_in) (eq. 21), convs N(0, k / fan_out) (eq. 41, k = 2 / gamma) for k in "
            f"{list(FIG_KS[scale])} (the paper names k = 5 only, 'Var(w) = 5/m'; the other values are our grid).",
            f"Initial lr 0.1 / 0.01 / 0.001, per-iteration cosine decay, {figure_budget(scale)[1]} epochs over "
            f"{figure_budget(scale)[0] or 50_000:,} CIFAR-10 training images, batch "
            f"{SCALES[scale]['batch']}, Nesterov 0.9, weight decay 2e-4 (not on biases / BN), crop + flip.",
            "Best k = the one that converges fastest: the lowest mean training loss over the epochs (the area under "
            "the loss curve) among the runs that trained (finished, with a last-epoch training accuracy of at least "
            "1.5 x chance: a run at chance has only shed its initial loss); n/c when no run of a learning rate "
            "trained (no k is best then)."]


def same_network_claims(dataset: str) -> list[Claim]:
    """The introduction's sentence on the CIFAR runs, against our own Kaiming run of the same network and protocol:
    'In the case that the network structure is exactly the same ..., our initialization method makes the
    convergence speed of CNNs faster, and the test results are better than other initialization methods'."""
    return [Claim("Same network, same protocol: our init's test results are better than our Kaiming run's on every "
                  "model (introduction; n/a where neither trained)", ours_beats_kaiming(dataset)),
            Claim("Same network, same protocol: our init makes the convergence faster than Kaiming on every model "
                  "(introduction; strictly fewer epochs to half-way from chance to the lower final training accuracy)",
                  ours_converges_faster(dataset))]


# ------------------------------------------------------------------ targets

TARGETS = [
    Target(PAPER, "1", "table", "CIFAR-10 best test accuracy: ours vs our Kaiming re-run (Kaiming, MetaInit, "
           "GradInit cited from [31])",
           cells=layout_cells(table1_layout), protocol=protocol, deviations=deviations, datasets=("cifar10",),
           values=lambda pairs: (best_accuracy_values(table1_layout, params=True, train_acc=True)(pairs)
                                 + convergence_values(table1_layout, "cifar10")(pairs)),
           claims=[Claim("'the test results of our initialization method on the four network models using the same "
                         "data augmentation method surpass other initialization methods': above the cited [31] "
                         "Kaiming, MetaInit and GradInit on every model (our Kaiming re-run not compared here)",
                         claim_t1_surpasses),
                   *same_network_claims("cifar10")]),
    Target(PAPER, "2", "table", "WRN-28-10 on CIFAR-10 with AutoAugment / random erasing / Mixup and our init",
           cells=layout_cells(table2_layout), protocol=protocol, deviations=deviations, datasets=("cifar10",),
           values=best_accuracy_values(table2_layout),
           claims=[Claim("'our initialization method still surpasses these methods in terms of test results': each "
                         "row of ours above every cited row with the same epochs (200 / 300)", claim_t2_surpasses)]),
    Target(PAPER, "3", "table", "CIFAR-100 best test accuracy: Kaiming vs ours (200 epochs)",
           cells=layout_cells(table3_layout), protocol=protocol, deviations=deviations, datasets=("cifar100",),
           values=lambda pairs: (best_accuracy_values(table3_layout, params=True, train_acc=True)(pairs)
                                 + convergence_values(table3_layout, "cifar100")(pairs)),
           claims=[Claim("'the experimental results showed that the initialization method proposed in this work "
                         "improved the accuracy of image classification' (abstract), on CIFAR-100 against the "
                         "re-implemented Kaiming (section 5.4): ours above Kaiming on every model where both runs "
                         "trained; where only one trained, that one is the better init (ours at chance beside a "
                         "trained Kaiming fails); n/a where both runs stayed at chance", claim_t3_ours_beats_kaiming),
                   same_network_claims("cifar100")[1]]),
    Target(PAPER, "lr-init", "table", "Best init variance k (Var = k / fan_out) per initial learning rate "
           "(section 5.2, from Figures 2-7)", cells=layout_cells(lr_init_layout), protocol=figure_protocol,
           deviations=figure_deviations, datasets=("cifar10",), values=lr_init_values,
           claims=[Claim("'If the initial learning rate is bigger, the variance of initialization convolution kernel will "
                         "be bigger, so γ will be appropriately smaller; if the initial learning rate is small, and "
                         "the variance of initialization the convolution kernel will be smaller, so γ will be "
                         "appropriately bigger' (section 5.2): on both networks the best k (Var = k / fan_out) does "
                         "not increase as the initial lr decreases 0.1 -> 0.01 -> 0.001, and is smaller at 0.001 than "
                         "at 0.1", claim_best_k_decreases),
                   Claim("'for CNNs with BN, it can be concluded that there is a strong relationship between the "
                         "initialization method and the initial learning rate, so the Kaiming initialization formula "
                         "may not be the best choice' (section 5.2): on each network the best k differs between the "
                         "initial learning rates, and is not 2 (Kaiming's Var = 2 / fan_out) at some rate",
                         claim_lr_init_related)]),
    S3_TARGET,
] + [
    Target(PAPER, fig, "figure", f"{net} with BN: training accuracy and loss per epoch for several init variances, "
           f"initial lr {lr:g}", cells=layout_cells(figure_layout(net, lr)), protocol=figure_protocol,
           deviations=figure_deviations, datasets=("cifar10",), plot=figure_plot(net, lr, fig),
           values=figure_values(net, lr), claims=figure_claims(net, lr))
    for net, figs in FIG_NETS.items() for fig, lr in zip(figs, FIG_LRS)
]
