"""Projector mode (``?present=1`` or the sidebar toggle) and its guided tour.

The tour walks a room through the notes' placements on the design's own block: the baseline
(no attention), then an SE gate in each slot in the order P1 → P2 → P3 → P4. Each step places
the gate through `state.commit` (so undo works), and the page shows the step's formula, the
notes' explanation and the published evidence row for that placement (the SE paper's table,
which is why the tour uses SE). The arrow keys (sent by the canvas) and the Previous / Next
buttons move it.
"""

from __future__ import annotations

import html
from typing import Optional

import streamlit as st

from components import design, state
from components.texts import PATTERNS, pattern, se_baseline, se_evidence
from resattn.i18n import N_, _
from schemas import SLOT_NAMES

_PRESENT = "studio.present"
_STEP = "studio.tour_step"
KIND = "se"

#: the tour's steps: the slot its gate goes into, None for the baseline
STEPS: list[Optional[str]] = [None, *sorted(SLOT_NAMES, key=lambda s: PATTERNS[s]["code"])]


def title(index: int) -> str:
    """The step's title in the page's language: ``P1 — attention inside the residual branch``."""
    slot = STEPS[index]
    if slot is None:
        return _("Baseline — no attention")
    return f"{PATTERNS[slot]['code']} — {pattern(slot)['name']}"


def present() -> bool:
    """Is the page in projector mode? (the URL's ``present=1`` turns it on at load)"""
    ss = st.session_state
    if _PRESENT not in ss:
        ss[_PRESENT] = st.query_params.get("present") in ("1", "true", "yes")
    return bool(ss[_PRESENT])


def begin() -> None:
    """A page opened in projector mode starts the tour at its first step (once)."""
    if present() and _STEP not in st.session_state:
        go(0)


def set_present(on: bool) -> None:
    st.session_state[_PRESENT] = bool(on)
    if on:
        st.query_params["present"] = "1"
        go(current())
    else:
        st.query_params.pop("present", None)


def current() -> int:
    return int(st.session_state.get(_STEP, 0))


def active() -> Optional[dict]:
    """What the canvas needs to know about the tour (None outside projector mode)."""
    if not present():
        return None
    return {"step": current(), "count": len(STEPS), "title": title(current())}


def step(delta: int) -> Optional[str]:
    """Move the tour by `delta`; the reason if it cannot move."""
    if not present():
        return _("the guided tour runs in projector mode")
    target = current() + delta
    if not 0 <= target < len(STEPS):
        return _("that is the end of the tour") if delta > 0 else _("the tour starts here")
    go(target)
    return None


def go(index: int) -> None:
    """Show step `index`: the design's block with only that step's gate."""
    st.session_state[_STEP] = index
    spec, stage = state.spec(), state.focus()
    data = design.as_dict(spec)
    slots = design.get_in(data, design.slots_prefix(spec, stage))
    for slot in SLOT_NAMES:
        slots[slot] = None
    slot = STEPS[index]
    if slot is not None:
        slots[slot] = design.default_attention(KIND)
    state.commit(data, N_("tour step"))


def evidence(index: int) -> str:
    """The published evidence for the step's placement (SE paper, Table 14), in the words of
    the notes in the page's language."""
    slot = STEPS[index]
    if slot is None:
        return se_baseline()
    code = PATTERNS[slot]["code"]
    for name, where, top1, top5 in se_evidence():
        if where.split()[0] == code:
            return _(
                "SE paper (Hu et al., TPAMI), Table 14 — {name}: top-1 error {top1} %, "
                "top-5 error {top5} % on ImageNet with ResNet-50 (baseline 23.30 / 6.55)."
            ).format(name=name, top1=f"{top1:.2f}", top5=f"{top5:.2f}")
    return _("The SE paper has no row for this placement.")


def render_tour(*, key: str) -> None:
    """The tour's bar: step, Previous / Next, and the step's explanation and evidence."""
    index = current()
    slot = STEPS[index]
    left, mid, right = st.columns([1, 6, 1], vertical_alignment="center")
    left.button(
        _("◀ Previous"),
        key=f"{key}.prev",
        disabled=index == 0,
        on_click=state.in_page_language(step),
        args=(-1,),
        width="stretch",
    )
    right.button(
        _("Next ▶"),
        key=f"{key}.next",
        disabled=index == len(STEPS) - 1,
        on_click=state.in_page_language(step),
        args=(1,),
        width="stretch",
    )
    dots = " ".join("●" if i == index else "○" for i in range(len(STEPS)))
    where = _("Step {step} of {count}").format(step=index + 1, count=len(STEPS))
    mid.markdown(
        f"<div class='ra-tour-title'>{html.escape(where)} · {html.escape(title(index))} "
        f"<span class='ra-tour-dots'>{dots}</span></div>",
        unsafe_allow_html=True,
    )
    explanation = (
        _("The plain residual block: x travels alone on the skip to ⊕, F(x) on the branch.")
        if slot is None
        else f"{PATTERNS[slot]['formula']} — {pattern(slot)['meaning']}"
    )
    st.markdown(
        f"<div class='ra-tour-text'>{html.escape(explanation)}</div>"
        f"<div class='ra-tour-evidence'>{html.escape(evidence(index))}</div>",
        unsafe_allow_html=True,
    )
    c1, c2 = st.columns([5, 1], vertical_alignment="center")
    c1.caption(_("Use ← / → (or the buttons) to step through the tour."))
    c2.button(
        _("Leave projector mode"),
        key=f"{key}.leave",
        on_click=state.in_page_language(set_present),
        args=(False,),
    )
