"""Board test fixtures: every board test runs against SQLite and against a real PostgreSQL.

The PostgreSQL server is Debian's (`postgresql` package): the fixture runs ``initdb`` into a
temporary directory, starts it with ``pg_ctl`` on a free loopback port and stops it at the end
of the session. ``initdb`` refuses to run as root, so as root the server runs as the ``postgres``
system user (via ``runuser``). Without the binaries the PostgreSQL half is skipped with the
reason; with ``RESATTN_REQUIRE_POSTGRES=1`` (CI) it fails instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from resattn_board import db
from tests.e2e.server import free_port


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


class PostgresServer:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="resattn-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            self.root.chmod(0o700)

    def run(self, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            _as_server_user([str(self.bindir / args[0]), *args[1:]]),
            check=True,
            capture_output=True,
            timeout=timeout,
        )

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", self.user, "-A", "trust", "-E", "UTF8")
        self.launch()

    def launch(self) -> None:
        # -l: the server's output goes to a file, never to this process's pipes
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=200"
        )
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def restart(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", timeout=60)
        self.launch()


@pytest.fixture(scope="session")
def postgres():
    bindir = _pg_bin()
    if bindir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        message = "PostgreSQL server binaries (Debian package postgresql) are not installed"
        if os.environ.get("RESATTN_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer(bindir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    """A fresh, empty board database URL (migrations not yet run)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'board.sqlite3'}"
    else:
        server = request.getfixturevalue("postgres")
        name = "t_" + uuid.uuid4().hex[:12]
        admin = create_engine(db.database_url(server.url()), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = server.url(name)
    yield url
    db.dispose_all()


@pytest.fixture
def engine(database):
    return db.create(database)


def wait_for(predicate, timeout: float = 30.0, step: float = 0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()
