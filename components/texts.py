"""Words the studio shows: the four patterns, the attention kinds, the families (docs/notes.md)."""

from __future__ import annotations

from resattn.attention import kinds
from schemas import (
    PATTERN_FORMULAS,
    SLOT_NAMES,
    SLOT_PATTERNS,
    SLOT_SYMBOLS,
    SLOTS,
)

#: slot → what NOTES §3 says about the pattern it makes (the words shared with the engine —
#: pattern code, slot symbol, formula — come from `schemas`; the explanations live here)
_EXPLAINED = {
    "branch": {
        "name": "attention inside the residual branch",
        "meaning": "The gate shapes F(x) only; the identity stays pure — the gradient's safety "
        "line. Simple and predictable (SE-/ECA-ResNet, most CBAM).",
        "when": "The default (notes §4): predictable, identity preserved, easy to debug.",
    },
    "post_add": {
        "name": "post-addition attention",
        "meaning": "The gate sees identity and transform together: stronger gating, but it "
        "also shapes the identity — risk of over-suppression of the free identity pass.",
        "when": "One-shot gating of the merged feature, shallow backbones — when you are sure "
        "it will not suppress the identity.",
    },
    "pre_residual": {
        "name": "pre-residual attention (gated input)",
        "meaning": "Filters what enters the branch: useful early (noise / background "
        "suppression) and in very light backbones; if A(x) learns badly, F learns less.",
        "when": "Conditioning the input, low-level noise suppression.",
    },
    "skip": {
        "name": "dual path / skip-aware",
        "meaning": "Most expressive: the identity is no longer pure. A_s is kept light and "
        "starts as an exact identity (gate ≡ 1), so the block starts as a plain residual block.",
        "when": "Research and ablations; needs careful init, learning rate and validation.",
    },
}

#: slot → {code, symbol, name, formula, meaning, when}
PATTERNS = {
    slot: {
        "code": SLOT_PATTERNS[slot],
        "symbol": SLOT_SYMBOLS[slot],
        "formula": PATTERN_FORMULAS[SLOT_PATTERNS[slot]],
        **text,
    }
    for slot, text in _EXPLAINED.items()
}

#: slots in the order the canvas and the keyboard path list them (data-flow order)

#: slot → where the gate sits, in words (the slot table's labels)
PLACES = {slot.name: slot.label for slot in SLOTS}

#: slot → the keyboard path's select label, e.g. "Before the branch — A_p (P3)"
SLOT_LABELS = {
    slot: f"{PLACES[slot].capitalize()} — {SLOT_SYMBOLS[slot]} ({SLOT_PATTERNS[slot]})"
    for slot in SLOT_NAMES
}

#: attention type → (chip label, full name, what it gates), from the kind records (palette order)
ATTENTION = {kind.type: (kind.label, kind.name, kind.description) for kind in kinds()}

FIRST_RULE = (
    "Attention is a **multiplicative gate**: it produces weights α and the feature it watches "
    "is **multiplied** by them — never *added* as `attention + F(x)`. In the default pattern the "
    "identity `x` never enters the attention: it travels on its own path straight to the add. "
    "Every diagram here draws attention as `⊗` (gate) and the residual join as `⊕` (add)."
)

#: SE paper (Hu et al., TPAMI), Table 14: SE placement in ResNet-50 on ImageNet (error %)
SE_EVIDENCE = [
    ("standard SE (in the branch, before the add)", "P1", 22.28, 6.03),
    ("SE-PRE (before the residual unit)", "P3", 22.23, 6.00),
    ("SE-POST (after the addition)", "P2", 22.78, 6.35),
    ("SE-Identity (on the identity path, in parallel)", "P4 (skip only)", 22.20, 6.15),
]
SE_BASELINE = (
    "Baseline ResNet-50: 23.30 / 6.55 top-1 / top-5 error (25.6M params, ~3.86 GFLOPs as the "
    "paper counts); SE-ResNet-50 with r = 16: 28.1M params."
)

COUNTING_RULES = (
    "**Counting rules.** *MACs* are the multiply-accumulates of conv / linear / matmul "
    '(fvcore\'s "flop"). *Elementwise ops* are the weight-free work fvcore skips — the gate '
    "multiply, sigmoid / hard-sigmoid, pooling, the residual add, norms. "
    "*FLOPs* = 2 × MACs + elementwise ops. Papers often quote MACs and call them FLOPs."
)
