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
from resattn.fusion import BLOCK_MODULES, post_activation
from resattn.layers import LayerTable
from resattn.networks import expand_blocks
from schemas import SLOT, BlockSpec, NetworkSpec

#: module attributes of a block, in the library's registration (= state_dict) order
BLOCK_ATTRS = tuple(attr for attr, _ in BLOCK_MODULES)


@dataclass(frozen=True)
class Wiring:
    """What a block class's `forward` depends on; blocks with equal wiring share a class."""

    shortcut: bool
    slots: tuple[str, ...]  # filled slots, data-flow order
    post_act: bool

    @property
    def class_name(self) -> str:
        codes = "".join(SLOT[s].pattern for s in self.slots)
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
    for name in filled:
        slot = SLOT[name]
        calls[slot.attr] = attention_call(
            getattr(spec.slots, name),
            slot.channels(c_in, c_out),  # notes §12.1
            identity_start=slot.identity_start,
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
