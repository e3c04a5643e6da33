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


def _cbam_spatial(g: Graph, mid: str, mul2):
    sq = _gate_input(g, mul2, mid)
    if sq is None:
        return None
    node = g.of(sq.score)
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
