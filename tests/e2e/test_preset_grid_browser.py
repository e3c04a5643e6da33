"""The presets gallery in a real browser (components/preset_grid): at 1440 px (light and dark),
1920 px (dark) and 800 px every button and heading is shown in full (nothing cut, a grid label on
one line), readable (contrast ≥ 4.5:1) and never red; a click on a grid cell and on a family
loads the preset (the canvas and the name change), the keyboard reaches the buttons with a
visible focus, and the browser's console stays empty.

Screenshots go to tests/artifacts/preset_grid_{scheme}_{width}.png (preset_grid_light_1440.png,
preset_grid_dark_1440.png, preset_grid_dark_1920.png, preset_grid_light_800.png).
"""

from __future__ import annotations

import time

import pytest

from components.sidebar import gallery_title
from resattn import i18n
from resattn.loading import load_spec
from tests.colours import contrast_ratio, css_rgb, is_red
from tests.e2e.studio_page import Studio

pytestmark = pytest.mark.e2e

#: every button and heading of the gallery: cut or wrapped text, and the colours it is drawn in
MEASURE = """(root) => {
  const box = root.getBoundingClientRect();
  const parts = [...root.querySelectorAll('button, th, .ra-gallery-caption')];
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0)
      .map((r) => Math.round(r.top))).size;
  };
  return parts.map((el) => {
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    let bg = 'rgba(0, 0, 0, 0)';
    for (let e = el; e && clear(bg); e = e.parentElement || e.getRootNode().host) {
      bg = getComputedStyle(e).backgroundColor;
    }
    return {
      text: el.textContent.trim(),
      button: el.tagName === 'BUTTON',
      pick: el.classList.contains('ra-pick'),
      cut: el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1,
      lines: lines(el),
      inside: r.left >= box.left - 6 && r.right <= box.right + 6,
      color: cs.color,
      background: bg,
    };
  });
  function clear(colour) { return /rgba\\(.*,\\s*0\\)$/.test(colour) || colour === 'transparent'; }
}"""


def _open(browser, server_url: str, width: int, scheme: str):
    ctx = browser.new_context(viewport={"width": width, "height": 1000}, color_scheme=scheme)
    ctx.set_default_timeout(45_000)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    studio = Studio(page).open(server_url)
    if width < 1000:  # a narrow window starts with the sidebar closed
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        sidebar = page.locator('[data-testid="stSidebar"]')
        boxes = [None]

        def settled():  # it slides in: measured once it stands still
            boxes.append(sidebar.bounding_box())
            time.sleep(0.2)
            return boxes[-1] == boxes[-2] and boxes[-1]["x"] >= 0

        studio.wait_for(settled, what="the sidebar open")
    page.locator(".ra-gallery button.ra-pick").first.wait_for()
    return ctx, studio, problems


def _check_readable(studio: Studio) -> None:
    gallery = studio.page.locator(".ra-gallery")
    parts = gallery.evaluate(MEASURE)
    buttons = [p for p in parts if p["button"]]
    assert len(buttons) == len([p for p in parts if p["pick"]]) + 6  # the grid + 6 families
    assert [p["text"] for p in parts if p["cut"]] == []
    assert [p["text"] for p in parts if not p["inside"]] == []
    assert [p["text"] for p in parts if p["pick"] and p["lines"] != 1] == []
    assert [p["text"] for p in parts if not p["button"] and p["lines"] > 2] == []
    for p in parts:
        fg, bg = css_rgb(p["color"]), css_rgb(p["background"])
        assert fg and bg and not is_red(fg) and not is_red(bg), p
        assert contrast_ratio(fg, bg) >= 4.5, p


def _name(studio: Studio) -> str:
    return studio.page.get_by_role("textbox", name="Design name").input_value()


def _hover_is_the_accent(studio: Studio) -> None:
    cell = studio.page.locator('.ra-gallery button[data-preset="p1_eca"]')
    cell.hover()
    colour = css_rgb(cell.evaluate("e => getComputedStyle(e).borderColor"))
    assert colour and not is_red(colour), colour
    assert colour != css_rgb(
        studio.page.locator('.ra-gallery button[data-preset="p1_se"]').evaluate(
            "e => getComputedStyle(e).borderColor"
        )
    )  # hover is shown


@pytest.mark.parametrize(
    ("width", "scheme"), [(1440, "light"), (1440, "dark"), (1920, "dark"), (800, "light")]
)
def test_the_gallery_reads_and_loads_presets(browser, server_url, artifacts, width, scheme):
    ctx, studio, problems = _open(browser, server_url, width, scheme)
    try:
        page = studio.page
        assert studio.shade() == scheme
        _check_readable(studio)
        _hover_is_the_accent(studio)
        sidebar = page.locator('[data-testid="stSidebar"]')
        page.locator(".ra-gallery").scroll_into_view_if_needed()
        sidebar.screenshot(path=str(artifacts / f"preset_grid_{scheme}_{width}.png"))

        # a grid cell (named by its title: it shows only "P2"): ECA after the add
        with i18n.use_language("en"):
            title = gallery_title("p2_eca")
        page.get_by_role("button", name=title, exact=True).click()
        studio.wait_for(lambda: _name(studio) == load_spec("preset:p2_eca").name, what="p2_eca")
        studio.placed("post_add").wait_for()
        assert studio.placed("branch").count() == 0
        studio.wait_idle()
        # the keyboard: the next button takes a visible focus, Enter loads it
        page.keyboard.press("Tab")
        focused = page.locator(".ra-gallery button:focus")
        assert focused.get_attribute("data-preset") == "p3_eca"
        outline = focused.evaluate("e => getComputedStyle(e).outlineStyle")
        colour = css_rgb(focused.evaluate("e => getComputedStyle(e).outlineColor"))
        assert outline == "solid" and colour and not is_red(colour), (outline, colour)
        page.keyboard.press("Enter")
        studio.wait_for(lambda: _name(studio) == load_spec("preset:p3_eca").name, what="p3_eca")
        studio.placed("pre_residual").wait_for()
        studio.wait_idle()

        # a family: the basic block, no attention
        page.get_by_role("button", name="Basic", exact=True).click()
        studio.wait_for(lambda: _name(studio) == load_spec("preset:basic_block").name, what="basic")
        studio.wait_for(lambda: page.locator("g.ra-placed").count() == 0, what="an empty block")
        studio.wait_idle()
        assert problems == [], problems
    finally:
        ctx.close()
