"""The page's header in a real browser, in English and in Turkish: at 1440 and 1920 px the title,
Undo / Redo / Share, the language toggle and the Params / MACs figures are shown in full (no
ellipsis, nothing cut, no line wrapped) and each header row stays one row; at 800 px the rows
may wrap but nothing is cut and the page does not scroll sideways.

Screenshots go to tests/artifacts/ (page_tr_1440.png is the Turkish page at 1440 px).
"""

from __future__ import annotations

import pytest

from resattn.export.share import share_token
from resattn.loading import load_spec
from tests.e2e.server import free_port, start_server, stop_server
from tests.e2e.studio_page import Studio

pytestmark = pytest.mark.e2e

#: what the header shows in each language (the button labels in full)
WORDS = {
    "en": {"undo": "↶ Undo", "redo": "↷ Redo", "share": "Share", "params": "Params"},
    "tr": {"undo": "↶ Geri al", "redo": "↷ Yinele", "share": "Paylaş", "params": "Parametreler"},
}

#: every text of the header that must be shown in full, and the rows that must stay one row
MEASURE = """() => {
  const q = (sel) => [...document.querySelectorAll(sel)];
  const texts = [
    ...q('h1.ra-title'),
    ...q('.st-key-ra-header button'),
    ...q('.st-key-ra-header [data-testid="stMetricLabel"]'),
    ...q('.st-key-ra-header [data-testid="stMetricValue"]'),
    ...q('.st-key-ra-page-controls button'),
  ];
  const cut = [];
  const wrapped = [];
  for (const el of texts) {
    for (const e of [el, ...el.querySelectorAll('*')]) {
      if (e.clientWidth === 0) continue;  // inline: measured through its block
      const style = getComputedStyle(e);
      if (e.scrollWidth > e.clientWidth + 1) cut.push(`${e.tagName} "${el.innerText}"`);
      if (style.textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth) {
        cut.push(`ellipsis "${el.innerText}"`);
      }
    }
    // a text node on more than one line box has wrapped
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const lines = [...range.getClientRects()].filter((r) => r.width > 0);
      const tops = lines.map((r) => r.top);
      if (tops.length && Math.max(...tops) - Math.min(...tops) > 2) {
        wrapped.push(node.textContent.trim());
      }
    }
  }
  const rows = {};
  for (const key of ['ra-header', 'ra-title-row']) {
    const row = document.querySelector(`.st-key-${key}`);
    const kids = [...row.children].map((c) => c.getBoundingClientRect()).filter((r) => r.height);
    rows[key] = Math.max(...kids.map((r) => r.top)) < Math.min(...kids.map((r) => r.bottom));
  }
  const buttons = Object.fromEntries(
    q('.st-key-ra-header button').map((b) => [b.innerText.trim(), b.disabled]));
  return {cut, wrapped, rows, buttons, pageWidth: document.documentElement.scrollWidth};
}"""


def _open(browser, server_url, lang: str, width: int, preset: str):
    ctx = browser.new_context(viewport={"width": width, "height": 1000})
    ctx.set_default_timeout(45_000)
    token = share_token(load_spec(f"preset:{preset}"))
    studio = Studio(ctx.new_page()).open(f"{server_url}/?spec={token}&lang={lang}")
    return ctx, studio


@pytest.mark.parametrize(
    ("lang", "width", "preset"),
    [
        ("tr", 1440, "se_bottleneck"),
        ("en", 1440, "se_bottleneck"),
        ("tr", 1920, "wide_resnet50_2"),  # the widest figures: 68,883,240 params
        ("en", 1920, "wide_resnet50_2"),
        ("tr", 1440, "wide_resnet50_2"),
    ],
)
def test_the_header_is_shown_in_full(browser, server_url, artifacts, lang, width, preset):
    ctx, studio = _open(browser, server_url, lang, width, preset)
    try:
        page = studio.page
        found = page.evaluate(MEASURE)
        name = f"page_{lang}_{width}" + ("" if preset == "se_bottleneck" else "_network")
        page.screenshot(path=str(artifacts / f"{name}.png"))
        assert found["cut"] == [], found
        assert found["wrapped"] == [], found
        assert found["rows"] == {"ra-header": True, "ra-title-row": True}, found
        words = WORDS[lang]
        for label in (words["undo"], words["redo"], words["share"]):
            assert any(text.startswith(label) for text in found["buttons"]), found["buttons"]
        assert words["params"] in page.locator(".st-key-ra-header").inner_text()
        assert found["pageWidth"] <= width
    finally:
        ctx.close()


def test_the_header_works_at_800px(browser, server_url, artifacts):
    ctx, studio = _open(browser, server_url, "tr", 800, "se_bottleneck")
    try:
        page = studio.page
        found = page.evaluate(MEASURE)
        page.screenshot(path=str(artifacts / "page_tr_800.png"))
        assert found["cut"] == [], found  # rows may wrap here, but nothing is cut
        assert found["pageWidth"] <= 800, found
        page.get_by_role("button", name="Paylaş").click()  # the Share popover opens
        page.get_by_text("Sayfanın URL'si bu tasarımı her zaman taşır").wait_for()
        link = page.locator('[data-testid="stCode"]').filter(has_text="?spec=").first
        assert link.inner_text().strip().endswith("&lang=tr")
    finally:
        ctx.close()


def test_the_language_toggle_reloads_the_page_in_turkish_with_the_design(context, server_url):
    token = share_token(load_spec("preset:p3_eca"))
    studio = Studio(context.new_page()).open(f"{server_url}/?spec={token}")
    page = studio.page
    formula = studio.formula()
    studio.wait_idle()
    page.locator(".st-key-ra-page-controls").get_by_text("Türkçe", exact=True).click()
    page.wait_for_function("() => location.search.includes('lang=tr')")  # ?lang=tr in the URL
    page.get_by_text("Hazır tasarımlar galerisi").wait_for()
    studio.wait_idle()
    assert f"spec={token}" in page.evaluate("() => location.search")
    assert studio.formula() == formula  # the same design
    page.locator(".ra-palette-title").filter(has_text="Attention").wait_for()
    assert page.locator("g.ra-zone text.ra-zone-hint").first.text_content() == (
        "attention'ı buraya bırakın"
    )


def test_a_server_started_with_lang_tr_draws_its_pages_in_turkish(context):
    """``streamlit run app.py -- --lang tr`` (the workshop's command): `app.py` hands the page's
    own options on to the page."""
    port = free_port()
    proc = start_server(port, "--lang", "tr")
    try:
        page = Studio(context.new_page()).open(f"http://127.0.0.1:{port}").page
        page.get_by_text("Hazır tasarımlar galerisi").wait_for()
        assert page.locator("g.ra-zone text.ra-zone-hint").first.text_content() == (
            "attention'ı buraya bırakın"
        )
    finally:
        stop_server(proc)
