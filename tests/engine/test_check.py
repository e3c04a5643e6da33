"""check(): the shape trace equals a real forward, the activation estimate, the bounds rule."""

import pytest
import torch
from hypothesis import given, settings

from resattn import fusion, networks
from resattn.build import build
from resattn.check import check, estimate_activation_bytes, trace
from schemas import SLOT_NAMES, DesignError, parse_spec
from tests.specs import block_spec
from tests.strategies import block_specs, network_specs

HUGE = block_spec(4096, height=1024, batch=64, block={"type": "bottleneck"})


def real_shapes(spec) -> dict[str, tuple]:
    """Output shape of every module in a real (CPU) forward, by module path."""
    model = build(spec).eval()
    shapes = {}

    def record(name):
        def hook(module, args, out):
            shapes.setdefault(name, tuple(out.shape))  # first call (a network reuses none)

        return hook

    for name, module in model.named_modules():
        module.register_forward_hook(record(name))
    inp = spec.input
    with torch.no_grad():
        shapes["y"] = tuple(
            model(torch.randn(inp.batch, inp.channels, inp.height, inp.width)).shape
        )
    return shapes


def module_name(path: str) -> str:
    """``stage2_block1/branch.conv1`` → ``stages.1.0.branch.conv1`` (the module's name)."""
    if "/" not in path:
        return path
    block, attr = path.split("/", 1)
    if block.startswith("stage"):
        stage, index = block[len("stage") :].split("_block")
        return f"stages.{int(stage) - 1}.{int(index) - 1}.{attr}"
    return attr if block == "head" else f"{block}.{attr}"


def assert_trace_matches_forward(spec):
    rows = trace(spec)
    real = real_shapes(spec)
    for row in rows:
        if row.kind in ("add", "reshape", "input"):
            continue
        assert row.shape == real[module_name(row.path)], row.path
    assert rows[-1].shape == real["y"]
    adds = [r for r in rows if r.kind == "add"]
    assert len(adds) == (1 if spec.kind == "block" else sum(s.depth for s in spec.stages))


@given(spec=block_specs())
def test_block_trace_equals_a_real_forward(spec):
    assert_trace_matches_forward(spec)


@settings(max_examples=15)
@given(spec=network_specs())
def test_network_trace_equals_a_real_forward(spec):
    assert_trace_matches_forward(spec)


@given(spec=block_specs())
def test_activation_estimate_equals_the_traced_tensors(spec):
    rows = trace(spec)
    assert estimate_activation_bytes(spec) == sum(r.bytes for r in rows if r.kind != "output")


@settings(max_examples=15)
@given(spec=network_specs())
def test_network_activation_estimate_equals_the_traced_tensors(spec):
    rows = trace(spec)
    assert estimate_activation_bytes(spec) == sum(r.bytes for r in rows if r.kind != "output")


def test_trace_follows_the_block_of_design_section_1():
    rows = check("preset:p4_se").shapes
    roles = [r.role for r in rows]
    assert roles[0] == "x" and roles[-2:] == ["act", "y"]
    assert {"A_s", "F", "A_r", "⊕"} <= set(roles)
    assert roles.index("A_r") < roles.index("⊕")
    add = next(r for r in rows if r.kind == "add")
    assert set(add.inputs) == {"attn_branch", "attn_skip"}


def test_network_rows_name_their_block():
    rows = check("preset:resnet18").shapes
    paths = [r.path for r in rows]
    assert "stage2_block1/shortcut.conv" in paths and "stem/conv" in paths
    assert rows[-1].shape == (1, 1000)


def test_huge_spec_is_refused_before_anything_is_built(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a module was built")

    monkeypatch.setattr(fusion, "build_block", refuse)
    monkeypatch.setattr(networks, "build_block", refuse)
    report = check(HUGE)
    assert not report.ok and report.shapes == []
    error = next(d for d in report.diagnostics if d.code == "RA102")
    assert error.severity == "error" and error.path == "input"
    assert "TiB" in error.message and "batch 64" in error.message
    assert report.activation_bytes > 2**40


def test_build_refuses_the_huge_spec():
    with pytest.raises(DesignError, match="RA102|feature maps"):
        build(HUGE)


def test_design_error_gives_diagnostics_without_shapes():
    spec = block_spec(64, 128, shortcut="identity")
    report = check(spec)
    assert not report.ok and report.shapes == [] and report.output_shape is None
    assert report.to_json()["diagnostics"][0]["code"] == "RA101"


def test_a_gate_whose_convs_see_pooled_maps_is_traced_at_any_channel_count():
    # triplet's first conv takes the two Z-pooled maps, not the feature: it fits C = 1
    spec = {
        "input": {"channels": 1, "height": 3, "width": 2},
        "block": {"type": "basic", "out_channels": 1},
        "slots": {s: {"type": "triplet", "kernel_size": 1} for s in SLOT_NAMES},
    }
    report = check(spec)
    assert report.shapes and report.output_shape == (1, 1, 3, 2)


def test_report_to_json_is_plain_data():
    import json

    data = check("preset:se_bottleneck").to_json()
    json.dumps(data)
    assert data["ok"] is True and data["output_shape"] == [1, 256, 56, 56]
    row = data["shapes"][1]
    assert {"node", "path", "kind", "role", "op", "shape", "inputs", "bytes"} <= set(row)


def test_trace_is_cached_by_canonical_json():
    spec = parse_spec(block_spec(8, height=4))
    assert trace(spec) is trace(spec.model_dump(mode="json"))
