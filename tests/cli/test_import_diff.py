"""`resattn import` and `resattn diff`: output, files written, exit codes."""

from __future__ import annotations

import json

import pytest

from resattn.importing import load_weights
from tests.cli.runner import run
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
    code, text, _ = run(capsys, "import", path, "-o", out, "--weights", weights)
    assert code == 0
    assert "full fit" in text and "ECA" in text and "every part of the model" in text
    imported = build(load_spec(out)).eval()
    imported.load_state_dict(load_weights(weights))
    assert max_diff(model, imported, example_input(spec)) <= 1e-4


def test_json_output(eca_onnx, capsys):
    code, out, _ = run(capsys, "import", eca_onnx[0], "--json")
    assert code == 0
    data = json.loads(out)
    assert data["fit"] == "full" and data["spec"]["slots"]["skip"]["type"] == "eca"


def test_partial_fit_exits_1(tmp_path, capsys):
    path = tmp_path / "gc.onnx"
    path.write_bytes(to_onnx(foreign.context_net().eval(), foreign.EXAMPLE))
    code, out, _ = run(capsys, "import", path)
    assert code == 1
    assert "partial fit" in out and "dropped: block 1: an additive attention" in out


def test_no_fit_exits_1_and_writes_nothing(tmp_path, capsys):
    path, out = tmp_path / "plain.onnx", tmp_path / "spec.json"
    path.write_bytes(to_onnx(foreign.plain_cnn().eval(), foreign.EXAMPLE))
    code, text, _ = run(capsys, "import", path, "-o", out)
    assert code == 1
    assert "no residual structure" in text
    assert not out.exists()


@pytest.mark.parametrize("content", [b"not a model", b'{"a": 1}', b""])
def test_unreadable_input_exits_2(tmp_path, capsys, content):
    path = tmp_path / "bad.onnx"
    path.write_bytes(content)
    code, _, err = run(capsys, "import", path)
    assert code == 2
    assert err.startswith("error: Cannot read the model:") and "Traceback" not in err


def test_missing_file_exits_2(tmp_path, capsys):
    code, _, err = run(capsys, "import", tmp_path / "nope.onnx")
    assert code == 2
    assert "no such file" in err


def test_diff_text_and_json(tmp_path, capsys):
    from resattn import load_spec

    data = load_spec("preset:se_bottleneck").model_dump(mode="json")
    data["slots"]["branch"]["reduction"] = 4
    other = tmp_path / "b.json"
    other.write_text(json.dumps(data))
    code, text, _ = run(capsys, "diff", "preset:se_bottleneck", other)
    assert code == 0
    assert "slots.branch.reduction: 16 → 4" in text and "+24,624" in text
    code, out, _ = run(capsys, "diff", "preset:se_bottleneck", other, "--json")
    assert code == 0
    result = json.loads(out)
    params = next(d for d in result["deltas"] if d["metric"] == "params")
    assert params["delta"] == 24_624 and not result["same"]


def test_diff_of_an_unreadable_spec_exits_2(capsys):
    code, _, err = run(capsys, "diff", "preset:se_bottleneck", "preset:nope")
    assert code == 2
    assert "error:" in err
