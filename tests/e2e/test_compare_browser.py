"""The Compare tab's results in a real browser: a small ablation runs in the shared pool and its
three charts are drawn by Vega-Lite in the page (which AppTest does not run), each at a readable
size, with no console error."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.studio_page import Studio

#: a heading the results show once a trial has finished (and only then)
RESULTS = "Loss per step"


def test_a_small_ablation_draws_its_charts_without_console_errors(context, server_url, artifacts):
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    studio = Studio(page).open(server_url)
    studio.tab("Compare")
    for label, value in (("Epochs", "1"), ("Probe width", "4")):
        box = page.get_by_role("spinbutton", name=label, exact=True)
        box.fill(value)
        box.press("Enter")
        studio.wait_idle()
    page.get_by_text("Measure CPU latency").click()
    studio.wait_idle()
    page.get_by_role("button", name="Run the ablation").click()
    expect(page.get_by_text(RESULTS).first).to_be_visible(timeout=240_000)
    studio.wait_idle()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts).to_have_count(3)  # loss, gradient norm, gate α
    for i in range(3):
        drawn = charts.nth(i).locator("canvas, svg").first
        expect(drawn).to_be_visible()
        box = drawn.bounding_box()
        assert box["width"] > 200 and box["height"] > 100, box
    charts.first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "compare-results-1600.png"))
    assert problems == []
