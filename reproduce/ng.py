"""Jiang et al., "An Effective Training Method For Deep Convolutional Neural
Network" (nonlinearity generators, NG). ../shared/papers/000_9a9fcca55f475906.txt

Tables 1, 2, 3, 4, 5, appendix Tables 3 (A3) and 4 (A4) and the numbers in
the text (table "text") are here; the figures, which read these tables'
runs, are in reproduce/ng_figures.py; the protocol both share (activations,
inits, the plain CNN and ResNet cells) in reproduce/ng_protocol.py.

Table 1, "NG Acts as a Regularizer": a toy CNN (two conv layers of three 3x3
kernels, one dense layer, softmax) fitted to CIFAR-10 with no activation
(None) and with NG-ReLU after each conv at fixed t in {-2, -1, -0.5, -0.25}
and trainable t from -1. "The initial learning rate was 0.01, and we divided
it by 10 when the loss no longer decreased in value. The batch size was 128,
and we adopt the momentum of 0.9, the same simple data augmentation as [He et
al. 2016], and MSRA weight initialization." Reported: the maximum training
accuracy, and the final mean t of the trainable model (-0.4765: printed without its sign, see
table1_deviations).
"""
from __future__ import annotations

import math
import statistics

from .accuracy import accuracy_values as shared_accuracy_values
from .accuracy import converged_seeds_mean, converges, rank, training_outcome
from .critical_depth import (CONVERGENCE_FACTOR, DepthRange, SearchSpec, all_cells, all_hold, at_least, depth_range,
                             execute_searches, greater, search_values, trained, trained_threshold)
from .data import DataSpec
from .experiment import Cell
from .ng_figures import FIGURES
from .ng_protocol import (ACC_SCALES, ACT_LABEL, ACTIVATION_READING, ACTS, BASES, DATASET_LABEL, INIT_READING, INITS,
                          MUCH, NORMALIZATION_READING, PAPER, PAPER_DEPTHS, PLAIN_SCALES, T3_ACTS, WEIGHT_DECAY_READING,
                          acc_plain_cell, acc_resnet_cell, acc_seeds, decide_share, plain_acc_lines, plain_cell,
                          plain_protocol, plain_seeds, resnet_cell, resnet_lines)
from .seeds import seeds as seeds_of
from .targets import Claim, Target, Value, layout_cells, layout_records, reproduced_number
from .train import TrainSpec

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
    # smoke: 3 epochs over all 50,000 training images, calibrated (Dec 2026) for "as t increased, so did the maximum
    # training accuracy" and "the mean t increased", both declared for the smoke gate. Max training accuracy % at
    # None, t = -2, -1, -0.5, -0.25, trainable, and the final mean t: seed 1 33.47, 33.56, 36.67, 37.75, 40.78,
    # 38.67, t -0.51; seed 2 33.25, 33.43, 36.89, 38.19, 41.19, 36.85, -0.56; seed 3 32.80, 33.27, 36.25, 38.24,
    # 40.16, 38.24, -0.30 (calibration); fresh seeds 0: 33.22, 33.50, 36.45, 39.35, 41.08, 38.97, -0.49; 51: 33.24,
    # 33.37, 36.70, 38.73, 41.51, 38.75, -0.46; 52: 33.50, 33.76, 35.85, 38.09, 41.58, 35.78, -0.65; 53: 33.26,
    # 33.27, 36.19, 38.30, 40.42, 38.76, -0.38. About 18 s a cell on the 2-core CPU. The smaller budgets tried
    # before (8 epochs x 5,000 images, 16 x 2,500, 32 x 1,250; seeds 1-3) left t = -2 and -1 within noise and let
    # the toy net's first epoch blow up on some seeds (lr 0.01 over few images). "Between t = -0.5 and -0.25" held
    # on 4 of these 7 seeds only: not declared. The paper-scale run in results/paper (50k images, up to 100
    # epochs; trained by older code) is in order: 38.5, 44.4, 50.6, 51.1.
    "smoke": dict(epochs=3, patience=2, train_size=None, test_size=1000, seeds=(0,)),
}


def table1_spec(scale: str) -> tuple[DataSpec, TrainSpec, tuple[int, ...]]:
    s = T1_SCALES[scale]
    data = DataSpec("cifar10", train_size=s["train_size"], test_size=s["test_size"], augment=True,
                    normalize="channel")
    train = TrainSpec(epochs=s["epochs"], batch_size=128, lr=0.01, momentum=0.9, weight_decay=0.0,
                      schedule="plateau", plateau_monitor="train_loss", plateau_patience=s["patience"],
                      plateau_max_drops=3, probes=("ng_t_mean",))
    return data, train, seeds_of(s["seeds"])


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


def _untrained(vals: dict) -> str:
    """'' when every column of `vals` ({column: max training accuracy %}) trained (reached CONVERGENCE_FACTOR x
    chance, reproduce.critical_depth.trained), else why the claim is undecided: Table 1's sentences compare
    networks that learned, and accuracies at chance differ by noise only."""
    low = [c for c, v in vals.items() if not trained(v)]
    return f": undecided, did not train (t = {', '.join(low)} under {trained_threshold():g}%)" if low else ""


def _increasing(means: dict) -> tuple[bool | None, str]:
    """'We see that as t increased, so did the maximum training accuracy' (fixed t = -2, -1, -0.5, -0.25), in
    networks that trained (every column)."""
    cols = ["-2", "-1", "-0.5", "-0.25"]
    vals = {c: reproduced_number(means, (T1_ROW, c)) for c in cols}
    detail = "max training accuracy at t = " + ", ".join(f"{c}: {v:.2f}" for c, v in vals.items())
    untrained = _untrained(vals)
    if untrained:
        return None, detail + untrained
    accs = list(vals.values())
    return all(b > a for a, b in zip(accs, accs[1:])), detail


def _t_grows(means: dict) -> tuple[bool | None, str]:
    """'For the NG with trainable t, the mean value increased to [-]0.4765 at the end of training, and thus the
    performance was between that of -0.5 and -0.25': t rose in a net that trained. A toy net that never left
    chance (max training accuracy under CONVERGENCE_FACTOR x chance) leaves it undecided: there t jumps towards
    0 in the first epoch (seeds 3 and 31 at smoke: -1 to +0.08 and -0.08 after epoch 1, +0.10 and -0.05 at the
    end), a symptom of the failed run, not the paper's rise. Table 1 reports the maximum training accuracy, so
    "trained" reads that column here (the suite's convergence rule reads the last epoch; for these runs both are
    10-12 % or 30-36 %)."""
    t = reproduced_number(means, (T1_T_ROW, "Trainable"))
    acc = reproduced_number(means, (T1_ROW, "Trainable"))
    detail = f"final mean t {t:.4f} (initial -1), max training accuracy {acc:.2f}%"
    if not trained(acc):
        return None, detail + f": the net never trained (under {trained_threshold():g}%), undecided"
    return t > -1.0, detail


def _trainable_between(means: dict) -> tuple[bool | None, str]:
    """'the performance was between that of -0.5 and -0.25', in networks that trained (every column read)."""
    vals = {c: reproduced_number(means, (T1_ROW, c)) for c in ("-0.5", "Trainable", "-0.25")}
    lo, mid, hi = vals.values()
    detail = f"t = -0.5: {lo:.2f} <= trainable: {mid:.2f} <= t = -0.25: {hi:.2f}"
    untrained = _untrained(vals)
    if untrained:
        return None, detail + untrained
    return lo <= mid <= hi, detail


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
        NORMALIZATION_READING,
        "Read (the paper: 'We used a simple CNN without activation functions as a baseline to fit the test dataset "
        "CIFAR-10'): the nets are fitted to CIFAR-10's training split. The paper says 'test dataset' for the "
        "dataset an experiment is run on ('We used CIFAR-10 as a test dataset' for Table 4; 'The test dataset was "
        "CIFAR-10' for Table 5 and appendix Table 4), and Table 1 reports training accuracy under He et al.'s "
        "training augmentation.",
        "Reconstructed: the paper prints the final mean t as '0.4765' at the start of a line after 'increased "
        "to', without sign; t starts at -1 and the same sentence places the model 'between that of -0.5 and "
        "-0.25', so the published value is read as -0.4765.",
    ]
    if scale == "fast":
        out.append(f"fast scale: at most {T1_SCALES['fast']['epochs']} epochs.")
    if scale == "smoke":
        s = T1_SCALES["smoke"]
        images = "all 50,000" if s["train_size"] is None else f"{s['train_size']:,} class-balanced"
        out.append(f"smoke scale: {images} training images, at most {s['epochs']} epochs (the paper: until the "
                   f"loss stops falling), plateau patience {s['patience']}: far less training than the paper.")
    return out


# Table 2's section: "The model structure was the same as [He et al. 2016] without BN, and the dataset was CIFAR-10.
# We used the same training strategy except that Xavier initialization [Glorort 2010] were used as the weight
# initialization for all the experiments."
T2_STRATEGY_READING = (
    "Assumed (Table 2's 'We used the same training strategy except that Xavier initialization [Glorort 2010] were "
    "used as the weight initialization for all the experiments', after 'The model structure was the same as [He "
    "et al. 2016] without BN'): 'the same training strategy' is read as the paper's plain-CNN protocol of its "
    "Experiments section (lr 0.01 divided by 10 when the test error no longer decreased, batch 128, weight decay "
    "5e-4, momentum 0.9), which is close to the previous paragraph's toy-CNN strategy (lr 0.01 divided by 10 when "
    "the loss no longer decreased, batch 128, momentum 0.9, MSRA init -- the init Xavier replaces -- and no weight "
    "decay named); not He et al. 2016's own (lr 0.1, weight decay 1e-4, 64k iterations), which the sentence may "
    "also mean.")


def table2_deviations(scale: str) -> list[str]:
    return plain_deviations(scale) + [T2_STRATEGY_READING]


def table5_deviations(scale: str) -> list[str]:
    return plain_deviations(scale) + [
        "Claim reading: Table 3's paragraph ('We tested and compared various models, including 44-layer, 56-layer "
        "plain CNNs and ResNets ... MSRA initialization was used. Note that plain CNNs with ReLUs, LReLUs, PReLUs "
        "and SELUs did not converge when the depths were more than 20 layers, whereas models with NGs still "
        "converged') is checked here on the MSRA rows, as critical depths: ReLU, LReLU, PReLU and SELU at most "
        f"{NONCONV_DEPTH} layers, every NG variant above {NONCONV_DEPTH} (the paper's own Table 5: 20, 20, 20, <20 vs "
        f"80, 68, 128); Table 3 checks the same sentence at 44 and 56 layers. {NONCONV_DEPTH} is the paper's depth: "
        "the claim is decided on the paper's grid (paper and fast scale); at smoke scale the MSRA rows are not "
        "searched and it is n/a.",
    ]


def _t_label(t: float | None) -> str:
    return "Trainable" if t is None else f"{t:g}"


def table2_searches(scale: str, seeds: tuple[int, ...] | None = None) -> list[SearchSpec]:
    """Table 2: plain CNN without BN, Xavier, NG-ReLU at fixed t or trainable t; one search per seed (`seeds`,
    default plain_seeds(scale))."""
    s = PLAIN_SCALES[scale]
    specs = []
    for seed in plain_seeds(scale) if seeds is None else seeds:
        for t in (-1.0, -0.75, -0.5, -0.25, None):
            def make(depth, t=t, seed=seed):
                return plain_cell(scale, depth, "ng-relu", "xavier", t_init=-1.0 if t is None else t,
                                  t_trainable=t is None, seed=seed)
            specs.append(SearchSpec("Critical Depth", _t_label(t), make, s["grid"], s["mode"]))
    return specs


def grid_searches(scale: str, bn: bool, seeds: tuple[int, ...] | None = None) -> list[SearchSpec]:
    """Table 5 (bn=False) and appendix Table 4 (bn=True): 7 activations x 3 inits; one search per seed."""
    s = PLAIN_SCALES[scale]
    specs = []
    for seed in plain_seeds(scale) if seeds is None else seeds:
        for act in ACTS:
            for init in s.get("inits_bn", INITS) if bn else s.get("inits", INITS):
                def make(depth, act=act, init=init, seed=seed):
                    return plain_cell(scale, depth, act, init, bn=bn, seed=seed)
                specs.append(SearchSpec(f"{ACT_LABEL[act]}-{INITS[init]}", "Critical depth", make,
                                        s["grid_bn" if bn else "grid"], s["mode"]))
    return specs


def critical_depth_target(id: str, title: str, searches, claims, protocol_note: str, deviations=None) -> Target:
    return Target(
        PAPER, id, "table", title, datasets=("cifar10",),
        cells=lambda scale: all_cells(searches(scale)),
        execute=lambda run, scale: execute_searches(searches(scale), run),
        values=lambda pairs: search_values(searches(pairs[0][0].scale), pairs) if pairs else [],
        protocol=lambda scale: plain_protocol(scale, protocol_note),
        deviations=deviations or plain_deviations, claims=claims,
        cost_note="upper bound: every depth of every search; a search stops early")


def plain_deviations(scale: str) -> list[str]:
    s = PLAIN_SCALES[scale]
    out = ["Assumed (paper silent): the epoch cap and plateau rule for plain CNNs, see Protocol; the paper's "
           "'does not converge' made operational by the convergence criterion above.",
           ACTIVATION_READING, NORMALIZATION_READING, INIT_READING, WEIGHT_DECAY_READING,
           f"Assumed (paper silent): the deepest depth searched without BN is {PLAIN_SCALES['paper']['grid'][-1]} at "
           "paper and fast scale (the paper names no largest depth tried without BN; its deepest critical depth there "
           "is 152, Table 5); a search still converging there is reported as capped (a lower bound). With BN the "
           f"grid ends at the paper's {PLAIN_SCALES['paper']['grid_bn'][-1]} (appendix Table 4)."]
    if s["mode"] != "scan":
        out.append(f"{scale} scale: bisection over the depth grid (assumes outcomes monotone in depth) instead of "
                   "the paper's upward scan.")
    if scale == "fast":
        out.append(f"fast scale: at most {s['epochs']} epochs per run.")
    if scale == "smoke":
        out.append(f"smoke scale: Table 5 searches the {', '.join(INITS[i] for i in s['inits'])} rows only and "
                   f"Table A4 the {', '.join(INITS[i] for i in s['inits_bn'])} rows only (the others are not run, "
                   f"and the claims on them are n/a); nets with BN train for {s['epochs_bn']} epochs over depths "
                   f"{', '.join(map(str, s['grid_bn']))}.")
        out.append(f"smoke scale: width {s['width']} ({s['width']}-{2 * s['width']}-{4 * s['width']} filters), "
                   f"{s['train_size']:,} training images, batch {s['batch_size']} (paper 128), at most {s['epochs']} "
                   f"epochs, depths "
                   f"{', '.join(map(str, s['grid']))} instead of 20, 32, ...: the critical depths are on another "
                   "scale than the paper's.")
    return out


# Claims on critical depths compare depth ranges (reproduce.critical_depth.depth_range): a search capped at the
# deepest depth of its grid gives only a lower bound, one that failed at the first depth only an upper bound, and
# a comparison those bounds leave open is undecided (n/a), never a pass.

T2_ROW = "Critical Depth"
T2_T_COLUMNS = ["-1", "-0.75", "-0.5", "-0.25"]
DEPTH_COLUMN = "Critical depth"  # Tables 5 and A4
MUCH_GREATER = MUCH  # "much greater" critical depths (Tables 5 and A4): see ng_protocol.MUCH
# Table 5's claims the smoke scale is calibrated to show (reproduce.targets.Claim.smoke_gate): the init whose rows
# it searches (PLAIN_SCALES["smoke"]["inits"])
T5_SMOKE_GATED = ("Xavier",)
A4_SMOKE_GATED = ()  # appendix Table 4's NG-ReLU vs ReLU claims the smoke scale is calibrated to show


def _mark(ok: bool | None) -> str:
    return "" if ok else " ✗" if ok is False else " (undecided: a bound)"


def _decreasing_in_t(means: dict) -> tuple[bool | None, str]:
    """Table 2, "as t increased, the critical depth decreased": never deeper at a larger fixed t, and shallower
    at t = -0.25 than at t = -1 (the paper: 116, 116, 104, 92)."""
    ds = [depth_range(means, T2_ROW, c) for c in T2_T_COLUMNS]
    if None in ds:
        return None, "not every fixed t was run"
    steps = [at_least(a, b) for a, b in zip(ds, ds[1:])]
    overall = greater(ds[0], ds[-1])
    detail = ("critical depth at t = " + ", ".join(f"{c}: {d}" for c, d in zip(T2_T_COLUMNS, ds))
              + "; each step: " + ", ".join(f"{c0} -> {c1}{_mark(ok)}" for c0, c1, ok
                                            in zip(T2_T_COLUMNS, T2_T_COLUMNS[1:], steps))
              + f"; t = -0.25 below t = -1{_mark(overall)}")
    return all_hold(steps + [overall]), detail


def _ng_beats_base(bases=BASES, factor: float = MUCH_GREATER, inits=tuple(INITS.values()), rival: str | None = None):
    """'Much greater': every NG-X against its base X (or, with `rival`, against that activation, e.g. SELU) under
    each init of `inits` (default the three), NG-X >= factor x X. A pair that was not run (or whose bounds leave
    the comparison open) leaves the claim undecided unless another pair fails."""
    def check(means: dict) -> tuple[bool | None, str]:
        outcomes, parts, missing = [], [], []
        for base in bases:
            for init in inits:
                row = f"{ACT_LABEL[rival or base]}-{init}"
                ng = depth_range(means, f"NG-{ACT_LABEL[base]}-{init}", DEPTH_COLUMN)
                b = depth_range(means, row, DEPTH_COLUMN)
                if ng is None or b is None:
                    outcomes.append(None)
                    missing.append(row)
                    continue
                ok = at_least(ng, b, factor)
                outcomes.append(ok)
                parts.append(f"{row}: NG{'-' + ACT_LABEL[base] if rival else ''} {ng} vs {b}{_mark(ok)}")
        if not parts:
            return None, "no pair of rows was run at this scale"
        versus = ACT_LABEL[rival] if rival else "base"
        detail = (f"NG >= {factor:g} x {versus}; {len(parts)} of {len(outcomes)} pairs run"
                  + (f" (not run: {', '.join(missing)})" if missing else "") + ": " + "; ".join(parts))
        return all_hold(outcomes), detail
    return check


# Table 3's paragraph ("Model Performance"): "MSRA initialization was used. Note that plain CNNs with ReLUs, LReLUs,
# PReLUs and SELUs did not converge when the depths were more than 20 layers, whereas models with NGs still
# converged." Table 3 shows it at 44 and 56 layers only; its "more than 20 layers" is read off Table 5's MSRA rows
# (the init the paragraph names): the critical depth of ReLU, LReLU, PReLU and SELU at most 20 and of every NG
# variant above 20. The paper's own Table 5: 20, 20, 20, <20 vs 80, 68, 128. The 20 is the paper's depth (the first
# of its grid 20, 32, ...), as the paper and fast grids are; the smoke scale searches the Xavier rows only, where
# this claim is n/a.
NONCONV_DEPTH = 20
NONCONV_INIT = "MSRA"


def _not_beyond_20(means: dict) -> tuple[bool | None, str]:
    """ReLU, LReLU, PReLU, SELU (MSRA): critical depth <= NONCONV_DEPTH ('did not converge when the depths were more
    than 20 layers'); NG-ReLU, NG-LReLU, NG-PReLU: critical depth > NONCONV_DEPTH ('still converged'). Ranges
    (depth_range) decide: a capped base or an NG variant that failed at the first depth decide; a bound the
    comparison leaves open, or a row not run, is undecided unless another row fails."""
    limit = DepthRange(NONCONV_DEPTH, NONCONV_DEPTH)
    outcomes, parts, missing = [], [], []
    for act in ("relu", "lrelu", "prelu", "selu", "ng-relu", "ng-lrelu", "ng-prelu"):
        row = f"{ACT_LABEL[act]}-{NONCONV_INIT}"
        d = depth_range(means, row, DEPTH_COLUMN)
        if d is None:
            outcomes.append(None)
            missing.append(row)
            continue
        ng_ = act.startswith("ng-")
        ok = greater(d, limit) if ng_ else at_least(limit, d)
        outcomes.append(ok)
        parts.append(f"{row} {d} {'>' if ng_ else '<='} {NONCONV_DEPTH}{_mark(ok)}")
    if not parts:
        return None, f"no {NONCONV_INIT} row was run at this scale"
    return all_hold(outcomes), (f"{len(parts)} of {len(outcomes)} {NONCONV_INIT} rows run"
                                + (f" (not run: {', '.join(missing)})" if missing else "") + ": " + "; ".join(parts))


def table3_layout(scale: str) -> list[tuple[str, str, Cell]]:
    """(row, column, cell) of Table 3; CIFAR-10 first (cells are trained in this order)."""
    return [(f"{kind}-{d} / {DATASET_LABEL[ds]}", ACT_LABEL[act],
             acc_plain_cell(scale, d, act, dataset=ds, seed=seed) if kind == "Plain"
             else resnet_cell(scale, d, act, ds, seed))
            for ds in ("cifar10", "cifar100") for kind in ("Plain", "ResNet") for d in PAPER_DEPTHS
            for act in T3_ACTS for seed in acc_seeds(scale)]


T4_COLUMNS = {"ReLU with BN": ("relu", True), "NG-ReLU": ("ng-relu", False), "NG-ReLU with BN": ("ng-relu", True)}


def table4_layout(scale: str) -> list[tuple[str, str, Cell]]:
    return [(str(d), col, acc_plain_cell(scale, d, act, bn=bn, seed=seed))
            for d in PAPER_DEPTHS for col, (act, bn) in T4_COLUMNS.items() for seed in acc_seeds(scale)]


def tableA3_layout(scale: str) -> list[tuple[str, str, Cell]]:
    return [(f"plain-{d} CNN / {DATASET_LABEL[ds]}", ACT_LABEL[act],
             acc_plain_cell(scale, d, act, bn=True, dataset=ds, seed=seed))
            for ds in ("cifar10", "svhn") for d in PAPER_DEPTHS for act in T3_ACTS
            for seed in acc_seeds(scale)]


WIDE_ROW = "Wider ResNet-20 / CIFAR-10"
WIDE_ACT = "ng-relu"  # the paper does not name it (see text_deviations)
TIME_ACTS = ("ng-relu", "relu", "prelu")
TIME_ROWS = {"Plain-56 BN epoch time": lambda scale, act, seed: acc_plain_cell(scale, 56, act, bn=True, seed=seed),
             "ResNet-56 epoch time": lambda scale, act, seed: resnet_cell(scale, 56, act, seed=seed)}
RATIO = " / ratio to ReLU"


def wide_cell(scale: str, seed: int = 0) -> Cell:
    depth, widths = ACC_SCALES[scale]["wide"]
    return acc_resnet_cell(scale, depth, WIDE_ACT, widths=widths, seed=seed)


def text_layout(scale: str) -> list[tuple[str, str, Cell]]:
    seeds = acc_seeds(scale)
    return ([(WIDE_ROW, "test accuracy", wide_cell(scale, seed)) for seed in seeds]
            + [(row, ACT_LABEL[act], make(scale, act, seed)) for row, make in TIME_ROWS.items() for act in TIME_ACTS
               for seed in seeds])


def _model_desc(cell: Cell) -> str:
    m = cell.model_kwargs
    if m["arch"] == "plain":
        return f"plain-{m['depth']}{' BN' if m['bn'] else ''} w{m['width']}"
    return f"ResNet-{m['depth']} " + "-".join(map(str, m["widths"]))


def accuracy_values(layout):
    """values(pairs) of an NG accuracy table ('-' = not convergent)."""
    return shared_accuracy_values(layout, lambda cell, r: f"{_model_desc(cell)}, {r['epochs_run']} ep, "
                                                          f"{training_outcome(r)}")


def _epoch_seconds(result: dict) -> float | None:
    """Seconds of training (no test evaluation) per epoch, over the epochs run; None for a diverged run
    (its last epoch is partial)."""
    if result["status"] != "ok" or not result.get("epochs_run"):
        return None
    return result["train_time_s"] / result["epochs_run"]


def text_values(pairs: list[tuple[Cell, dict]]) -> list[Value]:
    records = layout_records(text_layout, pairs)
    out = accuracy_values(lambda scale: [x for x in text_layout(scale) if x[0] == WIDE_ROW])(pairs)
    for row in TIME_ROWS:
        secs, devices, backward = {}, {}, {}
        for r_row, col, cell, r in records:
            if r_row != row:
                continue
            s = _epoch_seconds(r)
            secs.setdefault(col, []).append("n/c" if s is None else s)
            devices.setdefault(col, set()).add((r["device"], r["dtype"], bool(r.get("compiled")),
                                                bool(r.get("cuda_graph"))))
            if col == "NG-ReLU":  # its backward: the fused CPU kernel or autograd ops (unrecorded before the kernel)
                backward.setdefault(col, set()).add(r.get("ng_relu_backward") or "autograd ops (not recorded)")
        for col, vals in secs.items():
            dev = "; ".join(f"{d} {t}{' compiled' if c else ''}{' CUDA graph' if g else ''}"
                            for d, t, c, g in sorted(devices[col]))
            impl = f"; NG-ReLU backward: {', '.join(sorted(backward[col]))}" if col in backward else ""
            out.append(Value(row, col, vals, unit="s", evidence=f"train seconds / epochs run on {dev}{impl}"))
        # ratios only between runs on one device, dtype, compile and CUDA-graph setting
        if "ReLU" in secs and len(set().union(*devices.values())) == 1:
            base = [v for v in secs["ReLU"] if not isinstance(v, str)]
            for col in ("NG-ReLU", "PReLU"):
                vals = [v for v in secs.get(col, []) if not isinstance(v, str)]
                if base and vals:
                    ratio = statistics.fmean(vals) / statistics.fmean(base)
                    out.append(Value(row + RATIO, col, [ratio], unit="ratio",
                                     evidence=f"{col} seconds per epoch / ReLU's, same device"))
    return out


# claims --------------------------------------------------------------------

def _fmt_acc(v) -> str:
    return v if isinstance(v, str) else f"{v:.2f}"


# Several seeds: a value is their mean, or, where some seed did not converge, the seeds' values joined by '/'
# ('-/88.04', reproduce.report.summarize). The claims below read such a mixed value as the worst case for the
# sentence: an NG variant's as not converged (a number is needed: accuracy.converges / rank), a base activation's
# as converged, at the mean of its converged seeds (converged_seeds_mean).




def _plain_nonconvergence(rows):
    """Every plain row: ReLU, LReLU, PReLU and SELU '-' (not convergent), every NG variant convergent. A row not
    run leaves the claim undecided unless another row fails. Over several seeds a base that converged on any seed
    counts as converged, and an NG variant converged only if it did on every seed (a number)."""
    def check(means: dict) -> tuple[bool | None, str]:
        outcomes, parts = [], []
        for row in rows:
            vals = {ACT_LABEL[a]: means.get((row, ACT_LABEL[a])) for a in T3_ACTS}
            if any(v is None for v in vals.values()):
                outcomes.append(None)
                parts.append(f"{row}: not run")
                continue
            conv = [c for c in ("ReLU", "LReLU", "PReLU", "SELU") if converged_seeds_mean(vals[c]) is not None]
            nonconv = [c for c in ("NG-ReLU", "NG-LReLU", "NG-PReLU") if not converges(vals[c])]
            outcomes.append(not conv and not nonconv)
            parts.append(f"{row}: " + ("as claimed" if not (conv or nonconv) else "; ".join(
                ([f"converged: {', '.join(conv)} ✗"] if conv else [])
                + ([f"did not converge: {', '.join(nonconv)} ✗"] if nonconv else []))))
        if outcomes.count(None) == len(outcomes):
            return None, "no plain row was run at this scale"
        return all_hold(outcomes), f"{len(outcomes) - outcomes.count(None)} of {len(rows)} plain rows run: " + "; ".join(parts)
    return check


def _ng_vs_base(rows, tolerance: float = 0.0, selu: bool = False):
    """NG-X >= X - tolerance (pp) for every base X in ReLU, LReLU, PReLU and every row, and with `selu` also
    NG-X >= SELU - tolerance; a pair not run leaves the claim undecided unless another pair fails. A value mixed
    over seeds is read as the worst case (above converged_seeds_mean)."""
    def check(means: dict) -> tuple[bool | None, str]:
        outcomes, parts = [], []
        for row in rows:
            pairs = []
            for base in BASES:
                ng = means.get((row, ACT_LABEL["ng-" + base]))
                for other in (base, "selu") if selu else (base,):
                    b = means.get((row, ACT_LABEL[other]))
                    name = f"NG-{ACT_LABEL[base]}" + ("" if other == base else f" vs {ACT_LABEL[other]}")
                    if b is None or ng is None:
                        outcomes.append(None)
                        pairs.append(f"{name}: not run")
                        continue
                    b_acc = converged_seeds_mean(b)
                    if not converges(ng) and b_acc is None:  # neither converged: no evidence either way
                        outcomes.append(None)
                        pairs.append(f"{name} {_fmt_acc(ng)} vs {_fmt_acc(b)}: neither converged")
                        continue
                    win = b_acc is None or rank(ng) >= b_acc - tolerance
                    outcomes.append(win)
                    pairs.append(f"{name} {_fmt_acc(ng)} vs {_fmt_acc(b)}{'' if win else ' ✗'}")
            parts.append(f"{row}: " + ", ".join(pairs))
        if outcomes.count(None) == len(outcomes):
            return None, "no row was run at this scale"
        return all_hold(outcomes), (f"{len(outcomes) - outcomes.count(None)} of {len(outcomes)} pairs run: "
                                    + "; ".join(parts))
    return check


# "comparable" in the NG paper's Table 3 and appendix Table 3 sentences: within COMPARABLE_PP test accuracy points
COMPARABLE_PP = 0.5


def _ng_comparable_in_most_cases(rows):
    """Table 3, "they still resulted better or at least comparable performances compared with their counterparts
    and SELUs in most cases": every NG-X against its base X and against SELU, in every row; a pair wins when
    NG-X >= Y - COMPARABLE_PP; "most cases" = a strict majority of every expected pair (decide_share); a pair not
    run, or where neither net converged, is undecided; a value mixed over seeds is read as the worst case (above
    converged_seeds_mean). Read per dataset and on the ResNet rows (table3_deviations)."""
    def check(means: dict) -> tuple[bool | None, str]:
        outcomes, parts = [], []
        for row in rows:
            pairs = []
            for base in BASES:
                ng = means.get((row, ACT_LABEL["ng-" + base]))
                for other in (base, "selu"):
                    o, name = means.get((row, ACT_LABEL[other])), f"NG-{ACT_LABEL[base]} vs {ACT_LABEL[other]}"
                    if o is None or ng is None:
                        outcomes.append(None)
                        pairs.append(f"{name}: not run")
                    elif not converges(ng) and converged_seeds_mean(o) is None:
                        outcomes.append(None)
                        pairs.append(f"{name}: neither converged")
                    else:
                        o_acc = converged_seeds_mean(o)
                        win = o_acc is None or rank(ng) >= o_acc - COMPARABLE_PP
                        outcomes.append(win)
                        pairs.append(f"{name} {_fmt_acc(ng)} vs {_fmt_acc(o)}{'' if win else ' ✗'}")
            parts.append(f"{row}: " + ", ".join(pairs))
        if outcomes.count(None) == len(outcomes):
            return None, "no row was run at this scale"
        return decide_share(outcomes, 0.5), (f"{outcomes.count(True)} of {len(outcomes)} pairs better or comparable "
                                             f"(need more than half); " + "; ".join(parts))
    return check


def _ng_bn_highest(means: dict) -> tuple[bool | None, str]:
    """Table 4, "the test accuracy using NG-ReLUs with BN was the highest in all experiments": at 44 and at 56
    layers; a depth not run leaves the claim undecided unless the other fails."""
    outcomes, parts = [], []
    for d in PAPER_DEPTHS:
        vals = {c: means.get((str(d), c)) for c in T4_COLUMNS}
        if any(v is None for v in vals.values()):
            outcomes.append(None)
            parts.append(f"{d}: not run")
            continue
        best = rank(vals["NG-ReLU with BN"])  # mixed over seeds: not converged; the others at their worst case
        others = [converged_seeds_mean(v) for c, v in vals.items() if c != "NG-ReLU with BN"]
        win = all(best > (-math.inf if o is None else o) for o in others)
        outcomes.append(win)
        parts.append(f"{d}: " + ", ".join(f"{c} {_fmt_acc(v)}" for c, v in vals.items()) + ("" if win else " ✗"))
    if outcomes.count(None) == len(outcomes):
        return None, "no depth was run at this scale"
    return all_hold(outcomes), "; ".join(parts)


# "Although NG introduces new training parameters, the extra computational cost is small. For 56-layer plain CNN
# with BN, NG-ReLUs took 72 seconds on average to run an epoch, whereas ReLUs and PReLUs take 68 and 77 seconds
# on average. For 56-layer ResNet, NG-ReLUs take 94 seconds ... whereas ReLUs and PReLUs took 87 seconds and 100
# seconds": the sentence is about both models, so both TIME_ROWS are needed; "small" read as within 10% of ReLU's
# time (the paper's 72/68 = 1.059 and 94/87 = 1.080; see text_deviations).


def _time_ratio_within(limit: float):
    def check(means: dict) -> tuple[bool | None, str]:
        parts, outcomes = [], []
        for row in TIME_ROWS:
            r = means.get((row + RATIO, "NG-ReLU"))
            if r is None or isinstance(r, str):
                outcomes.append(None)
                parts.append(f"{row}: no NG-ReLU / ReLU ratio (not run, or not on one device)")
                continue
            outcomes.append(r <= limit)
            parts.append(f"{row}: NG-ReLU / ReLU = {r:.3f}{'' if r <= limit else ' ✗'}")
        if outcomes.count(None) == len(outcomes):
            return None, "no timing row with NG-ReLU and ReLU on one device"
        return all_hold(outcomes), "; ".join(parts) + f" (limit {limit:.2f})"
    return check


# protocol and deviations ---------------------------------------------------

CONVERGENCE_LINE = (f"'-' = not convergent, the suite's one criterion (reproduce.critical_depth.converged): the run "
                    f"diverged, or its last-epoch training accuracy is below {CONVERGENCE_FACTOR} x chance (15% on "
                    f"CIFAR-10 and SVHN, 1.5% on CIFAR-100). Otherwise the value is the final test accuracy (%), "
                    "after the last epoch, on the test split.")


def _common_lines(scale: str) -> list[str]:
    s = ACC_SCALES[scale]
    return [
        "MSRA init (N(0, 2/fan_in)); NG variants with channel-wise t initialised at -1 and trainable; per-channel "
        "mean/std input normalization.",
        f"Seeds: {', '.join(map(str, acc_seeds(scale)))} (the paper reports one run); training images: "
        f"{s['train_size'] or 'all'}; test images: {s['test_size'] or 'all available'}.",
    ]


def table3_protocol(scale: str) -> list[str]:
    return (["Table 3: plain CNNs without BN and ResNets, 7 activations, on CIFAR-10 and CIFAR-100."]
            + plain_acc_lines(scale, bn=False) + resnet_lines(scale) + _common_lines(scale) + [CONVERGENCE_LINE])


def table4_protocol(scale: str) -> list[str]:
    return (["Table 4: plain CNNs on CIFAR-10 with ReLU + BN, NG-ReLU without BN, NG-ReLU + BN. The same runs as "
             "Table 3 (NG-ReLU) and appendix Table A3 (with BN): each is trained once and shared."]
            + plain_acc_lines(scale, bn=None) + _common_lines(scale) + [CONVERGENCE_LINE])


def tableA3_protocol(scale: str) -> list[str]:
    return (["Appendix Table 3: plain CNNs with BN, 7 activations, on CIFAR-10 and SVHN (train split, 73,257 "
             "images, without 'extra')."]
            + plain_acc_lines(scale, bn=True, svhn=True) + _common_lines(scale) + [CONVERGENCE_LINE])


def text_protocol(scale: str) -> list[str]:
    depth, widths = ACC_SCALES[scale]["wide"]
    return ([f"Wider ResNet: CifarResNet({depth}, widths={widths}) with {ACT_LABEL[WIDE_ACT]} (t = -1, trainable), "
             "the ResNet protocol below; reported: final test accuracy (%)."]
            + resnet_lines(scale) + plain_acc_lines(scale, bn=True) + _common_lines(scale)
            + ["Epoch time: the training passes of a run (no test evaluation) in seconds, divided by the epochs "
               "run (result train_time_s / epochs_run), for the 56-layer plain CNN with BN (appendix Table 3's "
               "CIFAR-10 runs) and ResNet-56 (Table 3's CIFAR-10 runs), on this suite's device (see Run); "
               "'/ ratio to ReLU' rows divide by ReLU's time on the same device, dtype, compile and CUDA-graph "
               "setting (none when the three runs of a row differ in these)."])


def _shared_deviations(scale: str) -> list[str]:
    s = ACC_SCALES[scale]
    out = [
        "Assumed (paper silent): 'test accuracy' is the accuracy after the last epoch (not the best epoch); "
        "'-' (not convergent) made operational by the suite's convergence criterion (see Protocol).",
        ACTIVATION_READING, NORMALIZATION_READING, WEIGHT_DECAY_READING,
        "Several seeds: a value mixed over seeds (some converged, some not: '-/88.04') counts as not converged for "
        "an NG variant and as converged, at the mean of its converged seeds, for the model it is compared with "
        "(the worst case for the claims).",
    ]
    if scale == "fast":
        out.append(f"fast scale: plain CNNs at most {PLAIN_SCALES['fast']['epochs']} epochs (plateau patience "
                   f"{PLAIN_SCALES['fast']['patience']}); ResNets {s['resnet_epochs']} epochs with the lr divided at "
                   f"{', '.join(map(str, s['milestones']))} (the paper's 80/120/160 of 200, scaled).")
    if scale == "smoke":
        p = s["plain"]
        out.append(f"smoke scale: the paper's 44- and 56-layer rows are trained at depth "
                   f"{s['plain_depths'][0]} and {s['plain_depths'][1]} (plain) and {s['resnet_depths'][0]} and "
                   f"{s['resnet_depths'][1]} (ResNet); width {p['width']} (plain {p['width']}-{2 * p['width']}-"
                   f"{4 * p['width']}, ResNet {'-'.join(map(str, s['resnet_widths']))} filters, paper 16-32-64); "
                   f"{s['train_size']:,} class-balanced training images and {s['test_size']} test images; batch "
                   f"{s['batch_size']} (paper 128); {p['epochs']} epochs for plain CNNs (plateau patience "
                   f"{p['patience']}) and {s['resnet_epochs']} for ResNets (lr divided by 10 at epoch "
                   f"{', '.join(map(str, s['milestones']))}). Far less training than the paper: "
                   "accuracies are near chance and not comparable.")
    return out


def table3_deviations(scale: str) -> list[str]:
    return _shared_deviations(scale) + [
        "Assumed (paper silent): plain CNNs use the protocol of Tables 5 / A4 (epoch cap and plateau rule, see "
        "Protocol); ResNets use option-A shortcuts (He et al.'s CIFAR choice).",
        "Claim reading: 'Note that plain CNNs with ReLUs, LReLUs, PReLUs and SELUs did not converge when the depths "
        "were more than 20 layers, whereas models with NGs still converged' is checked here on the plain rows (44 "
        "and 56 layers); its 'more than 20 layers' by Table 5's MSRA-rows claim (critical depths: the four at most "
        f"{NONCONV_DEPTH}, the NG variants above).",
        "CIFAR-100 rows need the CIFAR-100 data; where it is not available they say 'not run' (never another "
        "dataset).",
        "Claim reading: 'Although our method first trained the models with the relatively low capacity, they still "
        "resulted better or at least comparable performances compared with their counterparts and SELUs in most "
        "cases' is checked on the ResNet rows only (on the plain rows the counterparts and SELU did not converge, "
        "which the first claim checks), one claim per dataset (so a dataset not available leaves its claim n/a); "
        f"'comparable' = NG-X at most {COMPARABLE_PP:g} percentage points below the other model; 'most cases' = "
        "more than half of the NG-X vs X and NG-X vs SELU pairs of that dataset's ResNet rows.",
    ]


def table4_deviations(scale: str) -> list[str]:
    return _shared_deviations(scale) + [
        "The paper's Table 4 and its appendix Table 3 print different numbers for NG-ReLU with BN (89.98 vs "
        "89.48 at 44 layers, 89.59 vs 89.40 at 56) for what reads as one configuration; the suite trains it "
        "once, so both tables show the same reproduced value. Table 4's 'ReLU with BN' equals appendix Table "
        "3's ReLU and its 'NG-ReLU' (without BN) equals Table 3's plain NG-ReLU, as printed.",
    ]


def tableA3_deviations(scale: str) -> list[str]:
    return _shared_deviations(scale) + [
        "Assumed (paper silent): SVHN uses its train split only (no 'extra'), no augmentation (He et al.'s crops "
        "and flips are for CIFAR; flips change digits), the plain protocol otherwise. SVHN rows need the SVHN "
        "data; where it is not available they say 'not run'.",
        "Claim reading: 'Similar to the results of the plain CNNs without BN, NGs perform slightly better or "
        "comparable results' (appendix 3.2) refers to Table 3's 'better or at least comparable performances "
        "compared with their counterparts and SELUs', so every NG-X is compared with its base X and with SELU, in "
        f"every row of the dataset (the appendix sentence has no 'in most cases'); 'comparable' taken as within "
        f"{COMPARABLE_PP:g} percentage points (the paper's own closest pair: NG-LReLU 89.06 vs SELU 89.09).",
    ]


def text_deviations(scale: str) -> list[str]:
    depth, widths = ACC_SCALES[scale]["wide"]
    out = _shared_deviations(scale) + [
        f"Assumed (paper silent): the activation of the 20-layer wider ResNet. The paragraph reports it among the "
        f"results of the proposed method, so it is taken as {ACT_LABEL[WIDE_ACT]} (t = -1, trainable), MSRA init, "
        "with the ResNet protocol of Table 3 on CIFAR-10.",
        "Epoch times: the paper's seconds are on a GTX1080-ti; here they are measured on this suite's device "
        "(bf16 autocast, channels_last and CUDA graphs on CUDA; on a CPU bf16 autocast where it is native, else "
        "fp32: see Run), so absolute seconds are not comparable and "
        "their verdicts say little. The claims compare ratios to ReLU on one device. Per-epoch time counts "
        "the training passes only (the paper does not say whether it includes evaluation).",
        "Claim reading: 'Although NG introduces new training parameters, the extra computational cost is small. "
        "For 56-layer plain CNN with BN, NG-ReLUs took 72 seconds on average to run an epoch, whereas ReLUs and "
        "PReLUs take 68 and 77 seconds on average. For 56-layer ResNet, NG-ReLUs take 94 seconds ... whereas ReLUs "
        "and PReLUs took 87 seconds and 100 seconds': 'small' taken as NG-ReLU's epoch time within 10% of ReLU's "
        "(the paper's own ratios: 1.06 and 1.08), on both models; a model whose ratios are missing leaves the "
        "timing claims n/a unless the other model fails them.",
        "Not reproduced here (context rows): the largest plain depth with BN tested (248, see Table A4) and the "
        "maximal convergent depth of ReLU/LReLU/PReLU/SELU plain CNNs (20: checked as Table 5's MSRA-rows claim, "
        "critical depths at most 20 for the four and above 20 for the NG variants).",
        "Not checked (no claim): 'We also used a 20-layer wider ResNet ... The final test accuracy was 95.43%, "
        "better than the 1001-layer pre-activation ResNet in [He et al. 2016]': the paper does not print He et "
        "al.'s number, and He et al. 2016 (Identity mappings) report the 1001-layer pre-activation ResNet on "
        "CIFAR-10 at 4.92% error (batch 128) or 4.62% (batch 64), i.e. 95.08% or 95.38% accuracy: which one is "
        "meant is not said, and this suite does not train that ResNet; the wider ResNet's accuracy is compared "
        "with the published 95.43 cell by cell (its verdict).",
        "Not checked (no claim): 'Since the experiments have shown that the performances of the channel-wise and "
        "element-wise versions are comparable, we use the former' (Approach): the paper reports no table or "
        "number for the element-wise version; every NG here is channel-wise, as the paper's experiments.",
    ]
    if scale == "smoke":
        out.append(f"smoke scale: the wider ResNet is CifarResNet({depth}, widths={widths}) (paper 20, "
                   "(128, 256, 512)); timings of tiny nets on a shared CPU are dominated by overheads and noise.")
    return out


def accuracy_target(id: str, title: str, layout, protocol, deviations, claims, values=None) -> Target:
    return Target(PAPER, id, "table", title, datasets=("cifar10",), cells=layout_cells(layout),
                  values=values or accuracy_values(layout), protocol=protocol, deviations=deviations, claims=claims,
                  cost_note="counts cells whose dataset is unavailable; they are not run")


T3_ROWS = [f"{kind}-{d} / {DATASET_LABEL[ds]}" for ds in ("cifar10", "cifar100") for kind in ("Plain", "ResNet")
           for d in PAPER_DEPTHS]
A3_ROWS = [f"plain-{d} CNN / {DATASET_LABEL[ds]}" for ds in ("cifar10", "svhn") for d in PAPER_DEPTHS]


def _on(row: str, dataset: str) -> bool:
    """Is a Table 3 / A3 row ("<model> / <dataset label>") on `dataset`? One claim per dataset, so a dataset
    that is not available leaves its claims n/a instead of passing them on the other dataset's rows."""
    return row.endswith(" / " + DATASET_LABEL[dataset])

ACCURACY_TARGETS = [
    accuracy_target(
        "3", "Test accuracy of plain CNNs (no BN) and ResNets, 7 activations (CIFAR-10, CIFAR-100)",
        table3_layout, table3_protocol, table3_deviations,
        [claim for ds in ("cifar10", "cifar100") for claim in (
            Claim(f"{DATASET_LABEL[ds]}: plain CNNs with ReLU, LReLU, PReLU and SELU did not converge at 44 and 56 "
                  "layers, while those with NGs did.",
                  _plain_nonconvergence([r for r in T3_ROWS if r.startswith("Plain") and _on(r, ds)])),
            Claim(f"{DATASET_LABEL[ds]}: on ResNets, NGs resulted in better or at least comparable performances "
                  "compared with their counterparts and SELUs in most cases (NG-X >= Y - 0.5 pp for Y in X, SELU; "
                  "most = more than half of the pairs).",
                  _ng_comparable_in_most_cases([r for r in T3_ROWS if r.startswith("ResNet") and _on(r, ds)])))]),
    accuracy_target(
        "4", "Test accuracy of plain CNNs with BN: ReLU vs NG-ReLU (CIFAR-10)",
        table4_layout, table4_protocol, table4_deviations,
        [Claim("NG-ReLU with BN has the highest test accuracy (at 44 and at 56 layers).", _ng_bn_highest)]),
    accuracy_target(
        "A3", "Test accuracy of plain CNNs with BN, 7 activations (CIFAR-10, SVHN)",
        tableA3_layout, tableA3_protocol, tableA3_deviations,
        # "Similar to the results of the plain CNNs without BN, NGs perform slightly better or comparable results"
        # (appendix 3.2): the results without BN are Table 3's, "better or at least comparable performances
        # compared with their counterparts and SELUs", so both: every NG-X against X and against SELU (the paper's
        # own closest pair: NG-LReLU 89.06 vs SELU 89.09, plain-44 CIFAR-10)
        [Claim(f"{DATASET_LABEL[ds]}: \"Similar to the results of the plain CNNs without BN, NGs perform slightly "
               "better or comparable results\", those results being \"better or at least comparable performances "
               "compared with their counterparts and SELUs\" (Table 3): every NG-X >= Y - "
               f"{COMPARABLE_PP:g} pp for Y in X and SELU, X in ReLU, LReLU, PReLU, in every row.",
               _ng_vs_base([r for r in A3_ROWS if _on(r, ds)], tolerance=COMPARABLE_PP, selu=True))
         for ds in ("cifar10", "svhn")]),
    accuracy_target(
        "text", "Numbers in the text: wider ResNet-20 accuracy, per-epoch time of NG-ReLU vs ReLU and PReLU",
        text_layout, text_protocol, text_deviations,
        [Claim("NG-ReLU costs little extra time: its per-epoch time is within 10% of ReLU's (paper: 72 vs 68 s, "
               "94 vs 87 s).", _time_ratio_within(1.10))],
        # No claim that PReLU costs more than NG-ReLU: the paper prints its 77 vs 72 s and 100 vs 94 s but no
        # sentence says it; the timing rows' verdicts show the numbers.
        values=text_values),
]


TARGETS = [
    Target(PAPER, "1", "table", "Training accuracy of the toy CNN for different t (CIFAR-10)",
           cells=table1_cells, protocol=table1_protocol, deviations=table1_deviations, datasets=("cifar10",),
           values=table1_values,
           claims=[
               # declared for the smoke gate (T1_SCALES["smoke"]: 3 epochs over all 50,000 images): in order on the
               # calibration seeds 1-3 and the fresh 0, 51-53, by 1.1-3.5 pp between neighbouring t
               Claim("As t increased, so did the maximum training accuracy (fixed t = -2, -1, -0.5, -0.25).",
                     _increasing, smoke_gate=True),
               # declared too: final mean t -0.30 to -0.65 on seeds 0-3, 51-53, every net trained (33-42 %); a
               # zeroed dL/dt leaves t at -1 and fails it. (At the older smoke budget, 8 epochs x 5,000 images, the
               # toy net stayed at chance on seeds 3 and 31, where this was n/a.)
               Claim("With trainable t (initially -1) the mean t increased during training.", _t_grows,
                     smoke_gate=True),
               Claim("With trainable t the performance was between that of t = -0.5 and t = -0.25.",
                     _trainable_between),
               # No claim that t = -2 equals None (35.75 both): the table prints it, no sentence says it; the
               # two cells' verdicts beside the published numbers show it.
           ]),
    critical_depth_target(
        "2", "Critical depth of plain CNNs (no BN, Xavier) for different t (CIFAR-10)", table2_searches,
        [Claim("As t increased, the critical depth decreased (never deeper at a larger fixed t, and shallower at "
               "t = -0.25 than at t = -1; paper: 116, 116, 104, 92).", _decreasing_in_t)],
        # No claim that trainable t matches t = -1 (116 = 116): no sentence of the paper says it; the Trainable
        # cell's verdict (match / differs beside the published 116) shows it.
        "Table 2: plain CNN without BN, Xavier init, NG-ReLU with fixed t or trainable t (initially -1).",
        deviations=table2_deviations),
    critical_depth_target(
        "5", "Critical depth of plain CNNs without BN, 7 activations x 3 inits (CIFAR-10)",
        lambda scale, seeds=None: grid_searches(scale, bn=False, seeds=seeds),
        # "The critical depths for our method were much greater", one claim per init (the three together are the
        # sentence), so that a scale that searches one init's rows (smoke: Xavier) decides that part of it
        [*(Claim(f"{init} rows: the critical depths for our method were much greater: every NG variant's is at "
                 f"least {MUCH_GREATER:g} x its base activation's.",
                 _ng_beats_base(factor=MUCH_GREATER, inits=(init,)), smoke_gate=init in T5_SMOKE_GATED)
           for init in INITS.values()),
         # SELU is the table's other model: not declared at smoke, where SELU too reaches the top of the depth grid
         # (Xavier: SELU and every NG variant >= 32, a comparison of two bounds, undecided)
         *(Claim(f"{init} rows: the critical depths for our method were much greater than SELU's: every NG "
                 f"variant's is at least {MUCH_GREATER:g} x SELU's.",
                 _ng_beats_base(factor=MUCH_GREATER, inits=(init,), rival="selu"))
           for init in INITS.values()),
         # Table 3's sentence, its "more than 20 layers" (Table 3 itself has 44 and 56): on Table 5's MSRA rows
         Claim("MSRA rows (Table 3's init): \"plain CNNs with ReLUs, LReLUs, PReLUs and SELUs did not converge when "
               "the depths were more than 20 layers, whereas models with NGs still converged\" (critical depth of "
               f"ReLU, LReLU, PReLU and SELU at most {NONCONV_DEPTH}, of NG-ReLU, NG-LReLU and NG-PReLU above "
               f"{NONCONV_DEPTH}).", _not_beyond_20)],
        "Table 5: plain CNNs without BN; NG variants with trainable t from -1.", deviations=table5_deviations),
    critical_depth_target(
        "A4", "Critical depth of plain CNNs with BN, 7 activations x 3 inits (CIFAR-10)",
        lambda scale, seeds=None: grid_searches(scale, bn=True, seeds=seeds),
        # "The critical depths NG-ReLU are much greater than ReLU", one claim per init (as Table 5's)
        [*(Claim(f"{init} rows: the critical depths NG-ReLU are much greater than ReLU (with BN; at least "
                 f"{MUCH_GREATER:g} x).", _ng_beats_base(("relu",), factor=MUCH_GREATER, inits=(init,)),
                 smoke_gate=init in A4_SMOKE_GATED)
           for init in INITS.values())],
        # The text says it of NG-ReLU only; the other variants' depths are compared cell by cell (verdicts) and
        # make no claim of their own.
        "Appendix Table 4: plain CNNs with BN (conv-BN-act); the paper's deepest depth tested is 248 "
        "(GPU memory), so its 248 entries are caps."),
    *ACCURACY_TARGETS,
]

TARGETS += FIGURES  # the figures read the runs of these tables: reproduce/ng_figures.py
