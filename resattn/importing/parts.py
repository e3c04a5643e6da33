"""Pieces every recogniser uses: findings, attention matches, gates and conv/BN weights.

Folded BatchNorm (an exporter merges an inference BN into the conv before it, leaving a conv
with a bias) is unfolded exactly: the conv keeps the folded weight, the BN gets identity
statistics (mean 0, variance 1 − ε, γ = 1) and the folded bias as β, so BN(conv(x)) equals the
folded conv to float rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

import numpy as np

from resattn.i18n import N_, _
from resattn.i18n.text import Text
from resattn.importing.graph import Graph

#: BatchNorm2d's default ε: the value every built BN uses
BN_EPS = 1e-5

Effect = Literal["dropped", "replaced", "blocking", "note"]


@dataclass(frozen=True)
class Finding:
    """One entry of the fit report: a part of the model and what became of it.

    `effect`: ``dropped`` (left out of the design), ``replaced`` (the design has the nearest
    spec v1 part instead), ``blocking`` (no design could be made because of it) or ``note``
    (nothing lost; something the reader should know). `nodes` are the ONNX node names.

    `reason` is English (the JSON's); made with `Finding.of`, the finding keeps it as a catalog
    message too, and ``str(finding)`` reads in the current language.
    """

    part: str
    reason: str
    effect: Effect = "dropped"
    nodes: tuple[str, ...] = ()
    text: Optional[Text] = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, part: str, reason: Text, effect: Effect = "dropped", nodes=()) -> Finding:
        return cls(part, reason.english(), effect, tuple(nodes), reason)

    def to_dict(self) -> dict:
        return {
            "part": self.part,
            "reason": self.reason,
            "effect": self.effect,
            "nodes": list(self.nodes),
        }

    def __str__(self) -> str:
        """``dropped: block 2: … [node names]``, in the current language."""
        nodes = f" [{', '.join(self.nodes[:6])}{' …' if len(self.nodes) > 6 else ''}]"
        reason = self.text if self.text is not None else Text.of(self.reason)
        return _(EFFECT_LINES[self.effect]).format(
            part=self.part, reason=reason, nodes=nodes if self.nodes else ""
        )


#: A fit-report line per effect (the effect word is translated with it).
EFFECT_LINES = {
    "dropped": N_("dropped: {part}: {reason}{nodes}"),
    "replaced": N_("replaced: {part}: {reason}{nodes}"),
    "blocking": N_("blocking: {part}: {reason}{nodes}"),
    "note": N_("note: {part}: {reason}{nodes}"),
}


class NoFit(Exception):
    """A part of the graph cannot be a spec v1 part; carries the finding that says why."""

    def __init__(self, finding: Finding):
        super().__init__(str(finding))
        self.finding = finding


@dataclass
class AttentionMatch:
    """An attention gate found on a feature: its kind, the sizes read from its weights, its
    gate function and scale (2 = the identity-start gate of the skip slot), its weights in the
    module's own state_dict keys, the nodes it covers and the tensor it outputs."""

    kind: str
    measured: dict
    gate: str
    scale: float
    weights: dict[str, np.ndarray]
    nodes: list = field(default_factory=list)
    output: str = ""


@dataclass
class Squash:
    """A gate function: `score` → gate(score) × `scale`."""

    kind: str
    scale: float
    score: str
    nodes: list


def squash(g: Graph, name: str) -> Optional[Squash]:
    """Read ``gate(score) [× 2]`` ending at tensor `name` (sigmoid or ReLU6(x+3)/6)."""
    node = g.of(name)
    nodes = []
    scale = 1.0
    if node is not None and node.op_type == "Mul":
        for i in (0, 1):
            k = g.scalar(node.input[i])
            if k is not None:
                scale, nodes = k, [node]
                node = g.of(node.input[1 - i])
                break
    if node is None:
        return None
    if node.op_type == "Sigmoid":
        return Squash("sigmoid", scale, node.input[0], [*nodes, node])
    if node.op_type == "HardSigmoid":
        alpha, beta = g.attr(node, "alpha", 0.2), g.attr(node, "beta", 0.5)
        if abs(alpha - 1 / 6) < 1e-6 and abs(beta - 0.5) < 1e-6:
            return Squash("hard_sigmoid", scale, node.input[0], [*nodes, node])
    return None


def conv_info(g: Graph, node) -> dict:
    """A Conv node's weight, bias (None when absent) and attributes."""
    weight = g.c(node.input[1])
    bias = g.c(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    kernel = tuple(g.attr(node, "kernel_shape", weight.shape[2:] if weight is not None else ()))
    rank = len(kernel)
    return {
        "weight": weight,
        "bias": bias,
        "kernel": kernel,
        "stride": tuple(g.attr(node, "strides", [1] * rank)),
        "pads": tuple(g.attr(node, "pads", [0] * 2 * rank)),
        "dilations": tuple(g.attr(node, "dilations", [1] * rank)),
        "group": int(g.attr(node, "group", 1)),
        "auto_pad": g.attr(node, "auto_pad", "NOTSET"),
    }


def bn_weights(g: Graph, node) -> dict[str, np.ndarray]:
    """An explicit BatchNormalization node's parameters as BatchNorm2d state (ε moved into the
    variance so the default ε gives the same result)."""
    scale, bias, mean, var = (g.c(n) for n in node.input[1:5])
    eps = float(g.attr(node, "epsilon", 1e-5))
    return bn_state(scale, bias, mean, var + (eps - BN_EPS))


def identity_bn(bias: Optional[np.ndarray], channels: int) -> dict[str, np.ndarray]:
    """The BN a folded conv gave up, as identity statistics with the folded bias as β."""
    beta = np.zeros(channels, np.float32) if bias is None else bias
    return bn_state(
        np.ones(channels, np.float32),
        beta,
        np.zeros(channels, np.float32),
        np.full(channels, 1.0 - BN_EPS, np.float32),
    )


def bn_state(scale, bias, mean, var) -> dict[str, np.ndarray]:
    return {
        "weight": np.asarray(scale, np.float32),
        "bias": np.asarray(bias, np.float32),
        "running_mean": np.asarray(mean, np.float32),
        "running_var": np.asarray(var, np.float32),
        "num_batches_tracked": np.asarray(0, np.int64),
    }


def prefixed(prefix: str, weights: dict) -> dict:
    return {f"{prefix}.{k}": v for k, v in weights.items()}


def through(g: Graph, name: str, ops: frozenset) -> tuple[str, list]:
    """Walk up from tensor `name` through the given shape-only ops; the tensor reached and the
    nodes passed."""
    nodes = []
    node = g.of(name)
    while node is not None and node.op_type in ops:
        nodes.append(node)
        name = node.input[0]
        node = g.of(name)
    return name, nodes


RESHAPES = frozenset({"Reshape", "Unsqueeze", "Squeeze", "Flatten", "View"})


def global_mean(g: Graph, name: str, keep: Optional[bool] = None):
    """If tensor `name` is the mean over H and W of some feature: (feature, nodes)."""
    node = g.of(name)
    if node is None:
        return None
    if node.op_type == "GlobalAveragePool" and keep in (None, True):
        return node.input[0], [node]
    if node.op_type == "ReduceMean" and g.axes(node) in ((2, 3), (-2, -1)):
        if keep is None or g.keepdims(node) == keep:
            return node.input[0], [node]
    return None
