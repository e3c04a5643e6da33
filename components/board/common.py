"""What the board's UI parts share: the service, the language, the instructor keys held by
this session (never in a URL), and the figures' formatting."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from components.state import md_escape
from components.state import use_page_language as use_page_language  # the board's pages use it
from resattn import i18n
from resattn_board.db import get_engine
from resattn_board.service import BoardError, BoardService, normalize_code

_KEYS = "board.instructor_keys"
#: What a board operation may answer instead of a result: a refusal, or an unreachable database.
REFUSALS = (BoardError, SQLAlchemyError)
LANGUAGE_NAMES = {"en": "English", "tr": "Türkçe"}


def service() -> BoardService:
    """The board service over this process's database (`resattn_board.db.database_url`)."""
    return BoardService(get_engine())


def language_toggle(lang: str, *, key: str, label_visibility: str = "visible") -> None:
    """English / Türkçe for the page: a choice sets ``?lang=`` and keeps the rest of the URL
    (the design, the board), so the page reruns in that language with nothing lost."""
    st.segmented_control(
        i18n._("Language"),
        list(i18n.LANGUAGES),
        default=lang,
        required=True,
        format_func=LANGUAGE_NAMES.get,
        key=key,
        on_change=_on_language,
        args=(key,),
        label_visibility=label_visibility,
    )


def _on_language(widget_key: str) -> None:
    chosen = st.session_state.get(widget_key)
    if chosen in i18n.LANGUAGES:
        st.query_params["lang"] = chosen


def say(exc: BoardError | SQLAlchemyError) -> str:
    """A refusal for a Markdown element: the message in the page's language, with the values it
    quotes (names, spec errors) escaped."""
    if isinstance(exc, SQLAlchemyError):
        return i18n._(
            "The board's database cannot be reached right now ({reason}); try again in a moment."
        ).format(reason=md_escape(type(exc).__name__))
    quoted = {name: md_escape(str(value)) for name, value in exc.params.items()}
    return i18n._(exc.message_id).format(**quoted)


def remember_key(code: str, key: str) -> None:
    st.session_state.setdefault(_KEYS, {})[normalize_code(code)] = key


def instructor_key(code: str) -> str | None:
    return st.session_state.get(_KEYS, {}).get(normalize_code(code))


def forget_key(code: str) -> None:
    st.session_state.get(_KEYS, {}).pop(normalize_code(code), None)


def fmt_count(value: int) -> str:
    """``78,864`` / ``2.18 M`` / ``4.09 G``."""
    for scale, unit in ((1e9, "G"), (1e6, "M")):
        if value >= scale:
            return f"{value / scale:.2f} {unit}"
    return f"{value:,}"


def fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f} %"


def fmt_accuracy(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"
