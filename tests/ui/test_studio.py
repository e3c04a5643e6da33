"""The studio page in AppTest: fresh and shared sessions, panels for every preset, the keyboard
path in every slot, uploads, undo/redo, canvas edits arriving through session state."""

from __future__ import annotations

import base64
import json
import time
import zlib

import pytest

import resattn
from components import design
from resattn.export.share import share_token
from resattn.lint import lint
from resattn.loading import load_spec
from resattn.presets import preset_index
from schemas import canonical_json, parse_spec
from tests.specs import block_spec
from tests.ui.conftest import (
    TABS,
    ascii_text,
    canvas_edit,
    choose_in_slot,
    code_text,
    drawn,
    expanded,
    failures,
    new_app,
    open_tab,
    pick_preset,
    slot_value,
    stage_table,
)

SLOTS = ("pre_residual", "branch", "skip", "post_add")


def spec_uploader(at):
    """The sidebar's spec file uploader, its expander opened."""
    return expanded(at, "studio.side.upload.expander").file_uploader(key="studio.side.upload.file")


def test_fresh_session_opens_on_the_se_bottleneck(app):
    assert slot_value(app, "branch") == "se"
    assert all(slot_value(app, s) == "none" for s in SLOTS if s != "branch")
    assert app.text_input(key="studio.name").value == "se_bottleneck"
    token = url_token(app)
    assert token.startswith("ra1.")
    assert resattn.load_spec(token) == load_spec("preset:se_bottleneck")
    assert "SE" in ascii_text(app)
    assert "def build_model" in code_text(app)


def test_shared_url_restores_the_design():
    spec = load_spec("preset:p4_cbam")
    token = share_token(spec)
    assert token.startswith("ra1.")
    at = new_app({"spec": token})
    at.run()
    assert not failures(at), failures(at)
    assert slot_value(at, "skip") == "cbam"
    assert slot_value(at, "branch") == "cbam"
    assert at.text_input(key="studio.name").value == "p4_cbam"
    assert url_token(at) == token  # the URL keeps carrying the same token
    assert resattn.load_spec(url_token(at)) == spec


#: a design in the studio's former private token format (``j1.``), which nothing else could read
OLD_STUDIO_TOKEN = "j1." + base64.urlsafe_b64encode(
    zlib.compress(canonical_json(load_spec("preset:p4_cbam")).encode(), 9)
).decode().rstrip("=")


def url_token(at) -> str:
    token = at.query_params["spec"]
    return token[0] if isinstance(token, list) else token


@pytest.mark.parametrize(
    "token",
    [
        "ra1.this-is-not-a-design",
        OLD_STUDIO_TOKEN,  # the studio's former private format is not read
        "%%%",
        "preset:resnet50",  # a link carries a share token, nothing else
        "/etc/hostname",  # never opened as a file
        "ra1." + "A" * 9000,  # over the token cap
    ],
)
def test_invalid_shared_url_shows_a_message_and_the_default(token):
    at = new_app({"spec": token})
    at.run()
    assert not failures(at), failures(at)
    assert any("could not be opened" in e.value for e in at.error)
    assert at.text_input(key="studio.name").value == "se_bottleneck"


def test_every_panel_renders_for_every_preset(app):
    at = app
    for name, meta in preset_index().items():
        if meta["group"] == "network":
            at.selectbox(key="studio.side.presets.network").set_value(name)
            at.button(key="studio.side.presets.load_network").click()
            at.run()
        else:
            pick_preset(at, name)
        assert not failures(at), (name, failures(at))
        assert at.text_input(key="studio.name").value == load_spec(f"preset:{name}").name
        for tab in TABS:
            open_tab(at, tab)
            assert not failures(at), (name, tab, failures(at))
        assert ascii_text(at), name
        if meta["group"] == "network":
            assert at.selectbox(key="studio.stage").value == 0


@pytest.mark.parametrize("view", ["graph"])
def test_other_diagram_views_render(app, view):
    open_tab(app, "Diagram")
    app.segmented_control(key="studio.diagram.view").set_value(view)
    app.run()
    assert not failures(app), failures(app)


@pytest.mark.parametrize("slot", SLOTS)
def test_keyboard_path_places_edits_and_removes_in_each_slot(app, slot):
    at = app
    before_ascii, before_code = ascii_text(at), code_text(at)
    choose_in_slot(at, slot, "eca")
    assert not failures(at), failures(at)
    assert slot_value(at, slot) == "eca"
    placed_ascii, placed_code = ascii_text(at), code_text(at)
    assert "ECA" in placed_ascii and placed_ascii != before_ascii
    assert placed_code != before_code
    # Edit: the selected gate's kernel size (ECA) through the gate editor.
    canvas_edit(at, {"op": "select", "slot": slot})
    drawn(at.selectbox, f"studio.att.{slot}.eca.kernel_size").set_value(7)
    at.run()
    assert not failures(at), failures(at)
    assert code_text(at) != placed_code
    assert drawn(at.selectbox, f"studio.att.{slot}.eca.kernel_size").value == 7
    # Remove.
    choose_in_slot(at, slot, "none")
    assert not failures(at), failures(at)
    assert slot_value(at, slot) == "none"
    if slot != "branch":
        assert ascii_text(at) == before_ascii


def test_changing_the_kind_of_a_gate_keeps_it_in_its_slot(app):
    choose_in_slot(app, "branch", "coord")
    assert slot_value(app, "branch") == "coord"
    assert "CA" in ascii_text(app) or "Coord" in ascii_text(app)


def test_malformed_upload_shows_the_error_and_keeps_the_design(app):
    before = app.query_params["spec"]
    spec_uploader(app).set_value(
        ("broken.json", b'{"block": {"type": "bottleneck", ', "application/json")
    )
    app.run()
    assert not failures(app), failures(app)
    assert any("not a valid spec" in e.value for e in app.error)
    assert app.query_params["spec"] == before
    assert slot_value(app, "branch") == "se"


def test_schema_invalid_upload_names_the_path(app):
    bad = json.dumps(block_spec(8, -3)).encode()
    spec_uploader(app).set_value(("bad.json", bad, "application/json"))
    app.run()
    assert any("block.out_channels" in e.value.replace("\\", "") for e in app.error)
    assert app.text_input(key="studio.name").value == "se_bottleneck"


def test_valid_upload_replaces_the_design(app):
    data = json.dumps(load_spec("preset:p2_eca").model_dump(mode="json")).encode()
    spec_uploader(app).set_value(("p2.json", data, "application/json"))
    app.run()
    assert not failures(app), failures(app)
    assert slot_value(app, "post_add") == "eca"


def test_invalid_form_edit_is_refused_and_keeps_the_design(app):
    app.text_input(key="studio.name").set_value("class")  # a Python keyword
    app.run()
    assert any("keyword" in e.value for e in app.error)
    assert app.text_input(key="studio.name").value == "se_bottleneck"


def test_undo_and_redo(app):
    at = app
    choose_in_slot(at, "skip", "se")
    at.number_input(key="studio.side.input.height").set_value(28)
    at.run()
    assert slot_value(at, "skip") == "se"
    at.button(key="studio.undo_btn").click()
    at.run()
    assert at.number_input(key="studio.side.input.height").value == 56
    assert slot_value(at, "skip") == "se"
    at.button(key="studio.undo_btn").click()
    at.run()
    assert slot_value(at, "skip") == "none"
    assert at.button(key="studio.undo_btn").disabled
    at.button(key="studio.redo_btn").click()
    at.run()
    assert slot_value(at, "skip") == "se"
    at.button(key="studio.redo_btn").click()
    at.run()
    assert at.number_input(key="studio.side.input.height").value == 28
    assert at.button(key="studio.redo_btn").disabled


def test_canvas_edits_through_session_state(app):
    at = app
    canvas_edit(at, {"op": "place", "slot": "skip", "type": "cbam"})
    assert not failures(at), failures(at)
    assert slot_value(at, "skip") == "cbam"
    canvas_edit(at, {"op": "move", "from": "skip", "slot": "post_add", "type": "cbam"})
    assert slot_value(at, "skip") == "none" and slot_value(at, "post_add") == "cbam"
    canvas_edit(at, {"op": "remove", "slot": "post_add"})
    assert slot_value(at, "post_add") == "none"


def test_family_switch_rewrites_the_block(app):
    app.selectbox(key="studio.side.family").set_value("resnext")
    app.run()
    assert not failures(app), failures(app)
    assert app.number_input(key="studio.side.groups").value == 32
    assert slot_value(app, "branch") == "se"


def test_learn_tab_shows_the_evidence_table(app):
    open_tab(app, "Learn")
    texts = " ".join(m.value for m in app.markdown)
    assert "multiplicative gate" in " ".join(i.value for i in app.info)
    assert "Published evidence" in texts


def test_profile_runs_on_demand_and_shows_the_counting_rules(app):
    at = open_tab(app, "Profile")
    assert not [m for m in at.metric if m.label == "FLOPs"]  # an edit never waits on profiling
    assert any("Counting rules" in m.value for m in at.markdown)
    at.toggle(key="studio.profile.latency").set_value(False)
    at.run()
    at.button(key="studio.profile.run").click()
    at.run()
    assert not failures(at), failures(at)
    labels = until_metrics(at, "FLOPs")
    assert labels["Parameters"].replace(",", "").isdigit()
    assert "MACs" in labels and "FLOPs" in labels and "Elementwise ops" in labels
    assert labels["Output shape"] == "1 × 256 × 56 × 56"
    assert "Attention overhead (FLOPs)" in labels, labels


def until_metrics(at, label: str, timeout: float = 120.0) -> dict:
    """Rerun until the pool's job is done and the panel shows the metric `label`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        labels = {m.label: m.value for m in at.metric}
        if label in labels:
            return labels
        assert not failures(at), failures(at)
        time.sleep(0.3)
        at.run()
    raise AssertionError(f"no {label!r} metric after {timeout} s")


def test_network_drill_down_edits_the_chosen_stage(app):
    at = app
    at.selectbox(key="studio.side.presets.network").set_value("resnet50")
    at.button(key="studio.side.presets.load_network").click()
    at.run()
    assert not failures(at), failures(at)
    assert len(stage_table(at)["stage"]) == 4  # the stages table
    at.selectbox(key="studio.stage").set_value(2)
    at.run()
    choose_in_slot(at, "branch", "eca")
    assert not failures(at), failures(at)
    token = url_token(at)
    assert token.startswith("ra1.")
    spec = resattn.load_spec(token)
    assert spec.stages[2].slots.branch.type == "eca"
    assert spec.stages[1].slots.branch is None
    assert "ECA" in ascii_text(at)  # the drill-down diagram of stage 3's block
    at.selectbox(key="studio.stage").set_value(1)
    at.run()
    assert slot_value(at, "branch") == "none"


def _near_the_memory_cap() -> bytes:
    """A bottleneck block just under the activation-memory cap: one more gate crosses it."""
    data = load_spec("preset:bottleneck_block").model_dump(mode="json")
    data["input"].update(height=112, width=112, batch=23)
    return json.dumps(data).encode()


def test_a_drop_that_would_add_a_linter_error_is_refused_with_the_reason(app):
    from components.canvas import zone_report

    at = app
    spec_uploader(at).set_value(("big.json", _near_the_memory_cap(), "application/json"))
    at.run()
    assert not failures(at), failures(at)
    spec = resattn.load_spec(url_token(at))
    report = zone_report(canonical_json(spec), 0)
    message = report["post_add"]["errors"]["cbam"]  # the zone the canvas paints red
    # cited as the linter's own Diagnostic.cite says (RA102 cites the bounds table, not the notes)
    added = parse_spec(design.place(spec, "post_add", "cbam"))
    ra102 = next(d for d in lint(added) if d.code == "RA102")
    assert ra102.cite == "docs/diagnostics.md, Bounds"
    assert message.endswith(f"(RA102, {ra102.cite})"), message
    assert "notes DESIGN" not in message
    canvas_edit(at, {"op": "place", "slot": "post_add", "type": "cbam"})
    assert any("can't go after the add" in e.value and "RA102" in e.value for e in at.error)
    assert not any("notes DESIGN" in e.value for e in at.error)
    assert slot_value(at, "post_add") == "none"


def test_checks_tab_cites_each_finding_as_the_linter_does(app):
    data = load_spec("preset:bottleneck_block").model_dump(mode="json")
    data["input"].update(height=112, width=112, batch=64)  # over the activation-memory cap
    spec_uploader(app).set_value(("huge.json", json.dumps(data).encode(), "application/json"))
    app.run()
    ra102 = next(d for d in lint(parse_spec(data)) if d.code == "RA102")
    at = open_tab(app, "Checks")
    assert not failures(at), failures(at)
    boxes = [e.value for e in at.error if "RA102" in e.value]
    assert boxes and all(f"*({ra102.cite})*" in b for b in boxes), boxes
    assert not any("notes DESIGN" in e.value for e in at.error)


def test_oversized_upload_is_refused_with_the_engine_cap(app):
    from resattn.loading import MAX_SPEC_BYTES

    spec_uploader(app).set_value(("big.json", b" " * (MAX_SPEC_BYTES + 1), "application/json"))
    app.run()
    assert any(f"capped at {MAX_SPEC_BYTES:,} bytes" in e.value for e in app.error)
    assert app.text_input(key="studio.name").value == "se_bottleneck"


def test_a_crashing_panel_shows_its_real_error():
    from streamlit.testing.v1 import AppTest

    def page():
        from components import engine

        with engine.guarded("The Diagram panel"):
            raise ValueError("the real reason")

    at = AppTest.from_function(page).run()
    assert [e.value for e in at.error] == ["The Diagram panel failed: ValueError: the real reason"]
    assert not at.info  # never disguised as "not available yet"


def test_presets_gallery_is_open_and_the_gate_editor_sits_under_the_canvas(app):
    gallery = next(e for e in app.sidebar.expander if e.label == "Presets gallery")
    assert gallery.proto.expanded
    main = [
        (getattr(n, "key", None) or "").rsplit("@", 1)[0]
        for n in app.main.children.values()
        for n in _walk(n)
    ]
    # a clicked chip's parameters are right under the canvas (whose script draws the keyboard
    # path): the first widget after it is the selected gate's first option
    keyed = [k for k in main if k]
    after = keyed[keyed.index("studio.canvas") + 1]
    assert after == "studio.att.branch.se.reduction", keyed


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


@pytest.mark.parametrize(
    ("channels", "side", "profile_refused"),
    [(3848, 132, True), (3848, 8, False)],  # over the compute budget; only over the ONNX size
)
def test_profile_and_onnx_over_the_budget_are_refused_before_any_job(
    channels, side, profile_refused
):
    """The buttons are disabled with RA209's figure and cap: nothing is queued for a worker to
    refuse."""
    worst = {
        "input": {"channels": channels, "height": side, "width": side},
        "block": {"type": "basic", "out_channels": channels},
    }
    at = new_app({"spec": share_token(parse_spec(worst))}).run()
    open_tab(at, "Profile")
    assert not failures(at), failures(at)
    captions = " ".join(c.value for c in at.caption)
    assert at.button(key="studio.profile.run").disabled == profile_refused
    assert ("compute budget" in captions) == profile_refused, captions
    open_tab(at, "Code")
    assert not failures(at), failures(at)
    assert at.button(key="studio.code.onnx.run").disabled
    captions = " ".join(c.value for c in at.caption)
    assert "Not available: " in captions and "RA209" in captions, captions


def test_closed_sidebar_expanders_send_no_widgets(app):
    """Open a spec, Open a model and Send to board draw their widgets only while open: a page's
    first run (and its first paint) carries none of them; opening one draws its widgets."""
    assert {e.label for e in app.sidebar.expander} >= {
        "Open a spec (JSON)",
        "Open a model (ONNX)",
        "Send to board",
    }
    assert not app.file_uploader and not app.text_area
    assert not [t for t in app.text_input if t.key.startswith("studio.board.")]
    assert spec_uploader(app).key == "studio.side.upload.file"
    assert [t.key for t in app.text_area] == ["studio.side.upload.text"]
    app.session_state["studio.side.upload.expander"] = False
    assert not app.run().text_area  # closed again: gone again
