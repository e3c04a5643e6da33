"""The design as plain node / edge data, for the graph views and the DOT renderer.

`graph_data(spec)` returns ``{"title", "nodes": [...], "edges": [...]}`` — plain dicts, no UI
library. Every attention module is drawn as its module node feeding weights α into a gate node
``⊗`` on the path it multiplies (notes, first rule). Nodes carry a `group` — ``branch`` (F with
A_p, A_r), ``skip`` (P, A_s, or the lone identity) or ``main`` — that the DOT renderer draws as
side-by-side lanes; a node that cannot be computed (the add of an RA101 design) carries an
``error`` text, and a block whose attention overrides its stage's carries ``override``. A
network is drawn as its stem, one node per stage and its head; the stages
listed in ``expand`` are drawn as their blocks instead (consecutive identical blocks as one node,
see `resattn.diagrams.outline`), and every stage or block node carries its ``stage`` index (so a
view can expand or collapse it). ``graph_data(net, block="stage2_block1")`` drills into one block.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

from resattn.check import drawable_trace
from resattn.diagrams.ascii import network_block, stage_kind
from resattn.diagrams.outline import Run, block_failure, outline
from resattn.diagrams.words import attention_label, pattern_text, slot_of_symbol, slot_pattern
from resattn.i18n import _, ngettext
from resattn.loading import load_spec
from schemas import BlockSpec, NetworkSpec

#: docs/design.md §1 symbol → lane
GROUPS = {"A_p": "branch", "F": "branch", "A_r": "branch", "P": "skip", "A_s": "skip"}


def shape_label(shape: tuple[int, ...]) -> str:
    """Edge label: the tensor per sample, ``256×56×56`` (the batch is in the title)."""
    return "×".join(map(str, shape[1:]))


def graph_data(spec, *, block: Optional[str] = None, expand: Iterable[int] = ()) -> dict:
    """Nodes (id, label, kind, group, title[, stage, error]) and edges (source, target, label)."""
    spec = load_spec(spec)
    if isinstance(spec, NetworkSpec):
        if block is None:
            return _network(spec, frozenset(expand))
        spec = network_block(spec, block)
    return _block(spec)


def _node(id_: str, label: str, kind: str, group: str, title: str, **extra) -> dict:
    return {"id": id_, "label": label, "kind": kind, "group": group, "title": title, **extra}


def _edge(source: str, target: str, label: str) -> dict:
    return {"source": source, "target": target, "label": label}


def _attention_details(spec: BlockSpec, role: str) -> str:
    slot = slot_of_symbol(role)
    attn = getattr(spec.slots, slot)
    params = ", ".join(f"{k}={v}" for k, v in attn.model_dump().items() if k != "type")
    return f"{attention_label(attn)} in `{slot}` ({slot_pattern(slot)}): {params}"


def _block(spec: BlockSpec) -> dict:
    rows, failed = drawable_trace(spec)
    out_id: dict[str, str] = {}  # trace node → graph node that carries its output
    shape_of = {r.node: r.shape for r in rows}
    nodes, edges = [], []
    has_skip = any(r.role in ("P", "A_s") for r in rows)
    for r in rows:
        group = GROUPS.get(r.role, "main")
        shape = "×".join(map(str, r.shape))
        title = f"{r.path}: {r.op} → {shape}"
        extra = {"error": block_failure(spec)} if r.node in failed else {}
        if r.kind == "attention":
            gate = f"{r.node}_gate"
            details = _attention_details(spec, r.role)
            label = attention_label(getattr(spec.slots, slot_of_symbol(r.role)))
            nodes.append(_node(r.node, label, "attention", group, f"{details} → α", **extra))
            nodes.append(_node(gate, "⊗", "gate", group, f"{r.path}: z ⊙ α(z) → {shape}"))
            source = out_id[r.inputs[0]]
            edges.append(_edge(source, r.node, shape_label(shape_of[r.inputs[0]])))
            edges.append(_edge(r.node, gate, "α"))
            edges.append(_edge(source, gate, shape_label(shape_of[r.inputs[0]])))
            out_id[r.node] = gate
            continue
        label = {"input": "x", "output": "y", "add": "⊕"}.get(r.kind, r.op)
        if r.kind == "add" and not has_skip:  # the lone identity gets its own lane
            nodes.append(_node("identity", "identity x", "identity", "skip", _("x, unchanged")))
            edges.append(_edge("x", "identity", shape_label(shape_of["x"])))
            out_id["x_skip"] = "identity"
        nodes.append(_node(r.node, label, r.kind, group, title, **extra))
        for i in r.inputs:
            source = (
                out_id["x_skip"] if r.kind == "add" and i == "x" and not has_skip else out_id[i]
            )
            edges.append(_edge(source, r.node, shape_label(shape_of[i])))
        out_id[r.node] = r.node
    return {"title": f"{spec.name} (batch {spec.input.batch})", "nodes": nodes, "edges": edges}


def _run_label(run: Run) -> str:
    b = run.spec.block
    text = f"{run.span}" + (f" ({run.count} ×)" if run.count > 1 else "")
    text += f"\n{b.type} {run.spec.input.channels}→{b.out_channels}"
    text += f" /{b.stride}" if b.stride > 1 else ""
    text += "\n" + pattern_text(run.spec.slots)
    return text + ("\n" + _("override") if run.overridden else "")


def _stage_label(net: NetworkSpec, i: int) -> str:
    stage = net.stages[i]
    text = f"stage {i + 1}: {stage.depth} × {stage_kind(stage)} {stage.out_channels}"
    text += f", stride {stage.stride}" if stage.stride > 1 else ""
    text += f"\n{pattern_text(stage.slots)}"
    if stage.overrides:
        n = len(stage.overrides)
        text += "\n" + ngettext("{n} block override", "{n} block overrides", n).format(n=n)
    return text


def _network(net: NetworkSpec, expand: frozenset[int]) -> dict:
    plan = outline(net)
    inp = net.input
    size = f"{inp.channels}×{inp.height}×{inp.width}"
    nodes = [_node("x", "x", "input", "main", _("input {size}").format(size=size))]
    nodes.append(_node("stem", "stem\n" + " → ".join(plan.stem_ops), "stem", "main", _("the stem")))
    edges = [_edge("x", "stem", f"{inp.channels}×{inp.height}×{inp.width}")]
    previous, shape = "stem", plan.stem_shape
    for i in range(len(net.stages)):
        runs = plan.stage_runs(i)
        failures = [f"{r.span}: {r.failure}" for r in runs if r.failure]
        extra = {"error": "; ".join(failures)} if failures else {}
        if i not in expand:
            node_id = f"stage{i + 1}"
            tip = _("click to show its blocks")
            label = _stage_label(net, i)
            nodes.append(_node(node_id, label, "stage", "main", tip, stage=i, **extra))
            edges.append(_edge(previous, node_id, shape_label(shape)))
            previous, shape = node_id, plan.stage_shape(i)
            continue
        for run in runs:
            node_id = run.name
            tip = _("{block}: {pattern}; click to collapse the stage").format(
                block=run.name, pattern=pattern_text(run.spec.slots)
            )
            fail = {"error": run.failure} if run.failure else {}
            fail.update({"override": True} if run.overridden else {})
            nodes.append(
                _node(node_id, _run_label(run), "block", f"stage{i + 1}", tip, stage=i, **fail)
            )
            edges.append(_edge(previous, node_id, shape_label(shape)))
            previous, shape = node_id, run.shape
    nodes += [
        _node("head", "head\n" + " → ".join(plan.head_ops), "head", "main", _("the classifier")),
        _node(
            "y",
            "y",
            "output",
            "main",
            _("logits {shape}").format(shape=shape_label(plan.output_shape)),
        ),
    ]
    edges += [
        _edge(previous, "head", shape_label(shape)),
        _edge("head", "y", shape_label(plan.output_shape)),
    ]
    return {"title": f"{net.name} (batch {net.input.batch})", "nodes": nodes, "edges": edges}
