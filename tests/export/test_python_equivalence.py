"""Exported code ≡ built module (docs/design.md §7): property tests over the spec space.

Each hypothesis example is a *batch* of specs checked in one fresh interpreter that cannot see
`resattn` (see harness.py): same state_dict keys, outputs equal (atol 1e-6) in eval mode and in
train mode with the same seed (dropout), same BN running statistics after the train step.
"""

from __future__ import annotations

import copy
import itertools
import json
import tempfile
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from resattn.lint import lint
from schemas import SLOT_NAMES, SpecError, parse_spec
from tests import strategies
from tests.export.harness import Case, run_isolated
from tests.strategies import attention_dicts, block_dicts, block_fields, network_dicts

KINDS = strategies.KINDS  # every kind of the registry


def _check(dicts: list[dict], *, fold: bool = False) -> None:
    """One isolated run for the batch (duplicates dropped: hypothesis starts with a batch of
    identical minimal specs)."""
    unique = {json.dumps(d, sort_keys=True): d for d in dicts}.values()
    cases = [Case(parse_spec(d), fold, seed) for seed, d in enumerate(unique)]
    with tempfile.TemporaryDirectory() as tmp:
        run_isolated(cases, Path(tmp))


@settings(max_examples=5)
@given(st.lists(block_dicts(), min_size=12, max_size=12))
def test_exported_blocks_equal_the_library(dicts):
    _check(dicts)


@settings(max_examples=3)
@given(st.lists(network_dicts(), min_size=4, max_size=4))
def test_exported_networks_equal_the_library(dicts):
    _check(dicts)


@settings(max_examples=2)
@given(
    st.lists(block_dicts(), min_size=8, max_size=8),
    st.lists(network_dicts(), min_size=2, max_size=2),
)
def test_bn_folded_exports_equal_the_folded_module(blocks, networks):
    _check(blocks + networks, fold=True)


def _coverage_dicts() -> list[dict]:
    """Every attention kind in every slot, all four slots at once, both block types, preact,
    groups, stride 2 with every projection kind, dropout, hard-sigmoid gates."""
    out = []
    variants = itertools.cycle(
        [
            {"type": "basic", "out_channels": 8, "stride": 2, "preact": False, "dropout": 0.2},
            {"type": "bottleneck", "out_channels": 16, "stride": 2, "groups": 2, "preact": True},
            {"type": "bottleneck", "out_channels": 8, "stride": 1, "groups": 4, "base_width": 32},
            {"type": "basic", "out_channels": 4, "stride": 1, "preact": True, "dropout": 0.2},
        ]
    )
    shortcuts = itertools.cycle(["auto", "avgpool_conv1x1", "conv1x1"])
    gates = itertools.cycle(["sigmoid", "hard_sigmoid"])
    layouts = [{slot: kind} for slot in SLOT_NAMES for kind in strategies.slot_kinds(slot)]
    layouts += [dict.fromkeys(SLOT_NAMES, kind) for kind in KINDS]
    rotations = (KINDS[i:] + KINDS[:i] for i in range(len(KINDS)))
    layouts += [dict(zip(SLOT_NAMES, kinds, strict=False)) for kinds in rotations]
    for layout in layouts:
        # a kind that cannot start as an identity is refused on the skip (RA110)
        layout = {s: k for s, k in layout.items() if k in strategies.slot_kinds(s)}
        gate = next(gates)
        slots = {slot: {"type": kind, "gate": gate} for slot, kind in layout.items()}
        out.append(
            {
                "name": "Coverage",
                "input": {"channels": 4, "height": 7, "width": 5},
                "block": next(variants),
                "slots": slots,
                "shortcut": next(shortcuts),
            }
        )
    return out


def test_every_attention_kind_in_every_slot_and_in_combinations():
    _check(_coverage_dicts())


def test_every_attention_kind_in_every_slot_folded():
    _check(_coverage_dicts()[: 4 * len(KINDS)], fold=True)


# --- the reusable block class, built with arguments other than its defaults ------------------


@st.composite
def reuse_pairs(draw):
    """(design, target): two valid blocks of one family (type, pre-activation, skip kind, slot
    kinds, dropout or not, activation) that differ in sizes and options."""
    target = draw(block_dicts())
    design = copy.deepcopy(target)
    in_channels = draw(st.sampled_from([3, 4, 8, 16]))
    kind = target["block"]["type"]
    fields = draw(block_fields(in_channels).filter(lambda f: f["type"] == kind))
    design["input"]["channels"] = in_channels
    for key in ("out_channels", "stride", "expansion", "groups", "base_width"):
        if key in fields:
            design["block"][key] = fields[key]
    if target["shortcut"] == "identity":
        design["block"].update(out_channels=in_channels, stride=1)
    if target["block"]["dropout"] > 0:
        design["block"]["dropout"] = draw(st.sampled_from([0.1, 0.3]))
    design["zero_init_last_bn"] = draw(st.booleans())
    for slot, attn in target["slots"].items():
        if attn is not None:
            design["slots"][slot] = draw(attention_dicts((attn["type"],)))
    design["name"] = draw(st.sampled_from(["se_bottleneck", "my_block", "Wired"]))
    try:
        spec = parse_spec(design)
    except SpecError:
        assume(False)
    assume(not any(d.severity == "error" for d in lint(spec)))
    return design, target


@settings(max_examples=4, deadline=None)
@given(st.lists(reuse_pairs(), min_size=10, max_size=10), st.booleans())
def test_block_class_with_other_arguments_equals_the_library(pairs, fold):
    """`Class(**arguments of B)` from the export of design A equals resattn's build of B."""
    cases = [
        Case(parse_spec(target), fold, seed, reuse=parse_spec(design))
        for seed, (design, target) in enumerate(pairs)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        run_isolated(cases, Path(tmp))
