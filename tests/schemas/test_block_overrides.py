"""Per-block attention in a network (`Stage.overrides`): additive to spec v1."""

import json
import pathlib

import pytest
from hypothesis import given, settings

from resattn.counting import analytic_params, without_attention
from resattn.loading import load_spec
from resattn.networks import expand_blocks
from schemas import SpecError, canonical_json, parse_spec, spec_to_dict
from tests.strategies import network_dicts

V1 = pathlib.Path(__file__).parents[1] / "fixtures" / "specs" / "v1"
FIXTURE = V1 / "network_block_overrides.json"


def test_fixture_blocks_take_their_override_else_the_stage_slots():
    net = load_spec(FIXTURE)
    kinds = {
        b.spec.name: sorted(a.type for a in b.spec.slots.filled().values())
        for b in expand_blocks(net)
    }
    assert kinds == {
        "stage1_block1": ["se"],
        "stage1_block2": ["se"],
        "stage2_block1": [],  # override: no attention
        "stage2_block2": ["eca"],  # the stage's slots
        "stage2_block3": ["cbam"],  # override: CBAM
    }
    assert load_spec(canonical_json(net)) == net


@pytest.mark.parametrize("path", sorted(set(V1.glob("*.json")) - {FIXTURE}), ids=lambda p: p.stem)
def test_specs_written_before_overrides_load_with_none(path):
    net = load_spec(path)
    if net.kind == "network":
        assert all(stage.overrides == [] for stage in net.stages)
        assert all(b.spec.slots == net.stages[b.stage].slots for b in expand_blocks(net))


def _with_overrides(overrides, depth=2):
    data = json.loads(FIXTURE.read_text())
    data["stages"][1]["depth"] = depth
    data["stages"][1]["overrides"] = overrides
    return data


@pytest.mark.parametrize(
    "overrides, words",
    [
        ([{"index": 3, "slots": {}}], "overrides name block 3, but the stage has 2 blocks"),
        ([{"index": 1}, {"index": 1, "slots": {}}], "overrides name block 1 more than once"),
        ([{"index": 0, "slots": {}}], "stages[1].overrides[0].index"),
        ([{"index": 1, "slots": {"side": {"type": "se"}}}], "stages[1].overrides[0].slots"),
    ],
)
def test_bad_overrides_name_what_is_wrong(overrides, words):
    with pytest.raises(SpecError) as err:
        parse_spec(_with_overrides(overrides))
    assert words in str(err.value)


@settings(max_examples=30, deadline=None)
@given(data=network_dicts())
def test_overrides_round_trip_and_empty_baseline(data):
    net = parse_spec(data)
    assert parse_spec(spec_to_dict(net)) == net
    baseline = without_attention(net)
    assert all(not b.spec.slots.filled() for b in expand_blocks(baseline))
    assert analytic_params(baseline) <= analytic_params(net)
