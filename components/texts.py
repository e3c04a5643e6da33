"""Words the studio shows: the four patterns, the attention kinds, the families (NOTES.md)."""

from __future__ import annotations

#: slot → what NOTES §3 says about the pattern it makes
PATTERNS = {
    "branch": {
        "code": "P1",
        "symbol": "A_r",
        "name": "attention inside the residual branch",
        "formula": "y = x + A(F(x))",
        "meaning": "The gate shapes F(x) only; the identity stays pure — the gradient's safety "
        "line. Simple and predictable (SE-/ECA-ResNet, most CBAM).",
        "when": "The default (notes §4): predictable, identity preserved, easy to debug.",
    },
    "post_add": {
        "code": "P2",
        "symbol": "A_o",
        "name": "post-addition attention",
        "formula": "y = A(x + F(x))",
        "meaning": "The gate sees identity and transform together: stronger gating, but it "
        "also shapes the identity — risk of over-suppression of the free identity pass.",
        "when": "One-shot gating of the merged feature, shallow backbones — when you are sure "
        "it will not suppress the identity.",
    },
    "pre_residual": {
        "code": "P3",
        "symbol": "A_p",
        "name": "pre-residual attention (gated input)",
        "formula": "y = x + F(A(x))",
        "meaning": "Filters what enters the branch: useful early (noise / background "
        "suppression) and in very light backbones; if A(x) learns badly, F learns less.",
        "when": "Conditioning the input, low-level noise suppression.",
    },
    "skip": {
        "code": "P4",
        "symbol": "A_s",
        "name": "dual path / skip-aware",
        "formula": "y = A_s(x) + A_r(F(x))",
        "meaning": "Most expressive: the identity is no longer pure. A_s is kept light and "
        "starts as an exact identity (gate ≡ 1), so the block starts as a plain residual block.",
        "when": "Research and ablations; needs careful init, learning rate and validation.",
    },
}

#: slots in the order the canvas and the keyboard path list them
SLOT_ORDER = ("pre_residual", "branch", "skip", "post_add")

SLOT_LABELS = {
    "pre_residual": "Before the branch — A_p (P3)",
    "branch": "In the branch — A_r (P1)",
    "skip": "On the skip — A_s (P4)",
    "post_add": "After the add — A_o (P2)",
}

#: attention type → (chip label, full name, what it gates)
ATTENTION = {
    "se": ("SE", "Squeeze-and-Excitation", "channels"),
    "eca": ("ECA", "Efficient Channel Attention", "channels"),
    "cbam": ("CBAM", "Convolutional Block Attention Module", "channels, then space"),
    "coord": ("CA", "Coordinate Attention", "channels, position-aware (H and W)"),
}

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
