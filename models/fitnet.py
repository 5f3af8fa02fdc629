"""FitNets (Romero et al. 2015) as the LSUV paper uses them (Mishkin & Matas
2016, Table 1): thin, deep, all 3x3 convolutions.

    FitNet-1      conv 16 16 16 | pool 2 | conv 32 32 32 | pool 2 | conv 48 48 64 | pool 8 (global) | fc-500 | softmax
    FitNet-4      conv 32 32 32 48 48 | pool 2 | conv 80 x 6 | pool 2 | conv 128 x 6 | pool 8 (global) | fc-500 | softmax
    FitResNet-4   conv 32 32 48 48 48 | pool 2 | conv 80 x 6 | pool 2 | conv 128 x 6 | ... as FitNet-4,
                  with a sum after every even conv of a stage
    FitNet-MNIST  conv 16 16 | pool 4/2 | conv 16 16 | pool 4/2 | conv 12 12 | pool 2 | softmax

FitNet-4 has 5 + 6 + 6 = 17 conv layers: the LSUV paper's Table 1 prints
five 80- and five 128-filter convs, but its Tables 8-10 name the layers
conv11..conv15, conv21..conv26, conv31..conv36, ip1 (and the std values of
Table 8's OrthoNorm column, 1/sqrt(fan_in), confirm that conv26 and conv31
take 80 channels and conv32..conv36 128), and the authors' Caffe models
(github.com/ducha-aiki/LSUVinit, examples/lsuv/cifar10/fitnet4_*.prototxt)
have 17 convs; "17 layers" in the caption of LSUV Table 3.

FitResNet-4's first stage is 32 32 48 48 48 as LSUV Table 1 prints it (so
that both sums join equal widths); its later stages follow FitNet-4's 6
convs (no Caffe model of it was published; Table 1 prints 5 as for FitNet-4).

Non-linearities: any name of ``models.activations.activation`` (relu,
vlrelu, tanh, sigmoid, ...) or ``maxout``: then every conv is 2 convs (the
pieces) whose outputs a 2-piece Maxout reduces, and fc-500 is 5 linear
layers of 500 with a 5-piece Maxout (LSUV Table 1 caption). The pieces are
separate layers, as in the authors' Caffe models (convX_Ya, convX_Yb +
Eltwise MAX), so LSUV normalises each piece's output on its own.

Dropout as in the authors' Caffe models (``dropout=True``, the default):
CIFAR FitNets drop 20% of the input, of each pooling's output and of ip1's
output; FitNet-MNIST drops 30% before its classifier.

FitResNet-4 (LSUV section 5.1): "the output of each even convolutional layer
is summed with the output of the previous non-linearity layer and then fed
into the next non-linearity": with x the input of the even conv (the output
of the non-linearity after the odd conv before it), y = act(conv(x) + x).
Even counts within each stage, so every sum joins tensors of one width.

Batch normalization (LSUV Table 5): ``bn="before"`` puts BN between each
conv/fc and its non-linearity, ``bn="after"`` after the non-linearity; None
(default) has no BN. Convs and fc layers keep their biases either way (as
Caffe's layers do).

Layers are named as the LSUV paper names them (conv11 ... conv36, ip1, and
the classifier ip2; FitNet-MNIST's classifier is ip1), so
``dict(model.named_modules())["features.conv21"]`` is the paper's conv21.
"""
from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn as nn

from .activations import Maxout, activation

# Per stage: the conv widths, and the pooling (kernel, stride) after the stage
# (None = global pooling over what is left); dropout rates (input, after each
# pooling, after ip1 / before the classifier).
_CIFAR_DROPOUT = {"input": 0.2, "pool": 0.2, "fc": 0.2}
FITNETS = {
    "fitnet1": {"stages": ((16, 16, 16), (32, 32, 32), (48, 48, 64)), "pools": ((2, 2), (2, 2), None),
                "fc": 500, "residual": False, "dropout": _CIFAR_DROPOUT, "size": 32},
    "fitnet4": {"stages": ((32, 32, 32, 48, 48), (80,) * 6, (128,) * 6), "pools": ((2, 2), (2, 2), None),
                "fc": 500, "residual": False, "dropout": _CIFAR_DROPOUT, "size": 32},
    "fitresnet4": {"stages": ((32, 32, 48, 48, 48), (80,) * 6, (128,) * 6), "pools": ((2, 2), (2, 2), None),
                   "fc": 500, "residual": True, "dropout": _CIFAR_DROPOUT, "size": 32},
    "fitnet-mnist": {"stages": ((16, 16), (16, 16), (12, 12)), "pools": ((4, 2), (4, 2), (2, 2)),
                     "fc": None, "residual": False, "dropout": {"input": 0.0, "pool": 0.0, "fc": 0.3}, "size": 28},
}
CONV_PIECES, FC_PIECES = 2, 5  # maxout pieces (LSUV Table 1 caption)


class Pieces(nn.Module):
    """k layers applied to the same input, outputs concatenated on the
    channel axis (the pieces of a maxout unit; k = 1 is the layer alone)."""

    def __init__(self, make, pieces: int):
        super().__init__()
        self.pieces = nn.ModuleList(make() for _ in range(pieces))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(self.pieces) == 1:
            return self.pieces[0](x)
        return torch.cat([p(x) for p in self.pieces], dim=1)


class _Unit(nn.Module):
    """conv (or fc) pieces -> [BN] -> non-linearity -> [BN], optionally adding
    a residual input before the non-linearity."""

    def __init__(self, make, width: int, act: str, bn: str | None, pieces: int, dim: int = 2):
        super().__init__()
        self.layer = Pieces(make, pieces)
        bn_cls = nn.BatchNorm2d if dim == 2 else nn.BatchNorm1d
        self.bn_before = bn_cls(width * pieces) if bn == "before" else None
        self.act = Maxout(pieces) if act == "maxout" else activation(act, width)
        self.bn_after = bn_cls(width) if bn == "after" else None

    def forward(self, x: torch.Tensor, residual: torch.Tensor | None = None) -> torch.Tensor:
        y = self.layer(x)
        if self.bn_before is not None:
            y = self.bn_before(y)
        if residual is not None:  # to every maxout piece: max(a + r, b + r) = max(a, b) + r
            k = y.shape[1] // residual.shape[1]
            y = y + (residual if k == 1 else residual.repeat(1, k, *([1] * (y.dim() - 2))))
        y = self.act(y)
        if self.bn_after is not None:
            y = self.bn_after(y)
        return y


class FitNet(nn.Module):
    """A FitNet of the LSUV paper's Table 1 (see the module docstring).

    Args:
        variant: fitnet1 | fitnet4 | fitresnet4 | fitnet-mnist.
        act: non-linearity name, or "maxout".
        bn: None, "before" or "after" the non-linearity (LSUV Table 5).
        width: multiplier on every conv and fc width (1.0 = the paper; the
            smoke scale uses less), rounded, at least 1.
        num_classes, in_channels: classifier outputs and input channels.
        dropout: the authors' dropout layers (see the module docstring).
    """

    def __init__(self, variant: str = "fitnet4", act: str = "maxout", bn: str | None = None, width: float = 1.0,
                 num_classes: int = 10, in_channels: int = 3, dropout: bool = True):
        super().__init__()
        if variant not in FITNETS:
            raise ValueError(f"unknown FitNet {variant!r}; known: {', '.join(FITNETS)}")
        if bn not in (None, "before", "after"):
            raise ValueError(f"bn must be None, 'before' or 'after', got {bn!r}")
        spec = FITNETS[variant]
        self.variant, self.residual = variant, spec["residual"]
        pieces = CONV_PIECES if act == "maxout" else 1

        def w(c: int) -> int:
            return max(1, round(c * width))

        rates = spec["dropout"] if dropout else {"input": 0.0, "pool": 0.0, "fc": 0.0}
        units: OrderedDict[str, nn.Module] = OrderedDict()
        self.sums: set[str] = set()  # units whose input is added before their non-linearity
        if rates["input"]:
            units["drop0"] = nn.Dropout(rates["input"])
        cin = in_channels
        for s, (widths, pooling) in enumerate(zip(spec["stages"], spec["pools"]), start=1):
            for i, c in enumerate(widths, start=1):
                name = f"conv{s}{i}"
                units[name] = _Unit(lambda cin=cin, c=c: nn.Conv2d(cin, w(c), 3, padding=1), w(c), act, bn, pieces)
                if self.residual and i % 2 == 0:
                    self.sums.add(name)
                cin = w(c)
            if pooling is None:  # global max pooling (Caffe's default pooling)
                units[f"pool{s}"] = nn.AdaptiveMaxPool2d(1)
            else:
                k, stride = pooling
                units[f"pool{s}"] = nn.MaxPool2d(k, stride, ceil_mode=True)  # Caffe rounds pooled sizes up
            if rates["pool"]:
                units[f"drop{s}"] = nn.Dropout(rates["pool"])
        self.features = nn.ModuleDict(units)
        self.flatten = nn.Flatten()
        size = spec["size"]
        for pooling in spec["pools"]:
            size = 1 if pooling is None else -(-(size - pooling[0]) // pooling[1]) + 1  # ceil, as Caffe
        feat = cin * size * size
        head: OrderedDict[str, nn.Module] = OrderedDict()
        if spec["fc"]:
            fc_pieces = FC_PIECES if act == "maxout" else 1
            head["ip1"] = _Unit(lambda: nn.Linear(feat, w(spec["fc"])), w(spec["fc"]), act, bn, fc_pieces, dim=1)
            if rates["fc"]:
                head["drop_ip1"] = nn.Dropout(rates["fc"])
            head["ip2"] = nn.Linear(w(spec["fc"]), num_classes)
        else:
            if rates["fc"]:
                head["drop_ip1"] = nn.Dropout(rates["fc"])
            head["ip1"] = nn.Linear(feat, num_classes)
        self.head = nn.ModuleDict(head)

    @staticmethod
    def paper_name(module_name: str) -> str:
        """The LSUV paper's name of a weight layer: "features.conv21.layer.pieces.0" -> "conv21"
        (every maxout piece of a layer maps to the layer's name)."""
        return module_name.split(".")[1] if "." in module_name else module_name

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name, m in self.features.items():
            x = m(x, x) if name in self.sums else m(x)
        x = self.flatten(x)
        for m in self.head.values():
            x = m(x)
        return x
