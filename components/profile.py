"""The Profile tab: params, MACs, elementwise ops, FLOPs, latency — computed on demand."""

from __future__ import annotations

import streamlit as st

from components import engine
from components.checks import _row
from components.texts import COUNTING_RULES
from resattn.lab.report import si
from schemas import canonical_json

_si = si  # one formatter of counts for the studio and the lab's tables


def render_profile(spec, *, key: str) -> None:
    cj = canonical_json(spec)
    params = engine.params(cj)
    st.markdown(COUNTING_RULES)
    if params is None:
        st.error("The design has linter errors (see Checks), so it cannot be profiled.")
        return
    _profile_fragment(cj, key)


@st.fragment
def _profile_fragment(cj: str, key: str) -> None:
    c1, c2 = st.columns([1, 3])
    latency = c2.toggle("Measure CPU latency (a few seconds)", value=True, key=f"{key}.latency")
    result = engine.cached_profile(cj, latency)
    run = c1.button(
        "Profile this design",
        key=f"{key}.run",
        type="primary",
        disabled=result is not None,
        help="Counts the operations and times the forward pass on this server's CPU. "
        "Results are kept per design.",
    )
    if run and result is None:
        bar = st.progress(0.0, text="Starting…")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

        try:
            result = engine.run_profile(cj, latency, progress)
        except Exception as exc:  # noqa: BLE001 - show any engine failure, keep the page alive
            bar.empty()
            st.error(f"Profiling failed: {exc}")
            return
        bar.empty()
    if result is None:
        st.caption("Profiling runs only when you ask, so editing never waits for it.")
        return
    render_result(result, key=key)


def render_result(p, *, key: str) -> None:
    c = st.columns(4)
    c[0].metric("Parameters", f"{p.params:,}")
    c[1].metric("MACs", _si(p.macs), help="Multiply-accumulates of conv / linear / matmul.")
    c[2].metric(
        "Elementwise ops",
        _si(p.elementwise_ops),
        help="Gate multiply, sigmoid, pooling, residual add, norms.",
    )
    c[3].metric("FLOPs", _si(p.flops), help="2 × MACs + elementwise ops.")
    c = st.columns(4)
    c[0].metric("Output shape", " × ".join(str(x) for x in p.output_shape))
    if getattr(p, "latency_ms", None) is not None:
        spread = getattr(p, "latency_spread_ms", None)
        c[1].metric(
            "CPU latency",
            f"{p.latency_ms:,.2f} ms",
            help=f"Median; spread ±{spread:.2f} ms; {p.threads} thread(s)."
            if spread is not None
            else None,
        )
    if getattr(p, "peak_memory_bytes", None):
        c[2].metric("Peak memory", f"{p.peak_memory_bytes / 2**20:,.1f} MiB")
    overhead = _overhead(p.attention)
    if overhead is not None:
        c[3].metric(
            "Attention overhead (FLOPs)",
            f"{overhead:+.2f} %",
            help="Extra FLOPs of the attention gates relative to the same design without them.",
        )
    pcts = {}
    if isinstance(p.attention, dict):
        pcts = {k: v for k, v in p.attention.items() if k.endswith("_pct") and v is not None}
    if pcts:
        st.markdown("**What the attention costs** — relative to the same design without it")
        cols = st.columns(len(pcts))
        for col, (name, value) in zip(cols, pcts.items(), strict=False):
            col.metric(name.removesuffix("_pct").replace("_", " "), f"{value:+.2f} %")
    if getattr(p, "unsupported_ops", None):
        st.warning(
            "Operations the counter does not know (not counted): "
            + ", ".join(f"`{op}`" for op in p.unsupported_ops)
        )
    st.markdown("#### Per module")
    rows = p.per_module
    if isinstance(rows, dict):
        rows = [
            {"module": k, **(v if isinstance(v, dict) else {"value": v})} for k, v in rows.items()
        ]
    rows = [_row(r) for r in rows]
    st.dataframe(rows, width="stretch", hide_index=True, key=f"{key}.per_module")


def _overhead(attention):
    if isinstance(attention, (int, float)):
        return float(attention)
    if isinstance(attention, dict):
        for name in ("overhead_pct", "flops_pct", "macs_pct", "percent", "overhead"):
            if isinstance(attention.get(name), (int, float)):
                return float(attention[name])
    for name in ("overhead_pct", "flops_pct", "percent"):
        if isinstance(getattr(attention, name, None), (int, float)):
            return float(getattr(attention, name))
    return None
