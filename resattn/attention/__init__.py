"""Attention modules, one file per paper, each with the record of its kind (`registry`).

Every module is a gate: ``A(z) = z ⊙ α(z)`` — nothing is ever added to the feature (notes,
first rule). Importing this package imports every kind file (`registry.discover`).
"""

import schemas  # noqa: F401  (first: the spec models derive from the kinds this package loads)
from resattn.attention.cbam import CBAM
from resattn.attention.coord import CoordAttention
from resattn.attention.eca import EfficientChannelAttention, eca_kernel_size
from resattn.attention.gate import Gate
from resattn.attention.registry import (
    ATTENTION,
    AttentionKind,
    attention_params,
    build_attention,
    discover,
    kind_of,
    kinds,
)
from resattn.attention.se import SqueezeExcite

discover()

__all__ = [
    "ATTENTION",
    "AttentionKind",
    "CBAM",
    "CoordAttention",
    "EfficientChannelAttention",
    "Gate",
    "SqueezeExcite",
    "attention_params",
    "build_attention",
    "eca_kernel_size",
    "kind_of",
    "kinds",
]
