"""The CLI: exit codes (0 fine, 1 design errors, 2 unreadable input) and error style."""

import json
import subprocess
import sys

import pytest

from tests.cli.runner import run
from tests.specs import block_spec

GOOD = block_spec(64, slots={"branch": {"type": "se"}})


def write(tmp_path, text, name="spec.json"):
    path = tmp_path / name
    path.write_text(text if isinstance(text, str) else json.dumps(text))
    return str(path)


def test_validate_good_spec_exits_0(capsys, tmp_path):
    code, out, err = run(capsys, "validate", write(tmp_path, GOOD))
    assert code == 0 and "ok" in out and err == ""


def test_validate_json_output(capsys):
    code, out, _ = run(capsys, "validate", "--json", "preset:resnet50")
    assert code == 0
    data = json.loads(out)
    assert data["valid"] is True and data["kind"] == "network"


def test_design_error_exits_1_naming_the_field(capsys, tmp_path):
    bad = {
        **GOOD,
        "block": {"type": "basic", "out_channels": 64, "stride": 2},
        "shortcut": "identity",
    }
    code, out, err = run(capsys, "validate", write(tmp_path, bad))
    assert code == 1, err
    assert "RA101" in out and "shortcut" in out and "conv1x1" in out


# (file content, words the one-paragraph message must contain)
BAD_INPUTS = [
    ("{not json", ["not valid JSON", "line 1"]),
    (
        '{"input": {"channels": "64", "height": 8, "width": 8}, "block": {"type": "basic", '
        '"out_channels": 64}}',
        ["input.channels", "integer"],
    ),
    (
        json.dumps({**GOOD, "slots": {"branch": {"type": "transformer"}}}),
        ["slots.branch", "transformer", "se"],
    ),
    (
        json.dumps({**GOOD, "input": {"channels": 100000, "height": 8, "width": 8}}),
        ["input.channels", "4096"],
    ),
    (json.dumps({**GOOD, "name": "x'; import os"}), ["name"]),
    ('{"a": NaN}', ["NaN"]),
    (
        json.dumps({**GOOD, "block": {"type": "basic", "out_channels": 64}, "extra": 1}),
        ["extra", "unknown field"],
    ),
    ("[1, 2, 3]", ["JSON object"]),
    ('{"input": {}, "input": {}}', ["duplicate key"]),
    ("", ["not valid JSON"]),
]


@pytest.mark.parametrize(("text", "words"), BAD_INPUTS)
def test_unreadable_input_exits_2_with_one_paragraph(capsys, tmp_path, text, words):
    code, out, err = run(capsys, "validate", write(tmp_path, text))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "Traceback" not in err
    for word in words:
        assert word in err


def test_missing_file_and_oversized_file_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "validate", str(tmp_path / "nope.json"))
    assert code == 2 and "no such file" in err
    big = write(tmp_path, " " * (300 * 1024) + "{}", "big.json")
    code, _, err = run(capsys, "summary", big)
    assert code == 2 and "capped" in err


def test_binary_upload_is_refused(capsys, tmp_path):
    path = tmp_path / "x.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2 and "UTF-8" in err


def test_presets_list_and_show(capsys):
    code, out, _ = run(capsys, "presets")
    assert code == 0 and "resnet50" in out and "p4_cbam" in out
    code, out, _ = run(capsys, "presets", "show", "resnet18")
    assert code == 0 and json.loads(out)["schema_version"] == 1
    code, _, err = run(capsys, "presets", "show", "nope")
    assert code == 2 and "unknown preset" in err


def test_schema_prints_json_schema(capsys):
    code, out, _ = run(capsys, "schema")
    assert code == 0 and "BlockSpec" in json.loads(out)["$defs"]


def test_summary_reports_params_and_output_shape(capsys):
    code, out, _ = run(capsys, "summary", "--json", "preset:resnet50")
    assert code == 0
    data = json.loads(out)
    assert data["params"] == 25_557_032 and data["output_shape"] == [1, 1000]


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        run(capsys, "frobnicate")
    assert info.value.code == 2


def test_python_m_resattn_runs_as_a_module():
    proc = subprocess.run(
        [sys.executable, "-m", "resattn", "validate", "preset:se_bottleneck"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    help_proc = subprocess.run(
        [sys.executable, "-m", "resattn", "--help"], capture_output=True, text=True, timeout=120
    )
    assert "exit codes" in help_proc.stdout


@pytest.mark.parametrize("command", ["validate", "summary", "diagram", "export"])
@pytest.mark.parametrize("spec", ["", "   "])
def test_empty_spec_says_no_spec_was_given(capsys, command, spec):
    with pytest.raises(SystemExit) as info:
        run(capsys, command, spec)
    err = capsys.readouterr().err
    assert info.value.code == 2 and "no spec given" in err and "directory" not in err


def test_export_to_a_missing_folder_or_a_folder_exits_2(capsys, tmp_path):
    for fmt in ("python", "json"):
        code, out, err = run(
            capsys, "export", "--format", fmt, "preset:se_bottleneck", "-o", str(tmp_path / "a/b.x")
        )
        assert code == 2 and out == "" and "no such folder" in err and "Traceback" not in err
    code, _, err = run(capsys, "export", "preset:se_bottleneck", "-o", str(tmp_path))
    assert code == 2 and "is a folder" in err
    code, _, err = run(capsys, "export", "preset:se_bottleneck", "-o", str(tmp_path / "ok.py"))
    assert code == 0 and "wrote" in err and (tmp_path / "ok.py").read_text().startswith('"""')


@pytest.mark.parametrize("fmt", ["json", "share"])
def test_exporting_a_design_with_errors_as_a_spec_warns_on_stderr(capsys, tmp_path, fmt):
    bad = {**GOOD, "block": {"type": "basic", "out_channels": 128}, "shortcut": "identity"}
    code, out, err = run(capsys, "export", "--format", fmt, write(tmp_path, bad))
    assert code == 0 and out.strip()  # saving a half-finished design is allowed
    assert err.startswith("warning: ") and "RA101 at shortcut" in err and "1 error" in err
    code, _, err = run(capsys, "export", "--format", fmt, write(tmp_path, GOOD))
    assert code == 0 and err == ""


def test_exporting_a_design_with_errors_as_code_exits_1(capsys, tmp_path):
    bad = {**GOOD, "block": {"type": "basic", "out_channels": 128}, "shortcut": "identity"}
    code, out, err = run(capsys, "export", "--format", "python", write(tmp_path, bad))
    assert code == 1 and out == "" and "shortcut" in err and "conv1x1" in err
