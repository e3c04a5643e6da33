"""Alembic environment of the board: runs on the connection `resattn_board.db.migrate` passes."""

from alembic import context

from resattn_board.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the board's migrations through resattn_board.db.migrate(engine)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
