"""`check(spec)`: the design linter's findings plus a per-node shape trace, without real memory.

The trace follows the block of DESIGN §1 node by node — input ``x``, ``A_p``, every conv / BN /
activation of ``F``, ``A_r``, the projection ``P``, ``A_s``, the add ``⊕``, ``A_o``, the
post-add activation — and, for a network, the stem, every block and the head. It is computed
by tracing the real module (built on PyTorch's ``meta`` device, so no tensor holds data) with
`torch.fx`; attention modules are single nodes (their inside is drawn by the diagrams).

Before anything is built, the linter's resource rules compare *analytic* figures with their
caps — the activation estimate (`estimate_activation_bytes`, RA102) and the parameter count
(`resattn.counting.analytic_params`, RA103) — so an oversized spec is answered at once with an
error instead of an out-of-memory.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Optional

import torch
from torch import fx, nn

from resattn.attention import CBAM, CoordAttention, EfficientChannelAttention, SqueezeExcite
from resattn.blocks import resolve_shortcut
from resattn.lint import lint
from resattn.loading import load_spec
from resattn.shapes import block_out_hw, stem_out_hw
from schemas import (
    ATTENTION_LABELS,
    BlockSpec,
    Diagnostic,
    NetworkSpec,
    bottleneck_width,
    canonical_json,
)

#: Bytes per element of every feature map (the engine computes in float32).
ELEMENT_BYTES = 4

ATTENTION_TYPES = (SqueezeExcite, EfficientChannelAttention, CBAM, CoordAttention)

#: attention module class → spec `type`
ATTENTION_KIND = {
    SqueezeExcite: "se",
    EfficientChannelAttention: "eca",
    CBAM: "cbam",
    CoordAttention: "coord",
}

#: function called in a traced forward → (kind, label)
FUNCTIONS = {operator.add: ("add", "⊕ add"), torch.flatten: ("reshape", "flatten")}

#: block attribute → the symbol of DESIGN §1 it stands for
ROLES = {
    "attn_pre": "A_p",
    "branch": "F",
    "attn_branch": "A_r",
    "shortcut": "P",
    "attn_skip": "A_s",
    "attn_post": "A_o",
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
    add / reshape, `role` the DESIGN §1 symbol (x, A_p, F, A_r, P, A_s, ⊕, A_o, act, stem,
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
_DRAWABLE: dict[str, tuple[tuple[ShapeRow, ...], frozenset[str]]] = {}


def drawable_trace(spec) -> tuple[tuple[ShapeRow, ...], frozenset[str]]:
    """The shape trace of any valid spec, linter errors included, and the nodes that fail.

    A node that cannot run — the add ``x + F(x)`` of an identity shortcut whose shapes differ
    (RA101), or a skip gate built for channels the identity does not carry — is kept in the
    trace with the shape of its first input (the branch, for the add) and its id returned, so a
    diagram can draw the design and mark what fails. Cached like `trace`.
    """
    spec = load_spec(spec)
    key = canonical_json(spec)
    found = _DRAWABLE.get(key)
    if found is None:
        if len(_DRAWABLE) >= _TRACE_CACHE_SIZE:
            _DRAWABLE.pop(next(iter(_DRAWABLE)))
        failed: set[str] = set()
        rows = _trace_uncached(spec, failed)
        found = _DRAWABLE[key] = (rows, frozenset(failed))
    return found


def clear_trace_cache() -> None:
    """Forget every cached trace (benchmarks use it to time a design seen for the first time)."""
    _TRACES.clear()
    _DRAWABLE.clear()


def _trace_uncached(spec, failed: Optional[set[str]] = None) -> tuple[ShapeRow, ...]:
    from resattn.fusion import build_block
    from resattn.networks import build_network

    builder = build_block if isinstance(spec, BlockSpec) else build_network
    with torch.device("meta"):
        model = builder(spec).eval()
    inp = spec.input
    x = torch.empty(inp.batch, inp.channels, inp.height, inp.width, device="meta")
    return tuple(_trace_module(model, x, isinstance(spec, NetworkSpec), failed))


class _Tracer(fx.Tracer):
    """Treat attention modules as single nodes: their gates are drawn, not traced."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return isinstance(m, ATTENTION_TYPES) or super().is_leaf_module(m, qualname)


def _trace_module(
    model: nn.Module, x: torch.Tensor, network: bool, failed: Optional[set[str]] = None
) -> Iterator[ShapeRow]:
    graph = _Tracer().trace(model)
    gm = fx.GraphModule(model, graph)
    shapes: dict[str, tuple[int, ...]] = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n):
            try:
                result = super().run_node(n)
            except RuntimeError:
                if failed is None:
                    raise
                failed.add(n.name)  # keep drawing: the first input passes through
                result = self.env[n.all_input_nodes[0]]
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
    """``SE``, ``ECA``, ``CBAM`` or ``CA`` (Coordinate Attention)."""
    return ATTENTION_LABELS[ATTENTION_KIND[type(module)]]


# --- the analytic activation estimate (no module, no tensor) ---------------------------------


def _branch_maps(spec: BlockSpec) -> list[tuple[int, int, int]]:
    """(channels, height, width) of every feature map the branch F produces, in order."""
    b = spec.block
    c_in, h, w = spec.input.channels, spec.input.height, spec.input.width
    ho, wo = block_out_hw(h, w, b.stride)
    out = (b.out_channels, ho, wo)
    pre = [(c_in, h, w)] * 2 if b.preact else []  # BN → ReLU before the first conv
    if b.type == "basic":  # [BN ReLU] conv1 BN ReLU [drop] conv2 [BN]
        mid = [out] * (3 + (b.dropout > 0))
        return pre + mid + [out] * (1 if b.preact else 2)
    width = bottleneck_width(b)
    reduce = [(width, h, w)] * 3  # conv1 BN ReLU
    spatial = [(width, ho, wo)] * (3 + (b.dropout > 0))  # conv2 BN ReLU [drop]
    return pre + reduce + spatial + [out] * (1 if b.preact else 2)


def _block_maps(spec: BlockSpec) -> list[tuple[int, int, int]]:
    """Every feature map of one block after its input: A_p, F, P, A_s, A_r, ⊕, A_o, act."""
    from resattn.fusion import post_activation

    b, slots = spec.block, spec.slots
    c_in, h, w = spec.input.channels, spec.input.height, spec.input.width
    out = (b.out_channels, *block_out_hw(h, w, b.stride))
    maps = [(c_in, h, w)] if slots.pre_residual is not None else []
    maps += _branch_maps(spec)
    shortcut = resolve_shortcut(spec.shortcut, c_in, b.out_channels, b.stride)
    if shortcut != "identity":
        if shortcut == "avgpool_conv1x1" and b.stride > 1:
            maps.append((c_in, *block_out_hw(h, w, b.stride)))
        maps += [out] * (1 if b.preact else 2)
    maps += [out] * (slots.skip is not None)
    maps += [out] * (slots.branch is not None)
    maps.append(out)  # the add
    maps += [out] * (slots.post_add is not None)
    maps += [out] * post_activation(spec)
    return maps


def _network_maps(net: NetworkSpec) -> Iterator[tuple[int, ...]]:
    from resattn.networks import expand_blocks

    c = net.stem.out_channels
    h, w = net.input.height, net.input.width
    if net.stem.type == "imagenet":
        h2, w2 = (h + 1) // 2, (w + 1) // 2  # 7×7/2, padding 3
        yield from [(c, h2, w2)] * 3
        yield (c, *stem_out_hw("imagenet", h, w))
    else:
        yield from [(c, h, w)] * 3
    for blk in expand_blocks(net):
        yield from _block_maps(blk.spec)
    last = net.stages[-1]
    if last.block.preact:
        yield from [(last.out_channels, *_final_hw(net))] * 2
    yield (last.out_channels, 1, 1)
    yield (last.out_channels,)
    yield (net.num_classes,)


def _final_hw(net: NetworkSpec) -> tuple[int, int]:
    h, w = stem_out_hw(net.stem.type, net.input.height, net.input.width)
    for stage in net.stages:
        h, w = block_out_hw(h, w, stage.stride)
    return h, w


def estimate_activation_bytes(spec) -> int:
    """Bytes of every feature map one forward pass produces, input included (float32 × batch).

    Computed from the spec alone — no module is built — so the resource rule answers at once.
    It equals the sum of the shape trace's tensors (a test holds the two together).
    """
    inp = spec.input
    maps = _block_maps(spec) if isinstance(spec, BlockSpec) else list(_network_maps(spec))
    elements = inp.channels * inp.height * inp.width + sum(math.prod(m) for m in maps)
    return elements * inp.batch * ELEMENT_BYTES
