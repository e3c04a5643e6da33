"""Spec-only estimates: what a design will cost, computed from the spec alone — no module is
built, not even on PyTorch's ``meta`` device — so they answer in milliseconds however large the
spec is. The linter's resource rules (RA102, RA103) and the shape trace both sit above this
module; it imports neither.

Every figure is computed from the same layer tables the builder instantiates
(`resattn.layers`, walked by `resattn.shapes.layer_shapes`) and from each attention kind's
documented parameter formula, never from a hand-written copy of the architecture:

* `estimate_activation_bytes` — every feature map one forward pass produces (float32 × batch),
  equal to the sum of the shape trace's tensors (a test holds the two together);
* `analytic_params` / `params_by_part` — learnable parameters, equal to
  ``count_params(build(spec))`` (a property test holds the two together).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from torch import nn

from resattn.blocks import branch_table, shortcut_table
from resattn.fusion import post_activation
from resattn.layers import BoundTable, bind_kwargs
from resattn.shapes import layer_shapes
from schemas import SLOTS, BlockSpec, NetworkSpec

#: Bytes per element of every feature map (the engine computes in float32).
ELEMENT_BYTES = 4

Shape = tuple[int, ...]


# --- activations ------------------------------------------------------------------------------


def _table_maps(bound: BoundTable, shape: Shape) -> list[Shape]:
    return list(layer_shapes(bound[0], bound[1], shape))


def block_maps(spec: BlockSpec) -> list[Shape]:
    """Every feature map of one block after its input: A_p, F, P, A_s, A_r, ⊕, A_o, act."""
    b, slots = spec.block, spec.slots
    x = (spec.input.channels, spec.input.height, spec.input.width)
    branch = _table_maps(branch_table(x[0], b), x)
    out = branch[-1]
    maps = [x] if slots.pre_residual is not None else []
    maps += branch
    projection = shortcut_table(spec.shortcut, x[0], b.out_channels, b.stride, b.preact)
    maps += _table_maps(projection, x) if projection is not None else []
    maps += [out] * (slots.skip is not None)
    maps += [out] * (slots.branch is not None)
    maps.append(out)  # the add
    maps += [out] * (slots.post_add is not None)
    maps += [out] * post_activation(spec)
    return maps


def network_maps(net: NetworkSpec) -> Iterator[Shape]:
    """Every feature map of a network after its input: stem, blocks, head."""
    from resattn.networks import expand_blocks, stem_table

    inp = net.input
    yield from _table_maps(stem_table(net), (inp.channels, inp.height, inp.width))
    blocks = expand_blocks(net)
    for blk in blocks:
        yield from block_maps(blk.spec)
    last = blocks[-1].spec
    final = (last.block.out_channels, *_out_hw(last))
    if last.block.preact:
        yield from [final] * 2  # final BN + ReLU
    yield (final[0], 1, 1)
    yield (final[0],)
    yield (net.num_classes,)


def _out_hw(spec: BlockSpec) -> tuple[int, int]:
    b, x = spec.block, spec.input
    *_, (_, h, w) = _table_maps(branch_table(x.channels, b), (x.channels, x.height, x.width))
    return h, w


def estimate_activation_bytes(spec) -> int:
    """Bytes of every feature map one forward pass produces, input included (float32 × batch).

    Computed from the spec alone — no module is built — so the resource rule answers at once.
    It equals the sum of the shape trace's tensors (a test holds the two together).
    """
    inp = spec.input
    maps = block_maps(spec) if isinstance(spec, BlockSpec) else list(network_maps(spec))
    elements = inp.channels * inp.height * inp.width + sum(math.prod(m) for m in maps)
    return elements * inp.batch * ELEMENT_BYTES


# --- parameters -------------------------------------------------------------------------------


def _conv_params(in_channels, out_channels, kernel_size, *, groups=1, bias=True, **_) -> int:
    return in_channels // groups * out_channels * kernel_size**2 + (out_channels if bias else 0)


def _norm_params(channels, *, affine=True, **_) -> int:
    return 2 * channels if affine else 0


def _no_params(*args, **kwargs) -> int:
    return 0


#: layer class → its parameter count from the constructor arguments of a layer table
LAYER_PARAMS: dict[type, Callable[..., int]] = {
    nn.Conv2d: _conv_params,
    nn.BatchNorm2d: _norm_params,
    nn.Linear: lambda in_features, out_features, *, bias=True: (
        in_features * out_features + (out_features if bias else 0)
    ),
    nn.ReLU: _no_params,
    nn.Dropout: _no_params,
    nn.MaxPool2d: _no_params,
    nn.AvgPool2d: _no_params,
}


def table_params(table, values) -> int:
    """Parameters of a layer table (`resattn.layers`) bound to `values`, without building it."""
    total = 0
    for layer in table.layers:
        if layer.only_if is not None and not values[layer.only_if] > 0:
            continue
        args, kwargs = bind_kwargs(layer, values)
        total += LAYER_PARAMS[layer.op](*args, **kwargs)
    return total


def block_params(spec: BlockSpec) -> int:
    """Parameters of one block: branch F, projection P and every attention (for its channels)."""
    from resattn.attention import attention_params

    b, c_in = spec.block, spec.input.channels
    total = table_params(*branch_table(c_in, b))
    projection = shortcut_table(spec.shortcut, c_in, b.out_channels, b.stride, b.preact)
    total += table_params(*projection) if projection is not None else 0
    for slot in SLOTS:
        attn = getattr(spec.slots, slot.name)
        if attn is not None:
            total += attention_params(attn, slot.channels(c_in, b.out_channels))
    return total


def params_by_part(spec) -> dict[str, int]:
    """Parameters per part of a design, keyed by JSON path: ``block`` for a block spec; ``stem``,
    ``stages[i]`` and ``num_classes`` (the head) for a network. Counted from the spec alone."""
    if isinstance(spec, BlockSpec):
        return {"block": block_params(spec)}
    from resattn.networks import expand_blocks, stem_table

    parts = {"stem": table_params(*stem_table(spec))}
    for blk in expand_blocks(spec):
        parts[blk.path] = parts.get(blk.path, 0) + block_params(blk.spec)
    last = spec.stages[-1]
    final_norm = 2 * last.out_channels if last.block.preact else 0
    parts["num_classes"] = final_norm + last.out_channels * spec.num_classes + spec.num_classes
    return parts


def analytic_params(spec) -> int:
    """Learnable parameters of the module `spec` builds, from the spec alone (no module).

    Equals ``count_params(build(spec))`` (a property test holds the two together).
    """
    return sum(params_by_part(spec).values())


__all__ = [
    "ELEMENT_BYTES",
    "LAYER_PARAMS",
    "analytic_params",
    "block_maps",
    "block_params",
    "estimate_activation_bytes",
    "network_maps",
    "params_by_part",
    "table_params",
]
