"""Graphviz diagrams: DOT text always, SVG / PNG through the ``dot`` program when installed.

Drawn from `resattn.diagrams.agraph.graph_data`: the branch (F with A_p, A_r) and the skip
(P, A_s) are clusters, attention modules are amber hexagons feeding their weights α into a
gate ``⊗`` (a double circle) on the path they multiply, the add ``⊕`` is a circle, and every
edge carries the tensor shape it transports (per sample; the batch is in the title).
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Optional

from resattn.diagrams.agraph import graph_data

#: node kind → Graphviz attributes
STYLES = {
    "input": 'shape=plaintext, fontsize=16, fontname="Helvetica-Bold"',
    "output": 'shape=plaintext, fontsize=16, fontname="Helvetica-Bold"',
    "conv": 'shape=box, style="rounded,filled", fillcolor="#dbe9f6"',
    "norm": 'shape=box, style="rounded,filled", fillcolor="#eeeeee"',
    "act": 'shape=box, style="rounded,filled", fillcolor="#e4f4e4"',
    "dropout": 'shape=box, style="rounded,dashed"',
    "pool": 'shape=box, style="rounded,filled", fillcolor="#f1e4f6"',
    "linear": 'shape=box, style="rounded,filled", fillcolor="#dbe9f6"',
    "reshape": 'shape=box, style="rounded,dotted"',
    "attention": 'shape=hexagon, style=filled, fillcolor="#ffd966", color="#b8860b"',
    "gate": 'shape=doublecircle, fontsize=18, color="#b8860b", width=0.3, fixedsize=true',
    "add": "shape=circle, fontsize=18, width=0.35, fixedsize=true",
    "stem": 'shape=box, style="rounded,filled", fillcolor="#eeeeee"',
    "block": 'shape=box, style="rounded,filled", fillcolor="#dbe9f6"',
    "head": 'shape=box, style="rounded,filled", fillcolor="#eeeeee"',
}

#: cluster group → its label (other groups, e.g. network stages, are labelled by name)
CLUSTERS = {
    "branch": "branch F (A_p, F, A_r)",
    "skip": "skip (P, A_s)",
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(spec, *, shapes: bool = True, block: Optional[str] = None) -> str:
    """DOT source of the design (a network's stages, or one block with `block=`)."""
    data = graph_data(spec, block=block)
    lines = [
        "digraph resattn {",
        "  rankdir=LR;",
        f"  label={_quote(data['title'])}; labelloc=t;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
    ]
    groups: dict[str, list[dict]] = {}
    for node in data["nodes"]:
        groups.setdefault(node["group"], []).append(node)
    for group, members in groups.items():
        indent = "  " if group == "main" else "    "
        if group != "main":
            lines.append(f"  subgraph cluster_{group} {{")
            lines.append(f"    label={_quote(CLUSTERS.get(group, group))}; style=dashed;")
        for n in members:
            lines.append(
                f"{indent}{_quote(n['id'])} [label={_quote(n['label'])}, "
                f"tooltip={_quote(n['title'])}, {STYLES[n['kind']]}];"
            )
        if group != "main":
            lines.append("  }")
    for e in data["edges"]:
        label = e["label"] if shapes or e["label"] == "α" else ""
        attrs = f"label={_quote(label)}"
        if e["label"] == "α":
            attrs += ', style=dashed, color="#b8860b"'
        lines.append(f"  {_quote(e['source'])} -> {_quote(e['target'])} [{attrs}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


class GraphvizMissing(RuntimeError):
    """The Graphviz ``dot`` program is not installed (DOT text is still available)."""


def _run_dot(source: str, fmt: str, timeout: float = 30.0) -> bytes:
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing(
            f"rendering {fmt.upper()} needs the Graphviz `dot` program, which is not installed "
            "(e.g. `apt-get install graphviz`); use the DOT text instead"
        )
    proc = subprocess.run(
        [exe, f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def render_svg(spec, *, shapes: bool = True, block: Optional[str] = None) -> str:
    """SVG text through Graphviz `dot`; raises `GraphvizMissing` when it is not installed."""
    return _run_dot(render_dot(spec, shapes=shapes, block=block), "svg").decode()


def render_png(spec, *, shapes: bool = True, block: Optional[str] = None) -> bytes:
    """PNG bytes through Graphviz `dot`; raises `GraphvizMissing` when it is not installed."""
    return _run_dot(render_dot(spec, shapes=shapes, block=block), "png")
