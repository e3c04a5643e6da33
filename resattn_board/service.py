"""Every board operation, with the limits that keep a room of thirty (and a bored one) in check.

- Room codes: 8 characters from an alphabet without look-alikes (31⁸ ≈ 8.5·10¹¹ codes, drawn
  with `secrets`); the instructor key is a separate 24-byte secret, stored only as its SHA-256
  and never part of a board URL.
- Participants: a per-browser secret (stored as its SHA-256) identifies whose entries are whose;
  sending a design under a name that participant already used replaces that entry, and no one
  can touch another participant's entries. Display names are cleaned (control characters and
  surrounding space removed) and capped; they are escaped wherever they are shown.
- Caps (`Limits`): `MAX_ENTRIES_PER_BOARD`, `MAX_ENTRIES_PER_PARTICIPANT`; rate limits: at least
  `MIN_SEND_INTERVAL_S` between two sends of one participant and at most `MAX_SENDS_PER_WINDOW`
  per `SEND_WINDOW_S`, kept in the database so every studio process enforces the same ones.
- Designs: validated with the schema on the way in (no linter errors, at most the loader's size
  cap) and stored as canonical spec JSON; validated again on the way out (`Row.spec`).

A send runs in one transaction that locks its board row (PostgreSQL ``FOR UPDATE``; SQLite takes
its write lock at ``BEGIN IMMEDIATE``), so concurrent sends neither lose entries nor pass a cap.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, Optional

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from resattn.i18n import N_, _
from resattn.lint import lint
from resattn.loading import MAX_SPEC_BYTES
from resattn_board.figures import Figures, design_figures, pattern_of
from resattn_board.models import Board, Entry, Participant
from schemas import SpecError, canonical_json, parse_spec

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 8
MAX_TITLE = 80
MAX_DISPLAY_NAME = 40
MAX_ENTRIES_PER_BOARD = 200
MAX_ENTRIES_PER_PARTICIPANT = 3
MIN_SEND_INTERVAL_S = 3.0
MAX_SENDS_PER_WINDOW = 20
SEND_WINDOW_S = 600.0


@dataclass(frozen=True)
class Limits:
    """The caps and rate limits one service enforces (the module's constants by default)."""

    entries_per_board: int = MAX_ENTRIES_PER_BOARD
    entries_per_participant: int = MAX_ENTRIES_PER_PARTICIPANT
    min_send_interval_s: float = MIN_SEND_INTERVAL_S
    sends_per_window: int = MAX_SENDS_PER_WINDOW
    send_window_s: float = SEND_WINDOW_S


#: The figures an entry stores, one column each (`resattn_board.figures.Figures`).
FIGURE_FIELDS = tuple(f.name for f in fields(Figures))
_SECRET_RE = re.compile(r"^[A-Za-z0-9_\-]{16,128}$")


class BoardError(Exception):
    """A refused board operation. `message` is the reason in the current language."""

    def __init__(self, message_id: str, **params: Any):
        super().__init__(message_id)
        self.message_id = message_id
        self.params = params

    @property
    def message(self) -> str:
        return _(self.message_id).format(**self.params)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class CreatedBoard:
    code: str
    instructor_key: str
    title: str


@dataclass(frozen=True)
class Row(Figures):
    """One entry as the board shows it: its figures, who sent it, and the spec JSON (validated
    again by `spec`)."""

    id: int
    display_name: str
    design_name: str
    spec_json: str
    probe_accuracy: Optional[float]
    hidden: bool
    mine: bool
    updated_at: datetime

    @property
    def spec(self):
        """The stored design, validated again; raises `SpecError` if the row was tampered with."""
        return parse_spec(json.loads(self.spec_json))

    @property
    def shown_pattern(self) -> str:
        """The pattern in the reader's language (`pattern` is stored in English)."""
        return pattern_of(self.spec)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_secret() -> str:
    """A fresh per-browser participant secret."""
    return secrets.token_urlsafe(24)


def normalize_code(text: str) -> str:
    """A room code as typed (``k7m2-x9pq``, spaces, dashes) → its canonical form."""
    return re.sub(r"[\s\-]", "", text or "").upper()[:32]


def clean_text(text: str) -> str:
    """`text` in NFC with control and format characters removed and spaces collapsed."""
    text = unicodedata.normalize("NFC", text or "")
    return " ".join("".join(c for c in text if unicodedata.category(c)[0] != "C").split())


def clean_display_name(text: str) -> str:
    """Control and format characters removed, spaces collapsed, at most `MAX_DISPLAY_NAME`
    characters; refused when nothing is left."""
    kept = clean_text(text)
    if not kept:
        raise BoardError(N_("Type a display name first."))
    if len(kept) > MAX_DISPLAY_NAME:
        raise BoardError(
            N_("The display name is too long: at most {limit} characters."),
            limit=MAX_DISPLAY_NAME,
        )
    return kept


def _check_secret(secret: str) -> str:
    if not isinstance(secret, str) or not _SECRET_RE.match(secret):
        raise BoardError(
            N_("This browser's board secret is missing or malformed; reload the page.")
        )
    return digest(secret)


def _locked_board(session: Session, code: str, *, lock: bool) -> Board:
    code = normalize_code(code)
    query = select(Board).where(Board.code == code)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    board = session.scalars(query).one_or_none()
    if board is None:
        raise BoardError(N_("There is no board with the code {code}."), code=code or "—")
    return board


class BoardService:
    """The board's operations over one database engine (see `resattn_board.db.get_engine`)."""

    def __init__(
        self,
        engine: Engine,
        *,
        limits: Limits = Limits(),
        clock: Optional[Callable[[], datetime]] = None,
    ):
        self.engine = engine
        self.limits = limits
        self.clock = clock or _now
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # --- boards -----------------------------------------------------------------------------

    def create_board(self, title: str = "") -> CreatedBoard:
        """A new board with a fresh room code and instructor key (shown once, then only its
        hash is kept)."""
        title = " ".join(
            "".join(c for c in title or "" if unicodedata.category(c)[0] != "C").split()
        )
        title = title[:MAX_TITLE] or _("Workshop board")
        key = secrets.token_urlsafe(24)
        for _attempt in range(8):
            code = new_code()
            try:
                with self._sessions.begin() as session:
                    session.add(
                        Board(
                            code=code,
                            title=title,
                            instructor_key_hash=digest(key),
                            created_at=self.clock(),
                        )
                    )
                return CreatedBoard(code=code, instructor_key=key, title=title)
            except IntegrityError:
                continue  # the code was taken: draw another
        raise BoardError(N_("No free room code was found; try again."))

    def board_title(self, code: str) -> str:
        with self._sessions() as session:
            return _locked_board(session, code, lock=False).title

    def exists(self, code: str) -> bool:
        try:
            self.board_title(code)
        except BoardError:
            return False
        return True

    def is_instructor(self, code: str, key: str) -> bool:
        """Whether `key` is the instructor key of board `code`."""
        with self._sessions() as session:
            try:
                board = _locked_board(session, code, lock=False)
            except BoardError:
                return False
            return hmac.compare_digest(board.instructor_key_hash, digest(key or ""))

    def _instructor(self, session: Session, code: str, key: str) -> Board:
        board = _locked_board(session, code, lock=True)
        if not hmac.compare_digest(board.instructor_key_hash, digest(key or "")):
            raise BoardError(N_("That instructor key does not open this board."))
        return board

    # --- participants -----------------------------------------------------------------------

    def send(self, code: str, secret: str, display_name: str, spec: Any) -> Row:
        """Put `spec` on the board as `display_name`; replaces this participant's entry of the
        same design name. Refused (BoardError) past a cap or a rate limit, or for a design that
        does not validate or has linter errors."""
        secret_hash = _check_secret(secret)
        name = clean_display_name(display_name)
        spec_json, figures = _validated(spec)
        design_name = json.loads(spec_json)["name"]
        for attempt in range(5):
            try:
                return self._send(code, secret_hash, name, design_name, spec_json, figures)
            except (IntegrityError, OperationalError):
                # A concurrent first send of the same participant, or a serialisation/lock
                # timeout: the whole transaction is retried on the state it now finds.
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def _send(self, code, secret_hash, name, design_name, spec_json, figures: Figures) -> Row:
        limits = self.limits
        with self._sessions.begin() as session:
            board = _locked_board(session, code, lock=True)
            now = self.clock()  # read under the board's lock: sends are ordered in time
            participant = session.scalars(
                select(Participant).where(
                    Participant.board_id == board.id, Participant.secret_hash == secret_hash
                )
            ).one_or_none()
            if participant is None:
                participant = Participant(
                    board_id=board.id, secret_hash=secret_hash, window_start=now, sends_in_window=0
                )
                session.add(participant)
                session.flush()
            _rate_limit(participant, now, limits)
            entry = session.scalars(
                select(Entry).where(
                    Entry.participant_id == participant.id, Entry.design_name == design_name
                )
            ).one_or_none()
            if entry is None:
                mine = session.scalar(
                    select(func.count()).where(Entry.participant_id == participant.id)
                )
                if mine >= limits.entries_per_participant:
                    raise BoardError(
                        N_(
                            "You already have {limit} designs on this board: send one under the"
                            " name of one of yours to replace it."
                        ),
                        limit=limits.entries_per_participant,
                    )
                total = session.scalar(select(func.count()).where(Entry.board_id == board.id))
                if total >= limits.entries_per_board:
                    raise BoardError(
                        N_("This board is full ({limit} designs)."), limit=limits.entries_per_board
                    )
                entry = Entry(
                    board_id=board.id,
                    participant_id=participant.id,
                    design_name=design_name,
                    created_at=now,
                    hidden=False,
                )
                session.add(entry)
            entry.display_name = name
            entry.spec_json = spec_json
            for column in FIGURE_FIELDS:
                setattr(entry, column, getattr(figures, column))
            entry.probe_accuracy = None  # a new design: its old probe result no longer holds
            entry.updated_at = now
            participant.last_sent_at = now
            participant.sends_in_window += 1
            session.flush()
            return _row(entry, participant.id)

    def participant_id(self, code: str, secret: str) -> Optional[int]:
        """The id behind `secret` on board `code` (None before its first send)."""
        if not isinstance(secret, str) or not _SECRET_RE.match(secret):
            return None
        with self._sessions() as session:
            return session.scalar(
                select(Participant.id)
                .join(Board, Board.id == Participant.board_id)
                .where(
                    Board.code == normalize_code(code), Participant.secret_hash == digest(secret)
                )
            )

    # --- the board page ---------------------------------------------------------------------

    def entries(
        self, code: str, *, secret: Optional[str] = None, include_hidden: bool = False
    ) -> list[Row]:
        """The board's entries, newest first; `mine` marks the ones of `secret`'s participant.
        Hidden entries only with `include_hidden` (the instructor's view)."""
        me = self.participant_id(code, secret) if secret else None
        with self._sessions() as session:
            board = _locked_board(session, code, lock=False)
            query = select(Entry).where(Entry.board_id == board.id)
            if not include_hidden:
                query = query.where(Entry.hidden.is_(False))
            found = session.scalars(query.order_by(Entry.updated_at.desc(), Entry.id.desc()))
            return [_row(e, me) for e in found]

    # --- the instructor ---------------------------------------------------------------------

    def set_hidden(self, code: str, key: str, entry_id: int, hidden: bool) -> None:
        with self._sessions.begin() as session:
            board = self._instructor(session, code, key)
            entry = self._entry(session, board, entry_id)
            entry.hidden = hidden

    def clear(self, code: str, key: str) -> int:
        """Remove every entry of the board (participants may send again); returns how many."""
        with self._sessions.begin() as session:
            board = self._instructor(session, code, key)
            result = session.execute(delete(Entry).where(Entry.board_id == board.id))
            return result.rowcount or 0

    def set_probe_accuracy(
        self, code: str, key: str, entry_id: int, spec_json: str, accuracy: Optional[float]
    ) -> bool:
        """Store a probe result, unless the entry was replaced meanwhile (then False)."""
        with self._sessions.begin() as session:
            board = self._instructor(session, code, key)
            entry = self._entry(session, board, entry_id)
            if entry.spec_json != spec_json:
                return False
            entry.probe_accuracy = accuracy
            return True

    def _entry(self, session: Session, board: Board, entry_id: int) -> Entry:
        entry = session.get(Entry, entry_id)
        if entry is None or entry.board_id != board.id:
            raise BoardError(N_("That entry is no longer on the board."))
        return entry


def _rate_limit(participant: Participant, now: datetime, limits: Limits) -> None:
    if participant.last_sent_at is not None and limits.min_send_interval_s > 0:
        waited = (now - _aware(participant.last_sent_at)).total_seconds()
        if waited < limits.min_send_interval_s:
            raise BoardError(
                N_("Not so fast: wait {seconds} s before sending again."),
                seconds=max(1, round(limits.min_send_interval_s - waited)),
            )
    if (now - _aware(participant.window_start)).total_seconds() >= limits.send_window_s:
        participant.window_start, participant.sends_in_window = now, 0
    if participant.sends_in_window >= limits.sends_per_window:
        left = _aware(participant.window_start) + timedelta(seconds=limits.send_window_s) - now
        raise BoardError(
            N_("You have sent {limit} times in the last {minutes} minutes; wait {seconds} s."),
            limit=limits.sends_per_window,
            minutes=round(limits.send_window_s / 60),
            seconds=max(1, round(left.total_seconds())),
        )


def _validated(spec: Any) -> tuple[str, Figures]:
    """The canonical JSON and figures of a design fit for the board."""
    try:
        parsed = parse_spec(json.loads(spec) if isinstance(spec, (str, bytes)) else spec)
    except (SpecError, ValueError) as exc:
        raise BoardError(N_("This design is not a valid spec: {reason}"), reason=str(exc)) from exc
    spec_json = canonical_json(parsed)
    if len(spec_json.encode("utf-8")) > MAX_SPEC_BYTES:
        raise BoardError(N_("This design is too large for the board."))
    errors = [d for d in lint(parsed) if d.severity == "error"]
    if errors:
        raise BoardError(
            N_("This design has errors ({codes}); fix them before sending it."),
            codes=", ".join(sorted({d.code for d in errors})),
        )
    return spec_json, design_figures(parsed)


def _row(entry: Entry, me: Optional[int]) -> Row:
    copied = ("id", "display_name", "design_name", "spec_json", "probe_accuracy", "hidden")
    return Row(
        **{name: getattr(entry, name) for name in (*FIGURE_FIELDS, *copied)},
        mine=me is not None and entry.participant_id == me,
        updated_at=_aware(entry.updated_at),
    )
