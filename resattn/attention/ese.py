"""Effective Squeeze-and-Excitation (Lee & Park, "CenterMask: Real-Time Anchor-Free Instance
Segmentation", CVPR 2020 — the "eSE" module of VoVNetV2).

α(x) = gate(W · avgpool(x) + b), output x ⊙ α(x): SE with its two-layer MLP replaced by one
1×1 conv C → C, so no channel information is lost to a reduction.

Conventions (the paper's and timm's): the 1×1 conv has a bias; the gate is a hard sigmoid by
default. Parameters: C² + C (C=256 → 65,792).
"""

from __future__ import annotations

from typing import Annotated, Literal

import torch
from pydantic import Field
from torch import nn

from resattn.attention.gate import Gate
from resattn.attention.registry import AttentionKind, register_kind
from resattn.i18n import N_
from schemas.common import Gate as GateField
from schemas.common import SpecModel


class EffectiveSE(nn.Module):
    """eSE channel attention: global average pool → one 1×1 conv C→C → gate."""

    def __init__(self, channels: int, gate: str = "hard_sigmoid", identity_start: bool = False):
        super().__init__()
        self.fc = nn.Conv2d(channels, channels, kernel_size=1, bias=True)
        self.gate = Gate(gate, identity_start)
        if identity_start:  # scores ≡ 0 → α ≡ 1: the module starts as an identity
            nn.init.zeros_(self.fc.weight)
            nn.init.zeros_(self.fc.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean((2, 3), keepdim=True)  # squeeze: one number per channel
        return x * self.gate(self.fc(s))  # one C→C excitation, no reduction


class ESEAttention(SpecModel):
    """Effective SE (Lee & Park, CVPR 2020): pool → one 1×1 conv C→C → channel gate."""

    type: Annotated[
        Literal["ese"], Field(description=N_("Effective Squeeze-and-Excitation channel attention."))
    ]
    gate: Annotated[
        GateField, Field(description=N_("The gate; eSE uses 'hard_sigmoid' (the paper's default)."))
    ] = "hard_sigmoid"


def _work(sizes, n: int, c: int, h: int, w: int, extra: int) -> tuple[int, int]:
    """MACs and elementwise ops of the forward: pool → one 1×1 conv C→C → gate → x ⊙ α."""
    return n * c * c, 2 * n * c * h * w + n * c * (1 + extra)


KIND = register_kind(
    AttentionKind(
        type="ese",
        options=ESEAttention,
        module=EffectiveSE,
        sizes=lambda c, spec: (c,),
        params=lambda c, spec: c * c + c,
        label="eSE",
        name="Effective Squeeze-and-Excitation",
        description=N_("channels (one C→C conv, no reduction)"),
        citation="Lee & Park, CVPR 2020",
        traits=frozenset({"channel"}),
        order=50,
        detail=lambda spec: "C→C" if spec.gate == "hard_sigmoid" else "C→C, sigmoid",
        work=_work,
    )
)
