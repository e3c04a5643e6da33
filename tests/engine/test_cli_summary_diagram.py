"""The summary and diagram commands (validate is covered by the CLI's own tests)."""

import json
import shutil

import pytest

from resattn.cli import main

SPEC = json.dumps(
    {
        "name": "tiny",
        "input": {"channels": 8, "height": 8, "width": 8},
        "block": {"type": "basic", "out_channels": 16},
        "slots": {"branch": {"type": "se"}},
    }
)
BAD = json.dumps(
    {
        "input": {"channels": 8, "height": 8, "width": 8},
        "block": {"type": "basic", "out_channels": 16},
        "shortcut": "identity",
    }
)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


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


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_diagram_svg_and_png(capsys, tmp_path):
    code, out, _ = run(capsys, "diagram", "--format", "svg", SPEC)
    assert code == 0 and "<svg" in out
    png = tmp_path / "block.png"
    code, _, _ = run(capsys, "diagram", "--format", "png", SPEC, "-o", str(png))
    assert code == 0 and png.read_bytes().startswith(b"\x89PNG")


def test_diagram_png_needs_a_file_and_errors_exit_1(capsys):
    code, _, err = run(capsys, "diagram", "--format", "png", SPEC)
    assert code == 2 and "-o FILE" in err
    code, out, _ = run(capsys, "diagram", BAD)
    assert code == 1 and "RA101" in out
