"""`resattn import` and `resattn diff`: output, files written, exit codes."""

from __future__ import annotations

import json

import pytest

from resattn.cli import main
from resattn.importing import load_weights
from tests.importing import foreign
from tests.importing.harness import example_input, max_diff, random_model, to_onnx


@pytest.fixture(scope="module")
def eca_onnx(tmp_path_factory):
    from resattn import load_spec

    spec = load_spec("preset:p4_eca")
    model = random_model(spec)
    path = tmp_path_factory.mktemp("models") / "p4_eca.onnx"
    path.write_bytes(to_onnx(model, example_input(spec)))
    return path, spec, model


def test_full_fit_writes_spec_and_weights_and_exits_0(eca_onnx, tmp_path, capsys):
    from resattn import build, load_spec

    path, spec, model = eca_onnx
    out, weights = tmp_path / "spec.json", tmp_path / "w.safetensors"
    assert main(["import", str(path), "-o", str(out), "--weights", str(weights)]) == 0
    text = capsys.readouterr().out
    assert "full fit" in text and "ECA" in text and "every part of the model" in text
    imported = build(load_spec(out)).eval()
    imported.load_state_dict(load_weights(weights))
    assert max_diff(model, imported, example_input(spec)) <= 1e-4


def test_json_output(eca_onnx, capsys):
    assert main(["import", str(eca_onnx[0]), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fit"] == "full" and data["spec"]["slots"]["skip"]["type"] == "eca"


def test_partial_fit_exits_1(tmp_path, capsys):
    path = tmp_path / "gc.onnx"
    path.write_bytes(to_onnx(foreign.context_net().eval(), foreign.EXAMPLE))
    assert main(["import", str(path)]) == 1
    out = capsys.readouterr().out
    assert "partial fit" in out and "dropped: block 1: an additive attention" in out


def test_no_fit_exits_1_and_writes_nothing(tmp_path, capsys):
    path, out = tmp_path / "plain.onnx", tmp_path / "spec.json"
    path.write_bytes(to_onnx(foreign.plain_cnn().eval(), foreign.EXAMPLE))
    assert main(["import", str(path), "-o", str(out)]) == 1
    assert "no residual structure" in capsys.readouterr().out
    assert not out.exists()


@pytest.mark.parametrize("content", [b"not a model", b'{"a": 1}', b""])
def test_unreadable_input_exits_2(tmp_path, capsys, content):
    path = tmp_path / "bad.onnx"
    path.write_bytes(content)
    assert main(["import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot read the model:") and "Traceback" not in err


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["import", str(tmp_path / "nope.onnx")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_diff_text_and_json(tmp_path, capsys):
    from resattn import load_spec

    data = load_spec("preset:se_bottleneck").model_dump(mode="json")
    data["slots"]["branch"]["reduction"] = 4
    other = tmp_path / "b.json"
    other.write_text(json.dumps(data))
    assert main(["diff", "preset:se_bottleneck", str(other)]) == 0
    text = capsys.readouterr().out
    assert "slots.branch.reduction: 16 → 4" in text and "+24,624" in text
    assert main(["diff", "preset:se_bottleneck", str(other), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    params = next(d for d in result["deltas"] if d["metric"] == "params")
    assert params["delta"] == 24_624 and not result["same"]


def test_diff_of_an_unreadable_spec_exits_2(capsys):
    assert main(["diff", "preset:se_bottleneck", "preset:nope"]) == 2
    assert "error:" in capsys.readouterr().err
