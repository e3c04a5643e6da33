"""`resattn export SPEC --format python|onnx|json|share [--fold-bn] [-o FILE]`."""

from __future__ import annotations

import json

import onnx
import pytest

from resattn.export.python_code import export_python
from resattn.export.share import load_token
from resattn.loading import load_spec
from tests.cli.runner import run
from tests.specs import block_spec

SMALL = json.dumps(block_spec(4, height=5, slots={"branch": {"type": "eca"}}))


def test_python_to_stdout(capsys):
    code, out, _ = run(capsys, "export", "preset:p1_se", "--format", "python")
    assert code == 0
    assert out == export_python("preset:p1_se")


@pytest.mark.parametrize("fold", [False, True])
def test_python_to_file(tmp_path, capsys, fold):
    out = tmp_path / "block.py"
    args = ["export", SMALL, "--format", "python", "-o", str(out)] + (["--fold-bn"] if fold else [])
    code, _, err = run(capsys, *args)
    assert code == 0
    assert out.read_text() == export_python(SMALL, fold_bn=fold)
    assert "wrote" in err


@pytest.mark.parametrize("fold", [False, True])
def test_onnx_to_file(tmp_path, capsys, fold):
    out = tmp_path / "block.onnx"
    args = ["export", SMALL, "--format", "onnx", "-o", str(out)] + (["--fold-bn"] if fold else [])
    assert run(capsys, *args).code == 0
    onnx.checker.check_model(onnx.load(str(out)))


def test_onnx_needs_a_file(capsys):
    code, _, err = run(capsys, "export", SMALL, "--format", "onnx")
    assert code == 2
    assert "-o FILE" in err


def test_json_and_share(capsys):
    code, text, _ = run(capsys, "export", SMALL, "--format", "json")
    assert code == 0
    assert json.loads(text)["schema_version"] == 1
    code, out, _ = run(capsys, "export", SMALL, "--format", "share")
    assert code == 0
    token = out.strip()
    assert load_token(token) == load_spec(text)


def test_fold_bn_only_for_code(capsys):
    code, _, err = run(capsys, "export", SMALL, "--format", "share", "--fold-bn")
    assert code == 2
    assert "--fold-bn applies to python and onnx" in err


def test_bad_input_and_design_errors(capsys):
    code, _, err = run(capsys, "export", "{not json", "--format", "python")
    assert code == 2
    assert "error:" in err
    broken = json.loads(SMALL) | {"shortcut": "identity"}
    broken["block"]["stride"] = 2
    code, _, err = run(capsys, "export", json.dumps(broken), "--format", "python")
    assert code == 1
    assert "Traceback" not in err
    code, _, err = run(capsys, "export", "ra1.AAAA", "--format", "json")
    assert code == 2
    assert "damaged" in err


def test_unwritable_output(tmp_path, capsys):
    target = tmp_path / "no" / "x.json"
    code, _, err = run(capsys, "export", SMALL, "--format", "json", "-o", target)
    assert code == 2
    assert "cannot write" in err
