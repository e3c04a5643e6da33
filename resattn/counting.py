"""Counting rules (docs/design.md §3): what `macs` and `elementwise_ops` count, op by op.

* ``macs`` — multiply-accumulates of conv / linear / matmul, exactly fvcore's "flop" handles
  (a k×k conv: output elements × C_in/groups × k²; biases are not counted).
* ``elementwise_ops`` — the weight-free work fvcore skips, counted by the handles below,
  registered on fvcore's analysis. One op per element of the tensor named in `ELEMENTWISE`:

  ========================= ===================================================
  op                        counts
  ========================= ===================================================
  mul (the gate ⊙ α)        1 per output element
  add (the residual ⊕)      1 per output element
  sub, div, pow             1 per output element
  sum                       1 per *input* element
  sigmoid / hard-sigmoid    1 per output element
  hard-swish, ReLU          1 per output element
  mean / amax (pooling)     1 per *input* element (one add or compare each)
  global avg-pool           1 per input element
  max-pool / avg-pool k×k   k² per output element
  batch-norm (inference)    2 per element (the folded scale and shift)
  layer-norm                5 per element (mean, centre, variance, scale, shift)
  softmax                   3 per element (exp, sum, divide)
  ========================= ===================================================

* Shape arithmetic a forward does on its input's sizes (``h * w`` for a reshape) is traced as
  ops on one-element tensors and follows the same table: one op each.
* Pure data movement (view, cat, split, permute, flatten, dropout at inference…) is zero by
  design (`DATA_MOVEMENT`). Any other op is *not* silently zero: the profiler lists it as
  unsupported.

Parameters and compute counted from the spec alone (`analytic_params`, `params_by_part`,
`compute_work`: the same rules, applied to the layer tables and to each attention kind's
compute formula, its record's `work`, no module) live in `resattn.estimates`, below the linter
and the trace; the parameter counts are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from resattn.estimates import (  # noqa: F401  (re-exported: counting's public names)
    analytic_params,
    block_params,
    is_attention,
    params_by_part,
    table_params,
)
from schemas import BlockSpec, Slots

#: fvcore handle names whose count is multiply-accumulates
MAC_OPS = frozenset({"conv", "linear", "matmul", "addmm", "bmm", "einsum"})


def _shape(value) -> list[int]:
    return value.type().sizes()


def _numel(value) -> int:
    return math.prod(_shape(value))


def _per_output(scale: int = 1) -> Callable:
    def handle(inputs, outputs) -> int:
        return scale * _numel(outputs[0])

    return handle


def _per_input(inputs, outputs) -> int:
    return _numel(inputs[0])


def _constant_ints(value) -> list[int]:
    """An int-list argument of a traced op (a constant, or a list built from constants)."""
    ivalue = value.toIValue()
    if ivalue is None:
        ivalue = [v.toIValue() for v in value.node().inputs()]
    return [ivalue] if isinstance(ivalue, int) else list(ivalue)


def _pool_window(inputs, outputs) -> int:
    kernel = _constant_ints(inputs[1])
    return math.prod(kernel * 2 if len(kernel) == 1 else kernel) * _numel(outputs[0])


#: aten op → handle counting its elementwise ops (see the module docstring)
ELEMENTWISE: dict[str, Callable] = {
    "aten::mul": _per_output(),
    "aten::mul_": _per_output(),
    "aten::add": _per_output(),
    "aten::add_": _per_output(),
    "aten::sigmoid": _per_output(),
    "aten::hardsigmoid": _per_output(),
    "aten::hardswish": _per_output(),
    "aten::hardswish_": _per_output(),
    "aten::relu": _per_output(),
    "aten::relu_": _per_output(),
    "aten::mean": _per_input,
    "aten::amax": _per_input,
    "aten::adaptive_avg_pool2d": _per_input,
    "aten::max_pool2d": _pool_window,
    "aten::avg_pool2d": _pool_window,
    "aten::batch_norm": _per_output(2),
    "aten::sub": _per_output(),
    "aten::rsub": _per_output(),
    "aten::div": _per_output(),
    "aten::pow": _per_output(),
    "aten::sum": _per_input,
    "aten::layer_norm": _per_output(5),
    "aten::softmax": _per_output(3),
}

#: ops that move or relabel data and do no arithmetic: zero by design
DATA_MOVEMENT = frozenset(
    {
        "aten::view",
        "aten::reshape",
        "aten::flatten",
        "aten::permute",
        "aten::transpose",
        "aten::cat",
        "aten::split",
        "aten::split_with_sizes",
        "aten::contiguous",
        "aten::size",
        "aten::Int",
        "aten::ScalarImplicit",
        "aten::dropout",
        "aten::unsqueeze",
        "aten::squeeze",
        "aten::t",
        "aten::to",
        "aten::detach",
        "aten::expand",
        "aten::slice",
        "aten::select",
        "aten::numpy_T",
    }
)


def without_attention(spec):
    """The same design with every slot empty (the baseline of the attention overhead)."""
    if isinstance(spec, BlockSpec):
        return spec.model_copy(update={"slots": Slots()})
    empty = {"slots": Slots(), "overrides": []}
    stages = [stage.model_copy(update=empty) for stage in spec.stages]
    return spec.model_copy(update={"stages": stages})


def stage_overheads(net) -> list[tuple[float, float]]:
    """(params %, MACs %) the attention of each stage adds over the same stage without it.

    The per-stage view of the linter's §12.4 figure (RA203 gives it for the whole network),
    counted from the spec alone like the linter's figures, each distinct block design once, so
    the work grows with the number of distinct designs, not with the depth.
    """
    from resattn.estimates import block_work
    from resattn.networks import expand_blocks

    seen: dict[str, tuple[int, int, int, int]] = {}
    sums = [[0, 0, 0, 0] for _ in net.stages]
    for blk in expand_blocks(net):
        key = blk.key
        if key not in seen:
            base = without_attention(blk.spec)
            seen[key] = (
                block_params.of(blk),
                block_work.of(blk).macs,
                block_params(base),
                block_work(base).macs,
            )
        for i, n in enumerate(seen[key]):
            sums[blk.stage][i] += n
    return [(100.0 * (p - bp) / max(1, bp), 100.0 * (m - bm) / max(1, bm)) for p, m, bp, bm in sums]
