"""The studio's one entry point to the board: "Send to board" (and, for instructors, "Create a
board"), shown in the sidebar."""

from __future__ import annotations

import streamlit as st

from components import state
from components.board.common import REFUSALS, remember_key, say, service, use_page_language
from components.board.page import thumbnail
from components.board.secret import browser_secret
from resattn.i18n import _
from resattn_board.service import MAX_DISPLAY_NAME, normalize_code

_CODE = "board.code"
_NAME = "board.display_name"
_CREATED = "board.created"


def open_board(code: str) -> None:
    """Switch this session to the board page (the instructor key stays in the session)."""
    st.query_params["board"] = normalize_code(code)


def _send(spec, key: str) -> None:
    spec = state.spec()  # the design now: canvas edits rerun the workspace, not this sidebar
    ss = st.session_state
    code = normalize_code(ss.get(f"{key}.code", ""))
    if not code:
        ss[f"{key}.result"] = ("error", _("Type the board's room code first."))
        return
    try:
        row = service().send(code, ss[f"{key}.secret"], ss.get(f"{key}.name", ""), spec)
    except REFUSALS as exc:
        ss[f"{key}.result"] = ("error", say(exc))
        return
    ss[_CODE], ss[_NAME] = code, row.display_name
    thumbnail(row.spec_json)  # drawn once here, so the board's live refresh finds it cached
    ss[f"{key}.result"] = (
        "success",
        _("“{design}” is on board {code}.").format(design=row.design_name, code=code),
    )


def _create(key: str) -> None:
    ss = st.session_state
    try:
        created = service().create_board(ss.get(f"{key}.title", ""))
    except REFUSALS as exc:
        ss[f"{key}.result"] = ("error", say(exc))
        return
    remember_key(created.code, created.instructor_key)
    ss[_CODE] = created.code
    ss[f"{key}.code"] = created.code
    ss[_CREATED] = (created.code, created.instructor_key)


@st.fragment
def _browser_secret(key: str) -> None:
    """Keep this browser's secret in the session. A fragment: the browser reports its secret
    once per page load, and that report reruns this fragment only — not the whole page, whose
    first run it would otherwise interrupt and start again."""
    st.session_state[f"{key}.secret"] = browser_secret(key=f"{key}.browser")


def render_send_to_board(spec, *, key: str) -> None:
    """The "Send to board" expander: room code, display name, send; and board creation."""
    use_page_language()
    ss = st.session_state
    _browser_secret(key)
    ss.setdefault(f"{key}.code", ss.get(_CODE, ""))
    ss.setdefault(f"{key}.name", ss.get(_NAME, ""))
    box = state.lazy_expander(_("Send to board"), key=f"{key}.expander")
    if box is None:
        return
    with box:
        st.text_input(
            _("Room code"),
            key=f"{key}.code",
            max_chars=16,
            help=_("The code the instructor shows, e.g. K7M2X9PQ."),
        )
        st.text_input(
            _("Display name"),
            key=f"{key}.name",
            max_chars=MAX_DISPLAY_NAME,
            help=_("Shown on the board next to your design (at most {limit} characters).").format(
                limit=MAX_DISPLAY_NAME
            ),
        )
        st.button(
            _("Send to board"),
            key=f"{key}.send",
            on_click=_send,
            args=(spec, key),
            type="primary",
            width="stretch",
        )
        st.caption(
            _(
                "Sending again under the same design name replaces your entry; only this"
                " browser can replace it."
            )
        )
        level, text = ss.pop(f"{key}.result", (None, None))
        if level == "success":
            st.success(text)
        elif level == "error":
            st.error(text)
        code = normalize_code(ss.get(f"{key}.code", ""))
        if code:
            st.button(
                _("Open board {code}").format(code=code),
                key=f"{key}.open",
                on_click=open_board,
                args=(code,),
                width="stretch",
            )
        st.divider()
        st.caption(_("Instructors"))
        st.text_input(_("Board title"), key=f"{key}.title", max_chars=80)
        st.button(_("Create a board"), key=f"{key}.create", on_click=_create, args=(key,))
        created = ss.get(_CREATED)
        if created:
            st.info(
                _(
                    "Board {code} is ready. Your instructor key (keep it private; it is never"
                    " part of a link):"
                ).format(code=created[0])
            )
            st.code(created[1], language=None)
