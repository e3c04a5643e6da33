"""Matching a run of ONNX nodes against a layer table of `resattn.layers` (branch, projection,
stem): the same tables the library builds from and the exporter renders, so a part is
recognised exactly when it is the part `build` would make.

A table's BatchNorm right after a conv may be missing from the graph: the exporter folded it
into the conv's bias (see `resattn.importing.parts` for the exact unfolding).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from torch import nn

from resattn.importing.graph import Graph
from resattn.importing.parts import bn_weights, conv_info, identity_bn, prefixed
from resattn.layers import Layer, LayerTable

#: ONNX op of each table layer type
ONNX_OP = {
    nn.Conv2d: "Conv",
    nn.BatchNorm2d: "BatchNormalization",
    nn.ReLU: "Relu",
    nn.MaxPool2d: "MaxPool",
    nn.AvgPool2d: "AveragePool",
    nn.Dropout: "Dropout",
}


def _bind(values: dict, arg, actual) -> bool:
    if isinstance(arg, str):
        if arg in values and values[arg] != actual:
            return False
        values[arg] = actual
        return True
    return arg == actual


def _same(xs) -> Optional[int]:
    xs = tuple(xs)
    return xs[0] if xs and all(x == xs[0] for x in xs) else None


def _unify(g: Graph, layer: Layer, node, values: dict) -> bool:
    """Bind the table parameters of `layer` to what `node` shows; False when it cannot be it."""
    if ONNX_OP.get(layer.op) != node.op_type:
        return False
    kw = dict(layer.kwargs)
    if layer.op is nn.Conv2d:
        info = conv_info(g, node)
        w = info["weight"]
        if w is None or w.ndim != 4 or info["auto_pad"] not in ("NOTSET", ""):
            return False
        c_in, c_out, k = layer.args
        kernel, stride, pads = _same(info["kernel"]), _same(info["stride"]), _same(info["pads"])
        if kernel is None or stride is None or pads is None or _same(info["dilations"]) != 1:
            return False
        return (
            _bind(values, c_out, w.shape[0])
            and _bind(values, c_in, w.shape[1] * info["group"])
            and _bind(values, k, kernel)
            and _bind(values, kw.get("stride", 1), stride)
            and _bind(values, kw.get("padding", 0), pads)
            and _bind(values, kw.get("groups", 1), info["group"])
        )
    if layer.op is nn.BatchNorm2d:
        scale = g.c(node.input[1])
        return scale is not None and _bind(values, layer.args[0], scale.shape[0])
    if layer.op in (nn.MaxPool2d, nn.AvgPool2d):
        kernel = _same(g.attr(node, "kernel_shape", []))
        stride = _same(g.attr(node, "strides", [1, 1]))
        pads = _same(g.attr(node, "pads", [0, 0, 0, 0]))
        if kernel is None or stride is None or pads is None:
            return False
        if _same(g.attr(node, "dilations", [1, 1])) not in (None, 1):
            return False
        k_arg = layer.args[0]
        s_arg = layer.args[1] if len(layer.args) > 1 else kw.get("stride", k_arg)
        ok = _bind(values, k_arg, kernel) and _bind(values, s_arg, stride)
        ok = ok and _bind(values, kw.get("padding", 0), pads)
        ok = ok and bool(g.attr(node, "ceil_mode", 0)) == bool(kw.get("ceil_mode", False))
        if layer.op is nn.AvgPool2d:
            include = bool(g.attr(node, "count_include_pad", 0))
            ok = ok and (include == bool(kw.get("count_include_pad", True)) or pads == 0)
        return ok
    return True  # ReLU, Dropout: nothing to bind


def match_table(g: Graph, table: LayerTable, nodes: list) -> Optional[tuple[dict, dict]]:
    """If `nodes` (a linear run) is `table`: (its parameter values, its weights in the table's
    state_dict keys under ``role.``); else None."""
    values: dict = {}
    weights: dict = {}
    i = 0
    prev_conv = None  # (layer, node) of a conv whose BN may have been folded into it
    folded_into: set[str] = set()
    for layer in table.layers:
        node = nodes[i] if i < len(nodes) else None
        if layer.op is nn.Dropout:  # inference graphs drop it; a training export keeps it
            if node is not None and node.op_type == "Dropout":
                i += 1
            continue
        if layer.op is nn.BatchNorm2d and (node is None or node.op_type != "BatchNormalization"):
            if prev_conv is None:
                return None
            conv_layer, conv_node = prev_conv
            info = conv_info(g, conv_node)
            if not _bind(values, layer.args[0], info["weight"].shape[0]):
                return None
            weights.update(prefixed(layer.name, identity_bn(info["bias"], info["weight"].shape[0])))
            folded_into.add(conv_layer.name)
            prev_conv = None
            continue
        if node is None or not _unify(g, layer, node, values):
            return None
        if layer.op is nn.Conv2d:
            weights[f"{layer.name}.weight"] = conv_info(g, node)["weight"]
            prev_conv = (layer, node)
        else:
            if layer.op is nn.BatchNorm2d:
                weights.update(prefixed(layer.name, bn_weights(g, node)))
            prev_conv = None
        i += 1
    if i != len(nodes):
        return None
    # a conv bias with no BN to hold it has no place in the table
    conv_layers = [x for x in table.layers if x.op is nn.Conv2d]
    for layer, node in zip(conv_layers, _convs(nodes), strict=True):
        bias = conv_info(g, node)["bias"]
        if layer.name not in folded_into and bias is not None and np.any(bias):
            return None
    return values, prefixed(table.role, weights)


def _convs(nodes: list) -> list:
    return [n for n in nodes if n.op_type == "Conv"]
