"""The presets gallery: a Streamlit custom component v2 (HTML/CSS/JS files, no build, no iframe).

One mount draws the family presets and the patterns × attention kinds grid as plain buttons,
every word given in ``data`` (see ``components.sidebar.gallery_data``). A click reports the
trigger value ``pick``: ``{"name": PRESET, "n": CLICK}``, the click counted from 1 per page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

from components.ccv2 import folder_component

NAME = "resattn_preset_grid"
_HERE = str(Path(__file__).parent)


def _component():
    return folder_component(NAME, _HERE, "grid.html", "grid.css", "grid.js")


def preset_grid(data: dict, *, key: str, on_pick: Optional[Callable[[], Any]] = None):
    """Mount the gallery with `data`."""
    return _component()(
        key=key, data=data, on_pick_change=on_pick or (lambda: None), height="content"
    )
