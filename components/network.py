"""A network's overview: stem, editable stage table (depth and width), attention per stage and
per block (block overrides), the attention overhead of each stage (notes §12.4), head."""

from __future__ import annotations

import streamlit as st

from components import design, engine, state
from resattn.counting import stage_overheads
from resattn.diagrams.words import attention_label, pattern_text
from resattn.i18n import N_, _
from resattn.networks import expand_blocks
from schemas import ATTENTION_LABELS, SLOT_NAMES, Stage, canonical_json

#: stage-table column → the stage field it edits
EDITABLE = {"blocks": "depth", "out channels": "out_channels"}
#: stage-table column → its title in the page's language (`_(COLUMNS[column])`; English: the key)
COLUMNS = {
    "stage": N_("stage"),
    "blocks": N_("blocks"),
    "out channels": N_("out channels"),
    "family": N_("family"),
    "stride": N_("stride"),
    "input": N_("input"),
    "attention": N_("attention"),
    "block overrides": N_("block overrides"),
    "attention overhead (§12.4)": N_("attention overhead (§12.4)"),
}


def overheads(cj: str) -> list[tuple[float, float]]:
    """(params %, MACs %) attention adds to each stage; None-free only for buildable designs.
    Cached without the design's name (renaming the design redoes nothing)."""
    return _overheads(engine.work_json(cj))


@st.cache_data(max_entries=128, show_spinner=False)
def _overheads(work: str) -> list[tuple[float, float]]:
    return stage_overheads(engine.spec_of(work))


def _bounds(field: str) -> tuple[int, int]:
    meta = {type(m).__name__: m for m in Stage.model_fields[field].metadata}
    return getattr(meta.get("Ge"), "ge", 1), getattr(meta.get("Le"), "le", 4096)


def _overrides_text(stage) -> str:
    ordered = sorted(stage.overrides, key=lambda o: o.index)
    return (
        "; ".join(
            _("block {index}: {attention}").format(index=o.index, attention=pattern_text(o.slots))
            for o in ordered
        )
        or "—"
    )


def _editable() -> dict[str, str]:
    """The editable columns' titles in the page's language → the stage field each one edits."""
    return {_(COLUMNS[column]): field for column, field in EDITABLE.items()}


@state.in_page_language
def _on_table_edit(key: str) -> None:
    edits = st.session_state.get(key, {}).get("edited_rows", {})
    spec = state.spec()
    data = design.as_dict(spec)
    editable = _editable()
    for row, changes in edits.items():
        for column, value in changes.items():
            if column in editable and value is not None:
                data["stages"][int(row)][editable[column]] = int(value)
    state.commit(data, N_("stage edit"))


def render_network(spec, *, key: str) -> None:
    cj = canonical_json(spec)
    blocks = expand_blocks(spec)
    first = {b.stage: b.spec for b in reversed(blocks)}
    ok = engine.params(cj) is not None  # the overhead needs a buildable design
    costs = overheads(cj) if ok else None
    rows = []
    for i, s in enumerate(spec.stages):
        b = first[i]
        row = {
            "stage": i + 1,
            "blocks": s.depth,
            "out channels": s.out_channels,
            "family": _(design.FAMILIES[design.family_of(b.block)][0]),
            "stride": s.stride,
            "input": f"{b.input.channels}×{b.input.height}×{b.input.width}",
            "attention": pattern_text(s.slots),
            "block overrides": _overrides_text(s),
        }
        if costs is not None:
            params_pct, macs_pct = costs[i]
            row["attention overhead (§12.4)"] = _(
                "+{params_pct}% params, +{macs_pct}% MACs"
            ).format(params_pct=f"{params_pct:.1f}", macs_pct=f"{macs_pct:.2f}")
        rows.append({_(COLUMNS[column]): value for column, value in row.items()})
    stem = (
        "7×7/2 conv + BN + ReLU + 3×3/2 max-pool"
        if spec.stem.type == "imagenet"
        else "3×3 conv + BN + ReLU"
    )
    st.markdown(
        _(
            "**{name}** — stem: {stem} ({channels} ch) → {stages} stages, {blocks} blocks → "
            "global average pool → linear ({classes} classes). Edit a stage's **blocks** "
            "(depth) or **out channels** (width) in the table; choose a stage below to see and "
            "edit its block."
        ).format(
            name=state.md_escape(spec.name),
            stem=stem,
            channels=spec.stem.out_channels,
            stages=len(spec.stages),
            blocks=len(blocks),
            classes=spec.num_classes,
        )
    )
    editable = _editable()
    columns = {
        title: st.column_config.NumberColumn(
            title, min_value=_bounds(field)[0], max_value=_bounds(field)[1], step=1, required=True
        )
        for title, field in editable.items()
    }
    tkey = state.drawn_key(f"{key}.stages")  # a fresh table after every change of the design
    st.data_editor(
        rows,
        hide_index=True,
        width="stretch",
        key=tkey,
        column_config=columns,
        disabled=[c for c in rows[0] if c not in editable],
        on_change=_on_table_edit,
        args=(tkey,),
    )
    if costs is None:
        st.caption(_("The attention overhead per stage shows once the design has no errors."))
    render_block_overrides(spec, key=key)


# --- attention per block ---------------------------------------------------------------------

_NONE = "—"


def _kind_label(kind: str) -> str:
    return _NONE if kind == _NONE else ATTENTION_LABELS[kind]


@state.in_page_language
def _apply_override(key: str, stage: int, index: int) -> None:
    spec = state.spec()
    data = design.as_dict(spec)
    current = spec.stages[stage].block_slots(index)
    slots = {}
    for slot in SLOT_NAMES:
        kind = st.session_state.get(f"{key}.{slot}", _NONE)
        attn = getattr(current, slot)
        if kind == _NONE:
            slots[slot] = None
        elif attn is not None and attn.type == kind:
            slots[slot] = attn.model_dump()  # keep its settings
        else:
            slots[slot] = design.default_attention(kind)
    kept = [o for o in data["stages"][stage]["overrides"] if o["index"] != index]
    data["stages"][stage]["overrides"] = sorted(
        kept + [{"index": index, "slots": slots}], key=lambda o: o["index"]
    )
    state.commit(data, _("override of block {index}").format(index=index))


@state.in_page_language
def _remove_override(stage: int, index: int) -> None:
    data = design.as_dict(state.spec())
    overrides = data["stages"][stage]["overrides"]
    data["stages"][stage]["overrides"] = [o for o in overrides if o["index"] != index]
    state.commit(data, _("removal of block {index}'s override").format(index=index))


def render_block_overrides(spec, *, key: str) -> None:
    """Attention for one block of the focused stage, in place of the stage's."""
    i = min(state.focus(), len(spec.stages) - 1)
    stage = spec.stages[i]
    title = _("Attention per block — stage {stage} ({depth} blocks)")
    # closed, it costs an edit nothing (its six widgets are not sent)
    box = state.lazy_expander(title.format(stage=i + 1, depth=stage.depth), key=f"{key}.ovr.open")
    if box is None:
        return
    with box:
        st.caption(
            _(
                "Every block holds its stage's attention (the canvas) unless it has an override "
                "here — notes §12.4: put attention where it pays."
            )
        )
        overridden = {o.index for o in stage.overrides}
        names = {
            j: _("block {index} (override)") if j in overridden else _("block {index}")
            for j in range(1, stage.depth + 1)
        }
        index = st.selectbox(
            _("Block"),
            list(range(1, stage.depth + 1)),
            format_func=lambda j: names[j].format(index=j),
            key=f"{key}.ovr.block.{i}",
        )
        current = stage.block_slots(index)
        okey = state.drawn_key(f"{key}.ovr.{i}.{index}")  # fresh widgets for a new design
        cols = st.columns(len(SLOT_NAMES))
        for col, slot in zip(cols, SLOT_NAMES, strict=True):
            attn = getattr(current, slot)
            options = [_NONE, *ATTENTION_LABELS]
            with col:
                st.selectbox(
                    slot.replace("_", "-"),
                    options,
                    index=options.index(attn.type) if attn is not None else 0,
                    format_func=_kind_label,
                    key=f"{okey}.{slot}",
                    help=None
                    if attn is None
                    else _("now: {attention}").format(attention=attention_label(attn)),
                )
        c1, c2 = st.columns(2)
        c1.button(
            _("Apply to block {index}").format(index=index),
            key=f"{okey}.apply",
            on_click=_apply_override,
            args=(okey, i, index),
            width="stretch",
        )
        c2.button(
            _("Back to the stage's attention for block {index}").format(index=index),
            key=f"{okey}.remove",
            on_click=_remove_override,
            args=(i, index),
            disabled=not any(o.index == index for o in stage.overrides),
            width="stretch",
        )
