"""The Diagram tab: ASCII, Graphviz, and an interactive graph with shapes on the edges."""

from __future__ import annotations

import streamlit as st

from components import design, engine, state
from schemas import canonical_json

VIEWS = {"ascii": "ASCII", "graphviz": "Graphviz", "interactive": "Interactive graph"}


def render_diagram(spec, *, key: str) -> None:
    cj = canonical_json(spec)
    view = st.segmented_control(
        "View",
        list(VIEWS),
        format_func=VIEWS.get,
        default="ascii",
        key=f"{key}.view",
        label_visibility="collapsed",
    )
    view = view or "ascii"
    if view == "ascii":
        render_ascii(cj, key=key)
    elif view == "graphviz":
        render_graphviz(cj, key=key)
    else:
        render_interactive(cj, key=key)


def render_ascii(cj: str, *, key: str) -> None:
    shapes = st.toggle("Show shapes", value=True, key=f"{key}.ascii_shapes")
    st.code(engine.ascii_diagram(cj, shapes), language=None)
    spec = engine.spec_of(cj)
    if spec.kind == "network":
        stage = min(state.focus(), len(spec.stages) - 1)
        block = design.edited_block(spec, stage)
        st.markdown(
            f"**Drill-down — the first block of stage {stage + 1}** "
            "(choose the stage above the canvas)"
        )
        st.code(engine.ascii_diagram(canonical_json(block), shapes), language=None)
    st.caption(
        "⊗ = gate (the feature is multiplied by the attention weights α) · "
        "⊕ = residual add (notes, first rule)."
    )


def render_graphviz(cj: str, *, key: str) -> None:
    with st.spinner("Laying out the graph…"):
        st.graphviz_chart(engine.dot(cj), width="stretch")


def render_interactive(cj: str, *, key: str) -> None:
    from streamlit_agraph import Config, Edge, Node, agraph  # a requirement; loaded on demand

    data = engine.graph(cj)
    colors = {
        "attention": "#7e22ce",
        "gate": "#7e22ce",
        "add": "#b45309",
        "input": "#1d4ed8",
        "output": "#1d4ed8",
        "conv": "#0f766e",
    }
    nodes = [
        Node(
            id=n["id"],
            label=n["label"],
            title=n.get("title", ""),
            shape="box",
            color=colors.get(n.get("kind", ""), "#475569"),
            font={"color": "#ffffff", "size": 16},
        )
        for n in data["nodes"]
    ]
    edges = [
        Edge(
            source=e["source"],
            target=e["target"],
            label=e.get("label", ""),
            font={"size": 13, "align": "top"},
        )
        for e in data["edges"]
    ]
    config = Config(
        width="100%",
        height=560,
        directed=True,
        physics=False,
        hierarchical=True,
        direction="LR",
        sortMethod="directed",
        levelSeparation=190,
        nodeSpacing=110,
    )
    st.caption("Shapes ride on the edges. Click a node to see its details.")
    clicked = agraph(nodes=nodes, edges=edges, config=config)
    if clicked:
        node = next((n for n in data["nodes"] if n["id"] == clicked), None)
        if node is not None:
            st.info(f"**{node['label']}** ({node.get('kind', 'node')})\n\n{node.get('title', '')}")
