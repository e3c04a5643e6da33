"""The browser tests' server helper: the server's stderr never fills an unread pipe."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.e2e import server

#: a child that writes far more than a pipe holds (64 kB) to stderr, then exits
CHATTY = (
    "import sys\n"
    "for _ in range(2000): sys.stderr.write('x' * 1000 + '\\n')\n"
    "sys.stderr.write('the last words\\n'); sys.exit(3)\n"
)


def test_a_chatty_server_that_dies_is_reported_with_its_stderr(monkeypatch):
    real_popen = subprocess.Popen

    def popen(args, **kwargs):
        assert kwargs.get("stderr") is not subprocess.PIPE
        return real_popen([sys.executable, "-c", CHATTY], **kwargs)

    monkeypatch.setattr(server.subprocess, "Popen", popen)
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="the last words"):
        server.start_server(server.free_port())
    assert time.monotonic() - t0 < 60  # with an unread pipe the child would block for good
