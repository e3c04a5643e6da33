"""The slot canvas: a Streamlit custom component v2 (HTML/CSS/JS files, no build, no iframe).

The block of docs/design.md §1 drawn as SVG, with four drop zones and a palette of attention chips,
and under it the keyboard path: one labelled select per slot, whose choices are the same edits.
It reports edits as the trigger value ``edits``: ``{"epoch", "edits": [{"seq", "op", "slot",
"type", "from", "step"}]}`` — every edit not yet acknowledged by ``data["ack"]``, numbered
(see ``components.canvas.apply_edits``); ``op`` is place, move, remove, select, undo, redo or
tour.
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


def slot_canvas(data: dict, *, key: str, on_edits: Optional[Callable[[], Any]] = None):
    """Mount the canvas with `data` (see `components.canvas.canvas_data`)."""
    return _component()(
        key=key, data=data, on_edits_change=on_edits or (lambda: None), height="content"
    )
