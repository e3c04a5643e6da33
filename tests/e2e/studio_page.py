"""A small page object for the studio in the browser (Playwright sync API)."""

from __future__ import annotations

import time

from playwright.sync_api import Page

from tests.colours import css_rgb, shade

#: Streamlit's app element while the page's script runs
RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'


def canvas_trigger(msg):
    """The canvas's trigger (its numbered edits) in a page → server `BackMsg`, as a widget
    state; None when the message carries none."""
    for w in msg.rerun_script.widget_states.widgets:
        if w.id.endswith("studio.canvas__events"):
            return w
    return None


class Studio:
    def __init__(self, page: Page):
        self.page = page

    def open(self, url: str) -> Studio:
        self.page.goto(url)
        self.page.locator("svg.ra-svg").wait_for()
        self.page.locator('[data-testid="stTabs"]').wait_for()  # the first run has finished
        self.wait_idle()
        return self

    def wait_idle(self, timeout: float = 45.0) -> None:
        """Wait until the script run finished (the app element's script state is no longer
        ``running``)."""
        deadline = time.time() + timeout
        time.sleep(0.15)
        while time.time() < deadline:
            if self.page.locator(RUNNING).count() == 0:
                return
            time.sleep(0.1)

    def shade(self, selector: str = '[data-testid="stApp"]') -> str:
        """``"light"`` or ``"dark"``: the background `selector` (Streamlit's app) is drawn in."""
        css = self.page.locator(selector).first.evaluate("e => getComputedStyle(e).backgroundColor")
        return shade(css_rgb(css))

    # --- the canvas ----------------------------------------------------------------------
    def chip(self, kind: str):
        return self.page.locator(f".ra-chip[data-type={kind}]")

    def zone(self, slot: str):
        return self.page.locator(f"g.ra-zone[data-slot={slot}]")

    def placed(self, slot: str):
        return self.page.locator(f"g.ra-placed[data-slot={slot}]")

    def drag_chip(self, kind: str, slot: str) -> None:
        self.chip(kind).drag_to(self.zone(slot), steps=20)

    def formula(self) -> str:
        return self.page.locator(".ra-formula").inner_text()

    def canvas(self):
        return self.page.locator(".ra-canvas")

    def out_shape(self) -> str:
        return self.page.locator("text.ra-shape.ra-end").text_content()

    # --- panels --------------------------------------------------------------------------
    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name, exact=True).click()
        self.wait_idle()

    def ascii(self) -> str:
        return self.page.evaluate(
            """() => [...document.querySelectorAll('pre.ra-ascii')]
                 .map(e => e.textContent).find(t => t.includes('⊕')) || ''"""
        )

    def code(self) -> str:
        return self.page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stCode"]')]
                 .map(e => e.textContent).find(t => t.includes('def build_model')) || ''"""
        )

    def wait_for(self, predicate, timeout: float = 30.0, what: str = "condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")
