"""Property tests over the spec space: whatever valid design is sent comes back off the board as
the same canonical spec, with the engine's own figures; the stored text is never anything else."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from resattn.profile import profile
from resattn_board.service import BoardError, BoardService, Limits, new_secret
from schemas import canonical_json, parse_spec
from tests.strategies import block_dicts, network_dicts

FREE = Limits(min_send_interval_s=0.0, sends_per_window=10_000, entries_per_board=10_000)


@settings(
    max_examples=8,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(design=hst.one_of(block_dicts(), network_dicts()))
def test_any_valid_design_round_trips(engine, design):
    svc = BoardService(engine, limits=FREE)
    code = svc.create_board().code
    secret = new_secret()
    try:
        sent = svc.send(code, secret, "Prop", design)
    except BoardError as exc:  # a design the linter refuses: the codes are named
        assert "RA" in exc.message
        return
    [row] = svc.entries(code, secret=secret)
    assert row.mine and row.id == sent.id
    assert row.spec_json == canonical_json(parse_spec(design))
    assert canonical_json(row.spec) == row.spec_json  # validated again on the way out
    assert json.loads(row.spec_json)["schema_version"] == 1
    prof = profile(parse_spec(design), latency=False, time_budget_s=0.0)
    assert (row.params, row.macs) == (prof.params, prof.macs)
    assert row.kind == parse_spec(design).kind
