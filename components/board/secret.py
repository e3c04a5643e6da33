"""The participant's per-browser secret (a Streamlit custom component v2, no iframe).

In a browser the secret lives in localStorage, so the same browser keeps its entries across
reloads and server restarts; where no browser runs the component (AppTest, storage blocked)
the session holds one instead.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

from resattn_board.service import new_secret

_HERE = Path(__file__).parent
_SESSION = "board.session_secret"


@cache
def _component():
    return st.components.v2.component(
        "resattn_board_secret", html="<span></span>", js=(_HERE / "secret.js").read_text("utf-8")
    )


def browser_secret(*, key: str) -> str:
    """This browser's secret (the session's until the browser has reported its own)."""
    result = _component()(key=key, on_secret_change=lambda: None, height=0)
    found = getattr(result, "secret", None) if result is not None else None
    if isinstance(found, str) and found:
        return found
    return st.session_state.setdefault(_SESSION, new_secret())
