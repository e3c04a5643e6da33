"""The registry of attention kinds: spec `type` → factory building the module for C channels.

Every factory has the signature ``factory(channels, spec, identity_start=False) -> nn.Module``
and resolves the spec's conventions (hidden widths, kernel sizes) into plain sizes, so the
module classes themselves take only resolved numbers (and read like the papers).
"""

from __future__ import annotations

from typing import Optional

from fvcore.common.registry import Registry
from torch import nn


class KindRegistry(Registry):
    """fvcore's registry whose lookup error lists the valid names."""

    def get(self, name: str):
        if name not in self:
            raise KeyError(f"unknown {self._name} kind {name!r}; valid: {', '.join(self.names())}")
        return super().get(name)

    def names(self) -> list[str]:
        return sorted(self._obj_map)


ATTENTION = KindRegistry("attention")
ATTENTION.__doc__ = "Attention kinds by spec `type`: se, eca, cbam, coord."


def build_attention(spec, channels: int, *, identity_start: bool = False) -> Optional[nn.Module]:
    """The attention module of a slot, built for the `channels` it sees; None for an empty slot."""
    if spec is None:
        return None
    return ATTENTION.get(spec.type)(channels, spec, identity_start=identity_start)


def attention_params(spec, channels: int) -> int:
    """Parameter count of an attention module by its documented formula (no module is built)."""
    if spec is None:
        return 0
    return ATTENTION.get(spec.type).param_formula(channels, spec)
