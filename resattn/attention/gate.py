"""The gate every attention module ends in: scores → weights α (multiplied onto a feature)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class Gate(nn.Module):
    """Squash scores into gate weights α.

    `kind` is ``"sigmoid"`` (α ∈ (0, 1)) or ``"hard_sigmoid"`` (ReLU6(s + 3) / 6, α ∈ [0, 1]).
    With ``identity_start`` the weights are doubled, α ∈ (0, 2): the module that owns the gate
    zeroes the layer producing the scores, so at initialisation α = 2 · 0.5 = 1 exactly and the
    attention is an exact identity (notes §3 P4, §6.2). Parameter-free; it is also the hook
    point for gate statistics.
    """

    def __init__(self, kind: str = "sigmoid", identity_start: bool = False):
        super().__init__()
        if kind not in ("sigmoid", "hard_sigmoid"):
            raise ValueError(f"unknown gate {kind!r}; expected 'sigmoid' or 'hard_sigmoid'")
        self.kind = kind
        self.identity_start = identity_start

    def forward(self, scores: torch.Tensor) -> torch.Tensor:
        if self.kind == "sigmoid":
            alpha = torch.sigmoid(scores)
        else:
            alpha = F.hardsigmoid(scores)
        if self.identity_start:
            alpha = alpha * 2.0
        return alpha

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, identity_start={self.identity_start}"
