"""`export --format python --weights FILE`: the exported build_model() loads imported weights."""

from __future__ import annotations

import importlib.util

import pytest

from resattn import load_spec
from resattn.export.python_code import export_python
from resattn.importing import import_model, save_weights
from schemas import SpecError
from tests.cli.runner import run
from tests.importing.harness import example_input, max_diff, random_model, to_onnx


def test_exported_build_model_loads_the_imported_weights(tmp_path, capsys):
    spec = load_spec("preset:p3_coord")
    model = random_model(spec)
    result = import_model(to_onnx(model, example_input(spec)))
    (tmp_path / "spec.json").write_text(result.spec.model_dump_json())
    save_weights(result.state_dict, tmp_path / "w.safetensors")
    out = tmp_path / "design.py"
    argv = ["export", str(tmp_path / "spec.json"), "--weights", str(tmp_path / "w.safetensors")]
    assert run(capsys, *argv, "-o", out).code == 0
    module_spec = importlib.util.spec_from_file_location("design", out)
    design = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(design)
    assert max_diff(model, design.build_model().eval(), example_input(spec)) <= 1e-4
    assert design.build_model(weights=None) is not None  # fresh weights on request


def test_weights_that_do_not_fit_are_refused(tmp_path, capsys):
    from resattn import build

    save_weights(build("preset:basic_block").state_dict(), tmp_path / "w.safetensors")
    argv = ["export", "preset:se_bottleneck", "--weights", str(tmp_path / "w.safetensors")]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "The weights do not fit the design" in err


@pytest.mark.parametrize("name", ["../w.safetensors", "w.pt", 'a".safetensors'])
def test_weights_name_is_a_plain_file_name(name):
    with pytest.raises(SpecError, match="plain file name"):
        export_python("preset:se_bottleneck", weights=name)


def test_no_weights_no_change():
    assert "WEIGHTS" not in export_python("preset:se_bottleneck")
