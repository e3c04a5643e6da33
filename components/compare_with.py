"""The "Compare with…" tab: the design next to a preset, an uploaded spec or model, or itself
before the last N edits — both diagrams side by side, changed slots outlined, and the deltas.

The comparison is `resattn.diff` (a = the other design, b = the current one); the diagrams are
the Graphviz drawings of the Diagram tab with the changed slots outlined in red
(`resattn.diff.highlighted_dot`).
"""

from __future__ import annotations

import hashlib
import json

import streamlit as st

from components import engine, state
from components.open_model import finding_text
from resattn.diff import METRICS, SpecDiff, diff, highlighted_dot
from resattn.i18n import N_, _, current_language, in_current_language, use_language
from resattn.i18n.text import Text
from resattn.importing import MAX_ONNX_BYTES, ImportReadError, import_model
from resattn.loading import MAX_SPEC_BYTES, load_spec
from resattn.presets import preset_index, preset_title
from schemas import SpecError, canonical_json

SOURCES = (
    N_("a preset"),
    N_("an uploaded spec or model"),
    N_("the design before the last edits"),
)
#: a change's kind (`resattn.diff.Change`), in words
CHANGES = {
    "placed": N_("placed"),
    "removed": N_("removed"),
    "moved": N_("moved"),
    "changed": N_("changed"),
    "added": N_("added"),
}


def _diff(a: str, b: str) -> SpecDiff:
    with st.spinner(_("Comparing the designs…")):
        return _diff_of(a, b)


@st.cache_data(max_entries=32, show_spinner=False)
def _diff_of(a: str, b: str) -> SpecDiff:
    """The comparison (its notes render in the language of whoever reads them)."""
    return diff(engine.spec_of(a), engine.spec_of(b))


def _dot(cj: str, slots: tuple[str, ...]) -> str:
    return _dot_of(cj, slots, current_language())


@st.cache_data(max_entries=64, show_spinner=False)
def _dot_of(cj: str, slots: tuple[str, ...], lang: str) -> str:
    with use_language(lang):  # a diagram's words are drawn into it: one drawing per language
        return highlighted_dot(engine.spec_of(cj), set(slots))


def _imported(digest: str, data: bytes) -> tuple:
    with st.spinner(_("Reading the model…")):
        return _imported_of(digest, data)


@st.cache_data(max_entries=8, show_spinner=False)
def _imported_of(digest: str, data: bytes) -> tuple:
    result = import_model(data)
    spec = None if result.spec is None else canonical_json(result.spec)
    return spec, list(result.unsupported)  # `Finding`s: they read in the page's language


def _other(*, key: str):
    """The design to compare with, as canonical JSON (None until one is chosen)."""
    source = st.radio(
        _("Compare the design with"),
        SOURCES,
        format_func=in_current_language(_),
        key=f"{key}.source",
        horizontal=True,
    )
    if source == SOURCES[0]:
        name = st.selectbox(
            _("Preset"),
            list(preset_index()),
            key=f"{key}.preset",
            format_func=in_current_language(preset_title),
        )
        return canonical_json(load_spec(f"preset:{name}"))
    if source == SOURCES[1]:
        upload = st.file_uploader(
            _("A spec (.json) or a model (.onnx)"), type=["json", "onnx"], key=f"{key}.file"
        )
        if upload is None:
            return None
        if upload.name.lower().endswith(".onnx"):
            return _other_model(upload)
        if upload.size > MAX_SPEC_BYTES:
            st.error(
                _("Specs are capped at {cap} bytes; this one is {size}.").format(
                    cap=f"{MAX_SPEC_BYTES:,}", size=f"{upload.size:,}"
                )
            )
            return None
        try:
            return canonical_json(load_spec(upload.getvalue()))
        except SpecError as exc:
            st.error(_("Not a valid spec: {reason}").format(reason=state.md_escape(exc.message)))
            return None
    past = state.history()
    if not past:
        st.info(_("No earlier designs yet: edit the design, then compare it with what it was."))
        return None
    n = st.number_input(_("Edits ago"), 1, len(past), 1, key=f"{key}.ago")
    return canonical_json(engine.spec_of(past[-int(n)]))


def _other_model(upload):
    if upload.size > MAX_ONNX_BYTES:
        st.error(_("Models up to {mb} MB are read.").format(mb=MAX_ONNX_BYTES // 2**20))
        return None
    data = upload.getvalue()
    try:
        cj, report = _imported(hashlib.sha256(data).hexdigest(), data)
    except ImportReadError as exc:
        st.error(state.md_escape(exc.message))
        return None
    for finding in report:
        st.caption(finding_text(finding))
    if cj is None:
        st.error(_("The model does not fit spec v1, so there is nothing to compare."))
    return cj


def render_compare_with(spec, *, key: str) -> None:
    other = _other(key=key)
    if other is None:
        return
    current = canonical_json(spec)
    result = _diff(other, current)
    a_slots, b_slots = result.changed_slots("a"), result.changed_slots("b")
    left, right = st.columns(2)
    for col, cj, slots, title in (
        (left, other, a_slots, _("A — the other design")),
        (right, current, b_slots, _("B — this design")),
    ):
        with col:
            st.markdown(f"**{title}:** `{engine.spec_of(cj).name}`")
            st.graphviz_chart(_dot(cj, tuple(sorted(slots))), width="stretch")
    st.markdown("#### " + _("Changes (A → B)"))
    if result.same:
        st.success(_("The two designs are the same."))
    for change in (c.to_dict() for c in result.changes):
        kind = _(CHANGES.get(change["kind"], change["kind"]))
        st.markdown(f"- `{change['path'] or '(spec)'}` — {kind}: {_show(change)}")
    st.markdown("#### " + _("Deltas (B − A)"))
    rows = [
        {
            _("metric"): _(METRICS[d.metric]),
            "A": d.a,
            "B": d.b,
            "B − A": d.delta,
            "%": None if d.pct is None else round(d.pct, 2),
        }
        for d in result.deltas
    ]
    st.dataframe(rows, hide_index=True, width="stretch", key=f"{key}.deltas")
    for note in result.notes:
        st.caption(Text.of(note).render())


def _show(change: dict) -> str:
    def fmt(v):
        return "—" if v is None else f"`{json.dumps(v)}`" if isinstance(v, dict) else f"`{v}`"

    if change["kind"] == "moved":
        return _("{slot} from `{before}`").format(
            slot=fmt(change["after"]), before=change["before"]
        )
    return f"{fmt(change['before'])} → {fmt(change['after'])}"
