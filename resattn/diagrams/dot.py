"""Graphviz diagrams through the pinned `graphviz` package: DOT text, SVG and PNG.

Drawn from `resattn.diagrams.agraph.graph_data`, top to bottom like the notes' pictures: ``x``
at the top, the branch (A_p, F, A_r) and the skip (P, A_s, or the lone identity) side by side as
two lanes, the add ``⊕`` below them, then A_o, the activation and ``y``. Attention modules are
hexagons feeding their weights α (dashed) into a gate ``⊗`` on the path they multiply; an edge
carries the tensor shape it transports (per sample; the batch is in the title) where the shape
changes, leaves ``x`` or meets the add, so equal shapes are not repeated down a lane. A node that
cannot be computed (RA101's add) is drawn red with the reason in its tooltip and under the
title. A network is its stem, one box per stage (or its blocks, for the stages in `expand`) and
its head; stage and block nodes get the SVG id ``ra-s{stage}-{node}`` and the class
``ra-stage`` so a view can expand or collapse them on click.

`theme` picks the palette: ``"light"`` (also for files) or ``"dark"``. Labels are 14 pt (edges
12 pt): at the natural size of the SVG (1 pt = 4/3 px) no text is below 16 px.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Optional

import graphviz

from resattn.diagrams.agraph import graph_data

#: theme → colours (bg, fg, edge, cluster, error, node kind → fill)
PALETTES = {
    "light": {
        "bg": "#ffffff",
        "fg": "#1f2937",
        "edge": "#4b5563",
        "cluster": "#6b7280",
        "attention": "#b8860b",
        "error": "#c62828",
        "fills": {
            "conv": "#dbe9f6",
            "linear": "#dbe9f6",
            "block": "#dbe9f6",
            "stage": "#dbe9f6",
            "norm": "#eeeeee",
            "stem": "#eeeeee",
            "head": "#eeeeee",
            "act": "#e4f4e4",
            "pool": "#f1e4f6",
            "attention": "#ffd966",
        },
    },
    "dark": {
        "bg": "#0e1117",
        "fg": "#e5e7eb",
        "edge": "#9ca3af",
        "cluster": "#9ca3af",
        "attention": "#f2c94c",
        "error": "#ff6b6b",
        "fills": {
            "conv": "#1e3a5f",
            "linear": "#1e3a5f",
            "block": "#1e3a5f",
            "stage": "#1e3a5f",
            "norm": "#374151",
            "stem": "#374151",
            "head": "#374151",
            "act": "#1f4d2e",
            "pool": "#4a2f55",
            "attention": "#6b5410",
        },
    },
}

#: node kind → shape attributes (colours come from the palette)
SHAPES = {
    "input": {"shape": "plaintext", "fontsize": "18", "fontname": "Helvetica-Bold"},
    "output": {"shape": "plaintext", "fontsize": "18", "fontname": "Helvetica-Bold"},
    "identity": {"shape": "box", "style": "rounded,dashed"},
    "dropout": {"shape": "box", "style": "rounded,dashed"},
    "reshape": {"shape": "box", "style": "rounded,dotted"},
    "attention": {"shape": "hexagon", "style": "filled"},
    "gate": {"shape": "doublecircle", "fontsize": "18", "width": "0.35", "fixedsize": "true"},
    "add": {"shape": "circle", "fontsize": "20", "width": "0.45", "fixedsize": "true"},
}
BOX = {"shape": "box", "style": "rounded,filled"}

#: lane group → its label (network stages are labelled by name)
CLUSTERS = {"branch": "branch F (A_p, F, A_r)", "skip": "skip (P, A_s)"}

#: the order lanes are declared in (branch left, skip right)
LANE_ORDER = ("branch", "skip")


class GraphvizMissing(RuntimeError):
    """The Graphviz ``dot`` program is not installed (DOT text is still available)."""


def _node_attrs(node: dict, palette: dict) -> dict:
    kind = node["kind"]
    attrs = dict(SHAPES.get(kind, BOX))
    attrs["tooltip"] = node.get("error") or node["title"]
    fill = palette["fills"].get(kind)
    if fill is not None and "filled" in attrs.get("style", ""):
        attrs["fillcolor"] = fill
    if kind in ("attention", "gate"):
        attrs["color"] = palette["attention"]
    if "stage" in node:
        attrs["id"] = f"ra-s{node['stage']}-{node['id']}"
        attrs["class"] = "ra-stage"
    if node.get("override"):
        attrs.update(color=palette["attention"], penwidth="2.5")
    if node.get("error"):
        attrs.update(color=palette["error"], fontcolor=palette["error"], penwidth="3")
        if kind == "add":
            attrs.update(fixedsize="false")
    return attrs


def _add_node(graph: graphviz.Digraph, node: dict, palette: dict) -> None:
    label = "⊕ ✗" if node["kind"] == "add" and node.get("error") else node["label"]
    graph.node(node["id"], label, **_node_attrs(node, palette))


def build_graph(
    spec,
    *,
    shapes: bool = True,
    block: Optional[str] = None,
    expand: Iterable[int] = (),
    theme: str = "light",
) -> graphviz.Digraph:
    """The design as a `graphviz.Digraph` (see the module docstring)."""
    data = graph_data(spec, block=block, expand=expand)
    palette = PALETTES[theme]
    errors = [n["error"] for n in data["nodes"] if n.get("error")]
    title = data["title"] + "".join(
        "\n✗ " + "\n".join(textwrap.wrap(e, 72)) for e in dict.fromkeys(errors)
    )
    g = graphviz.Digraph(
        "resattn",
        graph_attr={
            "rankdir": "TB",
            "newrank": "true",
            "label": title,
            "labelloc": "t",
            "fontname": "Helvetica",
            "fontsize": "16",
            "fontcolor": palette["error"] if errors else palette["fg"],
            "bgcolor": palette["bg"],
            "nodesep": "0.45",
            "ranksep": "0.4",
            "pad": "0.3",
        },
        node_attr={
            "fontname": "Helvetica",
            "fontsize": "14",
            "color": palette["fg"],
            "fontcolor": palette["fg"],
            "margin": "0.15,0.06",
        },
        edge_attr={
            "fontname": "Helvetica",
            "fontsize": "12",
            "color": palette["edge"],
            "fontcolor": palette["fg"],
            "arrowsize": "0.7",
        },
    )
    groups: dict[str, list[dict]] = {}
    for node in data["nodes"]:
        groups.setdefault(node["group"], []).append(node)
    order = [g_ for g_ in LANE_ORDER if g_ in groups] + [
        g_ for g_ in groups if g_ not in LANE_ORDER and g_ != "main"
    ]
    main = groups.get("main", [])
    head = [n for n in main if n["kind"] == "input"]  # x first: it is drawn at the top
    for node in head:
        _add_node(g, node, palette)
    for group in order:
        with g.subgraph(name=f"cluster_{group}") as lane:
            lane.attr(
                label=CLUSTERS.get(group)
                or f"{group.replace('stage', 'stage ')}: click a block to collapse",
                style="dashed,rounded",
                color=palette["cluster"],
                fontcolor=palette["fg"],
                fontsize="13",
            )
            members = groups[group]
            for node in members:
                _add_node(lane, node, palette)
            for node in members:  # a module sits beside the gate it feeds
                if node["kind"] == "attention":
                    with lane.subgraph() as row:
                        row.attr(rank="same")
                        row.node(node["id"])
                        row.node(f"{node['id']}_gate")
    for node in main:
        if node in head:
            continue
        _add_node(g, node, palette)
        if node["kind"] == "attention":
            with g.subgraph() as row:
                row.attr(rank="same")
                row.node(node["id"])
                row.node(f"{node['id']}_gate")
    kinds = {n["id"]: n["kind"] for n in data["nodes"]}
    into = {e["target"]: e["label"] for e in data["edges"] if e["label"] != "α"}
    for e in data["edges"]:
        if e["label"] == "α":
            g.edge(e["source"], e["target"], label="α", style="dashed", color=palette["attention"])
            continue
        # A shape is written where it changes, leaves x, or meets the add (where it must match).
        changed = into.get(e["source"]) != e["label"] or kinds[e["target"]] == "add"
        g.edge(e["source"], e["target"], label=e["label"] if shapes and changed else "")
    return g


def render_dot(spec, *, shapes: bool = True, block: Optional[str] = None, **options) -> str:
    """DOT source of the design (a network's stages, or one block with `block=`)."""
    return build_graph(spec, shapes=shapes, block=block, **options).source


def _pipe(graph: graphviz.Digraph, fmt: str) -> bytes:
    try:
        return graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizMissing(
            f"rendering {fmt.upper()} needs the Graphviz `dot` program, which is not installed "
            "(e.g. `apt-get install graphviz`); use the DOT text instead"
        ) from exc


def render_svg(spec, *, shapes: bool = True, block: Optional[str] = None, **options) -> str:
    """SVG text through Graphviz `dot`; raises `GraphvizMissing` when it is not installed.

    `options`: ``expand`` (stage indices drawn as their blocks) and ``theme``.
    """
    return _pipe(build_graph(spec, shapes=shapes, block=block, **options), "svg").decode()


def render_png(spec, *, shapes: bool = True, block: Optional[str] = None, **options) -> bytes:
    """PNG bytes through Graphviz `dot`; raises `GraphvizMissing` when it is not installed."""
    return _pipe(build_graph(spec, shapes=shapes, block=block, **options), "png")
