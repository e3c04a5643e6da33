"""Attention module specs (spec v1): the union of gates a slot may hold, discriminated on `type`.

Defaults follow the papers and timm's conventions; `resattn.attention` documents the exact
formulas each module uses.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import Field, create_model, field_validator

from schemas.common import SpecModel
from schemas.slots import PATTERN_FORMULAS, SLOT_NAMES, SLOT_PATTERNS, SLOT_SYMBOLS, SLOTS  # noqa: F401

Gate = Annotated[
    Literal["sigmoid", "hard_sigmoid"],
    Field(
        description=(
            "The squashing function that turns scores into gate weights α: 'sigmoid' (default) or "
            "'hard_sigmoid' (ReLU6(x+3)/6, cheaper on mobile hardware)."
        )
    ),
]


class SEAttention(SpecModel):
    """Squeeze-and-Excitation (Hu et al., CVPR 2018): global average pool → MLP → channel gate."""

    type: Annotated[Literal["se"], Field(description="Squeeze-and-Excitation channel attention.")]
    reduction: Annotated[
        int,
        Field(
            ge=1,
            le=1024,
            description="Reduction ratio r of the MLP: hidden = max(divisor, C/r rounded to a "
            "multiple of divisor). The paper's default is 16.",
        ),
    ] = 16
    divisor: Annotated[
        int,
        Field(ge=1, le=256, description="The hidden width is a multiple of this (timm uses 8)."),
    ] = 8
    gate: Gate = "sigmoid"


class ECAAttention(SpecModel):
    """Efficient Channel Attention (Wang et al., CVPR 2020): pool → 1-D conv across channels."""

    type: Annotated[Literal["eca"], Field(description="Efficient Channel Attention.")]
    kernel_size: Annotated[
        Optional[int],
        Field(
            ge=1,
            le=31,
            description="Odd size of the 1-D conv across channels, or null for the paper's "
            "adaptive size from C (γ=2, b=1: C=64→3, 128…1024→5, 2048→7).",
        ),
    ] = None
    gate: Gate = "sigmoid"

    @field_validator("kernel_size")
    @classmethod
    def _odd(cls, value: Optional[int]) -> Optional[int]:
        if value is not None and value % 2 == 0:
            raise ValueError(f"must be odd so the conv keeps C channels (got {value})")
        return value


class CBAMAttention(SpecModel):
    """Convolutional Block Attention Module (Woo et al., ECCV 2018): channel then spatial gate."""

    type: Annotated[Literal["cbam"], Field(description="CBAM: channel gate then spatial gate.")]
    reduction: Annotated[
        int,
        Field(
            ge=1,
            le=1024,
            description="Reduction ratio of the shared channel MLP: hidden = max(1, C // r).",
        ),
    ] = 16
    spatial_kernel: Annotated[
        int,
        Field(
            ge=1,
            le=15,
            description="Odd kernel size of the spatial conv over [mean, max] channel pools "
            "(the paper's default is 7).",
        ),
    ] = 7
    gate: Gate = "sigmoid"

    @field_validator("spatial_kernel")
    @classmethod
    def _odd(cls, value: int) -> int:
        if value % 2 == 0:
            raise ValueError(f"must be odd so the map keeps its size (got {value})")
        return value


class CoordAttention(SpecModel):
    """Coordinate Attention (Hou et al., CVPR 2021): pools along H and along W separately."""

    type: Annotated[
        Literal["coord"], Field(description="Coordinate Attention (position-aware channel gate).")
    ]
    reduction: Annotated[
        int,
        Field(
            ge=1,
            le=1024,
            description="Reduction ratio: hidden = max(min_channels, C // reduction). Paper: 32.",
        ),
    ] = 32
    min_channels: Annotated[
        int, Field(ge=1, le=1024, description="Lower bound of the hidden width (paper: 8).")
    ] = 8
    gate: Gate = "sigmoid"


AttentionSpec = Annotated[
    Union[SEAttention, ECAAttention, CBAMAttention, CoordAttention],
    Field(discriminator="type"),
]

#: attention `type` → its spec model
ATTENTION_MODELS = {
    "se": SEAttention,
    "eca": ECAAttention,
    "cbam": CBAMAttention,
    "coord": CoordAttention,
}

SlotAttention = Annotated[
    Optional[AttentionSpec],
    Field(description="The attention gate in this slot, or null for none (identity)."),
]


class _SlotsBase(SpecModel):
    """Where attention sits in the block (docs/design.md §1, notes §3). Empty slots are
    identities; the fields are the rows of `schemas.slots.SLOTS`, in data-flow order."""

    def filled(self) -> dict[str, object]:
        """The slots that hold attention, in data-flow order."""
        return {k: v for k, v in self.items() if v is not None}

    def items(self):
        return [(name, getattr(self, name)) for name in SLOT_NAMES]


Slots = create_model(
    "Slots",
    __base__=_SlotsBase,
    __module__=__name__,
    **{
        slot.name: (
            Annotated[Optional[AttentionSpec], Field(description=slot.description)],
            None,
        )
        for slot in SLOTS
    },
)
Slots.__doc__ = _SlotsBase.__doc__

# The words every view uses (diagrams, linter, lab, studio) — defined once, here.

#: attention `type` → its short label (CA = Coordinate Attention)
ATTENTION_LABELS = {"se": "SE", "eca": "ECA", "cbam": "CBAM", "coord": "CA"}

#: attention `type` → the paper's name for it
ATTENTION_NAMES = {
    "se": "Squeeze-and-Excitation",
    "eca": "Efficient Channel Attention",
    "cbam": "Convolutional Block Attention Module",
    "coord": "Coordinate Attention",
}

#: attention kinds that gate H×W as well as channels: the heavy ones of notes §11, §12.4
SPATIAL_TYPES = frozenset({"cbam", "coord"})
