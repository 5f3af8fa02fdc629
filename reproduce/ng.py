"""Jiang et al., "An Effective Training Method For Deep Convolutional Neural
Network" (nonlinearity generators, NG). ../shared/papers/000_9a9fcca55f475906.txt

Implemented so far: Table 1 and Figure 1 (the other tables and figures are
issue #3).

Table 1, "NG Acts as a Regularizer": a toy CNN (two conv layers of three 3x3
kernels, one dense layer, softmax) fitted to CIFAR-10 with no activation
(None) and with NG-ReLU after each conv at fixed t in {-2, -1, -0.5, -0.25}
and trainable t from -1. "The initial learning rate was 0.01, and we divided
it by 10 when the loss no longer decreased in value. The batch size was 128,
and we adopt the momentum of 0.9, the same simple data augmentation as [He et
al. 2016], and MSRA weight initialization." Reported: the maximum training
accuracy, and the final mean t of the trainable model (0.4765 as printed).
"""
from __future__ import annotations

import torch

from models.activations import reference_curve

from .data import DataSpec
from .experiment import Cell
from .targets import Claim, Target, Value
from .train import TrainSpec

PAPER = "ng"

# ------------------------------------------------------------------ Table 1

T1_COLUMNS = {  # column of the paper's Table 1 -> toy CNN activation
    "None": {"act": "none"},
    "-2": {"act": "ng-relu", "t_init": -2.0, "t_trainable": False},
    "-1": {"act": "ng-relu", "t_init": -1.0, "t_trainable": False},
    "-0.5": {"act": "ng-relu", "t_init": -0.5, "t_trainable": False},
    "-0.25": {"act": "ng-relu", "t_init": -0.25, "t_trainable": False},
    "Trainable": {"act": "ng-relu", "t_init": -1.0, "t_trainable": True},
}
T1_ROW = "Training Accuracy (%)"
T1_T_ROW = "Final mean t"

T1_SCALES = {
    # max epochs, plateau patience (epochs), train images (None = all 50k), seeds
    "paper": dict(epochs=100, patience=5, train_size=None, test_size=None, seeds=(0,)),
    "fast": dict(epochs=30, patience=3, train_size=None, test_size=None, seeds=(0,)),
    "smoke": dict(epochs=8, patience=2, train_size=5000, test_size=1000, seeds=(0,)),
}


def table1_spec(scale: str) -> tuple[DataSpec, TrainSpec, tuple[int, ...]]:
    s = T1_SCALES[scale]
    data = DataSpec("cifar10", train_size=s["train_size"], test_size=s["test_size"], augment=True,
                    normalize="channel")
    train = TrainSpec(epochs=s["epochs"], batch_size=128, lr=0.01, momentum=0.9, weight_decay=0.0,
                      schedule="plateau", plateau_monitor="train_loss", plateau_patience=s["patience"],
                      plateau_max_drops=3, probes=("ng_t_mean",))
    return data, train, s["seeds"]


def table1_cells(scale: str) -> list[Cell]:
    data, train, seeds = table1_spec(scale)
    return [Cell.make(PAPER, f"table1 t={col} seed={seed}", {"arch": "ng-toy", "init": "msra", **kw},
                      data, train, seed, scale)
            for col, kw in T1_COLUMNS.items() for seed in seeds]


def _column_of(cell: Cell) -> str:
    kw = cell.model_kwargs
    for col, spec in T1_COLUMNS.items():
        if all(kw.get(k) == v for k, v in spec.items()):
            return col
    raise KeyError(cell.label)


def table1_values(pairs: list[tuple[Cell, dict]]) -> list[Value]:
    acc: dict[str, list] = {c: [] for c in T1_COLUMNS}
    final_t = []
    for cell, rec in pairs:
        r = rec["result"]
        col = _column_of(cell)
        ok = r["status"] == "ok" and r["max_train_acc"] is not None
        acc[col].append(100 * r["max_train_acc"] if ok else "n/c")
        if col == "Trainable" and ok:
            final_t.append(r["history"][-1]["ng_t_mean"])
    out = [Value(T1_ROW, col, vals) for col, vals in acc.items() if vals]
    if final_t:
        out.append(Value(T1_T_ROW, "Trainable", final_t, unit="t"))
    return out


def _increasing(means: dict) -> tuple[bool, str]:
    cols = ["-2", "-1", "-0.5", "-0.25"]
    vals = [means[(T1_ROW, c)] for c in cols]
    ok = all(b > a for a, b in zip(vals, vals[1:]))
    return ok, "max training accuracy at t = " + ", ".join(f"{c}: {v:.2f}" for c, v in zip(cols, vals))


def _linear_baseline(means: dict) -> tuple[bool, str]:
    a, b = means[(T1_ROW, "None")], means[(T1_ROW, "-2")]
    return abs(a - b) <= 1.0, f"None {a:.2f} vs t = -2 {b:.2f} (|diff| {abs(a - b):.2f} pp, tolerance 1 pp)"


def _t_grows(means: dict) -> tuple[bool, str]:
    t = means[(T1_T_ROW, "Trainable")]
    return t > -1.0, f"final mean t {t:.4f} (initial -1)"


def _trainable_between(means: dict) -> tuple[bool, str]:
    lo, mid, hi = (means[(T1_ROW, c)] for c in ("-0.5", "Trainable", "-0.25"))
    return lo <= mid <= hi, f"t = -0.5: {lo:.2f} <= trainable: {mid:.2f} <= t = -0.25: {hi:.2f}"


def table1_protocol(scale: str) -> list[str]:
    data, train, seeds = table1_spec(scale)
    return [
        "Toy CNN (NG paper, 'NG Acts as a Regularizer'): conv 3x3x3 -> act -> conv 3x3x3 -> act -> dense -> softmax; "
        "act = none (column None) or NG-ReLU, channel-wise t, fixed or trainable from -1.",
        "MSRA init (He et al. 2015: N(0, 2/fan_in)), biases 0.",
        f"SGD, momentum {train.momentum}, batch {train.batch_size}, lr {train.lr}, divided by 10 when the epoch's "
        f"mean training loss has not improved by 0.1% for {train.plateau_patience} epochs; training stops when "
        f"a fourth division would be needed or after {train.epochs} epochs; weight decay {train.weight_decay}.",
        "He et al. 2016 augmentation: zero-pad 4, random 32x32 crop, random horizontal flip; per-channel "
        "mean/std normalization.",
        "Reported: maximum over epochs of the training accuracy (running accuracy over the epoch's augmented "
        "batches, train mode), and for trainable t the mean of all t at the end of training.",
        f"Seeds: {', '.join(map(str, seeds))} (mean ± std when several).",
        f"Training images: {data.train_size or 50000:,}.",
    ]


def table1_deviations(scale: str) -> list[str]:
    out = [
        "Assumed (paper silent): 'same' padding and no pooling, so the dense layer maps 3x32x32 features to the "
        "10 logits; conv biases present.",
        "Assumed (paper silent): the epoch count and the exact plateau rule (patience, threshold, when to stop), "
        "see Protocol; no weight decay (the toy experiment names none); no weight decay on t.",
        "Assumed (paper silent): per-channel mean/std input normalization.",
        "The paper prints the final mean t as 0.4765 without sign; its prose places the trainable model "
        "between t = -0.5 and -0.25, so it may be -0.4765. Compared as printed.",
    ]
    if scale == "fast":
        out.append(f"fast scale: at most {T1_SCALES['fast']['epochs']} epochs, one seed.")
    if scale == "smoke":
        s = T1_SCALES["smoke"]
        out.append(f"smoke scale: {s['train_size']:,} class-balanced training images, at most {s['epochs']} epochs, "
                   f"plateau patience {s['patience']}, one seed: far less training than the paper.")
    return out


# ------------------------------------------------------------------ Figure 1

def figure1_plot(pairs, path: str, scale: str) -> None:
    """Figure 1: (a) ReLU, LReLU, PReLU; (b) their NG versions at t = -1."""
    import matplotlib.pyplot as plt

    x = torch.linspace(-3, 3, 601)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
    for ax, prefix, title in ((axes[0], "", "(a) ReLU, LReLU, PReLU"),
                              (axes[1], "ng-", "(b) NG-ReLU, NG-LReLU, NG-PReLU, t = -1")):
        for name, style in (("relu", "-"), ("lrelu", "--"), ("prelu", ":")):
            label = (prefix.upper() + name.replace("relu", "ReLU").replace("l", "L", 1).replace("p", "P", 1))
            ax.plot(x, reference_curve(prefix + name, x, t=-1.0), style, lw=2, label=label)
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(title)
        ax.set_xlabel("x")
        ax.legend()
    axes[0].set_ylabel("f(x)")
    fig.suptitle("NG paper Figure 1 (LReLU slope 0.01, PReLU at its initial slope 0.25)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)


TARGETS = [
    Target(PAPER, "1", "table", "Training accuracy of the toy CNN for different t (CIFAR-10)",
           cells=table1_cells, protocol=table1_protocol, deviations=table1_deviations, datasets=("cifar10",),
           values=table1_values,
           claims=[
               Claim("As t increased, so did the maximum training accuracy (fixed t = -2, -1, -0.5, -0.25).",
                     _increasing),
               Claim("NG-ReLU at t = -2 is as linear as no activation: same max training accuracy as None "
                     "(paper: 35.75 for both).", _linear_baseline),
               Claim("With trainable t (initially -1) the mean t increased during training.", _t_grows),
               Claim("With trainable t the performance was between that of t = -0.5 and t = -0.25.",
                     _trainable_between),
           ]),
    Target(PAPER, "1", "figure", "ReLU, LReLU, PReLU and their NG versions (t = -1)",
           cells=lambda scale: [], protocol=lambda scale: ["analytic curves, no training"], plot=figure1_plot),
]
