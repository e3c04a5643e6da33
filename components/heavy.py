"""Heavy work in a panel: ask the shared pool (`components.jobs`), show the place in the queue
or the progress with a Stop button, then the result — never on the script thread of an edit.

A job's words (its progress step, why it failed or stopped) are kept by the pool, which every
session shares, in English and — for a text made of parts — in every language; they are shown
here in the page's language (`said`).

`job_panel` is the one way a panel runs heavy work. The panel part that follows the job is a
fragment that polls the pool while the job waits or runs (and only then), so an edit elsewhere
never waits for it and a waiting page costs one small rerun every `POLL_S`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

import streamlit as st

from components.jobs import DONE, FAILED, QUEUED, STOPPED, Job, JobPool
from resattn.i18n import DEFAULT_LANGUAGE, _, current_language

POLL_S = 0.5


def _session_alive(session_id: str) -> bool:
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return True
    return Runtime.instance().is_active_session(session_id)


@st.cache_resource(show_spinner=False)
def pool() -> JobPool:
    """The one pool of this server process: every session's heavy jobs queue here."""
    return JobPool(alive=_session_alive)


def session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "script"


def ordinal(n: int) -> str:
    """`n` as an ordinal number in the current language: 3rd, 3."""
    if current_language() == "tr":
        return f"{n}."
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def said(job: Job, what: str) -> str:
    """The job's `what` (``"message"`` or ``"error"``) in the current language."""
    shown = job.shown(what, current_language())
    if shown is not None:
        return shown
    text = getattr(job, what)
    return _(text) if text else ""


def in_page_language(message: Any) -> str:
    """A message a worker sent: {language: text} (`components.worker.every_language`) in the
    current language, or a single message of the catalogs translated into it."""
    if isinstance(message, dict):
        return message.get(current_language()) or message.get(DEFAULT_LANGUAGE) or ""
    return _(message) if message else ""


def job_panel(
    kind: str,
    args: dict,
    *,
    key: str,
    work_key: str,
    label: str,
    budget_s: float,
    show: Callable[[Any], None],
    disabled_reason: Optional[str] = None,
    help: Optional[str] = None,
    live: Optional[Callable[[Job], None]] = None,
) -> None:
    """A button that queues `kind` with `args`, then its status, then `show(result)`.

    `work_key` identifies the work (equal keys share one job and its kept result, across
    sessions). With `disabled_reason` the button is disabled and the reason shown beside it.
    `live(job)`, when given, runs on every poll while this session's job waits or runs (and
    once more before Stop ends it): it may show the job's progress in detail and keep the
    parts of its result that are already final (`Job.partial`).
    """
    job = pool().find(work_key)
    if job is not None and job.state == DONE:
        show(job.result)
        return
    active = job is not None and not job.done and session_id() in job.owners
    st.fragment(_follow, run_every=POLL_S if active else None)(
        kind, args, key, work_key, label, budget_s, disabled_reason, help, live
    )


def _follow(kind, args, key, work_key, label, budget_s, disabled_reason, help, live) -> None:
    p, me = pool(), session_id()
    job = p.find(work_key)
    if job is None:  # a job that failed or was stopped is no longer shared: this session's own
        own = p.get(st.session_state.get(f"{key}.job", ""))
        job = own if own is not None and own.key == work_key else None
    if job is not None and job.state == DONE:
        st.rerun()  # the whole panel shows the result; polling ends
    mine = job is not None and not job.done and me in job.owners
    if not mine:
        if job is not None and job.state == FAILED:
            st.error(said(job, "error"))
        if job is not None and job.state == STOPPED:
            st.info(
                _("Stopped ({why}). Run it again when you like.").format(why=said(job, "message"))
            )
        c1, c2 = st.columns([1, 3], vertical_alignment="center")
        if c1.button(
            label,
            key=f"{key}.run",
            type="primary",
            disabled=disabled_reason is not None,
            help=help,
        ):
            job = p.submit(kind, args, owner=me, budget_s=budget_s, key=work_key)
            st.session_state[f"{key}.job"] = job.id
            st.rerun()
        if disabled_reason:
            c2.caption(_("Not available: {reason}").format(reason=disabled_reason))
        return
    _status(p, job)
    if live is not None:
        live(job)
    if st.button(_("Stop"), key=f"{key}.stop", help=_("Stops this job; nothing else changes.")):
        p.cancel(job, me)
        st.rerun()


def _status(p: JobPool, job: Job) -> None:
    if job.state == QUEUED:
        place = p.place(job)
        stats = p.stats()
        st.info(
            _(
                "Waiting in the queue: you are {place} in line ({ahead} job(s) ahead of yours). "
                "{workers} worker(s) serve every session of this server, one heavy job per core "
                "at a time."
            ).format(place=ordinal(place), ahead=place - 1, workers=stats["workers"]),
            icon=":material/hourglass_top:",
        )
        return
    st.progress(
        job.progress,
        text=_("{step} — {elapsed} s of a {budget} s time budget").format(
            step=said(job, "message"), elapsed=f"{job.elapsed_s:.1f}", budget=f"{job.budget_s:g}"
        ),
    )
