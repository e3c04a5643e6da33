"""Attention modules, one file per paper, all registered in `ATTENTION` by spec `type`.

Every module is a gate: ``A(z) = z ⊙ α(z)`` — nothing is ever added to the feature (notes,
first rule).
"""

from resattn.attention import cbam, coord, eca, se  # noqa: F401  (registration)
from resattn.attention.cbam import CBAM
from resattn.attention.coord import CoordAttention
from resattn.attention.eca import EfficientChannelAttention, eca_kernel_size
from resattn.attention.gate import Gate
from resattn.attention.registry import ATTENTION, attention_params, build_attention
from resattn.attention.se import SqueezeExcite

__all__ = [
    "ATTENTION",
    "CBAM",
    "CoordAttention",
    "EfficientChannelAttention",
    "Gate",
    "SqueezeExcite",
    "attention_params",
    "build_attention",
    "eca_kernel_size",
]
