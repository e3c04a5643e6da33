"""Edits in a real browser are instant and never lost: each drop shows on the canvas at once
(before the server answers), every edit is numbered, and 20 rapid drops — the first right after
the page loaded — all land, in order, each once."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

import resattn
from components.texts import slot_label
from tests.e2e.studio_page import RUNNING, Studio, canvas_trigger

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


def _canvas_edits(payload) -> list[int] | None:
    """The sequence numbers of the canvas edits a page → server frame carries (None: none)."""
    msg = BackMsg()
    msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
    trigger = canvas_trigger(msg)
    if trigger is None or not trigger.json_trigger_value:
        return None
    [event] = json.loads(trigger.json_trigger_value)
    return [e["seq"] for e in event["value"]["edits"]]


def test_edits_made_while_one_is_in_flight_wait_for_the_answer_and_go_together(context, server_url):
    """One message at a time (canvas.js): while the server has not answered an edit, later edits
    are drawn at once but not sent, and no timed resend goes while the page's script runs; the
    answer releases them in one message. (Sending into a busy server makes it stop each rerun
    for the next one, and never answer.) The server's answer is held back here, except the
    news that the script runs."""
    page = context.new_page()
    hold = {"on": False, "held": [], "sent": []}

    def route(ws):
        server = ws.connect_to_server()
        hold["page"] = ws

        def from_page(payload):
            seqs = _canvas_edits(payload)
            if seqs is not None:
                hold["sent"].append((hold["on"], seqs))
            server.send(payload)

        def from_server(payload):
            fm = ForwardMsg()
            fm.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
            running = (
                fm.WhichOneof("type") == "session_status_changed"
                and fm.session_status_changed.script_is_running
            )
            if hold["on"] and running:
                ws.send(payload)
            elif hold["on"] or hold["held"]:  # (once released, the held ones go first)
                hold["held"].append(payload)
            else:
                ws.send(payload)

        ws.on_message(from_page)
        server.on_message(from_server)

    page.route_web_socket(re.compile(r".*/_stcore/stream"), route)
    studio = Studio(page).open(server_url)
    hold["on"] = True
    studio.drag_chip("eca", "skip")  # the default design has SE in the branch
    studio.placed("skip").wait_for(timeout=2_000)
    page.locator(RUNNING).wait_for()  # the server runs the edit
    for slot, kind in (("post_add", "cbam"), ("pre_residual", "coord")):
        page.get_by_label(slot_label(slot), exact=True).select_option(kind)
        studio.placed(slot).wait_for(timeout=2_000)  # drawn at once
    page.wait_for_timeout(2_500)  # past the first resend's 1.5 s
    assert hold["sent"] == [(True, [1])], hold["sent"]  # the first edit alone, once
    host = page.locator(".ra-canvas")
    assert host.get_attribute("data-pending") == "3"
    hold["on"] = False
    while hold["held"]:  # the server's answer to edit 1 arrives
        hold["page"].send(hold["held"].pop(0))
    studio.wait_for(
        lambda: (
            host.get_attribute("data-acked") == "3" and host.get_attribute("data-pending") == "0"
        ),
        what="the three edits acknowledged",
    )
    # then one message with the two waiting edits (with edit 1 too, if the page's resend timer
    # saw the run end before the canvas drew its answer: the server applies each number once)
    [after] = [seqs for on, seqs in hold["sent"] if not on]
    assert after in ([2, 3], [1, 2, 3]), hold["sent"]
