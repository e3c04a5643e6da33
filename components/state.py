"""The studio's session state: one validated spec, undo/redo, and the URL's `spec` parameter.

Every edit — canvas, form, upload, preset — goes through `commit`, which validates the new design
with the schema. An invalid edit leaves the last good design in place and says why.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

import streamlit as st

from components import engine
from resattn.export.share import load_token
from resattn.loading import load_spec
from schemas import SpecError, canonical_json, parse_spec

DEFAULT_SOURCE = "preset:se_bottleneck"
UNDO_DEPTH = 50

_SPEC = "studio.spec"
_UNDO = "studio.undo"
_REDO = "studio.redo"
_REV = "studio.rev"
_FLASH = "studio.flash"
_BOUND = "studio.bound"
_SELECTED = "studio.selected"
_FOCUS = "studio.focus"
_SEEN = "studio.seen_actions"


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
                f"The design in this link could not be opened. {md_escape(exc.message)} "
                "Showing the default design instead.",
            )
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


def touch() -> None:
    """Make every bound widget re-read the design (after a refused edit)."""
    st.session_state[_REV] = st.session_state.get(_REV, 0) + 1


def commit(data: Any, what: str = "edit") -> bool:
    """Validate `data` (a dict or a spec) and make it the design; False (and a message) if not."""
    ss = st.session_state
    ss[_REV] = ss.get(_REV, 0) + 1
    try:
        new = parse_spec(data)
    except SpecError as exc:
        flash(
            "error",
            f"That {what} was not applied — the design would be invalid. "
            f"{md_escape(exc.message)} The last good design is kept.",
        )
        return False
    old = ss[_SPEC]
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
    """Make the URL's `spec` parameter carry the current design's share token."""
    token = engine.token(canonical_json(spec()))
    if token and st.query_params.get("spec") != token:
        st.query_params["spec"] = token


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


def first_time(action_id: str) -> bool:
    """True once per canvas action id (the browser trigger and session state may both carry it)."""
    seen = st.session_state.setdefault(_SEEN, [])
    if action_id in seen:
        return False
    seen.append(action_id)
    del seen[:-100]
    return True
