"""Triplet Attention (Misra, Nalamada, Arasanipalai, Hou, "Rotate to Attend: Convolutional
Triplet Attention Module", WACV 2021).

Three branches capture the C–H, C–W and H–W interactions: each rotates x so a different pair
of axes is spatial, Z-pools the remaining axis to [max, mean] (2 maps), applies a k×k conv
(no bias) + BN and a gate, and rotates back; the gates are averaged:
α = (α_CW + α_CH + α_HW) / 3, output x ⊙ α (the paper's mean of the three gated tensors).

Conventions (the paper's code): k = 7, BN after each conv, sigmoid gates. Parameters:
3 · (2k² + 2) = 300 at any C.
"""

from __future__ import annotations

from typing import Annotated, Literal

import torch
from pydantic import Field, field_validator
from torch import nn

from resattn.attention.gate import Gate
from resattn.attention.registry import AttentionKind, register_kind
from resattn.i18n import N_
from schemas.common import Gate as GateField
from schemas.common import SpecModel, require_odd


class TripletAttention(nn.Module):
    """Triplet attention: three rotated Z-pool → conv → BN → gate branches, gates averaged."""

    def __init__(self, kernel_size: int = 7, gate: str = "sigmoid", identity_start: bool = False):
        super().__init__()
        pad = kernel_size // 2
        self.conv_cw = nn.Conv2d(2, 1, kernel_size, padding=pad, bias=False)
        self.bn_cw = nn.BatchNorm2d(1)
        self.conv_ch = nn.Conv2d(2, 1, kernel_size, padding=pad, bias=False)
        self.bn_ch = nn.BatchNorm2d(1)
        self.conv_hw = nn.Conv2d(2, 1, kernel_size, padding=pad, bias=False)
        self.bn_hw = nn.BatchNorm2d(1)
        self.gate = Gate(gate, identity_start)
        if identity_start:  # every score map ≡ 0 → every gate ≡ 1 → their mean ≡ 1
            for norm in (self.bn_cw, self.bn_ch, self.bn_hw):
                nn.init.zeros_(norm.weight)
                nn.init.zeros_(norm.bias)

    def _branch(self, x: torch.Tensor, conv: nn.Module, norm: nn.Module) -> torch.Tensor:
        pooled = torch.cat([x.amax(1, keepdim=True), x.mean(1, keepdim=True)], dim=1)  # Z-pool
        return self.gate(norm(conv(pooled)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a_cw = self._branch(x.permute(0, 2, 1, 3), self.conv_cw, self.bn_cw).permute(0, 2, 1, 3)
        a_ch = self._branch(x.permute(0, 3, 2, 1), self.conv_ch, self.bn_ch).permute(0, 3, 2, 1)
        a_hw = self._branch(x, self.conv_hw, self.bn_hw)
        return x * ((a_cw + a_ch + a_hw) / 3)  # the mean of the three gates


class TripletAttentionSpec(SpecModel):
    """Triplet Attention (Misra et al., WACV 2021): three rotated spatial gates, averaged."""

    model_config = {"title": "TripletAttention"}

    type: Annotated[
        Literal["triplet"], Field(description=N_("Triplet Attention (three rotations)."))
    ]
    kernel_size: Annotated[
        int,
        Field(
            ge=1,
            le=15,
            description=N_(
                "Odd kernel size of each branch's conv over the Z-pooled maps (the paper's 7)."
            ),
        ),
    ] = 7
    gate: GateField = "sigmoid"

    @field_validator("kernel_size")
    @classmethod
    def _odd(cls, value: int) -> int:
        return require_odd(value, N_("the maps keep their size"))


def _work(sizes, n: int, c: int, h: int, w: int, extra: int) -> tuple[int, int]:
    """MACs and elementwise ops of the forward: per branch the k×k conv over the two Z-pooled
    maps of its plane (C×W, H×C, H×W); the Z-pools' max and mean (each one op per element of x,
    in each of the three branches), BN (2 per element), the gate (and its doubling) on each
    plane, then the two adds and the division of the gates' mean and x ⊙ α."""
    (k,) = sizes
    planes = n * (c * w + h * c + h * w)
    return 2 * k * k * planes, 10 * n * c * h * w + planes * (3 + extra)


KIND = register_kind(
    AttentionKind(
        type="triplet",
        options=TripletAttentionSpec,
        module=TripletAttention,
        sizes=lambda c, spec: (spec.kernel_size,),
        params=lambda c, spec: 3 * (2 * spec.kernel_size**2 + 2),
        label="TA",
        name="Triplet Attention",
        description=N_("channels × space, three rotations (C–H, C–W, H–W)"),
        citation="Misra et al., WACV 2021",
        traits=frozenset({"channel", "spatial", "heavy"}),
        order=80,
        detail=lambda spec: f"{spec.kernel_size}×{spec.kernel_size}",
        work=_work,
    )
)
