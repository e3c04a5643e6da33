"""`export_onnx(spec)`: the design as an ONNX model (opset 18), checked and ready for Netron.

The module is built, put in eval mode (BN uses its running statistics, dropout is off) and
exported with torch's ONNX exporter (`torch.export` based; `torch.jit` is deprecated) for the
spec's input shape. The result passes `onnx.checker` before it is returned. A fresh build is
seeded, so the same spec gives the same weights; pass `module` to export weights you have.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import warnings
from typing import Optional

import torch
from torch import nn

from resattn.build import build
from resattn.export.fold_bn import fold_batchnorm
from resattn.loading import load_spec

OPSET = 18
INPUT_NAME, OUTPUT_NAME = "input", "output"
SEED = 0


def export_onnx(
    spec, *, fold_bn: bool = False, module: Optional[nn.Module] = None, check: bool = True
) -> bytes:
    """ONNX bytes of the design's eval-mode module for its input shape (N×C×H×W of the spec).

    `module`: a module built from `spec` whose weights to export (default: a fresh, seeded build).
    `fold_bn`: fold each conv → BN pair first (`fold_batchnorm`). Raises `SpecError` /
    `DesignError` like `build`.
    """
    import onnx

    spec = load_spec(spec)
    if module is None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(SEED)
            module = build(spec)
    model = fold_batchnorm(module) if fold_bn else _eval_copy(module)
    inp = spec.input
    example = torch.zeros(inp.batch, inp.channels, inp.height, inp.width)
    with _quiet():
        program = torch.onnx.export(
            model,
            (example,),
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            opset_version=OPSET,
            dynamo=True,
            verbose=False,
        )
    proto = program.model_proto
    proto.graph.doc_string = f"{spec.name}: exported by ResAttn Studio"
    if check:
        onnx.checker.check_model(proto, full_check=True)
    return proto.SerializeToString()


def _eval_copy(module: nn.Module) -> nn.Module:
    return copy.deepcopy(module).eval()


@contextlib.contextmanager
def _quiet():
    """Silence the exporter's progress prints and warnings (they are not about the design)."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
