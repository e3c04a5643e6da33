"""Fold BatchNorm into the conv before it, for inference (eval-mode arithmetic, fewer layers).

In eval mode a BN is the affine map ``y = γ (z − μ) / √(σ² + ε) + β``; when ``z`` is the output of
a conv, the map folds into that conv: ``W' = W · s`` and ``b' = (b − μ) · s + β`` per output
channel, with ``s = γ / √(σ² + ε)``. The folded conv gains a bias and the BN disappears.

What is folded: every BN that directly follows a conv inside an `nn.Sequential` — the stem, the
branch F (``conv → bn`` pairs; in a pre-activation branch ``conv1 → bn2`` and ``conv2 → bn3``)
and the projection P. What is left, honestly, because no conv directly precedes it: the first
BN of a pre-activation branch (``bn1 → relu → conv1`` reads the block input), the final BN of a
pre-activation network, and the BNs inside CBAM (1-channel spatial map) and Coordinate Attention
(on the pooled H+W strip) — those classes are exported verbatim from the library, and their BNs
act on tiny pooled maps, so folding them buys nothing measurable.
"""

from __future__ import annotations

import copy
from itertools import pairwise

import torch
from torch import nn


def fold_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """A copy of `conv` with `bn` (in eval mode) folded in; the result has a bias."""
    folded = copy.deepcopy(conv)
    shape = (-1,) + (1,) * (conv.weight.dim() - 1)
    with torch.no_grad():
        # in float64, so folding adds no rounding of its own beyond the final cast
        scale = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
        bias = conv.bias.double() if conv.bias is not None else torch.zeros_like(scale)
        weight = conv.weight.double() * scale.reshape(shape)
        folded.weight = nn.Parameter(weight.to(conv.weight.dtype))
        folded.bias = nn.Parameter(
            ((bias - bn.running_mean.double()) * scale + bn.bias.double()).to(conv.weight.dtype)
        )
    return folded


def fold_batchnorm(module: nn.Module) -> nn.Module:
    """An eval-mode copy of `module` with every conv → BN pair of its `nn.Sequential`s folded.

    Layer names are kept (``branch.conv1`` gains a bias, ``branch.bn1`` is gone), so the result's
    `state_dict` keys are what `export_python(spec, fold_bn=True)` builds. `module` is untouched.
    """
    folded = copy.deepcopy(module).eval()
    for seq in [m for m in folded.modules() if isinstance(m, nn.Sequential)]:
        for (prev, conv), (name, bn) in pairwise(list(seq.named_children())):
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                setattr(seq, prev, fold_conv_bn(conv, bn))
                delattr(seq, name)
    return folded


def count_batchnorms(module: nn.Module) -> int:
    """How many BN layers a module still has (the report of what folding left)."""
    return sum(isinstance(m, nn.BatchNorm2d) for m in module.modules())
