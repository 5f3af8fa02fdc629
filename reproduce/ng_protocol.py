"""The shared protocol of the NG paper (Jiang et al., ../shared/papers/000_9a9fcca55f475906.txt): the
activations and inits it compares, the plain CNN and ResNet cells at every scale, and the protocol lines that
describe them. The tables (reproduce/ng.py) and the figures (reproduce/ng_figures.py) both build on it, so
imports run one way: ng_protocol <- ng_figures <- ng.
"""
from __future__ import annotations

import dataclasses

from .critical_depth import CONVERGENCE_FACTOR, depth_grid
from .data import DataSpec
from .experiment import Cell
from .seeds import seeds
from .train import TrainSpec

PAPER = "ng"

# Experiments: "For both models, we used a batch size of 128 and a weight decay of 0.0005, and a momentum of
# 0.9" -- the paper does not say which parameters decay. TrainSpec's defaults (decay_bias, decay_norm) decay
# them all, as He et al. 2016's fb.resnet.torch does (Torch's optim.sgd decays the whole flattened parameter
# vector) and as the paper's "same training strategy" / "same as [He et al. 2016]" suggests; NG's t is exempt.
WEIGHT_DECAY_READING = (
    "Assumed (paper silent on which parameters decay): 'we used a batch size of 128 and a weight decay of "
    "0.0005' (Experiments) is applied to every parameter -- conv and dense weights, their biases, and BatchNorm's "
    "scale and shift -- as He et al. 2016's code (fb.resnet.torch) decays all parameters; not to NG's t.")
# readings of what the paper leaves unsaid, shared by the tables (reproduce/ng.py) and the figures
ACTIVATION_READING = (
    "Assumed (paper silent): LReLU slope 0.01; PReLU one slope per channel from 0.25, with the same weight decay as "
    "the weights (He et al. 2015 used none on the slopes); no weight decay on NG's t.")
NORMALIZATION_READING = (
    "Assumed (paper silent): per-channel mean/std input normalization (He et al. 2016, whose 'simple data "
    "augmentation' the paper adopts, subtract the per-pixel mean).")
INIT_READING = (
    "Assumed (the paper names the inits only): Xavier = Glorot & Bengio 2010's uniform U(+-sqrt(6 / (fan_in + "
    "fan_out))) (not Caffe's fan_in-only 'xavier' filler); Orthogonal = Saxe et al. 2013 with gain 1 "
    "(torch.nn.init.orthogonal_ on the kernel viewed as out x fan_in); MSRA = N(0, 2 / fan_in); biases 0.")

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
                  grid=depth_grid(20, 200), grid_bn=depth_grid(20, 248), mode="scan", seeds=(0,)),
    "fast": dict(width=16, train_size=None, test_size=None, epochs=10, patience=3,
                 grid=depth_grid(20, 200), grid_bn=depth_grid(20, 248), mode="bisect", seeds=(0,)),
    # smoke (calibrated, issue 18: the claims reproduce.ng marks smoke_gate): Tables 5 and A4 search the Xavier
    # rows only (the others render "not run": the NG paper's smoke budget affords one init). Tables 5 and 2 search
    # depths 14-32 at width 8 with about 190 SGD steps, enough for every NG variant to leave chance at 32 layers
    # while ReLU, LReLU and PReLU under Xavier mostly stay below 15% already at 14 (probes, seeds 0-3: 8.5-13.4% at
    # 14; NG variants 19.8-27.1% at 14 and 32). The grid steps by 6 layers (14, 20, 26, 32), finer than the paper's
    # 12: where a base converges at 14 (seed 31: 15.4-16.6%), 14 and 32 alone bracket its critical depth anywhere
    # in 14-31 (Search.bracket), too coarse to show "twice as deep"; bisection then runs 20 (and 26 only
    # if 20 converges) for such a row, ending on neighbouring depths 6 apart (never bracketed), and a base below
    # 15% at 14 or an NG variant converging at 32 costs no more runs than before. Table 5's "Xavier rows: much
    # greater" then held on each of seeds 0-3, 31-33, 41-43 (Dec 2026; seed 31: ReLU, LReLU, PReLU 14✓ 20✗,
    # every NG variant 32✓; the other seeds' bases already failed at 14). A gap of 6 counts as exact, as the
    # paper's 12 does: "much greater" (2x) was read off the paper's own grid values (236 / 116). Appendix Table 4's BN nets run 1 epoch over depths 8 and 20: ReLU with BN is on the edge of 15% at
    # 20 layers there (seeds 1-3: 16.5, 14.7, 17.4%), so its claims are reported as they fall and not declared.
    "smoke": dict(width=8, train_size=2000, test_size=500, epochs=3, epochs_bn=1, patience=2, batch_size=32,
                  grid=depth_grid(14, 32, 6), grid_bn=depth_grid(8, 20), mode="bisect", inits=("xavier",),
                  inits_bn=("xavier",), seeds=(0,)),
}


def plain_seeds(scale: str) -> tuple[int, ...]:
    """The seeds of the critical-depth searches (Tables 2, 5, A4: one search per seed): $SEEDS, else the
    scale's own (the paper reports one run)."""
    return seeds(PLAIN_SCALES[scale]["seeds"])


PLAIN_PROBES = ("weight_variance",)


def plain_cell(scale: str, depth: int, act: str, init: str, bn: bool = False, t_init: float = -1.0,
               t_trainable: bool = True, seed: int = 0, label: str = "") -> Cell:
    s = PLAIN_SCALES[scale]
    data = DataSpec("cifar10", train_size=s["train_size"], test_size=s["test_size"])
    # probes for Figures 2, 4, 5 and appendix Figures 1-3 (reproduce/ng_figures.py), which read these runs:
    # per-layer weight variance and (NG) the t of layer 19, after every epoch
    train = TrainSpec(epochs=s.get("epochs_bn", s["epochs"]) if bn else s["epochs"],
                      batch_size=s.get("batch_size", 128), lr=0.01, momentum=0.9, weight_decay=5e-4,
                      schedule="plateau", plateau_monitor="test_error", plateau_patience=s["patience"],
                      plateau_max_drops=3, probes=PLAIN_PROBES + (("ng_t_layer19",) if act.startswith("ng-") else ()))
    model = {"arch": "plain", "depth": depth, "act": act, "bn": bn, "width": s["width"], "init": init}
    if act.startswith("ng-"):
        model.update(t_init=t_init, t_trainable=t_trainable)
    return Cell.make(PAPER, label or f"plain-{depth} {act} {init}{' bn' if bn else ''}", model, data, train,
                     seed, scale)


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
        f"Seeds: {', '.join(map(str, plain_seeds(scale)))}, one search per seed (the paper reports one run).",
        f"Critical depth: {s['mode']} over depths {', '.join(map(str, s['grid']))} (with BN: "
        f"{', '.join(map(str, s['grid_bn']))}). A run converges if it does not diverge and its last-epoch training "
        f"accuracy is at least {CONVERGENCE_FACTOR} x chance (15% on CIFAR-10). Reported: the deepest converging "
        "depth with every shallower depth converging, or '<first depth' (an upper bound); a search whose deepest depth "
        "converges gives a lower bound (row '<column> (capped)'). Claims compare the ranges these allow: a "
        "comparison that the bounds leave open is n/a.",
    ]


# ------------------------------------------- test accuracy: Tables 3, 4, A3, text
# "Model Performance": "We tested and compared various models, including 44-layer,
# 56-layer plain CNNs and ResNets, on CIFAR-10 and CIFAR-100 datasets. MSRA
# initialization was used." Experiments: "t were set to -1 for all experiments. For
# plain CNNs, the initial learning rate was 0.01, and we divided it by 10 ... when the
# test error no longer decreased. For ResNets, the initial learning rate was 0.1, and
# we divided it by 10 at 80, 120, and 160 epochs, and terminated training at 200
# epochs. For both models, we used a batch size of 128 and a weight decay of 0.0005,
# and a momentum of 0.9." Plain CNNs are the cells of Tables 5 / A4 (plain_cell, MSRA
# column) at paper and fast scale, so a depth both tables need is trained once.

T3_ACTS = ("relu", "lrelu", "prelu", "selu", "ng-relu", "ng-lrelu", "ng-prelu")  # the paper's column order
BASES = ("relu", "lrelu", "prelu")  # activations with an NG version
# The paper's "much" ("The critical depths for our method were much greater", Table 5; "much greater than ReLU",
# appendix Table 4; "converged much faster", Figure 5; "far more stable", Figure 3, read as "much"): at least 1.8 x,
# the smallest ratio among the pairs the paper itself calls much greater, rounded down to one decimal: Table 5's
# NG-LReLU-Orthogonal vs SELU-Orthogonal, 128 / 68 = 1.88 (the others: appendix Table 4's 236 / 116 = 2.03, Table
# 5's NG-X vs X from 3.4 up, NG vs SELU-Xavier 104 / 44 = 2.4). Fixed from the paper's numbers alone.
MUCH = 1.8
DATASET_LABEL = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "svhn": "SVHN"}
PAPER_DEPTHS = (44, 56)

ACC_SCALES = {
    # depths: the depth trained for the paper's 44 and 56 rows; resnet_*: the ResNet protocol;
    # wide: (depth, widths) of the "20-layer wider ResNet"; plain: None = the plain protocol of
    # PLAIN_SCALES[scale] (Tables 5 / A4 cells), else overrides of it.
    "paper": dict(plain_depths=(44, 56), resnet_depths=(44, 56), resnet_widths=(16, 32, 64),
                  wide=(20, (128, 256, 512)), resnet_epochs=200, milestones=(80, 120, 160), train_size=None,
                  test_size=None, batch_size=128, seeds=(0,), plain=None),
    "fast": dict(plain_depths=(44, 56), resnet_depths=(44, 56), resnet_widths=(16, 32, 64),
                 wide=(20, (128, 256, 512)), resnet_epochs=30, milestones=(12, 18, 24), train_size=None,
                 test_size=None, batch_size=128, seeds=(0,), plain=None),
    # smoke: the 43 distinct nets of Tables 3 + 4 + A3 + text train in about 75 s summed on one core of the
    # 2-core CI CPU (measured, 1 thread), plus about 5 s of start-up per table.
    "smoke": dict(plain_depths=(8, 14), resnet_depths=(8, 14), resnet_widths=(4, 8, 16),
                  wide=(8, (8, 16, 32)), resnet_epochs=2, milestones=(1,), train_size=500, test_size=250,
                  batch_size=16, seeds=(0,), plain=dict(width=4, epochs=2, patience=2)),
}


def acc_seeds(scale: str) -> tuple[int, ...]:
    """The seeds of every accuracy run (Tables 3, 4, A3, text and the figures): $SEEDS, else the scale's own."""
    return seeds(ACC_SCALES[scale]["seeds"])


def _depth(scale: str, kind: str, paper_depth: int) -> int:
    s = ACC_SCALES[scale]
    return dict(zip(PAPER_DEPTHS, s["plain_depths" if kind == "plain" else "resnet_depths"]))[paper_depth]


def _on_dataset(cell: Cell, dataset: str) -> Cell:
    """The same run on another dataset; SVHN (digits) without flips/crops (paper silent)."""
    if dataset == cell.data.name:
        return cell
    data = dataclasses.replace(cell.data, name=dataset, augment=cell.data.augment and dataset != "svhn")
    return dataclasses.replace(cell, data=data, label=f"{cell.label} {dataset}")


def acc_plain_cell(scale: str, paper_depth: int, act: str, bn: bool = False, dataset: str = "cifar10",
                   seed: int = 0, init: str = "msra") -> Cell:
    """A plain CNN of Tables 3 / 4 / A3 (MSRA, t = -1 trainable; other inits for the figures): the Table 5 /
    A4 cell at paper and fast scale, with ACC_SCALES[scale]["plain"] overrides at smoke."""
    s = ACC_SCALES[scale]
    depth = _depth(scale, "plain", paper_depth)
    cell = plain_cell(scale, depth, act, init, bn=bn, seed=seed)
    if s["plain"]:
        p = s["plain"]
        cell = Cell.make(PAPER, cell.label, {**cell.model_kwargs, "width": p["width"]},
                         dataclasses.replace(cell.data, train_size=s["train_size"], test_size=s["test_size"]),
                         dataclasses.replace(cell.train, epochs=p["epochs"], batch_size=s["batch_size"],
                                             plateau_patience=p["patience"]), seed, scale)
    return _on_dataset(cell, dataset)


def acc_resnet_cell(scale: str, depth: int, act: str, dataset: str = "cifar10", widths: tuple | None = None,
                    seed: int = 0, init: str = "msra") -> Cell:
    """A CIFAR ResNet with the paper's ResNet protocol (MSRA, t = -1 trainable; other inits for Figure 5);
    `depth` as trained. Per-layer weight variance recorded after every epoch (Figure 4)."""
    s = ACC_SCALES[scale]
    data = DataSpec("cifar10", train_size=s["train_size"], test_size=s["test_size"])
    train = TrainSpec(epochs=s["resnet_epochs"], batch_size=s["batch_size"], lr=0.1, momentum=0.9,
                      weight_decay=5e-4, schedule="step", milestones=tuple(s["milestones"]), probes=PLAIN_PROBES)
    widths = tuple(widths or s["resnet_widths"])
    model = {"arch": "resnet", "depth": depth, "act": act, "widths": widths, "init": init}
    if act.startswith("ng-"):
        model.update(t_init=-1.0, t_trainable=True)
    wide = "" if widths == tuple(s["resnet_widths"]) else " wide " + "-".join(map(str, widths))
    cell = Cell.make(PAPER, f"resnet-{depth}{wide} {act} {init}", model, data, train, seed, scale)
    return _on_dataset(cell, dataset)


def resnet_cell(scale: str, paper_depth: int, act: str, dataset: str = "cifar10", seed: int = 0,
            init: str = "msra") -> Cell:
    return acc_resnet_cell(scale, _depth(scale, "resnet", paper_depth), act, dataset, seed=seed, init=init)


def _depths_text(depths) -> str:
    if tuple(depths) == PAPER_DEPTHS:
        return " and ".join(map(str, depths))
    return ", ".join(f"{d} for the paper's {pd}-layer row" for pd, d in zip(PAPER_DEPTHS, depths))


def plain_acc_lines(scale: str, bn: bool | None, svhn: bool = False) -> list[str]:
    """Protocol of the plain CNNs; bn None: with and without BN."""
    s, p = ACC_SCALES[scale], PLAIN_SCALES[scale]
    kind = "with BN (conv-BN-act)" if bn else "without BN" if bn is False else "with BN (conv-BN-act) and without"
    width = s["plain"]["width"] if s["plain"] else p["width"]
    epochs = s["plain"]["epochs"] if s["plain"] else p.get("epochs_bn", p["epochs"]) if bn else p["epochs"]
    patience = s["plain"]["patience"] if s["plain"] else p["patience"]
    batch = s["batch_size"] if s["plain"] else p.get("batch_size", 128)
    depths = _depths_text(s["plain_depths"])
    return [
        f"Plain CNN {kind} (NG paper appendix Table 1): conv3x3 then "
        f"three stages of n 3x3 convs ({width}, {2 * width}, {4 * width} filters) separated by 2x2 max pooling, "
        f"global average pooling, dense, softmax; depth 3n + 2 ({depths}).",
        f"Plain CNNs: SGD momentum 0.9, batch {batch}, weight decay 5e-4 (not on NG's t), lr 0.01 divided by 10 "
        f"when the test error has not improved by 0.1% for {patience} epochs, at most 3 divisions, at most "
        f"{epochs} epochs; He et al. augmentation on CIFAR{' (none on SVHN)' if svhn else ''}.",
    ]


def resnet_lines(scale: str) -> list[str]:
    s = ACC_SCALES[scale]
    w = s["resnet_widths"]
    depths = _depths_text(s["resnet_depths"])
    return [
        f"CIFAR ResNet (He et al. 2016 Sec. 4.2; NG appendix Table 2): conv3x3-BN-act, three stages of n basic "
        f"blocks (conv-BN-act-conv-BN, + identity, act; {w[0]}, {w[1]}, {w[2]} filters), option-A (zero-padding) "
        f"shortcuts, global average pooling, dense; depth 6n + 2 ({depths}).",
        f"ResNets: SGD momentum 0.9, batch {s['batch_size']}, weight decay 5e-4 (not on NG's t), lr 0.1 divided "
        f"by 10 after epoch{'s' if len(s['milestones']) > 1 else ''} {', '.join(map(str, s['milestones']))}, training "
        f"ends after epoch {s['resnet_epochs']}; "
        "He et al. augmentation (zero-pad 4, random 32x32 crop, horizontal flip).",
    ]


def decide_share(outcomes: list, share: float) -> bool | None:
    """"In most cases" (share 0.5: a strict majority of every expected case): True once the wins alone exceed
    it, False once even every undecided case (None) could not reach it, else None."""
    wins, open_ = outcomes.count(True), outcomes.count(None)
    return True if wins > share * len(outcomes) else False if wins + open_ <= share * len(outcomes) else None
