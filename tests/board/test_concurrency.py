"""Thirty participants sending at once lose nothing and create no double entries — from threads of
one studio process and from several processes sharing the database."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from resattn_board.models import Entry, Participant
from resattn_board.service import BoardService, Limits, new_secret
from tests.board.designs import small_design

ROOT = Path(__file__).resolve().parents[2]
ROOM = 30


def _send_all(svc: BoardService, code: str, jobs: list[tuple[str, str, dict]]) -> list:
    barrier = threading.Barrier(len(jobs))

    def one(job):
        secret, name, design = job
        barrier.wait()
        try:
            return svc.send(code, secret, name, design)
        except Exception as exc:  # noqa: BLE001 - collected and asserted empty below
            return exc

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(one, jobs))


def _counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        entries = conn.execute(select(func.count()).select_from(Entry)).scalar_one()
        people = conn.execute(select(func.count()).select_from(Participant)).scalar_one()
    return entries, people


def test_thirty_participants_at_once(engine):
    svc = BoardService(engine)
    code = svc.create_board().code
    jobs = [
        (new_secret(), f"Student {i}", small_design(f"d{i}", ("branch", "skip")[i % 2]))
        for i in range(ROOM)
    ]
    results = _send_all(svc, code, jobs)
    assert [r for r in results if isinstance(r, Exception)] == []
    rows = svc.entries(code)
    assert sorted(r.display_name for r in rows) == sorted(j[1] for j in jobs)
    assert _counts(engine) == (ROOM, ROOM)


def test_one_participant_racing_itself_makes_one_entry(engine):
    svc = BoardService(engine, limits=Limits(min_send_interval_s=0, sends_per_window=1000))
    code = svc.create_board().code
    me = new_secret()
    results = _send_all(svc, code, [(me, "Me", small_design("same"))] * 10)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert _counts(engine) == (1, 1)


_WORKER = """
import json, sys, threading
from resattn_board.db import create
from resattn_board.service import BoardService, new_secret
from tests.board.designs import small_design
url, code, start, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
svc = BoardService(create(url))
barrier = threading.Barrier(count)
errors = []
def one(i):
    barrier.wait()
    try:
        svc.send(code, new_secret(), f"P{i}", small_design(f"d{i}"))
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=one, args=(start + i,)) for i in range(count)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(errors))
"""


def test_thirty_participants_over_three_processes(database, engine):
    code = BoardService(engine).create_board().code
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, database, code, str(10 * k), "10"],
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(3)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
        assert json.loads(out.strip().splitlines()[-1]) == []
    names = sorted(r.display_name for r in BoardService(engine).entries(code))
    assert names == sorted(f"P{i}" for i in range(ROOM))
    assert _counts(engine) == (ROOM, ROOM)
