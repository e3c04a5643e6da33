"""A network's overview: stem, editable stage table (depth and width), attention per stage and
per block (block overrides), the attention overhead of each stage (notes §12.4), head."""

from __future__ import annotations

from typing import Any, Optional

import streamlit as st

from components import design, engine, state
from components.stage_table import stage_table
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


def _sent_edit(component_key: str) -> Optional[tuple[int, str, Any]]:
    """(stage index, column, value) of the edit the stage table reported; None if its state
    holds none (or not one of an editable column)."""
    value = st.session_state.get(component_key)
    edit = value.get("edit") if isinstance(value, dict) else None
    if not isinstance(edit, dict):
        return None
    row, column, keys = edit.get("row"), edit.get("column"), list(COLUMNS)
    if not (type(row) is int and type(column) is int and 0 <= column < len(keys)):  # no bools
        return None
    if keys[column] not in EDITABLE:
        return None
    return row, keys[column], edit.get("value")


def apply_stage_edit(row: int, column: str, value: Any) -> None:
    """Set the editable `column` (a key of `EDITABLE`) of stage `row` to `value`, or refuse it
    with the schema's reason (the design is kept). A row the design does not have (a table
    drawn for an earlier design) changes nothing."""
    spec = state.spec()
    if not 0 <= row < len(spec.stages):
        return
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # the browser's number box sends 3 as 3.0 or 3
    data = design.as_dict(spec)
    data["stages"][row][EDITABLE[column]] = value
    state.commit(data, N_("stage edit"))


@state.in_page_language
def _on_table_edit(component_key: str) -> None:
    edit = _sent_edit(component_key)
    if edit is not None:
        apply_stage_edit(*edit)


def table_data(spec, costs: Optional[list[tuple[float, float]]]) -> dict:
    """What the stage table (`components.stage_table`) draws: a column per `COLUMNS` entry (the
    overhead only when `costs` is given), titled in the page's language, the editable ones with
    the schema's bounds; a row of cells per stage."""
    blocks = expand_blocks(spec)
    first = {b.stage: b.spec for b in reversed(blocks)}
    keys = list(COLUMNS) if costs is not None else list(COLUMNS)[:-1]
    columns = []
    for column in keys:
        entry = {"title": _(COLUMNS[column])}
        if column in EDITABLE:
            entry["min"], entry["max"] = _bounds(EDITABLE[column])
        columns.append(entry)
    rows = []
    for i, s in enumerate(spec.stages):
        b = first[i]
        row = [
            i + 1,
            s.depth,
            s.out_channels,
            _(design.FAMILIES[design.family_of(b.block)][0]),
            s.stride,
            f"{b.input.channels}×{b.input.height}×{b.input.width}",
            pattern_text(s.slots),
            _overrides_text(s),
        ]
        if costs is not None:
            params_pct, macs_pct = costs[i]
            row.append(
                _("+{params_pct}% params, +{macs_pct}% MACs").format(
                    params_pct=f"{params_pct:.1f}", macs_pct=f"{macs_pct:.2f}"
                )
            )
        rows.append(row)
    # an edit attempt, even a refused one, redraws the table: the boxes show the design again
    return {
        "label": _("The network's stages"),
        "columns": columns,
        "rows": rows,
        "rev": state.rev(),
    }


def render_network(spec, *, key: str) -> None:
    cj = canonical_json(spec)
    ok = engine.params(cj) is not None  # the overhead needs a buildable design
    costs = overheads(cj) if ok else None
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
            blocks=sum(stage.depth for stage in spec.stages),
            classes=spec.num_classes,
        )
    )
    tkey = f"{key}.stages"
    stage_table(table_data(spec, costs), key=tkey, on_edit=lambda: _on_table_edit(tkey))
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
