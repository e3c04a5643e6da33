"""The Learn tab: the first rule, the four patterns and when to use them, the SE evidence.

The notes' own text comes from `components.texts` in the page's language (in Turkish, the
user's notebook, docs/notes.tr.md); the tab's own words are in the catalog.
"""

from __future__ import annotations

import streamlit as st

from components.texts import PLACEMENT, first_rule, pattern, se_baseline, se_evidence, then
from resattn.i18n import _
from schemas import SLOT_NAMES, SLOT_PATTERNS


def render_learn(spec=None, *, key: str) -> None:
    st.markdown("#### " + _("The first rule"))
    st.info(first_rule(), icon=":material/priority_high:")
    st.markdown("#### " + _("The four patterns (notes §3–§4) — they combine freely"))
    order = sorted(SLOT_NAMES, key=SLOT_PATTERNS.get)
    cols = st.columns(4)
    for col, slot in zip(cols, order, strict=False):
        p = pattern(slot)
        with col.container(border=True):
            st.markdown(f"**{p['code']} · {p['name']}**")
            st.code(p["formula"], language=None)
            st.markdown(then(_("Slot: `{slot}`").format(slot=slot), p["meaning"], "  \n"))
            st.markdown(then("**" + _("When:") + "**", p["when"]))
    st.markdown(then("**" + _("Placement inside a block (notes §5).") + "**", PLACEMENT.text()))
    st.markdown("#### " + _("Published evidence: where SE sits in ResNet-50 (ImageNet)"))
    st.caption(_("SE paper (Hu et al., TPAMI), Table 14 — top-1 / top-5 error %, lower is better."))
    place, here = _("SE placement in the paper"), _("pattern here")
    top1, top5 = _("top-1 error %"), _("top-5 error %")
    rows = [{place: name, here: pat, top1: t1, top5: t5} for name, pat, t1, t5 in se_evidence()]
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        key=f"{key}.evidence",
        column_config={
            top1: st.column_config.NumberColumn(format="%.2f"),
            top5: st.column_config.NumberColumn(format="%.2f"),
        },
    )
    st.caption(
        then(
            se_baseline(),
            _(
                "Every placement beats the baseline; the differences between P1, P3 and P4 "
                "are small, P2 (after the add) is the weakest."
            ),
        )
    )
