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


def start_server(port: int, *page_args: str) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:`port` (`page_args` after ``--``: the page's own, such
    as ``--lang tr``); returns once the health endpoint answers.

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
            *(("--", *page_args) if page_args else ()),
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


def _end(proc: subprocess.Popen) -> None:
    """Terminate a process started here; kill it if it does not exit within 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def stop_server(proc: subprocess.Popen) -> None:
    _end(proc)
    log = getattr(proc, "stderr_log", None)
    if log is not None:
        log.close()


NGINX = os.environ.get("RESATTN_NGINX", "/usr/sbin/nginx")
NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def loopback_nginx_conf(backends: list[int], port: int, prefix: Path) -> str:
    """deploy/nginx.conf as it runs here: the same affinity and proxy settings, with the
    compose service's upstream replaced by loopback ports, and every path under `prefix`."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in backends)
    for old, new in (
        ("        server studio:8501;", servers),
        ("        listen 8080;", f"        listen 127.0.0.1:{port};"),
        ("worker_processes auto;", f"worker_processes 1;\npid {prefix}/nginx.pid;"),
        (
            "http {",
            "http {\n"
            f"    access_log off;\n    error_log {prefix}/error.log;\n"
            + "".join(
                f"    {kind}_temp_path {prefix}/{kind};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            ),
        ),
    ):
        if old not in text:
            raise RuntimeError(f"deploy/nginx.conf changed: {old.strip()!r} not found")
        text = text.replace(old, new, 1)
    return f"error_log {prefix}/error.log;\n" + text


def start_nginx(backends: list[int], port: int) -> subprocess.Popen:
    """nginx in the foreground (not a daemon) with a temporary prefix, in front of `backends`."""
    prefix = Path(tempfile.mkdtemp(prefix="resattn-nginx-"))
    conf = prefix / "nginx.conf"
    conf.write_text(loopback_nginx_conf(backends, port, prefix), encoding="utf-8")
    proc = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proc.prefix = prefix
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            log = (prefix / "error.log").read_text() if (prefix / "error.log").exists() else ""
            raise RuntimeError(f"nginx exited ({proc.returncode}): {log[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    stop_nginx(proc)
    raise RuntimeError("nginx did not answer within 20 s")


def stop_nginx(proc: subprocess.Popen) -> None:
    _end(proc)
    import shutil

    shutil.rmtree(getattr(proc, "prefix", ""), ignore_errors=True)


def established(port: int) -> int:
    """How many TCP connections to the local `port` are established (from /proc/net/tcp)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                count += 1
    return count
