"""The ONNX graph read as data: constants, producers and consumers of every tensor.

Nothing here runs the model: the ``onnx`` package parses the protobuf, initializers and
``Constant`` nodes become numpy arrays, and the recognisers walk producers and consumers. No
custom-op library is loaded; a node of an unknown domain is just a node nobody recognises.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Optional

import numpy as np

#: ops that only pass a constant through (the exporter's de-duplicated initializers)
_CONST_PASS = frozenset({"Identity", "Cast", "Reshape", "Unsqueeze", "Squeeze"})


def node_label(node, index: int) -> str:
    """A node's name, or ``OpType#index`` when the exporter left it unnamed."""
    return node.name or f"{node.op_type}#{index}"


class Graph:
    """An ONNX graph indexed for pattern matching (read-only)."""

    def __init__(self, model) -> None:
        from onnx import numpy_helper

        graph = model.graph
        self.model = model
        self.nodes = list(graph.node)
        self.labels = {id(n): node_label(n, i) for i, n in enumerate(self.nodes)}
        self.const: dict[str, np.ndarray] = {}
        for init in graph.initializer:
            self.const[init.name] = numpy_helper.to_array(init)
        self.producer: dict[str, Any] = {}
        self.consumers: dict[str, list] = defaultdict(list)
        self.const_nodes: set[int] = set()
        for node in self.nodes:
            for out in node.output:
                self.producer[out] = node
            if node.op_type == "Constant":
                value = _constant_value(node)
                if value is not None:
                    self.const[node.output[0]] = value
                    self.const_nodes.add(id(node))
                continue
            if node.op_type in _CONST_PASS and node.input and node.input[0] in self.const:
                value = _fold(node, [self.const.get(i) for i in node.input])
                if value is not None:
                    self.const[node.output[0]] = value
                    self.const_nodes.add(id(node))
                    continue
            for name in node.input:
                if name and name not in self.const:
                    self.consumers[name].append(node)
        inits = {i.name for i in graph.initializer}
        self.inputs = [v for v in graph.input if v.name not in inits]
        self.outputs = [v.name for v in graph.output]

    # ----- small queries --------------------------------------------------------------------

    def label(self, node) -> str:
        return self.labels[id(node)]

    def of(self, name: str) -> Optional[Any]:
        """The node producing tensor `name` (None for a graph input or a constant)."""
        return None if name in self.const else self.producer.get(name)

    def uses(self, name: str) -> list:
        """The (non-constant) nodes reading tensor `name`."""
        return self.consumers.get(name, [])

    def c(self, name: str) -> Optional[np.ndarray]:
        return self.const.get(name) if name else None

    def attr(self, node, name: str, default=None):
        from onnx import helper

        for a in node.attribute:
            if a.name == name:
                value = helper.get_attribute_value(a)
                return value.decode() if isinstance(value, bytes) else value
        return default

    def opset(self) -> int:
        for imp in self.model.opset_import:
            if imp.domain in ("", "ai.onnx"):
                return imp.version
        return 0

    def axes(self, node) -> Optional[tuple[int, ...]]:
        """The axes of a Reduce* node (attribute before opset 18, input from 18 on)."""
        axes = self.attr(node, "axes")
        if axes is None and len(node.input) > 1:
            value = self.c(node.input[1])
            axes = None if value is None else value.tolist()
        return None if axes is None else tuple(int(a) for a in np.atleast_1d(axes))

    def keepdims(self, node) -> bool:
        return bool(self.attr(node, "keepdims", 1))

    def other(self, node, name: str) -> Optional[str]:
        """The other input of a binary node, given one of its inputs."""
        a, b = node.input[0], node.input[1]
        if a == name:
            return b
        return a if b == name else None

    def scalar(self, name: str) -> Optional[float]:
        value = self.c(name)
        if value is None or value.size != 1:
            return None
        return float(value.reshape(()))

    def shape(self, name: str) -> Optional[tuple]:
        """A graph input's static shape (None entries for symbolic dims)."""
        for v in self.inputs:
            if v.name == name:
                dims = v.type.tensor_type.shape.dim
                return tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)
        return None


def _constant_value(node) -> Optional[np.ndarray]:
    from onnx import helper, numpy_helper

    for a in node.attribute:
        value = helper.get_attribute_value(a)
        if a.name == "value":
            return numpy_helper.to_array(value)
        if a.name in ("value_float", "value_int"):
            return np.asarray(value)
        if a.name in ("value_floats", "value_ints"):
            return np.asarray(list(value))
    return None


def _fold(node, values) -> Optional[np.ndarray]:
    """Constant-fold the pass-through ops an exporter leaves on initializers."""
    x = values[0]
    if node.op_type == "Identity":
        return x
    if node.op_type == "Reshape" and len(values) > 1 and values[1] is not None:
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(values[1].tolist())]
        return x.reshape(shape)
    return None
