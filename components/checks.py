"""The Checks tab: the linter's diagnostics with their fixes, and the per-node shape table."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from components import engine
from components.open_model import render_fit_report
from resattn.check import CheckReport
from resattn.i18n import _
from schemas import Diagnostic, canonical_json
from schemas.errors import finding_text

_BOX = {"error": st.error, "warning": st.warning, "info": st.info}
_ICON = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}


def say(d: Diagnostic) -> str:
    """A finding in one line, as the canvas and the flash messages quote it, in the current
    language (call it where the text is shown, never inside a cached function)."""
    return finding_text(d).render()


def render_diagnostics(diagnostics: list[Diagnostic]) -> None:
    if not diagnostics:
        st.success(
            _("No findings: the design passes every check of the linter."),
            icon=":material/check_circle:",
        )
        return
    for d in diagnostics:
        shown = (
            _("**{code}** at `{path}` — {message}\n\n**Fix:** {hint} *({cite})*")
            if d.path
            else _("**{code}** — {message}\n\n**Fix:** {hint} *({cite})*")
        )
        _BOX[d.severity](
            shown.format(code=d.code, path=d.path, message=d.message, hint=d.hint, cite=d.cite),
            icon=_ICON[d.severity],
        )


def render_checks(spec, *, key: str) -> None:
    cj = canonical_json(spec)
    with st.spinner(_("Checking shapes…")):
        report: CheckReport = engine.check(cj)
    diagnostics = report.diagnostics
    n_err = sum(d.severity == "error" for d in diagnostics)
    n_warn = sum(d.severity == "warning" for d in diagnostics)
    st.markdown(
        "#### "
        + _("Diagnostics — {errors} error(s), {warnings} warning(s)").format(
            errors=n_err, warnings=n_warn
        )
    )
    render_diagnostics(diagnostics)
    render_fit_report(spec, key=f"{key}.fit")
    st.markdown("#### " + _("Shape trace"))
    if not report.shapes:
        st.info(_("The shape trace appears once the design has no errors."))
        return
    st.caption(
        _("Estimated activation memory: {mib} MiB (computed without allocating tensors).").format(
            mib=f"{report.activation_bytes / 2**20:,.1f}"
        )
    )
    rows = table_rows(report.shapes)
    st.dataframe(rows, width="stretch", hide_index=True, key=f"{key}.shapes")


def table_rows(rows) -> list[dict]:
    """Table rows of the engine's typed records (shape trace, per-module counts): one column per
    field, a shape as ``1×64×8×8`` and any other sequence comma-separated."""
    table = []
    for record in rows:
        row = asdict(record)
        for name, value in row.items():
            if isinstance(value, (list, tuple)):
                sep = "×" if name == "shape" else ", "
                row[name] = sep.join(str(x) for x in value)
        table.append(row)
    return table
