"""The sidebar: block family and fields, input shape, presets gallery, spec upload, share link."""

from __future__ import annotations

from html import escape
from urllib.parse import quote, urlsplit, urlunsplit

import streamlit as st

from components import design, engine, state, tour
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
    with st.expander(_("Stage depths")):
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


def render_presets(*, key: str) -> None:
    index = preset_index()
    # Open by default: a first-time user starts from a preset more often than from a blank form.
    with st.expander(_("Presets gallery"), expanded=True):
        st.caption(_("Block families"))
        families = [n for n, v in index.items() if v["group"] == "family"]
        cols = st.container(key="ra-family-presets").columns(2)
        for i, name in enumerate(families):
            label, about = _family_preset(name)
            cols[i % 2].button(
                label,
                key=f"{key}.{name}",
                help=about,
                on_click=_load_preset,
                args=(name,),
                width="stretch",
            )
        st.caption(
            _("The four patterns (columns) × the {n} attention kinds (rows)").format(
                n=len(ATTENTION)
            )
        )
        grid = st.container(key="ra-preset-grid")
        widths = [2, 1, 1, 1, 1]
        head = grid.columns(widths)
        for col, p in zip(head[1:], ("P1", "P2", "P3", "P4"), strict=True):
            col.markdown(
                f"<div class='ra-grid-head' title='{escape(_(_PATTERN_NAMES[p]))}'>{p}</div>",
                unsafe_allow_html=True,
            )
        for kind in ATTENTION:
            label, title = ATTENTION[kind][:2]
            cols = grid.columns(widths, vertical_alignment="center")
            cols[0].markdown(
                f"<div class='ra-grid-head' title='{escape(_(title))}'>{label}</div>",
                unsafe_allow_html=True,
            )
            for col, p in zip(cols[1:], ("p1", "p2", "p3", "p4"), strict=True):
                name = f"{p}_{kind}"
                if name in index:
                    col.button(
                        p.upper(),
                        key=f"{key}.{name}",
                        help=gallery_title(name),
                        on_click=_load_preset,
                        args=(name,),
                        width="stretch",
                    )
        st.caption(_("Networks"))
        nets = [n for n, v in index.items() if v["group"] == "network"]
        pick = st.selectbox(
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
        del pick


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
    with st.expander(_("Open a spec (JSON)")):
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
