"""In a real browser: upload an ONNX model and see the canvas show its attention."""

from __future__ import annotations

import pytest

from resattn.loading import load_spec
from tests.e2e.studio_page import Studio
from tests.importing.harness import example_input, random_model, to_onnx

pytestmark = pytest.mark.e2e


def test_uploading_an_onnx_model_puts_its_attention_on_the_canvas(
    context, server_url, artifacts, tmp_path
):
    spec = load_spec("preset:p4_cbam")  # CBAM in the branch and on the skip
    path = tmp_path / "p4_cbam.onnx"
    path.write_bytes(to_onnx(random_model(spec), example_input(spec)))
    studio = Studio(context.new_page()).open(server_url)  # the default: SE in the branch
    assert studio.placed("skip").count() == 0
    page = studio.page
    expander = page.locator('[data-testid="stExpander"]', has_text="Open a model (ONNX)")
    expander.get_by_text("Open a model (ONNX)").click()
    expander.locator('input[type="file"]').set_input_files(str(path))
    studio.placed("skip").wait_for()
    studio.wait_for(lambda: "P4" in studio.formula(), what="the P4 formula")
    assert "CBAM" in studio.formula()
    assert studio.placed("branch").count() == 1
    studio.wait_idle()
    page.get_by_text("every part fits").wait_for()
    studio.canvas().screenshot(path=str(artifacts / "canvas_opened_onnx_light.png"))
