"""`export_onnx(spec)`: the design as an ONNX model (opset 18), checked and ready for Netron.

The module is built, put in eval mode (BN uses its running statistics, dropout is off) and
exported with torch's ONNX exporter (`torch.export` based; `torch.jit` is deprecated) for the
spec's input shape. The result passes `onnx.checker` before it is returned. A fresh build is
seeded, so the same spec gives the same weights; pass `module` to export weights you have.

Before anything is built, a design over the compute budget or with more parameters than an ONNX
export may hold (`resattn.lint.MAX_ONNX_PARAMS`, 128M) is refused with RA209: the exporter holds
the weights about three times over at its peak, so the cap keeps it under 2 GiB.
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
from resattn.lint import ensure_buildable, ensure_within_budget
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
    `DesignError` like `build`, and `DesignError` before anything is built for a design over the
    compute budget or over `resattn.lint.MAX_ONNX_PARAMS` parameters (RA209).
    """
    import onnx

    spec = load_spec(spec)
    ensure_buildable(spec)
    ensure_within_budget(spec, onnx=True)
    fresh = module is None
    if fresh:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(SEED)
            module = build(spec)
    if fold_bn:
        model = fold_batchnorm(module)
    else:  # a fresh build is ours to put in eval mode; the caller's module is left as it was
        model = module.eval() if fresh else _eval_copy(module)
    del module
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
