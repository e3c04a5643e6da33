"""The slot canvas: a Streamlit custom component v2 (inline HTML/CSS/JS, no build, no iframe).

The block of DESIGN §1 drawn as SVG, with four drop zones and a palette of attention chips.
It reports edits as the trigger value ``edits``: ``{"epoch", "edits": [{"seq", "op", "slot",
"type", "from", "step"}]}`` — every edit not yet acknowledged by ``data["ack"]``, numbered
(see ``components.canvas.apply_edits``); ``op`` is place, move, remove, select, undo, redo or
tour.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Optional

NAME = "resattn_slot_canvas"
_HERE = Path(__file__).parent


@cache
def _component():
    import streamlit as st

    def read(name: str) -> str:
        return (_HERE / name).read_text(encoding="utf-8")

    return st.components.v2.component(
        NAME, html=read("canvas.html"), css=read("canvas.css"), js=read("canvas.js")
    )


def slot_canvas(data: dict, *, key: str, on_edits: Optional[Callable[[], Any]] = None):
    """Mount the canvas with `data` (see `components.canvas.canvas_data`)."""
    return _component()(
        key=key, data=data, on_edits_change=on_edits or (lambda: None), height="content"
    )
