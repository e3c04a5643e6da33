"""Analytic output sizes of the layers a design uses (no tensors involved).

`layer_shapes` walks a layer table of `resattn.layers` — the very table the builder instantiates —
and gives the shape every layer outputs, so the spec-only estimates (`resattn.estimates`) and the
stem's output size follow the modules that run instead of a hand-written copy of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from torch import nn

from resattn.layers import STEM_TABLES, Layer, LayerTable, Values, bind_kwargs


def conv_out(size: int, kernel: int, stride: int, padding: int, ceil_mode: bool = False) -> int:
    """Output length of a conv / pool along one axis (floor mode, or PyTorch's ceil mode)."""
    if not ceil_mode:
        return (size + 2 * padding - kernel) // stride + 1
    out = math.ceil((size + 2 * padding - kernel) / stride) + 1
    # PyTorch: the last window must start inside the input (or its left padding)
    return out - 1 if (out - 1) * stride >= size + padding else out


def block_out_hw(height: int, width: int, stride: int) -> tuple[int, int]:
    """H, W after a block of the given stride (3×3 conv, padding 1)."""
    return conv_out(height, 3, stride, 1), conv_out(width, 3, stride, 1)


#: layer classes that keep the shape of their input
_SAME_SHAPE = (nn.BatchNorm2d, nn.ReLU, nn.Dropout)


def layer_shape(layer: Layer, values: Values, shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """(C, H, W) one layer of a table outputs for an input of `shape`."""
    if layer.op in _SAME_SHAPE:
        return shape
    args, kwargs = bind_kwargs(layer, values)
    c, h, w = shape
    if layer.op is nn.Conv2d:
        _, out_c, k = args
        stride, pad = kwargs.get("stride", 1), kwargs.get("padding", 0)
        return out_c, conv_out(h, k, stride, pad), conv_out(w, k, stride, pad)
    if layer.op in (nn.MaxPool2d, nn.AvgPool2d):
        k = args[0]
        stride = kwargs.get("stride", args[1] if len(args) > 1 else k)
        pad, ceil = kwargs.get("padding", 0), kwargs.get("ceil_mode", False)
        return c, conv_out(h, k, stride, pad, ceil), conv_out(w, k, stride, pad, ceil)
    raise TypeError(f"no shape rule for {layer.op.__name__}")


def layer_shapes(
    table: LayerTable, values: Values, shape: tuple[int, int, int]
) -> Iterator[tuple[int, int, int]]:
    """(C, H, W) of every layer of `table` bound to `values`, in order (optional layers only
    when present), starting from an input of `shape`."""
    for layer in table.layers:
        if layer.only_if is not None and not values[layer.only_if] > 0:
            continue
        shape = layer_shape(layer, values, shape)
        yield shape


def stem_out_hw(stem_type: str, height: int, width: int) -> tuple[int, int]:
    """H, W after the stem (its layer table walked; 'cifar' keeps them)."""
    table = STEM_TABLES[stem_type]
    start = (1, height, width)
    *_, (_, h, w) = start, *layer_shapes(table, dict.fromkeys(table.params, 1), start)
    return h, w


def output_shape(spec) -> tuple[int, ...]:
    """The output shape a spec predicts: N×C×H×W for a block, N×classes for a network."""
    inp = spec.input
    if spec.kind == "network":
        return (inp.batch, spec.num_classes)
    h, w = block_out_hw(inp.height, inp.width, spec.block.stride)
    return (inp.batch, spec.block.out_channels, h, w)
