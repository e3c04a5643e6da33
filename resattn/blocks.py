"""Branch and shortcut builders: the residual branch F and the skip projection P (DESIGN §1).

Layer names follow torchvision (conv1/bn1/…), so a state_dict reads like the diagram.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Optional

from torch import nn

from schemas import bottleneck_width


def conv3x3(in_c: int, out_c: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_c, out_c, 3, stride=stride, padding=1, groups=groups, bias=False)


def conv1x1(in_c: int, out_c: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_c, out_c, 1, stride=stride, bias=False)


def _dropout(p: float) -> list:
    return [("drop", nn.Dropout(p))] if p > 0 else []


def basic_branch(in_channels: int, block) -> nn.Sequential:
    """3×3 (stride) → 3×3; pre-activation order BN → ReLU → conv when `block.preact`."""
    out, stride = block.out_channels, block.stride
    if block.preact:
        layers = [
            ("bn1", nn.BatchNorm2d(in_channels)),
            ("act1", nn.ReLU()),
            ("conv1", conv3x3(in_channels, out, stride)),
            ("bn2", nn.BatchNorm2d(out)),
            ("act2", nn.ReLU()),
            *_dropout(block.dropout),
            ("conv2", conv3x3(out, out)),
        ]
    else:
        layers = [
            ("conv1", conv3x3(in_channels, out, stride)),
            ("bn1", nn.BatchNorm2d(out)),
            ("act1", nn.ReLU()),
            *_dropout(block.dropout),
            ("conv2", conv3x3(out, out)),
            ("bn2", nn.BatchNorm2d(out)),
        ]
    return nn.Sequential(OrderedDict(layers))


def bottleneck_branch(in_channels: int, block) -> nn.Sequential:
    """1×1 reduce → 3×3 (stride and groups here, "ResNet v1.5") → 1×1 expand."""
    out, stride = block.out_channels, block.stride
    width = bottleneck_width(block)
    if block.preact:
        layers = [
            ("bn1", nn.BatchNorm2d(in_channels)),
            ("act1", nn.ReLU()),
            ("conv1", conv1x1(in_channels, width)),
            ("bn2", nn.BatchNorm2d(width)),
            ("act2", nn.ReLU()),
            ("conv2", conv3x3(width, width, stride, block.groups)),
            ("bn3", nn.BatchNorm2d(width)),
            ("act3", nn.ReLU()),
            *_dropout(block.dropout),
            ("conv3", conv1x1(width, out)),
        ]
    else:
        layers = [
            ("conv1", conv1x1(in_channels, width)),
            ("bn1", nn.BatchNorm2d(width)),
            ("act1", nn.ReLU()),
            ("conv2", conv3x3(width, width, stride, block.groups)),
            ("bn2", nn.BatchNorm2d(width)),
            ("act2", nn.ReLU()),
            *_dropout(block.dropout),
            ("conv3", conv1x1(width, out)),
            ("bn3", nn.BatchNorm2d(out)),
        ]
    return nn.Sequential(OrderedDict(layers))


#: block `type` → branch builder
BRANCHES = {"basic": basic_branch, "bottleneck": bottleneck_branch}


def build_branch(in_channels: int, block, zero_init_last_bn: bool) -> nn.Sequential:
    """The branch F for `block`; with `zero_init_last_bn` its last BN gamma (pre-activation: its
    last conv, which has no BN after it) is zeroed so F ≡ 0 and the block starts as identity."""
    branch = BRANCHES[block.type](in_channels, block)
    if zero_init_last_bn:
        last = [m for m in branch if isinstance(m, (nn.BatchNorm2d, nn.Conv2d))][-1]
        nn.init.zeros_(last.weight)
    return branch


def resolve_shortcut(kind: str, in_channels: int, out_channels: int, stride: int) -> str:
    """'auto' → 'identity' when shapes match, else 'conv1x1' (notes §12.2)."""
    if kind != "auto":
        return kind
    return "identity" if stride == 1 and in_channels == out_channels else "conv1x1"


def build_shortcut(
    kind: str, in_channels: int, out_channels: int, stride: int, preact: bool
) -> Optional[nn.Sequential]:
    """The skip projection P, or None for identity.

    ``conv1x1``: 1×1 conv (stride) + BN. ``avgpool_conv1x1`` (ResNet-D): average-pool by the
    stride, then a stride-1 1×1 conv + BN. Pre-activation blocks project without BN (ResNet v2).
    """
    kind = resolve_shortcut(kind, in_channels, out_channels, stride)
    if kind == "identity":
        return None
    layers: list = []
    conv_stride = stride
    if kind == "avgpool_conv1x1" and stride > 1:
        layers.append(
            ("pool", nn.AvgPool2d(stride, stride, ceil_mode=True, count_include_pad=False))
        )
        conv_stride = 1
    layers.append(("conv", conv1x1(in_channels, out_channels, conv_stride)))
    if not preact:
        layers.append(("bn", nn.BatchNorm2d(out_channels)))
    return nn.Sequential(OrderedDict(layers))
