"""The Diagram tab: the ASCII picture, and the graph (Graphviz SVG with pan and zoom).

The ASCII picture is the page's own HTML (a ``<pre>``, `render_picture`), not ``st.code``: the
Diagram tab is open on every first paint, and ``st.code`` made the browser load and run
Streamlit's syntax highlighter (1.5 MB of JavaScript) for a picture that has no syntax — about
0.4 s of the browser's main thread on every page load, which held up the canvas.

The graph is drawn top to bottom like the notes' pictures, in the page's theme (light or dark),
at a size where no label is below 12 px; its SVG can be downloaded. A network shows one box per
stage: a click expands that stage into its blocks (a click on one of them collapses it again);
a click on any other node shows its details.
"""

from __future__ import annotations

import html

import streamlit as st

from components import design, engine, state
from components.diagram_view import diagram_view
from resattn.i18n import N_, _, in_current_language
from schemas import canonical_json

VIEWS = {"ascii": "ASCII", "graph": N_("Graph (zoom, SVG)")}


def _keep_a_view(wkey: str) -> None:
    """The view switch always has one option: clicking the selected one keeps it."""
    if st.session_state.get(wkey) is None:
        st.session_state[wkey] = st.session_state.get(f"{wkey}.last", "ascii")
    st.session_state[f"{wkey}.last"] = st.session_state[wkey]


def render_diagram(spec, *, key: str) -> None:
    cj = canonical_json(spec)
    wkey = f"{key}.view"
    view = st.segmented_control(
        _("View"),
        list(VIEWS),
        format_func=in_current_language(lambda view: _(VIEWS[view])),
        default="ascii",
        key=wkey,
        label_visibility="collapsed",
        on_change=_keep_a_view,
        args=(wkey,),
    )
    if view == "graph":
        render_graph(cj, key=key)
    else:
        render_ascii(cj, key=key)


def render_ascii(cj: str, *, key: str) -> None:
    shapes = st.toggle(_("Show shapes"), value=True, key=f"{key}.ascii_shapes")
    render_picture(engine.ascii_diagram(cj, shapes))
    spec = engine.spec_of(cj)
    if spec.kind == "network":
        stage = min(state.focus(), len(spec.stages) - 1)
        block = design.edited_block(spec, stage)
        st.markdown(
            _(
                "**Drill-down — the first block of stage {stage}** "
                "(choose the stage above the canvas)"
            ).format(stage=stage + 1)
        )
        render_picture(engine.ascii_diagram(canonical_json(block), shapes))
    st.caption(
        _(
            "⊗ = gate (the feature is multiplied by the attention weights α) · "
            "⊕ = residual add (notes, first rule)."
        )
    )


#: the class of an ASCII picture's ``<pre>`` (its style: components/style.py)
PICTURE_CLASS = "ra-ascii"


def render_picture(text: str) -> None:
    """A text picture in a monospace box that scrolls sideways when wider than the page; its
    text is escaped (a design's name is the user's) and can be selected and copied."""
    st.html(f'<pre class="{PICTURE_CLASS}">{html.escape(text)}</pre>')


def theme() -> str:
    """``"dark"`` or ``"light"``: the palette the page is drawn in."""
    return "dark" if getattr(st.context.theme, "type", None) == "dark" else "light"


def _expanded(key: str, stages: int) -> tuple[int, ...]:
    return tuple(i for i in st.session_state.get(f"{key}.expand", ()) if i < stages)


def _on_click(key: str) -> None:
    value = st.session_state.get(f"{key}.graph")
    click = value.get("click") if isinstance(value, dict) else None
    if not isinstance(click, dict):
        return
    stage = click.get("stage")
    if isinstance(stage, int):
        shown = set(st.session_state.get(f"{key}.expand", ()))
        shown ^= {stage}
        st.session_state[f"{key}.expand"] = tuple(sorted(shown))
        st.session_state.pop(f"{key}.picked", None)
    elif isinstance(click.get("node"), str):
        st.session_state[f"{key}.picked"] = click["node"]


def _on_pick(key: str) -> None:
    st.session_state[f"{key}.expand"] = tuple(sorted(st.session_state[f"{key}.expand_pick"]))
    st.session_state.pop(f"{key}.picked", None)


def render_graph(cj: str, *, key: str) -> None:
    spec = engine.spec_of(cj)
    network = spec.kind == "network"
    expand = _expanded(key, len(spec.stages)) if network else ()
    palette = theme()
    with st.spinner(_("Rendering SVG…")):
        svg = engine.svg(cj, palette, expand)
    hint = (
        _("Click a stage to show its blocks · drag to pan · Ctrl + wheel to zoom")
        if network
        else _("drag to pan · Ctrl + wheel to zoom")
    )
    diagram_view(
        {"svg": svg, "hint": hint, "label": _("Diagram of {name}").format(name=spec.name)},
        key=f"{key}.graph",
        on_click=lambda: _on_click(key),
    )
    picked = st.session_state.get(f"{key}.picked")
    node = next((n for n in engine.graph(cj, expand)["nodes"] if n["id"] == picked), None)
    if node is not None:
        text = node.get("error") or node["title"]
        st.info(
            _("**{label}** ({kind}) — {text}").format(
                label=node["label"], kind=node["kind"], text=text
            )
        )
    if network:  # the keyboard path to the same expansion
        pick = f"{key}.expand_pick"
        if st.session_state.get(pick) != list(expand):
            st.session_state[pick] = list(expand)  # follows clicks on the graph
        st.multiselect(
            _("Stages shown as their blocks"),
            list(range(len(spec.stages))),
            format_func=in_current_language(lambda i: _("stage {n}").format(n=i + 1)),
            key=pick,
            on_change=_on_pick,
            args=(key,),
        )
    st.download_button(
        _("⬇ Download this diagram (.svg)"),
        svg,
        file_name=f"{spec.name}.svg",
        mime="image/svg+xml",
        key=f"{key}.graph_svg",
    )
