"""The studio's tabs in Turkish (``?lang=tr``): no English sentence of the catalogs is left in
any tab — for a block preset, a network preset and a design with linter errors — and the Checks
tab says every finding of any design in the page's language, whatever language filled the
caches first."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from components.texts import TAB_TITLES
from resattn.export.share import share_token
from resattn.i18n import _, use_language
from resattn.loading import load_spec
from resattn.presets import preset_index
from schemas import SpecError, parse_spec
from tests.i18n.english import english_in, english_left, rendered_text
from tests.specs import block_spec
from tests.strategies import any_block, any_network
from tests.ui.conftest import failures, model_uploader, new_app

#: the tabs of this part of the studio (Compare, the ablation, is tested with its panel); the
#: exported PyTorch file in the Code tab is a file, not the UI's words (its comments are English)
PANELS = [t for t in TAB_TITLES if t != "Compare"]

#: the file presets' titles are names, the same in every language (`preset_title`)
FILE_PRESET_TITLES = [
    entry["title"] for name, entry in preset_index().items() if entry["group"] != "pattern"
]

#: a design the linter flags with an error and several warnings and notes
FLAGGED = block_spec(
    8,
    16,
    block={"stride": 2},
    slots={"pre_residual": {"type": "cbam"}, "post_add": {"type": "se"}},
    shortcut="identity",
)
DESIGNS = {
    "block preset": load_spec("preset:se_bottleneck"),
    "network preset": load_spec("preset:resnet18"),
    "linter errors": parse_spec(FLAGGED),
}


def turkish(title: str) -> str:
    with use_language("tr"):
        return _(title)


def tab(at: AppTest, title: str):
    """The open tab `title` (its Turkish label) of the page."""
    label = turkish(title)
    return next(t for t in at.tabs if t.label == label)


@pytest.mark.parametrize("design", list(DESIGNS))
def test_every_tab_in_turkish_shows_no_english(design):
    at = new_app({"lang": "tr", "spec": share_token(DESIGNS[design])})
    at.run()
    assert not failures(at), failures(at)
    assert [t.label for t in at.tabs] == [turkish(t) for t in TAB_TITLES]
    for title in PANELS:
        at.session_state["studio.tabs"] = turkish(title)
        at.run()
        assert not failures(at), (title, failures(at))
        shown = tab(at, title)
        assert rendered_text(shown).strip(), title  # the tab rendered something
        exported = [c.value for c in shown.code if "def build_model" in c.value]
        verbatim = exported + FILE_PRESET_TITLES
        assert english_left(shown, verbatim=verbatim) == [], (design, title)


def test_the_flagged_design_shows_every_finding_in_turkish():
    from resattn.lint import lint

    at = new_app({"lang": "tr", "spec": share_token(DESIGNS["linter errors"])})
    at.run()
    at.session_state["studio.tabs"] = turkish("Checks")
    at.run()
    shown = tab(at, "Checks")
    codes = {d.code for d in lint(DESIGNS["linter errors"])}
    assert {"RA101", "RA204", "RA205", "RA208"} <= codes
    text = rendered_text(shown)
    assert all(code in text for code in codes)
    assert english_left(shown) == []


def _checks_page(spec_json: str, lang: str) -> None:
    import json

    from components.checks import render_checks
    from resattn.i18n import set_language
    from schemas import parse_spec

    set_language(lang)
    render_checks(parse_spec(json.loads(spec_json)), key="t")


def checks(spec, lang: str) -> AppTest:
    from schemas import canonical_json

    at = AppTest.from_function(_checks_page, args=(canonical_json(spec), lang), default_timeout=60)
    return at.run()


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.one_of(any_block(), any_network()), first=st.sampled_from(["en", "tr"]))
def test_the_checks_tab_speaks_the_page_language_for_any_design(data, first):
    """Whichever language renders a design first (and fills the caches), the other language
    still shows every finding in its own words."""
    try:
        spec = parse_spec(data)
    except SpecError:
        return  # outside the schema's own bounds: nothing to render
    from resattn.lint import lint

    findings = lint(spec)
    for lang in (first, "tr" if first == "en" else "en"):
        at = checks(spec, lang)
        assert not at.exception, [e.value for e in at.exception]
        text = rendered_text(at)
        assert all(d.code in text for d in findings), lang
        if lang == "tr":
            assert english_left(at) == []
        else:
            assert all(d.message in text for d in findings)


def _profile_page(lang: str) -> None:
    from dataclasses import replace

    from components.profile import render_result
    from resattn.i18n import set_language
    from resattn.loading import load_spec
    from resattn.profile import profile

    set_language(lang)
    measured = profile(load_spec("preset:se_bottleneck"), latency=False)
    timed = replace(measured, latency_ms=1.5, latency_spread_ms=0.1, latency_runs=20, threads=2)
    timed.attention["latency_pct"] = 3.0
    render_result(timed, key="t")


def test_a_profile_is_shown_in_turkish():
    at = AppTest.from_function(_profile_page, args=("tr",), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [m.label for m in at.metric]
    assert "Parametreler" in labels and "CPU gecikmesi" in labels and "gecikme" in labels
    assert any(c.value.startswith("Gecikme: ısınmanın ardından") for c in at.caption)
    assert english_left(at) == []


def _skipped_profile_page(lang: str) -> None:
    from components.profile import render_job_result
    from components.worker import SKIPPED_SAID
    from resattn.i18n import set_language
    from resattn.loading import load_spec
    from resattn.profile import profile

    # as a worker makes it: in English, with the reasons in every language beside it
    spent = profile(load_spec("preset:se_bottleneck"), time_budget_s=0.0)
    set_language(lang)
    render_job_result({**spent.to_json(), SKIPPED_SAID: spent.skipped_said()}, key="t")


@pytest.mark.parametrize(
    ("lang", "latency", "memory"),
    [
        ("tr", "Gecikme ölçülmedi: ", "En yüksek bellek ölçülmedi: "),
        ("en", "Latency not measured: ", "Peak memory not measured: "),
    ],
)
def test_a_profile_says_why_a_figure_is_missing_in_the_page_language(lang, latency, memory):
    at = AppTest.from_function(_skipped_profile_page, args=(lang,), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    reasons = [i.value for i in at.info]
    assert any(r.startswith(latency) for r in reasons), reasons
    assert any(r.startswith(memory) for r in reasons), reasons
    if lang == "tr":
        assert english_left(at) == []


def test_an_opened_model_and_its_fit_report_in_turkish():
    from tests.importing import foreign
    from tests.importing.harness import example_input, random_model, to_onnx

    at = new_app({"lang": "tr"})
    at.run()
    spec = load_spec("preset:p4_eca")
    model = to_onnx(random_model(spec), example_input(spec))
    for name, data, fit, said in (
        ("p4_eca.onnx", model, "tam uyum", "açıldı: her parça uyuyor."),
        ("plain.onnx", to_onnx(foreign.plain_cnn().eval(), foreign.EXAMPLE), "uyum yok", "uymuyor"),
    ):
        model_uploader(at).set_value((name, data, "application/octet-stream"))
        at.run()
        assert not failures(at), failures(at)
        flashes = [e.value for e in (*at.main.success, *at.main.error)]
        assert any(said in f for f in flashes), flashes
        at.session_state["studio.tabs"] = turkish("Checks")
        at.run()
        shown = tab(at, "Checks")
        assert any(f"Uyum raporu — {name} ({fit})" in m.value for m in shown.markdown)
        assert english_left(shown) == [], name
        assert english_in("\n".join(flashes)) == [], flashes


def test_every_step_a_profile_reports_is_shown_in_turkish():
    from components.heavy import said
    from components.jobs import Job
    from resattn.profile import profile

    steps = []
    profile(
        load_spec("preset:basic_block"),
        latency=True,
        repeats=1,
        time_budget_s=30,
        progress=lambda fraction, message: steps.append(message),
    )
    assert {"counting", "timing", "done"} <= set(steps)
    for step in steps:
        job = Job("j", "profile", {}, "j", 5.0, message=step)
        with use_language("tr"):
            assert said(job, "message") != step, step


def _crashing_panel() -> None:
    from components import engine
    from resattn.i18n import set_language

    set_language("tr")
    with engine.guarded("Diyagram paneli"):
        raise ValueError("asıl neden")


def test_a_panel_failure_in_turkish_shows_its_real_error_and_counts_as_a_failure():
    at = AppTest.from_function(_crashing_panel, default_timeout=60).run()
    assert failures(at) == ["Diyagram paneli başarısız oldu: ValueError: asıl neden"]
