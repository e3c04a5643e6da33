"""Shared steps of the import tests: a built model with every weight random, its ONNX bytes."""

from __future__ import annotations

import io
import warnings

import torch
from torch import nn

from resattn import build


def random_model(spec, seed: int = 0) -> nn.Module:
    """`build(spec)` in eval mode with random BN statistics and affine parameters and random
    values wherever the build starts at zero (zero_init_last_bn, identity-start gates), so a
    weight put in the wrong place changes the outputs; convs keep torch's scaled init, so deep
    networks keep outputs of order 1."""
    gen = torch.Generator().manual_seed(seed)
    model = build(spec).eval()

    def uniform(tensor, lo, hi):
        tensor.copy_(torch.rand(tensor.shape, generator=gen) * (hi - lo) + lo)

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                uniform(module.weight, 0.5, 1.5)
                uniform(module.bias, -0.5, 0.5)
                uniform(module.running_mean, -0.5, 0.5)
                uniform(module.running_var, 0.5, 1.5)
        for tensor in model.parameters():
            if not tensor.any():
                uniform(tensor, -0.3, 0.3)
    return model


def example_input(spec, seed: int = 1) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    inp = spec.input
    return torch.randn(inp.batch, inp.channels, inp.height, inp.width, generator=gen)


def to_onnx(model: nn.Module, x: torch.Tensor, *, dynamo: bool = False, opset: int = 17) -> bytes:
    """ONNX bytes of a model through ``torch.onnx.export`` (the exporter folds BN into convs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            program = torch.onnx.export(model, (x,), dynamo=True, opset_version=opset)
            return program.model_proto.SerializeToString()
        buf = io.BytesIO()
        torch.onnx.export(model, (x,), buf, dynamo=False, opset_version=opset)
        return buf.getvalue()


def max_diff(a: nn.Module, b: nn.Module, x: torch.Tensor) -> float:
    with torch.no_grad():
        return (a(x) - b(x)).abs().max().item()
