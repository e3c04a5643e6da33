"""The compute estimate (`resattn.estimates`): from the spec alone, equal to fvcore's count."""

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resattn.attention import ATTENTION, AttentionKind, kinds
from resattn.build import build
from resattn.estimates import (
    MAX_FLOPS,
    compute_rows,
    compute_work,
    estimate_activation_bytes,
    module_count,
    network_maps,
)
from resattn.loading import load_spec
from resattn.profile import _input, count
from schemas import SLOTS, parse_spec
from tests.strategies import block_dicts, network_dicts, option_values


@given(st.one_of(block_dicts(), network_dicts()))
def test_rows_and_totals_equal_fvcore_on_the_real_module(data):
    spec = parse_spec(data)
    counted = count(build(spec).eval(), _input(spec))
    assert [dataclasses.astuple(r) for r in compute_rows(spec)] == [
        dataclasses.astuple(r) for r in counted.per_module
    ]
    work = compute_work(spec)
    assert (work.macs, work.elementwise_ops) == (counted.macs, counted.elementwise_ops)
    assert not counted.unsupported_ops


@given(st.one_of(block_dicts(), network_dicts()))
def test_the_module_count_is_the_number_of_rows(data):
    spec = parse_spec(data)
    assert module_count(spec) == len(compute_rows(spec))


@given(network_dicts())
def test_a_networks_activation_estimate_sums_every_feature_map(data):
    """Each distinct block's feature maps are summed once: the same total as every map's."""
    net = parse_spec(data)
    inp = net.input
    every = inp.channels * inp.height * inp.width + sum(math.prod(m) for m in network_maps(net))
    assert estimate_activation_bytes(net) == every * inp.batch * 4


def test_a_network_sums_its_blocks_and_reuses_repeated_ones():
    net = load_spec("preset:resnet50")
    rows = compute_rows(net)
    work = compute_work(net)
    assert work.macs == sum(r.macs for r in rows) == 4_089_184_256  # torchvision's figure
    assert work.flops == 2 * work.macs + work.elementwise_ops


def test_a_design_with_lint_errors_is_still_counted():
    # identity shortcut with a channel change (RA101): counted as if the add could happen
    spec = load_spec(
        {
            "input": {"channels": 8, "height": 8, "width": 8},
            "block": {"type": "bottleneck", "out_channels": 16, "base_width": 128},
            "slots": {"branch": {"type": "cbam"}},
            "shortcut": "identity",
        }
    )
    work = compute_work(spec)
    assert work.macs > work.attention_macs > 0


def test_every_preset_fits_the_compute_budget():
    from resattn.presets import preset_names

    for name in preset_names():
        assert compute_work(load_spec(f"preset:{name}")).flops <= MAX_FLOPS, name


#: block geometries that set each slot's map apart: a non-square input halved by a stride-2
#: bottleneck (so A_p sees another shape than the other slots) and a 1×1 map
GEOMETRIES = {
    "7x5-stride2": (
        {"batch": 2, "channels": 8, "height": 7, "width": 5},
        {"type": "bottleneck", "out_channels": 24, "stride": 2},
    ),
    "1x1": (
        {"batch": 1, "channels": 16, "height": 1, "width": 1},
        {"type": "basic", "out_channels": 16},
    ),
}


def _every_slot(kind, **options) -> dict:
    """One attention of `kind` in every slot that may hold it (the skip only if it can start as
    an identity, RA110)."""
    attn = {"type": kind.type, **options}
    return {s.name: attn for s in SLOTS if kind.identity_start or not s.identity_start}


def _assert_rows_equal_fvcore(spec) -> None:
    counted = count(build(spec).eval(), _input(spec))
    assert [dataclasses.astuple(r) for r in compute_rows(spec)] == [
        dataclasses.astuple(r) for r in counted.per_module
    ]
    assert not counted.unsupported_ops


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("kind", kinds(), ids=lambda k: k.type)
def test_every_kind_in_every_slot_equals_fvcore(kind, geometry):
    """Each registered kind's compute formula (its record's `work`) against fvcore's count of
    the real module, in every slot (the skip's identity-start gate included)."""
    inp, block = GEOMETRIES[geometry]
    spec = parse_spec({"input": inp, "block": block, "slots": _every_slot(kind)})
    assert sum(r.name.startswith("attn_") for r in compute_rows(spec)) == len(spec.slots.filled())
    _assert_rows_equal_fvcore(spec)


@pytest.mark.parametrize("kind", kinds(), ids=lambda k: k.type)
def test_every_option_value_of_every_kind_equals_fvcore(kind):
    """One option at a time, every value the strategies draw for it, every slot filled."""
    inp, block = GEOMETRIES["7x5-stride2"]
    for name in kind.options.model_fields:
        if name == "type":
            continue
        for value in option_values(kind.options, name):
            slots = _every_slot(kind, **{name: value})
            _assert_rows_equal_fvcore(parse_spec({"input": inp, "block": block, "slots": slots}))


def test_every_registered_attention_kind_has_a_compute_formula():
    for kind in kinds():
        sizes = kind.sizes(16, kind.options(type=kind.type))
        macs, ew = kind.work(sizes, 2, 16, 4, 3, 0)
        assert isinstance(macs, int) and isinstance(ew, int) and ew > 0, kind.type


def test_a_kind_without_a_compute_formula_is_refused():
    se = ATTENTION.get("se")
    fields = {f.name: getattr(se, f.name) for f in dataclasses.fields(se)}
    with pytest.raises(ValueError, match="compute formula"):
        AttentionKind(**{**fields, "work": None})
    del fields["work"]
    with pytest.raises(TypeError, match="work"):
        AttentionKind(**fields)
