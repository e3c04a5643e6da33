"""Ablation variants: the right slots filled with the right attention, for both block types, every
attention type, networks (per stage) and user-added variants."""

from __future__ import annotations

import pytest
from hypothesis import given

import schemas
from resattn.build import build
from resattn.lab.ablate import design_errors
from resattn.lab.variants import (
    PATTERNS,
    make_variants,
    parse_choice,
    resolve_attention,
    spec_attention,
)
from resattn.loading import load_spec
from schemas import ATTENTION_MODELS, SLOT_NAMES, SpecError, parse_spec
from tests.strategies import block_specs, network_specs, slot_kinds

#: the kinds every pattern can hold (P4's skip refuses a kind with no identity start, RA110;
#: how the lab's variants treat such a kind is the lab's to decide)
TYPES = slot_kinds("skip")


def _block(kind: str, slots: dict | None = None):
    block = {"type": kind, "out_channels": 16}
    if kind == "bottleneck":
        block["expansion"] = 4
    return parse_spec(
        {"input": {"channels": 16, "height": 8, "width": 8}, "block": block, "slots": slots or {}}
    )


def _filled(slots) -> dict:
    return {name: a for name, a in slots.items() if a is not None}


@pytest.mark.parametrize("kind", ["basic", "bottleneck"])
@pytest.mark.parametrize("attention_type", TYPES)
def test_default_variants_fill_each_patterns_slots(kind, attention_type):
    spec = _block(kind)
    variants = make_variants(spec, attention_type=attention_type)
    label = schemas.ATTENTION_LABELS[attention_type]
    assert [v.name for v in variants] == ["baseline"] + [f"{label}-P{i}" for i in range(1, 5)]
    expected = {
        "baseline": set(),
        "P1": {"branch"},
        "P2": {"post_add"},
        "P3": {"pre_residual"},
        "P4": {"skip", "branch"},
    }
    for v in variants:
        filled = _filled(v.spec.slots)
        assert set(filled) == expected[v.pattern], v.name
        assert all(a.type == attention_type for a in filled.values())
        assert all(
            a == ATTENTION_MODELS[attention_type](type=attention_type) for a in filled.values()
        )
        # Everything but the slots is the design's own.
        assert v.spec.block == spec.block and v.spec.input == spec.input
        errors = design_errors(v.spec)
        if errors:  # a kind the linter keeps off a slot: the ablation refuses that variant
            assert v.pattern == "P4" and all(d.path.startswith("slots.skip") for d in errors)
        else:
            build(v.spec)  # every other variant builds


def test_the_designs_first_attention_and_its_settings_are_the_default():
    se = {"type": "se", "reduction": 4, "divisor": 4, "gate": "hard_sigmoid"}
    spec = _block("basic", {"post_add": {"type": "eca", "kernel_size": 5}, "pre_residual": se})
    assert spec_attention(spec).type == "se"  # data-flow order: pre_residual comes first
    *generated, design = make_variants(spec)
    for v in generated[1:]:
        assert all(a == spec.slots.pre_residual for a in _filled(v.spec.slots).values())
    # The design mixes kinds, so no pattern is it: it is a variant of its own, as it is.
    assert design.name == "your design" and design.spec == spec and design.is_design
    assert design.attention_type == "eca+se" and design.pattern == "design"
    # Asking for the type the design has keeps its settings; another type gets its defaults.
    assert resolve_attention(spec, "se") == spec.slots.pre_residual
    assert resolve_attention(spec, "cbam") == ATTENTION_MODELS["cbam"](type="cbam")
    assert resolve_attention(_block("basic"), None).type == "se"  # no attention → SE defaults


def test_user_variants_add_other_attention_types_and_drop_duplicates():
    spec = load_spec("preset:se_bottleneck")
    variants = make_variants(spec, ["baseline", "P1", "cbam:P1", "coord:P4", "P1"])
    assert [v.name for v in variants] == ["baseline", "SE-P1", "CBAM-P1", "CA-P4"]
    # SE-P1 is the design itself: marked, not trained twice.
    assert [v.is_design for v in variants] == [False, True, False, False]
    assert variants[1].label == "SE-P1 (your design)"
    assert [v.key for v in variants] == ["baseline", "P1", "cbam:P1", "coord:P4"]
    assert variants[2].spec.slots.branch.type == "cbam"
    assert {a.type for a in _filled(variants[3].spec.slots).values()} == {"coord"}


def test_networks_choose_attention_per_stage():
    net = load_spec("preset:resnet18")
    everywhere, deep, design = make_variants(net, ["P1", "P1@3,4"], "eca")
    assert design.name == "your design" and design.spec == net
    assert all(s.slots.branch.type == "eca" for s in everywhere.spec.stages)
    assert [s.slots.branch is not None for s in deep.spec.stages] == [False, False, True, True]
    assert deep.name == "ECA-P1@3,4" and deep.key == "P1@3,4"
    with pytest.raises(SpecError, match="stage"):
        make_variants(net, ["P1@5"])
    with pytest.raises(SpecError, match="no stages"):
        make_variants(load_spec("preset:basic_block"), ["P1@1"])


@pytest.mark.parametrize("text", ["P5", "foo:P1", "P1@", "P1@,", "", "se:P1:P2"])
def test_unreadable_choices_are_spec_errors(text):
    with pytest.raises(SpecError):
        parse_choice(text)


def test_choice_keys_round_trip():
    for text in ["baseline", "P1", "cbam:P2", "P3@1,2", "eca:P4@2"]:
        assert parse_choice(text).key == text
    assert parse_choice("p1").pattern == "P1"


@given(block_specs())
def test_every_block_of_the_spec_space_gives_buildable_variants(spec):
    choices = ["baseline", "P1", "P2", "P3", "P4", "cbam:P1", "eca:P2", "coord:P3", "se:P4"]
    variants = make_variants(spec, choices)
    assert sum(v.is_design for v in variants) == 1  # the design is always one of them
    for v in variants:
        if v.is_design:
            assert v.spec == spec
        if v.pattern != "design":
            assert set(_filled(v.spec.slots)) == set(PATTERNS[v.pattern].slots)
        assert set(SLOT_NAMES) >= set(_filled(v.spec.slots))


@given(network_specs())
def test_every_network_of_the_spec_space_gives_variants_on_every_stage(spec):
    for v in make_variants(spec):
        if v.pattern == "design":
            assert v.spec == spec
            continue
        for stage in v.spec.stages:
            assert set(_filled(stage.slots)) == set(PATTERNS[v.pattern].slots)


def test_labels_and_formulas_are_the_shared_words_of_schemas():
    from resattn.lab import variants

    assert variants.ATTENTION_LABELS is schemas.ATTENTION_LABELS
    assert {p: PATTERNS[p].formula for p in schemas.PATTERN_FORMULAS} == schemas.PATTERN_FORMULAS
    assert PATTERNS["baseline"].formula == "y = x + F(x)"
    # Each pattern's slots agree with the shared slot → pattern table (P4 adds the skip gate).
    for name, pattern in PATTERNS.items():
        if name != "baseline":
            assert schemas.SLOT_PATTERNS[pattern.slots[0]] == name
    for kind, label in schemas.ATTENTION_LABELS.items():
        variant, _design = make_variants(_block("basic"), ["P2"], kind)
        assert variant.name == f"{label}-P2" and variant.formula == schemas.PATTERN_FORMULAS["P2"]
