"""Xie, Xiong & Pu, "All You Need is Beyond a Good Init: Exploring Better
Solution for Training Extremely Deep Convolutional Neural Networks with
Orthonormality and Modulation" (CVPR 2017).
../shared/papers/002_d5f33e022653a116.txt

Methods (models.ortho): orthonormal init by Gram-Schmidt within filter
groups ("ortho-gs"), the orthonormal regularizer of eq. 3 in place of weight
decay (TrainSpec.ortho_reg, lambda = the weight-decay coefficient 1e-4: the
paper calls lambda "the regularization coefficient as weight decay"), and
signal modulation during the first n iterations (TrainSpec.modulation_steps;
n = 2000, from Figure 4's "about 2000 to 3000 iterations").

Networks (5.1): He et al.'s CIFAR plain net, Conv-BN-ReLU triples with
stride-2 downsampling (models.plain.PlainCNN, downsample="stride"), depths
44 and 110, and its residual counterpart with 3x3 projection shortcuts
(models.resnet.CifarResNet, shortcut="P3"). Protocol: He et al.'s CIFAR
hyper-parameters (SGD momentum 0.9, batch 128, lr 0.1 / 10 at 32k and 48k
iterations, 64k iterations = 164 epochs of 391 steps, weight decay 1e-4),
per-pixel mean subtracted and std divided, horizontal flip only.
"""
from __future__ import annotations

import statistics

from .data import DataSpec
from .experiment import Cell
from .report import save_figure
from .targets import Claim, Target, Value, layout_cells, layout_records
from .train import TrainSpec

PAPER = "ortho"
LAMBDA = 1e-4

SCALES = {
    # plain depths (the paper's 44 and 110), width, images, epochs, lr milestones, batch, modulation steps,
    # step-probe interval, Figure 4's iterations
    "paper": dict(depths=(44, 110), width=16, train_size=None, test_size=None, epochs=164, milestones=(82, 123),
                  batch=128, modulation=2000, every=50, fig4=(200, 2000, 20000, 30000)),
    "fast": dict(depths=(44, 110), width=16, train_size=None, test_size=None, epochs=30, milestones=(15, 23),
                 batch=128, modulation=2000, every=50, fig4=(200, 2000, 5000, 10000)),
    "smoke": dict(depths=(8, 14), width=8, train_size=512, test_size=256, epochs=2, milestones=(1,),
                  batch=64, modulation=4, every=4, fig4=(0, 4, 8, 12)),
}
STEP_PROBES = ("filter_correlation", "error_moment_ratio", "error_moments")
# Table 2 methods: optimizer, Nesterov, regularizer ("L2" or "ortho"), modulation
METHODS = {
    "Nesterov": ("sgd", True, "L2", False), "AdaGrad": ("adagrad", False, "L2", False),
    "AdaDelta": ("adadelta", False, "L2", False), "Adam": ("adam", False, "L2", False),
    "RmsProp": ("rmsprop", False, "L2", False), "SGD": ("sgd", False, "L2", False),
    "Ours": ("sgd", False, "ortho", True),
}


def data_spec(scale: str) -> DataSpec:
    s = SCALES[scale]
    return DataSpec("cifar10", train_size=s["train_size"], test_size=s["test_size"], augment=True, crop_pad=0,
                    normalize="pixel_std")


def cell(scale: str, arch: str, depth: int, optimizer: str = "sgd", nesterov: bool = False, reg: str = "L2",
         modulation: str = "none") -> Cell:
    """arch "plain" | "resnet"; reg "L2" (msra init + weight decay) or "ortho" (ortho-gs init + eq. 3);
    modulation "none" | "first-n" | "all"."""
    s = SCALES[scale]
    model = ({"arch": "plain", "depth": depth, "bn": True, "downsample": "stride", "width": s["width"]}
             if arch == "plain" else
             {"arch": "resnet", "depth": depth, "shortcut": "P3", "widths": (s["width"], 2 * s["width"], 4 * s["width"])})
    model["init"] = "ortho-gs" if reg == "ortho" else "msra"
    steps = {"none": 0, "first-n": s["modulation"], "all": 10 ** 9}[modulation]
    lr = 1.0 if optimizer == "adadelta" else 0.1  # AdaDelta: its own default, the paper's footnote 6
    train = TrainSpec(epochs=s["epochs"], batch_size=s["batch"], lr=lr, momentum=0.9, nesterov=nesterov,
                      optimizer=optimizer, weight_decay=1e-4, ortho_reg=LAMBDA if reg == "ortho" else 0.0,
                      schedule="step", milestones=s["milestones"], modulation_steps=steps,
                      step_probes=STEP_PROBES if arch == "plain" else (), step_probe_every=s["every"])
    label = f"{arch}-{depth} {optimizer}{' nesterov' if nesterov else ''} {reg} modulation={modulation}"
    return Cell.make(PAPER, label, model, data_spec(scale), train, 0, scale)


def method_cell(scale: str, method: str, depth: int) -> Cell:
    opt, nesterov, reg, modulated = METHODS[method]
    return cell(scale, "plain", depth, opt, nesterov, reg, "first-n" if modulated else "none")


# ------------------------------------------------------------------ Table 2 and the text table

def table2_layout(scale: str):
    d44, d110 = SCALES[scale]["depths"]
    return [(m, col, method_cell(scale, m, d)) for m in METHODS for col, d in (("44-layer", d44), ("110-layer", d110))]


def _acc_values(layout):
    def values(pairs):
        out = []
        for row, col, c, r in layout_records(layout, pairs):
            acc = 100 * r["final_test_acc"] if r.get("final_test_acc") is not None else 10.0  # diverged = chance
            out.append(Value(row, col, [acc], evidence=f"{c.model_kwargs['arch']}-{c.model_kwargs['depth']}, "
                             f"{r['status']}, {r.get('epochs_run')} ep, final train acc "
                             f"{100 * (r.get('final_train_acc') or 0):.1f}%"))
        return out
    return values


def _num(means, key):
    v = means.get(key)
    if not isinstance(v, float):
        raise ValueError(f"{key} not reproduced")
    return v


def claim_ours_best(means: dict):
    parts, ok = [], True
    for col in ("44-layer", "110-layer"):
        accs = {m: _num(means, (m, col)) for m in METHODS}
        best = max(accs, key=accs.get)
        ok &= best == "Ours"
        parts.append(f"{col}: best {best} {accs[best]:.2f}")
    return ok, "; ".join(parts)


def claim_deep_margin(means: dict):
    accs = {m: _num(means, (m, "110-layer")) for m in METHODS}
    runner = max((m for m in METHODS if m != "Ours"), key=accs.get)
    return accs["Ours"] > accs[runner] + 10, f"Ours {accs['Ours']:.2f} vs the next best {runner} {accs[runner]:.2f}" \
        " (pass: ahead by more than 10 points; the text says every other method fails at 110 layers, its own " \
        "table has AdaDelta at 66.48)"


def text_layout(scale: str):
    d44, d110 = SCALES[scale]["depths"]
    return [("44-layer plain: ortho init + ortho reg", "acc", cell(scale, "plain", d44, reg="ortho")),
            ("44-layer plain: msra + L2", "acc", method_cell(scale, "SGD", d44)),
            ("110-layer plain: modulation throughout", "Top-1", cell(scale, "plain", d110, reg="ortho",
                                                                     modulation="all")),
            ("110-layer plain: modulation for the first n iterations", "Top-1", method_cell(scale, "Ours", d110))]


def text_values(pairs):
    vals = {row: v for v in _acc_values(text_layout)(pairs) for row in [v.row]}
    out = [v for v in vals.values() if v.column == "Top-1"]
    a, b = vals.get("44-layer plain: ortho init + ortho reg"), vals.get("44-layer plain: msra + L2")
    if a and b:
        out.append(Value("44-layer plain: ortho over L2", "gain", [a.values[0] - b.values[0]],
                         evidence=f"ortho {a.values[0]:.2f} vs L2 {b.values[0]:.2f}"))
    return out


def claim_gain(means: dict):
    g = _num(means, ("44-layer plain: ortho over L2", "gain"))
    return g > 0, f"gain {g:+.2f} points (the paper: 3-4; pass: positive)"


def claim_schedule(means: dict):
    first = _num(means, ("110-layer plain: modulation for the first n iterations", "Top-1"))
    always = _num(means, ("110-layer plain: modulation throughout", "Top-1"))
    return first > always, f"first n iterations {first:.2f} vs throughout {always:.2f}"


# ------------------------------------------------------------------ Figures 2-5

def fig23_layout(scale: str):
    d44 = SCALES[scale]["depths"][0]
    return [("msra + L2 reg", "", method_cell(scale, "SGD", d44)),
            ("ortho init + ortho reg", "", cell(scale, "plain", d44, reg="ortho"))]


def _series(r: dict, key: str):
    recs = [x for x in r.get("step_probes", []) if x.get(key) is not None]
    return [x["step"] for x in recs], [x[key] for x in recs]


def _tail_mean(values: list) -> float:
    tail = values[len(values) // 2:]
    return statistics.fmean(tail) if tail else float("nan")


def fig_values(key: str, col: str):
    def values(pairs):
        return [Value(row, col, [_tail_mean(_series(r, key)[1])], unit="ratio",
                      evidence="mean over the second half of the recorded steps")
                for row, _, _, r in layout_records(fig23_layout, pairs)]
    return values


def claim_correlation(means: dict):
    l2, o = _num(means, ("msra + L2 reg", "correlation")), _num(means, ("ortho init + ortho reg", "correlation"))
    return l2 / o >= 2, f"L2 {l2:.3g} vs ortho {o:.3g}: x{l2 / o:.2f} (the paper: about 2.5; pass: >= 2)"


def claim_moment_ratio(means: dict):
    l2, o = _num(means, ("msra + L2 reg", "moment ratio")), _num(means, ("ortho init + ortho reg", "moment ratio"))
    return o / l2 >= 5, f"ortho {o:.3g} vs L2 {l2:.3g}: x{o / l2:.2f} (the paper: about an order of magnitude; pass: >= 5)"


def curve_plot(key: str, ylabel: str, title: str, log: bool = False):
    def plot(pairs, path: str, scale: str) -> None:
        import matplotlib.pyplot as plt

        f, a = plt.subplots(figsize=(8, 4))
        for row, _, _, r in layout_records(fig23_layout, pairs):
            a.plot(*_series(r, key), label=row)
        if log:
            a.set_yscale("log")
        a.set_xlabel("iteration")
        a.set_ylabel(ylabel)
        a.legend(fontsize=8)
        save_figure(f, path, f"{title} (plain-{SCALES[scale]['depths'][0]}, {scale} scale)")
    return plot


def fig4_layout(scale: str):
    return fig23_layout(scale)[1:]


def fig4_plot(pairs, path: str, scale: str) -> None:
    import matplotlib.pyplot as plt

    f, a = plt.subplots(figsize=(8, 4))
    for _, _, _, r in layout_records(fig4_layout, pairs):
        recs = {x["step"]: x for x in r.get("step_probes", [])}
        for it in SCALES[scale]["fig4"]:
            near = min(recs, key=lambda s: abs(s - it)) if recs else None
            if near is not None and recs[near]["error_moments"]:
                q = recs[near]["error_moments"]
                a.plot(range(1, len(q) + 1), q, marker=".", label=f"iteration {near}")
    a.set_yscale("log")
    a.set_xlabel("conv layer (bottom to top)")
    a.set_ylabel("error second moment / highest layer's")
    a.legend(fontsize=8)
    save_figure(f, path, f"Ortho Figure 4: backward signal profile, ortho init + ortho reg, "
                         f"plain-{SCALES[scale]['depths'][0]} ({scale} scale)")


def fig5_layout(scale: str):
    d44, d110 = SCALES[scale]["depths"]
    return [("plain-44 ortho", "left", cell(scale, "plain", d44, reg="ortho")),
            ("plain-44 L2", "left", method_cell(scale, "SGD", d44)),
            ("ResNet-44 L2", "left", cell(scale, "resnet", d44)),
            ("ResNet-110 ortho", "middle", cell(scale, "resnet", d110, reg="ortho")),
            ("ResNet-110 L2", "middle", cell(scale, "resnet", d110))]


def fig5_values(pairs):
    return [Value(row, "final test acc", [100 * r["final_test_acc"]]) for row, _, _, r in layout_records(fig5_layout, pairs)
            if r.get("final_test_acc") is not None]


def fig5_plot(pairs, path: str, scale: str) -> None:
    import matplotlib.pyplot as plt

    f, axes = plt.subplots(1, 2, figsize=(11, 4))
    for row, panel, _, r in layout_records(fig5_layout, pairs):
        h = [x for x in r["history"] if "test_acc" in x]
        axes[0 if panel == "left" else 1].plot([x["epoch"] for x in h], [100 * x["test_acc"] for x in h], label=row)
    for a, t in zip(axes, ("44 layers, CIFAR-10", "110-layer ResNet, CIFAR-10")):
        a.set_xlabel("epoch")
        a.set_ylabel("test accuracy (%)")
        a.set_title(t, fontsize=9)
        a.legend(fontsize=8)
    d44, d110 = SCALES[scale]["depths"]
    save_figure(f, path, f"Ortho Figure 5 (CIFAR panels; the ImageNet panel is out of scope): depths {d44}/{d110} "
                         f"({scale} scale)")


def claim_fig5(means: dict):
    po, rl = _num(means, ("plain-44 ortho", "final test acc")), _num(means, ("ResNet-44 L2", "final test acc"))
    ro, r2 = _num(means, ("ResNet-110 ortho", "final test acc")), _num(means, ("ResNet-110 L2", "final test acc"))
    return po >= rl - 1 and ro > r2, (f"plain-44 ortho {po:.2f} vs ResNet-44 L2 {rl:.2f} (pass: within 1 point or "
                                      f"above); ResNet-110 ortho {ro:.2f} vs L2 {r2:.2f} (pass: higher)")


# ------------------------------------------------------------------ protocol text

def protocol(scale: str) -> list[str]:
    s = SCALES[scale]
    return [f"He et al.'s plain CIFAR net (Conv-BN-ReLU, stride-2 downsampling), depths {s['depths']} at this scale, "
            f"{s['width']}-{2 * s['width']}-{4 * s['width']} filters; residual counterpart with 3x3 projection "
            "shortcuts.",
            f"SGD momentum 0.9, lr 0.1 / 10 at epochs {s['milestones']}, {s['epochs']} epochs, batch {s['batch']}, "
            "weight decay 1e-4 (L2 rows); per-pixel mean/std normalisation, horizontal flip only.",
            f"Ortho rows: Gram-Schmidt orthonormal init in filter groups, the regularizer of eq. 3 with lambda "
            f"{LAMBDA:g} instead of weight decay on conv/fc weights; Ours adds modulation for the first "
            f"{s['modulation']} iterations.",
            "Table 2's other methods with the same lr 0.1 and weight decay and torch's defaults for their own "
            "hyper-parameters (AdaDelta: lr 1.0, its default, footnote 6).",
            f"Data: CIFAR-10 train {s['train_size'] or 'all 50,000'}, test {s['test_size'] or 'all'}; one seed; "
            "final-epoch test accuracy (a diverged run counts as chance, 10 %)."]


def deviations(scale: str) -> list[str]:
    out = ["Filter groups for f_in < f_out: consecutive groups of f_in filters (the paper's group count formula "
           "does not partition the filters; models/ortho.py).",
           "Modulation threshold: the paper modulates 'only when the magnitudes mismatch' without a threshold; we "
           "modulate whenever the moments differ (tol = 1).",
           "The ImageNet column / panel is not reproduced (no ImageNet here)."]
    if scale != "paper":
        out.insert(0, f"{scale} scale: depths {SCALES[scale]['depths']} stand for 44 and 110, width "
                      f"{SCALES[scale]['width']}, {SCALES[scale]['epochs']} epochs.")
    return out


TARGETS = [
    Target(PAPER, "2", "table", "Top-1 accuracy of plain networks on CIFAR-10 by optimization method",
           cells=layout_cells(table2_layout), protocol=protocol, deviations=deviations, datasets=("cifar10",),
           values=_acc_values(table2_layout),
           claims=[Claim("Ours is the best method at both depths", claim_ours_best),
                   Claim("At the deeper depth Ours trains far better than every other method", claim_deep_margin)]),
    Target(PAPER, "text", "table", "Numbers in the text: ortho gain at 44 layers; modulation schedule at 110 layers",
           cells=layout_cells(text_layout), protocol=protocol, deviations=deviations, datasets=("cifar10",),
           values=text_values,
           claims=[Claim("Orthonormality gains over msra + L2 for the 44-layer plain net (3-4 %)", claim_gain),
                   Claim("Modulating only the first n iterations beats modulating throughout (81.6 vs 73.5)",
                         claim_schedule)]),
    Target(PAPER, "2", "figure", "Average correlation among filters (eq. 8) per iteration",
           cells=layout_cells(fig23_layout), protocol=protocol, deviations=deviations, datasets=("cifar10",),
           plot=curve_plot("filter_correlation", "mean |cos| between filters (eq. 8)", "Ortho Figure 2"),
           values=fig_values("filter_correlation", "correlation"),
           claims=[Claim("Orthonormality keeps the correlation about 2.5x lower than msra + L2", claim_correlation)]),
    Target(PAPER, "3", "figure", "Ratio of the error's second moment at the first conv to that at the last conv",
           cells=layout_cells(fig23_layout), protocol=protocol, deviations=deviations, datasets=("cifar10",),
           plot=curve_plot("error_moment_ratio", "q(first conv) / q(last conv)", "Ortho Figure 3", log=True),
           values=fig_values("error_moment_ratio", "moment ratio"),
           claims=[Claim("Orthonormality keeps the ratio about an order of magnitude higher", claim_moment_ratio)]),
    Target(PAPER, "4", "figure", "Per-layer error second moment relative to the highest layer at several iterations",
           cells=layout_cells(fig4_layout), protocol=protocol, deviations=deviations, datasets=("cifar10",),
           plot=fig4_plot),
    Target(PAPER, "5", "figure", "Test accuracy: plain-44 ortho vs L2 vs ResNet-44 L2; ResNet-110 ortho vs L2",
           cells=layout_cells(fig5_layout), protocol=protocol, deviations=deviations, datasets=("cifar10",),
           plot=fig5_plot, values=fig5_values,
           claims=[Claim("Orthonormality lets the plain 44-layer net match the ResNet and helps ResNet-110", claim_fig5)]),
]

