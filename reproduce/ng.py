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

from .critical_depth import (CONVERGENCE_FACTOR, SearchSpec, all_cells, as_depth, depth_grid, execute_searches,
                             search_values)
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


# ------------------------------------------------- plain CNNs: critical depth
# "The model depth was gradually increased by integral multiples of 12 layers"
# (Table 5); plain CNNs are trained with "lr 0.01, divided by 10 when the test
# error no longer decreased", batch 128, weight decay 5e-4, momentum 0.9,
# He et al. augmentation, t = -1 (Experiments).

ACTS = ("selu", "relu", "lrelu", "prelu", "ng-relu", "ng-lrelu", "ng-prelu")
ACT_LABEL = {"selu": "SELU", "relu": "ReLU", "lrelu": "LReLU", "prelu": "PReLU",
             "ng-relu": "NG-ReLU", "ng-lrelu": "NG-LReLU", "ng-prelu": "NG-PReLU"}
INITS = {"msra": "MSRA", "xavier": "Xavier", "orthogonal": "Orthogonal"}

PLAIN_SCALES = {
    # width: filters of the first stage (paper 16); grid: depths searched (no BN / BN);
    # epochs: cap; patience: plateau patience (test error); mode: critical-depth search
    "paper": dict(width=16, train_size=None, test_size=None, epochs=200, patience=10,
                  grid=depth_grid(20, 200), grid_bn=depth_grid(20, 248), mode="scan"),
    "fast": dict(width=16, train_size=None, test_size=None, epochs=10, patience=3,
                 grid=depth_grid(20, 200), grid_bn=depth_grid(20, 248), mode="bisect"),
    # smoke: Tables 5 and A4 search the Xavier column only (the other rows render "not run"),
    # and BN nets (which leave chance within an epoch) train for 2 epochs.
    "smoke": dict(width=4, train_size=1200, test_size=500, epochs=4, epochs_bn=2, patience=2, batch_size=32,
                  grid=depth_grid(8, 20), grid_bn=depth_grid(8, 20), mode="bisect", inits=("xavier",)),
}


def plain_cell(scale: str, depth: int, act: str, init: str, bn: bool = False, t_init: float = -1.0,
               t_trainable: bool = True, seed: int = 0, label: str = "") -> Cell:
    s = PLAIN_SCALES[scale]
    data = DataSpec("cifar10", train_size=s["train_size"], test_size=s["test_size"])
    train = TrainSpec(epochs=s.get("epochs_bn", s["epochs"]) if bn else s["epochs"],
                      batch_size=s.get("batch_size", 128), lr=0.01, momentum=0.9, weight_decay=5e-4,
                      schedule="plateau", plateau_monitor="test_error", plateau_patience=s["patience"],
                      plateau_max_drops=3)
    model = {"arch": "plain", "depth": depth, "act": act, "bn": bn, "width": s["width"], "init": init}
    if act.startswith("ng-"):
        model.update(t_init=t_init, t_trainable=t_trainable)
    return Cell.make(PAPER, label or f"plain-{depth} {act} {init}{' bn' if bn else ''}", model, data, train,
                     seed, scale)


def _t_label(t: float | None) -> str:
    return "Trainable" if t is None else f"{t:g}"


def table2_searches(scale: str) -> list[SearchSpec]:
    """Table 2: plain CNN without BN, Xavier, NG-ReLU at fixed t or trainable t."""
    s = PLAIN_SCALES[scale]
    specs = []
    for t in (-1.0, -0.75, -0.5, -0.25, None):
        def make(depth, t=t):
            return plain_cell(scale, depth, "ng-relu", "xavier", t_init=-1.0 if t is None else t,
                              t_trainable=t is None)
        specs.append(SearchSpec("Critical Depth", _t_label(t), make, s["grid"], s["mode"]))
    return specs


def grid_searches(scale: str, bn: bool) -> list[SearchSpec]:
    """Table 5 (bn=False) and appendix Table 4 (bn=True): 7 activations x 3 inits."""
    s = PLAIN_SCALES[scale]
    specs = []
    for act in ACTS:
        for init in s.get("inits", INITS):
            init_label = INITS[init]

            def make(depth, act=act, init=init):
                return plain_cell(scale, depth, act, init, bn=bn)
            specs.append(SearchSpec(f"{ACT_LABEL[act]}-{init_label}", "Critical depth", make,
                                    s["grid_bn" if bn else "grid"], s["mode"]))
    return specs


def critical_depth_target(id: str, title: str, searches, claims, protocol_note: str) -> Target:
    return Target(
        PAPER, id, "table", title, datasets=("cifar10",),
        cells=lambda scale: all_cells(searches(scale)),
        execute=lambda run, scale: execute_searches(searches(scale), run),
        values=lambda pairs: search_values(searches(pairs[0][0].scale), pairs),
        protocol=lambda scale: plain_protocol(scale, protocol_note),
        deviations=plain_deviations, claims=claims,
        cost_note="upper bound: every depth of every search; a search stops early")


def plain_protocol(scale: str, note: str) -> list[str]:
    s = PLAIN_SCALES[scale]
    return [
        note,
        f"Plain CNN (NG paper appendix Table 1): conv3x3 then three stages of n 3x3 convs "
        f"({s['width']}, {2 * s['width']}, {4 * s['width']} filters) separated by 2x2 max pooling, global average "
        "pooling, dense, softmax; depth = 3n + 2.",
        f"SGD momentum 0.9, batch {s.get('batch_size', 128)}, weight decay 5e-4 (not on NG's t), lr 0.01 divided by 10 when the test error "
        f"has not improved by 0.1% for {s['patience']} epochs, at most 3 divisions, at most {s['epochs']} epochs; "
        "He et al. augmentation; NG t initialised at -1 and trainable unless fixed.",
        f"Critical depth: {s['mode']} over depths {', '.join(map(str, s['grid']))} (with BN: "
        f"{', '.join(map(str, s['grid_bn']))}). A run converges if it does not diverge and its last-epoch training "
        f"accuracy is at least {CONVERGENCE_FACTOR} x chance (15% on CIFAR-10). Reported: the deepest converging "
        "depth with every shallower depth converging, or '<first depth'.",
    ]


def plain_deviations(scale: str) -> list[str]:
    s = PLAIN_SCALES[scale]
    out = ["Assumed (paper silent): the epoch cap and plateau rule for plain CNNs, see Protocol; the paper's "
           "'does not converge' made operational by the convergence criterion above.",
           "Assumed (paper silent): LReLU slope 0.01, PReLU initial slope 0.25, no weight decay on t."]
    if s["mode"] != "scan":
        out.append(f"{scale} scale: bisection over the depth grid (assumes outcomes monotone in depth) instead of "
                   "the paper's upward scan.")
    if scale == "fast":
        out.append(f"fast scale: at most {s['epochs']} epochs per run, one seed.")
    if scale == "smoke":
        out.append(f"smoke scale: Tables 5 and A4 search the {', '.join(INITS[i] for i in s['inits'])} rows only "
                   f"(the others are not run); nets with BN train for {s['epochs_bn']} epochs.")
        out.append(f"smoke scale: width {s['width']} ({s['width']}-{2 * s['width']}-{4 * s['width']} filters), "
                   f"{s['train_size']:,} training images, batch {s['batch_size']} (paper 128), at most {s['epochs']} "
                   f"epochs, depths "
                   f"{', '.join(map(str, s['grid']))} instead of 20, 32, ...: the critical depths are on another "
                   "scale than the paper's.")
    return out


def _non_increasing_in_t(means: dict) -> tuple[bool, str]:
    cols = ["-1", "-0.75", "-0.5", "-0.25"]
    ds = [means[("Critical Depth", c)] for c in cols]
    ok = all(as_depth(b) <= as_depth(a) for a, b in zip(ds, ds[1:]))
    return ok, "critical depth at t = " + ", ".join(f"{c}: {fmt_depth(d)}" for c, d in zip(cols, ds))


def _trainable_matches(means: dict) -> tuple[bool, str]:
    a, b = means[("Critical Depth", "Trainable")], means[("Critical Depth", "-1")]
    return as_depth(a) == as_depth(b), f"trainable {fmt_depth(a)} vs t = -1 {fmt_depth(b)}"


def fmt_depth(d) -> str:
    return d if isinstance(d, str) else f"{d:.0f}"


def _ng_beats_base(bases=("relu", "lrelu", "prelu")):
    def check(means: dict) -> tuple[bool, str]:
        parts, ok = [], True
        for base in bases:
            for init in INITS.values():
                ng = means.get((f"NG-{ACT_LABEL[base]}-{init}", "Critical depth"))
                b = means.get((f"{ACT_LABEL[base]}-{init}", "Critical depth"))
                if ng is None or b is None:
                    continue  # not run at this scale
                win = as_depth(ng) > as_depth(b)
                ok &= win
                parts.append(f"{ACT_LABEL[base]}-{init}: NG {fmt_depth(ng)} vs {fmt_depth(b)}{'' if win else ' ✗'}")
        if not parts:
            return None, "no pair of rows was run at this scale"
        return ok, f"{len(parts)} of {3 * len(bases)} pairs run: " + "; ".join(parts)
    return check


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
    critical_depth_target(
        "2", "Critical depth of plain CNNs (no BN, Xavier) for different t (CIFAR-10)", table2_searches,
        [Claim("As t increased, the critical depth decreased (does not increase from t = -1 to -0.25).",
               _non_increasing_in_t),
         Claim("Trainable t (from -1) reaches the same critical depth as fixed t = -1.", _trainable_matches)],
        "Table 2: plain CNN without BN, Xavier init, NG-ReLU with fixed t or trainable t (initially -1)."),
    critical_depth_target(
        "5", "Critical depth of plain CNNs without BN, 7 activations x 3 inits (CIFAR-10)",
        lambda scale: grid_searches(scale, bn=False),
        [Claim("The critical depth of every NG variant exceeds that of its base activation under each init.",
               _ng_beats_base())],
        "Table 5: plain CNNs without BN; NG variants with trainable t from -1."),
    critical_depth_target(
        "A4", "Critical depth of plain CNNs with BN, 7 activations x 3 inits (CIFAR-10)",
        lambda scale: grid_searches(scale, bn=True),
        [Claim("The critical depths of NG-ReLU are much greater than ReLU (with BN, each init).",
               _ng_beats_base(("relu",))),
         Claim("The critical depth of every NG variant exceeds that of its base activation under each init.",
               _ng_beats_base())],
        "Appendix Table 4: plain CNNs with BN (conv-BN-act); the paper's deepest depth tested is 248 "
        "(GPU memory), so its 248 entries are caps."),
    Target(PAPER, "1", "figure", "ReLU, LReLU, PReLU and their NG versions (t = -1)",
           cells=lambda scale: [], protocol=lambda scale: ["analytic curves, no training"], plot=figure1_plot),
]
