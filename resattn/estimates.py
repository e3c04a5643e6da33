"""Spec-only estimates: what a design will cost, computed from the spec alone — no module is
built, not even on PyTorch's ``meta`` device — so they answer in milliseconds however large the
spec is. The linter's resource rules (RA102, RA103) and the shape trace both sit above this
module; it imports neither.

Every figure is computed from the same layer tables the builder instantiates
(`resattn.layers`, walked by `resattn.shapes.layer_shapes`) and from each attention kind's
record (its documented parameter and compute formulas, `resattn.attention.registry`), never
from a hand-written copy of the architecture:

* `estimate_activation_bytes` — every feature map one forward pass produces (float32 × batch),
  equal to the sum of the shape trace's tensors (a test holds the two together);
* `analytic_params` / `params_by_part` — learnable parameters, equal to
  ``count_params(build(spec))`` (a property test holds the two together);
* `compute_rows` / `compute_work` — MACs and elementwise ops per module and in total, equal to
  fvcore's count of the real module (a property test holds the two together); `compute_flops`
  is what the compute budget (`MAX_FLOPS`, RA209 in docs/diagnostics.md) compares with its cap
  before profile, latency or ONNX export start.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from torch import nn

from resattn.blocks import branch_table, shortcut_table
from resattn.fusion import post_activation
from resattn.layers import BoundTable, bind_kwargs
from resattn.shapes import layer_shape, layer_shapes
from schemas import SLOT, SLOTS, BlockSpec, NetworkSpec, design_key

#: Bytes per element of every feature map (the engine computes in float32).
ELEMENT_BYTES = 4

Shape = tuple[int, ...]


def per_block(func):
    """Cache a function of one block spec by the block's JSON without its name (results must be
    immutable). A network's blocks after the first of a stage are identical, so walking a
    1,024-block network costs its distinct blocks, not its 1,024; ``func.of(blk)`` takes a
    network's block (`resattn.networks.NetworkBlock`) by the key its expansion worked out once,
    so the walk does not serialise every block again."""

    @functools.lru_cache(maxsize=1024)
    def by_json(block_json: str):
        return func(BlockSpec.model_validate_json(block_json))

    @functools.wraps(func)
    def cached(spec: BlockSpec):
        return by_json(design_key(spec))

    cached.of = lambda blk: by_json(blk.key)
    cached.cache_clear = by_json.cache_clear
    return cached


# --- activations ------------------------------------------------------------------------------


def _table_maps(bound: BoundTable, shape: Shape) -> list[Shape]:
    return list(layer_shapes(bound[0], bound[1], shape))


@per_block
def block_maps(spec: BlockSpec) -> tuple[Shape, ...]:
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
    return tuple(maps)


def network_maps(net: NetworkSpec) -> Iterator[Shape]:
    """Every feature map of a network after its input: stem, blocks, head."""
    stem, blocks, head = _network_parts(net)
    yield from stem
    for blk in blocks:
        yield from block_maps.of(blk)
    yield from head


def _network_parts(net: NetworkSpec) -> tuple[list[Shape], tuple, list[Shape]]:
    """The stem's feature maps, the blocks (`expand_blocks`) and the head's feature maps."""
    from resattn.networks import expand_blocks, stem_table

    inp = net.input
    stem = _table_maps(stem_table(net), (inp.channels, inp.height, inp.width))
    blocks = expand_blocks(net)
    last = blocks[-1].spec
    final = (last.block.out_channels, *_out_hw(last))
    head = [final] * 2 if last.block.preact else []  # final BN + ReLU
    head += [(final[0], 1, 1), (final[0],), (net.num_classes,)]
    return stem, blocks, head


def _elements(maps) -> int:
    return sum(math.prod(m) for m in maps)


@per_block
def block_elements(spec: BlockSpec) -> int:
    """Elements of every feature map of one block after its input (`block_maps`)."""
    return _elements(block_maps(spec))


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
    if isinstance(spec, BlockSpec):
        elements = block_elements(spec)
    else:  # each distinct block counted once (`block_elements` is cached by its key)
        stem, blocks, head = _network_parts(spec)
        elements = _elements(stem) + sum(block_elements.of(b) for b in blocks) + _elements(head)
    elements += inp.channels * inp.height * inp.width
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


@per_block
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
        parts[blk.path] = parts.get(blk.path, 0) + block_params.of(blk)
    last = spec.stages[-1]
    final_norm = 2 * last.out_channels if last.block.preact else 0
    parts["num_classes"] = final_norm + last.out_channels * spec.num_classes + spec.num_classes
    return parts


def analytic_params(spec) -> int:
    """Learnable parameters of the module `spec` builds, from the spec alone (no module).

    Equals ``count_params(build(spec))`` (a property test holds the two together).
    """
    return sum(params_by_part(spec).values())


# --- compute: MACs and elementwise ops, per module -------------------------------------------
#
# The counting rules of `resattn.counting` (fvcore's MACs; one elementwise op per element for
# gates, activations, the add and pooling, two for batch-norm), applied to the builder's layer
# tables and, for each attention module, to the compute formula its kind's record carries
# (`AttentionKind.work`, in the kind's own file: nothing here is per kind). Any schema-valid
# spec is counted (an identity shortcut whose shapes differ, RA101, is counted as if the add
# could happen). A network's blocks after the first of a stage are identical, so block rows are
# computed once per distinct block (cached by its JSON without the name) and relabelled. A test
# holds every row equal to fvcore's count of the real module.

#: The compute budget: FLOPs (2 · MACs + elementwise ops) of one forward pass of the spec's input
#: (batch included) a request may ask to run. Measured: one CPU forward of ResNet-50 at 224×224
#: (8.2 GFLOPs) takes about 0.5 s on the 2-thread reference machine (≈ 17 GFLOP/s), so a design
#: at the cap runs one forward in about 3 s, and a profile with latency (warm-up, timed runs and
#: the attention-free baseline) fits in the 10 s the CLI's `summary --latency` allows. Every
#: preset (Wide-ResNet-50-2 at 224×224: 23 GFLOPs) fits.
MAX_FLOPS = 50 * 10**9

#: Conservative CPU throughput (FLOP/s) used to predict a forward's time before running one.
REFERENCE_FLOPS_PER_S = 10 * 10**9


@dataclass(frozen=True)
class Row:
    """One row of the per-module table: a leaf layer, a whole attention module, or the own ops
    (the add) of a block, named by its module path in the built model."""

    name: str
    type: str
    params: int
    macs: int
    elementwise_ops: int


# --- layers of the tables --------------------------------------------------------------------


def _layer_rows(bound, prefix: str, n: int, shape: Shape) -> tuple[list, Shape]:
    """Rows of a bound layer table run on an N×C×H×W input, and its output (C, H, W)."""
    table, values = bound
    rows = []
    for layer in table.layers:
        if layer.only_if is not None and not values[layer.only_if] > 0:
            continue
        args, kwargs = bind_kwargs(layer, values)
        c_in = shape[0]
        shape = layer_shape(layer, values, shape)
        elements = n * math.prod(shape)
        macs = ew = 0
        if layer.op is nn.Conv2d:
            macs = elements * (c_in // kwargs.get("groups", 1)) * args[2] ** 2
        elif layer.op is nn.BatchNorm2d:
            ew = 2 * elements
        elif layer.op is nn.ReLU:
            ew = elements
        elif layer.op in (nn.MaxPool2d, nn.AvgPool2d):
            ew = args[0] ** 2 * elements  # k² per output element
        params = LAYER_PARAMS[layer.op](*args, **kwargs)
        rows.append(Row(prefix + layer.name, layer.op.__name__, params, macs, ew))
    return rows, shape


# --- attention modules (each kind's compute formula, read from its record) ------------------


def _attention_row(name: str, attn, n: int, c: int, h: int, w: int, identity_start=False) -> Row:
    """The row of one attention module on an N×C×H×W feature: its record's parameter formula
    and compute formula (`AttentionKind.work`, for the sizes the record resolves for C)."""
    from resattn.attention import kind_of

    kind = kind_of(attn)
    macs, ew = kind.work(kind.sizes(c, attn), n, c, h, w, int(identity_start))
    return Row(name, kind.module.__name__, kind.params(c, attn), macs, ew)


# --- blocks and networks ----------------------------------------------------------------------


def _block_rows_uncached(spec: BlockSpec) -> tuple[Row, ...]:
    """Rows of one block in the order of ``named_modules()``: the block's own op (the add),
    then A_p, F, A_r, P, A_s, A_o and the post-add activation."""
    b, inp = spec.block, spec.input
    n, x = inp.batch, (inp.channels, inp.height, inp.width)
    branch, out = _layer_rows(branch_table(x[0], b), "branch.", n, x)

    def attention(name: str) -> list[Row]:
        slot, attn = SLOT[name], getattr(spec.slots, name)
        if attn is None:
            return []
        shape = x if slot.sees == "input" else out
        return [_attention_row(slot.attr, attn, n, *shape, slot.identity_start)]

    elements = n * math.prod(out)
    rows = [Row("(own ops)", "ResidualAttentionBlock", 0, 0, elements)]  # the add
    rows += attention("pre_residual") + branch + attention("branch")
    projection = shortcut_table(spec.shortcut, x[0], b.out_channels, b.stride, b.preact)
    rows += _layer_rows(projection, "shortcut.", n, x)[0] if projection is not None else []
    rows += attention("skip") + attention("post_add")
    rows += [Row("act", "ReLU", 0, 0, elements)] if post_activation(spec) else []
    return tuple(rows)


@per_block
def block_rows(spec: BlockSpec) -> tuple[Row, ...]:
    """Rows of one block (names relative to the block), cached by its JSON without the name."""
    return _block_rows_uncached(spec)


def _relabel(row: Row, prefix: str) -> Row:
    name = f"{prefix} (own ops)" if row.name == "(own ops)" else f"{prefix}.{row.name}"
    return Row(name, row.type, row.params, row.macs, row.elementwise_ops)


def _stem_rows(net: NetworkSpec) -> list[Row]:
    from resattn.networks import stem_table

    inp = net.input
    x = (inp.channels, inp.height, inp.width)
    return _layer_rows(stem_table(net), "stem.", inp.batch, x)[0]


def _head_rows(net: NetworkSpec, last: BlockSpec) -> list[Row]:
    """The head: final BN + ReLU (pre-activation), global average pool, the linear layer."""
    n, c, k = net.input.batch, last.block.out_channels, net.num_classes
    h, w = _out_hw(last)
    rows = []
    if net.stages[-1].block.preact:
        rows += [
            Row("final_norm", "BatchNorm2d", 2 * c, 0, 2 * n * c * h * w),
            Row("final_act", "ReLU", 0, 0, n * c * h * w),
        ]
    return rows + [
        Row("pool", "AdaptiveAvgPool2d", 0, 0, n * c * h * w),
        Row("fc", "Linear", c * k + k, n * c * k, 0),
    ]


def network_rows(net: NetworkSpec) -> Iterator[Row]:
    """Rows of a network: stem layers, every block (``stages.i.j.…``), the head."""
    from resattn.networks import expand_blocks

    blocks = expand_blocks(net)
    yield from _stem_rows(net)
    for blk in blocks:
        prefix = f"stages.{blk.stage}.{blk.index}"
        yield from (_relabel(r, prefix) for r in block_rows.of(blk))
    yield from _head_rows(net, blocks[-1].spec)


def compute_rows(spec) -> list[Row]:
    """The per-module rows of a block or network spec, in the order of ``named_modules()``."""
    if isinstance(spec, BlockSpec):
        return list(block_rows(spec))
    return list(network_rows(spec))


def module_count(spec) -> int:
    """How many rows `compute_rows` gives (layers and attention modules), without writing them
    out: a network counts each distinct block's rows once."""
    if isinstance(spec, BlockSpec):
        return len(block_rows(spec))
    from resattn.networks import expand_blocks

    blocks = expand_blocks(spec)
    outside = len(_stem_rows(spec)) + len(_head_rows(spec, blocks[-1].spec))
    return outside + sum(len(block_rows.of(b)) for b in blocks)


@dataclass(frozen=True)
class Work:
    """Totals of a design's compute: MACs and elementwise ops, all and inside attention."""

    macs: int
    elementwise_ops: int
    attention_macs: int
    attention_elementwise_ops: int

    @property
    def flops(self) -> int:
        return 2 * self.macs + self.elementwise_ops


def is_attention(name: str) -> bool:
    """Whether a module or parameter name lies inside an attention slot (``attn_*``)."""
    return any(part.startswith("attn_") for part in name.split("."))


def work_of_rows(rows) -> Work:
    """Totals of rows (`Row` or the profiler's `ModuleRow`)."""
    attn = [r for r in rows if is_attention(r.name)]
    return Work(
        macs=sum(r.macs for r in rows),
        elementwise_ops=sum(r.elementwise_ops for r in rows),
        attention_macs=sum(r.macs for r in attn),
        attention_elementwise_ops=sum(r.elementwise_ops for r in attn),
    )


@per_block
def block_work(spec: BlockSpec) -> Work:
    """`Work` of one block, cached by its JSON without the name (the linter asks per block)."""
    return work_of_rows(block_rows(spec))


def compute_work(spec) -> Work:
    """MACs and elementwise ops of one forward of `spec` (batch included), from the spec alone.

    Linear in the number of distinct blocks: a network sums its blocks' cached totals.
    """
    if isinstance(spec, BlockSpec):
        return block_work(spec)
    from resattn.networks import expand_blocks

    blocks = expand_blocks(spec)
    outside = work_of_rows([*_stem_rows(spec), *_head_rows(spec, blocks[-1].spec)])
    totals = [outside, *(block_work.of(b) for b in blocks)]
    return Work(*(sum(getattr(t, f) for t in totals) for f in Work.__dataclass_fields__))


def compute_flops(spec) -> int:
    """FLOPs (2 · MACs + elementwise ops) of one forward of `spec`: what `MAX_FLOPS` bounds."""
    return compute_work(spec).flops


def within_budget(spec) -> bool:
    """Whether one forward of `spec` fits the compute budget (`MAX_FLOPS`)."""
    return compute_flops(spec) <= MAX_FLOPS


def fmt_flops(n: float) -> str:
    """5.1e10 → "51.0 GFLOPs"; 3.2e7 → "32.0 MFLOPs"."""
    return f"{n / 1e9:,.1f} GFLOPs" if n >= 1e8 else f"{n / 1e6:,.1f} MFLOPs"


__all__ = [
    "MAX_FLOPS",
    "REFERENCE_FLOPS_PER_S",
    "Row",
    "Work",
    "block_rows",
    "block_work",
    "compute_flops",
    "compute_rows",
    "module_count",
    "compute_work",
    "fmt_flops",
    "is_attention",
    "within_budget",
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
