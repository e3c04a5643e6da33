"""Valid specs never crash the engine, and none can make it work without bound: the compute
budget (RA209) refuses profile, latency and ONNX export up front; lint and check stay linear."""

import importlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resattn.check import check
from resattn.lint import lint
from resattn.loading import load_spec
from schemas import DesignError, parse_spec
from tests.specs import block_spec, network_spec
from tests.strategies import block_dicts, network_dicts

#: schema-valid, RA101 (identity shortcut, 8 → 16 channels); RA302 used to crash on it
WIDE_IDENTITY = block_spec(
    8,
    16,
    block={"type": "bottleneck", "base_width": 128},
    slots={"branch": {"type": "cbam"}},
    shortcut="identity",
)

#: activations just under the 2 GiB cap, parameters under 1 GiB, 4.6e12 MACs
HUGE_BLOCK = block_spec(3848, height=132)


def big_network(depth=64, stages=16, channels=64, side=16):
    """16 stages × 64 blocks with all four slots filled (1,024 blocks), inside every cap."""
    slots = {
        "pre_residual": {"type": "cbam"},
        "branch": {"type": "coord"},
        "post_add": {"type": "se"},
        "skip": {"type": "eca"},
    }
    stage = {"depth": depth, "out_channels": channels, "block": {"type": "basic"}, "slots": slots}
    return network_spec(
        [stage] * stages, height=side, stem_channels=channels, num_classes=10, name="big"
    )


def codes(diagnostics, severity=None):
    return {d.code for d in diagnostics if severity is None or d.severity == severity}


def test_ra302_on_a_design_with_shape_errors_reports_ra101_instead_of_crashing():
    found = lint(WIDE_IDENTITY)
    assert "RA101" in codes(found, "error")
    assert "RA302" in codes(found)  # the wide-block note still comes, from the spec alone
    assert not check(WIDE_IDENTITY).ok


def test_the_compute_budget_refuses_profile_and_onnx_up_front(monkeypatch):
    import importlib

    from resattn.export.onnx import export_onnx
    from resattn.profile import profile

    def no_build(*args, **kwargs):
        raise AssertionError("built a module for a design over the compute budget")

    build_module = importlib.import_module("resattn.build")
    monkeypatch.setattr(build_module, "build_block", no_build)
    monkeypatch.setattr(build_module, "build_network", no_build)
    found = lint(HUGE_BLOCK)
    budget = [d for d in found if d.code == "RA209"]
    assert budget and budget[0].severity == "warning" and "GFLOPs" in budget[0].message
    for call in (lambda: profile(HUGE_BLOCK, latency=False), lambda: export_onnx(HUGE_BLOCK)):
        with pytest.raises(DesignError) as info:
            call()
        assert "RA209" in info.value.message and "50.0 GFLOPs" in info.value.message


def test_profile_counts_without_a_real_forward_unless_latency_is_asked(monkeypatch):
    from resattn.fusion import ResidualAttentionBlock
    from resattn.profile import profile

    devices = []
    forward = ResidualAttentionBlock.forward

    def spy(self, x):
        devices.append(x.device.type)
        return forward(self, x)

    monkeypatch.setattr(ResidualAttentionBlock, "forward", spy)
    p = profile("preset:p1_se", latency=False, time_budget_s=60)
    assert p.macs > 0 and p.peak_memory_bytes > 0
    assert set(devices) <= {"meta"}, devices
    devices.clear()
    p = profile("preset:p1_se", latency=True, repeats=1, time_budget_s=30)
    assert p.latency_ms is not None and "cpu" in devices


def test_profile_repeats_must_be_at_least_one():
    from resattn.profile import profile

    with pytest.raises(ValueError, match="repeats"):
        profile("preset:p1_se", repeats=0)


def test_onnx_export_refuses_a_design_above_its_parameter_cap(monkeypatch):
    lint_module = importlib.import_module("resattn.lint")  # the module, not the function
    from resattn.export.onnx import export_onnx

    monkeypatch.setattr(lint_module, "MAX_ONNX_PARAMS", 1000)
    with pytest.raises(DesignError, match="RA209") as info:
        export_onnx("preset:p1_se")
    assert "1,000" in info.value.message and "ONNX export is refused" in info.value.message
    assert "RA209" in codes(lint("preset:p1_se"))


def test_a_1024_block_network_lints_and_checks_from_its_distinct_blocks(monkeypatch):
    check_module = importlib.import_module("resattn.check")
    from resattn import fusion, networks

    spec = load_spec(big_network())
    built = []
    original = fusion.build_block

    def counting(block_spec):
        built.append(block_spec)
        return original(block_spec)

    for module in (fusion, networks, check_module):
        monkeypatch.setattr(module, "build_block", counting, raising=False)
    report = check(spec)
    assert report.ok and "RA203" in codes(report.diagnostics)
    # two distinct blocks per stage: the first (it may change stride / channels) and the rest
    assert len(built) <= 2 * len(spec.stages), len(built)
    assert len(report.shapes) > 1024 * 10 and report.output_shape == (1, 10)


@st.composite
def deep_networks(draw):
    data = draw(network_dicts())
    for stage in data["stages"]:
        named = [o["index"] for o in stage.get("overrides", [])]
        stage["depth"] = max([draw(st.integers(1, 5)), *named])
        if stage["depth"] > 2 and draw(st.booleans()):  # an override amid copies
            index = draw(st.integers(3, stage["depth"]))
            if index not in named:
                override = {"index": index, "slots": {"branch": {"type": "se"}}}
                stage["overrides"] = [*stage.get("overrides", []), override]
    return data


def _meta_run_shapes(model, x) -> dict:
    """Each fx node's output shape from actually running the graph on ``meta``."""
    from torch import fx

    from resattn.check import _Tracer

    graph = _Tracer().trace(model)
    shapes = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n):
            result = super().run_node(n)
            shapes[n.name] = tuple(result.shape)
            return result

    Recorder(fx.GraphModule(model, graph)).run(x)
    return shapes


@given(st.one_of(deep_networks(), block_dicts()))
def test_the_trace_from_distinct_blocks_equals_a_full_run_on_meta(data):
    import torch

    from resattn.build import build
    from resattn.check import _trace_module, _trace_uncached

    spec = parse_spec(data)
    inp = spec.input
    x = torch.empty(inp.batch, inp.channels, inp.height, inp.width, device="meta")
    model = build(spec, device="meta").eval()
    network = spec.kind == "network"
    rows = _trace_uncached(spec)
    assert rows == tuple(_trace_module(model, x, network=network))
    ran = _meta_run_shapes(model, x)
    assert {r.node: r.shape for r in rows if r.node not in ("x", "y")} == {
        k: v for k, v in ran.items() if k not in ("x", "output")
    }
