"""ResAttn Studio — drag attention onto a residual block and see it validated, drawn, checked,
profiled and exported. `app.py` serves this page: ``streamlit run app.py``.

This file only wires the page: layout, session state, tabs. Every panel lives in `components/`.
The sidebar runs with the whole page; everything else is one fragment (`workspace`), so a canvas
edit reruns only what it changes. An edit that changes what the sidebar shows (undo of a family
change, a tour step on a network) asks for a full rerun.
"""

from __future__ import annotations

import streamlit as st

from components import board, engine, state, tour
from components.board.common import language_toggle
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
from components.style import inject_style, render_theme_toggle
from resattn.i18n import _, current_language
from schemas import canonical_json

_FLASH = {"error": st.error, "warning": st.warning, "success": st.success, "info": st.info}

#: the tab's icon, ⊗ (the gate), as an SVG that Streamlit sends as a data URL. A character that
#: is not an emoji ("⊗") would be taken for a file's address: the browser asked the server for
#: ``/⊗`` twice per page load, got the page's HTML back and showed no icon.
PAGE_ICON = (
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 100 100'>"
    "<g fill='none' stroke='#2563eb' stroke-width='9' stroke-linecap='round'>"
    "<circle cx='50' cy='50' r='42'/><path d='M21 21 79 79M79 21 21 79'/></g></svg>"
)


def page_title() -> None:
    """The page's title row: the title and what the studio is for, then the page's own controls
    (the language, the colours), sized to their content at the right. Drawn with the whole page
    (a choice there reruns all of it)."""
    with st.container(horizontal=True, vertical_alignment="center", key="ra-title-row"):
        subtitle = _(
            "Design residual blocks with attention — and choose <em>where</em> the attention sits."
        )
        st.markdown(
            f"<h1 class='ra-title'>ResAttn Studio</h1><p class='ra-sub'>{subtitle}</p>",
            unsafe_allow_html=True,
            width="stretch",
        )
        with st.container(
            horizontal=True,
            horizontal_alignment="right",
            vertical_alignment="center",
            width="content",
            key="ra-page-controls",
        ):
            language_toggle(current_language(), key="studio.lang", label_visibility="collapsed")
            render_theme_toggle()


def header(spec) -> None:
    """The design's row: its name, Undo / Redo / Share, and its Params and MACs — each sized to
    its content (nothing is cut), wrapping onto a second line in a narrow window."""
    cj = canonical_json(spec)
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium", key="ra-header"):
        with st.container(width=280):
            render_name(spec, key="studio.name")
        st.button(
            _("↶ Undo"),
            key="studio.undo_btn",
            on_click=state.undo,
            disabled=not state.can_undo(),
            help="Ctrl+Z",
        )
        st.button(
            _("↷ Redo"),
            key="studio.redo_btn",
            on_click=state.redo,
            disabled=not state.can_redo(),
            help="Ctrl+Shift+Z",
        )
        share = st.popover(_("Share"), key="studio.share.open", on_change="rerun")
        if share.open:  # the link is made only when asked for
            with share:
                render_share(spec, key="studio.share")
        st.space("stretch")
        params, macs = engine.params(cj), engine.macs(cj)
        st.metric(
            _("Params"),
            "—" if params is None else f"{params:,}",
            help=_("Learnable parameters, counted from the spec."),
            width="content",
        )
        st.metric(
            "MACs",
            "—" if macs is None else si(macs),
            help=_("Multiply-accumulates of one forward pass for the input shape."),
            width="content",
        )


#: tab (its English label, a message of `components.texts.TAB_TITLES`, which also names its
#: widget keys) → its panel
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
    state.use_page_language()  # a fragment's rerun is a script run of its own
    for level, text in state.pop_flashes():
        _FLASH.get(level, st.info)(text)
    spec = state.spec()
    with engine.guarded(_("The header")):
        header(spec)
    if tour.present():
        tour.render_tour(key="studio.tour")
    spec = state.spec()
    if spec.kind == "network":
        with engine.guarded(_("The network overview")):
            render_network(spec, key="studio.net")
    with engine.guarded(_("The canvas")):
        render_canvas(spec, key="studio")
    spec = state.spec()
    with engine.guarded(_("The design's checks")):
        errors = [d for d in engine.lint(canonical_json(spec)) if d.severity == "error"]
        if errors:
            render_diagnostics(errors)
    # Lazy tabs: only the open tab's panel runs and is sent, so an edit stays light.
    tabs = st.tabs([_(label) for label in TABS], key="studio.tabs", on_change="rerun")
    for tab, (label, panel) in zip(tabs, TABS.items(), strict=True):
        if tab.open:
            with tab, engine.guarded(_("The {tab} panel").format(tab=_(label))):
                panel(spec, key=f"studio.{label.lower()}")
    state.sync_url()
    if state.sidebar_stale():
        st.rerun(scope="app")


def main() -> None:
    present = tour.present()
    st.set_page_config(
        page_title="ResAttn Studio",
        page_icon=PAGE_ICON,
        layout="wide",
        initial_sidebar_state="collapsed" if present else "expanded",
    )
    inject_style(present=present)
    state.use_page_language()  # ?lang=tr, else --lang / the locale; every string below follows it
    if board.route():  # ?board=CODE: the classroom board instead of the studio
        return
    page_title()
    state.init()
    tour.begin()
    render_sidebar(state.spec(), key="studio.side")
    with st.sidebar:
        render_open_model(key="studio.open")
        board.render_send_to_board(state.spec(), key="studio.board")
    workspace()
    engine.warm_imports()  # after the page is drawn: its first paint does not wait for it


main()
