"""Streamlit's frontend files sent from memory (`components/static_assets.py`): the same bytes as
on disk, the headers made once, and every request that is not a plain file inside the folder
left to Streamlit."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.static_assets import CACHE_CONTROL, StaticAssets, streamlit_static_dir, url_prefix


class Downstream:
    """The app behind the middleware (Streamlit's stack): records what reached it."""

    def __init__(self):
        self.paths: list[str] = []

    async def __call__(self, scope, receive, send):
        self.paths.append(scope.get("path", ""))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"downstream"})


def call(app, path: str, method: str = "GET", headers=(), kind: str = "http"):
    """(status, headers as a dict, body) of one request through `app`."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": kind, "method": method, "path": path, "headers": list(headers)}
    # A loop of its own on a thread of its own: a browser test's Playwright keeps an event loop
    # running on this thread for the whole session.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, app(scope, receive, send)).result()
    start = sent[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "index.abc123.js").write_bytes(b"console.log(1);\n")
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "index.def.css").write_text("body{}", encoding="utf-8")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "font.woff2").write_bytes(bytes(range(256)))
    return tmp_path


def test_a_file_is_sent_with_its_bytes_and_headers_then_from_memory(folder):
    behind = Downstream()
    app = StaticAssets(behind, directory=str(folder), base_url_path="")
    status, headers, body = call(app, "/static/js/index.abc123.js")
    assert (status, body) == (200, b"console.log(1);\n")
    assert headers[b"content-length"] == b"16"
    kind = headers[b"content-type"].split(b";")[0]
    assert kind in (b"text/javascript", b"application/javascript")
    assert headers[b"cache-control"] == CACHE_CONTROL.encode()
    assert headers[b"etag"] == f'"{hashlib.md5(body).hexdigest()}"'.encode()
    assert call(app, "/static/css/index.def.css")[1][b"content-type"] == b"text/css; charset=utf-8"
    # from memory: the file is no longer read
    (folder / "js" / "index.abc123.js").unlink()
    assert call(app, "/static/js/index.abc123.js")[2] == b"console.log(1);\n"
    assert behind.paths == []


def test_head_has_the_headers_and_no_body_and_a_known_etag_is_not_modified(folder):
    app = StaticAssets(Downstream(), directory=str(folder), base_url_path="")
    status, headers, body = call(app, "/static/media/font.woff2", method="HEAD")
    assert (status, body, headers[b"content-length"]) == (200, b"", b"256")
    etag = headers[b"etag"]
    known = [(b"if-none-match", etag)]
    status, headers, body = call(app, "/static/media/font.woff2", headers=known)
    assert (status, body) == (304, b"")
    assert b"content-length" not in headers and headers[b"etag"] == etag
    assert call(app, "/static/media/font.woff2", headers=[(b"if-none-match", b'"x"')])[0] == 200


@pytest.mark.parametrize(
    ("path", "method", "headers", "kind"),
    [
        ("/static/js/missing.js", "GET", (), "http"),  # Streamlit answers with its index.html
        ("/static/js", "GET", (), "http"),  # a folder
        ("/static/", "GET", (), "http"),
        ("/static/js/index.abc123.js", "POST", (), "http"),
        ("/static/js/index.abc123.js", "GET", [(b"range", b"bytes=0-3")], "http"),
        ("/static/js/index.abc123.js", "GET", (), "websocket"),
        ("/", "GET", (), "http"),
        ("/_stcore/health", "GET", (), "http"),
        ("/other/static/js/index.abc123.js", "GET", (), "http"),
        ("/static/js/../js/index.abc123.js", "GET", (), "http"),
        ("/static/../secret.txt", "GET", (), "http"),
        ("/static//js/index.abc123.js", "GET", (), "http"),
        ("/static/./js/index.abc123.js", "GET", (), "http"),
        ("/static/js\\index.abc123.js", "GET", (), "http"),
        ("/static/js/index.abc123.js\0", "GET", (), "http"),
        ("/static/link.js", "GET", (), "http"),  # a link out of the folder
    ],
)
def test_what_is_not_a_plain_file_inside_the_folder_goes_on_to_streamlit(
    folder, tmp_path_factory, path, method, headers, kind
):
    secret = tmp_path_factory.mktemp("outside") / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    (folder.parent / "secret.txt").write_text("secret", encoding="utf-8")
    os.symlink(secret, folder / "link.js")
    behind = Downstream()
    app = StaticAssets(behind, directory=str(folder), base_url_path="")
    status, _headers, body = call(app, path, method=method, headers=headers, kind=kind)
    assert (status, body) == (299, b"downstream")
    assert behind.paths == [path]


@given(st.text(alphabet="./\\\0ajs%", max_size=24))
def test_no_path_reaches_a_file_outside_the_folder(tmp_path_factory, name):
    folder = tmp_path_factory.mktemp("static")
    (folder / "a.js").write_text("a", encoding="utf-8")
    (folder.parent / "s.js").write_text("outside", encoding="utf-8")
    app = StaticAssets(Downstream(), directory=str(folder), base_url_path="")
    status, _headers, body = call(app, "/static/" + name)
    assert status == 299 or (status == 200 and body == b"a" and name == "a.js")


def test_under_a_base_url_path_only_that_prefix_is_served(folder):
    assert url_prefix("") == "/static/"
    assert url_prefix("/room/") == url_prefix("room") == "/room/static/"
    behind = Downstream()
    app = StaticAssets(behind, directory=str(folder), base_url_path="room")
    assert call(app, "/room/static/js/index.abc123.js")[0] == 200
    assert call(app, "/static/js/index.abc123.js")[0] == 299


def test_every_file_streamlits_page_loads_first_is_sent_as_on_disk():
    """The real folder: the bundles named by Streamlit's index.html, byte for byte."""
    directory = Path(streamlit_static_dir())
    html = (directory.parent / "index.html").read_text(encoding="utf-8")
    names = sorted(set(re.findall(r'"\.?/?static/([^"?#]+)"', html)))
    assert len(names) >= 2  # its JavaScript and CSS entry points
    app = StaticAssets(Downstream(), base_url_path="")
    for name in names:
        status, headers, body = call(app, "/static/" + name)
        assert status == 200, name
        assert body == (directory / name).read_bytes()
        assert headers[b"content-length"] == str(len(body)).encode()
