"""The sidebar: block family and fields, input shape, presets gallery, spec upload, share link."""

from __future__ import annotations

from typing import Optional
from urllib.parse import quote, urlsplit, urlunsplit

import streamlit as st

from components import design, engine, state, tour
from components.preset_grid import preset_grid
from components.texts import ATTENTION, PATTERNS
from resattn.i18n import N_, _
from resattn.loading import MAX_SPEC_BYTES, load_spec
from resattn.presets import preset_index, preset_title
from schemas import BlockSpec, InputSpec, NetworkSpec, SpecError, Stage, canonical_json


def render_sidebar(spec, *, key: str) -> None:
    with st.sidebar:
        state.bind(f"{key}.present", tour.present())
        st.toggle(
            _("Projector mode"),
            key=f"{key}.present",
            on_change=state.in_page_language(
                lambda: tour.set_present(st.session_state[f"{key}.present"])
            ),
            help=_(
                "Hides this sidebar, makes the canvas and the formula large and starts the "
                "guided tour (baseline → P1 → P2 → P3 → P4; arrow keys step). The link "
                "`?present=1` opens the page this way."
            ),
        )
        st.markdown("### " + _("Design settings"))
        if spec.kind == "block":
            render_block_fields(spec, key=key)
        else:
            render_network_fields(spec, key=key)
        render_input_fields(spec, key=key)
        st.divider()
        render_presets(key=f"{key}.presets")
        render_upload(key=f"{key}.upload")
    state.mark_sidebar()


def render_name(spec, *, key: str) -> None:
    """The design's name (it names the exported class). Until the user types one, a block's
    name follows the design (`state.auto_name`); clearing the box makes it follow again."""
    state.bind(key, spec.name)
    follows = " " + _("It follows the design until you type one.")
    st.text_input(
        _("Design name"),
        key=key,
        max_chars=64,
        on_change=state.in_page_language(lambda: state.rename(st.session_state[key])),
        help=design.field_help(type(spec), "name") + (follows if spec.kind == "block" else ""),
    )
    state.show_field_error(key)


@state.in_page_language
def _commit_field(path: list, widget_key: str, what: str, convert=lambda v: v) -> None:
    state.commit(design.with_field(state.spec(), path, convert(st.session_state[widget_key])), what)


def _bounds(model, name: str) -> tuple:
    """The field's (ge, le) bounds as the schema declares them (None where unbounded)."""
    meta = model.model_fields[name].metadata
    lo = next((m.ge for m in meta if hasattr(m, "ge")), None)
    hi = next((m.le for m in meta if hasattr(m, "le")), None)
    return lo, hi


def _number(spec, path, label, *, key, model, hi=None, step=1, fmt=None):
    """A number input for a spec field, help and bounds from the schema (`hi` may tighten an
    open bound, e.g. dropout < 1). The box takes any number: one out of bounds is refused by the
    schema with the bound named right under the box, and the box goes back to the design's
    value (a widget-side bound would leave the refused number in the box, unapplied)."""
    lo, schema_hi = _bounds(model, path[-1])
    hi = schema_hi if hi is None else hi
    bounds = ", ".join(
        part
        for part in (
            lo is not None and _("min {value}").format(value=f"{lo:g}"),
            hi is not None and _("max {value}").format(value=f"{hi:g}"),
        )
        if part
    )
    state.bind(key, design.value_at(spec, path))
    st.number_input(
        label,
        step=step,
        key=key,
        help=design.field_help(model, path[-1]) + (f" ({bounds})" if bounds else ""),
        format=fmt,
        on_change=_commit_number,
        args=(path, key, state.change_of(label), lo, hi),
    )
    state.show_field_error(key)


@state.in_page_language
def _commit_number(path: list, widget_key: str, what: str, lo, hi) -> None:
    value = st.session_state[widget_key]
    if hi is not None and value is not None and value > hi:
        # a bound the app tightens beyond the schema (the schema names its own bounds)
        reason = _("{field}: at most {bound} (got {value}).").format(
            field=path[-1], bound=f"{hi:g}", value=f"{value:g}"
        )
        state.refuse(what, reason, widget_key)
        return
    state.commit(design.with_field(state.spec(), path, value), what, field=widget_key)


def _select(
    spec, path, label, options, *, key, help=None, fmt=str, convert=lambda v: v, value=None
):
    current = design.value_at(spec, path) if value is None else value
    state.bind(key, current)
    st.selectbox(
        label,
        options,
        key=key,
        help=help,
        format_func=fmt,
        on_change=_commit_field,
        args=(path, key, state.change_of(label), convert),
    )


def _toggle(spec, path, label, *, key, help=None):
    state.bind(key, design.value_at(spec, path))
    st.toggle(
        label,
        key=key,
        help=help,
        on_change=_commit_field,
        args=(path, key, state.change_of(label)),
    )


def _text(spec, path, label, *, key, help=None):
    state.bind(key, design.value_at(spec, path))
    st.text_input(
        label,
        key=key,
        help=help,
        max_chars=64,
        on_change=_commit_field,
        args=(path, key, state.change_of(label)),
    )


@state.in_page_language
def _on_family(widget_key: str, widen_key: str) -> None:
    family = st.session_state[widget_key]
    widen = st.session_state.get(widen_key, 2)
    state.commit(design.apply_family(state.spec(), family, widen), N_("family change"))


def render_block_fields(spec: BlockSpec, *, key: str) -> None:
    fam_key, widen_key = f"{key}.family", f"{key}.widen"
    state.bind(fam_key, design.family_of(spec.block))
    families = {f: f"{_(name)} — {_(about)}" for f, (name, about) in design.FAMILIES.items()}
    st.selectbox(
        _("Block family"),
        list(design.FAMILIES),
        key=fam_key,
        format_func=families.get,
        on_change=_on_family,
        args=(fam_key, widen_key),
        help=_(
            "The block families of notes §1 (the sixth, SE residual, is a bottleneck with SE "
            "in the branch: a preset below). Choosing one rewrites the block fields below and "
            "keeps the channels, stride, input and attention."
        ),
    )
    b = spec.block
    model = type(b)
    if design.family_of(b) == "wide" and b.type == "bottleneck":
        state.bind(widen_key, max(1, b.base_width // 64))
        st.number_input(
            _("Widen factor k"),
            1,
            16,
            key=widen_key,
            on_change=_on_family,
            args=(fam_key, widen_key),
            help=_(
                "Wide-ResNet: the bottleneck's width per group is 64·k (k = 2 is Wide-ResNet-50-2)."
            ),
        )
    c1, c2 = st.columns(2)
    with c1:
        _number(
            spec,
            ["block", "out_channels"],
            _("Out channels"),
            key=f"{key}.out_channels",
            model=model,
        )
    with c2:
        _select(
            spec,
            ["block", "stride"],
            _("Stride"),
            [1, 2],
            key=f"{key}.stride",
            help=design.field_help(model, "stride"),
        )
    if b.type == "bottleneck":
        c1, c2 = st.columns(2)
        c3, _unused = st.columns(2)
        with c3:
            _number(
                spec,
                ["block", "expansion"],
                _("Expansion"),
                key=f"{key}.expansion",
                model=model,
            )
        with c1:
            _number(
                spec,
                ["block", "groups"],
                _("Groups"),
                key=f"{key}.groups",
                model=model,
            )
        with c2:
            _number(
                spec,
                ["block", "base_width"],
                _("Base width"),
                key=f"{key}.base_width",
                model=model,
            )
    with st.expander(_("More block settings")):
        _toggle(
            spec,
            ["block", "preact"],
            _("Pre-activation"),
            key=f"{key}.preact",
            help=design.field_help(model, "preact"),
        )
        _number(
            spec,
            ["block", "dropout"],
            _("Dropout"),
            key=f"{key}.dropout",
            model=model,
            hi=0.95,
            step=0.05,
            fmt="%.2f",
        )
        _select(
            spec,
            ["shortcut"],
            _("Shortcut"),
            ["auto", "identity", "conv1x1", "avgpool_conv1x1"],
            key=f"{key}.shortcut",
            help=design.field_help(BlockSpec, "shortcut"),
        )
        act = spec.post_add_activation
        _select(
            spec,
            ["post_add_activation"],
            _("Activation after the add"),
            ["default", "relu", "none"],
            key=f"{key}.post_act",
            value="default" if act is None else act,
            convert=lambda v: None if v == "default" else v,
            fmt={"default": _("family default"), "relu": "relu", "none": "none"}.get,
            help=design.field_help(BlockSpec, "post_add_activation"),
        )
        _toggle(
            spec,
            ["zero_init_last_bn"],
            _("Zero-init last BN"),
            key=f"{key}.zero_init",
            help=design.field_help(BlockSpec, "zero_init_last_bn"),
        )


def render_network_fields(spec: NetworkSpec, *, key: str) -> None:
    st.caption(
        _("A network: {stem} stem, {stages} stages, {blocks} blocks, {classes} classes.").format(
            stem=spec.stem.type,
            stages=len(spec.stages),
            blocks=sum(s.depth for s in spec.stages),
            classes=spec.num_classes,
        )
    )
    _number(
        spec,
        ["num_classes"],
        _("Classes"),
        key=f"{key}.num_classes",
        model=NetworkSpec,
    )
    box = state.lazy_expander(_("Stage depths"), key=f"{key}.depths.open")
    if box is None:  # closed: its one number box per stage costs the page nothing
        return
    with box:
        for i, stage in enumerate(spec.stages):
            _number(
                spec,
                ["stages", i, "depth"],
                _("Stage {stage} depth ({channels} ch)").format(
                    stage=i + 1, channels=stage.out_channels
                ),
                key=f"{key}.depth.{i}",
                model=Stage,
            )


def render_input_fields(spec, *, key: str) -> None:
    st.markdown("### " + _("Input shape"))
    c1, c2, c3, c4 = st.columns(4)
    for col, name, label in (
        (c1, "channels", "C"),
        (c2, "height", "H"),
        (c3, "width", "W"),
        (c4, "batch", "N"),
    ):
        with col:
            _number(spec, ["input", name], label, key=f"{key}.input.{name}", model=InputSpec)


@state.in_page_language
def _load_preset(name: str) -> None:
    try:
        new = load_spec(f"preset:{name}")
    except SpecError as exc:
        state.flash("error", state.md_escape(exc.message))
        return
    if state.commit(new, N_("preset")):
        state.set_focus(0)
        state.follow_name(new.kind == "block")  # from here on the name follows the design
        state.flash("success", _("Loaded preset **{title}**.").format(title=gallery_title(name)))


#: pattern code → its name (the preset grid's column titles)
_PATTERN_NAMES = {p["code"]: p["name"] for p in PATTERNS.values()}
#: the family presets that are not "<family>_block": (label, what it is), marked for the catalog
_OTHER_FAMILY_PRESETS = {
    "se_bottleneck": ("SE residual", N_("a bottleneck with SE in the branch (P1)")),
}


def gallery_title(name: str) -> str:
    """A preset's title in the page's language: a family's from the page's own words, any
    other the engine's (`resattn.presets.preset_title`)."""
    if preset_index()[name]["group"] == "family":
        return _family_preset(name)[1]
    return preset_title(name)


def _family_preset(name: str) -> tuple[str, str]:
    """A family preset's button label and tooltip in the page's language: the family's own
    words (`design.FAMILIES`) for ``basic_block`` …, else `_OTHER_FAMILY_PRESETS`."""
    family = name.removesuffix("_block")
    if family in design.FAMILIES:
        label, about = design.FAMILIES[family]
        return _(label), f"{_(label)} — {_(about)}"
    label, about = _OTHER_FAMILY_PRESETS.get(name, (preset_index()[name]["title"], ""))
    return label, f"{label} — {_(about)}" if about else label


#: the grid's columns: the four patterns, by their codes
_GRID_PATTERNS = ("P1", "P2", "P3", "P4")
#: the longest preset name a pick may carry (longer ones are cut before the refusal quotes them)
_MAX_PICK_NAME = 64


def gallery_data() -> dict:
    """What the presets gallery draws (`components.preset_grid`), every word in the page's
    language: the family presets, then the grid — a column per pattern, a row per attention
    kind, a cell per preset that exists (None where the combination has none)."""
    index = preset_index()
    families = []
    for name in (n for n, v in index.items() if v["group"] == "family"):
        label, about = _family_preset(name)
        families.append({"name": name, "label": label, "title": about})
    rows = []
    for kind, (label, title, _gates) in ATTENTION.items():
        cells = []
        for code in _GRID_PATTERNS:
            name = f"{code.lower()}_{kind}"
            known = name in index
            cells.append(
                {"name": name, "label": code, "title": gallery_title(name)} if known else None
            )
        rows.append({"label": label, "title": _(title), "cells": cells})
    return {
        "labels": {
            "gallery": _("Presets gallery"),
            "families": _("Block families"),
            "grid": _("The four patterns (columns) × the {n} attention kinds (rows)").format(
                n=len(ATTENTION)
            ),
        },
        "families": families,
        "columns": [{"label": p, "title": _(_PATTERN_NAMES[p])} for p in _GRID_PATTERNS],
        "rows": rows,
    }


def _pick_of(value) -> Optional[dict]:
    """A gallery pick (``{"name", "n"}``) as the page keeps it; None if `value` is not one."""
    if not isinstance(value, dict) or "name" not in value:
        return None
    n = value.get("n")
    return {"name": str(value["name"])[:_MAX_PICK_NAME], "n": n if isinstance(n, int) else None}


def _apply_pick(value, done_key: str) -> None:
    """Load the preset the pick `value` names (`_load_preset`), and keep it under `done_key`
    as the last pick applied. A name the gallery does not have is refused, the design kept."""
    pick = _pick_of(value)
    if pick is None:
        return
    st.session_state[done_key] = pick
    if pick["name"] not in preset_index():
        state.flash(
            "error",
            _("The gallery has no preset “{name}”, so the design is unchanged.").format(
                name=state.md_escape(pick["name"])
            ),
        )
        return
    _load_preset(pick["name"])


def _sent_pick(component_key: str):
    """The pick the gallery's state holds (a click's trigger value, or one set through session
    state); None if there is none."""
    value = st.session_state.get(component_key)
    return value.get("pick") if isinstance(value, dict) else None


@state.in_page_language
def _on_pick(component_key: str, done_key: str) -> None:
    _apply_pick(_sent_pick(component_key), done_key)


def render_presets(*, key: str) -> None:
    grid_key, done_key = f"{key}.grid", f"{key}.picked"
    # a pick set through session state (tests, scripts) is applied once, by its counter; a
    # click's own pick was applied by the callback before this run and is the one kept
    pending = _pick_of(_sent_pick(grid_key))
    if pending is not None and pending != st.session_state.get(done_key):
        before = state.rev()
        _apply_pick(pending, done_key)
        if state.rev() != before:
            st.rerun()  # the fields above were drawn for the design before the pick
    index = preset_index()
    # Open by default: a first-time user starts from a preset more often than from a blank form.
    with st.expander(_("Presets gallery"), expanded=True):
        preset_grid(gallery_data(), key=grid_key, on_pick=lambda: _on_pick(grid_key, done_key))
        st.caption(_("Networks"))
        nets = [n for n, v in index.items() if v["group"] == "network"]
        st.selectbox(
            _("Network preset"),
            nets,
            key=f"{key}.network",
            format_func=lambda n: index[n]["title"],
            label_visibility="collapsed",
        )
        st.button(
            _("Load network"),
            key=f"{key}.load_network",
            on_click=lambda: _load_preset(st.session_state[f"{key}.network"]),
            width="stretch",
        )


#: where a spec comes from → what it is called in the page's messages
SOURCES = {"upload": N_("upload"), "pasted spec": N_("pasted spec")}


def load_upload(data: bytes, what: str = "upload") -> bool:
    """Make an uploaded or pasted spec the design; on error say why and keep the design.
    `what` is a key of `SOURCES`."""
    source = _(SOURCES[what])
    if len(data) > MAX_SPEC_BYTES:
        state.flash(
            "error",
            _(
                "The {source} is {size} bytes; specs are capped at {cap} bytes. "
                "The design is unchanged."
            ).format(source=source, size=f"{len(data):,}", cap=f"{MAX_SPEC_BYTES:,}"),
        )
        return False
    try:
        new = load_spec(bytes(data))
    except SpecError as exc:
        state.flash(
            "error",
            _("The {source} is not a valid spec, so the design is unchanged. {reason}").format(
                source=source, reason=state.md_escape(exc.message)
            ),
        )
        return False
    if state.commit(new, SOURCES[what]):
        state.set_focus(0)
        state.follow_name(False)  # an opened file keeps its author's name
        state.flash(
            "success",
            _("Loaded **{name}** from the {source}.").format(
                name=state.md_escape(new.name), source=source
            ),
        )
        return True
    return False


@state.in_page_language
def _on_upload(widget_key: str) -> None:
    file = st.session_state.get(widget_key)
    if file is not None:
        load_upload(file.getvalue(), "upload")


@state.in_page_language
def _on_paste(widget_key: str) -> None:
    text = st.session_state.get(widget_key, "")
    if text.strip():
        load_upload(text.encode("utf-8"), "pasted spec")


def render_upload(*, key: str) -> None:
    box = state.lazy_expander(_("Open a spec (JSON)"), key=f"{key}.expander")
    if box is None:
        return
    with box:
        st.file_uploader(
            _("Upload a spec file"),
            type=["json"],
            key=f"{key}.file",
            on_change=_on_upload,
            args=(f"{key}.file",),
            help=_("A spec v1 JSON file (a block or a network), at most {size} kB.").format(
                size=MAX_SPEC_BYTES // 1024
            ),
        )
        st.text_area(
            _("…or paste spec JSON"),
            key=f"{key}.text",
            height=120,
            help=_("Paste a spec and press Ctrl+Enter."),
            on_change=_on_paste,
            args=(f"{key}.text",),
        )


def share_url(spec) -> str:
    """The page URL with the current design as its `spec` parameter, and the page's language
    as its `lang` parameter (`state.url_language`): the link opens as the sharer sees it."""
    token = engine.token(canonical_json(spec))
    base = ""
    try:
        url = st.context.url or ""
        parts = urlsplit(url)
        base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    except Exception:  # noqa: BLE001 - no browser context (tests, scripts)
        base = ""
    lang = state.url_language()
    return f"{base}?spec={quote(token, safe='')}" + (f"&lang={lang}" if lang else "")


def render_share(spec, *, key: str) -> None:
    st.markdown("### " + _("Share"))
    st.caption(_("The page URL always carries this design — copy it, or copy this link:"))
    st.code(share_url(spec), language=None, wrap_lines=True)
