"""`resattn export SPEC --format python|onnx|json|share [--fold-bn] [-o FILE]`."""

from __future__ import annotations

import json

import onnx
import pytest

from resattn.cli import main
from resattn.export.python_code import export_python
from resattn.export.share import load_token
from resattn.loading import load_spec

SMALL = json.dumps(
    {
        "input": {"channels": 4, "height": 5, "width": 5},
        "block": {"type": "basic", "out_channels": 4},
        "slots": {"branch": {"type": "eca"}},
    }
)


def test_python_to_stdout(capsys):
    assert main(["export", "preset:p1_se", "--format", "python"]) == 0
    assert capsys.readouterr().out == export_python("preset:p1_se")


@pytest.mark.parametrize("fold", [False, True])
def test_python_to_file(tmp_path, capsys, fold):
    out = tmp_path / "block.py"
    args = ["export", SMALL, "--format", "python", "-o", str(out)] + (["--fold-bn"] if fold else [])
    assert main(args) == 0
    assert out.read_text() == export_python(SMALL, fold_bn=fold)
    assert "wrote" in capsys.readouterr().err


@pytest.mark.parametrize("fold", [False, True])
def test_onnx_to_file(tmp_path, fold):
    out = tmp_path / "block.onnx"
    assert (
        main(
            ["export", SMALL, "--format", "onnx", "-o", str(out)] + (["--fold-bn"] if fold else [])
        )
        == 0
    )
    onnx.checker.check_model(onnx.load(str(out)))


def test_onnx_needs_a_file(capsys):
    assert main(["export", SMALL, "--format", "onnx"]) == 2
    assert "-o FILE" in capsys.readouterr().err


def test_json_and_share(capsys):
    assert main(["export", SMALL, "--format", "json"]) == 0
    text = capsys.readouterr().out
    assert json.loads(text)["schema_version"] == 1
    assert main(["export", SMALL, "--format", "share"]) == 0
    token = capsys.readouterr().out.strip()
    assert load_token(token) == load_spec(text)


def test_fold_bn_only_for_code(capsys):
    assert main(["export", SMALL, "--format", "share", "--fold-bn"]) == 2
    assert "--fold-bn applies to python and onnx" in capsys.readouterr().err


def test_bad_input_and_design_errors(capsys):
    assert main(["export", "{not json", "--format", "python"]) == 2
    assert "error:" in capsys.readouterr().err
    broken = json.loads(SMALL) | {"shortcut": "identity"}
    broken["block"]["stride"] = 2
    assert main(["export", json.dumps(broken), "--format", "python"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert main(["export", "ra1.AAAA", "--format", "json"]) == 2
    assert "damaged" in capsys.readouterr().err


def test_unwritable_output(tmp_path, capsys):
    assert main(["export", SMALL, "--format", "json", "-o", str(tmp_path / "no" / "x.json")]) == 2
    assert "cannot write" in capsys.readouterr().err
