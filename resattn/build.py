"""`build(spec)`: compile a spec into a `torch.nn.Module`."""

from __future__ import annotations

from typing import Any, Optional

import torch
from torch import nn

from resattn.fusion import build_block
from resattn.lint import ensure_buildable
from resattn.loading import load_spec
from resattn.networks import build_network
from schemas import BlockSpec


def build(spec: Any, *, device: Optional[torch.device | str] = None) -> nn.Module:
    """Compile a spec (anything `load_spec` accepts) into a module, in train mode.

    Refuses a design with linter errors (`DesignError`) before any tensor is made. Pass
    ``device="meta"`` to build without allocating memory (shapes and parameter counts only).
    """
    spec = load_spec(spec)
    ensure_buildable(spec)
    builder = build_block if isinstance(spec, BlockSpec) else build_network
    if device is None:
        return builder(spec)
    with torch.device(device):
        return builder(spec)


def count_params(module: nn.Module) -> int:
    """Number of parameters (BN running statistics are buffers and not counted)."""
    return sum(p.numel() for p in module.parameters())
