"""ONNX export: opset ≥ 17, passes onnx.checker, onnxruntime gives PyTorch's outputs (atol 1e-4).

ONNX export takes about a second per model, so the property test draws a modest number of
specs (blocks and networks, plain and BN-folded).
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from resattn.build import build
from resattn.export.fold_bn import fold_batchnorm
from resattn.export.onnx import OPSET, export_onnx
from resattn.loading import load_spec
from schemas import SLOT_NAMES, DesignError
from tests.export.harness import randomize
from tests.specs import block_spec
from tests.strategies import KINDS, block_specs, network_specs, slot_kinds


def run_onnx(data: bytes, x: torch.Tensor) -> np.ndarray:
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x.numpy()})[0]


def check_spec(spec, fold: bool, seed: int = 0) -> float:
    spec = load_spec(spec)
    model = randomize(build(spec), seed)
    data = export_onnx(spec, module=model, fold_bn=fold)
    proto = onnx.load_from_string(data)
    onnx.checker.check_model(proto)
    assert max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")) >= 17
    inp = spec.input
    x = torch.randn(inp.batch, inp.channels, inp.height, inp.width)
    reference = fold_batchnorm(model) if fold else model.eval()
    with torch.no_grad():
        want = reference(x).numpy()
    got = run_onnx(data, x)
    np.testing.assert_allclose(got, want, atol=1e-4, rtol=1e-4)
    return float(np.abs(got - want).max())


@settings(max_examples=4)
@given(block_specs(), st.booleans())
def test_onnx_block_matches_pytorch(spec, fold):
    check_spec(spec, fold)


@settings(max_examples=2)
@given(network_specs(), st.booleans())
def test_onnx_network_matches_pytorch(spec, fold):
    check_spec(spec, fold)


def test_onnx_all_four_slots():
    slots = {"pre_residual": "cbam", "branch": "coord", "skip": "eca", "post_add": "se"}
    spec = block_spec(
        8,
        16,
        height=9,
        width=7,
        batch=2,
        block={"type": "bottleneck", "stride": 2, "groups": 2},
        slots={slot: {"type": kind} for slot, kind in slots.items()},
    )
    check_spec(spec, fold=False)


@pytest.mark.parametrize("kind", KINDS)
def test_onnx_every_kind_in_every_slot(kind):
    slots = {s: {"type": kind} for s in SLOT_NAMES if kind in slot_kinds(s)}
    spec = block_spec(8, height=6, width=5, batch=2, block={"stride": 1}, slots=slots)
    check_spec(spec, fold=False)


def test_fresh_export_is_seeded():
    assert OPSET >= 17
    spec = block_spec(4, height=5)
    assert export_onnx(spec) == export_onnx(spec)


def test_design_errors_block_onnx_export():
    spec = block_spec(8, 16, height=9, width=7, block={"stride": 2}, shortcut="identity")
    with pytest.raises(DesignError):
        export_onnx(spec)
