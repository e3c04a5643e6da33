"""Convolutional Block Attention Module (Woo et al., "CBAM", ECCV 2018).

Channel gate α_c = gate(MLP(avgpool(x)) + MLP(maxpool(x))) with one shared MLP, x' = x ⊙ α_c;
then spatial gate α_s = gate(BN(conv_k([mean_c(x'), max_c(x')]))), output x' ⊙ α_s.

Conventions (the paper's code): hidden = max(1, C // r); MLP as 1×1 convs with biases; the
k×k spatial conv (k=7) has no bias and is followed by a 1-channel BN.
Parameters: 2·C·hidden + hidden + C + 2·k² + 2.
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


class CBAM(nn.Module):
    """CBAM: channel attention (shared MLP on avg- and max-pooled features), then spatial."""

    def __init__(
        self,
        channels: int,
        hidden: int,
        spatial_kernel: int = 7,
        gate: str = "sigmoid",
        identity_start: bool = False,
    ):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Conv2d(channels, hidden, kernel_size=1, bias=True),
            nn.ReLU(),
            nn.Conv2d(hidden, channels, kernel_size=1, bias=True),
        )
        self.channel_gate = Gate(gate, identity_start)
        self.spatial_conv = nn.Conv2d(2, 1, spatial_kernel, padding=spatial_kernel // 2, bias=False)
        self.spatial_bn = nn.BatchNorm2d(1)
        self.spatial_gate = Gate(gate, identity_start)
        if identity_start:  # both score maps ≡ 0 → both gates ≡ 1
            nn.init.zeros_(self.mlp[2].weight)
            nn.init.zeros_(self.mlp[2].bias)
            nn.init.zeros_(self.spatial_bn.weight)
            nn.init.zeros_(self.spatial_bn.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        avg = x.mean((2, 3), keepdim=True)
        mx = x.amax((2, 3), keepdim=True)
        x = x * self.channel_gate(self.mlp(avg) + self.mlp(mx))  # which channels
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], dim=1)
        return x * self.spatial_gate(self.spatial_bn(self.spatial_conv(pooled)))  # where


def cbam_hidden(channels: int, reduction: int) -> int:
    """Hidden width of the shared channel MLP: max(1, C // r)."""
    return max(1, channels // reduction)


class CBAMAttention(SpecModel):
    """Convolutional Block Attention Module (Woo et al., ECCV 2018): channel then spatial gate."""

    type: Annotated[Literal["cbam"], Field(description=N_("CBAM: channel gate then spatial gate."))]
    reduction: Annotated[
        int,
        Field(
            ge=1,
            le=1024,
            description=N_("Reduction ratio of the shared channel MLP: hidden = max(1, C // r)."),
        ),
    ] = 16
    spatial_kernel: Annotated[
        int,
        Field(
            ge=1,
            le=15,
            description=N_(
                "Odd kernel size of the spatial conv over [mean, max] channel pools "
                "(the paper's default is 7)."
            ),
        ),
    ] = 7
    gate: GateField = "sigmoid"

    @field_validator("spatial_kernel")
    @classmethod
    def _odd(cls, value: int) -> int:
        return require_odd(value, N_("the map keeps its size"))


def _hidden(channels: int, spec) -> int:
    return cbam_hidden(channels, spec.reduction)


def _params(channels: int, spec) -> int:
    hidden = _hidden(channels, spec)
    return 2 * channels * hidden + hidden + channels + 2 * spec.spatial_kernel**2 + 2


def _work(sizes, n: int, c: int, h: int, w: int, extra: int) -> tuple[int, int]:
    """MACs and elementwise ops of the forward: the shared MLP on both pools and the k×k conv;
    avg / max pool, the MLP's ReLU twice, their sum, the channel gate and x ⊙ α_c, then the mean
    and max over C, BN, the spatial gate and ⊙ α_s."""
    _, m, k = sizes
    macs = 4 * n * c * m + 2 * k * k * n * h * w
    ew = 6 * n * c * h * w + 2 * n * m + n * c * (2 + extra) + n * h * w * (3 + extra)
    return macs, ew


KIND = register_kind(
    AttentionKind(
        type="cbam",
        options=CBAMAttention,
        module=CBAM,
        sizes=lambda c, spec: (c, _hidden(c, spec), spec.spatial_kernel),
        params=_params,
        label="CBAM",
        name="Convolutional Block Attention Module",
        description=N_("channels, then space"),
        citation="Woo et al., ECCV 2018",
        traits=frozenset({"channel", "spatial", "heavy"}),
        order=30,
        detail=lambda spec: f"r = {spec.reduction}, {spec.spatial_kernel}×{spec.spatial_kernel}",
        work=_work,
        hidden=_hidden,
        gates=2,
    )
)
