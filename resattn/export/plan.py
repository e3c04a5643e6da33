"""The plan of an export: every block's wiring and the constructor calls of its modules.

A block's *wiring* (projection or not, which slots are filled, ReLU after the add or not) is what
its `forward` depends on; blocks with equal wiring share one generated class. The modules
(branch, projection, attention) are constructor calls with resolved sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

from resattn.blocks import resolve_shortcut
from resattn.export.attention_code import attention_call
from resattn.export.codegen import Call, flag, num
from resattn.export.templates import BRANCHES, PROJECTIONS
from resattn.fusion import post_activation
from resattn.networks import expand_blocks
from schemas import BlockSpec, NetworkSpec, bottleneck_width


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
    """One block: its spec, wiring and the constructor arguments of its modules."""

    spec: BlockSpec
    wiring: Wiring
    modules: tuple[tuple[str, Call], ...]  # (attribute, constructor call) in BLOCK_ATTRS order


def plan_block(spec: BlockSpec, *, fold: bool, dropout_helpers: set) -> BlockPlan:
    block, c_in, c_out = spec.block, spec.input.channels, spec.block.out_channels
    kind = resolve_shortcut(spec.shortcut, c_in, c_out, block.stride)
    filled = tuple(name for name, value in spec.slots.items() if value is not None)
    wiring = Wiring(kind != "identity", filled, post_activation(spec))
    calls = {"branch": branch_call(spec, fold=fold, dropout_helpers=dropout_helpers)}
    if wiring.shortcut:
        helper = PROJECTIONS[projection_key(spec)]
        calls["shortcut"] = Call(
            helper.name, [num(c_in), num(c_out)], [("stride", num(block.stride))]
        )
    for slot in filled:
        channels = c_in if slot == "pre_residual" else c_out  # notes §12.1
        calls[SLOTS[slot].attr] = attention_call(
            getattr(spec.slots, slot), channels, identity_start=slot == "skip"
        )
    return BlockPlan(spec, wiring, tuple((a, calls[a]) for a in BLOCK_ATTRS if a in calls))


def projection_key(spec: BlockSpec) -> tuple[bool, bool]:
    """(average-pool first, BN after the conv) of the block's projection (notes §12.2)."""
    block = spec.block
    kind = resolve_shortcut(spec.shortcut, spec.input.channels, block.out_channels, block.stride)
    return kind == "avgpool_conv1x1" and block.stride > 1, not block.preact


def branch_call(spec: BlockSpec, *, fold: bool, dropout_helpers: set) -> Call:
    block = spec.block
    key = (block.type, block.preact)
    sizes = [spec.input.channels, block.out_channels]
    kwargs = [("stride", num(block.stride))]
    if block.type == "bottleneck":
        sizes.insert(1, bottleneck_width(block))
        kwargs.append(("groups", num(block.groups)))
    kwargs += [("dropout", num(block.dropout))] if key in dropout_helpers else []
    kwargs += [] if fold else [("zero_init", flag(spec.zero_init_last_bn))]
    return Call(BRANCHES[key].name, [num(n) for n in sizes], kwargs)


def block_plans(spec, *, fold: bool) -> tuple[list[BlockPlan], set]:
    """The plan of every block of a block or network spec, and the branch helpers (keys of
    `BRANCHES`) that need a dropout parameter."""
    if isinstance(spec, NetworkSpec):
        block_specs = [b.spec for b in expand_blocks(spec)]
    else:
        block_specs = [spec]
    dropout_helpers = {(b.block.type, b.block.preact) for b in block_specs if b.block.dropout > 0}
    plans = [plan_block(b, fold=fold, dropout_helpers=dropout_helpers) for b in block_specs]
    return plans, dropout_helpers
