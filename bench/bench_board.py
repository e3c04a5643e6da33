"""Classroom board benchmark (prints figures; never asserts timings).

    python bench/bench_board.py [--entries 100] [--senders 30] [--repeats 5] [--no-postgres]

1. board page render: the ``?board=CODE`` page with N entries, rendered by Streamlit's AppTest
   (one full script run, in-process): the first run (diagram thumbnails not yet cached) and the
   median of repeated runs, against the empty board's page in the same run (ratio);
2. concurrent sends: S participants pressing "Send to board" at the same moment (threads of one
   process, each its own secret and design), on SQLite and — when Debian's PostgreSQL binaries
   are there — on a PostgreSQL server started on loopback: errors, median and p95 of one send,
   against one send alone (ratio).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from resattn_board import db  # noqa: E402
from resattn_board.service import BoardService, Limits, new_secret  # noqa: E402
from tests.board.designs import small_design  # noqa: E402

SLOTS = ["branch", "post_add", "pre_residual", "skip", None]
KINDS = ["se", "eca", "cbam", "coord"]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def designs(n: int) -> list[dict]:
    return [small_design(f"design_{i}", SLOTS[i % 5], KINDS[(i // 5) % 4]) for i in range(n)]


def render_page(code: str, repeats: int) -> tuple[float, float]:
    from streamlit.testing.v1 import AppTest

    times = []
    for _ in range(repeats + 1):
        at = AppTest.from_file(str(ROOT / "studio.py"), default_timeout=300)
        at.query_params["board"] = code
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        if at.exception:
            raise RuntimeError(at.exception[0].value)
    return times[0], statistics.median(times[1:])


def bench_render(url: str, entries: int, repeats: int) -> None:
    os.environ[db.URL_ENV] = url
    svc = BoardService(db.get_engine(url))
    empty = svc.create_board("Empty").code
    full = svc.create_board("Full").code
    for design in designs(entries):
        svc.send(full, new_secret(), design["name"], design)
    first_empty, empty_s = render_page(empty, repeats)
    first, warm = render_page(full, repeats)
    print(f"board page, {entries} entries (AppTest script run, median of {repeats}):")
    print(f"  first run (thumbnails uncached) {first * 1000:8.0f} ms")
    print(f"  later runs                      {warm * 1000:8.0f} ms")
    print(f"  empty board (reference)         {empty_s * 1000:8.0f} ms")
    print(f"  ratio full / empty              {warm / empty_s:8.2f}")


def bench_sends(label: str, url: str, senders: int) -> None:
    svc = BoardService(db.create(url), limits=Limits())
    code = svc.create_board("Load").code
    jobs = designs(senders)
    # warm the figures cache so the send itself is measured, as in a session that has the design
    for design in jobs:
        svc.send(svc.create_board().code, new_secret(), "warm", design)
    alone, quiet = [], svc.create_board("Alone").code
    for design in jobs[:5]:
        t0 = time.perf_counter()
        svc.send(quiet, new_secret(), "alone", design)
        alone.append(time.perf_counter() - t0)
    barrier = threading.Barrier(senders)

    def one(design):
        barrier.wait()
        t0 = time.perf_counter()
        try:
            svc.send(code, new_secret(), design["name"], design)
            return time.perf_counter() - t0, None
        except Exception as exc:  # noqa: BLE001 - counted and printed
            return time.perf_counter() - t0, repr(exc)

    with ThreadPoolExecutor(senders) as pool:
        results = list(pool.map(one, jobs))
    times = [t for t, e in results]
    errors = [e for t, e in results if e]
    stored = len(svc.entries(code))
    print(f"{senders} concurrent sends on {label}:")
    print(f"  errors {len(errors)}, entries stored {stored}/{senders}")
    median, p95 = statistics.median(times), pct(times, 0.95)
    print(f"  median {median * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms")
    print(f"  one send alone (median of 5) {statistics.median(alone) * 1000:7.1f} ms")
    print(f"  ratio p95 / alone {p95 / statistics.median(alone):7.2f}")
    for e in errors[:3]:
        print("  error:", e)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--senders", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="resattn-bench-board-"))
    bench_render(f"sqlite:///{tmp / 'render.sqlite3'}", args.entries, args.repeats)
    bench_sends("SQLite", f"sqlite:///{tmp / 'sends.sqlite3'}", args.senders)
    if args.no_postgres:
        return
    from tests.board.conftest import PostgresServer, _pg_bin

    bindir = _pg_bin()
    if bindir is None:
        print("PostgreSQL: Debian's postgresql binaries are not installed; skipped")
        return
    server = PostgresServer(bindir)
    server.start()
    try:
        bench_sends("PostgreSQL", server.url(), args.senders)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
