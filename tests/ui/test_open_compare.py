"""AppTest of "Open a model" (ONNX upload → undoable design, fit report, weights) and of the
"Compare with…" tab (preset, earlier design)."""

from __future__ import annotations

import pytest

from resattn.loading import load_spec
from tests.importing import foreign
from tests.importing.harness import example_input, random_model, to_onnx
from tests.ui.conftest import choose_in_slot, failures, model_uploader, open_tab, slot_value


@pytest.fixture(scope="module")
def eca_model() -> bytes:
    spec = load_spec("preset:p4_eca")
    return to_onnx(random_model(spec), example_input(spec))


def _upload(app, name: str, data: bytes):
    model_uploader(app).set_value((name, data, "application/octet-stream"))
    return app.run()


def test_open_a_model_replaces_the_design_undoably(app, eca_model):
    before = app.query_params["spec"]
    _upload(app, "p4_eca.onnx", eca_model)
    assert not failures(app), failures(app)
    assert slot_value(app, "skip") == "eca" and slot_value(app, "branch") == "eca"
    assert any("every part fits" in s.value for s in app.success)
    assert app.query_params["spec"] != before
    open_tab(app, "Checks")
    assert any("Fit report — p4_eca.onnx (full fit)" in m.value for m in app.markdown)
    open_tab(app, "Code")
    assert "⬇ Weights .safetensors" in [b.proto.label for b in app.get("download_button")]
    app.button(key="studio.undo_btn").click()
    app.run()
    assert slot_value(app, "branch") == "se" and slot_value(app, "skip") == "none"
    assert app.query_params["spec"] == before


def test_a_model_that_does_not_fit_leaves_the_design(app):
    before = app.query_params["spec"]
    _upload(app, "plain.onnx", to_onnx(foreign.plain_cnn().eval(), foreign.EXAMPLE))
    assert not failures(app), failures(app)
    assert any("does not fit spec v1" in e.value and "no residual" in e.value for e in app.error)
    assert app.query_params["spec"] == before and slot_value(app, "branch") == "se"
    open_tab(app, "Checks")
    assert any("(none fit)" in m.value for m in app.markdown)


def test_a_file_that_is_not_onnx_is_refused(app):
    before = app.query_params["spec"]
    _upload(app, "notes.onnx", b"these are not weights")
    assert any("Cannot read the model" in e.value for e in app.error)
    assert app.query_params["spec"] == before


def test_compare_with_a_preset(app):
    open_tab(app, "Compare with…")
    assert not failures(app), failures(app)
    app.selectbox(key="studio.compare with….preset").set_value("p4_se").run()
    assert not failures(app), failures(app)
    assert len(app.get("graphviz_chart")) == 2
    text = " ".join(m.value for m in app.markdown)
    assert "slots.skip" in text and "Deltas (B − A)" in text
    table = app.dataframe[-1].value
    assert list(table["metric"])[0] == "parameters"


def test_compare_with_the_design_before_the_last_edit(app):
    choose_in_slot(app, "branch", "eca")
    open_tab(app, "Compare with…")
    app.radio(key="studio.compare with….source").set_value("the design before the last edits").run()
    assert not failures(app), failures(app)
    text = " ".join(m.value for m in app.markdown)
    assert "slots.branch" in text and "changed" in text
    params = app.dataframe[-1].value.iloc[0]
    assert params["B − A"] < 0  # ECA has fewer parameters than SE
