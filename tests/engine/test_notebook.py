"""Notebook display: specs and import results render themselves as HTML."""

from __future__ import annotations

from resattn import load_spec, show
from resattn.importing import import_model
from tests.importing import foreign
from tests.importing.harness import to_onnx


def test_spec_displays_diagram_counts_and_diagnostics():
    markup = load_spec("preset:se_resnet50")._repr_html_()
    assert "<svg" in markup and "parameters" in markup and "RA" in markup


def test_show_and_import_result():
    result = import_model(to_onnx(foreign.context_net().eval(), foreign.EXAMPLE))
    markup = result._repr_html_()
    assert "partial fit" in markup and "additive attention" in markup and "<svg" in markup
    assert "partial fit" in show(result)._repr_html_()
    assert "stem" in repr(show("preset:resnet18"))


def test_report_text_is_escaped():
    from resattn.importing import Finding, ImportResult

    result = ImportResult(None, unsupported=[Finding("graph", "<script>x</script>", "blocking")])
    markup = result._repr_html_()
    assert "<script>" not in markup and "&lt;script&gt;" in markup
