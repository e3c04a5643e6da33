"""The custom components' code is served as files (components/ccv2.py): the page loads the JS and
CSS once, and a rerun sends the component's data and two file names, never the code again."""

from __future__ import annotations

from pathlib import Path

from components import diagram_view, preset_grid, slot_canvas
from components.ccv2 import registered_name
from tests.ui.conftest import canvas_edit, failures, open_tab, pick_preset

CANVAS = Path(slot_canvas.__file__).parent
DIAGRAM_VIEW = Path(diagram_view.__file__).parent
GALLERY = Path(preset_grid.__file__).parent


def mounted(at, name: str) -> list:
    """The BidiComponent messages of the component `name` in the last run."""
    name = registered_name(name)
    return [e.proto for e in at.get("bidi_component") if e.proto.component_name == name]


def assert_code_by_file(proto, folder: Path, js: str, css: str) -> None:
    assert proto.js_content == "" and proto.css_content == "", "code sent inline"
    assert (proto.js_source_path, proto.css_source_path) == (js, css)
    assert (folder / js).is_file() and (folder / css).is_file()


def code_bytes(folder: Path, *files: str) -> int:
    return sum(len((folder / f).read_bytes()) for f in files)


def test_a_canvas_rerun_sends_the_data_without_the_code(app):
    [first] = mounted(app, slot_canvas.NAME)
    assert_code_by_file(first, CANVAS, "canvas.js", "canvas.css")
    for edit in (
        {"op": "move", "from": "branch", "slot": "skip", "type": "se"},
        {"op": "place", "slot": "post_add", "type": "eca"},
    ):
        canvas_edit(app, edit)
        assert not failures(app), failures(app)
        [proto] = mounted(app, slot_canvas.NAME)
        assert_code_by_file(proto, CANVAS, "canvas.js", "canvas.css")
        assert '"ack"' in proto.json  # the data the rerun is for
        # the message is the data and the few hundred bytes of HTML, far less than the code
        assert len(proto.SerializeToString()) < code_bytes(CANVAS, "canvas.js", "canvas.css") / 2
    assert app.session_state["studio.edits"]["seq"] == 2


def test_the_diagram_viewer_is_sent_without_its_code(app):
    open_tab(app, "Diagram")
    app.segmented_control(key="studio.diagram.view").set_value("graph")
    app.run()
    assert not failures(app), failures(app)
    [proto] = mounted(app, diagram_view.NAME)
    assert_code_by_file(proto, DIAGRAM_VIEW, "view.js", "view.css")


def test_the_presets_gallery_is_sent_without_its_code(app):
    pick_preset(app, "p4_eca")
    assert not failures(app), failures(app)
    [proto] = mounted(app, preset_grid.NAME)
    assert_code_by_file(proto, GALLERY, "grid.js", "grid.css")
    assert '"p4_eca"' in proto.json
