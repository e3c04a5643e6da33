"""Diagrams: ASCII golden files in the notes' style, DOT that Graphviz renders, graph data."""

import os
import pathlib
import shutil

import pytest
from hypothesis import given, settings

from resattn.check import trace
from resattn.diagrams import dot as dot_module
from resattn.diagrams.agraph import graph_data
from resattn.diagrams.ascii import render_ascii
from resattn.diagrams.dot import GraphvizMissing, render_dot, render_png, render_svg
from schemas import SLOT_NAMES, SLOT_PATTERNS, SpecError, parse_spec
from tests.strategies import block_specs, network_specs

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "ascii"
SE = {"type": "se"}


def basic(name, **slots):
    return {
        "name": name,
        "input": {"channels": 64, "height": 56, "width": 56},
        "block": {"type": "basic", "out_channels": 64},
        "slots": slots,
    }


ALL_SLOTS = {
    "name": "all_slots",
    "input": {"channels": 64, "height": 56, "width": 56},
    "block": {"type": "basic", "out_channels": 128, "stride": 2},
    "slots": {
        "pre_residual": {"type": "eca"},
        "branch": SE,
        "skip": SE,
        "post_add": {"type": "cbam"},
    },
    "shortcut": "avgpool_conv1x1",
}

#: golden file → spec (the four single-slot patterns with the same SE, the empty block, all)
CASES = {
    "empty": basic("plain"),
    "p1_branch": basic("p1", branch=SE),
    "p2_post_add": basic("p2", post_add=SE),
    "p3_pre_residual": basic("p3", pre_residual=SE),
    "p4_skip": basic("p4", skip=SE),
    "all_slots": ALL_SLOTS,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ascii_matches_golden_file(name):
    text = render_ascii(CASES[name])
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_identity_travels_on_its_own_lane_to_the_add():
    lines = render_ascii(CASES["p1_branch"]).splitlines()
    skip = next(i for i, line in enumerate(lines) if "x (identity)" in line)
    main = skip + 1
    # the identity lane ends exactly above ⊕, and nothing gates it
    assert lines[skip].rstrip().endswith("┐") and "⊗" not in lines[skip]
    assert lines[main].index("⊕") == len(lines[skip].rstrip()) - 1
    assert lines[main].lstrip().startswith("x ")


@settings(max_examples=25)
@given(spec=block_specs())
def test_ascii_draws_one_gate_per_filled_slot(spec):
    text = render_ascii(spec)
    picture = text.split("\n\n")[1]
    assert picture.count("⊗") == len(spec.slots.filled())
    assert picture.count("⊕") == 1
    assert ("x (identity)" in picture) == (
        spec.shortcut in ("auto", "identity") and all(r.role != "P" for r in trace(spec))
    )


def test_ascii_shapes_lists_every_node():
    text = render_ascii(CASES["p1_branch"], shapes=True)
    for row in trace(parse_spec(CASES["p1_branch"])):
        assert row.path in text
    assert "1×64×56×56" in text


def test_network_ascii_lists_stages_and_drills_into_a_block():
    text = render_ascii("preset:se_resnet50", shapes=True)
    for i in range(1, 5):
        assert f"stage{i} ──" in text
    assert "1×2048×7×7" in text and "P1 (branch: SE)" in text
    block = render_ascii("preset:resnet18", block="stage2_block1")
    assert block.startswith("stage2_block1 · basic 64→128, stride 2") and "conv1×1/2" in block
    with pytest.raises(SpecError, match="stage1_block1"):
        render_ascii("preset:resnet18", block="stage9_block1")


@pytest.mark.parametrize("name", ["all_slots", "p4_skip"])
def test_graph_data_draws_gates_and_shapes(name):
    spec = parse_spec(CASES[name])
    data = graph_data(spec)
    ids = {n["id"] for n in data["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in data["edges"])
    gates = [n for n in data["nodes"] if n["kind"] == "gate"]
    assert len(gates) == len(spec.slots.filled())
    alpha = [e for e in data["edges"] if e["label"] == "α"]
    assert {e["target"] for e in alpha} == {g["id"] for g in gates}
    shapes = {"×".join(map(str, r.shape[1:])) for r in trace(spec)}
    assert {e["label"] for e in data["edges"]} - {"α"} <= shapes
    groups = {n["id"]: n["group"] for n in data["nodes"]}
    assert groups["attn_skip"] == "skip" and groups["branch_conv1"] == "branch"


def test_network_graph_data_has_one_node_per_block():
    data = graph_data("preset:resnet18")
    blocks = [n for n in data["nodes"] if n["kind"] == "block"]
    assert len(blocks) == 8 and {n["group"] for n in blocks} == {f"stage{i}" for i in range(1, 5)}
    assert data["edges"][-1] == {"source": "head", "target": "y", "label": "1000"}


@settings(max_examples=10)
@given(spec=network_specs())
def test_network_graph_data_chains_every_block(spec):
    data = graph_data(spec)
    assert len(data["edges"]) == len(data["nodes"]) - 1


@pytest.fixture
def graphviz_dot():
    """Graphviz's `dot` is a declared requirement (README, CI): missing, these tests fail."""
    if shutil.which("dot") is None:
        pytest.fail(
            "Graphviz `dot` is not on PATH: the SVG/PNG diagram tests need it. Install Graphviz "
            "(e.g. `apt-get install graphviz` or `brew install graphviz`), as the README says.",
            pytrace=False,
        )


needs_dot = pytest.mark.usefixtures("graphviz_dot")


def test_dot_has_clusters_gate_styles_and_shapes():
    text = render_dot(ALL_SLOTS)
    assert "subgraph cluster_branch" in text and "subgraph cluster_skip" in text
    assert text.count("doublecircle") == 4 and text.count("hexagon") == 4
    assert 'label="128×28×28"' in text
    assert 'label="128×28×28"' not in render_dot(ALL_SLOTS, shapes=False)


@needs_dot
@pytest.mark.parametrize("spec", [ALL_SLOTS, CASES["empty"], "preset:resnet18"])
def test_dot_parses_and_renders_with_graphviz(spec):
    import graphviz

    svg = graphviz.Source(render_dot(spec)).pipe(format="svg").decode()
    assert "<svg" in svg
    assert render_svg(spec).lstrip().startswith("<?xml")
    assert render_png(spec).startswith(b"\x89PNG")


def test_svg_without_graphviz_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(dot_module.shutil, "which", lambda name: None)
    with pytest.raises(GraphvizMissing, match="Graphviz `dot`"):
        render_svg(CASES["empty"])


def test_every_slot_name_has_a_pattern_label():
    assert set(SLOT_PATTERNS) == set(SLOT_NAMES)


def test_diagrams_use_the_shared_word_tables():
    """Labels come from `schemas` (CA, not a private copy): the block picture and graph agree."""
    spec = basic("ca", branch={"type": "coord"}, skip=SE)
    assert "└─ CA ─┘" in render_ascii(spec)
    assert "P1 + P4 (branch: CA, skip: SE)" in render_ascii(
        {
            "input": {"channels": 3, "height": 32, "width": 32},
            "stem": {"type": "cifar", "out_channels": 64},
            "stages": [
                {
                    "depth": 1,
                    "out_channels": 64,
                    "block": {"type": "basic"},
                    "slots": {"branch": {"type": "coord"}, "skip": SE},
                }
            ],
            "num_classes": 10,
        }
    )
    tips = [n.get("title", "") for n in graph_data(spec)["nodes"]]
    assert any("CA in `branch` (P1)" in tip for tip in tips), tips
