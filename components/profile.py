"""The Profile tab: params, MACs, elementwise ops, FLOPs, latency — computed on demand."""

from __future__ import annotations

from typing import Optional

import streamlit as st

from components import engine
from components.checks import table_rows
from components.heavy import in_page_language, job_panel
from components.texts import COUNTING_RULES
from components.worker import SKIPPED_SAID
from resattn.i18n import N_, _
from resattn.lab.report import si
from resattn.profile import Profile, latency_settings
from schemas import canonical_json

#: words another catalog already has (the board's, the engine's): looked up there, not marked
#: again here (a message belongs to one catalog)
PARAMETERS, PARAMS, ELEMENTWISE = "Parameters", "params", "elementwise ops"

#: an attention overhead's key → its label (any other key: the key without ``_pct``, in words)
OVERHEADS = {
    "params_pct": PARAMS,
    "elementwise_ops_pct": ELEMENTWISE,
    "latency_pct": N_("latency"),
}


def render_profile(spec, *, key: str) -> None:
    cj = canonical_json(spec)
    params = engine.params(cj)
    st.markdown(_(COUNTING_RULES))
    latency = st.toggle(_("Measure CPU latency (a few seconds)"), value=True, key=f"{key}.latency")
    work = engine.work_json(cj)
    settings = latency_settings()  # the command line's: threads, repeats, time budget
    job_panel(
        "profile",
        {"spec": work, "latency": latency, "settings": settings},
        key=key,
        work_key=f"profile:{latency}:{work}",
        label=_("Profile this design"),
        budget_s=settings["time_budget_s"],
        show=lambda result: render_job_result(result, key=key),
        disabled_reason=engine.refused_up_front(cj)
        if params is not None
        else _("the design has errors (see Checks) — fix them to profile it"),
        help=_(
            "Counts the operations and times the forward pass in a worker process on this "
            "server's CPU, queued with every session's heavy jobs. Results are kept per design "
            "(its name does not matter)."
        ),
    )


def render_job_result(result: dict, *, key: str) -> None:
    """A profile job's result: the profile (`Profile.to_json`) and why a figure was not
    measured in every language (`Profile.skipped_said`; shown in the page's)."""
    said = result.get(SKIPPED_SAID) or {}
    p = Profile.from_json({k: v for k, v in result.items() if k != SKIPPED_SAID})
    skipped = {f: in_page_language(said.get(f) or why) for f, why in p.skipped.items()}
    render_result(p, key=key, skipped=skipped)


def render_result(p: Profile, *, key: str, skipped: Optional[dict] = None) -> None:
    """`p`'s figures; `skipped`: figure → why it was not measured, in the page's language
    (default: `p.skip_reason`)."""
    c = st.columns(4)
    c[0].metric(_(PARAMETERS), f"{p.params:,}")
    c[1].metric("MACs", si(p.macs), help=_("Multiply-accumulates of conv / linear / matmul."))
    c[2].metric(
        _("Elementwise ops"),
        si(p.elementwise_ops),
        help=_("Gate multiply, sigmoid, pooling, residual add, norms."),
    )
    c[3].metric("FLOPs", si(p.flops), help=_("2 × MACs + elementwise ops."))
    c = st.columns(4)
    c[0].metric(_("Output shape"), " × ".join(str(x) for x in p.output_shape))
    if p.latency_ms is not None:
        c[1].metric(_("CPU latency"), f"{p.latency_ms:,.2f} ms", help=latency_conditions(p))
        st.caption(_("Latency: {conditions}").format(conditions=latency_conditions(p)))
    if p.peak_memory_bytes:
        c[2].metric(_("Peak memory"), f"{p.peak_memory_bytes / 2**20:,.1f} MiB")
    overhead = p.attention.get("flops_pct")
    if overhead is not None:
        c[3].metric(
            _("Attention overhead (FLOPs)"),
            f"{overhead:+.2f} %",
            help=_("Extra FLOPs of the attention gates relative to the same design without them."),
        )
    if skipped is None:
        skipped = {figure: p.skip_reason(figure) for figure in p.skipped}
    for reason in skipped.values():  # a figure the time budget left out says why it is missing
        st.info(reason, icon="⏱")
    pcts = {k: v for k, v in p.attention.items() if k.endswith("_pct") and v is not None}
    if pcts:
        st.markdown(_("**What the attention costs** — relative to the same design without it"))
        cols = st.columns(len(pcts))
        for col, (name, value) in zip(cols, pcts.items(), strict=False):
            label = OVERHEADS.get(name) or name.removesuffix("_pct").replace("_", " ")
            col.metric(_(label), f"{value:+.2f} %")
    if p.unsupported_ops:
        st.warning(
            _("Operations the counter does not know (not counted): {ops}").format(
                ops=", ".join(f"`{op}`" for op in p.unsupported_ops)
            )
        )
    st.markdown("#### " + _("Per module"))
    rows = table_rows(p.per_module)
    st.dataframe(rows, width="stretch", hide_index=True, key=f"{key}.per_module")


def latency_conditions(p: Profile) -> str:
    """How the latency was measured — the same way as the command line's summary (a fresh
    process, the engine's warm-up and repeats), so the two figures can be compared."""
    batch = p.output_shape[0] if p.output_shape else 1
    spread = p.latency_spread_ms
    template = (
        _(
            "median of {runs} timed forward passes after a warm-up, interquartile range "
            "{spread} ms; batch {batch}, {threads} CPU thread(s), inference mode, in a worker "
            "process of this server — measured like the command-line summary on the same machine"
        )
        if spread is not None
        else _(
            "median of {runs} timed forward passes after a warm-up; batch {batch}, {threads} "
            "CPU thread(s), inference mode, in a worker process of this server — measured like "
            "the command-line summary on the same machine"
        )
    )
    return template.format(
        runs=p.latency_runs,
        spread=f"{spread:.2f}" if spread is not None else "",
        batch=batch,
        threads=p.threads,
    )
