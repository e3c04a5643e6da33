"""Spec v1 models: round-trips, defaults, JSON Schema, and invalid specs named by JSON path."""

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import (
    BlockSpec,
    NetworkSpec,
    SpecError,
    canonical_json,
    json_schema,
    parse_spec,
    spec_to_dict,
)
from tests.specs import block_spec
from tests.strategies import block_dicts, network_dicts


@given(block_dicts())
def test_block_json_round_trip_is_identity(data):
    spec = parse_spec(data)
    assert spec_to_dict(spec) == data
    assert parse_spec(json.loads(spec.model_dump_json())) == spec
    assert parse_spec(json.loads(canonical_json(spec))) == spec


@given(network_dicts())
def test_network_json_round_trip_is_identity(data):
    spec = parse_spec(data)
    again = parse_spec(json.loads(canonical_json(spec)))
    assert again == spec
    assert isinstance(spec, NetworkSpec)


def test_defaults_fill_in_and_schema_version_is_always_written():
    spec = parse_spec(block_spec(8, height=4))
    data = spec_to_dict(spec)
    assert data["schema_version"] == 1
    assert data["shortcut"] == "auto" and data["zero_init_last_bn"] is True
    assert data["slots"] == {"pre_residual": None, "branch": None, "post_add": None, "skip": None}
    assert data["input"]["batch"] == 1


def test_attention_defaults_follow_the_papers():
    spec = parse_spec(
        block_spec(
            8,
            64,
            height=4,
            block={"type": "bottleneck"},
            slots={
                "branch": {"type": "se"},
                "skip": {"type": "eca"},
                "post_add": {"type": "cbam"},
                "pre_residual": {"type": "coord"},
            },
        )
    )
    s = spec.slots
    assert (s.branch.reduction, s.branch.divisor, s.branch.gate) == (16, 8, "sigmoid")
    assert s.skip.kernel_size is None
    assert (s.post_add.reduction, s.post_add.spatial_kernel) == (16, 7)
    assert (s.pre_residual.reduction, s.pre_residual.min_channels) == (32, 8)
    b = spec.block
    assert (b.expansion, b.groups, b.base_width, b.preact, b.dropout) == (4, 1, 64, False, 0.0)


# (mutation applied to a valid block spec, JSON path the error must name)
MUTATIONS = [
    (("input", "channels"), "64", "input.channels"),  # wrong type (no silent coercion)
    (("input", "channels"), 5000, "input.channels"),  # over the bound
    (("input", "height"), 0, "input.height"),
    (("input", "width"), 2048, "input.width"),
    (("input", "batch"), 65, "input.batch"),
    (("block", "stride"), 3, "block.stride"),
    (("block", "out_channels"), True, "block.out_channels"),  # a bool is not an int
    (("block", "dropout"), 1.5, "block.dropout"),
    (("block", "type"), "dense", "block"),
    (("slots", "branch"), {"type": "transformer"}, "slots.branch"),
    (("slots", "branch"), {"type": "se", "reduction": 0}, "slots.branch.reduction"),
    (("slots", "skip"), {"type": "eca", "kernel_size": 4}, "slots.skip.kernel_size"),
    (("slots", "post_add"), {"type": "cbam", "spatial_kernel": 8}, "slots.post_add.spatial_kernel"),
    (("slots", "pre_residual"), {"type": "coord", "bogus": 1}, "slots.pre_residual.bogus"),
    (("slots", "branch"), {"reduction": 4}, "slots.branch"),  # no type
    (("slots", "branch"), {"type": "se", "gate": "tanh"}, "slots.branch.gate"),
    (("shortcut",), "projection", "shortcut"),
    (("post_add_activation",), "gelu", "post_add_activation"),
    (("zero_init_last_bn",), "yes", "zero_init_last_bn"),
    (("name",), "class", "name"),
    (("name",), "9lives", "name"),
    (("name",), "a\nb", "name"),
    (("surprise",), 1, "surprise"),
    (("slots", "middle"), None, "slots.middle"),
]


@pytest.mark.parametrize(("where", "value", "path"), MUTATIONS)
@given(data=block_dicts())
def test_invalid_field_is_named_by_json_path(where, value, path, data):
    data = copy.deepcopy(data)
    node = data
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    with pytest.raises(SpecError) as info:
        parse_spec(data)
    assert path in [p.path for p in info.value.problems], info.value.message
    assert path in str(info.value)


@given(data=network_dicts(), index=st.integers(0, 2))
def test_invalid_stage_field_is_named_by_json_path(data, index):
    data = copy.deepcopy(data)
    index = index % len(data["stages"])
    data["stages"][index]["depth"] = 0
    with pytest.raises(SpecError) as info:
        parse_spec(data)
    assert f"stages[{index}].depth" in [p.path for p in info.value.problems]


def test_bottleneck_without_mid_width_is_refused_with_its_path():
    with pytest.raises(SpecError) as info:
        parse_spec(block_spec(8, 2, height=4, block={"type": "bottleneck", "expansion": 4}))
    assert info.value.problems[0].path == "block"
    assert "mid width" in info.value.message


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ([1, 2], "JSON object"),
        ("spec", "JSON object"),
        ({"input": {"channels": 3, "height": 4, "width": 4}}, "needs `block`"),
        ({"block": {}, "stages": []}, "not both"),
        ({"schema_version": 2, "block": {}}, "unsupported version"),
    ],
)
def test_shapeless_input_gets_a_clear_message(data, needle):
    with pytest.raises(SpecError, match=needle):
        parse_spec(data)


def test_every_field_has_a_description():
    schema = json_schema()
    missing = []
    for name, model in schema["$defs"].items():
        for field, prop in model.get("properties", {}).items():
            if "description" not in prop:
                missing.append(f"{name}.{field}")
    assert not missing, missing


def test_json_schema_covers_blocks_and_networks():
    schema = json_schema()
    refs = json.dumps(schema)
    assert "BlockSpec" in refs and "NetworkSpec" in refs
    assert schema["$defs"]["BlockSpec"]["additionalProperties"] is False
    assert BlockSpec.model_config["extra"] == "forbid"
