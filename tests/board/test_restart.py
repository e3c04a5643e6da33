"""A board survives a restart: the studio process that wrote it exits, a new one (and, on
PostgreSQL, a restarted database server) finds every entry, its figures and the instructor key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_WRITE = """
import json, sys
from resattn_board.db import get_engine
from resattn_board.service import BoardService, Limits, new_secret
from tests.board.designs import small_design
svc = BoardService(get_engine(sys.argv[1]), limits=Limits(min_send_interval_s=0))
board = svc.create_board("Restart")
me = new_secret()
for i, slot in enumerate(("branch", "post_add", "skip")):
    svc.send(board.code, me, f"Student {i}", small_design(f"d{i}", slot))
print(json.dumps({"code": board.code, "key": board.instructor_key, "secret": me,
                  "rows": [[r.display_name, r.spec_json, r.params, r.macs]
                           for r in svc.entries(board.code)]}))
"""

_READ = """
import json, sys
from resattn_board.db import get_engine
from resattn_board.service import BoardService
svc = BoardService(get_engine(sys.argv[1]))
code, key, secret = sys.argv[2], sys.argv[3], sys.argv[4]
rows = svc.entries(code, secret=secret)
for r in rows:
    r.spec  # validated on the way out
print(json.dumps({"title": svc.board_title(code), "instructor": svc.is_instructor(code, key),
                  "mine": [r.mine for r in rows],
                  "rows": [[r.display_name, r.spec_json, r.params, r.macs] for r in rows]}))
"""


def _run(script: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_entries_survive_a_restart(database, request):
    written = _run(_WRITE, database)
    if database.startswith("postgresql"):
        request.getfixturevalue("postgres").restart()
    read = _run(_READ, database, written["code"], written["key"], written["secret"])
    assert read["title"] == "Restart" and read["instructor"]
    assert read["rows"] == written["rows"] and len(read["rows"]) == 3
    assert read["mine"] == [True, True, True]
