"""One recognition hook per attention kind, keyed by the kind's spec `type`.

A hook reads a gate by its computation — a multiply of a feature by a squashed function of that
same feature — never by node names. Each kind gives three functions:

* ``match(graph, feature, mul)``: does the Mul node `mul` (one input is `feature`) end this
  kind's gate? → an `AttentionMatch` (sizes measured from the weights, the module's weights in
  its own state_dict keys) or None;
* ``measure(channels, spec)``: the sizes a spec's options resolve to (what a graph shows);
* ``options(channels, measured)``: the spec options for measured sizes, or None when no option
  values give them. Several option values often build the same module (SE's reduction 8 and
  16 both give 8 hidden channels at C = 64 with divisor 8); the options chosen are the kind's
  defaults when they fit, else the first that fits in a fixed order — so an import is a
  function of the graph, and `resattn.importing.canonical_spec` says which spec comes back.

`test_every_registered_kind_has_a_recogniser` holds the registry of `resattn.attention` and
this table to the same kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import numpy as np

from resattn.attention.cbam import cbam_hidden
from resattn.attention.coord import coord_hidden
from resattn.attention.eca import eca_kernel_size
from resattn.attention.gc import gc_hidden
from resattn.attention.se import se_hidden
from resattn.importing.graph import Graph
from resattn.importing.parts import (
    RESHAPES,
    AttentionMatch,
    bn_weights,
    conv_info,
    global_mean,
    identity_bn,
    prefixed,
    squash,
    through,
)
from schemas import ATTENTION_MODELS


@dataclass(frozen=True)
class Recogniser:
    kind: str
    match: Callable[[Graph, str, object], Optional[AttentionMatch]]
    measure: Callable[[int, object], dict]
    options: Callable[[int, dict], Optional[dict]]


RECOGNISERS: dict[str, Recogniser] = {}


def recogniser(kind: str, measure, options):
    def register(match):
        RECOGNISERS[kind] = Recogniser(kind, match, measure, options)
        return match

    return register


def _bound(kind: str, name: str) -> tuple[int, int]:
    """The (ge, le) bounds of an option field of a kind's spec model."""
    info = ATTENTION_MODELS[kind].model_fields[name]
    lo = next(m.ge for m in info.metadata if hasattr(m, "ge"))
    hi = next(m.le for m in info.metadata if hasattr(m, "le"))
    return lo, hi


def _order(default: int, lo: int, hi: int):
    """The default first, then every other value in range, ascending."""
    yield default
    yield from (v for v in range(lo, hi + 1) if v != default)


def _one_by_one(g: Graph, name: str, *, bias: bool = True):
    """A 1×1 conv producing `name`: (conv node, info) or None."""
    node = g.of(name)
    if node is None or node.op_type != "Conv":
        return None
    info = conv_info(g, node)
    w = info["weight"]
    if w is None or w.ndim != 4 or w.shape[2:] != (1, 1) or info["group"] != 1:
        return None
    if info["stride"] != (1, 1) or any(info["pads"]):
        return None
    if not bias and info["bias"] is not None and np.any(info["bias"]):
        return None
    return node, info


def _bias(info) -> np.ndarray:
    b = info["bias"]
    return np.zeros(info["weight"].shape[0], np.float32) if b is None else b


def _mlp(g: Graph, name: str):
    """conv1×1 → ReLU → conv1×1 ending at `name`: (input, w1, b1, w2, b2, nodes) or None."""
    second = _one_by_one(g, name)
    if second is None:
        return None
    relu = g.of(second[0].input[0])
    if relu is None or relu.op_type != "Relu":
        return None
    first = _one_by_one(g, relu.input[0])
    if first is None:
        return None
    (n2, i2), (n1, i1) = second, first
    return (
        n1.input[0],
        i1["weight"],
        _bias(i1),
        i2["weight"],
        _bias(i2),
        [n1, relu, n2],
    )


def _gate_input(g: Graph, mul, feature: str):
    other = g.other(mul, feature)
    if other is None or other == feature or g.c(other) is not None:
        return None
    return squash(g, other)


# ----- SE ------------------------------------------------------------------------------------


def _se_measure(channels: int, spec) -> dict:
    return {"hidden": se_hidden(channels, spec.reduction, spec.divisor)}


@lru_cache(maxsize=4096)
def _se_hidden_options(channels: int, hidden: int) -> Optional[tuple[int, int]]:
    for divisor in _order(8, *_bound("se", "divisor")):
        if hidden % divisor:  # the hidden width is always a multiple of the divisor
            continue
        for reduction in _order(16, *_bound("se", "reduction")):
            if se_hidden(channels, reduction, divisor) == hidden:
                return reduction, divisor
    return None


def _se_options(channels: int, measured: dict) -> Optional[dict]:
    found = _se_hidden_options(channels, measured["hidden"])
    return None if found is None else {"reduction": found[0], "divisor": found[1]}


@recogniser("se", _se_measure, _se_options)
def match_se(g: Graph, feature: str, mul) -> Optional[AttentionMatch]:
    """x ⊙ gate(conv1×1(ReLU(conv1×1(mean_HW(x)))))"""
    sq = _gate_input(g, mul, feature)
    if sq is None:
        return None
    mlp = _mlp(g, sq.score)
    if mlp is None:
        return None
    pooled, w1, b1, w2, b2, nodes = mlp
    mean = global_mean(g, pooled, keep=True)
    if mean is None or mean[0] != feature:
        return None
    if w2.shape[0] != w1.shape[1]:
        return None
    weights = {"fc1.weight": w1, "fc1.bias": b1, "fc2.weight": w2, "fc2.bias": b2}
    return AttentionMatch(
        "se",
        {"hidden": w1.shape[0]},
        sq.kind,
        sq.scale,
        weights,
        [*mean[1], *nodes, *sq.nodes, mul],
        mul.output[0],
    )


# ----- ECA -----------------------------------------------------------------------------------


def _eca_measure(channels: int, spec) -> dict:
    k = spec.kernel_size if spec.kernel_size is not None else eca_kernel_size(channels)
    return {"kernel_size": k}


def _eca_options(channels: int, measured: dict) -> Optional[dict]:
    k = measured["kernel_size"]
    lo, hi = _bound("eca", "kernel_size")
    if k % 2 == 0 or not lo <= k <= hi:
        return None
    return {"kernel_size": None if k == eca_kernel_size(channels) else k}


@recogniser("eca", _eca_measure, _eca_options)
def match_eca(g: Graph, feature: str, mul) -> Optional[AttentionMatch]:
    """x ⊙ gate(conv1d_k(mean_HW(x) as a 1-D sequence over channels))"""
    sq = _gate_input(g, mul, feature)
    if sq is None:
        return None
    name, reshapes = through(g, sq.score, RESHAPES)
    conv = g.of(name)
    if conv is None or conv.op_type != "Conv":
        return None
    info = conv_info(g, conv)
    w = info["weight"]
    if w is None or w.ndim != 3 or w.shape[:2] != (1, 1) or info["group"] != 1:
        return None
    k = w.shape[2]
    if info["stride"] != (1,) or info["pads"] != (k // 2, k // 2) or info["dilations"] != (1,):
        return None
    if info["bias"] is not None and np.any(info["bias"]):
        return None
    name, reshapes2 = through(g, conv.input[0], RESHAPES)
    mean = global_mean(g, name)
    if mean is None or mean[0] != feature:
        return None
    return AttentionMatch(
        "eca",
        {"kernel_size": k},
        sq.kind,
        sq.scale,
        {"conv.weight": w},
        [*mean[1], *reshapes2, conv, *reshapes, *sq.nodes, mul],
        mul.output[0],
    )


# ----- CBAM ----------------------------------------------------------------------------------


def _cbam_measure(channels: int, spec) -> dict:
    return {
        "hidden": cbam_hidden(channels, spec.reduction),
        "spatial_kernel": spec.spatial_kernel,
    }


def _cbam_options(channels: int, measured: dict) -> Optional[dict]:
    k = measured["spatial_kernel"]
    if k % 2 == 0 or not _bound("cbam", "spatial_kernel")[0] <= k <= 15:
        return None
    for reduction in _order(16, *_bound("cbam", "reduction")):
        if cbam_hidden(channels, reduction) == measured["hidden"]:
            return {"reduction": reduction, "spatial_kernel": k}
    return None


def _reduce(g: Graph, name: str, op: str, axes: tuple) -> Optional[tuple[str, object]]:
    node = g.of(name)
    if node is None or node.op_type != op or not g.keepdims(node):
        return None
    if g.axes(node) != axes:
        return None
    return node.input[0], node


@recogniser("cbam", _cbam_measure, _cbam_options)
def match_cbam(g: Graph, feature: str, mul) -> Optional[AttentionMatch]:
    """x' = x ⊙ gate(MLP(mean_HW x) + MLP(max_HW x)); out = x' ⊙ gate(BN(conv_k([mean_C x',
    max_C x'])))"""
    sq = _gate_input(g, mul, feature)
    if sq is None:
        return None
    add = g.of(sq.score)
    if add is None or add.op_type != "Add":
        return None
    paths = [_mlp(g, name) for name in add.input]
    if None in paths:
        return None
    pools = {}
    for path in paths:
        for op in ("ReduceMean", "ReduceMax"):
            hit = _reduce(g, path[0], op, (2, 3))
            if hit is not None and hit[0] == feature:
                pools[op] = (hit[1], path)
    if set(pools) != {"ReduceMean", "ReduceMax"}:
        return None
    (_, a), (_, b) = pools["ReduceMean"], pools["ReduceMax"]
    if not all(np.array_equal(x, y) for x, y in zip(a[1:5], b[1:5], strict=True)):
        return None  # two MLPs: not CBAM's shared one
    mid = mul.output[0]
    spatial = [m for m in g.uses(mid) if m.op_type == "Mul"]
    for mul2 in spatial:
        found = _cbam_spatial(g, mid, mul2)
        if found is None:
            continue
        sq2, conv, bn, cat_nodes = found
        if (sq2.kind, sq2.scale) != (sq.kind, sq.scale):
            continue
        info = conv_info(g, conv)
        k = info["weight"].shape[2]
        bn_state = bn_weights(g, bn) if bn is not None else identity_bn(info["bias"], 1)
        weights = {
            "mlp.0.weight": a[1],
            "mlp.0.bias": a[2],
            "mlp.2.weight": a[3],
            "mlp.2.bias": a[4],
            "spatial_conv.weight": info["weight"],
            **prefixed("spatial_bn", bn_state),
        }
        nodes = [
            pools["ReduceMean"][0],
            pools["ReduceMax"][0],
            *a[5],
            *b[5],
            add,
            *sq.nodes,
            mul,
            *cat_nodes,
            conv,
            *([bn] if bn is not None else []),
            *sq2.nodes,
            mul2,
        ]
        return AttentionMatch(
            "cbam",
            {"hidden": a[1].shape[0], "spatial_kernel": k},
            sq.kind,
            sq.scale,
            weights,
            nodes,
            mul2.output[0],
        )
    return None


def _pooled_map_conv(g: Graph, score: str):
    """score = [BN](conv_k(concat of two channel pools), 2 → 1 channel): (conv node, conv info,
    BN node or None, concat node) or None — CBAM's spatial gate and triplet's branches."""
    node = g.of(score)
    bn = None
    if node is not None and node.op_type == "BatchNormalization":
        bn, node = node, g.of(node.input[0])
    if node is None or node.op_type != "Conv":
        return None
    info = conv_info(g, node)
    w = info["weight"]
    if w is None or w.ndim != 4 or w.shape[:2] != (1, 2) or w.shape[2] != w.shape[3]:
        return None
    k = w.shape[2]
    if info["stride"] != (1, 1) or info["pads"] != (k // 2,) * 4 or info["group"] != 1:
        return None
    if bn is not None and info["bias"] is not None and np.any(info["bias"]):
        return None
    cat = g.of(node.input[0])
    if cat is None or cat.op_type != "Concat" or g.attr(cat, "axis") != 1 or len(cat.input) != 2:
        return None
    return node, info, bn, cat


def _cbam_spatial(g: Graph, mid: str, mul2):
    sq = _gate_input(g, mul2, mid)
    found = None if sq is None else _pooled_map_conv(g, sq.score)
    if found is None:
        return None
    node, _, bn, cat = found
    mean = _reduce(g, cat.input[0], "ReduceMean", (1,))
    mx = _reduce(g, cat.input[1], "ReduceMax", (1,))
    if mean is None or mx is None or mean[0] != mid or mx[0] != mid:
        return None
    return sq, node, bn, [mean[1], mx[1], cat]


# ----- Coordinate Attention ------------------------------------------------------------------


def _coord_measure(channels: int, spec) -> dict:
    return {"hidden": coord_hidden(channels, spec.reduction, spec.min_channels)}


def _coord_options(channels: int, measured: dict) -> Optional[dict]:
    hidden = measured["hidden"]
    if hidden < 1 or hidden > _bound("coord", "min_channels")[1]:
        return None
    if coord_hidden(channels, 32, 8) == hidden:
        return {"reduction": 32, "min_channels": 8}
    r_max = _bound("coord", "reduction")[1]
    if hidden >= 8 and channels // hidden >= 1:  # min 8, hidden = C // r
        r = channels // hidden
        if r <= r_max and channels // r == hidden:
            return {"reduction": r, "min_channels": 8}
    # hidden is the lower bound itself: any r with C // r <= hidden
    r = 32 if channels // 32 <= hidden else channels // (hidden + 1) + 1
    if r <= r_max:
        return {"reduction": r, "min_channels": hidden}
    return None


def _split_parts(g: Graph, name: str):
    """The Split/Slice node producing `name` and its position (0 = the H part)."""
    node = g.of(name)
    if node is None:
        return None
    if node.op_type == "Split":
        return node, list(node.output).index(name), node.input[0]
    if node.op_type == "Slice":
        starts = g.c(node.input[1])
        if starts is None:
            return None
        return node, 0 if int(starts.reshape(-1)[0]) == 0 else 1, node.input[0]
    return None


@recogniser("coord", _coord_measure, _coord_options)
def match_coord(g: Graph, feature: str, mul) -> Optional[AttentionMatch]:
    """y = hswish(BN(conv1×1([mean_W x ; mean_H x]))), split along the pooled axis;
    out = x ⊙ gate(conv_h(y_h)) ⊙ gate(conv_w(y_w))"""
    sq_h = _gate_input(g, mul, feature)
    if sq_h is None:
        return None
    conv_h = _one_by_one(g, sq_h.score)
    if conv_h is None:
        return None
    part_h = _split_parts(g, conv_h[0].input[0])
    if part_h is None or part_h[1] != 0:
        return None
    mid = mul.output[0]
    for mul2 in (m for m in g.uses(mid) if m.op_type == "Mul"):
        sq_w = squash(g, g.other(mul2, mid) or "")
        if sq_w is None or (sq_w.kind, sq_w.scale) != (sq_h.kind, sq_h.scale):
            continue
        conv_w = _one_by_one(g, sq_w.score)
        if conv_w is None:
            continue
        tr = g.of(conv_w[0].input[0])
        if tr is None or tr.op_type != "Transpose":
            continue
        part_w = _split_parts(g, tr.input[0])
        if part_w is None or part_w[1] != 1 or part_w[2] != part_h[2]:
            continue
        shared = _coord_shared(g, part_h[2], feature)
        if shared is None:
            continue
        conv1, info1, bn, head_nodes = shared
        hidden = info1["weight"].shape[0]
        bn_state = bn_weights(g, bn) if bn is not None else identity_bn(info1["bias"], hidden)
        conv1_bias = np.zeros(hidden, np.float32) if bn is None else _bias(info1)
        weights = {
            "conv1.weight": info1["weight"],
            "conv1.bias": conv1_bias,
            **prefixed("bn1", bn_state),
            "conv_h.weight": conv_h[1]["weight"],
            "conv_h.bias": _bias(conv_h[1]),
            "conv_w.weight": conv_w[1]["weight"],
            "conv_w.bias": _bias(conv_w[1]),
        }
        splits = [part_h[0]] + ([part_w[0]] if part_w[0] is not part_h[0] else [])
        nodes = [*head_nodes, *splits, conv_h[0], *sq_h.nodes, mul, tr, conv_w[0]]
        nodes += [*sq_w.nodes, mul2]
        return AttentionMatch(
            "coord",
            {"hidden": hidden},
            sq_h.kind,
            sq_h.scale,
            weights,
            nodes,
            mul2.output[0],
        )
    return None


def _coord_shared(g: Graph, name: str, feature: str):
    act = g.of(name)
    if act is None or act.op_type != "HardSwish":
        return None
    node = g.of(act.input[0])
    bn = None
    if node is not None and node.op_type == "BatchNormalization":
        bn, node = node, g.of(node.input[0])
    if node is None or node.op_type != "Conv":
        return None
    conv = _one_by_one(g, node.output[0])
    if conv is None:
        return None
    cat = g.of(node.input[0])
    if cat is None or cat.op_type != "Concat" or g.attr(cat, "axis") != 2 or len(cat.input) != 2:
        return None
    along_w = _reduce(g, cat.input[0], "ReduceMean", (3,))
    tr = g.of(cat.input[1])
    if along_w is None or tr is None or tr.op_type != "Transpose":
        return None
    if list(g.attr(tr, "perm", [])) != [0, 1, 3, 2]:
        return None
    along_h = _reduce(g, tr.input[0], "ReduceMean", (2,))
    if along_h is None or along_w[0] != feature or along_h[0] != feature:
        return None
    nodes = [along_w[1], along_h[1], tr, cat, node, *([bn] if bn is not None else []), act]
    return node, conv[1], bn, nodes


# ----- eSE -----------------------------------------------------------------------------------


@recogniser("ese", lambda channels, spec: {}, lambda channels, measured: {})
def match_ese(g: Graph, feature: str, mul) -> Optional[AttentionMatch]:
    """x ⊙ gate(conv1×1 C→C(mean_HW(x)))"""
    sq = _gate_input(g, mul, feature)
    if sq is None:
        return None
    fc = _one_by_one(g, sq.score)
    if fc is None or fc[1]["weight"].shape[0] != fc[1]["weight"].shape[1]:
        return None
    mean = global_mean(g, fc[0].input[0], keep=True)
    if mean is None or mean[0] != feature:
        return None
    weights = {"fc.weight": fc[1]["weight"], "fc.bias": _bias(fc[1])}
    nodes = [*mean[1], fc[0], *sq.nodes, mul]
    return AttentionMatch("ese", {}, sq.kind, sq.scale, weights, nodes, mul.output[0])


# ----- Global Context (scale fusion) ---------------------------------------------------------


def _gc_measure(channels: int, spec) -> dict:
    return {"hidden": gc_hidden(channels, spec.reduction)}


def _gc_options(channels: int, measured: dict) -> Optional[dict]:
    for reduction in _order(8, *_bound("gc", "reduction")):
        if gc_hidden(channels, reduction) == measured["hidden"]:
            return {"reduction": reduction, "fusion": "scale"}
    return None


@recogniser("gc", _gc_measure, _gc_options)
def match_gc(g: Graph, feature: str, mul) -> Optional[AttentionMatch]:
    """context = x · softmax_HW(conv1×1 C→1(x)); x ⊙ gate(conv1×1(ReLU(LN(conv1×1(context)))))"""
    sq = _gate_input(g, mul, feature)
    if sq is None:
        return None
    fc2 = _one_by_one(g, sq.score)
    if fc2 is None:
        return None
    relu = g.of(fc2[0].input[0])
    norm = g.of(relu.input[0]) if relu is not None and relu.op_type == "Relu" else None
    if norm is None or norm.op_type != "LayerNormalization" or g.attr(norm, "axis") not in (-3, 1):
        return None
    fc1 = _one_by_one(g, norm.input[0])
    if fc1 is None:
        return None
    name, reshapes = through(g, fc1[0].input[0], RESHAPES)
    matmul = g.of(name)
    if matmul is None or matmul.op_type != "MatMul":
        return None
    x_name, x_shapes = through(g, matmul.input[0], RESHAPES)
    soft = g.of(matmul.input[1])
    if x_name != feature or soft is None or soft.op_type != "Softmax":
        return None
    a_name, a_shapes = through(g, soft.input[0], RESHAPES)
    conv_attn = g.of(a_name)
    if conv_attn is None or conv_attn.op_type != "Conv" or conv_attn.input[0] != feature:
        return None
    attn = conv_info(g, conv_attn)
    if attn["weight"].shape[:1] != (1,) or attn["weight"].shape[2:] != (1, 1):
        return None
    eps = float(g.attr(norm, "epsilon", 1e-5))
    if abs(eps - 1e-5) > 1e-9:
        return None  # LayerNorm's default ε is the one the module builds with
    hidden = fc1[1]["weight"].shape[0]
    scale, shift = g.c(norm.input[1]), g.c(norm.input[2]) if len(norm.input) > 2 else None
    weights = {
        "conv_attn.weight": attn["weight"],
        "conv_attn.bias": _bias(attn),
        "fc1.weight": fc1[1]["weight"],
        "fc1.bias": _bias(fc1[1]),
        "norm.weight": np.reshape(scale, (hidden, 1, 1)),
        "norm.bias": np.zeros((hidden, 1, 1), np.float32)
        if shift is None
        else np.reshape(shift, (hidden, 1, 1)),
        "fc2.weight": fc2[1]["weight"],
        "fc2.bias": _bias(fc2[1]),
    }
    nodes = [conv_attn, *a_shapes, soft, *x_shapes, matmul, *reshapes, fc1[0], norm, relu, fc2[0]]
    nodes += [*sq.nodes, mul]
    return AttentionMatch(
        "gc", {"hidden": hidden}, sq.kind, sq.scale, weights, nodes, mul.output[0]
    )


# ----- SimAM ---------------------------------------------------------------------------------


def _float32(value: float) -> float:
    """The shortest decimal that is the same float32 (a graph stores λ in float32)."""
    return float(str(np.float32(value)))


def _simam_measure(channels: int, spec) -> dict:
    return {"e_lambda": _float32(spec.e_lambda)}


def _simam_options(channels: int, measured: dict) -> Optional[dict]:
    lam = measured["e_lambda"]
    return {"e_lambda": lam} if 0.0 < lam <= 1.0 else None


def _const_side(g: Graph, node, op: str):
    """(the non-constant input, the scalar) of a binary `op` node with one scalar input."""
    if node is None or node.op_type != op:
        return None
    for i in (0, 1):
        k = g.scalar(node.input[i])
        if k is not None and g.c(node.input[1 - i]) is None:
            return node.input[1 - i], k
    return None


@recogniser("simam", _simam_measure, _simam_options)
def match_simam(g: Graph, feature: str, mul) -> Optional[AttentionMatch]:
    """d = (x − mean_HW x)²; x ⊙ gate(d / (4 (Σ_HW d / n + λ)) + 0.5)"""
    sq = _gate_input(g, mul, feature)
    if sq is None or sq.scale != 1.0:
        return None
    half = _const_side(g, g.of(sq.score), "Add")
    if half is None or abs(half[1] - 0.5) > 1e-7:
        return None
    div = g.of(half[0])
    if div is None or div.op_type != "Div":
        return None
    pow_node, denom = g.of(div.input[0]), g.of(div.input[1])
    four = _const_side(g, denom, "Mul")
    if four is None or abs(four[1] - 4.0) > 1e-7 or pow_node is None:
        return None
    lam = _const_side(g, g.of(four[0]), "Add")
    if lam is None:
        return None
    mean_d = _const_side(g, g.of(lam[0]), "Div")
    total = g.of(mean_d[0]) if mean_d is not None else None
    if total is None or total.op_type != "ReduceSum" or total.input[0] != pow_node.output[0]:
        return None
    square = _const_side(g, pow_node, "Pow")
    sub = g.of(square[0]) if square is not None and square[1] == 2.0 else None
    if sub is None or sub.op_type != "Sub" or sub.input[0] != feature:
        return None
    mean = global_mean(g, sub.input[1], keep=True)
    if mean is None or mean[0] != feature:
        return None
    nodes = [*mean[1], sub, pow_node, total, g.of(lam[0]), g.of(four[0]), denom, div]
    nodes += [g.of(sq.score), *sq.nodes, mul]
    measured = {"e_lambda": _float32(lam[1])}
    return AttentionMatch("simam", measured, sq.kind, sq.scale, {}, nodes, mul.output[0])


# ----- Triplet attention ---------------------------------------------------------------------

#: branch → the permutation that brings its two axes to (H, W) (its own inverse)
_TRIPLET = {"cw": (0, 2, 1, 3), "ch": (0, 3, 2, 1), "hw": None}


def _triplet_branch(g: Graph, name: str, feature: str):
    """One rotated Z-pool → conv → [BN] → gate branch ending at tensor `name`."""
    node = g.of(name)
    perm = None
    nodes = []
    if node is not None and node.op_type == "Transpose":
        perm = tuple(g.attr(node, "perm", []))
        nodes.append(node)
        name = node.input[0]
    sq = squash(g, name)
    found = None if sq is None else _pooled_map_conv(g, sq.score)
    if found is None:
        return None
    conv, info, bn, cat = found
    w, k = info["weight"], info["weight"].shape[2]
    mx = _reduce(g, cat.input[0], "ReduceMax", (1,))
    mean = _reduce(g, cat.input[1], "ReduceMean", (1,))
    if mx is None or mean is None or mx[0] != mean[0]:
        return None
    source = mx[0]
    rotate = g.of(source)
    if perm is not None:
        if rotate is None or rotate.op_type != "Transpose" or rotate.input[0] != feature:
            return None
        if tuple(g.attr(rotate, "perm", [])) != perm:
            return None
        nodes.append(rotate)
    elif source != feature:
        return None
    branch = next((b for b, p in _TRIPLET.items() if p == perm), None)
    if branch is None:
        return None
    bn_state = bn_weights(g, bn) if bn is not None else identity_bn(info["bias"], 1)
    weights = {f"conv_{branch}.weight": w, **prefixed(f"bn_{branch}", bn_state)}
    nodes += [mx[1], mean[1], cat, conv, *([bn] if bn is not None else []), *sq.nodes]
    return branch, k, sq, weights, nodes


@recogniser(
    "triplet",
    lambda channels, spec: {"kernel_size": spec.kernel_size},
    lambda channels, measured: {"kernel_size": measured["kernel_size"]},
)
def match_triplet(g: Graph, feature: str, mul) -> Optional[AttentionMatch]:
    """x ⊙ (a_cw + a_ch + a_hw) / 3, each a = gate(BN(conv_k(Z-pool of x rotated)))"""
    other = g.other(mul, feature)
    third = _const_side(g, g.of(other or ""), "Div")
    if third is None or abs(third[1] - 3.0) > 1e-6:
        return None
    outer = g.of(third[0])
    if outer is None or outer.op_type != "Add":
        return None
    inner = next((g.of(i) for i in outer.input if g.of(i) is not None), None)
    terms = []
    for add in (outer, g.of(outer.input[0]), g.of(outer.input[1])):
        if add is not None and add.op_type == "Add" and add is not outer:
            terms += list(add.input)
            rest = [i for i in outer.input if i != add.output[0]]
            terms += rest
            inner = add
            break
    if len(terms) != 3:
        return None
    found = [_triplet_branch(g, t, feature) for t in terms]
    if None in found or {f[0] for f in found} != set(_TRIPLET):
        return None
    kinds = {(f[2].kind, f[2].scale) for f in found}
    sizes = {f[1] for f in found}
    if len(kinds) != 1 or len(sizes) != 1:
        return None
    gate, scale = kinds.pop()
    weights: dict = {}
    nodes = []
    for branch in _TRIPLET:
        f = next(x for x in found if x[0] == branch)
        weights.update(f[3])
        nodes += f[4]
    nodes += [inner, outer, g.of(other), mul]
    return AttentionMatch(
        "triplet", {"kernel_size": sizes.pop()}, gate, scale, weights, nodes, mul.output[0]
    )
