"""The canvas panel: the slot canvas (drag and drop, and the keyboard path), the gate editor."""

from __future__ import annotations

import logging
import typing
from typing import Optional

import streamlit as st
from pydantic import ValidationError

from components import design, engine, state, tour
from components.checks import say
from components.slot_canvas import slot_canvas
from components.texts import ATTENTION, PATTERNS, attention, pattern, place, slot_label
from resattn.i18n import N_, _, current_language, use_language
from schemas import (
    ATTENTION_MODELS,
    SLOT_NAMES,
    SLOT_PATTERNS,
    SLOT_SYMBOLS,
    Diagnostic,
    SpecError,
    canonical_json,
    parse_spec,
)

_OPS = {"place", "move", "remove", "select"}
_EDITS = "studio.edits"
#: the most edits one message may carry (the rest come with the next one)
MAX_EDITS = 200
_SUBSCRIPT = str.maketrans("prso", "ₚᵣₛₒ")


def _where(slot: str) -> str:
    """Where a gate in `slot` sits, in the page's language: "before the branch (P3)"."""
    return f"{place(slot)} ({SLOT_PATTERNS[slot]})"


def _symbol(slot: str) -> str:
    """A_p → Aₚ (the canvas draws the symbol with a real subscript)."""
    letter, _sep, sub = SLOT_SYMBOLS[slot].partition("_")
    return letter + sub.translate(_SUBSCRIPT)


#: slot → the drop zone's title, e.g. "Aₚ · pre-residual · P3"
_TITLES = {
    slot: f"{_symbol(slot)} · {slot.replace('_', '-')} · {SLOT_PATTERNS[slot]}"
    for slot in SLOT_NAMES
}


#: the most blocks the up-front zone report may lint in all (each of its slot × kind drop
#: variants is a lint of the whole design): past it the report is not drawn on the page and a
#: drop is checked when it is made (`drop_error`, one variant) — see docs/studio.md, The canvas
REPORT_BLOCKS = 1024


def block_count(spec) -> int:
    """How many blocks the design has, from the spec alone (a network's stage depths)."""
    return sum(s.depth for s in spec.stages) if spec.kind == "network" else 1


def report_up_front(spec) -> bool:
    """Whether the canvas gets every drop's verdict with the page (the zone report)."""
    variants = len(SLOT_NAMES) * len(ATTENTION_MODELS)
    return block_count(spec) * variants <= REPORT_BLOCKS


#: why a drop is refused (the canvas's script says the same while the chip is dragged)
CANT_GO = N_("{label} can't go {where}: {reason}")
#: why a drop variant was not linted: the engine failed on it (``(UNCHECKED, error name)``)
UNCHECKED = N_("this placement could not be checked ({error})")


def _verdict(spec, base: set, slot: str, kind: str, stage: int) -> tuple:
    """(error, warning, linted) of dropping `kind` into `slot` of `stage`: the first error and
    warning it would add to `base` (a `Diagnostic`, the schema's message, or
    ``(UNCHECKED, error name)``: `_say` words it), and whether the variant was linted at all.
    The verdicts are cached for every session, so they hold no words of one language."""
    try:
        new_cj = canonical_json(parse_spec(design.place(spec, slot, kind, stage)))
    except SpecError as exc:
        return exc.message, None, False
    try:
        found = engine.lint(new_cj)
    except Exception as exc:  # noqa: BLE001 - an engine failure refuses this drop only
        logging.getLogger(__name__).exception("linting a drop variant failed")
        return (UNCHECKED, type(exc).__name__), None, False
    new = [d for d in found if (d.code, d.path) not in base]
    err = [d for d in new if d.severity == "error"]
    warn = [d for d in new if d.severity == "warning"]
    return (err[0] if err else None), (warn[0] if warn else None), True


def _say(verdict) -> Optional[str]:
    """A verdict of `_verdict` in the page's language (None stays None)."""
    if isinstance(verdict, Diagnostic):
        return say(verdict)
    if isinstance(verdict, tuple):
        message, error = verdict
        return _(message).format(error=error)
    return verdict


def _base(cj: str) -> set:
    return {(d.code, d.path) for d in engine.lint(cj)}


@st.cache_resource(max_entries=256, show_spinner=False)
def _zone_verdicts(work: str, stage: int) -> dict:
    """`zone_report` before it is worded (`_verdict`), cached by the design without its name
    (`engine.work_json`: a drop's verdict does not depend on it). Every edit reads it, so it is
    shared, not copied (no unpickling per read): its readers only read it, and its findings
    render their words when read."""
    spec, base = engine.spec_of(work), _base(work)
    report = {}
    for slot in SLOT_NAMES:
        errors, warnings = {}, {}
        for kind in ATTENTION_MODELS:
            errors[kind], warning, linted = _verdict(spec, base, slot, kind, stage)
            if linted:
                warnings[kind] = warning
        report[slot] = {"errors": errors, "warnings": warnings}
    return report


def zone_report(cj: str, stage: int) -> dict:
    """slot → {"errors": {kind: message}, "warnings": {kind: message}} for each possible drop,
    in the page's language.

    A drop is refused when it would add a linter error the design does not already have.
    """
    return _worded_zone_report(engine.work_json(cj), stage, current_language())


@st.cache_resource(max_entries=256, show_spinner=False)
def _worded_zone_report(work: str, stage: int, lang: str) -> dict:
    """`zone_report` in `lang`, cached by it too (every edit sends the report again; wording
    its 64 verdicts anew was a twentieth of the server's time per edit). Shared, not copied:
    its readers only read it."""
    with use_language(lang):
        return {
            slot: {part: {k: _say(v) for k, v in found.items()} for part, found in verdicts.items()}
            for slot, verdicts in _zone_verdicts(work, stage).items()
        }


@st.cache_resource(max_entries=256, show_spinner=False)
def _drop_verdict(work: str, stage: int, slot: str, kind: str):
    return _verdict(engine.spec_of(work), _base(work), slot, kind, stage)[0]


def drop_error(spec, stage: int, slot: str, kind: str) -> Optional[str]:
    """Why dropping `kind` into `slot` of `stage` is refused (None: it is not) — from the zone
    report where the page has it, else from that one variant."""
    work = engine.work_json(canonical_json(spec))
    if report_up_front(spec):
        return _say(_zone_verdicts(work, stage)[slot]["errors"].get(kind))
    return _say(_drop_verdict(work, stage, slot, kind))


def labels() -> dict:
    """The words the canvas's script shows, in the page's language (``{name}`` placeholders
    are filled in by the script)."""
    return {
        "canvas": _("Residual block canvas: drag attention chips onto a slot"),
        "chips": _("Attention chips"),
        "palette": _("Attention"),
        "palette_chip": _("{name} — gates {gates}. Drag onto a slot."),
        "palette_chip_aria": _("{name} chip: drag onto a slot"),
        "block": _("Residual block: {formula}"),
        "skip": _("skip"),
        "branch": _("branch"),
        "identity": _("identity"),
        "legend": _("⊗ gate: the wire × α  ·  ⊕ residual add"),
        "help": _("Drag a chip onto a slot · drag it off or press × to remove · click it to edit"),
        "drop_here": _("drop attention here"),
        "not_allowed": _("Not allowed here:"),
        "placed_aria": _("{label} in {slot}; press Delete to remove, Enter to edit"),
        "placed": _("{name} — {detail}. Drag off the block or press × to remove; click to edit."),
        "remove_aria": _("Remove {label} from {slot}"),
        "remove": _("Remove {label}"),
        "cant_go": _(CANT_GO),
        "warn_here": _("{label} {where} — {warning}"),
        "drop_to_put": _("Drop to put {label} {where} — {code}: {formula}"),
        "release_to_remove": _("Release here to remove {label} from the block"),
        "drag_onto": _("Drag {label} onto one of the four slots"),
        "drag_onto_or": _("Drag {label} onto one of the four slots (or use the selects below)"),
        "removed": _("Removed {label} from {where}"),
        "dropped_outside": _("Dropped outside the slots — nothing changed"),
        "placing": _("Placing {label} {where}…"),
        "not_applied": _("Not applied: {reason}"),
        "keys_title": _("Slots — the same edits without a mouse: choose a gate per slot."),
        "keys_none": _("— empty (identity) —"),
    }


def canvas_data(spec, stage: int = 0) -> dict:
    """Everything the canvas draws, as JSON data (its words in the page's language)."""
    block = design.edited_block(spec, stage)
    unchecked = {"errors": {}, "warnings": {}}
    up_front = report_up_front(spec)
    report = zone_report(canonical_json(spec), stage) if up_front else None
    in_shape, out_shape = design.io_shapes(block)
    family = design.FAMILIES[design.family_of(block.block)][0]
    fam = _(family).lower()
    slots = {}
    for name, att in block.slots.items():
        slots[name] = (
            None
            if att is None
            else {
                "type": att.type,
                "label": ATTENTION[att.type][0],
                "name": ATTENTION[att.type][1],
                "detail": design.att_detail(att),
            }
        )
    zones = {
        slot: {
            **{k: pattern(slot)[k] for k in ("code", "name", "formula", "meaning")},
            "title": _TITLES[slot],
            "where": _where(slot),
            "filled": slots[slot] is not None,
            **(report[slot] if up_front else unchecked),
        }
        for slot in SLOT_NAMES
    }
    context = None
    if spec.kind == "network":
        context = _(
            "Showing stage {stage} of {stages} ({depth} blocks): a gate placed here goes into "
            "every block of the stage."
        ).format(stage=stage + 1, stages=len(spec.stages), depth=spec.stages[stage].depth)
        if not up_front:
            context += " " + _("A drop is checked when it is made.")
    return {
        "formula": design.formula(block),
        "patterns": [
            {"code": p["code"], "name": _(p["name"]), "formula": p["formula"]}
            for p in design.patterns_in(block)
        ],
        "block": {
            "title": f"F · {block.block.type}"
            if family.lower() == block.block.type
            else f"F · {fam} ({block.block.type})",
            "layers": design.branch_layers(block),
            "skip": design.skip_label(block),
            "act": "ReLU" if design.post_activation(block) else None,
            "in_shape": in_shape,
            "out_shape": out_shape,
        },
        "slots": slots,
        "zones": zones,
        "selected": state.selected(),
        "ack": acknowledged(),
        "tour": tour.active(),
        "context": context,
        "palette": [
            {"type": t, "label": label, "name": name, "gates": gates}
            for t, (label, name, gates) in ((t, attention(t)) for t in ATTENTION)
        ],
        "labels": labels(),
        "keys": [
            {
                "slot": slot,
                "label": slot_label(slot),
                "help": f"{PATTERNS[slot]['code']}: {PATTERNS[slot]['formula']}. "
                f"{pattern(slot)['meaning']}",
            }
            for slot in SLOT_NAMES
        ],
    }


def apply_edits(value) -> None:
    """Apply the canvas's edits that are new, in sequence order, each number once.

    `value` is the canvas's trigger value ``{"epoch", "edits": [{"seq", "op", ...}]}``: every
    edit the page has not seen acknowledged (see ``canvas.js``), so an edit whose own trigger
    was lost arrives with the next one, and one that arrives twice is skipped. The outcome —
    the last number applied and the reasons of refused edits — goes back in the canvas data.
    """
    if not isinstance(value, dict) or not isinstance(value.get("edits"), list):
        return
    epoch = str(value.get("epoch", ""))[:64]
    if not epoch:
        return
    log = st.session_state.get(_EDITS)
    if not isinstance(log, dict) or log.get("epoch") != epoch:
        log = {"epoch": epoch, "seq": 0, "refused": []}  # a new page (or a remounted canvas)
    edits = [e for e in value["edits"][:MAX_EDITS] if isinstance(e, dict)]
    edits = [e for e in edits if isinstance(e.get("seq"), int) and e["seq"] > log["seq"]]
    for edit in sorted(edits, key=lambda e: e["seq"]):
        reason = apply_action(edit)
        log = {**log, "seq": edit["seq"]}
        if reason:
            log["refused"] = [*log["refused"], {"seq": edit["seq"], "reason": reason}][-5:]
    st.session_state[_EDITS] = log


def acknowledged() -> Optional[dict]:
    """What the canvas data says back: the epoch, the last sequence number applied, refusals."""
    return st.session_state.get(_EDITS)


def apply_action(action) -> Optional[str]:
    """Apply one edit (canvas or keyboard path); the reason if it was refused, else None."""
    if not isinstance(action, dict):
        return _("not an edit")
    op, slot, kind = action.get("op"), action.get("slot"), action.get("type")
    if op in ("undo", "redo"):
        (state.undo if op == "undo" else state.redo)()
        return None
    if op == "tour":
        step = action.get("step")
        return tour.step(int(step)) if isinstance(step, int) and step in (-1, 1) else None
    if op not in _OPS or slot not in SLOT_NAMES:
        return _("not an edit of a slot")
    spec, stage = state.spec(), state.focus()
    if op == "select":
        state.select(slot)
        return None
    if op == "remove":
        if state.commit(design.place(spec, slot, None, stage), N_("removal")) and (
            state.selected() == slot
        ):
            state.select(None)
        return None
    if kind not in ATTENTION_MODELS:
        return _("unknown attention kind {kind}").format(kind=repr(str(kind)[:20]))
    error = drop_error(spec, stage, slot, kind)
    if error:
        reason = _(CANT_GO).format(label=ATTENTION[kind][0], where=_where(slot), reason=error)
        state.flash("error", reason)
        state.touch()  # the gate editor's widgets show the design as it stays
        return reason
    source = action.get("from")
    if op == "move" and source in SLOT_NAMES and source != slot:
        data = design.move(spec, source, slot, stage)
    else:
        data = design.place(spec, slot, kind, stage)
    if state.commit(data, N_("placement")):
        state.select(slot)
        return None
    return _("the design would be invalid (see the message above)")


@state.in_page_language
def _on_canvas(key: str) -> None:
    value = st.session_state.get(key)
    if isinstance(value, dict):
        apply_edits(value.get("edits"))


def render_canvas(spec, *, key: str) -> None:
    """The canvas (with the keyboard path: one select per slot, drawn by the canvas's script),
    then the editor of the selected gate, right under it so a clicked chip's parameters are in
    view."""
    stage = state.focus()
    if spec.kind == "network":
        stage = _stage_picker(spec, key=key)
    pending = st.session_state.get(f"{key}.canvas")
    if isinstance(pending, dict) and isinstance(pending.get("edits"), dict):
        before = state.rev()
        apply_edits(pending["edits"])  # edits set through session state (tests, scripts)
        if state.rev() != before:
            st.rerun()
    data = canvas_data(spec, stage)
    slot_canvas(data, key=f"{key}.canvas", on_edits=lambda: _on_canvas(f"{key}.canvas"))
    block = design.edited_block(spec, stage)
    filled = [s for s in SLOT_NAMES if getattr(block.slots, s) is not None]
    if filled:
        render_gate_editor(spec, block, stage, filled, key=key)
    else:
        st.caption(
            _("No attention yet: drag a chip onto a slot, or choose one in a slot's select.")
        )


def _stage_picker(spec, *, key: str) -> int:
    wkey = f"{key}.stage"
    options = list(range(len(spec.stages)))
    state.bind(wkey, min(state.focus(), options[-1]))
    st.selectbox(
        _("Stage shown on the canvas"),
        options,
        key=wkey,
        format_func=[
            _("Stage {stage} — {depth} × {block}, {channels} channels, stride {stride}").format(
                stage=i + 1,
                depth=s.depth,
                block=s.block.type,
                channels=s.out_channels,
                stride=s.stride,
            )
            for i, s in enumerate(spec.stages)
        ].__getitem__,
        on_change=lambda: state.set_focus(st.session_state[wkey]),
        help=_(
            "A network's blocks are edited stage by stage: the canvas shows the stage's first "
            "block, and its slots apply to every block of the stage."
        ),
    )
    return st.session_state[wkey]


def render_gate_editor(spec, block, stage: int, filled: list[str], *, key: str) -> None:
    """Edit the parameters of one gate; every change goes through the schema."""
    sel = state.selected() if state.selected() in filled else filled[0]
    skey = state.drawn_key(f"{key}.edit_slot")
    with st.container(border=True):
        slot, about_col = sel, st
        if len(filled) > 1:  # which gate to edit: a choice only when there is one
            top = st.columns([2, 5])
            top[0].radio(
                _("Edit the gate"),
                filled,
                index=filled.index(sel),
                key=skey,
                format_func=lambda s: f"{ATTENTION[getattr(block.slots, s).type][0]} · {s}",
                on_change=lambda: state.drawn_now(skey) and state.select(st.session_state[skey]),
                horizontal=True,
            )
            slot, about_col = st.session_state.get(skey, sel), top[1]
        att = getattr(block.slots, slot)
        model = ATTENTION_MODELS[att.type]
        about = design.field_help(model, "type")
        about_col.markdown(f"**{ATTENTION[att.type][0]} {_where(slot)}**  \n{about}")
        fields = [n for n in model.model_fields if n != "type"]
        cols = st.columns(max(len(fields), 1))
        for col, name in zip(cols, fields, strict=False):
            with col:
                _field_widget(
                    spec, stage, slot, att, name, key=f"{key}.att.{slot}.{att.type}.{name}"
                )


def _bounds(field) -> tuple:
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", getattr(m, "gt", lo))
        hi = getattr(m, "le", hi)
    return lo, hi


def _choices(model, name: str) -> Optional[list]:
    """The options of a closed field, read from the pydantic model: a `Literal`'s members, or an
    optional small int's valid values with "auto" for null (e.g. ECA's kernel size); None for
    an open field (a number input)."""
    field = model.model_fields[name]
    args = typing.get_args(field.annotation)
    if typing.get_origin(field.annotation) is typing.Literal:
        return list(args)
    if type(None) not in args:
        return None
    lo, hi = _bounds(field)
    kind = model.model_fields["type"].annotation.__args__[0]
    valid = []
    for value in range(int(lo or 1), int(hi or 31) + 1):
        try:
            model.model_validate({"type": kind, name: value})
        except ValidationError:
            continue
        valid.append(value)
    return ["auto", *valid]


def _field_widget(spec, stage: int, slot: str, att, name: str, *, key: str) -> None:
    """One option's widget, built from its pydantic field (options and description). A number
    box takes any number: the schema refuses one out of bounds, with the bound named under the
    box, and the box shows the value kept."""
    model = type(att)
    value = getattr(att, name)
    label = name.replace("_", " ")
    choices = _choices(model, name)
    wkey = state.drawn_key(key)

    @state.in_page_language
    def on_change() -> None:
        if not state.drawn_now(wkey):
            return
        new = st.session_state[wkey]
        if choices and new == "auto":
            new = None
        params = {**att.model_dump(mode="json"), name: new}
        state.commit(
            design.place(state.spec(), slot, att.type, stage, params=params),
            state.change_of(label),
            field=key,
        )

    if choices is not None:
        current = "auto" if value is None else value
        st.selectbox(
            label,
            choices,
            index=choices.index(current),
            key=wkey,
            on_change=on_change,
            help=design.field_help(model, name),
        )
    else:
        is_float = isinstance(value, float)
        st.number_input(
            label,
            value=value,
            step=None if is_float else 1,
            format="%g" if is_float else None,
            key=wkey,
            on_change=on_change,
            help=design.field_help(model, name),
        )
    state.show_field_error(key)
