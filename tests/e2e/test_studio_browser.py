"""The studio in a real browser: drag and drop on the canvas, share links, downloads, themes.

Screenshots go to tests/artifacts/ (look at them: the canvas must read on a projector).
"""

from __future__ import annotations

import re
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

import resattn
from resattn.export.share import share_token
from resattn.loading import load_spec
from tests.e2e.studio_page import Studio

pytestmark = pytest.mark.e2e

TABS = ["Diagram", "Checks", "Profile", "Compare", "Code", "Learn"]


def url_for(server_url: str, preset: str) -> str:
    return f"{server_url}/?spec={share_token(load_spec(f'preset:{preset}'))}"


def test_drag_se_onto_the_branch_changes_diagram_and_code(context, server_url, artifacts):
    studio = Studio(context.new_page()).open(url_for(server_url, "bottleneck_block"))
    assert studio.placed("branch").count() == 0
    ascii_before = studio.wait_for(studio.ascii, what="the ASCII diagram")
    studio.tab("Code")  # tabs are lazy: only the open one is rendered
    code_before = studio.wait_for(studio.code, what="the exported code")
    studio.tab("Diagram")
    studio.canvas().screenshot(path=str(artifacts / "canvas_empty_light.png"))

    studio.drag_chip("se", "branch")
    studio.placed("branch").wait_for()
    ascii_after = studio.wait_for(
        lambda: (a := studio.ascii()) != ascii_before and a, what="the ASCII diagram to change"
    )
    assert "SE" in ascii_after
    studio.tab("Code")
    code_after = studio.wait_for(
        lambda: (c := studio.code()) != code_before and c, what="the code to change"
    )
    assert "SqueezeExcite" in code_after or "SE" in code_after
    assert "SE(F(x))" in studio.formula()
    studio.canvas().screenshot(path=str(artifacts / "canvas_se_branch_light.png"))


def test_drag_cbam_onto_the_skip_shows_p4_then_remove(context, server_url, artifacts):
    studio = Studio(context.new_page()).open(server_url)
    studio.drag_chip("cbam", "skip")
    studio.placed("skip").wait_for()
    studio.wait_for(lambda: "P4" in studio.formula(), what="the P4 formula")
    assert "y = A_s(x) + A_r(F(x))" in studio.formula()
    assert "CBAM(x)" in studio.formula()
    studio.wait_idle()
    studio.canvas().screenshot(path=str(artifacts / "canvas_p4_cbam_light.png"))

    # Click a chip to edit it; drag a placed chip to another zone to move it.
    studio.placed("branch").locator(".ra-chip-box").click()
    studio.wait_for(
        lambda: studio.page.get_by_role("radio", name="SE · branch").is_checked(),
        what="the gate editor to show the clicked chip",
    )
    studio.placed("skip").locator(".ra-chip-box").drag_to(studio.zone("post_add"), steps=20)
    studio.placed("post_add").wait_for()
    studio.placed("skip").wait_for(state="detached")
    studio.wait_for(lambda: "P2" in studio.formula(), what="the P2 formula")
    studio.placed("post_add").locator(".ra-chip-box").drag_to(studio.zone("skip"), steps=20)
    studio.placed("skip").wait_for()
    studio.wait_idle()

    # Remove with ×, then drag the branch chip off the block.
    studio.page.locator("[data-remove=skip]").click()
    studio.placed("skip").wait_for(state="detached")  # at once; the formula once confirmed
    studio.wait_for(lambda: "P4" not in studio.formula(), what="the formula without P4")
    studio.placed("branch").locator(".ra-chip-box").drag_to(
        studio.page.locator("h1.ra-title"), steps=20
    )
    studio.placed("branch").wait_for(state="detached")
    studio.wait_for(
        lambda: studio.formula().startswith("y = ReLU( x + F(x) )"),
        what="the plain residual formula",
    )


def test_copied_url_restores_the_same_design(context, browser, server_url):
    studio = Studio(context.new_page()).open(server_url)
    studio.drag_chip("eca", "pre_residual")
    studio.placed("pre_residual").wait_for()
    studio.wait_idle()
    url = studio.wait_for(lambda: "spec=" in studio.page.url and studio.page.url, what="the URL")
    token = parse_qs(urlsplit(url).query)["spec"][0]
    assert token.startswith("ra1.")
    assert resattn.load_spec(token).slots.pre_residual.type == "eca"  # what the engine reads
    # the formula is the server's, drawn once the edit is confirmed
    formula = studio.wait_for(
        lambda: "ECA(x)" in studio.formula() and studio.formula(), what="the formula with ECA"
    )
    ascii_text = studio.ascii()

    fresh_ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        fresh = Studio(fresh_ctx.new_page()).open(url)
        fresh.placed("pre_residual").wait_for()
        assert fresh.formula() == formula
        assert fresh.wait_for(fresh.ascii) == ascii_text
    finally:
        fresh_ctx.close()


def test_downloaded_python_runs_and_gives_the_shape_on_the_page(context, server_url, tmp_path):
    studio = Studio(context.new_page()).open(url_for(server_url, "p3_se"))
    page_shape = studio.out_shape()  # C×H×W as the canvas shows it
    studio.tab("Code")
    with studio.page.expect_download() as info:
        studio.page.get_by_role("button", name=re.compile(r"PyTorch \.py")).click()
    path = tmp_path / "exported.py"
    info.value.save_as(path)
    probe = (
        "import importlib.util, sys, torch\n"
        f"s = importlib.util.spec_from_file_location('exported', {str(path)!r})\n"
        "m = importlib.util.module_from_spec(s); s.loader.exec_module(m)\n"
        "model = m.build_model().eval()\n"
        "x = torch.randn(1, 256, 56, 56)\n"
        "print('x'.join(str(d) for d in model(x).shape[1:]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip().replace("x", "×") == page_shape


GRAPH = "Graph (zoom, SVG)"

#: how long a panel may take to show what it must (a loaded machine renders slowly)
WAIT_MS = 45_000


def _tab_panel(studio: Studio):
    return studio.page.get_by_role("tabpanel").last


def _shows_the_diagram(studio: Studio) -> None:
    picture = studio.wait_for(studio.ascii, what="the ASCII picture")
    assert "P1 + P4 (branch: SE, skip: SE)" in picture and "└─ SE ─┘" in picture


def _shows_the_checks(studio: Studio) -> None:
    panel = _tab_panel(studio)
    expect(panel.get_by_text(re.compile(r"Diagnostics — \d+ error\(s\)")).first).to_be_visible(
        timeout=WAIT_MS
    )
    expect(panel.get_by_text("Shape trace").first).to_be_visible(timeout=WAIT_MS)
    expect(panel.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=WAIT_MS)


def _shows_the_profile(studio: Studio) -> None:
    """The counting rules and the figures of a profile: the button runs one unless this server
    already profiled the design (a result is kept per design, across sessions)."""
    panel = _tab_panel(studio)
    expect(panel.get_by_text("Counting rules.").first).to_be_visible(timeout=WAIT_MS)
    button = panel.get_by_role("button", name="Profile this design")
    expect(button.or_(panel.get_by_text("Per module")).first).to_be_visible(timeout=WAIT_MS)
    if button.count():
        button.click()
        panel.get_by_text("Per module").first.wait_for(timeout=120_000)
        studio.wait_idle()
    _shows_the_profiled_figures(studio)
    assert "thread" in studio.page.get_by_text("Latency:").first.inner_text()


def _shows_the_profiled_figures(studio: Studio) -> None:
    labels = _tab_panel(studio).locator('[data-testid="stMetricLabel"]').all_inner_texts()
    for label in ("Parameters", "MACs", "Elementwise ops", "FLOPs", "Output shape"):
        assert any(label in text for text in labels), (label, labels)
    expect(_tab_panel(studio).get_by_text("Per module").first).to_be_visible(timeout=WAIT_MS)


def _shows_the_compare(studio: Studio) -> None:
    panel = _tab_panel(studio)
    expect(panel.get_by_text("only the pattern changes").first).to_be_visible(timeout=WAIT_MS)
    expect(panel.get_by_role("button", name="Run the ablation")).to_be_visible(timeout=WAIT_MS)


def _shows_the_code(studio: Studio) -> None:
    code = studio.wait_for(studio.code, what="the exported code")
    assert "def build_model" in code and "class " in code


def _shows_the_patterns(studio: Studio) -> None:
    panel = _tab_panel(studio)
    expect(panel.get_by_text("The first rule").first).to_be_visible(timeout=WAIT_MS)
    for pattern in ("P1", "P2", "P3", "P4"):
        expect(panel.get_by_text(f"{pattern} ·").first).to_be_visible(timeout=WAIT_MS)


#: tab → what it must show for the p4_se preset (SE in the branch and on the skip)
SHOWS = {
    "Diagram": _shows_the_diagram,
    "Checks": _shows_the_checks,
    "Profile": _shows_the_profile,
    "Compare": _shows_the_compare,
    "Code": _shows_the_code,
    "Learn": _shows_the_patterns,
}


@pytest.mark.parametrize("width", [1440, 1920])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_every_view(browser, server_url, artifacts, scheme, width):
    assert set(SHOWS) == set(TABS)
    ctx = browser.new_context(viewport={"width": width, "height": 1000}, color_scheme=scheme)
    ctx.set_default_timeout(45_000)
    tag = f"{scheme}_{width}"
    try:
        studio = Studio(ctx.new_page()).open(url_for(server_url, "p4_se"))
        # the browser's preference is the page's: a dark screenshot is dark, widgets and canvas
        assert studio.shade() == studio.shade(".ra-canvas") == scheme
        studio.canvas().screenshot(path=str(artifacts / f"canvas_p4_se_{tag}.png"))
        studio.page.screenshot(path=str(artifacts / f"page_{tag}.png"))
        # the graph: an SVG that names the design's attention
        studio.page.get_by_role("radio", name=GRAPH).click()
        studio.wait_idle()
        svg = studio.page.locator(".ra-dview-port svg")
        svg.wait_for()
        assert "SE" in svg.text_content()
        studio.page.screenshot(path=str(artifacts / f"diagram_graph_{tag}.png"), full_page=True)
        studio.page.get_by_role("radio", name="ASCII").click()
        studio.wait_idle()
        _shows_the_diagram(studio)
        studio.page.screenshot(path=str(artifacts / f"diagram_ascii_{tag}.png"), full_page=True)
        for name in TABS:
            studio.tab(name)
            SHOWS[name](studio)
            _tab_panel(studio).scroll_into_view_if_needed()
            studio.page.screenshot(
                path=str(artifacts / f"tab_{name.lower()}_{tag}.png"), full_page=True
            )
        # the header figures are shown in full (never cut to "25.5…")
        for metric in studio.page.locator('[data-testid="stMetricValue"]').all():
            assert metric.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), metric.inner_text()
    finally:
        ctx.close()


def test_projector_tour_steps_with_the_arrow_keys(browser, server_url, artifacts):
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    ctx.set_default_timeout(45_000)
    try:
        page = ctx.new_page()
        studio = Studio(page).open(f"{server_url}/?present=1")
        assert not page.locator('[data-testid="stSidebar"]').is_visible()  # sidebar hidden
        expected = [None, "branch", "post_add", "pre_residual", "skip"]
        for step, slot in enumerate(expected):
            studio.wait_for(
                lambda step=step: f"Step {step + 1} of 5" in page.content(), what=f"step {step}"
            )
            if slot is None:
                assert all(studio.placed(s).count() == 0 for s in expected[1:])
            else:
                studio.placed(slot).wait_for()
            assert page.locator(".ra-flow").count() == 3  # the flow along the wires
            page.screenshot(path=str(artifacts / f"projector_step{step + 1}_light_1920.png"))
            page.locator("h1.ra-title").click()  # focus on the page, not in a field
            page.keyboard.press("ArrowRight")
            studio.wait_idle()
        # the last step's rerun may redraw the formula while it is measured (a detached
        # element has no computed size: NaN), so it is measured once it stays drawn
        size = studio.wait_for(
            lambda: page.locator(".ra-formula-main").evaluate(
                "e => e.isConnected ? parseFloat(getComputedStyle(e).fontSize) || 0 : 0"
            ),
            what="the formula drawn",
        )
        assert size >= 28  # readable from the back of the room
    finally:
        ctx.close()


#: where the page's title and Streamlit's top bar are drawn (px from the window's top)
TITLE_AND_TOP_BAR = """() => {
  const title = document.querySelector('h1.ra-title').getBoundingClientRect();
  const bar = document.querySelector('[data-testid="stHeader"]').getBoundingClientRect();
  return {title: title.top, bar: bar.bottom};
}"""


@pytest.mark.parametrize("width", [1440, 1920])
def test_projector_mode_starts_below_the_top_bar(browser, server_url, artifacts, width):
    """Without the sidebar Streamlit's top bar is opaque: the title is drawn below it, whole,
    and the bar's button that would open the (hidden) sidebar is not shown."""
    ctx = browser.new_context(viewport={"width": width, "height": 1080})
    ctx.set_default_timeout(45_000)
    try:
        page = ctx.new_page()
        Studio(page).open(f"{server_url}/?present=1")
        found = page.evaluate(TITLE_AND_TOP_BAR)
        page.screenshot(path=str(artifacts / f"projector_top_light_{width}.png"))
        assert found["title"] >= found["bar"], found
        opener = page.locator('[data-testid="stExpandSidebarButton"]')
        assert opener.count() == 1 and not opener.is_visible()
    finally:
        ctx.close()


def test_ctrl_z_undoes_a_drop_and_ctrl_shift_z_redoes_it(context, server_url):
    studio = Studio(context.new_page()).open(url_for(server_url, "bottleneck_block"))
    studio.drag_chip("eca", "skip")
    studio.placed("skip").wait_for()
    studio.wait_idle()
    studio.page.locator("h1.ra-title").click()
    studio.page.keyboard.press("Control+z")
    studio.placed("skip").wait_for(state="detached")
    studio.wait_idle()
    studio.page.keyboard.press("Control+Shift+z")
    studio.placed("skip").wait_for()


def test_the_slot_selects_place_change_and_remove_gates_and_follow_drops(context, server_url):
    """The keyboard path, drawn by the canvas's script: a labelled select per slot whose choice
    is a numbered edit like a drop, and which shows what a drop did."""
    studio = Studio(context.new_page()).open(url_for(server_url, "bottleneck_block"))
    page = studio.page
    skip = page.get_by_label("On the skip — A_s (P4)", exact=True)
    assert skip.evaluate("e => e.tagName") == "SELECT" and skip.input_value() == "none"
    skip.focus()
    skip.select_option("eca")
    studio.placed("skip").wait_for()  # at once, then confirmed by the server
    studio.wait_for(lambda: "P4" in studio.formula(), what="the P4 formula")
    studio.wait_idle()
    assert skip.input_value() == "eca"
    assert skip.evaluate("e => e === e.getRootNode().activeElement")  # the focus stays
    skip.select_option("se")  # another kind in the same slot
    studio.wait_for(
        lambda: studio.placed("skip").get_attribute("data-type") == "se", what="SE on the skip"
    )
    studio.drag_chip("cbam", "post_add")  # a drop shows in the slot's select
    post_add = page.get_by_label("After the add — A_o (P2)", exact=True)
    studio.wait_for(lambda: post_add.input_value() == "cbam", what="the select to follow")
    studio.wait_idle()
    skip.select_option("none")
    studio.placed("skip").wait_for(state="detached")
    studio.wait_for(lambda: "P4" not in studio.formula(), what="the formula without P4")
    studio.wait_idle()
    canvas = page.locator(".ra-canvas")
    studio.wait_for(
        lambda: (
            canvas.get_attribute("data-pending") == "0"
            and canvas.get_attribute("data-acked") == canvas.get_attribute("data-seq") == "4"
        ),
        what="all four edits acknowledged, in order",
    )


def test_800px_layout_shows_the_whole_canvas_readably(browser, server_url, artifacts):
    ctx = browser.new_context(viewport={"width": 800, "height": 900})
    ctx.set_default_timeout(45_000)
    try:
        studio = Studio(ctx.new_page()).open(url_for(server_url, "p4_se"))
        svg = studio.page.locator("svg.ra-svg").bounding_box()
        assert svg["x"] >= 0 and svg["x"] + svg["width"] <= 800  # the whole canvas in view
        assert svg["width"] >= 600  # the sidebar does not squeeze it
        smallest = studio.page.locator("svg.ra-svg").evaluate(
            """svg => Math.min(...[...svg.querySelectorAll('text')]
                 .filter(t => t.getBBox().width > 0)
                 .map(t => t.getBoundingClientRect().height))"""
        )
        assert smallest >= 9, smallest  # rendered glyph boxes, not the 6 px seen before
        # the formula's pattern chips stay inside its row: one too long ends in an ellipsis,
        # and its title holds all of it
        row = studio.page.locator(".ra-formula").bounding_box()
        chips = studio.page.locator(".ra-pattern")
        assert chips.count() == 2
        for i in range(chips.count()):
            chip = chips.nth(i)
            box = chip.bounding_box()
            assert box["x"] + box["width"] <= row["x"] + row["width"] + 0.5, (i, box, row)
            assert chip.evaluate("e => getComputedStyle(e).textOverflow") == "ellipsis"
            assert chip.text_content() in chip.get_attribute("title")
        studio.page.screenshot(path=str(artifacts / "page_light_800.png"), full_page=True)
    finally:
        ctx.close()


def test_a_select_too_narrow_for_its_choice_ends_it_in_an_ellipsis(context, server_url):
    """The sidebar's block family of a bottleneck ("Bottleneck — 1×1 reduce → 3×3 → 1×1
    expand") is wider than its select: it ends in an ellipsis, not in a cut letter."""
    studio = Studio(context.new_page()).open(url_for(server_url, "se_bottleneck"))
    family = studio.page.get_by_role("combobox", name="Block family", exact=True)
    found = family.evaluate(
        "e => ({value: e.value, wider: e.scrollWidth > e.clientWidth,"
        " overflow: getComputedStyle(e).textOverflow})"
    )
    assert found["value"].startswith("Bottleneck") and found["wider"], found
    assert found["overflow"] == "ellipsis", found


def test_the_canvas_does_not_move_when_the_formula_grows(context, server_url):
    studio = Studio(context.new_page()).open(url_for(server_url, "bottleneck_block"))
    top = studio.page.locator("svg.ra-svg").bounding_box()["y"]
    for kind, slot in (
        ("se", "branch"),
        ("eca", "skip"),
        ("cbam", "post_add"),
        ("coord", "pre_residual"),
    ):
        studio.drag_chip(kind, slot)
        studio.placed(slot).wait_for()
        studio.wait_idle()
        # the canvas redraws its picture on each edit: read it once it is drawn again
        box = studio.wait_for(
            lambda: studio.page.locator("svg.ra-svg").bounding_box(), what="the canvas drawn"
        )
        assert abs(box["y"] - top) < 1


def test_network_preset_displays_stages_and_drill_down(context, server_url, artifacts):
    studio = Studio(context.new_page()).open(url_for(server_url, "se_resnet50"))
    studio.page.locator(".ra-stages table").wait_for()  # the stages table
    assert studio.page.get_by_text("Stage shown on the canvas").count() == 1
    assert "Showing stage 1 of 4" in studio.page.locator(".ra-status").text_content()
    studio.placed("branch").wait_for()  # SE in every branch
    assert "Drill-down" in studio.page.content()
    studio.page.screenshot(path=str(artifacts / "page_network_se_resnet50_light.png"))


def test_the_stage_table_edits_a_depth_and_refuses_a_bad_one_in_the_browser(context, server_url):
    """A stage's blocks typed in its box and committed with Enter change the design; a depth
    the schema refuses is named in a message, and the box shows the design's depth again."""
    studio = Studio(context.new_page()).open(url_for(server_url, "resnet18"))
    page = studio.page
    box = page.locator('.ra-stages input[data-row="1"][data-column="1"]')  # stage 2's blocks
    box.wait_for()
    assert box.input_value() == "2"
    box.fill("3")
    box.press("Enter")
    expect(page.get_by_text(re.compile(r"4 stages, 9 blocks")).first).to_be_visible(timeout=WAIT_MS)
    box = page.locator('.ra-stages input[data-row="1"][data-column="1"]')
    studio.wait_for(lambda: box.input_value() == "3", what="the table redrawn with depth 3")
    box.fill("0")
    box.press("Enter")
    expect(page.get_by_text(re.compile(r"was not applied.*depth")).first).to_be_visible(
        timeout=WAIT_MS
    )
    studio.wait_for(lambda: box.input_value() == "3", what="the box back at the design's 3")
