"""The board's operations against SQLite and PostgreSQL (the `database` fixture runs both)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst
from sqlalchemy import select, text, update

from resattn import i18n
from resattn.i18n import use_language
from resattn_board.models import Board, Entry
from resattn_board.service import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_DISPLAY_NAME,
    BoardError,
    BoardService,
    Limits,
    clean_display_name,
    new_secret,
)
from schemas import SpecError, canonical_json, parse_spec
from tests.board.designs import broken_design, small_design

FREE = Limits(min_send_interval_s=0.0, sends_per_window=1000)


class Clock:
    def __init__(self):
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def svc(engine) -> BoardService:
    return BoardService(engine, limits=FREE)


def test_new_board_code_and_key(svc, engine):
    created = svc.create_board("Ankara workshop")
    assert len(created.code) == CODE_LENGTH and set(created.code) <= set(CODE_ALPHABET)
    assert svc.board_title(created.code) == "Ankara workshop"
    assert svc.is_instructor(created.code, created.instructor_key)
    assert not svc.is_instructor(created.code, created.instructor_key + "x")
    # only the key's hash is stored, nowhere the key itself
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT code, title, instructor_key_hash FROM boards")).all()
    assert created.instructor_key not in json.dumps([list(r) for r in stored])
    codes = {svc.create_board().code for _ in range(20)}
    assert len(codes) == 20


def test_codes_are_typed_loosely(svc):
    code = svc.create_board().code
    assert svc.exists(f" {code[:4].lower()}-{code[4:].lower()} ")
    assert not svc.exists("AAAAAAAA" if code != "AAAAAAAA" else "BBBBBBBB")


def test_send_lists_the_design_with_its_figures(svc):
    code = svc.create_board().code
    secret = new_secret()
    row = svc.send(code, secret, "  Ayşe  Yılmaz ", small_design("mine"))
    assert row.display_name == "Ayşe Yılmaz" and row.design_name == "mine" and row.mine
    assert row.pattern.startswith("P1") and row.params > 0 and row.macs > 0
    assert row.attention_params_pct > 0 and row.probe_accuracy is None
    [listed] = svc.entries(code, secret=secret)
    assert listed.mine and listed.spec_json == canonical_json(parse_spec(small_design("mine")))
    [other_view] = svc.entries(code, secret=new_secret())
    assert not other_view.mine


def test_the_pattern_is_stored_in_english_and_read_in_the_readers_language(svc):
    code = svc.create_board().code
    with i18n.use_language("tr"):  # a Turkish participant sends a design without attention
        svc.send(code, new_secret(), "Ayşe", small_design("plain", slot=None))
    [row] = svc.entries(code)
    assert row.pattern == "no attention"
    with i18n.use_language("tr"):
        assert row.shown_pattern == "attention yok"
    with i18n.use_language("en"):
        assert row.shown_pattern == "no attention"


def test_same_design_name_replaces_own_entry_only(svc):
    code = svc.create_board().code
    alice, bob = new_secret(), new_secret()
    svc.send(code, alice, "Alice", small_design("d", "branch"))
    svc.send(code, alice, "Alice", small_design("d", "post_add"))
    [row] = svc.entries(code)
    assert row.pattern.startswith("P2")
    # Bob sending under the same design name gets his own entry; Alice's stays as it was
    svc.send(code, bob, "Bob", small_design("d", "pre_residual"))
    rows = {r.display_name: r for r in svc.entries(code)}
    assert rows["Alice"].pattern.startswith("P2") and rows["Bob"].pattern.startswith("P3")


def test_per_participant_and_per_board_caps(engine):
    svc = BoardService(
        engine, limits=Limits(entries_per_board=4, entries_per_participant=2, min_send_interval_s=0)
    )
    code = svc.create_board().code
    me = new_secret()
    svc.send(code, me, "Me", small_design("a"))
    svc.send(code, me, "Me", small_design("b"))
    with pytest.raises(BoardError, match="already have 2 designs"):
        svc.send(code, me, "Me", small_design("c"))
    svc.send(code, me, "Me", small_design("a", "skip"))  # replacing stays allowed
    other = new_secret()
    svc.send(code, other, "Other", small_design("x"))
    svc.send(code, other, "Other", small_design("y"))
    with pytest.raises(BoardError, match="full"):
        svc.send(code, new_secret(), "Late", small_design("z"))
    assert len(svc.entries(code)) == 4


def test_rate_limits(engine):
    clock = Clock()
    svc = BoardService(
        engine,
        limits=Limits(min_send_interval_s=5, sends_per_window=3, send_window_s=60),
        clock=clock,
    )
    code = svc.create_board().code
    me = new_secret()
    svc.send(code, me, "Me", small_design("a"))
    clock.advance(2)
    with pytest.raises(BoardError, match=r"wait 3 s"):
        svc.send(code, me, "Me", small_design("a"))
    svc.send(code, new_secret(), "Someone else", small_design("a"))  # per participant
    clock.advance(4)
    svc.send(code, me, "Me", small_design("a"))
    clock.advance(6)
    svc.send(code, me, "Me", small_design("a"))
    clock.advance(6)
    with pytest.raises(BoardError, match="3 times in the last 1 minutes"):
        svc.send(code, me, "Me", small_design("a"))
    clock.advance(60)
    svc.send(code, me, "Me", small_design("a"))


@pytest.mark.parametrize(
    "bad, reason",
    [
        ({"schema_version": 1, "name": "x"}, "not a valid spec"),
        ("{not json", "not a valid spec"),
        (broken_design(), "RA101"),
    ],
)
def test_invalid_designs_are_refused(svc, bad, reason):
    code = svc.create_board().code
    with pytest.raises(BoardError, match=reason):
        svc.send(code, new_secret(), "Me", bad)
    assert svc.entries(code) == []


def test_bad_names_secrets_and_codes(svc):
    code = svc.create_board().code
    with pytest.raises(BoardError, match="display name"):
        svc.send(code, new_secret(), " \t\u200b ", small_design())
    with pytest.raises(BoardError, match="too long"):
        svc.send(code, new_secret(), "x" * (MAX_DISPLAY_NAME + 1), small_design())
    with pytest.raises(BoardError, match="secret"):
        svc.send(code, "short", "Me", small_design())
    with pytest.raises(BoardError, match="no board"):
        svc.send("ZZZZ2222", new_secret(), "Me", small_design())


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hst.text(max_size=80))
def test_any_display_name_is_cleaned_or_refused(text_):
    try:
        name = clean_display_name(text_)
    except BoardError as exc:
        assert exc.message
        return
    assert 0 < len(name) <= MAX_DISPLAY_NAME
    assert name == name.strip() and "  " not in name
    assert all(ord(c) >= 32 and c not in "\x7f\u200b\u202e" for c in name)


def test_messages_follow_the_language(svc):
    with use_language("tr"), pytest.raises(BoardError) as info:
        svc.send("ZZZZ2222", new_secret(), "Me", small_design())
    with use_language("tr"):
        assert info.value.message == "ZZZZ2222 kodlu bir pano yok."
    with use_language("en"):
        assert info.value.message == "There is no board with the code ZZZZ2222."


def test_specs_are_validated_on_the_way_out(svc, engine):
    code = svc.create_board().code
    svc.send(code, new_secret(), "Me", small_design("ok"))
    with engine.begin() as conn:
        conn.execute(update(Entry).values(spec_json='{"schema_version": 1, "name": "x"}'))
    [row] = svc.entries(code)
    with pytest.raises(SpecError):
        row.spec  # noqa: B018


def test_instructor_hides_shows_and_clears(svc):
    created = svc.create_board()
    code, key = created.code, created.instructor_key
    a = svc.send(code, new_secret(), "A", small_design("a"))
    svc.send(code, new_secret(), "B", small_design("b"))
    with pytest.raises(BoardError, match="instructor key"):
        svc.set_hidden(code, "wrong", a.id, True)
    svc.set_hidden(code, key, a.id, True)
    assert [r.display_name for r in svc.entries(code)] == ["B"]
    everything = svc.entries(code, include_hidden=True)
    assert {r.display_name: r.hidden for r in everything} == {"A": True, "B": False}
    svc.set_hidden(code, key, a.id, False)
    assert len(svc.entries(code)) == 2
    with pytest.raises(BoardError, match="instructor key"):
        svc.clear(code, "wrong")
    assert svc.clear(code, key) == 2
    assert svc.entries(code, include_hidden=True) == []


def test_entries_of_one_board_are_not_another_boards(svc):
    one, two = svc.create_board(), svc.create_board()
    a = svc.send(one.code, new_secret(), "A", small_design("a"))
    svc.send(two.code, new_secret(), "B", small_design("b"))
    assert [r.display_name for r in svc.entries(two.code)] == ["B"]
    with pytest.raises(BoardError, match="no longer on the board"):
        svc.set_hidden(two.code, two.instructor_key, a.id, True)


def test_probe_accuracy_is_kept_only_for_the_design_it_ran_on(svc):
    created = svc.create_board()
    me = new_secret()
    row = svc.send(created.code, me, "Me", small_design("a"))
    assert svc.set_probe_accuracy(created.code, created.instructor_key, row.id, row.spec_json, 0.9)
    [listed] = svc.entries(created.code)
    assert listed.probe_accuracy == pytest.approx(0.9)
    replaced = svc.send(created.code, me, "Me", small_design("a", "skip"))
    assert replaced.probe_accuracy is None  # a new design: the old result no longer holds
    assert not svc.set_probe_accuracy(
        created.code, created.instructor_key, row.id, row.spec_json, 0.5
    )


def test_boards_table_came_from_the_migration(engine):
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == "0001"
        assert conn.execute(select(Board)).all() == []
