"""Where the board lives, and the schema migrations that run when a process first opens it.

By default the board is an SQLite file — ``board.sqlite3`` in ``$RESATTN_DATA_DIR`` (default
``~/.local/share/resattn``) — so ``streamlit run app.py`` needs nothing else. Several studio
processes (or machines) share one board through PostgreSQL:
``RESATTN_DATABASE_URL=postgresql://user:password@host/dbname`` (any SQLAlchemy URL works; a
plain ``postgresql://`` URL uses the psycopg 3 driver).

`get_engine` creates the engine once per URL and process and brings the schema to the newest
Alembic revision first (``alembic upgrade head``), so every table has come from a migration.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Optional

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

URL_ENV = "RESATTN_DATABASE_URL"
DATA_DIR_ENV = "RESATTN_DATA_DIR"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: PostgreSQL advisory lock key held while migrating (two processes starting at once).
_MIGRATION_LOCK_KEY = 7_004_221_014

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def default_sqlite_path() -> Path:
    base = os.environ.get(DATA_DIR_ENV) or Path.home() / ".local" / "share" / "resattn"
    return Path(base) / "board.sqlite3"


def database_url(url: Optional[str] = None) -> str:
    """The board's database URL: `url`, else ``$RESATTN_DATABASE_URL``, else the SQLite file."""
    chosen = url or os.environ.get(URL_ENV)
    if not chosen:
        return f"sqlite:///{default_sqlite_path()}"
    parsed = make_url(chosen)
    if parsed.drivername in ("postgresql", "postgres"):
        chosen = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return chosen


def _sqlite_setup(engine: Engine) -> None:
    """SQLite: wait for the write lock instead of failing, write-ahead log, foreign keys on, and
    every transaction takes the write lock at BEGIN (no deadlock when two readers both write)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create(url: Optional[str] = None) -> Engine:
    """A new engine for the board's database (migrated to the newest revision)."""
    url = database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_setup(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    migrate(engine)
    return engine


def get_engine(url: Optional[str] = None) -> Engine:
    """The process's engine for `url` (see `database_url`), created and migrated once."""
    url = database_url(url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create(url)
    return engine


def dispose_all() -> None:
    """Close every engine of this process (tests; a later `get_engine` starts afresh)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def alembic_config(connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to `revision` (on PostgreSQL under an advisory lock, so
    processes starting together migrate one after the other)."""
    from alembic import command

    _locked(engine, lambda config: command.upgrade(config, revision))


def migrate_down(engine: Engine, revision: str) -> None:
    """Undo migrations down to `revision` (``"base"``: no tables)."""
    from alembic import command

    _locked(engine, lambda config: command.downgrade(config, revision))


def _locked(engine: Engine, step) -> None:
    with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
            connection.commit()
        try:
            step(alembic_config(connection))
            connection.commit()
        finally:
            if postgres:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK_KEY}
                )
                connection.commit()
