"""Analytic output sizes of the layers a design uses (no tensors involved)."""

from __future__ import annotations


def conv_out(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output length of a conv / pool along one axis (floor mode)."""
    return (size + 2 * padding - kernel) // stride + 1


def block_out_hw(height: int, width: int, stride: int) -> tuple[int, int]:
    """H, W after a block of the given stride (3×3 conv, padding 1)."""
    return conv_out(height, 3, stride, 1), conv_out(width, 3, stride, 1)


def stem_out_hw(stem_type: str, height: int, width: int) -> tuple[int, int]:
    """H, W after the stem: 'imagenet' = 7×7/2 conv then 3×3/2 max-pool; 'cifar' keeps them."""
    if stem_type == "cifar":
        return height, width
    h, w = conv_out(height, 7, 2, 3), conv_out(width, 7, 2, 3)
    return conv_out(h, 3, 2, 1), conv_out(w, 3, 2, 1)


def output_shape(spec) -> tuple[int, ...]:
    """The output shape a spec predicts: N×C×H×W for a block, N×classes for a network."""
    inp = spec.input
    if spec.kind == "network":
        return (inp.batch, spec.num_classes)
    h, w = block_out_hw(inp.height, inp.width, spec.block.stride)
    return (inp.batch, spec.block.out_channels, h, w)
