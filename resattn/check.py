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
from resattn.shapes import conv_out
from schemas import (
    ATTENTION_LABELS,
    BlockSpec,
    Diagnostic,
    NetworkSpec,
    design_key,
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
    """The shape trace of a lint-clean spec (cached by its JSON without the name: renaming a
    design does not redo the work)."""
    return _cached(_TRACES, load_spec(spec), _trace_uncached)


def _cached(cache: dict, spec, make):
    """`make(spec)`, cached in `cache` by the spec's JSON without the name (renaming redoes
    nothing); the oldest entry goes first once the cache is full."""
    key = design_key(spec)
    found = cache.get(key)
    if found is None:
        if len(cache) >= _TRACE_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        found = cache[key] = make(spec)
    return found


_TRACE_CACHE_SIZE = 64
_TRACES: dict[str, tuple[ShapeRow, ...]] = {}
_DRAWABLE: dict[str, tuple[tuple[ShapeRow, ...], frozenset[str]]] = {}


def drawable_trace(spec) -> tuple[tuple[ShapeRow, ...], frozenset[str]]:
    """The shape trace of any valid spec, linter errors included, and the nodes that fail.

    A node that cannot run — the add ``x + F(x)`` of an identity shortcut whose shapes differ
    (RA101), or a skip gate built for channels the identity does not carry — is kept in the
    trace with the shape of its first input (the branch, for the add) and its id returned, so a
    diagram can draw the design and mark what fails. Cached like `trace`.
    """

    def make(spec):
        failed: set[str] = set()
        rows = _trace_uncached(spec, failed)
        return rows, frozenset(failed)

    return _cached(_DRAWABLE, load_spec(spec), make)


def clear_trace_cache() -> None:
    """Forget every cached trace (benchmarks use it to time a design seen for the first time)."""
    _TRACES.clear()
    _DRAWABLE.clear()


def _trace_uncached(spec, failed: Optional[set[str]] = None) -> tuple[ShapeRow, ...]:
    """A block is traced as built. In a network, a block that is the same design as the one
    before it (same fields, attention and input shape; only the name differs — every block of a
    stage after the first, unless an override changes its attention) is a copy: the network is
    traced with only its distinct blocks kept and the copies are written back from the rows of
    the block they copy. The work is linear in the distinct blocks, and the rows are those of
    the full trace (a test holds the two equal). With `failed`, the nodes that cannot run are
    collected in it (see `drawable_trace`)."""
    if isinstance(spec, BlockSpec):
        return _traced(spec, failed)
    cut, groups = _distinct_blocks(spec)
    cut_failed: set[str] = set()
    rows = _traced(cut, cut_failed)
    out = tuple(_expand_copies(rows, groups, cut_failed, failed))
    if failed is None and cut_failed:
        raise RuntimeError(f"the design cannot run: {sorted(cut_failed)[0]} fails")
    return out


def _distinct_blocks(net: NetworkSpec) -> tuple[NetworkSpec, dict[str, list[int]]]:
    """The network with each stage cut to its distinct blocks, and for each kept block
    (``stage2_block3`` in the cut network) the 1-based indices of the original blocks it
    stands for (itself and the copies that follow it)."""
    stages, groups = [], {}
    for i, stage in enumerate(net.stages):
        kept: list[int] = []  # original indices of the kept blocks
        for j in range(1, stage.depth + 1):
            if stage.repeats_previous(j):
                groups[f"stage{i + 1}_block{len(kept)}"].append(j)
            else:
                kept.append(j)
                groups[f"stage{i + 1}_block{len(kept)}"] = [j]
        overrides = [
            o.model_copy(update={"index": kept.index(o.index) + 1})
            for o in stage.overrides
            if o.index in kept
        ]
        stages.append(stage.model_copy(update={"depth": len(kept), "overrides": overrides}))
    return net.model_copy(update={"stages": stages}), groups


def _traced(spec, failed: Optional[set[str]] = None) -> tuple[ShapeRow, ...]:
    """The fx trace of the module `spec` builds on the ``meta`` device (no data)."""
    from resattn.fusion import build_block
    from resattn.networks import build_network

    builder = build_block if isinstance(spec, BlockSpec) else build_network
    with torch.device("meta"):
        model = builder(spec).eval()
    inp = spec.input
    x = torch.empty(inp.batch, inp.channels, inp.height, inp.width, device="meta")
    return tuple(_trace_module(model, x, isinstance(spec, NetworkSpec), failed))


def _expand_copies(
    rows: tuple[ShapeRow, ...],
    groups: dict[str, list[int]],
    cut_failed: set[str],
    failed: Optional[set[str]],
) -> Iterator[ShapeRow]:
    """The rows of the full network from those of its cut (`_distinct_blocks`): every kept block
    written out once per original block it stands for, ids and paths renamed to the original
    index, each block reading the one before it, the adds numbered as fx numbers them."""
    segments: list[tuple[str, list[ShapeRow]]] = []
    for row in rows:
        if segments and segments[-1][0] == row.block and row.block:
            segments[-1][1].append(row)
        else:
            segments.append((row.block, [row]))
    alias: dict[str, str] = {}  # id in the cut trace → id of its latest copy
    adds = 0
    last = ""
    for block, seg in segments:
        if block not in groups:  # x, the stem, the head, y
            for row in seg:
                inputs = tuple(alias.get(i, i) for i in row.inputs)
                yield ShapeRow(row.node, row.path, row.kind, row.role, row.op, row.shape, inputs)
                last = row.node
            continue
        stage, cut_index = (int(v) for v in block[len("stage") :].split("_block"))
        for index in groups[block]:
            local: dict[str, str] = {}
            block_input = last  # what a block reads from outside itself: the block before it
            prefix = f"stages_{stage - 1}_{cut_index - 1}_"
            for row in seg:
                if row.kind == "add":
                    node = "add" if adds == 0 else f"add_{adds}"
                    adds += 1
                else:
                    node = row.node.replace(prefix, f"stages_{stage - 1}_{index - 1}_", 1)
                path = f"stage{stage}_block{index}/{row.path.split('/', 1)[1]}"
                inputs = tuple(local.get(i, block_input) for i in row.inputs)
                local[row.node] = node
                if row.node in cut_failed and failed is not None:
                    failed.add(node)
                yield ShapeRow(node, path, row.kind, row.role, row.op, row.shape, inputs)
                last = node
            alias.update(local)


class _Tracer(fx.Tracer):
    """Treat attention modules as single nodes: their gates are drawn, not traced."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return isinstance(m, ATTENTION_TYPES) or super().is_leaf_module(m, qualname)


def _trace_module(
    model: nn.Module, x: torch.Tensor, network: bool, failed: Optional[set[str]] = None
) -> Iterator[ShapeRow]:
    """Rows of `model`'s fx graph (symbolic: nothing runs), each node's shape propagated from
    `x`'s by `_node_shape` — the layers' own size rules, so no kernel runs, not even on
    ``meta`` (a test holds the shapes equal to a run on ``meta``), save where `_fails` must ask
    an attention module whether it fits. A node whose inputs do not fit it (an add of two
    shapes, an attention built for other channels) is added to `failed` and passes its first
    input's shape on; without `failed` it raises `RuntimeError`."""
    graph = _Tracer().trace(model)
    modules = dict(model.named_modules())
    shapes: dict[str, tuple[int, ...]] = {}
    for n in graph.nodes:
        if n.op == "placeholder":
            shapes[n.name] = tuple(x.shape)
        elif n.op != "output":
            ins = [shapes[a.name] for a in n.all_input_nodes]
            target = modules[n.target] if n.op == "call_module" else n.target
            if _fails(target, ins):
                if failed is None:
                    raise RuntimeError(f"{n.name} cannot run on inputs of shapes {ins}")
                failed.add(n.name)
                shapes[n.name] = ins[0]
            else:
                shapes[n.name] = _node_shape(target, ins)
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


def _node_shape(target, inputs: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The shape a traced node outputs for inputs of these shapes (lint-clean designs: the add's
    operands agree)."""
    x = inputs[0]
    if isinstance(target, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
        k, stride, pad = (_pair(getattr(target, a)) for a in ("kernel_size", "stride", "padding"))
        ceil = getattr(target, "ceil_mode", False)
        c = target.out_channels if isinstance(target, nn.Conv2d) else x[1]
        h, w = (conv_out(x[2 + i], k[i], stride[i], pad[i], ceil) for i in range(2))
        return (x[0], c, h, w)
    if isinstance(target, nn.AdaptiveAvgPool2d):
        return (x[0], x[1], 1, 1)
    if isinstance(target, nn.Linear):
        return (*x[:-1], target.out_features)
    if target is torch.flatten:
        return (x[0], math.prod(x[1:]))
    return x  # BN, ReLU, dropout, attention (a gate keeps its input's shape), the add


def _fails(target, inputs: list[tuple[int, ...]]) -> bool:
    """Whether a node cannot run on inputs of these shapes: an add of two different shapes
    (RA101), or a module whose first conv expects other channels than it is given. An
    attention module whose first conv disagrees may still run: its convs may see pooled maps
    of a fixed width rather than the feature (a gate that fits any C), so it alone is asked,
    by one forward on an empty tensor of its parameters' device (``meta`` in `check`)."""
    if target is operator.add:
        return inputs[0] != inputs[1]
    if isinstance(target, nn.Module):
        conv = next((m for m in target.modules() if isinstance(m, nn.Conv2d)), None)
        if conv is None or conv.in_channels == inputs[0][1]:
            return False
        return not isinstance(target, ATTENTION_TYPES) or not _runs(target, inputs[0])
    return False


def _runs(module: nn.Module, shape: tuple[int, ...]) -> bool:
    """Whether `module` runs on an input of `shape` (on its parameters' device, no data)."""
    device = next(module.parameters()).device
    try:
        with torch.no_grad():
            module(torch.empty(shape, device=device))
    except RuntimeError:
        return False
    return True


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


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
