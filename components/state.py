"""The studio's session state: one validated spec, undo/redo, and the URL's `spec` parameter.

Every edit — canvas, form, upload, preset — goes through `commit`, which validates the new design
with the schema. An invalid edit leaves the last good design in place and says why.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any, Optional

import streamlit as st

from components import design, engine
from components.texts import PATTERNS
from resattn import i18n
from resattn.export.share import load_token
from resattn.i18n import N_, _
from resattn.loading import load_spec
from schemas import SLOT_NAMES, SpecError, canonical_json, parse_spec, spec_to_dict

DEFAULT_SOURCE = "preset:se_bottleneck"
UNDO_DEPTH = 50

_SPEC = "studio.spec"
_UNDO = "studio.undo"
_REDO = "studio.redo"
_REV = "studio.rev"
_FLASH = "studio.flash"
_BOUND = "studio.bound"
_DRAWN = "studio.drawn"
_SELECTED = "studio.selected"
_FOCUS = "studio.focus"
_AUTO = "studio.auto_name"
_FIELD_ERRORS = "studio.field_errors"
_SIDEBAR = "studio.sidebar_view"


def init() -> None:
    """Put a design in the session on its first run: the URL's `spec` token, else the default.

    The URL is read only as a share token (`resattn.export.share.load_token`, what `load_spec`
    uses for tokens): a path or a preset name in a link is refused, never opened.
    """
    ss = st.session_state
    if _SPEC in ss:
        return
    spec = None
    token = st.query_params.get("spec")
    if token:
        try:
            spec = load_token(token)
        except SpecError as exc:
            flash(
                "error",
                _(
                    "The design in this link could not be opened. {reason} "
                    "Showing the default design instead."
                ).format(reason=md_escape(exc.message)),
            )
    # A design from a link keeps its author's name; the default's name follows the design.
    ss[_AUTO] = spec is None
    if spec is None:
        spec = load_spec(DEFAULT_SOURCE)
    ss[_SPEC] = spec
    ss[_UNDO], ss[_REDO], ss[_REV] = [], [], 0
    ss[_SELECTED], ss[_FOCUS] = None, 0


def spec():
    """The current (always schema-valid) design."""
    return st.session_state[_SPEC]


def rev() -> int:
    """A counter bumped on every edit attempt (widgets re-read the design when it changes)."""
    return st.session_state.get(_REV, 0)


#: How many keys one `drawn_key` widget takes turns with. Streamlit keeps a widget's metadata
#: (its callback, its (de)serialiser) for as long as the session lives, even once the widget is
#: gone, so a key new with every edit was a leak: the gate editor left ~50 objects behind per
#: edit, which every full garbage collection of the server then walked (30 editing sessions:
#: collections lengthened from 30 to 135 ms within two minutes).
DRAWN_KEYS = 32


def drawn_key(base: str) -> str:
    """A widget key that is new whenever the design changed (``base@n``, `n` taking
    `DRAWN_KEYS` turns; the revision it was drawn for is kept beside it).

    For widgets redrawn by canvas edits (the gate editor): a browser that
    has not yet received the redrawn widget may still report the value it showed before an
    edit, and that stale report must not count as the user's change (it would undo the edit).
    Each such widget's callback first asks `drawn_now(key)`: a report from a widget drawn
    for an older design is dropped (and the widgets re-read the design). A key comes back
    `DRAWN_KEYS` revisions later, by when its widget's state is long gone (a widget not drawn
    in a run loses it) and no browser can still show the widget of then."""
    key = f"{base}@{rev() % DRAWN_KEYS}"
    st.session_state.setdefault(_DRAWN, {})[key] = rev()
    return key


def drawn_now(widget_key: str) -> bool:
    """Was this `drawn_key` widget drawn for the current design? (see `drawn_key`)"""
    if st.session_state.get(_DRAWN, {}).get(widget_key) == rev():
        return True
    touch()
    return False


def lazy_expander(label: str, *, key: str):
    """An expander, closed at first, whose content is drawn only while it is open: the container
    when open, else None. Closed, its widgets cost a run nothing and are not sent, so the
    browser's first paint of the page does not draw them either; opening or closing it reruns
    (the page, or the fragment it is in). `key` holds whether it is open. A widget inside loses
    its state while closed (what it edits lives in the design, not in it)."""
    box = st.expander(label, key=key, on_change="rerun")
    return box if box.open else None


def show_field_error(widget_key: str) -> None:
    """Under a widget: why its last edit was refused (see `commit`'s `field`)."""
    message = field_error(widget_key)
    if message:
        st.error(message, icon=":material/block:")


def touch() -> None:
    """Make every bound widget re-read the design (after a refused edit)."""
    st.session_state[_REV] = st.session_state.get(_REV, 0) + 1


def commit(data: Any, what: str = N_("edit"), field: Optional[str] = None) -> bool:
    """Validate `data` (a dict or a spec) and make it the design; False (and a message) if not.

    `field` is the key of the widget the edit came from: a refusal is also shown next to it
    (`field_error`), with the bound or rule that refused it, and the widget shows the value
    the design keeps.
    """
    ss = st.session_state
    ss[_REV] = ss.get(_REV, 0) + 1
    try:
        new = parse_spec(data)
    except SpecError as exc:
        refuse(what, exc.message.removeprefix("Invalid spec: "), field)
        return False
    if field is not None:
        ss.setdefault(_FIELD_ERRORS, {}).pop(field, None)
    old = ss[_SPEC]
    if ss.get(_AUTO) and new.kind == "block" and old.kind == "block" and new.name == old.name:
        new = parse_spec({**spec_to_dict(new), "name": auto_name(new)})
    if canonical_json(new) == canonical_json(old):
        return True
    ss[_UNDO] = (ss[_UNDO] + [canonical_json(old)])[-UNDO_DEPTH:]
    ss[_REDO] = []
    _replace(new)
    return True


def _replace(new) -> None:
    ss = st.session_state
    old = ss[_SPEC]
    ss[_SPEC] = new
    if getattr(old, "kind", None) != getattr(new, "kind", None):
        ss[_FOCUS] = 0
    if new.kind == "network" and ss.get(_FOCUS, 0) >= len(new.stages):
        ss[_FOCUS] = 0


def can_undo() -> bool:
    return bool(st.session_state.get(_UNDO))


def history() -> list[str]:
    """The canonical JSON of earlier designs, most recent last (what Undo steps back through)."""
    return list(st.session_state.get(_UNDO, []))


def can_redo() -> bool:
    return bool(st.session_state.get(_REDO))


def undo() -> None:
    _step(_UNDO, _REDO)


def redo() -> None:
    _step(_REDO, _UNDO)


def _step(source: str, target: str) -> None:
    ss = st.session_state
    if not ss.get(source):
        return
    ss[_REV] = ss.get(_REV, 0) + 1
    text = ss[source][-1]
    ss[source] = ss[source][:-1]
    ss[target] = (ss[target] + [canonical_json(ss[_SPEC])])[-UNDO_DEPTH:]
    _replace(parse_spec(json.loads(text)))


def sync_url() -> None:
    """Make the URL's `spec` parameter carry the current design's share token, and its `lang`
    parameter the page's language (`url_language`)."""
    token = engine.token(canonical_json(spec()))
    if token and st.query_params.get("spec") != token:
        st.query_params["spec"] = token
    lang = url_language()
    if lang and st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang


def use_page_language() -> str:
    """Translate this script run into the URL's ``?lang=`` (else ``--lang`` / the locale)."""
    return i18n.set_language(st.query_params.get("lang"))


def url_language() -> Optional[str]:
    """The language a link to this page carries: the page's own, unless it is the default one
    and the URL did not choose it (then the link carries none)."""
    lang = i18n.current_language()
    if lang == i18n.DEFAULT_LANGUAGE and "lang" not in st.query_params:
        return None
    return lang


def in_page_language(callback: Callable) -> Callable:
    """`callback` run in the page's language. Streamlit runs a widget's callback before the
    script, on a thread of its own that has not chosen the page's language yet: every callback
    that says something (a flash, a refusal) is wrapped in this."""

    @functools.wraps(callback)
    def run(*args, **kwargs):
        use_page_language()
        return callback(*args, **kwargs)

    return run


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md_escape(text: str) -> str:
    """Escape Markdown in text that quotes user input (error messages echo spec values)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def flash(level: str, text: str) -> None:
    """Queue a message to show once at the top of the next render."""
    st.session_state.setdefault(_FLASH, []).append((level, text))


def pop_flashes() -> list[tuple[str, str]]:
    return st.session_state.pop(_FLASH, [])


def bind(widget_key: str, value: Any) -> None:
    """Set a widget's value from the design whenever the design changed since it was bound.

    Widgets take their value from session state only, so undo, presets and refused edits show
    the design as it is.
    """
    ss = st.session_state
    bound = ss.setdefault(_BOUND, {})
    if widget_key not in ss or bound.get(widget_key) != rev():
        ss[widget_key] = value
        bound[widget_key] = rev()


def selected() -> Optional[str]:
    return st.session_state.get(_SELECTED)


def select(slot: Optional[str]) -> None:
    """Choose the gate the editor shows (widgets re-read the state)."""
    ss = st.session_state
    if ss.get(_SELECTED) != slot:
        ss[_SELECTED] = slot
        ss[_REV] = ss.get(_REV, 0) + 1


def focus() -> int:
    """For a network: the stage whose block the canvas shows and edits."""
    return st.session_state.get(_FOCUS, 0)


def set_focus(stage: int) -> None:
    ss = st.session_state
    if ss.get(_FOCUS) != stage:
        ss[_FOCUS] = stage
        ss[_REV] = ss.get(_REV, 0) + 1


def refuse(what: str, reason: str, field: Optional[str] = None) -> None:
    """Say that an edit was not applied and why (at the top, and next to its widget). `what`
    names the edit (``N_("preset")``, or a phrase already translated): shown through `_`."""
    flash(
        "error",
        _(
            "That {what} was not applied — the design would be invalid. {reason} "
            "The last good design is kept."
        ).format(what=_(what), reason=md_escape(reason)),
    )
    if field is not None:
        message = _("Not applied: {reason}").format(reason=reason)
        st.session_state.setdefault(_FIELD_ERRORS, {})[field] = message
    touch()


def change_of(label: str) -> str:
    """What an edit of the field labelled `label` is called in a refusal (`refuse`'s `what`)."""
    return _("change of “{field}”").format(field=label)


def field_error(widget_key: str) -> Optional[str]:
    """Why the last edit from this widget was refused (None once an edit from it applied)."""
    return st.session_state.get(_FIELD_ERRORS, {}).get(widget_key)


def auto_name(spec) -> str:
    """The name a block design gets while the user has not typed one: its attention kinds,
    their patterns and its family, e.g. ``se_bottleneck`` (SE in the branch) or
    ``eca_p3_cbam_p4_basic``."""
    family = design.family_of(spec.block)
    filled = sorted(
        (PATTERNS[slot]["code"], att.type)
        for slot in SLOT_NAMES
        if (att := getattr(spec.slots, slot)) is not None
    )
    if not filled:
        return f"{family}_block"
    if [code for code, _kind in filled] == ["P1"]:
        return f"{filled[0][1]}_{family}"
    return "_".join(f"{kind}_{code.lower()}" for code, kind in filled) + f"_{family}"


def name_follows() -> bool:
    """Does the name follow the design (the user has not typed one)?"""
    return bool(st.session_state.get(_AUTO))


def follow_name(on: bool) -> None:
    st.session_state[_AUTO] = bool(on)


def rename(name: str) -> bool:
    """The user typed a name: it stays; an empty name makes the name follow the design again."""
    current = spec()
    name = name.strip()
    if not name and current.kind == "block":
        follow_name(True)
        return commit({**spec_to_dict(current), "name": auto_name(current)}, N_("name change"))
    previous = name_follows()
    follow_name(False)
    if commit({**spec_to_dict(current), "name": name}, N_("name change"), field="studio.name"):
        return True
    follow_name(previous)
    return False


def sidebar_view(design_spec) -> str:
    """What the sidebar shows of a design: everything but the slots (edited on the canvas) and
    the name (edited in the header)."""
    data = spec_to_dict(design_spec)
    data.pop("slots", None)
    data.pop("name", None)  # edited in the header, inside the fragment
    for stage in data.get("stages", []):
        stage.pop("slots", None)
    return json.dumps(data, sort_keys=True)


def mark_sidebar() -> None:
    """The sidebar was drawn for the current design."""
    st.session_state[_SIDEBAR] = sidebar_view(spec())


def sidebar_stale() -> bool:
    """Has the design changed in a way the sidebar shows since it was drawn?"""
    return st.session_state.get(_SIDEBAR) != sidebar_view(spec())
