"""Real Chromium: two participants send designs from their own browsers, a third browser sees
both on the board (live refresh, no reload), and a reloaded browser keeps its secret."""

from __future__ import annotations

import re
import time

import pytest

from resattn_board import db
from resattn_board.service import MIN_SEND_INTERVAL_S, BoardService
from tests.e2e.server import free_port, start_server, stop_server
from tests.e2e.studio_page import Studio

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def board_server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('board') / 'board.sqlite3'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(db.URL_ENV, url)
        port = free_port()
        proc = start_server(port)
    try:
        yield f"http://127.0.0.1:{port}", url
    finally:
        stop_server(proc)
        db.dispose_all()


def _send(studio: Studio, base: str, code: str, name: str) -> None:
    page = studio.page
    side = page.locator('[data-testid="stSidebar"]')
    expander = side.locator('[data-testid="stExpander"]', has_text="Send to board")
    if not expander.locator('input[aria-label="Room code"]').is_visible():
        expander.locator("summary").click()
    expander.locator('input[aria-label="Room code"]').fill(code)
    expander.locator('input[aria-label="Display name"]').fill(name)
    expander.locator('input[aria-label="Display name"]').press("Tab")
    studio.wait_idle()
    expander.get_by_role("button", name="Send to board").click()
    studio.wait_idle()
    expander.locator('[data-testid="stAlertContentSuccess"]').wait_for()


def test_two_senders_and_a_viewer(board_server, browser, artifacts):
    base, url = board_server
    created = BoardService(db.get_engine(url)).create_board("Browser workshop")
    contexts = [browser.new_context(viewport={"width": 1440, "height": 1000}) for _ in range(3)]
    try:
        for ctx in contexts:
            ctx.set_default_timeout(60_000)
        viewer = contexts[2].new_page()
        viewer.goto(f"{base}/?board={created.code}")
        viewer.get_by_text("No designs yet", exact=False).wait_for()
        senders = [Studio(ctx.new_page()).open(base) for ctx in contexts[:2]]
        _send(senders[0], base, created.code, "Deniz")
        _send(senders[1], base, created.code.lower(), "Ece <i>")
        # the viewer's page refreshes itself: both entries appear without a reload
        viewer.get_by_text("2 designs on the board").wait_for(timeout=60_000)
        cards = viewer.locator('[role="tabpanel"]').first
        cards.locator("img.ra-board-thumb").nth(1).wait_for()
        assert sorted(cards.locator(".ra-board-name").all_inner_texts()) == ["Deniz", "Ece <i>"]
        assert cards.locator("img.ra-board-thumb").count() == 2
        # a reloaded browser keeps its secret: sending again replaces its entry
        time.sleep(MIN_SEND_INTERVAL_S + 0.5)
        senders[0].page.reload()
        senders[0].open(base)
        _send(senders[0], base, created.code, "Deniz K")
        viewer.get_by_text("Deniz K", exact=True).wait_for(timeout=60_000)
        assert sorted(cards.locator(".ra-board-name").all_inner_texts()) == ["Deniz K", "Ece <i>"]
        # "open in the studio" is the design's share link
        link = viewer.get_by_role("link", name="Open in the studio").first
        assert re.search(r"\?spec=ra1\.", link.get_attribute("href"))
        viewer.goto(f"{base}/?board={created.code}&lang=tr")
        viewer.get_by_text("Panoda 2 tasarım").wait_for()
        viewer.screenshot(path=str(artifacts / "board_tr_1440.png"), full_page=True)
        width = viewer.evaluate("document.documentElement.scrollWidth")
        assert width <= 1440, f"the Turkish board overflows: {width}px"
    finally:
        for ctx in contexts:
            ctx.close()
