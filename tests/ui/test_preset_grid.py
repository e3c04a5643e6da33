"""The presets gallery (components/sidebar.py `render_presets`, drawn by components/preset_grid):
what it is given to draw, in the page's language; a pick loads its preset once, by its number;
a name the gallery does not have is refused with a message and the design kept; and the whole
gallery is one mount that keeps a few session-state entries, not one per button."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components import preset_grid, sidebar
from components.texts import ATTENTION
from resattn import i18n
from resattn.loading import load_spec
from resattn.presets import preset_index
from schemas import canonical_json
from tests.i18n.english import english_in
from tests.ui.conftest import (
    GALLERY,
    PICKED,
    canvas_edit,
    failures,
    new_app,
    pick_preset,
    slot_value,
)
from tests.ui.test_ccv2 import mounted

#: the presets the gallery's buttons load (the networks have their own select)
DRAWN = sorted(n for n, v in preset_index().items() if v["group"] != "network")
FAMILIES = [n for n, v in preset_index().items() if v["group"] == "family"]


def _user_keys(at) -> list[str]:
    """The keys of the session's state, as the page's widgets walk it every rerun."""
    state = at.session_state
    while not hasattr(state, "filtered_state"):
        state = state._state
    return list(state.filtered_state)


def _cells(data: dict) -> list[dict]:
    return data["families"] + [c for row in data["rows"] for c in row["cells"] if c]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_gallery_draws_every_block_preset_once_with_its_title(lang):
    with i18n.use_language(lang):
        data = sidebar.gallery_data()
        titles = {name: sidebar.gallery_title(name) for name in DRAWN}
        families = {n: sidebar._family_preset(n) for n in FAMILIES}
    cells = _cells(data)
    assert sorted(c["name"] for c in cells) == DRAWN  # each exactly once
    assert all(c["title"] == titles[c["name"]] for c in cells)
    assert [(c["label"], c["title"]) for c in data["families"]] == [
        families[c["name"]] for c in data["families"]
    ]
    assert [c["label"] for c in data["columns"]] == ["P1", "P2", "P3", "P4"]
    assert [r["label"] for r in data["rows"]] == [label for label, *_ in ATTENTION.values()]
    for kind, row in zip(ATTENTION, data["rows"], strict=True):
        for code, cell in zip(data["columns"], row["cells"], strict=True):
            name = f"{code['label'].lower()}_{kind}"
            # a cell per existing combination, labelled by its pattern; none where none exists
            assert (cell or {}).get("name") == (name if name in preset_index() else None)
            assert cell is None or cell["label"] == code["label"]


def test_the_turkish_gallery_is_in_turkish():
    with i18n.use_language("tr"):
        data = sidebar.gallery_data()
    assert data["labels"]["gallery"] == "Hazır tasarımlar galerisi"
    assert data["labels"]["grid"].startswith("Dört pattern (sütunlar)")
    assert "Temel — iki 3×3 conv + toplama" in [c["title"] for c in data["families"]]
    words = json.dumps(data, ensure_ascii=False)
    assert english_in(words, ("page",)) == []
    at = new_app({"lang": "tr"})
    at.run()
    assert not failures(at), failures(at)
    [proto] = mounted(at, preset_grid.NAME)  # the page's mount carries the Turkish words
    assert json.loads(proto.json) == data


def test_every_word_the_gallery_script_shows_comes_from_its_data():
    script = (Path(preset_grid.__file__).parent / "grid.js").read_text(encoding="utf-8")
    used = set(re.findall(r"\blabels\.(\w+)", script))
    assert used and used <= set(sidebar.gallery_data()["labels"]), sorted(used)
    # the script writes no word of its own: every text it sets is a field of the data
    texts = re.findall(r"el\([^)]*?,\s*[^)]*?,\s*([^)]+)\)", script)
    assert texts and all(re.fullmatch(r"[\w.]+( \|\| \"\")?", t.strip()) for t in texts), texts


def test_a_pick_loads_its_preset_once(app):
    at = pick_preset(app, "p2_eca")
    assert not failures(at), failures(at)
    assert at.text_input(key="studio.name").value == load_spec("preset:p2_eca").name
    assert slot_value(at, "post_add") == "eca"
    assert any("Loaded preset" in s.value for s in at.success)
    undo = len(at.session_state["studio.undo"])
    # an edit after the pick stays: the pick, still in the gallery's state, is not applied again
    canvas_edit(at, {"op": "place", "slot": "skip", "type": "cbam"})
    at.run()
    assert slot_value(at, "skip") == "cbam" and not at.success
    assert len(at.session_state["studio.undo"]) == undo + 1
    # the same preset picked again (the next click) loads it again
    pick_preset(at, "p2_eca")
    assert slot_value(at, "skip") == "none" and slot_value(at, "post_add") == "eca"


def test_a_click_applied_by_its_callback_is_not_applied_again_in_its_run(app):
    """In the browser the callback loads the pick before the run, and the run still sees the
    click's trigger value: the run leaves it alone."""
    pick = {"name": "p3_se", "n": 1}
    canvas_edit(app, {"op": "place", "slot": "skip", "type": "cbam"})
    design = canonical_json(app.session_state["studio.spec"])
    app.session_state[PICKED] = pick
    app.session_state[GALLERY] = {"pick": pick}
    app.run()
    assert not failures(app), failures(app)
    assert canonical_json(app.session_state["studio.spec"]) == design


@settings(max_examples=6, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.text(max_size=200).filter(lambda n: n[:64] not in preset_index()),
        st.sampled_from(["p4_simam", "p5_se", "../presets/p1_se", "resnet50 ", "P1_SE"]),
        st.integers(),
        st.none(),
    )
)
def test_a_name_the_gallery_does_not_have_is_refused_and_the_design_kept(app, name):
    design = canonical_json(app.session_state["studio.spec"])
    undo = list(app.session_state["studio.undo"])
    pick_preset(app, name)
    assert not failures(app), failures(app)
    refused = [e.value for e in app.error if "The gallery has no preset" in e.value]
    assert len(refused) == 1 and "the design is unchanged" in refused[0], refused
    assert len(refused[0]) < 250  # a long name is cut before it is quoted
    assert canonical_json(app.session_state["studio.spec"]) == design
    assert list(app.session_state["studio.undo"]) == undo


def test_an_unknown_name_is_refused_in_the_pages_language():
    at = new_app({"lang": "tr"})
    at.run()
    pick_preset(at, "p9_none")
    assert any("Galeride “p9\\_none” adlı bir hazır tasarım yok" in e.value for e in at.error)


def test_the_gallery_is_one_mount_with_a_few_session_state_entries(app):
    """37 buttons were 37 session-state entries, each walked by every rerun's widgets."""
    pick_preset(app, "p1_cbam")
    assert len(mounted(app, preset_grid.NAME)) == 1
    assert not [b for b in app.button if (b.key or "").startswith("studio.side.presets.p")]
    keys = [k for k in _user_keys(app) if k.startswith("studio.side.presets")]
    assert sorted(keys) == sorted(
        [GALLERY, PICKED, "studio.side.presets.network", "studio.side.presets.load_network"]
    ), keys


def test_a_default_page_keeps_few_session_state_entries(app):
    """Every select, number and text box walks the whole session state on every run, and a
    keyed custom component's state is presented anew at each walk: an edit costs more with
    every entry. So the page keeps few — the gallery is one mount, the colour toggle (its
    choice lives in the browser) has no key."""
    keys = _user_keys(app)
    assert "studio.theme" not in keys
    assert len(keys) <= 64, sorted(keys)
