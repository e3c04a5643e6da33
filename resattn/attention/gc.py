"""Global Context block (Cao, Xu, Lin, Wei, Hu, "GCNet: Non-local Networks Meet
Squeeze-Excitation Networks and Beyond", ICCVW 2019 / TPAMI 2020), scale fusion only.

Attention pooling: p = softmax_{H·W}(W_k · x + b_k) (a 1×1 conv C→1), context c = Σ_j p_j x_j
(C×1×1); transform t = W_2 · ReLU(LN(W_1 · c + b_1)) + b_2 with W_1: C→C/r, W_2: C/r→C;
output x ⊙ gate(t). The paper's *additive* fusion (x + t) is refused: attention here is a
multiplicative gate and is never added to the feature (notes, first rule).

Conventions (the paper's and timm's `GlobalContext`): hidden = max(1, round(C / r)) with r = 8;
all 1×1 convs with biases; the LayerNorm normalises over the hidden channels with an affine
scale and shift. Parameters: (C + 1) + (C·m + m) + 2m + (m·C + C) (C=256 → 16,993).
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
from schemas.common import SpecModel


class GlobalContext(nn.Module):
    """GC: attention pooling over H·W → 1×1 conv → LayerNorm → ReLU → 1×1 conv → gate."""

    def __init__(
        self, channels: int, hidden: int, gate: str = "sigmoid", identity_start: bool = False
    ):
        super().__init__()
        self.conv_attn = nn.Conv2d(channels, 1, kernel_size=1, bias=True)
        self.fc1 = nn.Conv2d(channels, hidden, kernel_size=1, bias=True)
        self.norm = nn.LayerNorm([hidden, 1, 1])
        self.act = nn.ReLU()
        self.fc2 = nn.Conv2d(hidden, channels, kernel_size=1, bias=True)
        self.gate = Gate(gate, identity_start)
        if identity_start:  # scores ≡ 0 → α ≡ 1
            nn.init.zeros_(self.fc2.weight)
            nn.init.zeros_(self.fc2.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        weights = self.conv_attn(x).reshape(n, h * w, 1).softmax(dim=1)  # where to look
        context = torch.matmul(x.reshape(n, c, h * w), weights).reshape(n, c, 1, 1)
        scores = self.fc2(self.act(self.norm(self.fc1(context))))  # channel transform
        return x * self.gate(scores)  # scale fusion: a gate, never x + scores


def gc_hidden(channels: int, reduction: int) -> int:
    """Hidden width: max(1, C / r rounded to the nearest integer)."""
    return max(1, int(channels / reduction + 0.5))


class GCAttention(SpecModel):
    """Global Context (Cao et al., ICCVW 2019): attention pooling → bottleneck → channel gate."""

    type: Annotated[Literal["gc"], Field(description=N_("Global Context attention (GCNet)."))]
    reduction: Annotated[
        int,
        Field(
            ge=1,
            le=1024,
            description=N_(
                "Reduction ratio of the transform: hidden = max(1, round(C / r)). "
                "GCNet's default is 8 (the paper's r = 16 is 1/16 of C in its ratio notation)."
            ),
        ),
    ] = 8
    fusion: Annotated[
        Literal["scale"],
        Field(
            description=N_(
                "How the context joins the feature: 'scale' (a gate, x ⊙ α). GCNet's "
                "additive fusion is refused (notes, first rule)."
            )
        ),
    ] = "scale"
    gate: GateField = "sigmoid"

    @field_validator("fusion", mode="before")
    @classmethod
    def _no_additive(cls, value):
        if value in ("add", "additive", "channel_add"):
            raise ValueError(
                "additive fusion adds the context to the feature (x + t); attention is a "
                "multiplicative gate and is never added (notes, first rule): use 'scale'"
            )
        return value


def _hidden(channels: int, spec) -> int:
    return gc_hidden(channels, spec.reduction)


def _params(channels: int, spec) -> int:
    m = _hidden(channels, spec)
    return (channels + 1) + (channels * m + m) + 2 * m + (m * channels + channels)


def _work(sizes, n: int, c: int, h: int, w: int, extra: int) -> tuple[int, int]:
    """MACs and elementwise ops of the forward. MACs: the 1×1 conv C→1 over H×W, the context
    product (C × HW by HW × 1, the module's one matrix product) and the two 1×1 convs of the
    transform. Elementwise: the softmax over H·W (3 per element), LayerNorm (5 per element) and
    ReLU on the hidden width, the gate and x ⊙ α, and the two products h · w of the reshapes
    (the trace records each as a multiply of one element)."""
    m = sizes[1]
    macs = n * c * h * w + n * c * h * w + 2 * n * c * m
    ew = n * c * h * w + 3 * n * h * w + 6 * n * m + n * c * (1 + extra) + 2
    return macs, ew


KIND = register_kind(
    AttentionKind(
        type="gc",
        options=GCAttention,
        module=GlobalContext,
        sizes=lambda c, spec: (c, _hidden(c, spec)),
        params=_params,
        label="GC",
        name="Global Context",
        description=N_("channels, from attention-pooled context"),
        citation="Cao et al., ICCVW 2019",
        traits=frozenset({"channel"}),
        order=60,
        detail=lambda spec: f"r = {spec.reduction}",
        work=_work,
        hidden=_hidden,
    )
)
