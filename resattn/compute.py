"""The compute a design asks for, from the spec alone: MACs and elementwise ops, per module.

The counting rules are those of `resattn.counting` (fvcore's MACs; one elementwise op per
element for gates, activations, the add, pooling; two per element for batch-norm), applied to
the same layer tables the modules are built from and to each attention's forward written out
as a formula. No module is built — not even on ``meta`` — so the answer comes in microseconds
per block whatever the design's size, for any schema-valid spec (lint errors included: an
identity shortcut whose shapes differ is counted as if the add could happen). A test holds every
row equal to fvcore's count of the real module.

A network's blocks after the first of a stage are identical, so block rows are computed once per
distinct block (cached by its JSON without the name) and relabelled: work is linear in the
number of distinct blocks, and a 1,024-block network costs as much as its 32 distinct ones.

`compute_flops` (2 · MACs + elementwise ops) is what the compute budget (`MAX_FLOPS`, rule
RA209, docs/diagnostics.md) compares with its cap before profile, latency or ONNX export start.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from schemas import BlockSpec, NetworkSpec

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


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def _layer_rows(table, values, prefix: str, n: int, c: int, h: int, w: int):
    """Rows of a layer table run on an N×C×H×W input, and the output (C, H, W)."""
    from resattn.counting import LAYER_PARAMS
    from resattn.shapes import conv_out

    rows = []
    for layer in table.layers:
        if layer.only_if is not None and not values[layer.only_if] > 0:
            continue

        def bind(arg):
            return values[arg] if isinstance(arg, str) else arg

        args = [bind(a) for a in layer.args]
        kwargs = {k: bind(v) for k, v in layer.kwargs}
        kind = layer.op.__name__
        params = LAYER_PARAMS[layer.op](*args, **kwargs)
        macs = ew = 0
        if kind == "Conv2d":
            c_in, c_out, k = args
            stride, pad = kwargs.get("stride", 1), kwargs.get("padding", 0)
            groups = kwargs.get("groups", 1)
            h, w = conv_out(h, k, stride, pad), conv_out(w, k, stride, pad)
            macs = n * c_out * h * w * (c_in // groups) * k * k
            c = c_out
        elif kind == "BatchNorm2d":
            ew = 2 * n * c * h * w
        elif kind == "ReLU":
            ew = n * c * h * w
        elif kind in ("MaxPool2d", "AvgPool2d"):
            k = args[0]
            stride = kwargs.get("stride", args[1] if len(args) > 1 else k)
            pad = kwargs.get("padding", 0)
            if kwargs.get("ceil_mode"):  # ResNet-D's pool: kernel = stride, no padding
                h, w = -(-h // stride), -(-w // stride)
            else:
                h, w = conv_out(h, k, stride, pad), conv_out(w, k, stride, pad)
            ew = k * k * n * c * h * w
        rows.append(Row(prefix + layer.name, kind, params, macs, ew))
    return rows, (c, h, w)


# --- attention modules (their forward, written out) -------------------------------------------


def _se(attn, n, c, h, w, extra):
    from resattn.attention.se import se_hidden

    m = se_hidden(c, attn.reduction, attn.divisor)
    return 2 * n * c * m, 2 * n * c * h * w + n * m + n * c * (1 + extra)


def _eca(attn, n, c, h, w, extra):
    from resattn.attention.eca import eca_kernel_size

    k = attn.kernel_size if attn.kernel_size is not None else eca_kernel_size(c)
    return n * c * k, 2 * n * c * h * w + n * c * (1 + extra)


def _cbam(attn, n, c, h, w, extra):
    from resattn.attention.cbam import cbam_hidden

    m = cbam_hidden(c, attn.reduction)
    k = attn.spatial_kernel
    macs = 4 * n * c * m + 2 * k * k * n * h * w
    # avg/max pool, MLP ReLU ×2, the sum, channel gate, x ⊙ α_c; mean/max over C, BN, gate, ⊙ α_s
    ew = 6 * n * c * h * w + 2 * n * m + n * c * (2 + extra) + n * h * w * (3 + extra)
    return macs, ew


def _coord(attn, n, c, h, w, extra):
    from resattn.attention.coord import coord_hidden

    m = coord_hidden(c, attn.reduction, attn.min_channels)
    macs = 2 * n * m * c * (h + w)
    # two directional means, BN + hard-swish on the joint map, two gates, x ⊙ α_h ⊙ α_w
    ew = 4 * n * c * h * w + 3 * n * m * (h + w) + n * c * (h + w) * (1 + extra)
    return macs, ew


#: attention `type` → (MACs, elementwise ops) of its module on an N×C×H×W tensor; `extra` is 1
#: for an identity-start gate (the skip slot), which doubles its weights with one more multiply
ATTENTION_WORK = {"se": _se, "eca": _eca, "cbam": _cbam, "coord": _coord}

#: attention `type` → the module class name a row reports
ATTENTION_CLASS = {
    "se": "SqueezeExcite",
    "eca": "EfficientChannelAttention",
    "cbam": "CBAM",
    "coord": "CoordAttention",
}


def _attention_row(name: str, attn, n: int, c: int, h: int, w: int, identity_start=False) -> Row:
    from resattn.attention import attention_params

    macs, ew = ATTENTION_WORK[attn.type](attn, n, c, h, w, int(identity_start))
    return Row(name, ATTENTION_CLASS[attn.type], attention_params(attn, c), macs, ew)


# --- blocks and networks ----------------------------------------------------------------------


def _block_rows_uncached(spec: BlockSpec) -> tuple[Row, ...]:
    from resattn.blocks import branch_table, shortcut_table
    from resattn.fusion import post_activation
    from resattn.shapes import block_out_hw

    b, slots, inp = spec.block, spec.slots, spec.input
    n, c_in, h, w = inp.batch, inp.channels, inp.height, inp.width
    c_out = b.out_channels
    ho, wo = block_out_hw(h, w, b.stride)
    out = n * c_out * ho * wo
    rows = [Row("(own ops)", "ResidualAttentionBlock", 0, 0, out)]  # the add
    if slots.pre_residual is not None:
        rows.append(_attention_row("attn_pre", slots.pre_residual, n, c_in, h, w))
    branch, _ = _layer_rows(*branch_table(c_in, b), "branch.", n, c_in, h, w)
    rows += branch
    if slots.branch is not None:
        rows.append(_attention_row("attn_branch", slots.branch, n, c_out, ho, wo))
    projection = shortcut_table(spec.shortcut, c_in, c_out, b.stride, b.preact)
    if projection is not None:
        rows += _layer_rows(*projection, "shortcut.", n, c_in, h, w)[0]
    if slots.skip is not None:
        rows.append(_attention_row("attn_skip", slots.skip, n, c_out, ho, wo, True))
    if slots.post_add is not None:
        rows.append(_attention_row("attn_post", slots.post_add, n, c_out, ho, wo))
    if post_activation(spec):
        rows.append(Row("act", "ReLU", 0, 0, out))
    return tuple(rows)


@functools.lru_cache(maxsize=1024)
def _block_rows_by_json(block_json: str) -> tuple[Row, ...]:
    return _block_rows_uncached(BlockSpec.model_validate_json(block_json))


def block_rows(spec: BlockSpec) -> tuple[Row, ...]:
    """Rows of one block (names relative to the block), cached by its JSON without the name."""
    return _block_rows_by_json(spec.model_dump_json(exclude={"name"}))


def _relabel(row: Row, prefix: str) -> Row:
    name = f"{prefix} (own ops)" if row.name == "(own ops)" else f"{prefix}.{row.name}"
    return Row(name, row.type, row.params, row.macs, row.elementwise_ops)


def _stem_rows(net: NetworkSpec) -> list[Row]:
    from resattn.networks import stem_table

    inp = net.input
    rows, _ = _layer_rows(*stem_table(net), "stem.", inp.batch, inp.channels, inp.height, inp.width)
    return rows


def final_hw(net: NetworkSpec) -> tuple[int, int]:
    """H, W of a network's last feature map (after the stem and every stage's stride)."""
    from resattn.shapes import block_out_hw, stem_out_hw

    h, w = stem_out_hw(net.stem.type, net.input.height, net.input.width)
    for stage in net.stages:
        h, w = block_out_hw(h, w, stage.stride)
    return h, w


def _head_rows(net: NetworkSpec) -> list[Row]:
    """The head: final BN + ReLU (pre-activation), global average pool, the linear layer."""
    n, c, k = net.input.batch, net.stages[-1].out_channels, net.num_classes
    h, w = final_hw(net)
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

    yield from _stem_rows(net)
    for blk in expand_blocks(net):
        prefix = f"stages.{blk.stage}.{blk.index}"
        yield from (_relabel(r, prefix) for r in block_rows(blk.spec))
    yield from _head_rows(net)


def compute_rows(spec) -> list[Row]:
    """The per-module rows of a block or network spec, in the order of ``named_modules()``."""
    if isinstance(spec, BlockSpec):
        return list(block_rows(spec))
    return list(network_rows(spec))


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


def _is_attention_row(name: str) -> bool:
    return any(part.startswith("attn_") for part in name.split("."))


def work_of_rows(rows) -> Work:
    """Totals of rows (`Row` or the profiler's `ModuleRow`)."""
    attn = [r for r in rows if _is_attention_row(r.name)]
    return Work(
        macs=sum(r.macs for r in rows),
        elementwise_ops=sum(r.elementwise_ops for r in rows),
        attention_macs=sum(r.macs for r in attn),
        attention_elementwise_ops=sum(r.elementwise_ops for r in attn),
    )


@functools.lru_cache(maxsize=1024)
def _block_work_by_json(block_json: str) -> Work:
    return work_of_rows(_block_rows_by_json(block_json))


def block_work(spec: BlockSpec) -> Work:
    """`Work` of one block, cached by its JSON without the name (the linter asks per block)."""
    return _block_work_by_json(spec.model_dump_json(exclude={"name"}))


def compute_work(spec) -> Work:
    """MACs and elementwise ops of one forward of `spec` (batch included), from the spec alone.

    Linear in the number of distinct blocks: a network sums its blocks' cached totals.
    """
    if isinstance(spec, BlockSpec):
        return block_work(spec)
    from resattn.networks import expand_blocks

    outside = work_of_rows([*_stem_rows(spec), *_head_rows(spec)])
    totals = [outside, *(block_work(b.spec) for b in expand_blocks(spec))]
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
