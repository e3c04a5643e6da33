"""The slot canvas: a Streamlit custom component v2 (inline HTML/CSS/JS, no build, no iframe).

The block of docs/design.md §1 drawn as SVG, with four drop zones and a palette of attention chips.
It reports edits as the trigger value ``action``: ``{"op": "place"|"move"|"remove"|"select",
"slot", "type", "from", "id"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

from components.ccv2 import folder_component

NAME = "resattn_slot_canvas"
_HERE = str(Path(__file__).parent)


def _component():
    return folder_component(NAME, _HERE, "canvas.html", "canvas.css", "canvas.js")


def slot_canvas(data: dict, *, key: str, on_action: Optional[Callable[[], Any]] = None):
    """Mount the canvas with `data` (see `components.canvas.canvas_data`)."""
    return _component()(
        key=key, data=data, on_action_change=on_action or (lambda: None), height="content"
    )
