"""The Diagram tab's views in a real browser: readable text, no console errors, stages that
expand on click, light and dark at 1440 and 1920 px.

Screenshots go to tests/artifacts/diagram_*.png (look at them: every label must read).
"""

from __future__ import annotations

import pytest

from resattn.export.share import share_token
from resattn.loading import load_spec
from tests.e2e.studio_page import Studio

pytestmark = pytest.mark.e2e

GRAPH = "Graph (zoom, SVG)"

#: the smallest rendered label of the SVG, in CSS px (font size × the SVG's scale on screen)
SMALLEST_TEXT = """(svg) => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const sizes = [...svg.querySelectorAll('text')].map(
    (t) => parseFloat(getComputedStyle(t).fontSize) * scale);
  return {count: sizes.length, smallest: Math.min(...sizes)};
}"""

#: the ASCII picture's rendered font size, in CSS px
ASCII_TEXT = """() => Math.min(...[...document.querySelectorAll('pre.ra-ascii')]
  .map((e) => parseFloat(getComputedStyle(e).fontSize)))"""


def _open(browser, server_url, preset: str, width: int, scheme: str):
    ctx = browser.new_context(viewport={"width": width, "height": 1100}, color_scheme=scheme)
    ctx.set_default_timeout(45_000)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    token = share_token(load_spec(f"preset:{preset}"))
    studio = Studio(page).open(f"{server_url}/?spec={token}")
    return ctx, studio, problems


def _graph(studio: Studio):
    studio.page.get_by_role("radio", name=GRAPH).click()
    studio.wait_idle()
    svg = studio.page.locator(".ra-dview-port svg")
    svg.wait_for()
    return svg


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1440, 1920])
@pytest.mark.parametrize("preset", ["p4_se", "se_resnet50"])
def test_diagram_views_read_at_12px_without_console_errors(
    browser, server_url, artifacts, preset, width, scheme
):
    ctx, studio, problems = _open(browser, server_url, preset, width, scheme)
    try:
        page = studio.page
        studio.wait_for(studio.ascii if preset == "p4_se" else (lambda: True), what="ASCII")
        assert 12 <= page.evaluate(ASCII_TEXT) < 100  # drawn (none found: infinity)
        page.get_by_role("tabpanel").last.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"diagram_ascii_{preset}_{scheme}_{width}.png"))
        svg = _graph(studio)
        measured = svg.evaluate(SMALLEST_TEXT)
        assert measured["count"] > 5 and measured["smallest"] >= 12, measured
        page.locator(".ra-dview").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"diagram_graph_{preset}_{scheme}_{width}.png"))
        assert problems == [], problems
    finally:
        ctx.close()


def test_a_stage_expands_on_click_and_collapses_again(browser, server_url, artifacts):
    ctx, studio, problems = _open(browser, server_url, "se_resnet50", 1440, "light")
    try:
        page = studio.page
        _graph(studio)
        stage = page.locator("g.node.ra-stage", has=page.locator("title", has_text="stage3"))
        stage.click()
        studio.wait_idle()
        block = page.locator("g.node.ra-stage", has=page.locator("title", has_text="stage3_block1"))
        block.wait_for(state="attached")
        runs = page.locator("g.node.ra-stage title").all_text_contents()
        assert runs.count("stage3_block1") == 1 and "stage3_block2" in runs  # blocks 2–6: one run
        assert "stage2" in runs and "stage4" in runs  # the other stages stay collapsed
        page.locator(".ra-dview").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "diagram_graph_se_resnet50_stage3_light_1440.png"))
        measured = page.locator(".ra-dview-port svg").evaluate(SMALLEST_TEXT)
        assert measured["smallest"] >= 12, measured
        block.click()
        studio.wait_idle()
        studio.wait_for(
            lambda: "stage3_block1" not in page.locator("g.node title").all_text_contents(),
            what="stage 3 to collapse",
        )
        with page.expect_download() as download:
            page.get_by_role("button", name="Download this diagram (.svg)").click()
        assert download.value.suggested_filename == "se_resnet50.svg"
        assert problems == [], problems
    finally:
        ctx.close()


def test_zoom_buttons_change_the_scale_but_never_below_12px(browser, server_url):
    ctx, studio, problems = _open(browser, server_url, "p4_se", 1440, "light")
    try:
        page = studio.page
        svg = _graph(studio)
        before = svg.evaluate(SMALLEST_TEXT)["smallest"]
        page.get_by_role("button", name="Zoom in").click()
        assert svg.evaluate(SMALLEST_TEXT)["smallest"] > before
        for _ in range(8):
            page.get_by_role("button", name="Zoom out").click()
        assert svg.evaluate(SMALLEST_TEXT)["smallest"] >= 12
        assert problems == [], problems
    finally:
        ctx.close()
