"""Branch and shortcut builders: the residual branch F and the skip projection P
(docs/design.md §1).

The layers themselves are the tables of `resattn.layers`, which the exporter renders too; this
module picks the table a block needs, binds its parameters and instantiates it. Layer names
follow torchvision (conv1/bn1/…), so a state_dict reads like the diagram.
"""

from __future__ import annotations

from typing import Optional

from torch import nn

from resattn.layers import (
    BRANCH_TABLES,
    PROJECTION_TABLES,
    BoundTable,
    build_layer,
    conv,
    instantiate,
)
from schemas import bottleneck_width


def conv3x3(in_c: int, out_c: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    """A bias-free 3×3 conv, padding 1 (the tables' `conv`, as a module)."""
    layer = conv("conv", "in_channels", "out_channels", 3, stride="stride", groups="groups")
    return build_layer(
        layer, {"in_channels": in_c, "out_channels": out_c, "stride": stride, "groups": groups}
    )


def conv1x1(in_c: int, out_c: int, stride: int = 1) -> nn.Conv2d:
    """A bias-free 1×1 conv (the tables' `conv`, as a module)."""
    layer = conv("conv", "in_channels", "out_channels", 1, stride="stride")
    return build_layer(layer, {"in_channels": in_c, "out_channels": out_c, "stride": stride})


def branch_table(in_channels: int, block) -> BoundTable:
    """The table of `block`'s branch F — 3×3 → 3×3 (basic) or 1×1 reduce → 3×3 (stride and
    groups here, "ResNet v1.5") → 1×1 expand (bottleneck), pre-activation order BN → ReLU → conv
    when `block.preact` — and the values of its parameters."""
    values = {
        "in_channels": in_channels,
        "out_channels": block.out_channels,
        "stride": block.stride,
        "dropout": block.dropout,
    }
    if block.type == "bottleneck":
        values |= {"width": bottleneck_width(block), "groups": block.groups}
    return BRANCH_TABLES[(block.type, block.preact)], values


def build_branch(in_channels: int, block, zero_init_last_bn: bool) -> nn.Sequential:
    """The branch F for `block`; with `zero_init_last_bn` its last BN gamma (pre-activation: its
    last conv, which has no BN after it) is zeroed so F ≡ 0 and the block starts as identity."""
    table, values = branch_table(in_channels, block)
    branch = instantiate(table, values)
    if zero_init_last_bn:
        nn.init.zeros_(getattr(branch, table.zero_init_target.name).weight)
    return branch


def resolve_shortcut(kind: str, in_channels: int, out_channels: int, stride: int) -> str:
    """'auto' → 'identity' when shapes match, else 'conv1x1' (notes §12.2)."""
    if kind != "auto":
        return kind
    return "identity" if stride == 1 and in_channels == out_channels else "conv1x1"


def shortcut_table(
    kind: str, in_channels: int, out_channels: int, stride: int, preact: bool
) -> Optional[BoundTable]:
    """The table of the skip projection P and the values of its parameters, or None for identity.

    ``conv1x1``: 1×1 conv (stride) + BN. ``avgpool_conv1x1`` (ResNet-D): average-pool by the
    stride, then a stride-1 1×1 conv + BN (at stride 1 there is nothing to pool: plain conv1x1).
    Pre-activation blocks project without BN (ResNet v2).
    """
    kind = resolve_shortcut(kind, in_channels, out_channels, stride)
    if kind == "identity":
        return None
    pool = kind == "avgpool_conv1x1" and stride > 1
    values = {"in_channels": in_channels, "out_channels": out_channels, "stride": stride}
    return PROJECTION_TABLES[(pool, not preact)], values


def build_shortcut(
    kind: str, in_channels: int, out_channels: int, stride: int, preact: bool
) -> Optional[nn.Sequential]:
    """The skip projection P (see `shortcut_table`), or None for identity."""
    bound = shortcut_table(kind, in_channels, out_channels, stride, preact)
    return None if bound is None else instantiate(*bound)
