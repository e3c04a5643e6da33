"""The diagram viewer: a Streamlit custom component v2 (HTML/CSS/JS files, no build, no iframe).

Shows a Graphviz SVG at a readable size with pan (drag, or scroll) and zoom (the − / + / Fit /
100 % buttons, or Ctrl + wheel). The zoom never goes below the size at which the smallest label
(12 pt) is 12 px. A click on a node reports the trigger value ``click``: ``{"node": NAME,
"stage": INDEX or null}`` — stage and block nodes of a network carry their stage index (their
SVG id is ``ra-s{stage}-{node}``), so the page can expand or collapse that stage.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

from components.ccv2 import folder_component
from resattn.i18n import _

NAME = "resattn_diagram_view"
_HERE = str(Path(__file__).parent)


def labels() -> dict:
    """The viewer's own words (its buttons and their names), in the page's language."""
    return {
        "viewer": _("Diagram: drag to pan, Ctrl + wheel or the buttons to zoom"),
        "zoom_out": _("Zoom out"),
        "zoom_in": _("Zoom in"),
        "fit": _("Fit"),
        "fit_help": _("Fit the diagram to the width"),
        "one": _("Actual size (100 %)"),
        "diagram": _("diagram"),
    }


def diagram_view(data: dict, *, key: str, on_click: Optional[Callable[[], Any]] = None):
    """Mount the viewer with ``data = {"svg": TEXT, "hint": TEXT, "label": TEXT}`` (its own
    words, `labels`, are added here)."""
    component = folder_component(NAME, _HERE, "view.html", "view.css", "view.js")
    return component(
        key=key,
        data={**data, "labels": labels()},
        on_click_change=on_click or (lambda: None),
        height="content",
    )
