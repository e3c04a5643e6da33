"""The slot-wired residual block every design compiles to (docs/design.md §1):

    y = act( A_o( A_s(P(x)) + A_r(F(A_p(x))) ) )

The slots, their attributes and the channels each sees are the rows of `schemas.slots.SLOTS`:
`pre_residual` = A_p (P3), `branch` = A_r (P1), `post_add` = A_o (P2), `skip` = A_s (P4). Each
attention is built for the channels it sees: A_p on the input channels, the others on the output
channels (A_s sits after the projection P; notes §12.1).
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from resattn.attention import build_attention
from resattn.blocks import build_branch, build_shortcut
from schemas import SLOT, SLOTS

#: module attributes of a block, in registration (= state_dict) order: each gate beside the part
#: it gates
BLOCK_MODULES = (
    (SLOT["pre_residual"].attr, "A_p"),
    ("branch", "F"),
    (SLOT["branch"].attr, "A_r"),
    ("shortcut", "P"),
    (SLOT["skip"].attr, "A_s"),
    (SLOT["post_add"].attr, "A_o"),
)


class ResidualAttentionBlock(nn.Module):
    """A residual block with up to four attention gates; empty slots are None (identity)."""

    def __init__(
        self,
        branch: nn.Module,
        shortcut: Optional[nn.Module] = None,
        attn_pre: Optional[nn.Module] = None,
        attn_branch: Optional[nn.Module] = None,
        attn_skip: Optional[nn.Module] = None,
        attn_post: Optional[nn.Module] = None,
        post_act: bool = True,
    ):
        super().__init__()
        self.attn_pre = attn_pre
        self.branch = branch
        self.attn_branch = attn_branch
        self.shortcut = shortcut
        self.attn_skip = attn_skip
        self.attn_post = attn_post
        self.act = nn.ReLU() if post_act else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The identity travels on its own path straight to the add (notes, first rule).
        identity = x if self.shortcut is None else self.shortcut(x)
        if self.attn_skip is not None:
            identity = self.attn_skip(identity)  # P4: A_s starts as an exact identity
        out = x if self.attn_pre is None else self.attn_pre(x)  # P3: gate the input of F
        out = self.branch(out)
        if self.attn_branch is not None:
            out = self.attn_branch(out)  # P1: gate F(x) only
        out = out + identity
        if self.attn_post is not None:
            out = self.attn_post(out)  # P2: gate the sum
        if self.act is not None:
            out = self.act(out)
        return out


def post_activation(spec) -> bool:
    """Family-correct post-add activation: ReLU unless pre-activation (notes §12.3)."""
    if spec.post_add_activation is None:
        return not spec.block.preact
    return spec.post_add_activation == "relu"


def build_block(spec) -> ResidualAttentionBlock:
    """Build the block of a (valid, lint-clean) `BlockSpec`."""
    in_c, out_c = spec.input.channels, spec.block.out_channels
    # Built in this order — branch, shortcut, then the slots in data-flow order — as the
    # exported `build_model()` builds them, so one seed gives both the same initial weights.
    branch = build_branch(in_c, spec.block, spec.zero_init_last_bn)
    shortcut = build_shortcut(spec.shortcut, in_c, out_c, spec.block.stride, spec.block.preact)
    attention = {
        slot.attr: build_attention(
            getattr(spec.slots, slot.name),
            slot.channels(in_c, out_c),
            identity_start=slot.identity_start,
        )
        for slot in SLOTS
    }
    return ResidualAttentionBlock(
        branch=branch,
        shortcut=shortcut,
        post_act=post_activation(spec),
        **attention,
    )
