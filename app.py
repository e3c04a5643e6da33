"""ResAttn Studio — drag attention onto a residual block and see it validated, drawn, checked,
profiled and exported. Run with ``streamlit run app.py``.

This file only wires the page: layout, session state, tabs. Every panel lives in `components/`.
The sidebar runs with the whole page; everything else is one fragment (`workspace`), so a canvas
edit reruns only what it changes. An edit that changes what the sidebar shows (undo of a family
change, a tour step on a network) asks for a full rerun.
"""

from __future__ import annotations

import streamlit as st

from components import board, engine, state, tour
from components.board.common import use_page_language
from components.canvas import render_canvas
from components.checks import render_checks, render_diagnostics
from components.code import render_code
from components.compare import render_compare
from components.compare_with import render_compare_with
from components.diagram import render_diagram
from components.learn import render_learn
from components.network import render_network
from components.open_model import render_open_model
from components.profile import render_profile, si
from components.sidebar import render_name, render_share, render_sidebar
from components.style import inject_style
from resattn.i18n import _
from schemas import canonical_json

_FLASH = {"error": st.error, "warning": st.warning, "success": st.success, "info": st.info}


def header(spec) -> None:
    cj = canonical_json(spec)
    title, name, buttons, figures = st.columns([4, 3, 3, 4], vertical_alignment="bottom")
    with title:
        st.markdown(
            "<h1 class='ra-title'>ResAttn Studio</h1><p class='ra-sub'>Design residual blocks "
            "with attention — and choose <em>where</em> the attention sits.</p>",
            unsafe_allow_html=True,
        )
    with name:
        render_name(spec, key="studio.name")
    with buttons:
        c1, c2, c3 = st.columns(3)
        c1.button(
            "↶ Undo",
            key="studio.undo_btn",
            on_click=state.undo,
            disabled=not state.can_undo(),
            help="Ctrl+Z",
            width="stretch",
        )
        c2.button(
            "↷ Redo",
            key="studio.redo_btn",
            on_click=state.redo,
            disabled=not state.can_redo(),
            help="Ctrl+Shift+Z",
            width="stretch",
        )
        with c3.popover("Share", width="stretch"):
            render_share(spec, key="studio.share")
    with figures:
        params, macs = engine.params(cj), engine.macs(cj)
        c1, c2 = st.columns(2)
        c1.metric(
            "Params",
            "—" if params is None else f"{params:,}",
            help="Learnable parameters, counted from the spec.",
        )
        c2.metric(
            "MACs",
            "—" if macs is None else si(macs),
            help="Multiply-accumulates of one forward pass for the input shape.",
        )


TABS = {
    "Diagram": render_diagram,
    "Checks": render_checks,
    "Profile": render_profile,
    "Compare": render_compare,
    "Compare with…": render_compare_with,
    "Code": render_code,
    "Learn": render_learn,
}


@st.fragment
def workspace() -> None:
    use_page_language()  # a fragment's rerun is a script run of its own
    for level, text in state.pop_flashes():
        _FLASH.get(level, st.info)(text)
    spec = state.spec()
    with engine.guarded("The header"):
        header(spec)
    if tour.present():
        tour.render_tour(key="studio.tour")
    spec = state.spec()
    if spec.kind == "network":
        with engine.guarded("The network overview"):
            render_network(spec, key="studio.net")
    with engine.guarded("The canvas"):
        render_canvas(spec, key="studio")
    spec = state.spec()
    with engine.guarded("The design's checks"):
        errors = [d for d in engine.lint(canonical_json(spec)) if d.severity == "error"]
        if errors:
            render_diagnostics(errors)
    # Lazy tabs: only the open tab's panel runs and is sent, so an edit stays light.
    tabs = st.tabs([_(label) for label in TABS], key="studio.tabs", on_change="rerun")
    for tab, (label, panel) in zip(tabs, TABS.items(), strict=True):
        if tab.open:
            with tab, engine.guarded(f"The {label} panel"):
                panel(spec, key=f"studio.{label.lower()}")
    state.sync_url()
    if state.sidebar_stale():
        st.rerun(scope="app")


def main() -> None:
    present = tour.present()
    st.set_page_config(
        page_title="ResAttn Studio",
        page_icon="⊗",
        layout="wide",
        initial_sidebar_state="collapsed" if present else "expanded",
    )
    inject_style(present=present)
    use_page_language()  # ?lang=tr, else --lang / the locale; every string below follows it
    if board.route():  # ?board=CODE: the classroom board instead of the studio
        return
    state.init()
    tour.begin()
    render_sidebar(state.spec(), key="studio.side")
    with st.sidebar:
        render_open_model(key="studio.open")
        board.render_send_to_board(state.spec(), key="studio.board")
    workspace()


main()
