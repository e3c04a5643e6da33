"""The words every diagram uses for attention kinds and slots, read in one place.

Per-kind and per-slot facts (label, pattern, symbol) come from the schema — the kinds' labels
and the one slot table (`schemas.slots`) — through these functions only.
"""

from __future__ import annotations

from resattn.i18n import _
from schemas import ATTENTION_LABELS, SLOT, SLOTS

#: gate kind → how a diagram names it when it is not the default sigmoid
GATE_WORDS = {"hard_sigmoid": "hard-sigmoid"}


def attention_label(attn) -> str:
    """``SE``, or ``SE (hard-sigmoid)`` when the gate is not the default sigmoid."""
    label = ATTENTION_LABELS[attn.type]
    gate = GATE_WORDS.get(getattr(attn, "gate", "sigmoid"))
    return f"{label} ({gate})" if gate else label


def slot_pattern(slot: str) -> str:
    """``P1`` for ``branch`` (notes §3)."""
    return SLOT[slot].pattern


def slot_symbol(slot: str) -> str:
    """``A_r`` for ``branch``."""
    return SLOT[slot].symbol


def slot_of_symbol(symbol: str) -> str:
    """``branch`` for ``A_r``."""
    return next(s.name for s in SLOTS if s.symbol == symbol)


def pattern_text(slots) -> str:
    """``P1 + P4 (branch: SE, skip: ECA)``, or ``no attention``."""
    filled = slots.filled()
    if not filled:
        return _("no attention")
    where = ", ".join(f"{s}: {attention_label(a)}" for s, a in filled.items())
    return f"{' + '.join(slot_pattern(s) for s in filled)} ({where})"
