"""The four attention slots of the block, one row each — every other list of slots derives from
this table (docs/design.md §1):

    y = act( A_o( A_s(P(x)) + A_r(F(A_p(x))) ) )

A row says the slot's spec field, the block attribute that holds its module (the state_dict
prefix), its symbol in the formula above, the pattern of notes §3 it makes, which channels the
attention sees (notes §12.1: the block's input for A_p, its output for the others — A_s sits
after the projection P), whether it starts as an exact identity (notes §3 P4, §6), and how the
studio names it. The rows are in data-flow order.

The label, summary and description are catalog messages in English (marked, not translated
here): whoever shows one translates it then, ``_(slot.label)``, in the language of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from resattn.i18n import N_


@dataclass(frozen=True)
class Slot:
    """One attention slot of the block (see the module docstring)."""

    name: str
    attr: str
    symbol: str
    pattern: str
    sees: Literal["input", "output"]
    identity_start: bool
    label: str
    summary: str
    description: str

    def channels(self, in_channels: int, out_channels: int) -> int:
        """The channels the attention in this slot is built for (notes §12.1)."""
        return in_channels if self.sees == "input" else out_channels


SLOTS: tuple[Slot, ...] = (
    Slot(
        "pre_residual",
        "attn_pre",
        "A_p",
        "P3",
        "input",
        False,
        N_("before the branch"),
        N_("pre-residual attention (gated input): filters what enters F"),
        N_(
            "A_p, before the branch (pattern P3, y = x + F(A(x))): gates what enters the branch. "
            "Built for the block's input channels."
        ),
    ),
    Slot(
        "branch",
        "attn_branch",
        "A_r",
        "P1",
        "output",
        False,
        N_("in the branch"),
        N_("attention inside the residual branch: the identity stays pure"),
        N_(
            "A_r, at the end of the branch (pattern P1, y = x + A(F(x))): the safe default; the "
            "identity stays pure."
        ),
    ),
    Slot(
        "skip",
        "attn_skip",
        "A_s",
        "P4",
        "output",
        True,
        N_("on the skip"),
        N_("skip-aware attention: A_s gates the skip and starts as an identity"),
        N_(
            "A_s, on the skip after any projection (pattern P4, y = A_s(x) + A_r(F(x))): starts as "
            "an exact identity (gate ≡ 1 at init)."
        ),
    ),
    Slot(
        "post_add",
        "attn_post",
        "A_o",
        "P2",
        "output",
        False,
        N_("after the add"),
        N_("post-addition attention: gates identity and F(x) together"),
        N_(
            "A_o, after the add (pattern P2, y = A(x + F(x))): gates identity and branch together; "
            "risk of over-suppression."
        ),
    ),
)

#: slot name → its row
SLOT = {slot.name: slot for slot in SLOTS}

#: the slot names, in data-flow order
SLOT_NAMES = tuple(slot.name for slot in SLOTS)

#: slot → the pattern of notes §3 it makes
SLOT_PATTERNS = {slot.name: slot.pattern for slot in SLOTS}

#: slot → its symbol in y = act(A_o(A_s(P(x)) + A_r(F(A_p(x))))) (docs/design.md §1)
SLOT_SYMBOLS = {slot.name: slot.symbol for slot in SLOTS}

#: block attribute → slot name
SLOT_OF_ATTR = {slot.attr: slot.name for slot in SLOTS}

#: pattern → its formula (notes §3)
PATTERN_FORMULAS = {
    "P1": "y = x + A(F(x))",
    "P2": "y = A(x + F(x))",
    "P3": "y = x + F(A(x))",
    "P4": "y = A_s(x) + A_r(F(x))",
}
