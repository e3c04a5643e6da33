"""Every valid spec renders every tab without an exception (and never a traceback).

Specs are drawn from the whole schema space: every block kind, attention kind and slot, networks,
and designs the linter flags with errors (forced identity shortcuts where shapes change,
channel mismatches) — a link can carry any of them. Opened as a share link, each renders the
canvas and then each tab; the only failures allowed would be shown by a panel guard, and none
is expected.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resattn.export.share import share_token
from schemas import SpecError, parse_spec
from tests.specs import block_spec
from tests.strategies import any_block, any_network
from tests.ui.conftest import TABS, failures, new_app


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.one_of(any_block(), any_network()))
def test_every_valid_spec_renders_every_tab(data):
    try:
        spec = parse_spec(data)
    except SpecError:
        return  # not schema-valid (the schema's own bounds): nothing to render
    at = new_app({"spec": share_token(spec)})
    at.run()
    assert not failures(at), failures(at)
    assert at.session_state["studio.spec"] == spec  # the link's design, not the default
    for tab in TABS:
        at.session_state["studio.tabs"] = tab
        at.run()
        assert not failures(at), (tab, failures(at))
        assert not at.exception, (tab, [e.value for e in at.exception])


def test_the_diagram_tab_draws_shape_errors():
    spec = parse_spec(block_spec(8, 16, block={"stride": 2}, slots={}, shortcut="identity"))
    at = new_app({"spec": share_token(spec)})
    at.run()
    at.session_state["studio.tabs"] = "Diagram"
    at.run()
    assert not failures(at), failures(at)


def test_the_linter_survives_a_valid_spec_and_the_page_shows_the_finding():
    spec = parse_spec(
        block_spec(
            8,
            16,
            block={"type": "bottleneck", "base_width": 128},
            slots={"branch": {"type": "cbam"}},
            shortcut="identity",
        )
    )
    at = new_app({"spec": share_token(spec)})
    at.run()
    assert not at.exception, [e.value for e in at.exception]  # no page crash, no traceback
    assert not failures(at), failures(at)
    assert any("RA101" in e.value for e in at.error)
