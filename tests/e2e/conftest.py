"""Real-browser fixtures: a Streamlit server on a free loopback port (the browser itself:
`tests/e2e/fixtures.py`)."""

from __future__ import annotations

import pytest

from tests.e2e.server import free_port, start_server, stop_server


@pytest.fixture(scope="session")
def server_url():
    port = free_port()
    proc = start_server(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)
