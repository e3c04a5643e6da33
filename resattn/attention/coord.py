"""Coordinate Attention (Hou, Zhou, Feng, "Coordinate Attention for Efficient Mobile Network
Design", CVPR 2021).

Pool along W (→ C×H×1) and along H (→ C×1×W), concatenate, shared 1×1 conv + BN + hard-swish,
split, one 1×1 conv per direction: α_h (C×H×1) and α_w (C×1×W); output x ⊙ α_h ⊙ α_w.

Conventions (the paper's code): hidden = max(min_channels, C // reduction) with min_channels=8,
reduction=32; all 1×1 convs with biases. Parameters: C·m + m + 2m (BN) + 2·(m·C + C).
"""

from __future__ import annotations

from typing import Annotated, Literal

import torch
from pydantic import ConfigDict, Field
from torch import nn

from resattn.attention.gate import Gate
from resattn.attention.registry import AttentionKind, register_kind
from resattn.i18n import N_
from schemas.common import Gate as GateField
from schemas.common import SpecModel


class CoordAttention(nn.Module):
    """Coordinate Attention: direction-aware pooling → shared transform → H and W gates."""

    def __init__(
        self, channels: int, hidden: int, gate: str = "sigmoid", identity_start: bool = False
    ):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, hidden, kernel_size=1, bias=True)
        self.bn1 = nn.BatchNorm2d(hidden)
        self.act = nn.Hardswish()
        self.conv_h = nn.Conv2d(hidden, channels, kernel_size=1, bias=True)
        self.conv_w = nn.Conv2d(hidden, channels, kernel_size=1, bias=True)
        self.gate_h = Gate(gate, identity_start)
        self.gate_w = Gate(gate, identity_start)
        if identity_start:  # both score maps ≡ 0 → α_h ≡ α_w ≡ 1
            for conv in (self.conv_h, self.conv_w):
                nn.init.zeros_(conv.weight)
                nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2], x.shape[3]
        x_h = x.mean(3, keepdim=True)  # N×C×H×1: pooled along W
        x_w = x.mean(2, keepdim=True).permute(0, 1, 3, 2)  # N×C×W×1: pooled along H
        y = self.act(self.bn1(self.conv1(torch.cat([x_h, x_w], dim=2))))
        y_h, y_w = torch.split(y, [h, w], dim=2)
        a_h = self.gate_h(self.conv_h(y_h))  # N×C×H×1
        a_w = self.gate_w(self.conv_w(y_w.permute(0, 1, 3, 2)))  # N×C×1×W
        return x * a_h * a_w


def coord_hidden(channels: int, reduction: int, min_channels: int) -> int:
    """Hidden width: max(min_channels, C // reduction)."""
    return max(min_channels, channels // reduction)


class CoordAttentionSpec(SpecModel):
    """Coordinate Attention (Hou et al., CVPR 2021): pools along H and along W separately."""

    model_config = ConfigDict(title="CoordAttention")  # the module class has the plain name

    type: Annotated[
        Literal["coord"],
        Field(description=N_("Coordinate Attention (position-aware channel gate).")),
    ]
    reduction: Annotated[
        int,
        Field(
            ge=1,
            le=1024,
            description=N_(
                "Reduction ratio: hidden = max(min_channels, C // reduction). Paper: 32."
            ),
        ),
    ] = 32
    min_channels: Annotated[
        int, Field(ge=1, le=1024, description=N_("Lower bound of the hidden width (paper: 8)."))
    ] = 8
    gate: GateField = "sigmoid"


def _hidden(channels: int, spec) -> int:
    return coord_hidden(channels, spec.reduction, spec.min_channels)


def _params(channels: int, spec) -> int:
    m = _hidden(channels, spec)
    return channels * m + m + 2 * m + 2 * (m * channels + channels)


def _work(sizes, n: int, c: int, h: int, w: int, extra: int) -> tuple[int, int]:
    """MACs and elementwise ops of the forward: the shared 1×1 conv on the H + W pooled map and
    one 1×1 conv per direction; the two directional means, BN + hard-swish on the joint map, the
    two gates and x ⊙ α_h ⊙ α_w."""
    m = sizes[1]
    macs = 2 * n * m * c * (h + w)
    ew = 4 * n * c * h * w + 3 * n * m * (h + w) + n * c * (h + w) * (1 + extra)
    return macs, ew


KIND = register_kind(
    AttentionKind(
        type="coord",
        options=CoordAttentionSpec,
        module=CoordAttention,
        sizes=lambda c, spec: (c, _hidden(c, spec)),
        params=_params,
        label="CA",
        name="Coordinate Attention",
        description=N_("channels, position-aware (H and W)"),
        citation="Hou, Zhou, Feng, CVPR 2021",
        traits=frozenset({"channel", "spatial", "heavy"}),
        order=40,
        detail=lambda spec: f"r = {spec.reduction}",
        work=_work,
        hidden=_hidden,
        floor="min_channels",
        gates=2,
    )
)
