"""Colours in a real browser: the page follows the browser's light / dark preference and the
header's toggle (Streamlit's widgets, the canvas and the diagram alike), and red appears only
while a refused kind is dragged — never as a mark on an empty zone, never for hover or selection.

Screenshots go to tests/artifacts/theme_*.png and canvas_refused_drag_*.png.
"""

from __future__ import annotations

import pytest

from tests.colours import css_rgb, hue, is_red, rgb, shade
from tests.e2e.studio_page import Studio

pytestmark = pytest.mark.e2e

GRAPH = "Graph (zoom, SVG)"

#: every element of the canvas with the colours it is drawn in (the ones that show)
PAINTED = """(root) => [...root.querySelectorAll('*')].map((e) => {
  const cs = getComputedStyle(e);
  const shows = cs.display !== 'none' && cs.visibility !== 'hidden' && parseFloat(cs.opacity) > 0;
  const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  return {
    what: `${e.tagName.toLowerCase()}.${(e.getAttribute('class') || '').replace(/ /g, '.')}`,
    fill: shows && parseFloat(cs.fillOpacity) > 0 ? cs.fill : null,
    stroke: shows && parseFloat(cs.strokeOpacity) > 0 ? cs.stroke : null,
    color: shows && own ? cs.color : null,
    background: shows ? cs.backgroundColor : null,
  };
})"""


def red_parts(studio: Studio) -> list[str]:
    """The canvas's elements drawn in red (fill, stroke, text or background)."""
    painted = studio.canvas().evaluate(PAINTED)
    return sorted(
        {
            p["what"]
            for p in painted
            for key in ("fill", "stroke", "color", "background")
            if is_red(css_rgb(p[key] or ""))
        }
    )


def _graph(studio: Studio) -> None:
    studio.page.get_by_role("radio", name=GRAPH).click()
    studio.wait_idle()
    studio.page.locator(".ra-dview-port svg").wait_for()


def _shades(studio: Studio) -> dict:
    """light / dark of Streamlit's app, the canvas and the Graphviz picture (None: not shown)."""
    graph = studio.page.locator(".ra-dview-port svg g.graph > polygon")
    fill = graph.first.get_attribute("fill") if graph.count() else None
    return {
        "app": studio.shade(),
        "canvas": studio.shade(".ra-canvas"),
        "graph": shade(rgb(fill)) if fill else None,
    }


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_page_follows_the_browser_preference(browser, server_url, artifacts, scheme):
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, color_scheme=scheme)
    ctx.set_default_timeout(45_000)
    try:
        studio = Studio(ctx.new_page()).open(server_url)
        _graph(studio)
        studio.wait_for(lambda: _shades(studio)["graph"] is not None, what="the graph")
        assert _shades(studio) == {"app": scheme, "canvas": scheme, "graph": scheme}
        mode = studio.page.locator("button.ra-theme").get_attribute("data-mode")
        assert mode == "auto"  # nobody chose: the browser's preference
        studio.page.screenshot(path=str(artifacts / f"theme_auto_{scheme}_1440.png"))
    finally:
        ctx.close()


def test_the_toggle_switches_streamlit_the_canvas_and_the_diagram_and_is_kept(
    browser, server_url, artifacts
):
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, color_scheme="light")
    ctx.set_default_timeout(45_000)
    problems: list[str] = []
    try:
        page = ctx.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        studio = Studio(page).open(server_url)
        _graph(studio)
        dark = {"app": "dark", "canvas": "dark", "graph": "dark"}
        light = {"app": "light", "canvas": "light", "graph": "light"}
        studio.wait_for(lambda: _shades(studio) == light, what="light")
        toggle = page.locator("button.ra-theme")
        assert toggle.get_attribute("data-mode") == "auto"
        assert "follow the browser" in toggle.get_attribute("aria-label")
        toggle.click()  # auto → light: fixed, still light
        studio.wait_for(lambda: toggle.get_attribute("data-mode") == "light", what="light")
        studio.wait_idle()
        assert _shades(studio) == light
        toggle.click()  # light → dark
        studio.wait_for(lambda: _shades(studio) == dark, what="every part dark", timeout=45)
        assert toggle.get_attribute("data-mode") == "dark"
        page.screenshot(path=str(artifacts / "theme_toggled_dark_1440.png"))
        assert page.locator(".ra-svg").count() == 1  # the design is still there
        studio.open(page.url)  # a fresh load keeps the choice (where Streamlit keeps its own)
        _graph(studio)
        studio.wait_for(lambda: _shades(studio) == dark, what="dark after a reload")
        toggle.click()  # dark → auto: the browser's light again
        studio.wait_for(lambda: _shades(studio) == light, what="light again", timeout=45)
        assert toggle.get_attribute("data-mode") == "auto"
        assert problems == [], problems
    finally:
        ctx.close()


def test_red_appears_only_while_a_refused_kind_is_dragged(context, server_url, artifacts):
    """The default design (SE in the branch) refuses SimAM on the skip (RA110: it cannot start
    as an identity). The empty skip zone is not red; hover and selection are the accent; the
    refusal turns red only while SimAM is dragged over the zone, with its reason."""
    studio = Studio(context.new_page()).open(server_url)
    page = studio.page
    skip = studio.zone("skip")
    assert "SIMAM" in skip.locator("title").first.text_content()  # refused there, said on hover
    assert red_parts(studio) == []  # an empty zone with a refused kind: no red mark
    studio.canvas().screenshot(path=str(artifacts / "canvas_idle_light.png"))

    studio.zone("pre_residual").hover()
    box = studio.zone("pre_residual").locator(".ra-zone-box")
    stroke = css_rgb(box.evaluate("e => getComputedStyle(e).stroke"))
    assert stroke and not is_red(stroke) and 200 <= hue(stroke) <= 250, stroke  # the blue accent
    assert red_parts(studio) == []

    studio.placed("branch").locator(".ra-chip-box").click()
    selected = page.locator("g.ra-placed.ra-selected .ra-chip-box")
    selected.wait_for()
    stroke = studio.wait_for(  # the chip is drawn again as the server confirms the selection
        lambda: css_rgb(selected.evaluate("e => getComputedStyle(e).stroke")), what="its stroke"
    )
    assert 200 <= hue(stroke) <= 250, stroke
    assert red_parts(studio) == []

    chip = studio.chip("simam").bounding_box()
    target = skip.locator(".ra-zone-box").bounding_box()
    page.mouse.move(chip["x"] + chip["width"] / 2, chip["y"] + chip["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=20)
    assert "ra-drop-bad" in skip.get_attribute("class")
    red = red_parts(studio)
    assert any("ra-zone-box" in r for r in red) and any("ra-status-error" in r for r in red), red
    assert "can't go" in page.locator(".ra-status").inner_text()
    studio.canvas().screenshot(path=str(artifacts / "canvas_refused_drag_light.png"))
    title = page.locator("h1.ra-title").bounding_box()
    page.mouse.move(title["x"] + 20, title["y"] + 10, steps=20)  # off the block: nothing placed
    page.mouse.up()
    assert studio.placed("skip").count() == 0
    studio.wait_for(lambda: red_parts(studio) == [], what="no red once the drag ended")
