"""The ablation (NOTES §8): every variant's static figures side by side, plus the probe over seeds.

Static figures come from `resattn.profile` (params, MACs, elementwise ops — the counting
rules of docs/design.md §3) on each variant's full-size design. Latency is measured here rather
than per variant so that every variant is timed under the same conditions: the models are warmed
up, then timed in turns (one forward of each per round), and each variant reports its median and
interquartile range. A latency difference from the baseline is called "within noise" unless
the paired per-round times differ significantly (Wilcoxon signed-rank, p < 0.05). Overheads are
in % versus the baseline (the same design with every slot empty).

Every variant trains on the same `seeds` (a seed fixes the split, the initial weights and the
batch order); `summarise` gives per variant the mean and 95 % interval of the final held-out
accuracy and loss and, versus the baseline, the paired difference with its interval, p-value and
verdict (`resattn.lab.stats`). The trials (variant × seed) run here, in a process pool or on Ray
(`resattn.lab.trials`), with identical numbers.

Before any work every generated variant is checked against the resource bounds, and the probe
it would train against the training budget (`ensure_trainable`): a variant out of bounds is
refused up front, named — not the user's input.

`ablate` is the one loop the CLI and the studio's Compare tab share: progress for the whole run
and per variant, cancellation between and within probes, the probe's time budget, and an
optional cache (any mutable mapping) that keeps each finished piece as soon as it is done.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import torch

from resattn.i18n import N_
from resattn.i18n.text import Text, Trimmed
from resattn.lab.probe import (
    ProbeConfig,
    Progress,
    ShouldStop,
    TrainRecord,
    probe_spec,
    train_probe,
)
from resattn.lab.stats import summary
from resattn.lab.trials import Trial, TrialPool, run_trials
from resattn.lab.variants import (
    Variant,
    VariantChoice,
    make_variant,
    make_variants,
    parse_choice,
)
from resattn.loading import load_spec
from schemas import DesignError, Diagnostic, Spec, canonical_json

#: Per-variant progress: (index of the variant in the results, fraction of its probe, message).
#: Below 1.0 while its probe trains; then exactly one call at 1.0 whose message is the outcome:
#: "done", "stopped: time budget" (`STOPPED_BY_BUDGET`), "cancelled" or "from the cache". A
#: message is a plain catalog message or a `Text` (worded where it is shown, in that language).
VariantProgress = Callable[[int, float, Any], None]

#: what an ablation says while it runs (`progress` and `variant_progress`)
COUNTING = N_("counting {variant}")
TIMING = N_("timing every variant in turns")
STATIC_DONE = N_("static comparison done")
MEASURING_FIRST_STEPS = N_("measuring the first training steps for the time estimate")
ESTIMATED = N_(
    "{n} trials: about {seconds} s (from the first training steps measured on each variant)"
)
TRIAL_DONE = N_("{variant}, seed {seed}: done · about {left} s left")
TRIAL_STEP = N_("{variant}, seed {seed}: {message} · about {left} s left")
SEED_STEP = N_("seed {seed}: {message}")
SEED_DONE = N_("seed {seed} done")
SEED_STOPPED_BY_BUDGET = N_("seed {seed} stopped: time budget")
STOPPED_BY_BUDGET = N_("stopped: time budget")

#: The figures whose overhead versus the baseline is reported, in %.
OVERHEAD_FIGURES = ("params", "macs", "elementwise_ops", "latency_ms")


@dataclass(frozen=True)
class Static:
    """One variant's static figures (the counting rules of docs/design.md §3; latency in
    ms, median)."""

    params: int
    macs: int
    elementwise_ops: int
    flops: int
    latency_ms: Optional[float] = None
    latency_spread_ms: Optional[float] = None
    #: Per-round times (ms), in the order the rounds ran (paired across variants).
    latency_samples: tuple[float, ...] = ()


@dataclass
class VariantResult:
    """One row of the ablation: the variant, its static figures, overheads and training.

    `runs` holds one (seed, record) per trained seed, in seed order; `summary` the statistics
    over them (`summarise`); `latency_within_noise` whether the latency's difference from the
    baseline's is within the noise of the timed rounds (None when not measured)."""

    variant: Variant
    static: Static
    overhead_pct: dict[str, Optional[float]] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)
    runs: list[tuple[int, TrainRecord]] = field(default_factory=list)
    summary: Optional[dict[str, Any]] = None
    latency_within_noise: Optional[bool] = None

    @property
    def train(self) -> Optional[TrainRecord]:
        """The first seed's record (None before training)."""
        return self.runs[0][1] if self.runs else None

    def to_json(self) -> dict[str, Any]:
        v, s = self.variant, self.static
        return {
            "name": v.name,
            "key": v.key,
            "pattern": v.pattern,
            "formula": v.formula,
            "attention": v.attention_type,
            "is_design": v.is_design,
            "params": s.params,
            "macs": s.macs,
            "elementwise_ops": s.elementwise_ops,
            "flops": s.flops,
            "latency_ms": s.latency_ms,
            "latency_spread_ms": s.latency_spread_ms,
            "latency_within_noise": self.latency_within_noise,
            "overhead_pct": self.overhead_pct,
            "warnings": self.warnings,
            "summary": self.summary,
            "seeds": [{"seed": seed, **record.to_json()} for seed, record in self.runs],
        }


@dataclass
class Ablation:
    """The whole comparison; `to_json()` is what ``resattn ablate --json`` prints.

    `stopped` is "cancelled" when `should_stop()` ended the run (None otherwise); `finished`
    names the variants whose probe ran to its end (or its time budget).
    """

    results: list[VariantResult]
    config: ProbeConfig
    stopped: Optional[str] = None
    seeds: tuple[int, ...] = ()
    estimate_s: Optional[float] = None
    #: the readings the numbers support (`resattn.lab.reading.Hint`, rendered when shown)
    hints: list = field(default_factory=list)

    @property
    def finished(self) -> list[str]:
        """The variants whose every seed ran to its end (or its time budget)."""
        return [
            r.variant.name
            for r in self.results
            if len(r.runs) == len(self.seeds)
            and r.runs
            and all(rec.stopped != "cancelled" for _, rec in r.runs)
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "variants": [r.to_json() for r in self.results],
            "probe": self.config.to_json(),
            "seeds": list(self.seeds),
            "estimate_s": self.estimate_s,
            "hints": [h.to_json() for h in self.hints],
            "stopped": self.stopped,
            "finished": self.finished,
        }


def static_key(variants: Sequence[Variant], latency: bool) -> str:
    """The cache key of the static comparison of `variants` (the baseline is measured too)."""
    return json.dumps(["static", [[v.name, canonical_json(v.spec)] for v in variants], latency])


def train_key(variant: Variant, config: ProbeConfig) -> str:
    """The cache key of one variant's probe: its canonical spec and the probe settings (the
    seed included)."""
    return json.dumps(["train", canonical_json(variant.spec), config.to_json()], sort_keys=True)


def seed_list(first: int, count: int) -> tuple[int, ...]:
    """The seeds of an ablation: `count` consecutive seeds from `first`."""
    if not 1 <= count <= MAX_SEEDS:
        raise ValueError(f"seeds must be in [1, {MAX_SEEDS}] (got {count})")
    return tuple(first + i for i in range(count))


#: Most seeds one ablation trains per variant.
MAX_SEEDS = 50


def static_figures(
    variants: Sequence[Variant],
    *,
    latency: bool = True,
    repeats: int = 20,
    time_budget_s: float = 10.0,
    progress: Optional[Progress] = None,
) -> dict[str, Static]:
    """Counts of every variant and, with `latency`, their latencies measured in turns.

    `time_budget_s` bounds the latency rounds (every variant gets at least one timed run).
    """
    from resattn.build import build
    from resattn.profile import latency_threads, measuring_threads, profile

    report = progress or (lambda fraction, message: None)
    counts = {}
    for i, v in enumerate(variants):
        report(i / (len(variants) + 1), Text(COUNTING, variant=v.name))
        counts[v.name] = profile(v.spec, latency=False)
    times: dict[str, list[float]] = {}
    if latency:
        report(len(variants) / (len(variants) + 1), Text(TIMING))
        models = {v.name: build(v.spec).eval() for v in variants}
        with measuring_threads(latency_threads()):  # as `profile` times (the CLI, the studio)
            times = latency_in_turns(models, _input(variants[0].spec), repeats, time_budget_s)
    report(1.0, Text(STATIC_DONE))
    out = {}
    for name, p in counts.items():
        t = times.get(name)
        timing = (statistics.median(t), _iqr(t), tuple(t)) if t else (None, None, ())
        out[name] = Static(p.params, p.macs, p.elementwise_ops, p.flops, *timing)
    return out


def _input(spec: Spec) -> torch.Tensor:
    inp = spec.input
    generator = torch.Generator().manual_seed(0)
    return torch.randn(inp.batch, inp.channels, inp.height, inp.width, generator=generator)


def latency_in_turns(
    models: dict[str, torch.nn.Module], x: torch.Tensor, repeats: int, budget_s: float
) -> dict[str, list[float]]:
    """name → the ms of each round's inference forward, the models taking turns each round so
    that every one sees the same machine load (round r of every model ran back to back)."""
    deadline = time.perf_counter() + budget_s
    times: dict[str, list[float]] = {name: [] for name in models}
    with torch.inference_mode():
        for model in models.values():  # warm-up: allocations and kernel selection
            model(x)
        for round_ in range(repeats):
            if round_ and time.perf_counter() > deadline:
                break
            for name, model in models.items():
                start = time.perf_counter()
                model(x)
                times[name].append(1000 * (time.perf_counter() - start))
    return times


def within_noise(samples: Sequence[float], baseline: Sequence[float]) -> Optional[bool]:
    """Whether a latency differs from the baseline's only within the noise of the rounds: the
    per-round differences (paired: the two ran back to back) are not significantly away from
    zero (Wilcoxon signed-rank test, p >= 0.05; fewer than 6 rounds are always within noise).
    None when either was not measured."""
    from scipy.stats import wilcoxon

    if not samples or not baseline:
        return None
    diffs = [a - b for a, b in zip(samples, baseline, strict=True)]
    if len(diffs) < 6:
        return True
    if all(d == 0 for d in diffs):
        return True
    return bool(wilcoxon(diffs).pvalue >= 0.05)


def _iqr(values: list[float]) -> float:
    if len(values) < 4:
        return max(values) - min(values)
    q1, _, q3 = statistics.quantiles(values, n=4)
    return q3 - q1


def overheads(static: Static, baseline: Static) -> dict[str, Optional[float]]:
    """% by which each figure of `static` exceeds the baseline's (None when not measured)."""
    out: dict[str, Optional[float]] = {}
    for name in OVERHEAD_FIGURES:
        value, base = getattr(static, name), getattr(baseline, name)
        out[name] = None if value is None or not base else 100.0 * (value - base) / base
    return out


def compare(
    spec: Spec,
    choices: Optional[Iterable[str | VariantChoice]] = None,
    attention_type: Optional[str] = None,
    *,
    latency: bool = True,
    repeats: int = 20,
    time_budget_s: float = 10.0,
    progress: Optional[Progress] = None,
) -> list[VariantResult]:
    """The static comparison of the chosen variants (the baseline is measured too, for the
    overheads, even when it is not among them)."""
    spec = load_spec(spec)
    variants = make_variants(spec, choices, attention_type)
    ensure_within_bounds(variants)
    return _compare(
        spec,
        variants,
        latency=latency,
        repeats=repeats,
        time_budget_s=time_budget_s,
        progress=progress,
    )


def _compare(spec: Spec, variants: list[Variant], **options) -> list[VariantResult]:
    baseline = make_variant(spec, parse_choice("baseline"))
    measured = variants if any(v.name == "baseline" for v in variants) else [baseline, *variants]
    figures = static_figures(measured, **options)
    base = figures["baseline"]
    return [
        VariantResult(
            v,
            figures[v.name],
            overheads(figures[v.name], base),
            warnings=linter_warnings(v.spec),
            latency_within_noise=within_noise(
                figures[v.name].latency_samples, base.latency_samples
            ),
        )
        for v in variants
    ]


def linter_warnings(spec: Spec) -> list[dict[str, str]]:
    """The design linter's warnings for a variant (e.g. §12.4, heavy attention in every block of
    a network, with its overhead), as ``{"code", "path", "message", "ref"}`` (English: JSON)."""
    from resattn.lint import lint

    return [
        {"code": d.code, "path": d.path, "message": d.model_dump()["message"], "ref": d.ref}
        for d in lint(spec)
        if d.severity == "warning"
    ]


# ---------------------------------------------------------------------------------------------
# Refusals before any work

#: The linter's resource-bound rules every variant must pass before anything is built (the
#: compute budget, RA209's compute half, is checked right after them in `design_errors`).
BOUND_RULES = ("RA102", "RA103")

#: Multiply-accumulates one probe training (one variant, one seed) may cost: forward + backward
#: (≈ 3 × the forward's MACs) per training image per epoch. 2·10¹² MACs is about five minutes on
#: one core of a 2-core development machine (≈ 6-7·10⁹ MAC/s measured on the default probe);
#: the default probes need ≈ 1.5·10¹⁰ (digits) and 7·10¹⁰ (mnist5k); ResNet-50 as designed on
#: mnist5k would need 5·10¹².
MAX_TRAIN_MACS = 2 * 10**12

#: Training memory of one probe step: the activations of one training forward, kept for the
#: backward pass, and their gradients (≈ 3 × the forward's activation estimate).
MAX_TRAIN_BYTES = 2 * 1024**3


def design_errors(spec) -> list:
    """The errors that stop `spec` from being built or run, as `Diagnostic`s, cheapest first:
    the resource bounds (`BOUND_RULES`) and the compute budget (RA209's compute half, an error
    here: the lab runs the design), all answered from the spec alone, and only within them the
    linter's other errors."""
    from resattn.lint import RULES, lint, over_compute_budget

    def error(code: str, f) -> Diagnostic:
        return Diagnostic.of(
            code=code,
            severity="error",
            path=f.field,
            message=f.message,
            hint=f.hint,
            ref=RULES[code].ref,
        )

    bounds = [error(code, f) for code in BOUND_RULES for f in RULES[code].check(spec)]
    bounds = bounds or [error("RA209", f) for f in over_compute_budget(spec)]
    return bounds or [d for d in lint(spec) if d.severity == "error"]


def ensure_within_bounds(variants: Sequence[Variant]) -> None:
    """Refuse, before any work, variants that cannot be built — a resource bound broken, or a
    linter error.

    Every variant is checked (the generated ones too: a P3 variant sees the input channels, so it
    can exceed a bound the design itself keeps). A generated variant's error names the variant,
    with its figure and cap, not the user's input; the design's own errors keep their paths
    (`DesignError`, CLI exit 1)."""
    bad = []
    for v in variants:
        for d in design_errors(v.spec):
            if v.is_design:  # the design's own errors: its paths are the user's input
                bad.append(d)
                continue
            where = f"variant {v.name!r}" + (f" ({d.path})" if d.path else "")
            bad.append(
                Diagnostic.of(
                    code=d.code,
                    severity=d.severity,
                    path=where,
                    message=Text(
                        N_("(a variant the ablation generates, not your input) {message}"),
                        message=d.text("message"),
                    ),
                    hint=d.text("hint"),
                    ref=d.ref,
                )
            )
    if bad:
        unique = {(d.code, d.path, d.model_dump()["message"]): d for d in bad}
        raise DesignError(list(unique.values()))


def training_cost(spec: Spec, config: ProbeConfig) -> dict[str, float]:
    """The probe's training cost, from the spec alone (no real allocation): MACs of the whole
    training (forward + backward ≈ 3 × forward, every training image, every epoch) and the bytes
    of one training step."""
    from resattn.check import estimate_activation_bytes
    from resattn.estimates import compute_work
    from resattn.lab.data import data_shape

    shape = data_shape(config.data, config.image_size)
    net = probe_spec(spec, config, shape)
    errors = design_errors(net)
    if errors:
        return {"macs": float("inf"), "bytes": float("inf"), "errors": errors}
    per_image = compute_work(net).macs / net.input.batch
    n_train = shape.n * (1 - config.val_fraction)
    epochs = config.epochs
    if config.max_steps is not None:
        epochs = min(epochs, config.max_steps * config.batch_size / max(1.0, n_train))
    act = estimate_activation_bytes(net) * config.batch_size / net.input.batch
    return {"macs": 3 * per_image * n_train * epochs, "bytes": 3 * act, "errors": []}


def ensure_trainable(
    spec: Spec, config: ProbeConfig, variants: Sequence[Variant] = ()
) -> dict[str, float]:
    """Refuse, before any work, a probe that breaks the bounds or the training budget
    (`MAX_TRAIN_MACS`, `MAX_TRAIN_BYTES`), with its estimate — e.g. ``--as-designed`` on data too
    large for the design's own widths. Checks the design and every variant; returns the training
    MACs of each (by variant name, or ``"your design"``)."""
    from resattn.lint import fmt_bytes

    checked = list(variants) or [None]
    bad = []
    macs: dict[str, float] = {}
    for v in checked:
        target = spec if v is None else v.spec
        name = "your design" if v is None else v.name
        shown = Text(N_("'your design'")) if v is None else repr(v.name)
        cost = training_cost(target, config)
        macs[name] = cost["macs"]
        problems = [Trimmed(d.text("message"), ".") for d in cost["errors"]]
        if cost["macs"] != float("inf") and cost["macs"] > MAX_TRAIN_MACS:
            minutes = cost["macs"] / 6.5e9 / 60
            problems.append(
                Text(
                    N_(
                        "training it costs about {macs} multiply-accumulates per seed (roughly "
                        "{minutes} min on one CPU core), over the {cap} the lab allows per trial"
                    ),
                    macs=f"{cost['macs']:.2e}",
                    minutes=f"{minutes:,.0f}",
                    cap=f"{MAX_TRAIN_MACS:.0e}",
                )
            )
        if cost["bytes"] != float("inf") and cost["bytes"] > MAX_TRAIN_BYTES:
            problems.append(
                Text(
                    N_("one training step needs about {size}, over the {cap} the lab allows"),
                    size=fmt_bytes(cost["bytes"]),
                    cap=fmt_bytes(MAX_TRAIN_BYTES),
                )
            )
        if config.as_designed:
            opening = N_("The probe that trains {name} (at the design's own widths): {problem}.")
        else:
            opening = N_("The probe that trains {name} : {problem}.")
        for problem in problems:
            english = problem.english()
            bad.append(
                Diagnostic.of(
                    code="RA102" if "bytes" in english or "GiB" in english else "RA103",
                    severity="error",
                    path=f"probe of {name!r}",
                    message=Text(opening, name=shown, problem=problem),
                    hint=Text(
                        N_(
                            "train the probe at a small width (drop --as-designed, lower "
                            "--width or --depth), fewer epochs, or smaller images (--image-size)"
                        )
                    ),
                    ref="docs/lab.md, Budgets",
                )
            )
    if bad:
        raise DesignError(bad)
    return macs


def estimate_seconds(
    variants: Sequence[Variant], config: ProbeConfig, seeds: int, jobs: int, steps: int = 4
) -> float:
    """Wall time of the whole training, from the first `steps` training steps measured on each
    variant: per-step time × steps per trial × seeds, shared over `jobs` processes."""
    from dataclasses import replace

    per_trial = []
    for v in variants:
        measure = replace(config, max_steps=steps, time_budget_s=None)
        record = train_probe(v.spec, measure).record
        step_s = record.seconds / max(1, len(record.loss))
        full = config.epochs * record.steps_per_epoch
        if config.max_steps is not None:
            full = min(full, config.max_steps)
        per_trial.append(step_s * full)
    total = sum(per_trial) * seeds
    return total / max(1, min(jobs, len(variants) * seeds))


# ---------------------------------------------------------------------------------------------
# Statistics over seeds


def summarise(results: Sequence[VariantResult]) -> None:
    """Fill every result's `summary` from its runs (`resattn.lab.stats.summary`: final held-out
    accuracy and loss over seeds and, versus the baseline, the paired difference and verdict).
    Results without runs keep None."""
    base = next((r for r in results if r.variant.name == "baseline"), None)
    base_acc = _finals(base, "val_accuracy") if base is not None else None
    for r in results:
        acc = _finals(r, "val_accuracy")
        r.summary = None
        if acc:
            against = base_acc if r is not base else None
            r.summary = summary(r.variant.label, acc, _finals(r, "loss"), against)


def _finals(result: VariantResult, curve: str) -> list[float]:
    """The last value of `curve` of every run that has one (runs in seed order)."""
    return [getattr(rec, curve)[-1] for _, rec in result.runs if getattr(rec, curve)]


# ---------------------------------------------------------------------------------------------
# The loop


def ablate(
    spec: Spec,
    choices: Optional[Iterable[str | VariantChoice]] = None,
    attention_type: Optional[str] = None,
    *,
    config: ProbeConfig = ProbeConfig(),
    seeds: int = 1,
    jobs: int = 1,
    executor: str = "local",
    address: Optional[str] = None,
    latency: bool = True,
    train: bool = True,
    estimate: bool = False,
    progress: Optional[Progress] = None,
    variant_progress: Optional[VariantProgress] = None,
    should_stop: Optional[ShouldStop] = None,
    cache: Optional[MutableMapping[str, Any]] = None,
) -> Ablation:
    """Static comparison and training probe of every variant (default baseline, P1-P4 and the
    user's design) on `seeds` consecutive seeds from ``config.seed``.

    Refused before any work (`DesignError`): a variant out of the resource bounds, a probe over
    the training budget. `progress(fraction, message)` covers the whole run (static figures
    first, then the trials); `variant_progress(index, fraction, message)` follows each variant
    (the index is the variant's position in the results; the fraction counts its finished
    seeds, and each step when the trials run in this process). `should_stop()` is asked before
    each trial and after every step: once it returns True the trial in progress stops, the rest
    are skipped and the result says ``stopped="cancelled"``, keeping what is done.
    `config.time_budget_s` bounds each trial. With `estimate`, the training time is measured
    from the first steps before the trials start (`estimate_s`).

    With `cache`, the static figures (`static_key`) and every trial's record (`train_key`) are
    looked up before they are computed and stored as soon as each is done, so a run that is
    interrupted keeps its finished trials. A cancelled trial's partial record is not stored.
    """
    from dataclasses import replace

    from resattn.lab.reading import seed_hints

    spec = load_spec(spec)
    seed_values = seed_list(config.seed, seeds)
    variants = make_variants(spec, choices, attention_type)
    ensure_within_bounds(variants)
    macs = ensure_trainable(spec, config, variants) if train else {}
    with contextlib.ExitStack() as stack:
        pool = None
        if train and executor == "local" and jobs > 1 and not latency:
            # The workers start now and warm up (torch, the data) while this process computes
            # the static figures. Not with latency: it is measured undisturbed.
            workers = min(jobs, len(variants) * len(seed_values))
            pool = stack.enter_context(TrialPool(workers, (config.data, config.image_size)))
        report = progress or (lambda fraction, message: None)
        each = variant_progress or (lambda index, fraction, message: None)
        key = static_key(variants, latency)
        results = None if cache is None else cache.get(key)
        if results is None:
            results = _compare(
                spec, variants, latency=latency, progress=_sub_progress(report, 0.0, 0.1)
            )
            if cache is not None:
                cache[key] = results
        # Fresh rows: a cached static comparison is shared, its rows must not collect records.
        results = [
            VariantResult(
                r.variant,
                r.static,
                r.overhead_pct,
                r.warnings,
                latency_within_noise=r.latency_within_noise,
            )
            for r in results
        ]
        ablation = Ablation(results, config, seeds=seed_values)
        if not train:
            report(1.0, "done")
            return ablation
        configs = {s: replace(config, seed=s) for s in seed_values}
        known: dict[tuple[int, int], TrainRecord] = {}
        todo: list[tuple[int, int]] = []
        for i, r in enumerate(results):
            for s in seed_values:
                found = None if cache is None else cache.get(train_key(r.variant, configs[s]))
                if found is not None:
                    known[i, s] = found
                else:
                    todo.append((i, s))
        if todo and estimate:
            report(0.1, Text(MEASURING_FIRST_STEPS))
            pending = sorted({i for i, _ in todo})
            ablation.estimate_s = (
                estimate_seconds([results[i].variant for i in pending], config, seeds, jobs)
                * len(todo)
                / (len(pending) * len(seed_values))
            )
            report(0.1, Text(ESTIMATED, n=str(len(todo)), seconds=f"{ablation.estimate_s:.0f}"))
        for i in range(len(results)):
            if all((i, s) in known for s in seed_values):
                each(i, 1.0, "from the cache")
        trials = [
            Trial(i, canonical_json(results[i].variant.spec), configs[s].to_json()) for i, s in todo
        ]
        per_variant = {i: sum((i, s) in known for s in seed_values) for i in range(len(results))}
        start = time.perf_counter()
        done_count = [0]

        def finished(position: int, text: str) -> None:
            i, s = todo[position]
            record = TrainRecord.from_json(json.loads(text))
            known[i, s] = record
            if record.stopped == "cancelled":
                return
            if cache is not None:
                cache[train_key(results[i].variant, configs[s])] = record
            done_count[0] += 1
            per_variant[i] += 1
            elapsed = time.perf_counter() - start
            left = elapsed / done_count[0] * (len(todo) - done_count[0])
            report(
                0.1 + 0.9 * done_count[0] / len(todo),
                Text(TRIAL_DONE, variant=results[i].variant.name, seed=str(s), left=f"{left:.0f}"),
            )
            timed_out = record.stopped is not None
            if per_variant[i] == len(seed_values):
                each(i, 1.0, Text(STOPPED_BY_BUDGET) if timed_out else "done")
            else:
                outcome = SEED_STOPPED_BY_BUDGET if timed_out else SEED_DONE
                each(i, per_variant[i] / len(seed_values), Text(outcome, seed=str(s)))

        def step(position: int, fraction: float, message: str) -> None:
            i, s = todo[position]
            if fraction < 1.0:
                whole = (per_variant[i] + fraction) / len(seed_values)
                each(i, min(whole, 0.999), Text(SEED_STEP, seed=str(s), message=message))
                elapsed = time.perf_counter() - start
                share = (done_count[0] + fraction) / len(todo)
                left = elapsed / share * (1 - share) if share > 0 else 0.0
                report(
                    0.1 + 0.9 * share,
                    Text(
                        TRIAL_STEP,
                        variant=results[i].variant.name,
                        seed=str(s),
                        message=message,
                        left=f"{left:.0f}",
                    ),
                )

        if trials:
            run_trials(
                trials,
                jobs=jobs,
                executor=executor,
                address=address,
                on_done=finished,
                step_progress=step,
                should_stop=should_stop,
                pool=pool,
                costs=[macs[results[i].variant.name] for i, _ in todo],
            )
        stopped = None
        for i, r in enumerate(results):
            r.runs = [(s, known[i, s]) for s in seed_values if (i, s) in known]
            if any(rec.stopped == "cancelled" for _, rec in r.runs):
                each(i, 1.0, "cancelled")
            if len(r.runs) < len(seed_values) or any(
                rec.stopped == "cancelled" for _, rec in r.runs
            ):
                stopped = "cancelled"
        summarise(results)
        ablation.stopped = stopped
        ablation.hints = seed_hints(results)
        report(1.0, "cancelled" if stopped else "done")
        return ablation


def _sub_progress(report: Callable[[float, Any], None], start: float, span: float):
    return lambda fraction, message: report(start + span * fraction, message)
