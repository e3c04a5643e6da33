"""The summary and diagram commands (validate is covered by the CLI's own tests)."""

import json
import shutil

import pytest

from tests.cli.runner import run
from tests.specs import block_spec

SPEC = json.dumps(block_spec(8, 16, slots={"branch": {"type": "se"}}, name="tiny"))
BAD = json.dumps(block_spec(8, 16, shortcut="identity"))


def test_summary_json_has_the_design_keys(capsys):
    code, out, _ = run(capsys, "summary", "--json", SPEC)
    data = json.loads(out)
    assert code == 0
    assert {"params", "macs", "elementwise_ops", "flops", "output_shape", "diagnostics"} <= set(
        data
    )
    assert data["flops"] == 2 * data["macs"] + data["elementwise_ops"]
    assert data["output_shape"] == [1, 16, 8, 8] and "latency_ms" not in data
    assert [d["code"] for d in data["diagnostics"]] == ["RA301"]


def test_summary_latency_adds_latency_ms(capsys):
    code, out, _ = run(capsys, "summary", "--json", "--latency", SPEC)
    data = json.loads(out)
    assert code == 0 and data["latency_ms"] > 0 and data["threads"] >= 1


def test_summary_text(capsys):
    code, out, _ = run(capsys, "summary", SPEC)
    assert code == 0 and "MACs" in out and "elementwise ops" in out and "info[RA301]" in out


def test_summary_of_a_broken_design_exits_1(capsys):
    code, out, _ = run(capsys, "summary", "--json", BAD)
    assert code == 1 and json.loads(out)["diagnostics"][0]["code"] == "RA101"


def test_diagram_ascii_and_dot_to_stdout(capsys):
    code, out, _ = run(capsys, "diagram", SPEC)
    assert code == 0 and "⊕" in out and "⊗" in out and "└─ SE ─┘" in out
    code, out, _ = run(capsys, "diagram", "--format", "dot", SPEC)
    assert code == 0 and out.startswith("digraph")


def test_diagram_network_block_with_shapes(capsys):
    code, out, _ = run(capsys, "diagram", "preset:resnet18", "--block", "stage3_block1", "--shapes")
    assert code == 0 and "1×256×14×14" in out


def test_diagram_to_file(capsys, tmp_path):
    target = tmp_path / "block.txt"
    code, out, _ = run(capsys, "diagram", SPEC, "-o", str(target))
    assert code == 0 and out == "" and "⊕" in target.read_text(encoding="utf-8")


def test_diagram_svg_and_png(capsys, tmp_path):
    if shutil.which("dot") is None:  # a declared requirement (README, CI): fail, never skip
        pytest.fail(
            "Graphviz `dot` is not on PATH: `diagram --format svg|png` needs it. Install "
            "Graphviz (e.g. `apt-get install graphviz`), as the README says.",
            pytrace=False,
        )
    code, out, _ = run(capsys, "diagram", "--format", "svg", SPEC)
    assert code == 0 and "<svg" in out
    png = tmp_path / "block.png"
    code, _, _ = run(capsys, "diagram", "--format", "png", SPEC, "-o", str(png))
    assert code == 0 and png.read_bytes().startswith(b"\x89PNG")


def test_diagram_png_needs_a_file_and_errors_exit_1(capsys):
    code, _, err = run(capsys, "diagram", "--format", "png", SPEC)
    assert code == 2 and "-o FILE" in err
    code, out, err = run(capsys, "diagram", BAD)
    assert code == 1 and "RA101" in err and out == ""


def test_design_errors_go_to_stderr_so_redirected_output_stays_clean(capsys):
    """`diagram --format dot > f.dot` must not write diagnostics into f.dot."""
    code, out, err = run(capsys, "diagram", "--format", "dot", BAD)
    assert code == 1 and out == "" and "error[RA101]" in err
    code, out, err = run(capsys, "summary", BAD)
    assert code == 1 and out == "" and "error[RA101]" in err


@pytest.mark.parametrize("fmt", ["ascii", "dot"])
def test_diagram_to_a_missing_folder_or_a_folder_exits_2(capsys, tmp_path, fmt):
    code, out, err = run(capsys, "diagram", "--format", fmt, SPEC, "-o", str(tmp_path / "no" / "x"))
    assert code == 2 and out == "" and "no such folder" in err and str(tmp_path / "no") in err
    assert err.startswith("error: ") and "Traceback" not in err
    code, _, err = run(capsys, "diagram", "--format", fmt, SPEC, "-o", str(tmp_path))
    assert code == 2 and "is a folder" in err


def test_diagram_block_option_on_a_block_spec_is_an_error(capsys):
    code, out, err = run(capsys, "diagram", SPEC, "--block", "stage1_block1")
    assert code == 2 and out == ""
    assert "--block" in err and "single block" in err


def test_summary_reports_what_the_time_budget_left_out(capsys):
    code, out, _ = run(capsys, "summary", "--json", "--latency", "--time-budget", "0", SPEC)
    data = json.loads(out)
    assert code == 0 and data["latency_ms"] is None and data["peak_memory_bytes"] is None
    assert "time budget" in data["skipped"]["latency_ms"]
    code, out, _ = run(capsys, "summary", "--latency", "--time-budget", "0", SPEC)
    assert code == 0 and "Latency not measured" in out and "Peak memory not measured" in out
