"""Every table comes from an Alembic migration, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from resattn_board import db
from resattn_board.models import Base


def test_migrated_schema_equals_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_downgrade_to_nothing_and_up_again(database):
    engine = create_engine(db.database_url(database))
    db.migrate(engine)
    assert {"boards", "participants", "entries"} <= set(inspect(engine).get_table_names())
    db.migrate_down(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    db.migrate(engine)
    assert {"boards", "participants", "entries"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_migrating_twice_changes_nothing(engine):
    db.migrate(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == "0001"
