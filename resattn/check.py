"""`check(spec)`: the design linter's findings plus a per-node shape trace, without real memory.

The trace follows the block of docs/design.md §1 node by node — input ``x``, ``A_p``, every
conv / BN / activation of ``F``, ``A_r``, the projection ``P``, ``A_s``, the add ``⊕``, ``A_o``, the
post-add activation — and, for a network, the stem, every block and the head. It is computed
by tracing the real module (built on PyTorch's ``meta`` device, so no tensor holds data) with
`torch.fx`; attention modules are single nodes (their inside is drawn by the diagrams).

Before anything is built, the linter's resource rules compare the spec-only estimates of
`resattn.estimates` with their caps — the activation estimate (RA102) and the parameter count
(RA103) — so an oversized spec is answered at once with an error instead of an out-of-memory.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Optional

import torch
from torch import fx, nn

from resattn.attention import kinds
from resattn.estimates import ELEMENT_BYTES, estimate_activation_bytes
from resattn.fusion import BLOCK_MODULES
from resattn.lint import lint
from resattn.loading import load_spec
from schemas import (
    ATTENTION_LABELS,
    BlockSpec,
    Diagnostic,
    NetworkSpec,
    canonical_json,
)

#: attention module class → spec `type` (from the kind records)
ATTENTION_KIND = {kind.module: kind.type for kind in kinds()}

ATTENTION_TYPES = tuple(ATTENTION_KIND)

#: function called in a traced forward → (kind, label)
FUNCTIONS = {operator.add: ("add", "⊕ add"), torch.flatten: ("reshape", "flatten")}

#: block attribute → the symbol of docs/design.md §1 it stands for
ROLES = {
    **dict(BLOCK_MODULES),
    "act": "act",
    "stem": "stem",
    "final_norm": "head",
    "final_act": "head",
    "pool": "head",
    "fc": "head",
}


@dataclass(frozen=True)
class ShapeRow:
    """One node of the trace: the tensor a layer (or the add) produces.

    `node` is a unique id, `path` the readable module path (``stage1_block1/branch.conv1`` in a
    network), `kind` one of input / conv / norm / act / dropout / pool / linear / attention /
    add / reshape, `role` the docs/design.md §1 symbol (x, A_p, F, A_r, P, A_s, ⊕, A_o, act, stem,
    head, y), `op` a short description, `inputs` the ids of the nodes it reads.
    """

    node: str
    path: str
    kind: str
    role: str
    op: str
    shape: tuple[int, ...]
    inputs: tuple[str, ...] = ()

    @property
    def bytes(self) -> int:
        return math.prod(self.shape) * ELEMENT_BYTES

    @property
    def block(self) -> str:
        """The network block (``stage1_block1``), ``stem``, ``head``, or "" for a block spec."""
        return self.path.split("/", 1)[0] if "/" in self.path else ""

    def to_json(self) -> dict:
        data = asdict(self)
        data.update(shape=list(self.shape), inputs=list(self.inputs), bytes=self.bytes)
        return data


@dataclass(frozen=True)
class CheckReport:
    """What `check` found: diagnostics (errors first), the shape trace, activation estimate.

    `activation_bytes` is the analytic estimate of every feature map one forward pass produces
    (float32, the whole batch) — what a training step keeps for the backward pass and an upper
    bound for inference. `shapes` is empty when the design has errors (it cannot be built).
    """

    diagnostics: list[Diagnostic]
    shapes: list[ShapeRow] = field(default_factory=list)
    activation_bytes: int = 0
    output_shape: Optional[tuple[int, ...]] = None

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "diagnostics": [d.model_dump() for d in self.diagnostics],
            "shapes": [row.to_json() for row in self.shapes],
            "activation_bytes": self.activation_bytes,
            "output_shape": list(self.output_shape) if self.output_shape else None,
        }


def check(spec) -> CheckReport:
    """Lint the design and, when it has no errors, trace every node's output shape on `meta`."""
    spec = load_spec(spec)
    diagnostics = lint(spec)
    estimate = estimate_activation_bytes(spec)
    if any(d.severity == "error" for d in diagnostics):
        return CheckReport(diagnostics, [], estimate)
    rows = trace(spec)
    return CheckReport(diagnostics, list(rows), estimate, rows[-1].shape)


def trace(spec) -> tuple[ShapeRow, ...]:
    """The shape trace of a lint-clean spec (cached by its canonical JSON)."""
    spec = load_spec(spec)
    key = canonical_json(spec)
    rows = _TRACES.get(key)
    if rows is None:
        if len(_TRACES) >= _TRACE_CACHE_SIZE:
            _TRACES.pop(next(iter(_TRACES)))
        rows = _TRACES[key] = _trace_uncached(spec)
    return rows


_TRACE_CACHE_SIZE = 64
_TRACES: dict[str, tuple[ShapeRow, ...]] = {}


def clear_trace_cache() -> None:
    """Forget every cached trace (benchmarks use it to time a design seen for the first time)."""
    _TRACES.clear()


def _trace_uncached(spec) -> tuple[ShapeRow, ...]:
    from resattn.fusion import build_block
    from resattn.networks import build_network

    builder = build_block if isinstance(spec, BlockSpec) else build_network
    with torch.device("meta"):
        model = builder(spec).eval()
    inp = spec.input
    x = torch.empty(inp.batch, inp.channels, inp.height, inp.width, device="meta")
    return tuple(_trace_module(model, x, network=isinstance(spec, NetworkSpec)))


class _Tracer(fx.Tracer):
    """Treat attention modules as single nodes: their gates are drawn, not traced."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return isinstance(m, ATTENTION_TYPES) or super().is_leaf_module(m, qualname)


def _trace_module(model: nn.Module, x: torch.Tensor, network: bool) -> Iterator[ShapeRow]:
    graph = _Tracer().trace(model)
    gm = fx.GraphModule(model, graph)
    shapes: dict[str, tuple[int, ...]] = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n):
            result = super().run_node(n)
            if isinstance(result, torch.Tensor):
                shapes[n.name] = tuple(result.shape)
            return result

    Recorder(gm).run(x)
    modules = dict(model.named_modules())
    block_of: dict[str, str] = {}  # fx node → the network block it belongs to
    for n in graph.nodes:
        if n.op == "output":
            src = n.args[0].name
            yield ShapeRow("y", "y", "output", "y", "output", shapes[src], (src,))
            continue
        inputs = tuple(a.name for a in n.all_input_nodes)
        if n.op == "placeholder":
            yield ShapeRow("x", "x", "input", "x", "input", shapes[n.name])
            continue
        if n.op == "call_module":
            module = modules[n.target]
            path, attr = _readable(n.target, network)
            kind, op = describe(module)
            block_of[n.name] = path.split("/", 1)[0]
        else:  # call_function / call_method: the add, or a flatten in the head
            kind, op = FUNCTIONS[n.target]
            owner = next((block_of[a] for a in inputs if a in block_of), "")
            block_of[n.name] = owner
            attr = op.split()[-1]
            path = f"{owner}/{attr}" if network and owner else attr
        role = "⊕" if kind == "add" else ROLES.get(attr.split(".", 1)[0], "")
        yield ShapeRow(n.name, path, kind, role, op, shapes[n.name], inputs)


def _readable(target: str, network: bool) -> tuple[str, str]:
    """``stages.1.0.branch.conv1`` → (``stage2_block1/branch.conv1``, ``branch.conv1``)."""
    if not network:
        return target, target
    parts = target.split(".")
    if parts[0] == "stages" and len(parts) > 3:
        attr = ".".join(parts[3:])
        return f"stage{int(parts[1]) + 1}_block{int(parts[2]) + 1}/{attr}", attr
    if parts[0] == "stem":
        return f"stem/{'.'.join(parts[1:])}", "stem"
    return f"head/{target}", parts[0]


def _size(value) -> str:
    a, b = (value, value) if isinstance(value, int) else value[:2] if len(value) > 1 else value * 2
    return f"{a}×{b}"


def _conv(m: nn.Conv2d) -> str:
    text = f"conv{_size(m.kernel_size)}"
    if m.stride[0] != 1:
        text += f"/{m.stride[0]}"
    if m.groups != 1:
        text += f" g{m.groups}"
    return f"{text} {m.in_channels}→{m.out_channels}"


def _pool(m: nn.Module) -> str:
    if isinstance(m, nn.AdaptiveAvgPool2d):
        return "global avg-pool"
    name = "max-pool" if isinstance(m, nn.MaxPool2d) else "avg-pool"
    stride = m.stride if isinstance(m.stride, int) else m.stride[0]
    return f"{name} {_size(m.kernel_size)}/{stride}"


#: module class → (kind, describe(module))
DESCRIBE = {
    nn.Conv2d: ("conv", _conv),
    nn.BatchNorm2d: ("norm", lambda m: "BN"),
    nn.ReLU: ("act", lambda m: "ReLU"),
    nn.Dropout: ("dropout", lambda m: f"dropout p={m.p:g}"),
    nn.MaxPool2d: ("pool", _pool),
    nn.AvgPool2d: ("pool", _pool),
    nn.AdaptiveAvgPool2d: ("pool", _pool),
    nn.Linear: ("linear", lambda m: f"fc {m.in_features}→{m.out_features}"),
}


def describe(module: nn.Module) -> tuple[str, str]:
    """(kind, short label) of a traced module, e.g. ("conv", "conv3×3/2 64→128")."""
    if isinstance(module, ATTENTION_TYPES):
        return "attention", attention_label(module)
    kind, label = DESCRIBE[type(module)]
    return kind, label(module)


def attention_label(module: nn.Module) -> str:
    """The kind's short label (``SE``, ``ECA``, ``CBAM``, ``CA`` …)."""
    return ATTENTION_LABELS[ATTENTION_KIND[type(module)]]


__all__ = ["CheckReport", "ShapeRow", "check", "estimate_activation_bytes", "trace"]
