"""Squeeze-and-Excitation (Hu, Shen, Sun, "Squeeze-and-Excitation Networks", CVPR 2018).

α(x) = gate(W2 · ReLU(W1 · avgpool(x) + b1) + b2), output x ⊙ α(x).

Conventions (timm's): hidden = max(divisor, C/r rounded to the nearest multiple of divisor),
1×1 convs with biases. Parameters: 2·C·hidden + hidden + C (C=256, r=16 → hidden 16 → 8,464).
"""

from __future__ import annotations

import torch
from torch import nn

from resattn.attention.gate import Gate
from resattn.attention.registry import ATTENTION


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


@ATTENTION.register()
def se(channels: int, spec, identity_start: bool = False) -> SqueezeExcite:
    return SqueezeExcite(
        channels, se_hidden(channels, spec.reduction, spec.divisor), spec.gate, identity_start
    )


def _se_params(channels: int, spec) -> int:
    hidden = se_hidden(channels, spec.reduction, spec.divisor)
    return 2 * channels * hidden + hidden + channels


se.param_formula = _se_params
