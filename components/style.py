"""Page-level style: type sizes and spacing that read on a projector, in light and dark themes."""

from __future__ import annotations

import streamlit as st

_CSS = """
<style>
.ra-title { font-size: 2.1rem; font-weight: 800; margin: 0 0 0.1rem 0; padding: 0; }
.ra-sub { font-size: 1.1rem; opacity: 0.8; margin: 0 0 0.4rem 0; }
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; max-width: 1500px; }
[data-testid="stTabs"] button[role="tab"] p { font-size: 1.08rem; font-weight: 600; }
[data-testid="stMetricValue"] { font-size: 1.6rem; }
</style>
"""


def inject_style() -> None:
    st.html(_CSS)
