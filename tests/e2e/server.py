"""A Streamlit server on a free loopback port and Debian's Chromium settings.

Shared by the browser tests and `bench/bench_studio.py`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RESATTN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:`port`; returns once the health endpoint answers.

    The server's stderr goes to a temporary file, never to an unread pipe (a chatty server would
    fill the pipe and block); its tail is in the error when the server fails to start.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    proc.stderr_log = log  # closed by stop_server
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited ({proc.returncode}): {stderr_tail(proc)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    tail = stderr_tail(proc)
    stop_server(proc)
    raise RuntimeError(f"streamlit did not become healthy within 90 s: {tail}")


def stderr_tail(proc: subprocess.Popen, limit: int = 2000) -> str:
    """The last `limit` characters the server wrote to stderr."""
    log = getattr(proc, "stderr_log", None)
    if log is None or log.closed:
        return ""
    log.flush()
    size = log.seek(0, os.SEEK_END)
    log.seek(max(0, size - limit * 4))
    return log.read().decode("utf-8", "replace")[-limit:]


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    log = getattr(proc, "stderr_log", None)
    if log is not None:
        log.close()
