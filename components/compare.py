"""The Compare tab (notes §8): baseline / P1 / P2 / P3 / P4 and your design side by side, trained
over seeds on the digits, mnist5k or the user's own images, with a verdict per variant.

`render_compare(spec, key=...)` renders the whole tab. Nothing runs at import or on a plain
rerun: *Run* queues the ablation in the heavy-job pool every session shares
(`components.heavy.job_panel`, the pool of the Profile tab and the ONNX export), so it never runs
on the script thread of an edit. The worker runs the lab's `ablate` — the same loop as
``resattn ablate`` — and the tab shows the place in the queue, then a bar for the whole run and
one per variant, and a Stop button; a session that leaves stops its run. The Run button is
disabled, with the reason, while the design has errors or a variant or probe is out of bounds.

Every finished piece (the static comparison, each trial) comes back while the run goes on
(`resattn.lab.pieces`) and is kept in the session under the lab's `static_key` / `train_key`
(the variant's canonical JSON and the settings, seed included): Stop keeps the finished trials,
and re-running with the same settings, or coming back to a design, is instant. Each trial is
bounded by its time budget, the whole job by the sum of them.

The results are drawn from the session's cache on the script thread, cheaply whatever the
run's length: the charts are plain Vega-Lite specs (no Altair chart to build and validate) of at
most `resattn.lab.report.CHART_POINTS` steps per series (`band_rows`, `gate_rows`).

Uploads (a ``.zip`` of an image folder or an ``.npz``, at most 200 MB) are checked and unpacked
by `resattn.lab.upload` into a temporary folder of the session, removed with it.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import OrderedDict
from dataclasses import replace
from typing import Optional

import pandas as pd
import streamlit as st

from components import engine
from components.heavy import in_page_language, job_panel
from resattn.i18n import N_, _, current_language
from resattn.lab import pieces
from resattn.lab.ablate import (
    VariantResult,
    ensure_trainable,
    ensure_within_bounds,
    seed_list,
    static_key,
    summarise,
    train_key,
)
from resattn.lab.data import DATASETS, DEFAULT_DATASET, describe
from resattn.lab.probe import SEED_LIMIT, ProbeConfig
from resattn.lab.reading import HINTS, seed_hints
from resattn.lab.report import band_rows, gate_rows, static_rows, training_rows
from resattn.lab.stats import BETTER, WORSE
from resattn.lab.upload import MAX_UPLOAD_BYTES, unpack_upload
from resattn.lab.variants import DEFAULT_PATTERNS, PATTERNS, make_variants
from schemas import (
    ATTENTION_LABELS,
    ATTENTION_MODELS,
    ATTENTION_NAMES,
    SPATIAL_TYPES,
    BlockSpec,
    DesignError,
    ResAttnError,
    canonical_json,
    parse_spec,
)

#: How many cached results (static sets and trial records) a session keeps.
CACHE_SIZE = 256
#: a word the page's catalog already has: looked up there, not marked again here
ATTENTION_WORD = "Attention"
#: a column of the lab's tables (`resattn.lab.report.COLUMNS`): the charts' legend title
VARIANT_WORD = "variant"
#: option values of the Attention and Data selects (shown translated)
DESIGN_ATTENTION = N_("the design's")
UPLOAD = N_("your data (upload)")
#: the job's time beyond its trials: counting and timing the variants, the time estimate
STATIC_BUDGET_S = 60.0
#: per trial, beyond its own time budget: building the probe, the held-out accuracy
TRIAL_OVERHEAD_S = 5.0


def render_compare(spec, *, key: str) -> None:
    """Render the Compare tab for `spec`; widget keys start with `key`."""
    st.markdown(
        _(
            "**Same backbone, same data, same optimiser — only the pattern changes** (notes "
            "§8). Each variant's block, and your design as it is, is trained in a small "
            "classifier on the same seeds (a seed fixes the split, the initial weights and the "
            "batch order); with two seeds or more each variant gets a paired verdict versus the "
            "baseline."
        )
    )
    _compare_fragment(canonical_json(spec), key)


@st.fragment
def _compare_fragment(cj: str, key: str) -> None:
    spec = parse_spec(json.loads(cj))
    choices, attention_type, config, seeds, latency = _controls(spec, key)
    if config is None:
        return
    if not choices:
        st.info(_("Choose at least one variant."))
        return
    try:
        variants = make_variants(spec, choices, attention_type)
    except ResAttnError as exc:
        st.error(exc.message)
        return
    cache = _cache(key)
    keys = _keys(variants, config, seeds, latency)
    missing = [k for k in keys if k not in cache]
    if missing:
        request = {
            "spec": cj,
            "choices": choices,
            "attention_type": attention_type,
            "config": config.to_json(),
            "seeds": seeds,
            "latency": latency,
            "estimate": True,
        }
        trials = sum(pieces.kind_of(k) == pieces.TRAIN for k in missing)
        job_panel(
            "ablation",
            {
                **request,
                "known": {k: pieces.to_json(k, cache[k]) for k in keys if k in cache},
            },
            key=key,
            work_key="ablation:" + json.dumps(request, sort_keys=True),
            label=_("Run the ablation"),
            budget_s=STATIC_BUDGET_S + trials * (config.time_budget_s + TRIAL_OVERHEAD_S),
            show=lambda result: _keep(result["pieces"], variants, cache),
            disabled_reason=_refusal(cj, choices, attention_type, config),
            help=_(
                "Trains every variant in a worker process of this server, queued with every "
                "session's heavy jobs; the trials it finishes are kept, even if you stop it."
            ),
            live=lambda job: _live(job, variants, config, seeds, cache),
        )
    static = cache.get(static_key(variants, latency))
    results = _results(variants, static, config, seeds, cache)
    if static is None and not any(r.runs for r in results):
        st.caption(
            _(
                "The ablation runs only when you ask; its time is estimated from the first "
                "training steps it measures and shown in the progress bar."
            )
        )
        return
    _render_results(static, results, key)


def _keys(variants, config: ProbeConfig, seeds: int, latency: bool) -> list[str]:
    """The cache keys of everything the ablation shows: its static comparison, every trial."""
    seed_values = _seeds(config, seeds)
    trials = [train_key(v, replace(config, seed=s)) for v in variants for s in seed_values]
    return [static_key(variants, latency), *trials]


def _keep(found: dict, variants, cache) -> None:
    """Keep the pieces `found` (key → JSON, from the worker) in the session's cache."""
    for k, data in found.items():
        if k not in cache:
            cache[k] = pieces.from_json(k, data, variants)


def _live(job, variants, config: ProbeConfig, seeds: int, cache) -> None:
    """While the run goes on: keep what it has finished, and one bar per variant."""
    partial = dict(job.partial)  # the pool's reader thread adds to it
    _keep(
        {k.removeprefix("piece:"): v for k, v in partial.items() if k.startswith("piece:")},
        variants,
        cache,
    )
    for i, v in enumerate(variants):
        fraction, message = partial.get(f"variant:{i}", (None, None))
        if fraction is None:
            seed_values = _seeds(config, seeds)
            done = all(train_key(v, replace(config, seed=s)) in cache for s in seed_values)
            fraction, message = (1.0, _("kept")) if done else (0.0, _("waiting"))
        st.progress(
            min(max(float(fraction), 0.0), 1.0),
            # the worker's words: a message of the catalogs, or one in every language
            text=_("{variant}: {message}").format(
                variant=v.label, message=in_page_language(message)
            ),
        )


def _refusal(cj: str, choices, attention_type, config: ProbeConfig) -> Optional[str]:
    """Why the ablation cannot run, or None: the design's errors first, then a variant or a
    probe out of bounds — answered from the specs, before anything is queued."""
    if any(d.severity == "error" for d in engine.lint(cj)):
        return _("the design has errors (see the checks above) — fix them to compare its variants")
    config_json = json.dumps(config.to_json())
    return _bounds(cj, tuple(choices), attention_type, config_json, current_language())


@st.cache_data(max_entries=256, show_spinner=False)
def _bounds(cj: str, choices, attention_type, config: str, lang: str) -> Optional[str]:
    """The variants' and probes' bounds (`lang`: the language of the reason, part of the key)."""
    spec = parse_spec(json.loads(cj))
    config = ProbeConfig.from_json(json.loads(config))
    try:
        variants = make_variants(spec, list(choices), attention_type)
        ensure_within_bounds(variants)
        ensure_trainable(spec, config, variants)
    except DesignError as exc:
        shown = "; ".join(d.path + ": " + d.message for d in exc.diagnostics[:3])
        more = len(exc.diagnostics) - 3
        if more > 0:
            shown = _("{shown}; and {n} more").format(shown=shown, n=more)
        return _(
            "{problems} — lower the probe width or the epochs, or choose other variants"
        ).format(problems=shown)
    except ResAttnError as exc:
        return exc.message
    return None


def _controls(spec, key: str):
    options = _choice_options()
    choices = st.multiselect(
        _("Variants"),
        options,
        default=list(DEFAULT_PATTERNS),
        key=f"{key}.variants",
        format_func=lambda k: _choice_label(k),
        help=_(
            "P1-P4 use the same attention; add another attention type as e.g. 'CBAM · P1'. "
            "Your design is always trained too, as it is."
        ),
    )
    c = st.columns(3)
    attention = c[0].selectbox(
        _(ATTENTION_WORD),
        [DESIGN_ATTENTION, *ATTENTION_MODELS],
        key=f"{key}.attention",
        format_func=lambda t: (
            _(t) if t == DESIGN_ATTENTION else f"{ATTENTION_LABELS[t]} — {ATTENTION_NAMES[t]}"
        ),
        help=_(
            "The module every P1-P4 variant uses: the design's first attention (SE if none). "
            "{kinds} gate H×W as well as channels: the heavy ones (notes §11, §12.4)."
        ).format(kinds=", ".join(ATTENTION_LABELS[t] for t in sorted(SPATIAL_TYPES))),
    )
    source = c[1].selectbox(
        _("Data"),
        [*DATASETS, UPLOAD],
        index=list(DATASETS).index(DEFAULT_DATASET),
        key=f"{key}.data",
        format_func=lambda d: _(d) if d == UPLOAD else f"{d} — {describe(d)}",
        help=_("digits is the fast demo; mnist5k gives spatial attention real 28×28 structure."),
    )
    seeds = c[2].number_input(
        _("Seeds"),
        1,
        10,
        1,
        key=f"{key}.seeds",
        help=_("1 is the quick demo (no verdict); 5 seeds are what a claim needs (docs/lab.md)."),
    )
    c = st.columns(4)
    epochs = c[0].number_input(_("Epochs"), 1, 30, ProbeConfig.epochs, key=f"{key}.epochs")
    seed = c[1].number_input(_("First seed"), 0, SEED_LIMIT - 1, 0, key=f"{key}.seed")
    width = c[2].number_input(
        _("Probe width"),
        1,
        64,
        ProbeConfig.width,
        key=f"{key}.width",
        help=_("3×3 conv channels"),
    )
    budget = c[3].number_input(_("Time budget per trial (s)"), 1, 300, 30, key=f"{key}.budget")
    latency = st.toggle(_("Measure CPU latency"), value=True, key=f"{key}.latency")
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
        _(
            "A .zip of an image folder (one sub-folder of PNG/JPEG per class) or an .npz with x "
            "and y — at most {mb} MB"
        ).format(mb=MAX_UPLOAD_BYTES // 1000**2),
        type=["zip", "npz"],
        key=f"{key}.upload",
    )
    if upload is None:
        st.info(_("Upload your data to train on it."))
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
    kind, _sep, pattern = choice.rpartition(":")
    label = f"{pattern} — {PATTERNS[pattern].formula}"
    return f"{ATTENTION_LABELS[kind]} · {label}" if kind else label


def _with_stages(spec, choices: list[str], key: str) -> list[str]:
    """notes §12.4: a network may keep attention to some stages (e.g. not the deep ones)."""
    stages = list(range(1, len(spec.stages) + 1))
    chosen = st.multiselect(
        _("Stages that get attention"),
        stages,
        default=stages,
        key=f"{key}.stages",
        format_func=lambda i: _("stage {i}").format(i=i),
        help=_("notes §12.4: attention in every block costs the most — choose it per stage."),
    )
    if not chosen or chosen == stages:
        return choices
    suffix = "@" + ",".join(map(str, sorted(chosen)))
    return [c if c == "baseline" else c + suffix for c in choices]


def _cache(key: str) -> OrderedDict:
    """The session's results, the newest `CACHE_SIZE` kept."""
    cache = st.session_state.setdefault(f"{key}.cache", OrderedDict())
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return cache


def _seeds(config: ProbeConfig, seeds: int) -> tuple[int, ...]:
    return seed_list(config.seed, seeds)


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


def _table(title: str, rows: list[dict], hint: str, key: str) -> None:
    """A titled table of rows (indexed by variant) with its reading hint beside it."""
    st.markdown("#### " + title)
    chart, note = st.columns([3, 1])
    chart.dataframe(pd.DataFrame(rows).set_index("variant"), width="stretch", key=key)
    note.info(_(hint), icon="📖")


def _render_results(static, results: list[VariantResult], key: str) -> None:
    if static is not None:
        _table(_("Static comparison"), static_rows(static), HINTS["static"], f"{key}.static.table")
    trained = [r for r in results if r.runs]
    if not trained:
        return
    _verdicts(trained)
    _table(
        _("Held-out accuracy over seeds"),
        training_rows(trained),
        HINTS["accuracy"],
        f"{key}.accuracy.table",
    )
    _curve(_("Loss per step"), trained, "loss", "loss", key)
    _curve(_("Gradient norm per step"), trained, "grad_norm", "grad_norm", key)
    gates = gate_rows(trained)
    if gates:
        st.markdown("#### " + _("Gate α: mean per step (first seed)"))
        chart, note = st.columns([3, 1])
        chart.vega_lite_chart(
            spec=_chart_spec(gates, "α"), width="stretch", key=f"{key}.gates.chart"
        )
        note.info(_(HINTS["gates"]), icon="📖")
    hints = seed_hints(trained)
    if hints:
        st.markdown("**" + _("What the numbers show") + "**")
        for hint in hints:
            st.warning(
                _("{variant}: {message} (notes {ref})").format(
                    variant=hint.variant, message=hint.message, ref=hint.ref
                )
            )
    stopped = sorted({r.variant.label for r in trained for _seed, rec in r.runs if rec.stopped})
    if stopped:
        st.caption(
            _("Stopped early (time budget or Stop): {variants}").format(variants=", ".join(stopped))
        )


def _verdicts(results: list[VariantResult]) -> None:
    st.markdown("#### " + _("Verdict versus the baseline"))
    shown = False
    for r in results:
        vs = (r.summary or {}).get("vs_baseline")
        if not vs:
            continue
        shown = True
        # red is for errors and refusals only: a worse variant is a warning, not a fault
        show = {BETTER: st.success, WORSE: st.warning}.get(vs["verdict"], st.info)
        show(vs["text"])
    if not shown:
        st.caption(_("No verdict: train the baseline and at least one variant."))


def _curve(title: str, results: list[VariantResult], curve: str, hint: str, key: str) -> None:
    """Mean over seeds per step, with a band from the lowest to the highest seed."""
    st.markdown(
        "#### " + _("{title} (mean over seeds, band: lowest to highest seed)").format(title=title)
    )
    chart, note = st.columns([3, 1])
    spec = _chart_spec(band_rows(results, curve), _(curve), band=True)
    chart.vega_lite_chart(spec=spec, width="stretch", key=f"{key}.{curve}.chart")
    note.info(_(HINTS[hint]), icon="📖")


def _chart_spec(rows: list[dict], y_title: str, band: bool = False) -> dict:
    """The Vega-Lite spec of a chart of `rows` (`band_rows`, `gate_rows`): a line of ``mean``
    per ``variant`` over ``step`` and, with `band`, the area from ``low`` to ``high`` under it.

    A plain dict: no Altair chart to build and validate on the script thread."""
    x = {"field": "step", "type": "quantitative", "title": _("step")}
    legend = {"symbolType": "stroke", "symbolOpacity": 1}  # the line's colour, not the band's
    color = {"field": "variant", "type": "nominal", "title": _(VARIANT_WORD), "legend": legend}
    y = {"type": "quantitative", "title": y_title}
    layers = [{"mark": "line", "encoding": {"x": x, "y": {**y, "field": "mean"}, "color": color}}]
    if band:
        area = {"x": x, "y": {**y, "field": "low"}, "y2": {"field": "high"}, "color": color}
        layers.insert(0, {"mark": {"type": "area", "opacity": 0.2}, "encoding": area})
    return {"data": {"values": rows}, "layer": layers}
