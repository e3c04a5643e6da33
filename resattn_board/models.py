"""The board's tables. Designs are stored as canonical spec JSON text (never pickled)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Board(Base):
    """A workshop's board: its public room code and the hash of the instructor's key."""

    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(120))
    instructor_key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    entries: Mapped[list[Entry]] = relationship(back_populates="board", passive_deletes=True)


class Participant(Base):
    """One browser on one board, known by the hash of its secret; holds its rate-limit window."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("board_id", "secret_hash", name="uq_participant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sends_in_window: Mapped[int] = mapped_column(Integer, default=0)
    last_sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


class Entry(Base):
    """One design on a board. A participant's entries are keyed by the design's name: sending a
    design under the same name replaces that entry."""

    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("board_id", "participant_id", "design_name", name="uq_entry"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(64))
    design_name: Mapped[str] = mapped_column(String(64))
    spec_json: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    pattern: Mapped[str] = mapped_column(String(200))
    params: Mapped[int] = mapped_column(BigInteger)
    macs: Mapped[int] = mapped_column(BigInteger)
    attention_params_pct: Mapped[float] = mapped_column(Float)
    attention_macs_pct: Mapped[float] = mapped_column(Float)
    probe_accuracy: Mapped[Optional[float]] = mapped_column(Float)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    board: Mapped[Board] = relationship(back_populates="entries")
