"""Helpers for the studio's AppTest suite (the page runs in-process, without a browser)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components import slot_canvas
from components import stage_table as stage_table_component
from components.ccv2 import registered_name
from components.diagram import PICTURE_CLASS
from resattn import i18n
from tests.i18n.english import html_text

APP = str(Path(__file__).resolve().parents[2] / "studio.py")


def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if query:
        at.query_params.update(query)
    return at


#: the icon a panel's failure is shown with (`components.engine.guarded`), in every language
FAILURE_ICON = ":material/bug_report:"


def failures(at: AppTest) -> list[str]:
    """Exceptions and panel failures shown on the page (in any language)."""
    found = [str(e.value) for e in at.exception]
    found += [e.value for e in at.error if " failed: " in e.value or e.icon == FAILURE_ICON]
    return found


TABS = ("Diagram", "Checks", "Profile", "Compare", "Code", "Learn")


def open_tab(at: AppTest, name: str) -> AppTest:
    """Open a tab by its English name (tabs are lazy: only the open one renders) and rerun; on
    a page in another language (``?lang=``) the tab's label is in that language."""
    lang = at.query_params.get("lang")
    with i18n.use_language(lang[0] if isinstance(lang, list) else lang):
        at.session_state["studio.tabs"] = i18n._(name)
    return at.run()


def expanded(at: AppTest, key: str) -> AppTest:
    """Open the lazy expander `key` (`components.state.lazy_expander`: its content is drawn
    only while it is open) and rerun."""
    at.session_state[key] = True
    return at.run()


def model_uploader(at: AppTest):
    """The sidebar's ONNX model uploader, its "Open a model" expander opened."""
    return expanded(at, "studio.open.expander").file_uploader(key="studio.open.file")


def pictures(at: AppTest) -> list[str]:
    """The texts of the ASCII pictures the page shows (`components.diagram.render_picture`)."""
    mark = f'<pre class="{PICTURE_CLASS}">'
    return [html_text(h.value) for h in at.html if h.value.startswith(mark)]


def ascii_text(at: AppTest) -> str:
    """The block's ASCII diagram (opens the Diagram tab)."""
    open_tab(at, "Diagram")
    return next((text for text in pictures(at) if "⊕" in text), "")


def code_text(at: AppTest) -> str:
    """The exported PyTorch source (opens the Code tab)."""
    open_tab(at, "Code")
    return next((c.value for c in at.code if "def build_model" in c.value), "")


def canvas_edit(at: AppTest, *edits: dict, epoch: str = "test-page") -> AppTest:
    """Send canvas edits as the browser does (numbered, all unacknowledged ones each time)
    through session state, and rerun."""
    log = at.session_state["studio.edits"] if "studio.edits" in at.session_state else None
    seq = log["seq"] if log and log.get("epoch") == epoch else 0
    numbered = [{**e, "seq": seq + i + 1} for i, e in enumerate(edits)]
    at.session_state["studio.canvas"] = {"edits": {"epoch": epoch, "edits": numbered}}
    return at.run()


#: the presets gallery's component and the last pick it applied (`components.sidebar`)
GALLERY, PICKED = "studio.side.presets.grid", "studio.side.presets.picked"


def pick_preset(at: AppTest, name: str) -> AppTest:
    """Pick the preset `name` in the gallery as a click does (the page's next click number)
    through session state, and rerun."""
    done = at.session_state[PICKED] if PICKED in at.session_state else None
    n = (done.get("n") or 0) + 1 if done else 1
    at.session_state[GALLERY] = {"pick": {"name": name, "n": n}}
    return at.run()


def drawn(widgets, base: str):
    """The widget whose key is `base` drawn for the current design (``base@n``, see
    `components.state.drawn_key`)."""
    found = [w for w in widgets if w.key and w.key.rsplit("@", 1)[0] == base]
    assert found, f"no widget {base!r}"
    return found[-1]


def component_data(at: AppTest, name: str) -> list[dict]:
    """The data each mount of the custom component `name` was drawn with in the last run."""
    registered = registered_name(name)
    mounts = [e.proto for e in at.get("bidi_component") if e.proto.component_name == registered]
    return [json.loads(proto.json) for proto in mounts]


def canvas_data(at: AppTest) -> dict:
    """The data the canvas was drawn with in the last run (its chips, zones and the keyboard
    path's selects, which `canvas.js` sets from it)."""
    [data] = component_data(at, slot_canvas.NAME)
    return data


def stage_table(at: AppTest) -> dict[str, list]:
    """A network's stage table as the last run drew it: column title → the stages' cells."""
    [data] = component_data(at, stage_table_component.NAME)
    titles = [c["title"] for c in data["columns"]]
    return {title: [row[i] for row in data["rows"]] for i, title in enumerate(titles)}


def slot_value(at: AppTest, slot: str) -> str:
    """The kind the slot's select (the keyboard path) shows: ``"none"`` for an empty slot."""
    chip = canvas_data(at)["slots"][slot]
    return "none" if chip is None else chip["type"]


def choose_in_slot(at: AppTest, slot: str, kind: str) -> AppTest:
    """Choose `kind` (or ``"none"``) in the slot's select, as `canvas.js` sends the choice: a
    numbered place (or remove) edit of the canvas."""
    if kind == "none":
        return canvas_edit(at, {"op": "remove", "slot": slot})
    return canvas_edit(at, {"op": "place", "slot": slot, "type": kind})


@pytest.fixture
def app() -> AppTest:
    at = new_app()
    at.run()
    assert not failures(at), failures(at)
    return at
