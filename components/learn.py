"""The Learn tab: the first rule, the four patterns and when to use them, the SE evidence."""

from __future__ import annotations

import streamlit as st

from components.texts import FIRST_RULE, PATTERNS, SE_BASELINE, SE_EVIDENCE
from schemas import SLOT_NAMES


def render_learn(spec=None, *, key: str) -> None:
    st.markdown("#### The first rule")
    st.info(FIRST_RULE, icon=":material/priority_high:")
    st.markdown("#### The four patterns (notes §3–§4) — they combine freely")
    order = sorted(SLOT_NAMES, key=lambda s: PATTERNS[s]["code"])
    cols = st.columns(4)
    for col, slot in zip(cols, order, strict=False):
        p = PATTERNS[slot]
        with col.container(border=True):
            st.markdown(f"**{p['code']} · {p['name']}**")
            st.code(p["formula"], language=None)
            st.markdown(f"Slot: `{slot}`  \n{p['meaning']}")
            st.markdown(f"**When:** {p['when']}")
    st.markdown(
        "**Placement inside a block (notes §5).** SE/ECA after the bottleneck's expand conv, so "
        "the gate sees the block's output channels; CBAM / spatial attention after the last "
        "conv — earlier costs compute and can cut low-level features. Pre-activation blocks: "
        "attention at the end of the branch (§9)."
    )
    st.markdown("#### Published evidence: where SE sits in ResNet-50 (ImageNet)")
    st.caption("SE paper (Hu et al., TPAMI), Table 14 — top-1 / top-5 error %, lower is better.")
    rows = [
        {
            "SE placement in the paper": name,
            "pattern here": pat,
            "top-1 error %": t1,
            "top-5 error %": t5,
        }
        for name, pat, t1, t5 in SE_EVIDENCE
    ]
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        key=f"{key}.evidence",
        column_config={
            "top-1 error %": st.column_config.NumberColumn(format="%.2f"),
            "top-5 error %": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    st.caption(
        SE_BASELINE + " Every placement beats the baseline; the differences between "
        "P1, P3 and P4 are small, P2 (after the add) is the weakest."
    )
