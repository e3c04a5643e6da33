"""The board page, ``?board=CODE``: every design sent to the board, live.

Cards (a page at a time) with the design's diagram, pattern, params, MACs, attention overhead
and (once the instructor has run it) the probe's accuracy; a sortable table; any two side by
side; "open in the studio" (the design's share link). The instructor — whoever holds the
board's key in this session — can hide, show and clear entries and run the probe. The entry
list is a fragment that refreshes itself every `REFRESH_S` seconds.
"""

from __future__ import annotations

import base64
import html
import json
import subprocess
from collections.abc import Callable
from urllib.parse import quote

import streamlit as st

from components import engine
from components.board.common import (
    REFUSALS,
    fmt_accuracy,
    fmt_count,
    fmt_pct,
    forget_key,
    instructor_key,
    language_toggle,
    remember_key,
    say,
    service,
    use_page_language,
)
from components.board.secret import browser_secret
from components.state import md_escape
from resattn.diagrams.dot import render_svg
from resattn.i18n import N_, _, ngettext
from resattn_board.figures import probe_accuracy
from resattn_board.service import Row, normalize_code
from schemas import SpecError

REFRESH_S = 5
#: Probes one press of "Run the probe" trains (each within `figures.PROBE_BUDGET_S`), so the
#: instructor's page answers again within minutes.
PROBES_PER_RUN = 8
CARDS_PER_ROW = 3
#: Cards drawn per refresh (the table lists every entry): keeps each live refresh light.
CARDS_PER_PAGE = 24

#: sort choice → (label id, key, newest/largest first)
SORTS: dict[str, tuple[str, Callable[[Row], object], bool]] = {
    "newest": (N_("Newest first"), lambda r: r.updated_at, True),
    "name": (N_("Display name"), lambda r: r.display_name.casefold(), False),
    "params": (N_("Parameters"), lambda r: r.params, False),
    "macs": (N_("MACs"), lambda r: r.macs, False),
    "overhead": (N_("Attention overhead"), lambda r: r.attention_macs_pct, False),
    "accuracy": (
        N_("Probe accuracy"),
        lambda r: -1.0 if r.probe_accuracy is None else r.probe_accuracy,
        True,
    ),
}


def route() -> bool:
    """Render the board page when the URL has ``?board=``; True if it did."""
    code = st.query_params.get("board")
    if code is None:
        return False
    render_board_page(code, key="board")
    return True


def sorted_rows(rows: list[Row], sort: str) -> list[Row]:
    _label, by, descending = SORTS[sort]
    return sorted(rows, key=by, reverse=descending)


def _studio_link(row: Row, lang: str) -> str | None:
    """The design's share link (the studio opens it), in the page's language."""
    try:
        token = engine.token(row.spec_json)
    except (SpecError, ValueError):
        return None
    link = f"./?spec={quote(token, safe='')}"
    return link + (f"&lang={lang}" if lang != "en" else "")


@st.cache_data(max_entries=512, show_spinner=False)
def thumbnail(spec_json: str) -> str | None:
    """The design's Graphviz diagram, without the edge labels, as an ``<img>`` (a data URI: no
    script in it can run)."""
    try:
        svg = render_svg(engine.spec_of(spec_json), shapes=False)
    except (RuntimeError, OSError, subprocess.TimeoutExpired, SpecError):
        return None  # no Graphviz (or it failed): the card goes without a picture
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"<img class='ra-board-thumb' alt='' src='data:image/svg+xml;base64,{data}'/>"


_CSS = """
<style>
.ra-board-code { font-size: 2.6rem; font-weight: 800; letter-spacing: 0.18em; }
.ra-board-thumb { width: 100%; max-height: 220px; object-fit: contain; background: #fff;
  border-radius: 6px; }
.ra-board-name { font-size: 1.15rem; font-weight: 700; overflow-wrap: anywhere; }
</style>
"""


def _header(code: str, title: str, lang: str, key: str) -> None:
    st.html(_CSS)
    left, right = st.columns([5, 2], vertical_alignment="bottom")
    with left:
        st.markdown(f"<h1 class='ra-title'>{html.escape(title)}</h1>", unsafe_allow_html=True)
        badge = f"<span class='ra-board-code'>{html.escape(code)}</span>"
        label = html.escape(_("Room code"))
        st.markdown(f"{label}: {badge}", unsafe_allow_html=True)
    with right:
        language_toggle(lang, key=f"{key}.lang")
        st.button(_("Back to the studio"), key=f"{key}.back", on_click=_leave)


def _leave() -> None:
    st.query_params.pop("board", None)


def render_board_page(code: str, *, key: str) -> None:
    lang = use_page_language()
    code = normalize_code(code)
    try:
        title = service().board_title(code)
        _header(code, title, lang, key)
        admin = _instructor_panel(code, key=f"{key}.admin")
    except REFUSALS as exc:
        st.error(say(exc))
        st.button(_("Back to the studio"), key=f"{key}.back", on_click=_leave)
        return
    _entries_fragment(code, admin, lang, key)


def _instructor_panel(code: str, *, key: str) -> str | None:
    """The instructor's key entry and tools; returns the key when this session holds it."""
    svc = service()
    held = instructor_key(code)
    if held and not svc.is_instructor(code, held):
        forget_key(code)
        held = None
    with st.expander(_("Instructor"), expanded=bool(held)):
        if not held:
            st.text_input(_("Instructor key"), type="password", key=f"{key}.key")
            if st.button(_("Unlock"), key=f"{key}.unlock"):
                typed = st.session_state.get(f"{key}.key", "")
                if svc.is_instructor(code, typed):
                    remember_key(code, typed)
                    st.rerun()
                st.error(_("That instructor key does not open this board."))
            return None
        st.caption(_("You are this board's instructor in this browser session."))
        c1, c2, c3 = st.columns(3)
        if c1.button(_("Run the probe"), key=f"{key}.probe"):
            _run_probes(code, held)
        confirm = c2.checkbox(_("Yes, clear the whole board"), key=f"{key}.confirm")
        if c3.button(_("Clear the board"), key=f"{key}.clear", disabled=not confirm):
            removed = svc.clear(code, held)
            st.success(
                ngettext("{n} design removed.", "{n} designs removed.", removed).format(n=removed)
            )
        if st.button(_("Sign out as instructor"), key=f"{key}.signout"):
            forget_key(code)
            st.rerun()
    return held


def _run_probes(code: str, held: str) -> None:
    """Train the lab's probe on every visible design that has no accuracy yet."""
    svc = service()
    waiting = [r for r in svc.entries(code, include_hidden=False) if r.probe_accuracy is None]
    if not waiting:
        st.info(_("Every design on the board already has its probe accuracy."))
        return
    todo = waiting[:PROBES_PER_RUN]
    bar = st.progress(0.0, text=_("Training the probe…"))
    for i, row in enumerate(todo):
        name = md_escape(row.display_name)
        label = _("Probe {i}/{n}: {name}").format(i=i + 1, n=len(todo), name=name)

        def progress(fraction: float, _message: str, i=i, label=label) -> None:
            bar.progress(min(1.0, (i + fraction) / len(todo)), text=label)

        try:
            accuracy = probe_accuracy(row.spec, progress=progress)
        except (SpecError, ValueError) as exc:
            st.warning(
                _("The probe could not run on {name}: {reason}").format(
                    name=name, reason=md_escape(str(exc))
                )
            )
            continue
        svc.set_probe_accuracy(code, held, row.id, row.spec_json, accuracy)
    bar.progress(1.0, text=_("Probe finished."))
    left = len(waiting) - len(todo)
    if left:
        st.info(
            ngettext(
                "{n} design still waits for the probe: press “Run the probe” again.",
                "{n} designs still wait for the probe: press “Run the probe” again.",
                left,
            ).format(n=left)
        )


def _entries_fragment(code: str, admin: str | None, lang: str, key: str) -> None:
    secret = browser_secret(key=f"{key}.browser")

    @st.fragment(run_every=REFRESH_S)
    def live() -> None:
        use_page_language()
        _entries(code, admin, lang, key, secret)

    live()


def _entries(code: str, admin: str | None, lang: str, key: str, secret: str) -> None:
    try:
        rows = service().entries(code, secret=secret, include_hidden=admin is not None)
    except REFUSALS as exc:
        st.error(say(exc))
        return
    shown = [r for r in rows if not r.hidden]
    st.markdown(
        "**"
        + ngettext("{n} design on the board", "{n} designs on the board", len(shown)).format(
            n=len(shown)
        )
        + "**"
    )
    if not rows:
        st.info(_("No designs yet. In the studio, open “Send to board” and type this room code."))
        return
    labels = {s: _(label) for s, (label, _by, _desc) in SORTS.items()}
    sort = st.selectbox(
        _("Sort by"),
        list(SORTS),
        format_func=labels.get,
        key=f"{key}.sort",
    )
    rows = sorted_rows(rows, sort)
    cards, table, side = st.tabs([_("Designs"), _("Table"), _("Side by side")])
    with cards:
        _cards(rows, code, admin, lang, key)
    with table:
        _table(rows)
    with side:
        _side_by_side(rows, lang, key)


def _figures_md(row: Row) -> str:
    pattern, params, macs = _("Pattern"), _("Parameters"), _("MACs")
    overhead, small_params, accuracy = _("Attention overhead"), _("params"), _("Probe accuracy")
    lines = [
        f"**{pattern}:** {html.escape(row.shown_pattern)}",
        f"**{params}:** {fmt_count(row.params)} · **{macs}:** {fmt_count(row.macs)}",
        f"**{overhead}:** {small_params} {fmt_pct(row.attention_params_pct)}, "
        f"{macs} {fmt_pct(row.attention_macs_pct)}",
        f"**{accuracy}:** {fmt_accuracy(row.probe_accuracy)}",
    ]
    return "  \n".join(lines)


def _card(row: Row, code: str, admin: str | None, lang: str, key: str) -> None:
    with st.container(border=True):
        marks = [_("yours")] if row.mine else []
        marks += [_("hidden")] if row.hidden else []
        tail = "".join(f" · {m}" for m in marks)
        st.markdown(
            f"<div class='ra-board-name'>{html.escape(row.display_name)}</div>"
            f"<div>{html.escape(row.design_name + tail)}</div>",
            unsafe_allow_html=True,
        )
        try:
            row.spec  # noqa: B018 - validated on the way out
        except (SpecError, ValueError):
            st.warning(_("This entry's design no longer validates and is not shown."))
            return
        picture = thumbnail(row.spec_json)
        if picture:
            st.markdown(picture, unsafe_allow_html=True)
        st.markdown(_figures_md(row), unsafe_allow_html=True)
        link = _studio_link(row, lang)
        if link:
            st.link_button(_("Open in the studio"), link, width="stretch")
        if admin is not None:
            label = _("Show") if row.hidden else _("Hide")
            st.button(
                label,
                key=f"{key}.hide.{row.id}",
                on_click=_toggle_hidden,
                args=(code, admin, row.id, not row.hidden),
            )


def _toggle_hidden(code: str, admin: str, entry_id: int, hidden: bool) -> None:
    try:
        service().set_hidden(code, admin, entry_id, hidden)
    except REFUSALS as exc:
        st.session_state["board.flash"] = say(exc)


def _cards(rows: list[Row], code: str, admin: str | None, lang: str, key: str) -> None:
    flash = st.session_state.pop("board.flash", None)
    if flash:
        st.warning(flash)
    pages = max(1, -(-len(rows) // CARDS_PER_PAGE))
    page = 1
    if pages > 1:
        page = st.number_input(
            _("Page (of {pages})").format(pages=pages),
            min_value=1,
            max_value=pages,
            value=1,
            key=f"{key}.page",
        )
    shown = rows[(page - 1) * CARDS_PER_PAGE : page * CARDS_PER_PAGE]
    for start in range(0, len(shown), CARDS_PER_ROW):
        columns = st.columns(CARDS_PER_ROW)
        for column, row in zip(columns, shown[start : start + CARDS_PER_ROW], strict=False):
            with column:
                _card(row, code, admin, lang, key)


def _table(rows: list[Row]) -> None:
    st.dataframe(
        [
            {
                _("Display name"): r.display_name,
                _("Design"): r.design_name,
                _("Pattern"): r.shown_pattern,
                _("Parameters"): r.params,
                _("MACs"): r.macs,
                _("Attention params %"): round(r.attention_params_pct, 2),
                _("Attention MACs %"): round(r.attention_macs_pct, 3),
                _("Probe accuracy %"): None
                if r.probe_accuracy is None
                else round(100 * r.probe_accuracy, 1),
            }
            for r in rows
            if not r.hidden
        ],
        hide_index=True,
        width="stretch",
    )


def _label(row: Row) -> str:
    return f"{row.display_name} — {row.design_name}"


def _side_by_side(rows: list[Row], lang: str, key: str) -> None:
    shown = [r for r in rows if not r.hidden]
    if len(shown) < 2:
        st.info(_("Side by side needs two designs on the board."))
        return
    by_id = {r.id: r for r in shown}
    ids = list(by_id)
    left, right = st.columns(2)
    picked = []
    for column, default, side in ((left, 0, "a"), (right, 1, "b")):
        with column:
            chosen = st.selectbox(
                _("Design"),
                ids,
                index=default,
                format_func=lambda i: _label(by_id[i]),
                key=f"{key}.side.{side}",
            )
            picked.append(by_id[chosen])
    a, b = picked
    for column, row, other, side in ((left, a, b, "a"), (right, b, a, "b")):
        with column:
            picture = thumbnail(row.spec_json)
            if picture:
                st.markdown(picture, unsafe_allow_html=True)
            st.caption(row.shown_pattern)
            m1, m2 = st.columns(2)
            m1.metric(
                _("Parameters"), fmt_count(row.params), delta=_delta(row.params, other.params)
            )
            m2.metric(_("MACs"), fmt_count(row.macs), delta=_delta(row.macs, other.macs))
            m3, m4 = st.columns(2)
            m3.metric(_("Attention overhead"), fmt_pct(row.attention_macs_pct))
            m4.metric(_("Probe accuracy"), fmt_accuracy(row.probe_accuracy))
            try:
                st.code(engine.ascii_diagram(row.spec_json), language=None)
            except (SpecError, ValueError):
                st.warning(_("This entry's design no longer validates and is not shown."))
            with st.expander(_("Spec JSON")):
                st.code(json.dumps(json.loads(row.spec_json), indent=2), language="json")
            link = _studio_link(row, lang)
            if link:
                st.link_button(_("Open in the studio"), link, key=f"{key}.open.{side}")


def _delta(value: int, other: int) -> str | None:
    if value == other:
        return None
    return f"{value - other:+,}"
