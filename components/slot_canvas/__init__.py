"""The slot canvas: a Streamlit custom component v2 (inline HTML/CSS/JS, no build, no iframe).

The block of docs/design.md §1 drawn as SVG, with four drop zones and a palette of attention chips.
It reports edits as the trigger value ``action``: ``{"op": "place"|"move"|"remove"|"select",
"slot", "type", "from", "id"}``.
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


def slot_canvas(data: dict, *, key: str, on_action: Optional[Callable[[], Any]] = None):
    """Mount the canvas with `data` (see `components.canvas.canvas_data`)."""
    return _component()(
        key=key, data=data, on_action_change=on_action or (lambda: None), height="content"
    )
