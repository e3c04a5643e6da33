"""The Checks tab: the linter's diagnostics with their fixes, and the per-node shape table."""

from __future__ import annotations

import streamlit as st

from components import engine
from schemas import canonical_json

_BOX = {"error": st.error, "warning": st.warning, "info": st.info}
_ICON = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}


def render_diagnostics(diagnostics: list[dict]) -> None:
    if not diagnostics:
        st.success(
            "No findings: the design passes every check of the linter.",
            icon=":material/check_circle:",
        )
        return
    for d in diagnostics:
        where = f" at `{d['path']}`" if d["path"] else ""
        _BOX[d["severity"]](
            f"**{d['code']}**{where} — {d['message']}\n\n**Fix:** {d['hint']} *(notes {d['ref']})*",
            icon=_ICON[d["severity"]],
        )


def render_checks(spec, *, key: str) -> None:
    cj = canonical_json(spec)
    if engine.has("check"):
        with st.spinner("Checking shapes…"):
            report = engine.check(cj)
        diagnostics = [_as_dict(d) for d in report.diagnostics]
    else:
        report = None
        diagnostics = engine.lint(cj)
    n_err = sum(d["severity"] == "error" for d in diagnostics)
    n_warn = sum(d["severity"] == "warning" for d in diagnostics)
    st.markdown(f"#### Diagnostics — {n_err} error(s), {n_warn} warning(s)")
    render_diagnostics(diagnostics)
    st.markdown("#### Shape trace")
    if report is None:
        engine.missing("The shape trace")
        return
    if getattr(report, "activation_bytes", None):
        st.caption(
            f"Estimated activation memory: {report.activation_bytes / 2**20:,.1f} MiB "
            "(computed without allocating tensors)."
        )
    rows = [_row(r) for r in report.shapes]
    st.dataframe(rows, width="stretch", hide_index=True, key=f"{key}.shapes")


def _as_dict(d) -> dict:
    return d if isinstance(d, dict) else d.model_dump()


def _row(r) -> dict:
    if isinstance(r, dict):
        row = dict(r)
    elif hasattr(r, "_asdict"):
        row = r._asdict()
    elif hasattr(r, "model_dump"):
        row = r.model_dump()
    else:
        row = dict(vars(r))
    for name, value in row.items():
        if isinstance(value, (list, tuple)):
            sep = "×" if name == "shape" else ", "
            row[name] = sep.join(str(x) for x in value)
    return row
