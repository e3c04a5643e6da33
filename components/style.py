"""Page-level style: type sizes and spacing that read on a projector, in light and dark themes,
and the colour toggle at the top right of the page (beside the language).

Colours have one meaning each: red (Streamlit's error colour) only for what was refused; the
primary colour (.streamlit/config.toml) is blue, for actions and selection.

Both palettes are defined in .streamlit/config.toml (``[theme.light]``, ``[theme.dark]``), so the
page follows the browser's light / dark preference by default; `render_theme_toggle` lets the
user fix one (Streamlit's own theme: its widgets change, and the canvas and the diagram viewer
follow through the theme's colours; the Graphviz picture is drawn for `st.context.theme`).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components.ccv2 import folder_component
from resattn.i18n import _

THEME_TOGGLE = "resattn_theme_toggle"
_TOGGLE_FILES = str(Path(__file__).parent / "theme_toggle")

_CSS = """
<style>
.ra-title { font-size: 2.1rem; font-weight: 800; margin: 0 0 0.1rem 0; padding: 0;
  white-space: nowrap; }
.ra-sub { font-size: 1.1rem; opacity: 0.8; margin: 0 0 0.4rem 0; }
/* the header: the title row and the design's row (name, Undo / Redo / Share, Params, MACs) are
   flex rows whose buttons and figures take the width of their words, in every language — never
   cut to "↶ …"; in a narrow window a row wraps instead */
.st-key-ra-header button p, .st-key-ra-page-controls button p { white-space: nowrap; }
.st-key-ra-header [data-testid="stMetricLabel"] p { white-space: nowrap; }
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; max-width: 1500px; }
[data-testid="stTabs"] button[role="tab"] p { font-size: 1.08rem; font-weight: 600; }
/* figures are shown in full: never an ellipsis */
[data-testid="stMetricValue"] { font-size: 1.45rem; }
[data-testid="stMetricValue"] > div { overflow: visible; text-overflow: clip; white-space: nowrap; }
/* the ASCII picture (components/diagram.py): a box like st.code's, in both themes */
.ra-ascii { font-family: "Source Code Pro", "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 0.875rem; line-height: 1.45; margin: 0; padding: 1rem; border-radius: 0.5rem;
  background: rgba(128, 128, 128, 0.12); color: inherit; white-space: pre; overflow-x: auto; }
/* a select too narrow for its choice ends it in an ellipsis, not in a cut letter */
[data-testid="stSelectbox"] input[role="combobox"] { text-overflow: ellipsis; }
.ra-tour-title { font-size: 1.5rem; font-weight: 700; text-align: center; }
.ra-tour-dots { letter-spacing: 0.2em; opacity: 0.7; margin-left: 0.6em; }
.ra-tour-text { font-size: 1.35rem; line-height: 1.4; margin: 0.2rem 0; }
.ra-tour-evidence { font-size: 1.1rem; opacity: 0.85; }
/* narrow windows (a laptop at 800 px): the sidebar floats over the page instead of
   squeezing the canvas, which keeps the whole width (and starts closed: canvas.js) */
@media (max-width: 1000px) {
  [data-testid="stSidebar"][data-collapsed="false"] {
    position: fixed !important; left: 0; top: 0; z-index: 999990; height: 100vh !important;
  }
  /* the floating sidebar scrolls within the window (its lower part, the presets gallery,
     would be out of reach otherwise) */
  [data-testid="stSidebar"][data-collapsed="false"] [data-testid="stSidebarContent"] {
    height: 100%; overflow-y: auto;
  }
  [data-testid="stMainBlockContainer"] { padding-left: 1rem; padding-right: 1rem; }
  .ra-title { font-size: 1.6rem; }
}
</style>
"""

#: projector mode: no sidebar (nor the top bar's button that would open it), a wide page (the
#: canvas's own large type: canvas.css, .ra-present). Without the sidebar Streamlit's top bar
#: (3.75rem high) is opaque, so the page starts below it.
_PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"] { display: none; }
[data-testid="stMainBlockContainer"] { max-width: 1880px; padding-top: 4.5rem; }
</style>
"""


def inject_style(present: bool = False) -> None:
    st.html(_CSS + (_PRESENT_CSS if present else ""))


def render_theme_toggle() -> None:
    """The page's colours: one button that cycles auto (the browser's preference, the
    default) → light → dark.

    Mounted without a key: the choice lives in the browser (see ``toggle.js``), and a keyed
    component's state is presented anew each time any widget of the session reads the session
    state (every select and number box does, on every edit), a cost paid by every edit."""
    labels = {
        "auto": _("Colours follow the browser"),
        "light": _("Light colours"),
        "dark": _("Dark colours"),
        "to_auto": _("the browser's colours"),
        "to_light": _("light"),
        "to_dark": _("dark"),
        # {now}: what the page shows now; {next}: what a click gives
        "next": _("{now} — click for {next}"),
    }
    toggle = folder_component(THEME_TOGGLE, _TOGGLE_FILES, "toggle.html", "toggle.css", "toggle.js")
    toggle(data=labels, on_theme_change=lambda: None, height="content")
