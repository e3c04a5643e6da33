"""Every schema-valid spec through every engine entry: only `SpecError` / `DesignError` escape.

The strategies here draw from the whole schema space — every kind, every slot, every block
field across its bounds (1 … 4096 channels, 1 … 1024 pixels, batch 1 … 64), any shortcut
(so RA101 designs are drawn), networks of up to 16 × 64 blocks with per-block overrides — and
keep what the schema accepts. Most designs drawn are far too large to build or run; that is the
point: lint, check, every renderer, graph_data, profile (tiny time budget) and the Python
export must answer each of them with figures or a documented error, never crash or hang.
"""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from resattn.check import check
from resattn.diagrams.agraph import graph_data
from resattn.diagrams.ascii import render_ascii
from resattn.diagrams.dot import render_dot
from resattn.export.python_code import export_python
from resattn.lint import lint
from resattn.profile import profile
from schemas import DesignError, SpecError, parse_spec
from tests.strategies import slots_dicts

#: sizes drawn: mostly small (so real work happens), sometimes anywhere up to the bounds
CHANNELS = st.one_of(st.sampled_from([1, 2, 3, 4, 8, 16, 64]), st.integers(1, 4096))
SIDES = st.one_of(st.sampled_from([1, 2, 3, 7, 8, 32]), st.integers(1, 1024))
BATCH = st.one_of(st.just(1), st.integers(1, 64))


@st.composite
def any_block_fields(draw, stage: bool = False):
    kind = draw(st.sampled_from(["basic", "bottleneck"]))
    fields = {"type": kind, "preact": draw(st.booleans())}
    fields["dropout"] = draw(st.sampled_from([0.0, 0.5, 0.99]))
    if kind == "bottleneck":
        fields["expansion"] = draw(st.one_of(st.sampled_from([1, 4]), st.integers(1, 64)))
        fields["groups"] = draw(st.one_of(st.sampled_from([1, 2, 32]), st.integers(1, 4096)))
        fields["base_width"] = draw(st.one_of(st.sampled_from([4, 64, 128]), st.integers(1, 4096)))
    if not stage:
        fields["out_channels"] = draw(CHANNELS)
        fields["stride"] = draw(st.sampled_from([1, 2]))
    return fields


def any_input():
    return st.fixed_dictionaries(
        {"channels": CHANNELS, "height": SIDES, "width": SIDES, "batch": BATCH}
    )


def _common(draw) -> dict:
    return {
        "shortcut": draw(st.sampled_from(["auto", "identity", "conv1x1", "avgpool_conv1x1"])),
        "post_add_activation": draw(st.sampled_from([None, "relu", "none"])),
        "zero_init_last_bn": draw(st.booleans()),
    }


@st.composite
def any_block(draw):
    return {
        "input": draw(any_input()),
        "block": draw(any_block_fields()),
        "slots": draw(slots_dicts()),
        **_common(draw),
    }


@st.composite
def any_stage(draw):
    depth = draw(st.one_of(st.integers(1, 3), st.just(64)))
    overrides = []
    if depth > 1 and draw(st.booleans()):
        overrides = [{"index": draw(st.integers(1, depth)), "slots": draw(slots_dicts())}]
    return {
        "depth": depth,
        "out_channels": draw(CHANNELS),
        "stride": draw(st.sampled_from([1, 2])),
        "block": draw(any_block_fields(stage=True)),
        "slots": draw(slots_dicts()),
        "overrides": overrides,
        **_common(draw),
    }


@st.composite
def any_network(draw):
    n_stages = draw(st.one_of(st.integers(1, 3), st.just(16)))
    return {
        "input": draw(any_input()),
        "stem": {
            "type": draw(st.sampled_from(["imagenet", "cifar"])),
            "out_channels": draw(CHANNELS),
        },
        "stages": draw(st.lists(any_stage(), min_size=n_stages, max_size=n_stages)),
        "num_classes": draw(st.one_of(st.sampled_from([1, 10, 1000]), st.integers(1, 100_000))),
    }


def _valid(data):
    try:
        return parse_spec(data)
    except SpecError:
        assume(False)


ENTRIES = {
    "lint": lint,
    "check": check,
    "render_ascii": render_ascii,
    "render_ascii (shapes)": lambda s: render_ascii(s, shapes=True),
    "render_dot": render_dot,
    "graph_data": graph_data,
    "profile": lambda s: profile(s, latency=False, time_budget_s=0.05),
    "export_python": export_python,
}


@given(st.one_of(any_block(), any_network()))
def test_every_entry_answers_every_valid_spec_with_figures_or_a_documented_error(data):
    spec = _valid(data)
    for name, entry in ENTRIES.items():
        try:
            entry(spec)
        except (SpecError, DesignError):
            pass  # documented: a design with lint errors, or one over a budget
        except Exception as exc:  # noqa: BLE001 - what this test exists to catch
            raise AssertionError(f"{name} raised {type(exc).__name__}: {exc}") from exc


@given(st.one_of(any_block(), any_network()))
def test_check_reports_errors_exactly_when_lint_does(data):
    spec = _valid(data)
    assert check(spec).ok == (not any(d.severity == "error" for d in lint(spec)))
