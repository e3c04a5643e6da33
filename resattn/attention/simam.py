"""SimAM, a simple parameter-free attention module (Yang, Zhang, Li, Xie, "SimAM: A Simple,
Parameter-Free Attention Module for Convolutional Neural Networks", ICML 2021).

For each channel, with μ and the squared deviations d = (x − μ)² over its n + 1 = H·W pixels:
e⁻¹ = d / (4 (Σd / n + λ)) + 0.5 (the inverse minimal energy of each neuron), output
x ⊙ gate(e⁻¹). A 1×1 map (n = 0) uses n = 1, so its energy term is 0 and e⁻¹ = 0.5 instead of
0 / 0.

Conventions (the paper's code): λ = 1e-4, sigmoid gate. Parameters: 0. With no score layer it
cannot start as an exact identity, so it is refused in the skip slot (RA110).
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


class SimAM(nn.Module):
    """SimAM: a parameter-free 3-D gate from each neuron's energy within its channel."""

    def __init__(self, e_lambda: float = 1e-4, gate: str = "sigmoid"):
        super().__init__()
        self.e_lambda = e_lambda
        self.gate = Gate(gate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = max(x.shape[2] * x.shape[3] - 1, 1)
        d = (x - x.mean((2, 3), keepdim=True)).pow(2)  # squared deviation from the channel mean
        energy = d / (4 * (d.sum((2, 3), keepdim=True) / n + self.e_lambda)) + 0.5
        return x * self.gate(energy)

    def extra_repr(self) -> str:
        return f"e_lambda={self.e_lambda:g}"


class SimAMAttention(SpecModel):
    """SimAM (Yang et al., ICML 2021): a parameter-free energy gate."""

    type: Annotated[Literal["simam"], Field(description=N_("SimAM parameter-free attention."))]
    e_lambda: Annotated[
        float,
        Field(
            gt=0.0,
            le=1.0,
            allow_inf_nan=False,
            description=N_("λ, the regulariser of the energy function (the paper's 1e-4)."),
        ),
    ] = 1e-4
    gate: GateField = "sigmoid"


def _work(sizes, n: int, c: int, h: int, w: int, extra: int) -> tuple[int, int]:
    """MACs and elementwise ops of the forward (no MACs: the module has no weights). Per
    element: the channel mean, x − μ, the square, the sum over H×W, the division, + 0.5, the
    gate and x ⊙ α; per channel: Σd / n, + λ and 4 · (…); and n = H·W − 1 itself, a multiply
    and a subtract of one element each (the trace records them when the map has more than one
    pixel; a 1×1 map uses the constant 1). No identity start (`extra` is 0)."""
    return 0, 8 * n * c * h * w + 3 * n * c + (2 if h * w > 1 else 0)


KIND = register_kind(
    AttentionKind(
        type="simam",
        options=SimAMAttention,
        module=SimAM,
        sizes=lambda c, spec: (),
        params=lambda c, spec: 0,
        label="SimAM",
        name="Simple Attention Module",
        description=N_("every neuron (channels and space), parameter-free"),
        citation="Yang et al., ICML 2021",
        traits=frozenset({"spatial", "parameter_free"}),
        order=70,
        detail=lambda spec: f"λ = {spec.e_lambda:g}",
        work=_work,
        keywords=("e_lambda", "gate"),
        identity_start=False,
    )
)
