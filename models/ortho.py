"""Orthonormality (Xie, Xiong & Pu, "All You Need is Beyond a Good Init",
CVPR 2017, section 4): the orthonormal initialization by Gram-Schmidt and the
orthonormal regularizer that replaces weight decay.

A layer's weight is viewed as W in R^{f_in x f_out}: one column per filter
(f_out = output channels), f_in = k x k x C_in entries per column (the
paper's W_l; torch stores its transpose, out x in x k x k).

Initialization: "we initialize subset of W, say f_in-dimension vectors, on
the first output channel. Then Gram-Schmidt process is applied to
sequentially generate next orthogonal vectors channel by channel." When
f_in < f_out, f_out orthogonal vectors in f_in dimensions do not exist:
"group-wise orthogonalization": the filters are split into groups and
orthogonalized within each group independently. The paper's count, "we divide
the vectors into f_out / f_in + f_out mod f_in groups", partitions the f_out
filters when f_out / f_in is read as the integer quotient: floor(f_out / f_in)
full groups of f_in filters (each orthonormal), then the f_out mod f_in
remaining filters one per group (each a unit vector) (``filter_groups``).

Regularizer (eq. 3): lambda / 2 sum_l ||W_l^T W_l - I||_F^2, with the same
groups: for f_in < f_out the sum is over each group's own Gram matrix
(filters of different groups are not pushed apart). Its gradient with
respect to W (one group) is 2 lambda W (W^T W - I), which autograd computes;
``orthonormal_penalty`` is the value, to be added to the loss in place of
weight decay (lambda = the weight-decay coefficient unless a table says
otherwise).

Correlation among filters (section 5.2, eq. 8, Figure 2): ``filter_correlation``.
Modulation (sections 3.3 and 4): ``Modulation``, with the mismatch threshold ``MISMATCH``.
"""
from __future__ import annotations

import torch
import torch.nn as nn


def filter_matrix(weight: torch.Tensor) -> torch.Tensor:
    """The paper's W (f_in x f_out): one column per filter; a view of the weight's data."""
    return weight.reshape(weight.shape[0], -1).T


def filter_groups(f_in: int, f_out: int) -> list[slice]:
    """Section 4's groups: one group when f_in >= f_out; otherwise "f_out / f_in + f_out mod f_in groups":
    floor(f_out / f_in) consecutive groups of f_in filters, then one group per remaining filter."""
    if f_in >= f_out:
        return [slice(0, f_out)]
    full = f_out // f_in * f_in
    return [slice(s, s + f_in) for s in range(0, full, f_in)] + [slice(s, s + 1) for s in range(full, f_out)]


def gram_schmidt(vectors: torch.Tensor) -> torch.Tensor:
    """Columns of `vectors` (d x n, n <= d) made orthonormal in order (modified Gram-Schmidt): the first
    column normalised, each next one with its components along the previous ones removed, then normalised."""
    q = vectors.clone()
    for j in range(q.shape[1]):
        for i in range(j):
            q[:, j] -= (q[:, i] @ q[:, j]) * q[:, i]
        q[:, j] /= q[:, j].norm()
    return q


@torch.no_grad()
def orthonormal_gram_schmidt_(weight: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Section 4's initialization, in place: Gaussian columns, orthonormalised by Gram-Schmidt channel by
    channel within each filter group. Returns the weight."""
    f_out = weight.shape[0]
    f_in = weight[0].numel()
    w = torch.randn(f_in, f_out, generator=generator, dtype=torch.float64)
    for g in filter_groups(f_in, f_out):
        w[:, g] = gram_schmidt(w[:, g])
    weight.copy_(w.T.reshape(weight.shape).to(weight.dtype))
    return weight


def orthonormal_penalty(model: nn.Module, lam: float) -> torch.Tensor:
    """Eq. 3: lam / 2 * sum over Conv2d/Linear layers and their filter groups of ||W_g^T W_g - I||_F^2."""
    total = None
    for m in model.modules():
        if not isinstance(m, (nn.Conv2d, nn.Linear)):
            continue
        w = filter_matrix(m.weight)
        f_in, f_out = w.shape
        for g in filter_groups(f_in, f_out):
            wg = w[:, g]
            eye = torch.eye(wg.shape[1], device=wg.device, dtype=wg.dtype)
            term = (wg.T @ wg - eye).pow(2).sum()
            total = term if total is None else total + term
    if total is None:
        raise ValueError("the model has no Conv2d or Linear layer")
    return 0.5 * lam * total


@torch.no_grad()
def filter_correlation(model: nn.Module) -> float:
    """Eq. 8: the signed mean of cos(v_i, v_j) over every pair i < j of filters of every Conv2d/Linear layer
    (N = the number of pairs). Signed, as the Figure 2 caption says: "we allow negative correlations and
    'msra+L2 reg' generates negative ones at first few iterations". Eq. 8's inner sum starts at j = i; the
    pairs j = i (cosine 1 each) are left out, since with them the mean of 16 orthonormal filters would be at
    least 16 / 136 = 0.12, not the "about 6e-3" of Figure 2. A zero filter counts as orthogonal to every other."""
    total, count = 0.0, 0
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)) and m.weight.shape[0] > 1:
            v = filter_matrix(m.weight.detach().float())
            v = v / v.norm(dim=0, keepdim=True).clamp_min(1e-30)
            cos = v.T @ v
            iu = torch.triu_indices(cos.shape[0], cos.shape[0], offset=1)
            total += float(cos[iu[0], iu[1]].sum())
            count += iu.shape[1]
    return total / count if count else float("nan")


# Section 4: "if we modulate all the layers as long as q^{l+1} != q^l, then the magnitude of propagated signal will
# tend to be identical with the input error signal ... So we make a trade-off that the modulation only happens when
# the magnitudes of propagated signals of consecutive layers mismatch." The paper gives no threshold. Ours, fixed
# before any result was looked at: the second moments mismatch when one exceeds the other by more than a factor 2
# (the magnitudes, their square roots, by more than sqrt 2) -- the factor by which one ReLU changes a second moment
# (He et al. 2015), so the ordinary change across one Conv-BN-ReLU triple is not modulated.
MISMATCH = 2.0


class Modulation:
    """Signal modulation (sections 3.3 and 4) as backward hooks on the conv layers of `model`.

    In each backward pass the conv layers are met from the top down. For conv layer l, q^l is the second-order
    moment (mean square) of the error at its output; q^{l+1} that of the conv layer above, after its own
    modulation. When they mismatch (q^{l+1} / q^l outside [1 / tol, tol]; a ratio of exactly tol matches) the
    error entering layer l is scaled by rho = sqrt(q^{l+1} / q^l) before the layer uses it (for its weight
    gradient and the error it passes down). tol defaults to ``MISMATCH``, our reading of "only when the
    magnitudes ... mismatch"; tol = 1 modulates whenever q^{l+1} != q^l, equalising every layer's moment with
    the top conv's (the variant the paper rejects). When ``enabled`` is False the hooks
    change nothing (the paper modulates for the first n iterations only). ``moments`` holds, for the last
    backward pass and top down, (q^l before, q^l after) of every conv."""

    def __init__(self, model: nn.Module, tol: float = MISMATCH, enabled: bool = True):
        if tol < 1:
            raise ValueError(f"tol must be >= 1, got {tol}")
        self.tol, self.enabled = tol, enabled
        self.convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
        self.moments: list[tuple[float, float]] = []
        self._above: float | None = None
        self._handles = [c.register_full_backward_pre_hook(self._hook) for c in self.convs]
        self._handles.append(model.register_forward_pre_hook(self._reset))

    def _reset(self, module, inputs):
        self.moments, self._above = [], None

    def _hook(self, module, grad_output):
        (g,) = grad_output
        if g is None:
            return None
        q = float(g.detach().float().pow(2).mean())
        after, out = q, None
        if self.enabled and self._above is not None and q > 0:
            ratio = self._above / q
            if not (1 / self.tol <= ratio <= self.tol):
                out = (g * ratio ** 0.5,)
                after = self._above
        self.moments.append((q, after))
        self._above = after
        return out

    def remove(self) -> None:
        for h in self._handles:
            h.remove()
