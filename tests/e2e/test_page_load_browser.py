"""What a page load and an edit cost on the wire, in a real browser: a share link's first paint
is one run of the page (the browser's own reports rerun fragments only), and the components'
code (JS, CSS) is fetched once as files, never carried by a rerun's messages."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from components import slot_canvas
from components.ccv2 import registered_name
from components.static_assets import CACHE_CONTROL, streamlit_static_dir
from resattn.export.share import share_token
from tests.e2e.studio_page import Studio
from tests.ui.test_first_paint import network

pytestmark = pytest.mark.e2e

CANVAS = Path(slot_canvas.__file__).parent


class Wire:
    """The websocket messages of a page, both ways, its requests, and those for component
    files."""

    def __init__(self, page):
        self.sent: list[BackMsg] = []
        self.received: list[bytes] = []
        self.files: list[str] = []
        self.requests: list[str] = []
        page.on("websocket", self._socket)
        page.on("request", self._request)

    def _request(self, request) -> None:
        self.requests.append(request.url)
        if "/bidi-components/" in request.url:
            self.files.append(request.url)

    def _socket(self, ws) -> None:
        ws.on("framesent", self._sent)
        ws.on("framereceived", lambda p: isinstance(p, bytes) and self.received.append(p))

    def _sent(self, payload) -> None:
        msg = BackMsg()
        msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        self.sent.append(msg)

    def runs(self) -> tuple[int, int]:
        """(full-page runs, fragment runs) the page asked for."""
        reruns = [m.rerun_script for m in self.sent if m.WhichOneof("type") == "rerun_script"]
        fragments = sum(1 for r in reruns if r.fragment_id)
        return len(reruns) - fragments, fragments

    @staticmethod
    def canvas_messages(received: list[bytes]) -> list[int]:
        """The sizes of the canvas's element messages among `received`."""
        sizes = []
        for raw in received:
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            if fm.WhichOneof("type") != "delta" or not fm.delta.HasField("new_element"):
                continue
            element = fm.delta.new_element
            if element.WhichOneof("type") == "bidi_component" and (
                element.bidi_component.component_name == registered_name(slot_canvas.NAME)
            ):
                sizes.append(len(element.SerializeToString()))
        return sizes

    def reported(self, key: str) -> bool:
        """Has the page sent a value of the widget or component whose key is `key`?"""
        return any(
            w.id.endswith(f"-{key}")
            for m in self.sent
            if m.WhichOneof("type") == "rerun_script"
            for w in m.rerun_script.widget_states.widgets
            if w.WhichOneof("value") is not None
        )


def settle(page, wire: Wire, quiet_s: float = 1.5, timeout: float = 120) -> None:
    """Wait until no message has come for `quiet_s` (the page and its fragments are done).
    Playwright delivers the frames while it waits (`wait_for_timeout`), not during a sleep."""
    deadline = time.time() + timeout
    seen, since = -1, time.time()
    while time.time() < deadline:
        if len(wire.received) != seen:
            seen, since = len(wire.received), time.time()
        elif time.time() - since > quiet_s:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the page never went quiet")


def wait_until(page, predicate, what: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(100)


def test_a_deep_networks_link_is_painted_by_one_run_of_the_page(context, server_url):
    page = context.new_page()
    wire = Wire(page)
    Studio(page).open(f"{server_url}/?spec={share_token(network(64, 16))}")
    # the browser reports its board secret (a component's state) once the page is drawn
    wait_until(page, lambda: wire.reported("studio.board.browser"), "the browser's secret")
    settle(page, wire)
    full, fragments = wire.runs()
    assert full == 1, f"{full} runs of the whole page for one page load"
    assert fragments >= 1  # the secret's report reran its fragment


#: Streamlit's heaviest frontend bundles a first paint could load: the syntax highlighter
#: (``st.code``, 1.5 MB) and the data grid (``st.dataframe`` / ``st.data_editor``, 0.5 MB, with
#: 0.9 MB of Arrow formatting beside it)
HEAVY = ("StreamlitSyntaxHighlighter", "DataFrame")


def _bundles(wire: Wire) -> set[str]:
    """Which of `HEAVY` the page fetched."""
    return {name for name in HEAVY for u in wire.requests if f"/static/js/{name}." in u}


@pytest.mark.parametrize("link", ["default", "network"])
def test_a_page_load_fetches_neither_the_syntax_highlighter_nor_the_data_grid(
    context, server_url, link
):
    """The Diagram tab, open on every first paint, draws its ASCII picture as the page's HTML,
    and a network's stage table is the page's own component: those bundles are fetched only
    once a panel needs them (the Code tab shows Python)."""
    directory = Path(streamlit_static_dir()) / "js"
    assert all(list(directory.glob(f"{name}.*.js")) for name in HEAVY)  # the names are real
    page = context.new_page()
    wire = Wire(page)
    query = "" if link == "default" else f"/?spec={share_token(network(64, 16))}"
    studio = Studio(page).open(server_url + query)
    studio.wait_for(studio.ascii, what="the ASCII picture")
    if link == "network":
        page.locator(".ra-stages table").wait_for()
    settle(page, wire)
    assert _bundles(wire) == set()
    studio.tab("Code")
    studio.wait_for(studio.code, what="the exported code")
    assert _bundles(wire) == {"StreamlitSyntaxHighlighter"}  # the probe sees a fetch


def test_the_pages_icon_is_drawn_from_the_page_itself(context, server_url):
    """The tab's icon (⊗) is an SVG data URL: the browser asks the server for no icon file, and
    the only HTML it gets is the page itself."""
    page = context.new_page()
    wire = Wire(page)
    pages = []
    page.on(
        "response",
        lambda r: "text/html" in r.headers.get("content-type", "") and pages.append(r.url),
    )
    Studio(page).open(server_url)
    settle(page, wire)
    icons = page.evaluate(
        "() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)"
    )
    assert icons and all(i.startswith("data:image/svg+xml") for i in icons), icons
    assert [u.rstrip("/") for u in pages] == [server_url.rstrip("/")], pages


def test_an_edit_reruns_without_sending_the_components_code_again(context, server_url):
    page = context.new_page()
    wire = Wire(page)
    studio = Studio(page).open(server_url)
    settle(page, wire)
    js, css = (CANVAS / "canvas.js").read_bytes(), (CANVAS / "canvas.css").read_bytes()
    loaded = [u for u in wire.files if u.endswith("/canvas.js")]
    assert len(loaded) == 1, wire.files  # fetched as a file, once
    before = len(wire.received)
    for target in ("skip", "post_add"):
        where = "branch" if target == "skip" else "skip"
        studio.placed(where).locator(".ra-chip-box").drag_to(studio.zone(target), steps=20)
        studio.placed(target).wait_for(timeout=2_000)
    host = page.locator(".ra-canvas")
    studio.wait_for(lambda: host.get_attribute("data-acked") == "2", what="both edits applied")
    settle(page, wire)
    reruns = wire.received[before:]
    marker_js = js.splitlines()[0]  # the file's first line (a comment naming it)
    marker_css = max(css.splitlines(), key=len)
    for raw in reruns:
        assert marker_js not in raw and marker_css not in raw, "a rerun carried the code"
    # each canvas message is its data (and a few hundred bytes of HTML), far less than the code
    sizes = wire.canvas_messages(reruns)
    assert len(sizes) >= 2, sizes
    assert max(sizes) < (len(js) + len(css)) / 2, sizes
    assert [u for u in wire.files if u.endswith("/canvas.js")] == loaded  # not fetched again
    # the file the page loaded is the component's own
    assert page.request.get(loaded[0]).body() == js


def test_streamlits_frontend_files_come_from_the_servers_memory(context, server_url):
    """`app.py` puts `components.static_assets` in front of Streamlit: every ``/static/`` file a
    fresh browser fetches is answered by it (its ETag is the MD5 of the bytes, Streamlit's is
    not) with the bytes on disk, and the page draws."""
    directory = Path(streamlit_static_dir())
    page = context.new_page()
    answers = []
    page.on("response", lambda r: "/static/" in r.url and answers.append(r))
    Studio(page).open(server_url)
    assert len(answers) > 20  # Streamlit's bundles, CSS and fonts
    for answer in answers:
        body = answer.body()
        name = answer.url.split("/static/", 1)[1].split("?")[0]
        assert answer.status == 200, name
        assert body == (directory / name).read_bytes(), name
        assert answer.headers["etag"] == f'"{hashlib.md5(body).hexdigest()}"', name
        assert answer.headers["cache-control"] == CACHE_CONTROL
