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
orthogonalized within each group independently. The paper's count of groups
("f_out / f_in + f_out mod f_in") does not partition f_out filters into
groups of at most f_in; we read it as consecutive groups of f_in filters,
the last one smaller: ceil(f_out / f_in) groups (``filter_groups``).

Regularizer (eq. 3): lambda / 2 sum_l ||W_l^T W_l - I||_F^2, with the same
groups: for f_in < f_out the sum is over each group's own Gram matrix
(filters of different groups are not pushed apart). Its gradient with
respect to W (one group) is 2 lambda W (W^T W - I), which autograd computes;
``orthonormal_penalty`` is the value, to be added to the loss in place of
weight decay (lambda = the weight-decay coefficient unless a table says
otherwise).
"""
from __future__ import annotations

import torch
import torch.nn as nn


def filter_matrix(weight: torch.Tensor) -> torch.Tensor:
    """The paper's W (f_in x f_out): one column per filter; a view of the weight's data."""
    return weight.reshape(weight.shape[0], -1).T


def filter_groups(f_in: int, f_out: int) -> list[slice]:
    """Consecutive groups of at most f_in filters (one group when f_in >= f_out)."""
    return [slice(s, min(s + f_in, f_out)) for s in range(0, f_out, f_in)]


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
