"""Squeeze-and-Excitation (Hu, Shen, Sun, "Squeeze-and-Excitation Networks", CVPR 2018).

α(x) = gate(W2 · ReLU(W1 · avgpool(x) + b1) + b2), output x ⊙ α(x).

Conventions (timm's): hidden = max(divisor, C/r rounded to the nearest multiple of divisor),
1×1 convs with biases. Parameters: 2·C·hidden + hidden + C (C=256, r=16 → hidden 16 → 8,464).
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


class SqueezeExcite(nn.Module):
    """SE channel attention: global average pool → 1×1 conv → ReLU → 1×1 conv → gate."""

    def __init__(
        self, channels: int, hidden: int, gate: str = "sigmoid", identity_start: bool = False
    ):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, hidden, kernel_size=1, bias=True)
        self.act = nn.ReLU()
        self.fc2 = nn.Conv2d(hidden, channels, kernel_size=1, bias=True)
        self.gate = Gate(gate, identity_start)
        if identity_start:  # scores ≡ 0 → α ≡ 1: the module starts as an identity
            nn.init.zeros_(self.fc2.weight)
            nn.init.zeros_(self.fc2.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean((2, 3), keepdim=True)  # squeeze: one number per channel
        s = self.fc2(self.act(self.fc1(s)))  # excite: channel scores
        return x * self.gate(s)


def se_hidden(channels: int, reduction: int, divisor: int) -> int:
    """Hidden width: max(divisor, C / r rounded to the nearest multiple of divisor)."""
    return max(divisor, int(channels / reduction + divisor / 2) // divisor * divisor)


class SEAttention(SpecModel):
    """Squeeze-and-Excitation (Hu et al., CVPR 2018): global average pool → MLP → channel gate."""

    type: Annotated[
        Literal["se"], Field(description=N_("Squeeze-and-Excitation channel attention."))
    ]
    reduction: Annotated[
        int,
        Field(
            ge=1,
            le=1024,
            description=N_(
                "Reduction ratio r of the MLP: hidden = max(divisor, C/r rounded to a "
                "multiple of divisor). The paper's default is 16."
            ),
        ),
    ] = 16
    divisor: Annotated[
        int,
        Field(
            ge=1, le=256, description=N_("The hidden width is a multiple of this (timm uses 8).")
        ),
    ] = 8
    gate: GateField = "sigmoid"


def _hidden(channels: int, spec) -> int:
    return se_hidden(channels, spec.reduction, spec.divisor)


def _params(channels: int, spec) -> int:
    hidden = _hidden(channels, spec)
    return 2 * channels * hidden + hidden + channels


def _work(sizes, n: int, c: int, h: int, w: int, extra: int) -> tuple[int, int]:
    """MACs and elementwise ops of the forward: pool → 1×1 → ReLU → 1×1 → gate → x ⊙ α."""
    m = sizes[1]
    return 2 * n * c * m, 2 * n * c * h * w + n * m + n * c * (1 + extra)


KIND = register_kind(
    AttentionKind(
        type="se",
        options=SEAttention,
        module=SqueezeExcite,
        sizes=lambda c, spec: (c, _hidden(c, spec)),
        params=_params,
        label="SE",
        name="Squeeze-and-Excitation",
        description=N_("channels"),
        citation="Hu, Shen, Sun, CVPR 2018",
        traits=frozenset({"channel"}),
        order=10,
        detail=lambda spec: f"r = {spec.reduction}",
        work=_work,
        hidden=_hidden,
        floor="divisor",
    )
)
