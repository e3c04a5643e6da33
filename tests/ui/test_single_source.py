"""The studio keeps no second copy of what the engine defines: share tokens, words, caps,
layer descriptions, the spec file writer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import resattn
from components import canvas, code, design, engine, texts
from resattn.blocks import branch_table
from resattn.export import share
from resattn.loading import load_spec
from schemas import (
    ATTENTION_LABELS,
    ATTENTION_NAMES,
    PATTERN_FORMULAS,
    SLOT_NAMES,
    SLOT_PATTERNS,
    SLOT_SYMBOLS,
    canonical_json,
    parse_spec,
)

ROOT = Path(__file__).resolve().parents[2]
STUDIO_FILES = [ROOT / "studio.py"] + [
    p for p in sorted((ROOT / "components").glob("*.py")) if p.name != "compare.py"
]


def test_the_studio_token_is_the_engine_token():
    spec = load_spec("preset:p4_cbam")
    token = engine.token(canonical_json(spec))
    assert token == share.share_token(spec)
    assert token.startswith("ra1.")
    assert resattn.load_spec(token) == spec


def test_a_broken_share_module_fails_the_studio_instead_of_switching_format():
    probe = "import sys; sys.modules['resattn.export.share'] = None\nimport components.engine\n"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode != 0
    assert "resattn.export.share" in out.stderr


@pytest.mark.parametrize(
    "copy",
    [
        "j1.",  # a second token format
        "256 * 1024",  # a second upload cap
        "Squeeze-and-Excitation",  # attention names (schemas.ATTENTION_NAMES)
        "Coordinate Attention",
        "y = x + A(F(x))",  # pattern formulas (schemas.PATTERN_FORMULAS)
        "y = A(x + F(x))",
        "notes {",  # citing a diagnostic by hand instead of Diagnostic.cite
        "json.dumps(spec_to_dict",  # a second spec-file writer
    ],
)
def test_no_private_copy_in_the_studio(copy):
    hits = [p.name for p in STUDIO_FILES if copy in p.read_text(encoding="utf-8")]
    assert not hits, f"{copy!r} re-defined in {hits}"


def test_words_come_from_the_schemas():
    assert list(texts.SLOT_LABELS) == list(SLOT_NAMES)  # the keyboard path follows data flow
    for kind, (label, name, _gates) in texts.ATTENTION.items():
        assert (label, name) == (ATTENTION_LABELS[kind], ATTENTION_NAMES[kind])
    data = canvas.canvas_data(load_spec("preset:se_bottleneck"))
    assert [c["label"] for c in data["palette"]] == list(ATTENTION_LABELS.values())
    for slot, zone in data["zones"].items():
        code_ = SLOT_PATTERNS[slot]
        assert zone["code"] == code_ and zone["formula"] == PATTERN_FORMULAS[code_]
        assert zone["title"].endswith(f"· {code_}") and zone["where"].endswith(f"({code_})")
        assert f"{SLOT_SYMBOLS[slot]} ({code_})" in texts.SLOT_LABELS[slot]
    assert data["zones"]["pre_residual"]["title"] == "Aₚ · pre-residual · P3"


def test_the_spec_download_is_the_engine_writer():
    assert code.spec_json is share.spec_json


@pytest.mark.parametrize(
    ("preset", "stage", "layers", "skip"),
    [
        (
            "bottleneck_block",
            0,
            ["1×1 conv 256→64·BN", "3×3 conv 64→64·BN", "1×1 conv 64→256·BN"],
            None,
        ),
        (
            "resnext50_32x4d",
            1,
            ["1×1 conv 256→256·BN", "3×3 conv 256→256 g=32 /2·BN", "1×1 conv 256→512·BN"],
            "P: 1×1 conv + BN /2",
        ),
    ],
)
def test_canvas_layer_text(preset, stage, layers, skip):
    block = design.edited_block(load_spec(f"preset:{preset}"), stage)
    assert design.branch_layers(block) == layers
    assert design.skip_label(block) == skip


@pytest.mark.parametrize("preact", [False, True])
@pytest.mark.parametrize("kind", ["basic", "bottleneck"])
@pytest.mark.parametrize("shortcut", ["auto", "avgpool_conv1x1"])
def test_canvas_layer_text_follows_the_layer_tables(preact, kind, shortcut):
    data = {
        "input": {"channels": 64, "height": 16, "width": 16},
        "block": {"type": kind, "out_channels": 128, "stride": 2, "preact": preact},
        "shortcut": shortcut,
    }
    block = parse_spec(data)
    lines = design.branch_layers(block)
    table, values = branch_table(64, block.block)
    convs = [x for x in table.layers if x.op.__name__ == "Conv2d"]
    assert len(lines) == len(convs)
    for line, conv in zip(lines, convs, strict=True):
        c_in, c_out = (values[a] for a in conv.args[:2])
        assert f"conv {c_in}→{c_out}" in line
        assert line.startswith("BN·ReLU·") == preact
        assert line.endswith("·BN") == (not preact)
    skip = design.skip_label(block)
    assert skip.startswith("P: avgpool → " if shortcut == "avgpool_conv1x1" else "P: 1×1")
    assert ("+ BN" in skip) == (not preact)
