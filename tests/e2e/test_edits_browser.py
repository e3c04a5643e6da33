"""Edits in a real browser are instant and never lost: each drop shows on the canvas at once
(before the server answers), every edit is numbered, and 20 rapid drops — the first right after
the page loaded — all land, in order, each once."""

from __future__ import annotations

import pytest

import resattn
from tests.e2e.studio_page import Studio

pytestmark = pytest.mark.e2e

#: where the SE gate goes on each move (a chain: each move starts where the previous one ended)
CYCLE = ["branch", "skip", "post_add", "pre_residual"]


def test_twenty_rapid_drops_all_land_in_order(context, server_url, artifacts):
    page = context.new_page()
    studio = Studio(page)
    page.goto(server_url)
    page.locator("svg.ra-svg").wait_for()  # no waiting for the page to settle: edit at once
    # The default design has SE in the branch; 20 moves around the four slots follow.
    where = "branch"
    for i in range(20):
        target = CYCLE[(i + 1) % 4]
        studio.placed(where).locator(".ra-chip-box").drag_to(studio.zone(target), steps=20)
        # optimistic: the chip is drawn in its new slot before the server has answered
        studio.placed(target).wait_for(timeout=2_000)
        where = target
    host = page.locator(".ra-canvas")
    studio.wait_for(
        lambda: (
            host.get_attribute("data-acked") == "20" and host.get_attribute("data-pending") == "0"
        ),
        timeout=60,
        what="all 20 edits acknowledged",
    )
    assert host.get_attribute("data-seq") == "20"
    studio.wait_idle()
    final = CYCLE[20 % 4]
    assert final == "branch"
    token = studio.wait_for(
        lambda: "spec=" in page.url and page.url.split("spec=")[1], what="the URL"
    )
    spec = resattn.load_spec(token)
    filled = {s: a.type for s, a in spec.slots.items() if a is not None}
    assert filled == {final: "se"}, filled
    # applied in order, each once: undo walks back through every move
    assert page.get_by_role("button", name="↶ Undo").is_enabled()
    studio.canvas().screenshot(path=str(artifacts / "canvas_after_20_drops_light.png"))


def test_a_drop_on_a_fresh_page_is_drawn_at_once_and_acknowledged_once(context, server_url):
    from resattn.export.share import share_token
    from resattn.loading import load_spec

    spec = load_spec("preset:bottleneck_block")
    studio = Studio(context.new_page()).open(f"{server_url}/?spec={share_token(spec)}")
    studio.drag_chip("se", "branch")
    studio.placed("branch").wait_for(timeout=2_000)  # drawn at once
    host = studio.page.locator(".ra-canvas")
    studio.wait_for(lambda: host.get_attribute("data-acked") == "1", what="the edit acknowledged")
    assert host.get_attribute("data-pending") == "0"
