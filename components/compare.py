"""The Compare tab (NOTES §8): baseline / P1 / P2 / P3 / P4 side by side, trained on the digits.

`render_compare(spec, key=...)` renders the whole tab. Nothing runs at import or on a plain
rerun: *Run* calls the lab's `ablate` — the same loop as ``resattn ablate`` — inside a fragment
(the tab's own widgets rerun only the tab), with a bar for the whole run and one per variant
(the lab's per-variant progress). Each probe is bounded by a time budget. *Stop* sits outside
the fragment on purpose: Streamlit lets a full-page rerun preempt a running fragment (a click
inside the fragment would wait for the run to end), so Stop — like any edit of the design —
ends the run at its next progress update; finished variants are kept. Results are cached in
the session (the lab stores each piece as soon as it is done, under its `static_key` /
`train_key`: the variant's canonical JSON and the settings), so re-running with the same
settings, or coming back to a design, is instant.
"""

from __future__ import annotations

import json
from collections import OrderedDict

import pandas as pd
import streamlit as st

from resattn.lab.ablate import VariantResult, ablate, static_key, train_key
from resattn.lab.probe import SEED_LIMIT, ProbeConfig, TrainRecord
from resattn.lab.reading import HINTS, signs
from resattn.lab.variants import DEFAULT_PATTERNS, PATTERNS, make_variants
from schemas import (
    ATTENTION_LABELS,
    ATTENTION_MODELS,
    ATTENTION_NAMES,
    SPATIAL_TYPES,
    BlockSpec,
    ResAttnError,
    canonical_json,
    parse_spec,
)

#: How many cached results (static sets and probe runs) a session keeps.
CACHE_SIZE = 64
DESIGN_ATTENTION = "the design's"


def render_compare(spec, *, key: str) -> None:
    """Render the Compare tab for `spec`; widget keys start with `key`."""
    st.markdown(
        "**Same backbone, same data, same optimiser — only the pattern changes** (NOTES §8). "
        "Each variant's block is trained in a small classifier on scikit-learn's 1,797 "
        "handwritten 8×8 digits, with the same seed, split and batch order."
    )
    # Outside the fragment, so that its click preempts a running ablation (see the docstring).
    st.button(
        "Stop",
        key=f"{key}.stop",
        help="Stops a running ablation at its next step; finished variants are kept.",
    )
    _compare_fragment(canonical_json(spec), key)


@st.fragment
def _compare_fragment(cj: str, key: str) -> None:
    spec = parse_spec(json.loads(cj))
    choices, attention_type, config, latency = _controls(spec, key)
    run = st.button("Run the ablation", key=f"{key}.run", type="primary")
    if not choices:
        st.info("Choose at least one variant.")
        return
    try:
        variants = make_variants(spec, choices, attention_type)
    except ResAttnError as exc:
        st.error(exc.message)
        return
    cache = _cache(key)
    running = f"{key}.running"
    if st.session_state.pop(running, False) and not run:
        st.info("The last run was stopped; the variants it finished are shown below.")
    if run:
        st.session_state[running] = True  # still set on the next run = this run was preempted
        try:
            _run(spec, variants, choices, attention_type, config, latency, cache)
        except ResAttnError as exc:
            st.session_state[running] = False
            st.error(f"The ablation cannot run this design: {exc.message}")
            return
        # Not in a `finally`: a preempting rerun unwinds through here and must leave it set.
        st.session_state[running] = False
    static = cache.get(static_key(variants, latency))
    records = {v.name: cache.get(train_key(v, config)) for v in variants}
    if static is None and not any(records.values()):
        st.caption("The ablation runs only when you ask (about 2-4 s per variant for a block).")
        return
    _render_results(static, records, key)


def _controls(spec, key: str):
    options = _choice_options()
    choices = st.multiselect(
        "Variants",
        options,
        default=list(DEFAULT_PATTERNS),
        key=f"{key}.variants",
        format_func=lambda k: _choice_label(k),
        help="P1-P4 use the same attention; add another attention type as e.g. 'CBAM · P1'.",
    )
    c = st.columns(4)
    attention = c[0].selectbox(
        "Attention",
        [DESIGN_ATTENTION, *ATTENTION_MODELS],
        key=f"{key}.attention",
        format_func=lambda t: (
            t if t == DESIGN_ATTENTION else f"{ATTENTION_LABELS[t]} — {ATTENTION_NAMES[t]}"
        ),
        help="The module every P1-P4 variant uses: the design's first attention (SE if none). "
        + ", ".join(ATTENTION_LABELS[t] for t in sorted(SPATIAL_TYPES))
        + " gate H×W as well as channels: the heavy ones (NOTES §11, §12.4).",
    )
    epochs = c[1].number_input("Epochs", 1, 30, ProbeConfig.epochs, key=f"{key}.epochs")
    seed = c[2].number_input("Seed", 0, SEED_LIMIT - 1, ProbeConfig.seed, key=f"{key}.seed")
    budget = c[3].number_input("Time budget per variant (s)", 1, 120, 30, key=f"{key}.budget")
    latency = st.toggle("Measure CPU latency", value=True, key=f"{key}.latency")
    if not isinstance(spec, BlockSpec):
        choices = _with_stages(spec, choices, key)
    config = ProbeConfig(epochs=int(epochs), seed=int(seed), time_budget_s=float(budget))
    return choices, None if attention == DESIGN_ATTENTION else attention, config, latency


def _choice_options() -> list[str]:
    extra = [f"{t}:{p}" for t in ATTENTION_MODELS for p in PATTERNS if p != "baseline"]
    return [*DEFAULT_PATTERNS, *extra]


def _choice_label(choice: str) -> str:
    kind, _, pattern = choice.rpartition(":")
    label = f"{pattern} — {PATTERNS[pattern].formula}"
    return f"{ATTENTION_LABELS[kind]} · {label}" if kind else label


def _with_stages(spec, choices: list[str], key: str) -> list[str]:
    """NOTES §12.4: a network may keep attention to some stages (e.g. not the deep ones)."""
    stages = list(range(1, len(spec.stages) + 1))
    chosen = st.multiselect(
        "Stages that get attention",
        stages,
        default=stages,
        key=f"{key}.stages",
        format_func=lambda i: f"stage {i}",
        help="NOTES §12.4: attention in every block costs the most — choose it per stage.",
    )
    if not chosen or chosen == stages:
        return choices
    suffix = "@" + ",".join(map(str, sorted(chosen)))
    return [c if c == "baseline" else c + suffix for c in choices]


def _cache(key: str) -> OrderedDict:
    """The session's results, the newest `CACHE_SIZE` kept (the lab adds to it while it runs)."""
    cache = st.session_state.setdefault(f"{key}.cache", OrderedDict())
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return cache


def _run(spec, variants, choices, attention_type, config, latency, cache) -> None:
    """Run the lab's ablation: one bar for the whole run, one per variant."""
    overall = st.progress(0.0, text="Static comparison: counting and timing every variant")
    bars = []
    for v in variants:
        done = train_key(v, config) in cache
        bars.append(
            st.progress(1.0 if done else 0.0, text=f"{v.name}: {'cached' if done else 'waiting'}")
        )
    each = [_updater(bar, v.name) for bar, v in zip(bars, variants, strict=True)]
    ablate(
        spec,
        choices,
        attention_type,
        config=config,
        latency=latency,
        progress=_updater(overall, "all variants"),
        variant_progress=lambda i, fraction, message: each[i](fraction, message),
        cache=cache,
    )
    for bar in (overall, *bars):
        bar.empty()


def _updater(bar, label: str):
    last = [-1.0]

    def update(fraction: float, message: str) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        if fraction - last[0] >= 0.01 or fraction >= 1.0:  # at most ~100 updates per bar
            last[0] = fraction
            bar.progress(fraction, text=f"{label}: {message}")

    return update


# ---------------------------------------------------------------------------------------------
# Results


def _render_results(static: list[VariantResult] | None, records: dict, key: str) -> None:
    trained = {name: r for name, r in records.items() if r is not None}
    if static is not None:
        table = _static_table(static)
        _chart_with_hint("Static comparison", table, "static", key, table=True)
        overhead = table[[c for c in table.columns if c.endswith("+%")]].drop(
            index="baseline", errors="ignore"
        )
        if not overhead.empty:
            st.bar_chart(
                overhead.T, stack=False, x_label="overhead vs baseline (%)", horizontal=True
            )
    if not trained:
        return
    _chart_with_hint("Loss per step", _per_step(trained, "loss"), "loss", key)
    _chart_with_hint("Gradient norm per step", _per_step(trained, "grad_norm"), "grad_norm", key)
    _chart_with_hint("Held-out accuracy per epoch", _accuracy(trained), "accuracy", key, table=True)
    gates = _gates(trained, "mean")
    if not gates.empty:
        _chart_with_hint("Gate α: mean per step", gates, "gates", key)
        st.line_chart(_gates(trained, "std"), x_label="step", y_label="spread of α (std)")
    found = [(name, s) for name, r in trained.items() for s in signs(r)]
    if found:
        st.markdown("**What the curves show**")
        for name, sign in found:
            st.warning(f"{name}: {sign.message} (NOTES {sign.ref})")
    stopped = [name for name, r in trained.items() if r.stopped]
    if stopped:
        st.caption("Stopped early (time budget or Stop): " + ", ".join(stopped))


def _chart_with_hint(title: str, data: pd.DataFrame, hint: str, key: str, table=False) -> None:
    st.markdown(f"#### {title}")
    chart, note = st.columns([3, 1])
    with chart:
        if table:
            st.dataframe(data, width="stretch", key=f"{key}.{hint}.table")
        else:
            st.line_chart(data, x_label="step")
    note.info(HINTS[hint], icon="📖")


def _static_table(results: list[VariantResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        s, o = r.static, r.overhead_pct
        rows.append(
            {
                "variant": r.variant.name,
                "pattern": r.variant.formula,
                "params": s.params,
                "MACs": s.macs,
                "elementwise ops": s.elementwise_ops,
                "latency ms (median)": s.latency_ms,
                "params +%": o.get("params"),
                "MACs +%": o.get("macs"),
                "elementwise +%": o.get("elementwise_ops"),
                "latency +%": o.get("latency_ms"),
            }
        )
    return pd.DataFrame(rows).set_index("variant")


def _per_step(records: dict[str, TrainRecord], field: str) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(getattr(r, field)) for name, r in records.items()})


def _accuracy(records: dict[str, TrainRecord]) -> pd.DataFrame:
    table = pd.DataFrame({name: pd.Series(r.val_accuracy) for name, r in records.items()}).T
    table.columns = [f"epoch {i + 1}" for i in table.columns]
    table.index.name = "variant"
    return table


def _gates(records: dict[str, TrainRecord], stat: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            f"{name} · {slot}": pd.Series(stats[stat])
            for name, r in records.items()
            for slot, stats in r.gate_stats.items()
        }
    )
