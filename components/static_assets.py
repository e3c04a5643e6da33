"""Streamlit's own frontend files, served from memory (an ASGI middleware for `app.py`).

A browser that opens the studio for the first time fetches some 120 files of Streamlit's
frontend (about 5 MB of hashed JavaScript, CSS and fonts under ``/static/``). Streamlit serves
each through its middleware stack and worker threads (a ``stat``, an open and a read per file):
on the server's event loop, the loop that also carries every session's edits. Measured on a
2-core machine, one fresh page load cost the server about 0.3 s of CPU for those files alone,
and the 30 sessions of a room waited behind them.

`StaticAssets` answers ``GET``/``HEAD`` of those files itself, ahead of Streamlit's stack: the
first request of a file reads it once, every later one is sent from memory with its headers
already made (at most the size of Streamlit's ``static`` folder, about 26 MB; a page uses some
5 MB). The files are hashed bundles, so they never change under a running server; they are
sent with Streamlit's own cache policy for them (``public, immutable``, a year). Anything else
goes on to Streamlit unchanged: its pages, websocket, components, health check, a file that is
not there (Streamlit's answer is its ``index.html``), a request for a byte range, and every path
that is not a plain file name inside the folder.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from collections.abc import Callable
from email.utils import formatdate
from typing import Any, Optional

#: Streamlit's cache policy for its hashed bundles (``starlette_static_routes``)
CACHE_CONTROL = "public, immutable, max-age=31536000"


def streamlit_static_dir() -> str:
    """The folder of Streamlit's hashed frontend files (its ``static/static``)."""
    from streamlit import file_util

    return os.path.join(file_util.get_static_dir(), "static")


def url_prefix(base_url_path: str = "") -> str:
    """The path under which Streamlit serves those files: ``/static/``, or below the server's
    ``server.baseUrlPath``."""
    base = base_url_path.strip("/")
    return f"/{base}/static/" if base else "/static/"


class StaticAssets:
    """ASGI middleware: Streamlit's ``/static/`` files from memory, everything else to `app`."""

    def __init__(
        self,
        app: Callable,
        directory: Optional[str] = None,
        base_url_path: Optional[str] = None,
    ) -> None:
        self.app = app
        self.directory = os.path.realpath(directory or streamlit_static_dir())
        if base_url_path is None:
            from streamlit import config

            base_url_path = config.get_option("server.baseUrlPath") or ""
        self.prefix = url_prefix(base_url_path)
        self._files: dict[str, tuple[list, bytes, bytes]] = {}

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        found = self._lookup(scope) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        headers, body, etag = found
        if _header(scope, b"if-none-match") == etag:
            await send({"type": "http.response.start", "status": 304, "headers": headers[2:]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else body
        await send({"type": "http.response.body", "body": body})

    def _lookup(self, scope: dict) -> Optional[tuple[list, bytes, bytes]]:
        """The cached response for `scope`, read on its first request; None: not ours."""
        path = scope.get("path", "")
        if scope.get("method") not in ("GET", "HEAD") or not path.startswith(self.prefix):
            return None
        if _header(scope, b"range") is not None:
            return None  # a byte range: Streamlit's handler knows them
        name = path[len(self.prefix) :]
        return self._files.get(name) or self._read(name)

    def _read(self, name: str) -> Optional[tuple[list, bytes, bytes]]:
        parts = name.split("/")
        if not name or "\\" in name or "\0" in name or any(p in ("", ".", "..") for p in parts):
            return None
        path = os.path.join(self.directory, *parts)
        if os.path.realpath(path) != path or not os.path.isfile(path):
            return None  # outside the folder (a link), or not a plain file
        with open(path, "rb") as f:
            body = f.read()
        etag = f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'.encode()
        headers = [
            (b"content-type", _content_type(path)),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", CACHE_CONTROL.encode()),
            (b"etag", etag),
            (b"last-modified", formatdate(os.path.getmtime(path), usegmt=True).encode()),
        ]
        self._files[name] = (headers, body, etag)  # the event loop's thread only: no lock
        return self._files[name]


def _content_type(path: str) -> bytes:
    """As Starlette's ``FileResponse`` names it (text types in UTF-8)."""
    kind = mimetypes.guess_type(path)[0] or "text/plain"
    if kind.startswith("text/"):
        kind += "; charset=utf-8"
    return kind.encode()


def _header(scope: dict[str, Any], name: bytes) -> Optional[bytes]:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value
    return None
