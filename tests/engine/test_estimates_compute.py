"""The compute estimate (`resattn.estimates`): from the spec alone, equal to fvcore's count."""

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from resattn.build import build
from resattn.estimates import MAX_FLOPS, compute_rows, compute_work
from resattn.loading import load_spec
from resattn.profile import _input, count
from schemas import parse_spec
from tests.strategies import block_dicts, network_dicts


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


def test_every_registered_attention_kind_has_a_compute_formula():
    from resattn.attention import kinds
    from resattn.estimates import ATTENTION_WORK

    assert {k.type for k in kinds()} == set(ATTENTION_WORK)
