"""The design as plain node / edge data, for interactive graph views and for the DOT renderer.

`graph_data(spec)` returns ``{"title", "nodes": [...], "edges": [...]}`` — plain dicts, no UI
library: the studio turns them into ``streamlit-agraph`` objects. Every attention module is
drawn as its module node feeding weights α into a gate node ``⊗`` on the path it multiplies
(notes, first rule). Nodes carry a `group` — ``branch`` (F with A_p, A_r), ``skip`` (P, A_s)
or ``main`` — that the DOT renderer draws as clusters; a network's blocks are grouped by
stage, and ``graph_data(net, block="stage2_block1")`` drills into one block.
"""

from __future__ import annotations

from typing import Optional

from resattn.check import ShapeRow, trace
from resattn.diagrams.ascii import network_block
from resattn.loading import load_spec
from schemas import ATTENTION_LABELS, SLOT_PATTERNS, BlockSpec, NetworkSpec

#: docs/design.md §1 symbol → lane
GROUPS = {"A_p": "branch", "F": "branch", "A_r": "branch", "P": "skip", "A_s": "skip"}


def shape_label(shape: tuple[int, ...]) -> str:
    """Edge label: the tensor per sample, ``256×56×56`` (the batch is in the title)."""
    return "×".join(map(str, shape[1:]))


def graph_data(spec, *, block: Optional[str] = None) -> dict:
    """Nodes (id, label, kind, group, title) and edges (source, target, label) of a design."""
    spec = load_spec(spec)
    if isinstance(spec, NetworkSpec):
        if block is None:
            return _network(spec)
        spec = network_block(spec, block)
    return _block(spec)


def _node(id_: str, label: str, kind: str, group: str, title: str) -> dict:
    return {"id": id_, "label": label, "kind": kind, "group": group, "title": title}


def _edge(source: str, target: str, label: str) -> dict:
    return {"source": source, "target": target, "label": label}


def _attention_details(spec: BlockSpec, role: str) -> str:
    slot = {"A_p": "pre_residual", "A_r": "branch", "A_s": "skip", "A_o": "post_add"}[role]
    attn = getattr(spec.slots, slot)
    params = ", ".join(f"{k}={v}" for k, v in attn.model_dump().items() if k != "type")
    return f"{ATTENTION_LABELS[attn.type]} in `{slot}` ({SLOT_PATTERNS[slot]}): {params}"


def _block(spec: BlockSpec) -> dict:
    rows = trace(spec)
    out_id: dict[str, str] = {}  # trace node → graph node that carries its output
    shape_of = {r.node: r.shape for r in rows}
    nodes, edges = [], []
    for r in rows:
        group = GROUPS.get(r.role, "main")
        shape = "×".join(map(str, r.shape))
        title = f"{r.path}: {r.op} → {shape}"
        if r.kind == "attention":
            gate = f"{r.node}_gate"
            details = _attention_details(spec, r.role)
            nodes.append(_node(r.node, r.op, "attention", group, f"{details} → α"))
            nodes.append(_node(gate, "⊗", "gate", group, f"{r.path}: z ⊙ α(z) → {shape}"))
            source = out_id[r.inputs[0]]
            edges.append(_edge(source, r.node, shape_label(shape_of[r.inputs[0]])))
            edges.append(_edge(r.node, gate, "α"))
            edges.append(_edge(source, gate, shape_label(shape_of[r.inputs[0]])))
            out_id[r.node] = gate
            continue
        label = {"input": "x", "output": "y", "add": "⊕"}.get(r.kind, r.op)
        nodes.append(_node(r.node, label, r.kind, group, title))
        edges += [_edge(out_id[i], r.node, shape_label(shape_of[i])) for i in r.inputs]
        out_id[r.node] = r.node
    return {"title": f"{spec.name} (batch {spec.input.batch})", "nodes": nodes, "edges": edges}


def _block_label(spec: BlockSpec) -> str:
    b = spec.block
    text = f"{spec.name}\n{b.type} {b.out_channels}" + (f" /{b.stride}" if b.stride > 1 else "")
    filled = spec.slots.filled()
    if filled:
        text += "\n" + " ".join(
            f"{SLOT_PATTERNS[s]}:{ATTENTION_LABELS[a.type]}" for s, a in filled.items()
        )
    return text


def _network(net: NetworkSpec) -> dict:
    from resattn.networks import expand_blocks

    rows: tuple[ShapeRow, ...] = trace(net)
    last: dict[str, ShapeRow] = {}
    for r in rows:
        last[r.block or r.node] = r
    nodes = [_node("x", "x", "input", "main", f"input {shape_label(rows[0].shape)}")]
    stem = [r.op for r in rows if r.block == "stem"]
    nodes.append(_node("stem", "stem", "stem", "main", " → ".join(stem)))
    edges = [_edge("x", "stem", shape_label(rows[0].shape))]
    previous = "stem"
    for blk in expand_blocks(net):
        name = blk.spec.name
        ops = [r.op for r in rows if r.block == name and r.kind in ("conv", "attention")]
        nodes.append(
            _node(name, _block_label(blk.spec), "block", f"stage{blk.stage + 1}", ", ".join(ops))
        )
        edges.append(_edge(previous, name, shape_label(last[previous].shape)))
        previous = name
    head = [r.op for r in rows if r.block == "head"]
    nodes += [
        _node("head", "head", "head", "main", " → ".join(head)),
        _node("y", "y", "output", "main", f"logits {shape_label(rows[-1].shape)}"),
    ]
    edges += [
        _edge(previous, "head", shape_label(last[previous].shape)),
        _edge("head", "y", shape_label(rows[-1].shape)),
    ]
    return {"title": f"{net.name} (batch {net.input.batch})", "nodes": nodes, "edges": edges}
