"""Attention module specs (spec v1): the union of gates a slot may hold, discriminated on `type`.

The options model of each kind lives beside its module, in ``resattn/attention/<kind>.py``, with
the kind's record (`resattn.attention.registry`); this module derives the union, the slots model
and the words every view uses from the registry, so a new kind is one new file. Defaults follow
the papers and timm's conventions; each kind's file documents the exact formulas it uses.
"""

from __future__ import annotations

from typing import Annotated, Optional, Union

from pydantic import Field, create_model

from resattn.attention.registry import kinds
from resattn.i18n import N_
from schemas.common import Gate, SpecModel  # noqa: F401  (Gate: the gate field, re-exported)
from schemas.slots import (  # noqa: F401  (re-exported: the slot table's views)
    PATTERN_FORMULAS,
    SLOT_NAMES,
    SLOT_PATTERNS,
    SLOT_SYMBOLS,
    SLOTS,
)

_KINDS = kinds()

#: attention `type` → its spec model (palette order)
ATTENTION_MODELS = {kind.type: kind.options for kind in _KINDS}

AttentionSpec = Annotated[
    Union[tuple(ATTENTION_MODELS.values())],
    Field(discriminator="type"),
]

SlotAttention = Annotated[
    Optional[AttentionSpec],
    Field(description=N_("The attention gate in this slot, or null for none (identity).")),
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

# The words every view uses (diagrams, linter, lab, studio), read from the kind records.

#: attention `type` → its short label (CA = Coordinate Attention)
ATTENTION_LABELS = {kind.type: kind.label for kind in _KINDS}

#: attention `type` → the paper's name for it
ATTENTION_NAMES = {kind.type: kind.name for kind in _KINDS}

#: attention kinds that gate H×W as well as channels (notes §5, §9, §11)
SPATIAL_TYPES = frozenset(kind.type for kind in _KINDS if kind.spatial)

#: the heavy kinds of notes §12.4 (compute that grows with every block)
HEAVY_TYPES = frozenset(kind.type for kind in _KINDS if kind.heavy)

SEAttention = ATTENTION_MODELS["se"]
ECAAttention = ATTENTION_MODELS["eca"]
CBAMAttention = ATTENTION_MODELS["cbam"]
CoordAttention = ATTENTION_MODELS["coord"]
