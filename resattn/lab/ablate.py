"""The ablation (NOTES §8): every variant's static figures side by side, plus the probe.

Static figures come from `resattn.profile` (params, MACs, elementwise ops — docs/design.md §3's
counting rules) on each variant's full-size design. Latency is measured here rather than per variant
so that every variant is timed under the same conditions: the models are warmed up, then timed in
turns (one forward of each per round), and each variant reports its median. Overheads are in %
versus the baseline (the same design with every slot empty).

`ablate` is the one loop the CLI and the studio's Compare tab share: progress for the whole run
and per variant, cancellation between and within probes, the probe's time budget, and an
optional cache (any mutable mapping) that keeps each finished piece as soon as it is done.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import torch

from resattn.lab.probe import ProbeConfig, Progress, ShouldStop, TrainRecord, train_probe
from resattn.lab.variants import Variant, VariantChoice, make_variant, make_variants, parse_choice
from resattn.loading import load_spec
from schemas import Spec, canonical_json

#: Per-variant progress: (index of the variant in the results, fraction of its probe, message).
#: Below 1.0 while its probe trains; then exactly one call at 1.0 whose message is the outcome:
#: "done", "stopped: time budget", "cancelled" or "from the cache".
VariantProgress = Callable[[int, float, str], None]

#: The figures whose overhead versus the baseline is reported, in %.
OVERHEAD_FIGURES = ("params", "macs", "elementwise_ops", "latency_ms")


@dataclass(frozen=True)
class Static:
    """One variant's static figures (docs/design.md §3 counting rules; latency in ms, median)."""

    params: int
    macs: int
    elementwise_ops: int
    flops: int
    latency_ms: Optional[float] = None
    latency_spread_ms: Optional[float] = None


@dataclass
class VariantResult:
    """One row of the ablation: the variant, its static figures, overheads and training."""

    variant: Variant
    static: Static
    overhead_pct: dict[str, Optional[float]] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)
    train: Optional[TrainRecord] = None

    def to_json(self) -> dict[str, Any]:
        v, s = self.variant, self.static
        return {
            "name": v.name,
            "key": v.key,
            "pattern": v.pattern,
            "formula": v.formula,
            "attention": v.attention_type,
            "params": s.params,
            "macs": s.macs,
            "elementwise_ops": s.elementwise_ops,
            "flops": s.flops,
            "latency_ms": s.latency_ms,
            "latency_spread_ms": s.latency_spread_ms,
            "overhead_pct": self.overhead_pct,
            "warnings": self.warnings,
            "train": None if self.train is None else self.train.to_json(),
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

    @property
    def finished(self) -> list[str]:
        return [
            r.variant.name
            for r in self.results
            if r.train is not None and r.train.stopped != "cancelled"
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "variants": [r.to_json() for r in self.results],
            "probe": self.config.to_json(),
            "stopped": self.stopped,
            "finished": self.finished,
        }


def static_key(variants: Sequence[Variant], latency: bool) -> str:
    """The cache key of the static comparison of `variants` (the baseline is measured too)."""
    return json.dumps(["static", [[v.name, canonical_json(v.spec)] for v in variants], latency])


def train_key(variant: Variant, config: ProbeConfig) -> str:
    """The cache key of one variant's probe: its canonical spec and the probe settings."""
    return json.dumps(["train", canonical_json(variant.spec), config.to_json()], sort_keys=True)


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
    from resattn.profile import profile

    report = progress or (lambda fraction, message: None)
    counts = {}
    for i, v in enumerate(variants):
        report(i / (len(variants) + 1), f"counting {v.name}")
        counts[v.name] = profile(v.spec, latency=False)
    times: dict[str, tuple[Optional[float], Optional[float]]] = {}
    if latency:
        report(len(variants) / (len(variants) + 1), "timing every variant in turns")
        models = {v.name: build(v.spec).eval() for v in variants}
        times = latency_in_turns(models, _input(variants[0].spec), repeats, time_budget_s)
    report(1.0, "static comparison done")
    return {
        name: Static(p.params, p.macs, p.elementwise_ops, p.flops, *times.get(name, (None, None)))
        for name, p in counts.items()
    }


def _input(spec: Spec) -> torch.Tensor:
    inp = spec.input
    generator = torch.Generator().manual_seed(0)
    return torch.randn(inp.batch, inp.channels, inp.height, inp.width, generator=generator)


def latency_in_turns(
    models: dict[str, torch.nn.Module], x: torch.Tensor, repeats: int, budget_s: float
) -> dict[str, tuple[float, float]]:
    """name → (median ms, interquartile range ms) of inference forwards, the models taking
    turns each round so that every one sees the same machine load."""
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
    return {name: (statistics.median(t), _iqr(t)) for name, t in times.items()}


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
    return _compare(
        spec,
        make_variants(spec, choices, attention_type),
        latency=latency,
        repeats=repeats,
        time_budget_s=time_budget_s,
        progress=progress,
    )


def _compare(spec: Spec, variants: list[Variant], **options) -> list[VariantResult]:
    baseline = make_variant(spec, parse_choice("baseline"))
    measured = variants if any(v.name == "baseline" for v in variants) else [baseline, *variants]
    figures = static_figures(measured, **options)
    return [
        VariantResult(
            v,
            figures[v.name],
            overheads(figures[v.name], figures["baseline"]),
            warnings=linter_warnings(v.spec),
        )
        for v in variants
    ]


def linter_warnings(spec: Spec) -> list[dict[str, str]]:
    """The design linter's warnings for a variant (e.g. §12.4, heavy attention in every block of
    a network, with its overhead), as ``{"code", "path", "message", "ref"}``."""
    from resattn.lint import lint

    return [
        {"code": d.code, "path": d.path, "message": d.message, "ref": d.ref}
        for d in lint(spec)
        if d.severity == "warning"
    ]


def ablate(
    spec: Spec,
    choices: Optional[Iterable[str | VariantChoice]] = None,
    attention_type: Optional[str] = None,
    *,
    config: ProbeConfig = ProbeConfig(),
    latency: bool = True,
    train: bool = True,
    progress: Optional[Progress] = None,
    variant_progress: Optional[VariantProgress] = None,
    should_stop: Optional[ShouldStop] = None,
    cache: Optional[MutableMapping[str, Any]] = None,
) -> Ablation:
    """Static comparison and training probe of every variant (default baseline, P1-P4).

    `progress(fraction, message)` covers the whole run (static figures first, then one probe
    per variant); `variant_progress(index, fraction, message)` follows each variant's probe
    (the index is the variant's position in the results). `should_stop()` is asked before each
    probe and after every step: once it returns True the probe in progress stops, the rest are
    skipped (their `train` stays None) and the result says ``stopped="cancelled"``, keeping
    what is done. `config.time_budget_s` bounds each probe.

    With `cache`, the static figures (`static_key`) and every probe record (`train_key`) are
    looked up before they are computed and stored as soon as each is done, so a run that is
    interrupted keeps its finished variants. A cancelled probe's partial record is not stored.
    """
    report = progress or (lambda fraction, message: None)
    each = variant_progress or (lambda index, fraction, message: None)
    spec = load_spec(spec)
    variants = make_variants(spec, choices, attention_type)
    key = static_key(variants, latency)
    results = None if cache is None else cache.get(key)
    if results is None:
        results = _compare(
            spec, variants, latency=latency, progress=_sub_progress(report, 0.0, 0.1)
        )
        if cache is not None:
            cache[key] = results
    # Fresh rows: a cached static comparison is shared, its rows must not collect records.
    results = [VariantResult(r.variant, r.static, r.overhead_pct, r.warnings) for r in results]
    stopped = None
    if train:
        share = 0.9 / max(1, len(results))
        for i, result in enumerate(results):
            name, start = result.variant.name, 0.1 + i * share
            known = None if cache is None else cache.get(train_key(result.variant, config))
            if known is not None:
                result.train = known
                report(start + share, f"{name}: from the cache")
                each(i, 1.0, "from the cache")
                continue
            if should_stop is not None and should_stop():
                stopped = "cancelled"
                break
            overall = _sub_progress(report, start, share, name)

            def step(fraction: float, message: str, i=i, overall=overall) -> None:
                overall(fraction, message)
                if fraction < 1.0:  # the one call at 1.0 follows, with the outcome
                    each(i, fraction, message)

            record = train_probe(
                result.variant.spec, config, progress=step, should_stop=should_stop
            ).record
            result.train = record
            if record.stopped == "cancelled":
                stopped = "cancelled"
                each(i, 1.0, "cancelled")
                break
            if cache is not None:
                cache[train_key(result.variant, config)] = record
            each(i, 1.0, "done" if record.stopped is None else "stopped: time budget")
    report(1.0, "cancelled" if stopped else "done")
    return Ablation(results, config, stopped)


def _sub_progress(report: Callable[[float, str], None], start: float, span: float, label: str = ""):
    prefix = f"{label}: " if label else ""
    return lambda fraction, message: report(start + span * fraction, prefix + message)
