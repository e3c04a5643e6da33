"""The board's first tables: boards, participants, entries.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "boards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("instructor_key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_boards_code", "boards", ["code"], unique=True)
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "board_id",
            sa.Integer(),
            sa.ForeignKey("boards.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sends_in_window", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("board_id", "secret_hash", name="uq_participant"),
    )
    op.create_index("ix_participants_board_id", "participants", ["board_id"])
    op.create_table(
        "entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "board_id",
            sa.Integer(),
            sa.ForeignKey("boards.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "participant_id",
            sa.Integer(),
            sa.ForeignKey("participants.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("design_name", sa.String(64), nullable=False),
        sa.Column("spec_json", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("pattern", sa.String(200), nullable=False),
        sa.Column("params", sa.BigInteger(), nullable=False),
        sa.Column("macs", sa.BigInteger(), nullable=False),
        sa.Column("attention_params_pct", sa.Float(), nullable=False),
        sa.Column("attention_macs_pct", sa.Float(), nullable=False),
        sa.Column("probe_accuracy", sa.Float(), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("board_id", "participant_id", "design_name", name="uq_entry"),
    )
    op.create_index("ix_entries_board_id", "entries", ["board_id"])
    op.create_index("ix_entries_participant_id", "entries", ["participant_id"])


def downgrade() -> None:
    op.drop_table("entries")
    op.drop_table("participants")
    op.drop_index("ix_boards_code", table_name="boards")
    op.drop_table("boards")
