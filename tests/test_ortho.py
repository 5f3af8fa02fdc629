"""The Ortho paper's methods (Xie, Xiong & Pu 2017, section 4): Gram-Schmidt
orthonormal initialization with filter groups, and the orthonormal
regularizer (eq. 3) with its gradient checked against hand computation."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from models.ortho import (filter_groups, filter_matrix, gram_schmidt, orthonormal_gram_schmidt_,
                          orthonormal_penalty)


def test_filter_groups():
    assert filter_groups(27, 16) == [slice(0, 16)]              # f_in >= f_out: one group
    assert filter_groups(4, 10) == [slice(0, 4), slice(4, 8), slice(8, 10)]  # ceil(10 / 4) groups


def test_gram_schmidt_by_hand():
    v = torch.tensor([[3.0, 1.0], [4.0, 0.0]])  # columns (3, 4) and (1, 0)
    q = gram_schmidt(v)
    torch.testing.assert_close(q[:, 0], torch.tensor([0.6, 0.8]))
    # (1, 0) - 0.6 * (0.6, 0.8) = (0.64, -0.48), normalised: (0.8, -0.6)
    torch.testing.assert_close(q[:, 1], torch.tensor([0.8, -0.6]))


@pytest.mark.parametrize("shape", [(16, 3, 3, 3), (64, 16, 3, 3), (10, 64)])
def test_orthonormal_init_within_groups(shape):
    w = orthonormal_gram_schmidt_(torch.empty(shape), torch.Generator().manual_seed(0))
    m = filter_matrix(w)
    f_in, f_out = m.shape
    for g in filter_groups(f_in, f_out):
        gram = m[:, g].T @ m[:, g]
        torch.testing.assert_close(gram, torch.eye(gram.shape[0]), atol=1e-5, rtol=0)


def test_group_wise_init_when_fan_in_is_smaller():
    w = orthonormal_gram_schmidt_(torch.empty(64, 3, 3, 3), torch.Generator().manual_seed(1))  # f_in 27 < 64
    m = filter_matrix(w)
    assert len(filter_groups(27, 64)) == 3
    torch.testing.assert_close(m.norm(dim=0), torch.ones(64), atol=1e-5, rtol=0)  # every filter unit norm
    across = (m[:, :27].T @ m[:, 27:54]).abs().max()
    assert across > 0.05  # filters of different groups are not orthogonal to each other


def test_penalty_value_and_gradient_by_hand():
    lin = nn.Linear(2, 2, bias=False)  # weight (out 2, in 2): W = weight^T (f_in x f_out)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 1.0], [0.0, 2.0]]))  # filters (1, 1) and (0, 2)
    # W = [[1, 0], [1, 2]]; W^T W = [[2, 2], [2, 4]]; minus I = [[1, 2], [2, 3]]; ||.||_F^2 = 1 + 4 + 4 + 9 = 18
    pen = orthonormal_penalty(lin, lam=0.1)
    assert float(pen.detach()) == pytest.approx(0.5 * 0.1 * 18)
    pen.backward()
    w = torch.tensor([[1.0, 0.0], [1.0, 2.0]])
    grad_w = 2 * 0.1 * w @ (w.T @ w - torch.eye(2))  # d/dW of lam/2 ||W^T W - I||^2
    torch.testing.assert_close(lin.weight.grad, grad_w.T)  # torch's weight is W^T


def test_penalty_is_zero_for_orthonormal_layers_and_sums_groups():
    conv = nn.Conv2d(3, 64, 3)
    orthonormal_gram_schmidt_(conv.weight, torch.Generator().manual_seed(0))
    assert float(orthonormal_penalty(conv, 1.0).detach()) < 1e-8  # within each group: exactly orthonormal
    with torch.no_grad():
        conv.weight.mul_(2.0)  # W^T W = 4 I in every group: (4 - 1)^2 per diagonal entry, 64 filters
    assert float(orthonormal_penalty(conv, 1.0).detach()) == pytest.approx(0.5 * 9 * 64, rel=1e-4)
