"""Diagrams: ASCII golden files in the notes' style, DOT that Graphviz renders, graph data."""

import html
import os
import pathlib
import re
import shutil
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resattn.check import drawable_trace, trace
from resattn.diagrams.agraph import graph_data
from resattn.diagrams.ascii import render_ascii
from resattn.diagrams.dot import PALETTES, GraphvizMissing, render_dot, render_png, render_svg
from resattn.loading import load_spec
from schemas import SLOT_NAMES, SLOT_PATTERNS, SpecError, parse_spec
from tests.specs import block_spec, network_spec
from tests.strategies import block_specs, network_specs

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "ascii"
FIXTURES = GOLDEN.parent / "specs" / "v1"
SE = {"type": "se"}


def basic(name, **slots):
    return block_spec(64, height=56, slots=slots, name=name)


ALL_SLOTS = block_spec(
    64,
    128,
    height=56,
    block={"stride": 2},
    slots={
        "pre_residual": {"type": "eca"},
        "branch": SE,
        "skip": SE,
        "post_add": {"type": "cbam"},
    },
    name="all_slots",
    shortcut="avgpool_conv1x1",
)

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


def test_network_graph_data_has_one_node_per_stage_and_expands_on_request():
    data = graph_data("preset:resnet18")
    stages = [n for n in data["nodes"] if n["kind"] == "stage"]
    assert [n["stage"] for n in stages] == [0, 1, 2, 3]
    assert not [n for n in data["nodes"] if n["kind"] == "block"]
    assert data["edges"][-1] == {"source": "head", "target": "y", "label": "1000"}
    expanded = graph_data("preset:resnet18", expand=[1])
    blocks = [n for n in expanded["nodes"] if n["kind"] == "block"]
    # stage 2: its first block (stride 2, 64→128) and its second, a different design
    assert [n["id"] for n in blocks] == ["stage2_block1", "stage2_block2"]
    assert {n["group"] for n in blocks} == {"stage2"} and {n["stage"] for n in blocks} == {1}


def test_identical_blocks_are_drawn_once_as_a_run():
    data = graph_data("preset:resnet50", expand=[2])  # stage 3: 6 bottlenecks
    blocks = [n for n in data["nodes"] if n["kind"] == "block"]
    assert [n["label"].splitlines()[0] for n in blocks] == ["block 1", "blocks 2–6 (5 ×)"]


@settings(max_examples=10, deadline=None)
@given(spec=network_specs(), data=st.data())
def test_network_graph_data_chains_every_node(spec, data):
    expand = data.draw(st.sets(st.integers(0, len(spec.stages) - 1)))
    graph = graph_data(spec, expand=expand)
    assert len(graph["edges"]) == len(graph["nodes"]) - 1
    ids = [n["id"] for n in graph["nodes"]]
    assert [e["source"] for e in graph["edges"]] == ids[:-1]
    assert [e["target"] for e in graph["edges"]] == ids[1:]
    runs = [n for n in graph["nodes"] if n["kind"] == "block"]
    assert {n["stage"] for n in runs} == expand


def test_overridden_blocks_are_marked_in_every_view():
    spec = FIXTURES / "network_block_overrides.json"
    text = render_ascii(spec)
    assert "block 1: no attention" in text and "block 3: P1 (branch: CBAM)" in text
    graph = graph_data(spec, expand=[1])
    marked = [n["id"] for n in graph["nodes"] if n.get("override")]
    assert marked == ["stage2_block1", "stage2_block3"]
    collapsed = next(n for n in graph_data(spec)["nodes"] if n["id"] == "stage2")
    assert "2 block overrides" in collapsed["label"]


def test_network_ascii_speaks_no_cli_vocabulary():
    text = render_ascii("preset:resnet18")
    assert "--" not in text.replace("──", "") and "block=" not in text
    assert "stage1_block1 … stage4_block2" in text


# --- designs with an RA101 error are drawn, the failing add marked ---------------------------

RA101 = block_spec(
    8, 16, block={"stride": 2}, slots={"skip": SE}, name="bad_skip", shortcut="identity"
)


def test_ra101_block_is_drawn_with_the_add_marked():
    text = render_ascii(RA101)
    assert "⊕✗" in text and "8×8×8" in text and "16×4×4" in text and "RA101" in text
    data = graph_data(RA101)
    failing = {n["id"] for n in data["nodes"] if n.get("error")}
    assert failing == {"add", "attn_skip"}
    dot = render_dot(RA101)
    assert "⊕ ✗" in dot and PALETTES["light"]["error"] in dot


def test_ra101_stage_of_a_network_is_marked():
    net = load_spec("preset:resnet18").model_dump()
    net["stages"][1]["shortcut"] = "identity"  # stage 2 halves H×W and doubles the channels
    text = render_ascii(net)
    assert "✗ block 1:" in text and "RA101" in text
    stage = next(n for n in graph_data(net)["nodes"] if n["id"] == "stage2")
    assert "RA101" in stage["error"]
    block = next(n for n in graph_data(net, expand=[1])["nodes"] if n["id"] == "stage2_block1")
    assert "RA101" in block["error"]
    assert "⊕✗" in render_ascii(net, block="stage2_block1")


@settings(max_examples=15, deadline=None)
@given(spec=block_specs())
def test_forcing_an_identity_skip_never_breaks_a_renderer(spec):
    forced = spec.model_copy(update={"shortcut": "identity"})
    rows, failed = drawable_trace(forced)
    mismatch = spec.input.channels != spec.block.out_channels or spec.block.stride != 1
    assert ("add" in failed) == mismatch
    assert ("⊕✗" in render_ascii(forced)) == mismatch
    assert any(n.get("error") for n in graph_data(forced)["nodes"]) == mismatch
    assert render_dot(forced)


def test_gate_kind_is_named_when_not_sigmoid():
    spec = basic("hs", branch={"type": "se", "gate": "hard_sigmoid"})
    assert "└─ SE (hard-sigmoid) ─┘" in render_ascii(spec)
    assert "P1 (branch: SE (hard-sigmoid))" in render_ascii(spec)
    labels = [n["label"] for n in graph_data(spec)["nodes"]]
    assert "SE (hard-sigmoid)" in labels
    assert "hard-sigmoid" not in render_ascii(basic("s", branch=SE))


def test_a_network_of_1024_blocks_traces_each_distinct_design_once(monkeypatch):
    """Linear time: the network is outlined from shapes; only distinct blocks are traced."""
    slots = {"pre_residual": SE, "branch": {"type": "cbam"}, "skip": SE, "post_add": SE}
    stage = {"depth": 64, "out_channels": 16, "block": {"type": "basic"}, "slots": slots}
    net = parse_spec(
        network_spec(
            [{**stage, "shortcut": "identity"} for _ in range(16)], height=16, num_classes=10
        )
    )
    check_module = sys.modules["resattn.check"]  # `resattn.check` is also the function
    calls = []
    real = check_module._trace_uncached
    monkeypatch.setattr(
        check_module, "_trace_uncached", lambda s, *a: calls.append(s) or real(s, *a)
    )
    check_module.clear_trace_cache()
    render_ascii(net)
    graph_data(net, expand=range(16))
    render_dot(net)
    assert len(calls) == 1  # 1,024 blocks: only the first blocks force the identity skip
    runs = [n for n in graph_data(net, expand=range(16))["nodes"] if n["kind"] == "block"]
    assert len(runs) == 32  # per stage: block 1 (the stage's shortcut), then one run of 63


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
    import graphviz

    def missing(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", missing)
    with pytest.raises(GraphvizMissing, match="Graphviz `dot`"):
        render_svg(CASES["empty"])


@needs_dot
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_svg_is_drawn_top_to_bottom_in_the_theme_with_readable_labels(theme):
    svg = render_svg(ALL_SLOTS, theme=theme)
    assert PALETTES[theme]["bg"] in svg and PALETTES[theme]["fg"] in svg
    sizes = [float(v) for v in re.findall(r'font-size="([\d.]+)"', svg)]
    assert min(sizes) >= 12  # pt: ≥ 16 px at the natural size
    y = {
        name: float(
            re.search(rf"<title>{name}</title>.*?<text[^>]* y=\"(-?[\d.]+)", svg, re.S).group(1)
        )
        for name in ("x", "add", "y")
    }
    assert y["x"] < y["add"] < y["y"]  # SVG y grows downwards: x on top, the add below


@needs_dot
def test_network_svg_nodes_carry_their_stage_for_the_viewer():
    svg = html.unescape(render_svg("preset:resnet18", expand=[0]))
    assert 'id="ra-s1-stage2"' in svg and 'id="ra-s0-stage1_block1"' in svg
    assert svg.count('class="node ra-stage"') == 4  # stage 1 as one run of 2 + stages 2–4


def test_every_slot_name_has_a_pattern_label():
    assert set(SLOT_PATTERNS) == set(SLOT_NAMES)


def test_diagrams_use_the_shared_word_tables():
    """Labels come from `schemas` (CA, not a private copy): the block picture and graph agree."""
    spec = basic("ca", branch={"type": "coord"}, skip=SE)
    assert "└─ CA ─┘" in render_ascii(spec)
    assert "P1 + P4 (branch: CA, skip: SE)" in render_ascii(
        network_spec(
            [
                {
                    "depth": 1,
                    "out_channels": 64,
                    "block": {"type": "basic"},
                    "slots": {"branch": {"type": "coord"}, "skip": SE},
                }
            ],
            stem_channels=64,
            num_classes=10,
        )
    )
    tips = [n.get("title", "") for n in graph_data(spec)["nodes"]]
    assert any("CA in `branch` (P1)" in tip for tip in tips), tips
