"""Beyond the papers: one yardstick for the five papers' ways to train a deep plain CNN.

Each paper answers "how do we train very deep CNNs?" against its own baselines and protocol. Here every method
is trained on one network family with one protocol, so that their critical depths, accuracies and costs can be
read side by side. Nothing here is published: the targets have no published numbers, no verdicts and no
claims; they report what was measured, with the depths tried and the spread over seeds.

Network and protocol, the same for every method: the NG paper's plain CNN (appendix Table 1, models.plain:
3n + 2 layers, maxpool between three stages, no BN unless the method is a normalization) trained with the NG
paper's plain-CNN protocol at each scale (reproduce.ng_protocol.plain_cell: SGD momentum 0.9, lr 0.01 divided
by 10 on a test-error plateau, weight decay 5e-4, He et al. augmentation), and its critical-depth search and
convergence criterion (reproduce.critical_depth). The methods are the library's (models.*, TrainSpec), each in
the setting its authors recommend where they state one, else the assumption named in its row (METHODS):

- baselines ReLU + Xavier and ReLU + MSRA (the NG paper's Table 5 rows);
- NG-ReLU (t = -1, trainable; Xavier, the NG paper's Table 2 setting);
- CReLU (MSRA; the CReLU paper's convention: the next layer sees twice the channels);
- LSUV (the LSUV paper's Algorithm 1: orthonormal init, then per-layer scaling to unit output variance on one
  batch; tol 0.1 and at most 10 trials are the suite's choices: the paper gives no values, only "Its value does not
  noticeably influence the performance in a broad range of 0.01 to 0.1" of the tolerance);
- the Ortho paper's orthonormal regularizer (eq. 3, lambda 1e-4, Gram-Schmidt orthonormal init) with signal
  modulation during the first iterations;
- ConvInit's Var = k / fan_out (eq. 41) with its learning-rate rule, on the network with BN (the setting the
  rule is derived for);
- BatchNorm (MSRA) and NormProp (the CReLU paper's "in replacement of BatchNorm").

Rows marked "extra" are combinations no paper tried, trained at fast and paper scale only.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .accuracy import final_accuracy
from .critical_depth import SearchSpec, all_cells, as_depth, execute_searches, run_search, search_values
from .critical_depth import lookup as replay
from .experiment import Cell
from .ng_protocol import PLAIN_SCALES, plain_cell, plain_protocol
from .ortho import LAMBDA as ORTHO_LAMBDA
from .report import save_figure
from .seeds import seeds
from .targets import Target, Value, layout_cells, layout_records

PAPER = "compare"


@dataclass(frozen=True)
class Method:
    """One way to train the plain CNN: its row, where its setting comes from, and what it changes."""
    row: str
    setting: str                 # the source of the setting, for the protocol
    act: str = "relu"
    init: str = "msra"
    norm: str = "none"           # models.normprop.NORMS
    model: tuple = ()            # further model kwargs, e.g. ConvInit's (("init_k", 1.0),)
    ortho: bool = False          # the Ortho paper's regularizer + modulation
    extra: bool = False          # a combination no paper tried: fast and paper scale only


# ConvInit's rule (section 4.2): "When the initial learning rate is bigger, let gamma_l < 1 make Var(w_l) bigger;
# and when the initial learning rate is small, let gamma_l > 1 make Var(w_l) smaller" (Var = k / m, k = 2 / gamma).
# The paper's k for lr 0.1 on CIFAR-10 is 5; it gives no k for this protocol's lr 0.01 in its text: k = 1
# (gamma = 2 > 1) is our reading of the rule for a small initial learning rate.
CONVINIT_K = 1.0

METHODS = (
    Method("ReLU + Xavier", "baseline (NG paper Table 5)", init="xavier"),
    Method("ReLU + MSRA", "baseline (NG paper Table 5)"),
    Method("NG-ReLU", "NG paper: t = -1 trainable, Xavier (its Table 2 setting)", act="ng-relu", init="xavier"),
    Method("CReLU", "CReLU paper: CReLU in place of ReLU, filters unchanged, MSRA", act="crelu"),
    Method("LSUV", "LSUV paper Algorithm 1: orthonormal, then unit output variance (tol 0.1, <= 10 trials: the "
           "suite's choices, the paper gives no values)",
           init="lsuv"),
    Method("Ortho reg + modulation", f"Ortho paper: eq. 3 regularizer (lambda {ORTHO_LAMBDA:g}) in place of weight "
           "decay on conv/fc weights, Gram-Schmidt orthonormal init, modulation during the first iterations",
           init="ortho-gs", ortho=True),
    Method("ConvInit + BN", f"ConvInit paper eq. 41: Var = k / fan_out, k = {CONVINIT_K:g} for lr 0.01 (its rule; "
           "see the deviations), fc N(0, 1 / fan_in), with BN", init="convinit", norm="bn",
           model=(("init_fc_k", 1.0), ("init_k", CONVINIT_K))),
    Method("BatchNorm", "conv - BN - ReLU, MSRA (He et al.; the NG paper's appendix Table 4)", norm="bn"),
    Method("NormProp", "CReLU paper: NormProp in place of BatchNorm (normalised filters, ReLU's constant map)",
           norm="normprop"),
    Method("NG-ReLU + LSUV (extra)", "extra: no paper tried it", act="ng-relu", init="lsuv", extra=True),
    Method("Ortho reg + modulation + BN (extra)", "extra: the Ortho paper's own Conv-BN-ReLU plain nets",
           init="ortho-gs", norm="bn", ortho=True, extra=True),
)
REFERENCE = "ReLU + MSRA"  # the row costs are relative to

SCALES = {
    # seeds: of the accuracy runs (critical depths: one search per seed of `search_seeds`); depths: the two fixed
    # depths of the accuracy table (where the baselines train, where they do not); modulation_epochs: the Ortho
    # paper's "first 2,000 iterations" as epochs of this protocol (about 5 at batch 128 on 50,000 images)
    "paper": dict(depths=(20, 56), seeds=(0, 1, 2), search_seeds=(0,), modulation_epochs=5, extras=True),
    "fast": dict(depths=(20, 56), seeds=(0, 1, 2), search_seeds=(0,), modulation_epochs=5, extras=True),
    # smoke: the NG smoke's plain CNN (width 8, 2,000 images, 3 epochs) over depths 8, 14, 32 (bisection: at most
    # three runs per method), the accuracy depths two of them, so the accuracy table reuses the searches' runs
    "smoke": dict(depths=(14, 32), seeds=(0,), search_seeds=(0,), modulation_epochs=1, extras=False,
                  grid=(8, 14, 32)),
}


def methods(scale: str) -> list[Method]:
    return [m for m in METHODS if SCALES[scale]["extras"] or not m.extra]


def method_cell(scale: str, m: Method, depth: int, seed: int = 0) -> Cell:
    """The plain CNN of `depth` trained with method `m` under the NG plain-CNN protocol of `scale`, with one
    training budget for every method (the NG smoke trains its BN nets for fewer epochs; here they get the same as
    the others). A run the NG paper itself made (ReLU / NG-ReLU, Xavier / MSRA, with or without BN) is the NG
    tables' very cell, trained once for both."""
    base = plain_cell(scale, depth, m.act, m.init, bn=m.norm == "bn", seed=seed)
    train = dataclasses.replace(base.train, epochs=PLAIN_SCALES[scale]["epochs"])
    if m.ortho:
        per_epoch = -(-(base.data.train_size or 50_000) // train.batch_size)
        train = dataclasses.replace(train, ortho_reg=ORTHO_LAMBDA,
                                    modulation_steps=SCALES[scale]["modulation_epochs"] * per_epoch)
    model = {**base.model_kwargs, **dict(m.model)}
    if m.norm not in ("none", "bn"):
        model["norm"] = m.norm
    if model == base.model_kwargs and train == base.train:
        return base
    return Cell.make(PAPER, f"plain-{depth} {m.row}", model, base.data, train, seed, scale)


def grid(scale: str, m: Method) -> list[int]:
    """The depths searched: the NG paper's grid (with BN: its deeper BN grid), or the smoke grid."""
    s = SCALES[scale]
    if "grid" in s:
        return list(s["grid"])
    return list(PLAIN_SCALES[scale]["grid_bn" if m.norm != "none" else "grid"])


def searches(scale: str) -> list[SearchSpec]:
    """One critical-depth search per method and seed (the NG paper's search: reproduce.critical_depth)."""
    return [SearchSpec(m.row, "critical depth", lambda d, m=m, seed=seed: method_cell(scale, m, d, seed),
                       grid(scale, m), PLAIN_SCALES[scale]["mode"])
            for m in methods(scale) for seed in seeds(SCALES[scale]["search_seeds"])]


# ------------------------------------------------------------------ accuracy and cost at fixed depths

def _col(depth: int) -> str:
    return f"test acc, {depth} layers"


TIME_COL, INIT_COL, MEM_COL = "time per image vs ReLU + MSRA", "init time (s)", "step memory (MiB)"


def accuracy_layout(scale: str) -> list[tuple[str, str, Cell]]:
    """Every method at the two fixed depths under every seed, and one step-memory measurement at the deeper."""
    s = SCALES[scale]
    out = [(m.row, _col(d), method_cell(scale, m, d, seed))
           for m in methods(scale) for d in s["depths"] for seed in seeds(s["seeds"])]
    for m in methods(scale):
        c = method_cell(scale, m, s["depths"][-1], seeds(s["seeds"])[0])
        out.append((m.row, MEM_COL, dataclasses.replace(c, job="step_memory", label=c.label + " step memory")))
    return out


def accuracy_values(pairs: list[tuple[Cell, dict]]) -> list[Value]:
    """Test accuracy (or '-' when the run did not converge: the critical-depth criterion), and the costs: time per
    training image relative to ReLU + MSRA's run of the same depth and seed (images/s ratio), the init's time at
    the deeper depth, and the memory one training step holds there."""
    if not pairs:
        return []
    scale = pairs[0][0].scale
    recs = layout_records(accuracy_layout, pairs)
    acc: dict[tuple, list] = {}
    ips: dict[tuple, float] = {}
    for row, col, cell, r in recs:
        if col == MEM_COL:
            continue
        acc.setdefault((row, col), []).append(final_accuracy(cell, r))
        if r.get("train_images_per_s"):
            ips[(row, col, cell.seed)] = r["train_images_per_s"]
    out = [Value(row, col, v) for (row, col), v in acc.items()]
    shallow, deep = (_col(d) for d in SCALES[scale]["depths"])
    for m in methods(scale):
        ratios = [ips[(REFERENCE, shallow, seed)] / ips[(m.row, shallow, seed)]
                  for (row, col, seed) in ips if row == m.row and col == shallow and (REFERENCE, col, seed) in ips]
        if ratios:
            out.append(Value(m.row, TIME_COL, ratios, unit="x",
                             evidence=f"images/s of {REFERENCE} / this method's at {shallow.split(', ')[1]}, same "
                                      "seed (one value per seed)"))
        inits = [r["init"]["seconds"] for row, col, cell, r in recs
                 if row == m.row and col == deep and (r.get("init") or {}).get("seconds") is not None]
        if inits:
            out.append(Value(m.row, INIT_COL, inits, unit="s", evidence=f"at {deep.split(', ')[1]}"))
        mem = [r for row, col, cell, r in recs if row == m.row and col == MEM_COL and r.get("status") == "ok"]
        if mem:
            out.append(Value(m.row, MEM_COL, [mem[0]["step_bytes"] / 2 ** 20], unit="MiB",
                             evidence=f"fp32, batch {mem[0]['batch_size']}, {deep.split(', ')[1]}: saved for "
                                      f"backward {mem[0]['saved_bytes'] / 2 ** 20:.1f} MiB + parameters and "
                                      "gradients" + (f"; CUDA peak {mem[0]['cuda_peak_bytes'] / 2 ** 20:.1f} MiB"
                                                     if "cuda_peak_bytes" in mem[0] else "")))
    return out


# ------------------------------------------------------------------ the figure

def figure_plot(pairs, path: str, scale: str) -> None:
    """Left: each method's critical depth (bar; a hatched bar is a lower bound: the deepest depth tried converged)
    with every depth tried (o converged, x did not). Right: final training accuracy against depth for the depths
    each search tried (seed of the first search)."""
    import matplotlib.pyplot as plt

    specs = searches(scale)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5))
    rows = [m.row for m in methods(scale)]
    plotted = set()
    for spec in specs:
        try:
            search, used = run_search(replay(pairs), spec.make_cell, spec.grid, spec.mode)
        except KeyError:
            continue
        y = rows.index(spec.row)
        if spec.row not in plotted:
            ax1.barh(y, as_depth(search.critical), color="C0", alpha=0.6, hatch="//" if search.capped else None)
            depths = [(c.model_kwargs["depth"], r["result"]) for c, r in used]
            ax2.plot([d for d, _ in depths], [100 * (r.get("final_train_acc") or 0) if r["status"] == "ok" else
                                              float("nan") for _, r in depths], "o-", label=spec.row)
            plotted.add(spec.row)
        for d, ok, _ in search.tried:
            ax1.plot(d, y, "o" if ok else "x", color="green" if ok else "red")
    ax1.set_yticks(range(len(rows)), rows, fontsize=8)
    ax1.set_xlabel("depth (layers): bar = critical depth; o converged, x did not")
    ax2.axhline(15, color="grey", lw=0.8, ls="--")
    ax2.set_xlabel("depth (layers)")
    ax2.set_ylabel("final training accuracy (%) (dashed: the convergence criterion)")
    ax2.legend(fontsize=7)
    save_figure(fig, path, f"One yardstick: the plain CNN under every method ({scale} scale, CIFAR-10; "
                           "not from any paper)")


# ------------------------------------------------------------------ protocol and deviations

def protocol(scale: str) -> list[str]:
    s = SCALES[scale]
    lines = plain_protocol(scale, "The NG paper's plain CNN and plain-CNN protocol for every method (below); "
                                  "no BN unless the method is a normalization.")
    grids = sorted({(tuple(grid(scale, m)), m.norm != "none") for m in methods(scale)}, key=lambda g: g[1])
    if len({g for g, _ in grids}) == 1:
        grids = [(grids[0][0], False)]  # one grid for every method
    lines[-1] = lines[-1].split(". A run converges")[0].split("Critical depth: ")[0] + (
        f"Critical depth: {PLAIN_SCALES[scale]['mode']} over depths "
        + "; ".join(f"{', '.join(map(str, g))}{' (normalizations)' if norm else ''}" for g, norm in grids)
        + ". A run converges" + lines[-1].split(". A run converges", 1)[1])
    return [*lines,
            *[f"{m.row}: {m.setting}." for m in methods(scale)],
            f"Accuracy table: final test accuracy at {s['depths'][0]} and {s['depths'][1]} layers ('-' when the run "
            f"does not converge by the criterion above), seeds {', '.join(map(str, seeds(s['seeds'])))}; "
            f"critical depths: one search per seed {', '.join(map(str, seeds(s['search_seeds'])))}.",
            f"Costs on the device that trained them: time per training image relative to {REFERENCE} at "
            f"{s['depths'][0]} layers and the same seed (wall-clock: at smoke scale, on a shared CPU, noisy); init time (LSUV's trials, Gram-Schmidt, ...) at the deeper depth; memory of one "
            "training step (tensors saved for backward + parameters and gradients, fp32, the training batch).",
            "What this does not show: one dataset (CIFAR-10), one network family (the plain CNN), one budget and "
            "optimizer (the NG protocol, lr 0.01); a method tuned for another protocol (the Ortho paper's lr 0.1, "
            "ConvInit's cosine schedule) may do better under its own. No winner is claimed beyond the numbers and "
            "their spread."]


def deviations(scale: str) -> list[str]:
    s = SCALES[scale]
    out = [f"ConvInit: k = {CONVINIT_K:g} for lr 0.01 is our reading of the paper's rule (a small initial learning "
           "rate: gamma > 1, Var smaller than Kaiming's k = 2); the paper states k only for lr 0.1 (k = 5).",
           "Ortho: the paper trains its plain nets with BN at lr 0.1; here without BN under the common protocol "
           "(the extra row at fast/paper has BN); modulation during the first "
           f"{s['modulation_epochs']} epoch(s) (the paper: 2,000 iterations).",
           "NG-ReLU: Xavier, the NG paper's Table 2 setting (its Table 5 has Orthogonal deeper: 152 vs 116)."]
    if scale == "smoke":
        out.append(f"smoke scale: depths {', '.join(map(str, grid(scale, METHODS[0])))} for every method (the "
                   "normalizations too), the NG smoke's width, images and epochs; extra rows not run. Not comparable "
                   "to fast or paper scale.")
    return out


def depth_values(pairs):
    return search_values(searches(pairs[0][0].scale), pairs) if pairs else []


TARGETS = [
    Target(PAPER, "depth", "table", "Critical depth of the plain CNN under each method (one protocol)",
           datasets=("cifar10",), cells=lambda scale: all_cells(searches(scale)),
           execute=lambda run, scale: execute_searches(searches(scale), run), values=depth_values,
           protocol=protocol, deviations=deviations,
           cost_note="upper bound: every depth of every search; a search stops early"),
    Target(PAPER, "accuracy", "table", "Accuracy and cost of each method at two fixed depths (one protocol)",
           datasets=("cifar10",), cells=layout_cells(accuracy_layout), values=accuracy_values,
           protocol=protocol, deviations=deviations),
    Target(PAPER, "1", "figure", "Critical depth per method, and accuracy against depth",
           datasets=("cifar10",), cells=lambda scale: all_cells(searches(scale)),
           execute=lambda run, scale: execute_searches(searches(scale), run), values=depth_values,
           plot=figure_plot, protocol=protocol, deviations=deviations,
           cost_note="the depth table's runs"),
]
