"""A network's stage table: a Streamlit custom component v2 (HTML/CSS/JS files, no build, no
iframe).

One mount draws the table as plain HTML, every word given in ``data`` (see
``components.network.table_data``): ``columns`` (each a ``title``, and for an editable column
its ``min`` and ``max``), ``rows`` (a list of cell values per stage, in the columns' order),
``label`` (the table's name for a screen reader) and ``rev`` (`components.state.rev`: new data
after every edit attempt, so a refused value is drawn over). An editable cell is a number box;
a value typed there and committed (Enter, or leaving the box) reports the trigger value
``edit``: ``{"row": STAGE_INDEX, "column": COLUMN_INDEX, "value": NUMBER}``.

It replaces ``st.data_editor``, whose grid made every first paint of a network fetch and run
about 1.5 MB of Streamlit's JavaScript (the data grid and its Arrow formatting).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

from components.ccv2 import folder_component

NAME = "resattn_stage_table"
_HERE = str(Path(__file__).parent)


def _component():
    return folder_component(NAME, _HERE, "table.html", "table.css", "table.js")


def stage_table(data: dict, *, key: str, on_edit: Optional[Callable[[], Any]] = None):
    """Mount the stage table with `data`."""
    return _component()(
        key=key, data=data, on_edit_change=on_edit or (lambda: None), height="content"
    )
