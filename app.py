"""ResAttn Studio — drag attention onto a residual block and see it validated, drawn, checked,
profiled and exported. Run with ``streamlit run app.py``.

This file only wires the page: layout, session state, tabs. Every panel lives in `components/`.
"""

from __future__ import annotations

import streamlit as st

from components import board, engine, state
from components.canvas import render_canvas
from components.checks import render_checks, render_diagnostics
from components.code import render_code
from components.compare import render_compare
from components.diagram import render_diagram
from components.learn import render_learn
from components.network import render_network
from components.profile import render_profile
from components.sidebar import render_sidebar
from components.style import inject_style
from schemas import canonical_json

_FLASH = {"error": st.error, "warning": st.warning, "success": st.success, "info": st.info}


def header(spec) -> None:
    left, right = st.columns([5, 2], vertical_alignment="bottom")
    with left:
        st.markdown(
            "<h1 class='ra-title'>ResAttn Studio</h1><p class='ra-sub'>Design residual blocks "
            "with attention — and choose <em>where</em> the attention sits.</p>",
            unsafe_allow_html=True,
        )
    with right:
        c1, c2, c3 = st.columns(3)
        c1.button(
            "↶ Undo",
            key="studio.undo_btn",
            on_click=state.undo,
            disabled=not state.can_undo(),
            width="stretch",
        )
        c2.button(
            "↷ Redo",
            key="studio.redo_btn",
            on_click=state.redo,
            disabled=not state.can_redo(),
            width="stretch",
        )
        params = engine.params(canonical_json(spec))
        c3.metric(
            "Params",
            "—" if params is None else f"{params / 1e6:.2f} M" if params >= 1e5 else f"{params:,}",
        )


TABS = {
    "Diagram": render_diagram,
    "Checks": render_checks,
    "Profile": render_profile,
    "Compare": render_compare,
    "Code": render_code,
    "Learn": render_learn,
}


def main() -> None:
    st.set_page_config(
        page_title="ResAttn Studio", page_icon="⊗", layout="wide", initial_sidebar_state="expanded"
    )
    inject_style()
    if board.route():  # ?board=CODE: the classroom board instead of the studio
        return
    state.init()
    for level, text in state.pop_flashes():
        _FLASH.get(level, st.info)(text)
    spec = state.spec()
    render_sidebar(spec, key="studio.side")
    with st.sidebar:
        board.render_send_to_board(state.spec(), key="studio.board")
    spec = state.spec()
    header(spec)
    if spec.kind == "network":
        render_network(spec, key="studio.net")
    render_canvas(spec, key="studio")
    spec = state.spec()
    errors = [d for d in engine.lint(canonical_json(spec)) if d.severity == "error"]
    if errors:
        render_diagnostics(errors)
    # Lazy tabs: only the open tab's panel runs and is sent, so an edit stays light.
    tabs = st.tabs(list(TABS), key="studio.tabs", on_change="rerun")
    for tab, (label, panel) in zip(tabs, TABS.items(), strict=True):
        if tab.open:
            with tab, engine.guarded(f"The {label} panel"):
                panel(spec, key=f"studio.{label.lower()}")
    state.sync_url()


main()
