"""The Compare tab (NOTES §8): baseline / P1 / P2 / P3 / P4 and your design side by side, trained
over seeds on the digits, mnist5k or the user's own images, with a verdict per variant.

`render_compare(spec, key=...)` renders the whole tab. Nothing runs at import or on a plain
rerun: *Run* calls `run_ablation` — the one function that does the tab's work, the lab's
`ablate` (the same loop as ``resattn ablate``), so it can be routed through a shared worker pool
— inside a fragment (the tab's own widgets rerun only the tab), with a bar for the whole run and
one per variant. Each trial is bounded by a time budget. *Stop* sits outside the fragment on
purpose: Streamlit lets a full-page rerun preempt a running fragment (a click inside the
fragment would wait for the run to end), so Stop — like any edit of the design — ends the run
at its next progress update; finished trials are kept. Results are cached in the session (the
lab stores each piece as soon as it is done, under its `static_key` / `train_key`: the variant's
canonical JSON and the settings, seed included), so re-running with the same settings, or coming
back to a design, is instant.

Uploads (a ``.zip`` of an image folder or an ``.npz``, at most 200 MB) are checked and unpacked
by `resattn.lab.upload` into a temporary folder of the session, removed with it.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import OrderedDict
from dataclasses import replace

import altair as alt
import pandas as pd
import streamlit as st

from resattn.lab.ablate import (
    VariantResult,
    ablate,
    seed_list,
    static_key,
    summarise,
    train_key,
)
from resattn.lab.data import DATASETS, DEFAULT_DATASET, describe
from resattn.lab.probe import SEED_LIMIT, ProbeConfig
from resattn.lab.reading import HINTS, seed_hints
from resattn.lab.report import static_rows, training_rows
from resattn.lab.stats import BETTER, WORSE
from resattn.lab.upload import MAX_UPLOAD_BYTES, unpack_upload
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

#: How many cached results (static sets and trial records) a session keeps.
CACHE_SIZE = 256
DESIGN_ATTENTION = "the design's"
UPLOAD = "your data (upload)"


def render_compare(spec, *, key: str) -> None:
    """Render the Compare tab for `spec`; widget keys start with `key`."""
    st.markdown(
        "**Same backbone, same data, same optimiser — only the pattern changes** (NOTES §8). "
        "Each variant's block, and your design as it is, is trained in a small classifier "
        "on the same seeds (a seed fixes the split, the initial weights and the batch order); "
        "with two seeds or more each variant gets a paired verdict versus the baseline."
    )
    # Outside the fragment, so that its click preempts a running ablation (see the docstring).
    st.button(
        "Stop",
        key=f"{key}.stop",
        help="Stops a running ablation at its next step; finished trials are kept.",
    )
    _compare_fragment(canonical_json(spec), key)


@st.fragment
def _compare_fragment(cj: str, key: str) -> None:
    spec = parse_spec(json.loads(cj))
    choices, attention_type, config, seeds, latency = _controls(spec, key)
    if config is None:
        return
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
        st.info("The last run was stopped; the trials it finished are shown below.")
    if run:
        st.session_state[running] = True  # still set on the next run = this run was preempted
        try:
            _run(spec, variants, choices, attention_type, config, seeds, latency, cache)
        except ResAttnError as exc:
            st.session_state[running] = False
            st.error(f"The ablation cannot run: {exc.message}")
            return
        # Not in a `finally`: a preempting rerun unwinds through here and must leave it set.
        st.session_state[running] = False
    static = cache.get(static_key(variants, latency))
    results = _results(variants, static, config, seeds, cache)
    if static is None and not any(r.runs for r in results):
        st.caption(
            "The ablation runs only when you ask; its time is estimated from the first "
            "training steps it measures and shown in the progress bar."
        )
        return
    _render_results(static, results, key)


def _controls(spec, key: str):
    options = _choice_options()
    choices = st.multiselect(
        "Variants",
        options,
        default=list(DEFAULT_PATTERNS),
        key=f"{key}.variants",
        format_func=lambda k: _choice_label(k),
        help="P1-P4 use the same attention; add another attention type as e.g. 'CBAM · P1'. "
        "Your design is always trained too, as it is.",
    )
    c = st.columns(3)
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
    source = c[1].selectbox(
        "Data",
        [*DATASETS, UPLOAD],
        index=list(DATASETS).index(DEFAULT_DATASET),
        key=f"{key}.data",
        format_func=lambda d: d if d == UPLOAD else f"{d} — {describe(d)}",
        help="digits is the fast demo; mnist5k gives spatial attention real 28×28 structure.",
    )
    seeds = c[2].number_input(
        "Seeds",
        1,
        10,
        1,
        key=f"{key}.seeds",
        help="1 is the quick demo (no verdict); 5 seeds are what a claim needs (docs/lab.md).",
    )
    c = st.columns(4)
    epochs = c[0].number_input("Epochs", 1, 30, ProbeConfig.epochs, key=f"{key}.epochs")
    seed = c[1].number_input("First seed", 0, SEED_LIMIT - 1, 0, key=f"{key}.seed")
    width = c[2].number_input(
        "Probe width", 1, 64, ProbeConfig.width, key=f"{key}.width", help="3×3 conv channels"
    )
    budget = c[3].number_input("Time budget per trial (s)", 1, 300, 30, key=f"{key}.budget")
    latency = st.toggle("Measure CPU latency", value=True, key=f"{key}.latency")
    if not isinstance(spec, BlockSpec):
        choices = _with_stages(spec, choices, key)
    data = source if source != UPLOAD else _uploaded(key)
    if data is None:
        return choices, None, None, None, latency
    config = ProbeConfig(
        epochs=int(epochs),
        seed=int(seed),
        width=int(width),
        time_budget_s=float(budget),
        data=data,
    )
    attention_type = None if attention == DESIGN_ATTENTION else attention
    return choices, attention_type, config, int(seeds), latency


def _uploaded(key: str):
    """The path of the user's unpacked upload, or None (with a message) until there is one."""
    upload = st.file_uploader(
        f"A .zip of an image folder (one sub-folder of PNG/JPEG per class) or an .npz with x "
        f"and y — at most {MAX_UPLOAD_BYTES // 1000**2} MB",
        type=["zip", "npz"],
        key=f"{key}.upload",
    )
    if upload is None:
        st.info("Upload your data to train on it.")
        return None
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    kept = st.session_state.get(f"{key}.unpacked")
    if kept is None or kept[0] != digest:
        folder = tempfile.TemporaryDirectory(prefix="resattn-upload-")  # removed with the session
        try:
            path = unpack_upload(data, upload.name, folder.name)
        except ResAttnError as exc:
            folder.cleanup()
            st.error(exc.message)
            return None
        kept = (digest, str(path), folder)
        st.session_state[f"{key}.unpacked"] = kept
    return kept[1]


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


def _run(spec, variants, choices, attention_type, config, seeds, latency, cache) -> None:
    """The tab's run: one bar for the whole run, one per variant, around `run_ablation`."""
    overall = st.progress(0.0, text="Checking the variants, then the static comparison")
    bars = []
    for v in variants:
        done = all(train_key(v, replace(config, seed=s)) in cache for s in _seeds(config, seeds))
        bars.append(
            st.progress(1.0 if done else 0.0, text=f"{v.label}: {'cached' if done else 'waiting'}")
        )
    each = [_updater(bar, v.label) for bar, v in zip(bars, variants, strict=True)]
    run_ablation(
        spec,
        choices,
        attention_type,
        config=config,
        seeds=seeds,
        latency=latency,
        cache=cache,
        progress=_updater(overall, "all trials"),
        variant_progress=lambda i, fraction, message: each[i](fraction, message),
    )
    for bar in (overall, *bars):
        bar.empty()


def run_ablation(spec, choices, attention_type, *, config, seeds, latency, cache, **callbacks):
    """The Compare tab's heavy work, in one call: the lab's `ablate` over `seeds` seeds in this
    process (the records land in `cache` as each trial finishes; `callbacks` are its progress
    callbacks). A shared worker pool routes the tab's runs through this function."""
    return ablate(
        spec,
        choices,
        attention_type,
        config=config,
        seeds=seeds,
        jobs=1,
        latency=latency,
        estimate=True,
        cache=cache,
        **callbacks,
    )


def _seeds(config: ProbeConfig, seeds: int) -> tuple[int, ...]:
    return seed_list(config.seed, seeds)


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


def _results(variants, static, config, seeds, cache) -> list[VariantResult]:
    """The rows to show, rebuilt from the cache: static figures when measured, every cached
    trial's record, and the statistics over the seeds that are there."""
    by_name = {r.variant.name: r for r in static or ()}
    rows = []
    for v in variants:
        known = by_name.get(v.name)
        row = (
            VariantResult(
                v,
                known.static,
                known.overhead_pct,
                known.warnings,
                latency_within_noise=known.latency_within_noise,
            )
            if known
            else VariantResult(v, None)
        )
        for s in _seeds(config, seeds):
            record = cache.get(train_key(v, replace(config, seed=s)))
            if record is not None:
                row.runs.append((s, record))
        rows.append(row)
    summarise(rows)
    return rows


def _render_results(static, results: list[VariantResult], key: str) -> None:
    if static is not None:
        st.markdown("#### Static comparison")
        chart, note = st.columns([3, 1])
        chart.dataframe(
            pd.DataFrame(static_rows(static)).set_index("variant"),
            width="stretch",
            key=f"{key}.static.table",
        )
        note.info(HINTS["static"], icon="📖")
    trained = [r for r in results if r.runs]
    if not trained:
        return
    _verdicts(trained)
    st.markdown("#### Held-out accuracy over seeds")
    chart, note = st.columns([3, 1])
    chart.dataframe(
        pd.DataFrame(training_rows(trained)).set_index("variant"),
        width="stretch",
        key=f"{key}.accuracy.table",
    )
    note.info(HINTS["accuracy"], icon="📖")
    _curve("Loss per step", trained, "loss", "loss", key)
    _curve("Gradient norm per step", trained, "grad_norm", "grad_norm", key)
    gates = _gates(trained)
    if not gates.empty:
        st.markdown("#### Gate α: mean per step (first seed)")
        chart, note = st.columns([3, 1])
        chart.line_chart(gates, x_label="step")
        note.info(HINTS["gates"], icon="📖")
    hints = seed_hints(trained)
    if hints:
        st.markdown("**What the numbers show**")
        for hint in hints:
            st.warning(f"{hint.variant}: {hint.message} (NOTES {hint.ref})")
    stopped = sorted({r.variant.label for r in trained for _, rec in r.runs if rec.stopped})
    if stopped:
        st.caption("Stopped early (time budget or Stop): " + ", ".join(stopped))


def _verdicts(results: list[VariantResult]) -> None:
    st.markdown("#### Verdict versus the baseline")
    shown = False
    for r in results:
        vs = (r.summary or {}).get("vs_baseline")
        if not vs:
            continue
        shown = True
        show = {BETTER: st.success, WORSE: st.error}.get(vs["verdict"], st.info)
        show(vs["text"])
    if not shown:
        st.caption("No verdict: train the baseline and at least one variant.")


def _curve(title: str, results: list[VariantResult], curve: str, hint: str, key: str) -> None:
    """Mean over seeds per step, with a band from the lowest to the highest seed."""
    frames = []
    for r in results:
        table = pd.DataFrame({s: pd.Series(getattr(rec, curve)) for s, rec in r.runs})
        frames.append(
            pd.DataFrame(
                {
                    "step": table.index,
                    "variant": r.variant.label,
                    "mean": table.mean(axis=1),
                    "low": table.min(axis=1),
                    "high": table.max(axis=1),
                }
            )
        )
    data = pd.concat(frames, ignore_index=True)
    base = alt.Chart(data).encode(x=alt.X("step:Q"), color=alt.Color("variant:N"))
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("low:Q", title=curve), y2="high:Q")
    line = base.mark_line().encode(y="mean:Q")
    st.markdown(f"#### {title} (mean over seeds, band: lowest to highest seed)")
    chart, note = st.columns([3, 1])
    chart.altair_chart(band + line, width="stretch", key=f"{key}.{curve}.chart")
    note.info(HINTS[hint], icon="📖")


def _gates(results: list[VariantResult]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            f"{r.variant.label} · {slot}": pd.Series(stats["mean"])
            for r in results
            for slot, stats in r.runs[0][1].gate_stats.items()
        }
    )
