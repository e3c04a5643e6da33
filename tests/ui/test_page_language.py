"""The studio's page in Turkish (``?lang=tr``) and the language in the URL: no English sentence of
the page's catalog is left on a Turkish page (a block, a network, a design with errors, the
projector tour, a refused edit, a loaded preset), English is unchanged, and ``?lang=`` travels
with the design in the URL and in the share link."""

from __future__ import annotations

import re
import threading
import typing
from pathlib import Path
from urllib.parse import unquote

import pytest
from pydantic import BaseModel

import schemas
from components import canvas, sidebar, state
from components.diagram_view import labels as viewer_labels
from resattn import i18n
from resattn.export.share import share_token
from resattn.loading import load_spec
from schemas import canonical_json
from tests.i18n.english import english_left, english_sentences, rendered_text
from tests.specs import block_spec
from tests.ui.conftest import failures, new_app, pick_preset

ROOT = Path(__file__).resolve().parents[2]
#: a design that validates but has linter errors (RA101: the identity shortcut cannot carry it)
WITH_ERRORS = block_spec(
    8,
    16,
    block={"type": "bottleneck", "base_width": 128},
    slots={"branch": {"type": "cbam"}},
    shortcut="identity",
)


def _param(at, name: str):
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def _turkish(query: dict):
    at = new_app({**query, "lang": "tr"})
    at.run()
    assert not failures(at), failures(at)
    return at


def _schema_descriptions() -> set:
    """Every field description of the spec's models (the page shows them as help texts)."""
    found, todo, seen = set(), [*vars(schemas).values(), *schemas.ATTENTION_MODELS.values()], set()
    while todo:
        model = todo.pop()
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or model in seen:
            continue
        seen.add(model)
        for field in model.model_fields.values():
            if field.description:
                found.add(field.description)
            todo += [a for a in typing.get_args(field.annotation) if isinstance(a, type)]
            todo += [field.annotation] if isinstance(field.annotation, type) else []
    return found


def _no_english_left(at) -> None:
    """No English sentence of the page's catalog on the page. A schema description the engine's
    catalog does not translate yet is the engine's to translate (its own tests say so), and a
    page sentence quoted inside it is not counted here."""
    text = rendered_text(at)
    with i18n.use_language("tr"):
        untranslated = [d for d in _schema_descriptions() if i18n._(d) == d]
    for description in sorted(untranslated, key=len, reverse=True):
        text = text.replace(description, "")
    left = sorted(s for s in english_sentences(("page",)) if s in text)
    assert left == [], left
    assert "Tasarım adı" in text and "Parametreler" in text  # and the page is Turkish


def test_the_page_catalog_has_sentences_to_look_for():
    # the check below can fail: the page's catalog has English sentences a Turkish page must
    # not show, and the English page shows them
    sentences = english_sentences(("page",))
    assert "Presets gallery" in sentences and "More block settings" in sentences
    at = new_app()
    at.run()
    assert "Presets gallery" in english_left(at, domains=("page",))


@pytest.mark.parametrize(
    "preset", ["se_bottleneck", "p4_cbam", "resnet18"], ids=["block", "p4", "network"]
)
def test_a_turkish_page_shows_no_english_sentence_of_the_page(preset):
    at = _turkish({"spec": share_token(load_spec(f"preset:{preset}"))})
    _no_english_left(at)


def test_a_turkish_page_of_a_design_with_errors_shows_no_english_sentence():
    at = _turkish({"spec": share_token(load_spec(WITH_ERRORS))})
    assert any("RA101" in e.value for e in at.error)
    _no_english_left(at)


def test_the_turkish_projector_tour_shows_no_english_sentence():
    at = _turkish({"present": "1"})
    text = rendered_text(at)
    assert "Adım 1 / 5" in text and "Projektör modundan çık" in text
    _no_english_left(at)
    at.button(key="studio.tour.next").click()
    at.run()
    assert "Adım 2 / 5" in rendered_text(at)
    _no_english_left(at)


def test_turkish_flashes_and_refusals():
    at = _turkish({})
    pick_preset(at, "basic_block")
    assert any("Hazır tasarım yüklendi" in s.value for s in at.success)
    at.number_input(key="studio.side.out_channels").set_value(99999)
    at.run()
    refused = [e.value for e in at.error if "uygulanmadı" in e.value]
    assert refused and "“Çıkış kanalları” değişikliği" in refused[0], refused
    _no_english_left(at)


def test_an_unreadable_link_is_explained_in_turkish():
    at = _turkish({"spec": "ra1.this-is-not-a-design"})
    assert any("Bu bağlantıdaki tasarım açılamadı" in e.value for e in at.error)


def test_english_is_unchanged():
    at = new_app()
    at.run()
    text = rendered_text(at)
    for english in ("Design name", "Presets gallery", "↶ Undo", "Params", "Block family"):
        assert english in text, english
    assert _param(at, "lang") is None  # an English page by default adds nothing to the URL


def test_lang_tr_round_trips_through_the_url_and_the_share_link():
    spec = load_spec("preset:p3_eca")
    at = _turkish({"spec": share_token(spec)})
    assert _param(at, "lang") == "tr" and _param(at, "spec") == share_token(spec)
    assert not any("?spec=" in c.value for c in at.code)  # the link is made when asked for
    at.session_state["studio.share.open"] = True  # the Share popover opens
    at.run()
    link = next(c.value for c in at.code if "?spec=" in c.value)  # the Share popover's link
    assert link.endswith("&lang=tr"), link
    query = dict(re.findall(r"[?&](\w+)=([^&]+)", link))
    again = new_app({"spec": unquote(query["spec"]), "lang": query["lang"]})
    again.run()
    assert not failures(again), failures(again)
    assert _param(again, "lang") == "tr"
    assert load_spec(_param(again, "spec")) == spec
    assert "Tasarım adı" in rendered_text(again)


def test_the_language_toggle_switches_the_page_and_keeps_the_design():
    spec = load_spec("preset:p2_se")
    at = new_app({"spec": share_token(spec)})
    at.run()
    toggle = at.segmented_control(key="studio.lang")
    assert toggle.value == "en"
    toggle.set_value("tr")
    at.run()
    assert not failures(at), failures(at)
    assert _param(at, "lang") == "tr"
    assert load_spec(_param(at, "spec")) == spec  # the design stays
    assert "Tasarım adı" in rendered_text(at)
    at.segmented_control(key="studio.lang").set_value("en")
    at.run()
    assert _param(at, "lang") == "en" and "Design name" in rendered_text(at)


def test_share_url_carries_the_language_only_when_the_page_has_one(monkeypatch):
    spec = load_spec("preset:se_bottleneck")
    monkeypatch.setattr(sidebar.state, "url_language", lambda: None)
    assert "lang=" not in sidebar.share_url(spec)
    monkeypatch.setattr(sidebar.state, "url_language", lambda: "tr")
    assert sidebar.share_url(spec).endswith("&lang=tr")


def _words_used(script: Path, name: str) -> set:
    """The label keys a component's script reads: ``L.key`` and ``labels.key``."""
    text = script.read_text(encoding="utf-8")
    return set(re.findall(rf"\b(?:L|{name})\.(\w+)", text))


def test_every_word_the_canvas_script_shows_comes_from_python():
    with i18n.use_language("tr"):
        words = canvas.labels()
    used = _words_used(ROOT / "components/slot_canvas/canvas.js", "labels")
    assert used and used <= set(words), sorted(used - set(words))
    assert words["drop_here"] != "drop attention here"  # in the page's language
    with i18n.use_language("tr"):
        viewer = viewer_labels()
    used = _words_used(ROOT / "components/diagram_view/view.js", "labels")
    assert used and used <= set(viewer), sorted(used - set(viewer))
    assert viewer["zoom_in"] == "Yakınlaştır"


def test_cached_drop_verdicts_are_worded_in_each_pages_language(monkeypatch):
    """The zone report is cached for every session: its words follow the page that reads it."""
    spec = load_spec("preset:bottleneck_block")
    cj = canonical_json(spec)
    work = canvas.engine.work_json(cj)  # the verdicts' key: the design without its name
    lint, verdicts = canvas.engine.lint, canvas._zone_verdicts

    def failing_lint(design_json):
        if design_json not in (cj, work):
            raise RuntimeError("no lint for the variants")
        return lint(design_json)

    monkeypatch.setattr(canvas.engine, "lint", failing_lint)
    verdicts.clear()
    canvas._worded_zone_report.clear()  # the report as worded, per language
    with i18n.use_language("en"):
        english = canvas.zone_report(cj, 0)
    with i18n.use_language("tr"):
        turkish = canvas.zone_report(cj, 0)
    cached = verdicts(work, 0)["branch"]["errors"]["se"]
    verdicts.clear()
    canvas._worded_zone_report.clear()
    assert cached == (canvas.UNCHECKED, "RuntimeError")  # what the cache holds has no words
    assert english["branch"]["errors"]["se"] == (
        "this placement could not be checked (RuntimeError)"
    )
    assert turkish["branch"]["errors"]["se"] == "bu yerleşim denetlenemedi (RuntimeError)"


def test_a_callback_runs_in_the_pages_language_on_a_thread_of_its_own(monkeypatch):
    """Streamlit runs a widget's callback before the script, on a new thread: unwrapped it would
    speak the process's language; `state.in_page_language` makes it speak the page's."""
    monkeypatch.setattr(state.st, "query_params", {"lang": "tr"})
    monkeypatch.delenv("LANGUAGE", raising=False)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(name, "C.UTF-8")
    said = []

    def callback() -> None:
        said.append(i18n._("Presets gallery"))

    for fn in (callback, state.in_page_language(callback)):
        thread = threading.Thread(target=fn)
        thread.start()
        thread.join()
    assert said == ["Presets gallery", "Hazır tasarımlar galerisi"]
