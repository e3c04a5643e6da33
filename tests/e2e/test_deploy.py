"""deploy/: two studio processes behind nginx (deploy/nginx.conf, on loopback) — sessions are
spread over both processes, and each browser stays with its own process, design intact."""

from __future__ import annotations

import re
import time

import pytest

import resattn
from resattn.export.share import share_token
from resattn.loading import load_spec
from tests.e2e.server import (
    established,
    free_port,
    start_nginx,
    start_server,
    stop_nginx,
    stop_server,
)
from tests.e2e.studio_page import Studio

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cluster():
    backends = [free_port(), free_port()]
    procs = [start_server(p) for p in backends]
    port = free_port()
    nginx = start_nginx(backends, port)
    try:
        yield f"http://127.0.0.1:{port}", backends
    finally:
        stop_nginx(nginx)
        for proc in procs:
            stop_server(proc)


def _sessions_per_backend(url, backends, cookies) -> list[int]:
    """Open one session (a websocket, as a page does) per cookie; the new connections each
    process got."""
    from contextlib import ExitStack

    from websockets.sync.client import connect

    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    before = [established(p) for p in backends]
    with ExitStack() as stack:
        for c in cookies:
            stack.enter_context(
                connect(
                    ws_url,
                    subprotocols=["streamlit"],
                    additional_headers={"Cookie": f"studio_affinity={c}"},
                )
            )
        time.sleep(0.3)
        return [established(p) - b for p, b in zip(backends, before, strict=True)]


def test_sessions_spread_over_both_processes(cluster):
    url, backends = cluster
    counts = _sessions_per_backend(url, backends, [f"browser-{i}" for i in range(40)])
    assert sum(counts) == 40, counts
    assert min(counts) >= 5, counts  # both processes serve sessions


def test_each_browser_keeps_its_process_and_its_design(cluster, browser, tmp_path):
    url, backends = cluster
    # two browsers whose affinity cookies land on different processes
    cookies = {}
    for i in range(64):
        counts = _sessions_per_backend(url, backends, [f"b{i}"])
        cookies.setdefault(counts.index(1), f"b{i}")
        if len(cookies) == 2:
            break
    assert len(cookies) == 2, cookies
    designs = {0: "p3_eca", 1: "p4_cbam"}
    for backend, cookie in cookies.items():
        ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
        ctx.set_default_timeout(60_000)
        ctx.add_cookies([{"name": "studio_affinity", "value": cookie, "url": url}])
        try:
            _edit_and_check(ctx, url, backends[backend], designs[backend], tmp_path)
        finally:
            ctx.close()


def _edit_and_check(ctx, url: str, backend: int, preset: str, tmp_path) -> None:
    spec = load_spec(f"preset:{preset}")
    before = established(backend)
    studio = Studio(ctx.new_page()).open(f"{url}/?spec={share_token(spec)}")
    assert established(backend) > before  # its session is on that process
    studio.drag_chip("se", "post_add")
    studio.placed("post_add").wait_for()
    host = studio.page.locator(".ra-canvas")
    studio.wait_for(lambda: host.get_attribute("data-pending") == "0", what="the ack")
    studio.wait_idle()
    token = studio.wait_for(
        lambda: (m := re.search(r"spec=([^&]+)", studio.page.url)) and m.group(1),
        what="the URL",
    )
    edited = resattn.load_spec(token)
    assert edited.slots.post_add.type == "se"
    assert edited.slots.branch == spec.slots.branch  # the rest of the design intact
    # a download is served by the process that holds the session (affinity)
    studio.tab("Code")
    with studio.page.expect_download() as info:
        studio.page.get_by_role("button", name=re.compile(r"Spec \.json")).click()
    path = tmp_path / f"{preset}.json"
    info.value.save_as(path)
    assert resattn.load_spec(str(path)) == edited
    # a reload opens the same design again (through the same process)
    studio.page.reload()
    studio.page.locator("svg.ra-svg").wait_for()
    studio.placed("post_add").wait_for()
