"""The plan of an export: every block's wiring and the constructor calls of its modules.

A block's *wiring* (projection or not, which slots are filled, ReLU after the add or not) is what
its `forward` depends on; blocks with equal wiring share one generated class. The modules
(branch, projection, attention) are constructor calls with resolved sizes; the branch and the
projection are the library's layer tables (`resattn.layers`), called as exported helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from resattn.blocks import branch_table, shortcut_table
from resattn.export.attention_code import attention_call
from resattn.export.codegen import Call
from resattn.export.helpers import helper_call
from resattn.fusion import post_activation
from resattn.layers import LayerTable
from resattn.networks import expand_blocks
from schemas import BlockSpec, NetworkSpec


@dataclass(frozen=True)
class SlotInfo:
    attr: str  # the block's attribute (state_dict prefix)
    pattern: str  # notes §3 pattern number
    summary: str


#: slot → how it shows up in the block class (data-flow order of `SLOT_NAMES`)
SLOTS = {
    "pre_residual": SlotInfo(
        "attn_pre", "P3", "pre-residual attention (gated input): filters what enters F"
    ),
    "branch": SlotInfo(
        "attn_branch", "P1", "attention inside the residual branch: the identity stays pure"
    ),
    "skip": SlotInfo(
        "attn_skip", "P4", "skip-aware attention: A_s gates the skip and starts as an identity"
    ),
    "post_add": SlotInfo(
        "attn_post", "P2", "post-addition attention: gates identity and F(x) together"
    ),
}

#: module attributes of a block, in the library's registration (= state_dict) order
BLOCK_ATTRS = ("attn_pre", "branch", "attn_branch", "shortcut", "attn_skip", "attn_post")


@dataclass(frozen=True)
class Wiring:
    """What a block class's `forward` depends on; blocks with equal wiring share a class."""

    shortcut: bool
    slots: tuple[str, ...]  # filled slots, data-flow order
    post_act: bool

    @property
    def class_name(self) -> str:
        codes = "".join(SLOTS[s].pattern for s in self.slots)
        return f"Block{'Proj' if self.shortcut else ''}{codes}{'' if self.post_act else 'NoAct'}"


@dataclass(frozen=True)
class BlockPlan:
    """One block: its spec, wiring, layer tables and the constructor calls of its modules."""

    spec: BlockSpec
    wiring: Wiring
    branch: LayerTable
    shortcut: Optional[LayerTable]  # None: identity skip
    modules: tuple[tuple[str, Call], ...]  # (attribute, constructor call) in BLOCK_ATTRS order


def plan_block(spec: BlockSpec, *, fold: bool, dropout_helpers: set[str]) -> BlockPlan:
    block, c_in, c_out = spec.block, spec.input.channels, spec.block.out_channels
    branch, values = branch_table(c_in, block)
    projection = shortcut_table(spec.shortcut, c_in, c_out, block.stride, block.preact)
    filled = tuple(name for name, value in spec.slots.items() if value is not None)
    wiring = Wiring(projection is not None, filled, post_activation(spec))
    calls = {
        "branch": helper_call(
            branch,
            values,
            fold=fold,
            optional=branch.name in dropout_helpers,
            zero_init=spec.zero_init_last_bn,
        )
    }
    if projection is not None:
        calls["shortcut"] = helper_call(*projection, fold=fold, optional=False)
    for slot in filled:
        channels = c_in if slot == "pre_residual" else c_out  # notes §12.1
        calls[SLOTS[slot].attr] = attention_call(
            getattr(spec.slots, slot), channels, identity_start=slot == "skip"
        )
    modules = tuple((a, calls[a]) for a in BLOCK_ATTRS if a in calls)
    shortcut = None if projection is None else projection[0]
    return BlockPlan(spec, wiring, branch, shortcut, modules)


def block_plans(spec, *, fold: bool) -> tuple[list[BlockPlan], set[str]]:
    """The plan of every block of a block or network spec, and the branch helpers (by name)
    that need their dropout parameter."""
    if isinstance(spec, NetworkSpec):
        block_specs = [b.spec for b in expand_blocks(spec)]
    else:
        block_specs = [spec]
    dropout_helpers = {
        branch_table(b.input.channels, b.block)[0].name for b in block_specs if b.block.dropout > 0
    }
    plans = [plan_block(b, fold=fold, dropout_helpers=dropout_helpers) for b in block_specs]
    return plans, dropout_helpers
