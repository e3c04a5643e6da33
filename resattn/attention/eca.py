"""Efficient Channel Attention (Wang et al., "ECA-Net", CVPR 2020).

α(x) = gate(conv1d_k(avgpool(x))) across channels, output x ⊙ α(x).

Conventions (the paper's): adaptive kernel k = |(log2 C + b) / γ| made odd (rounded up), γ=2,
b=1 (C=64→3, 128…1024→5, 2048→7); the 1-D conv has no bias. Parameters: k.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Optional

import torch
from pydantic import Field, field_validator
from torch import nn

from resattn.attention.gate import Gate
from resattn.attention.registry import AttentionKind, register_kind
from resattn.i18n import N_
from schemas.common import Gate as GateField
from schemas.common import SpecModel, require_odd


class EfficientChannelAttention(nn.Module):
    """ECA: global average pool → 1-D conv of size k across the channel axis → gate."""

    def __init__(
        self, channels: int, kernel_size: int, gate: str = "sigmoid", identity_start: bool = False
    ):
        super().__init__()
        self.conv = nn.Conv1d(1, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.gate = Gate(gate, identity_start)
        if identity_start:  # scores ≡ 0 → α ≡ 1
            nn.init.zeros_(self.conv.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c = x.shape[0], x.shape[1]
        s = x.mean((2, 3)).view(n, 1, c)  # channels become a 1-D sequence
        s = self.conv(s).view(n, c, 1, 1)  # local cross-channel interaction
        return x * self.gate(s)


def eca_kernel_size(channels: int, gamma: int = 2, b: int = 1) -> int:
    """The paper's adaptive kernel size: t = int(|(log2 C + b) / γ|), made odd by t + 1."""
    t = int(abs((math.log2(channels) + b) / gamma))
    return max(1, t if t % 2 else t + 1)


class ECAAttention(SpecModel):
    """Efficient Channel Attention (Wang et al., CVPR 2020): pool → 1-D conv across channels."""

    type: Annotated[Literal["eca"], Field(description=N_("Efficient Channel Attention."))]
    kernel_size: Annotated[
        Optional[int],
        Field(
            ge=1,
            le=31,
            description=N_(
                "Odd size of the 1-D conv across channels, or null for the paper's "
                "adaptive size from C (γ=2, b=1: C=64→3, 128…1024→5, 2048→7)."
            ),
        ),
    ] = None
    gate: GateField = "sigmoid"

    @field_validator("kernel_size")
    @classmethod
    def _odd(cls, value: Optional[int]) -> Optional[int]:
        return require_odd(value, N_("the conv keeps C channels"))


def _kernel(channels: int, spec) -> int:
    return spec.kernel_size if spec.kernel_size is not None else eca_kernel_size(channels)


def _work(sizes, n: int, c: int, h: int, w: int, extra: int) -> tuple[int, int]:
    """MACs and elementwise ops of the forward: pool → 1-D conv across the channels → gate →
    x ⊙ α."""
    k = sizes[1]
    return n * c * k, 2 * n * c * h * w + n * c * (1 + extra)


KIND = register_kind(
    AttentionKind(
        type="eca",
        options=ECAAttention,
        module=EfficientChannelAttention,
        sizes=lambda c, spec: (c, _kernel(c, spec)),
        params=_kernel,
        label="ECA",
        name="Efficient Channel Attention",
        description=N_("channels"),
        citation="Wang et al., CVPR 2020",
        traits=frozenset({"channel"}),
        order=20,
        detail=lambda spec: "k = auto" if spec.kernel_size is None else f"k = {spec.kernel_size}",
        work=_work,
        channel_kernel=_kernel,
    )
)
