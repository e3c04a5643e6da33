"""The ablation (NOTES §8): every variant's static figures side by side, plus the probe.

Static figures come from `resattn.profile` (params, MACs, elementwise ops — DESIGN §3's counting
rules) on each variant's full-size design. Latency is measured here rather than per variant so
that every variant is timed under the same conditions: the models are warmed up, then timed in
turns (one forward of each per round), and each variant reports its median. Overheads are in %
versus the baseline (the same design with every slot empty).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import torch

from resattn.lab.probe import ProbeConfig, Progress, ShouldStop, TrainRecord, train_probe
from resattn.lab.variants import Variant, VariantChoice, make_variant, make_variants, parse_choice
from resattn.loading import load_spec
from schemas import Spec

#: The figures whose overhead versus the baseline is reported, in %.
OVERHEAD_FIGURES = ("params", "macs", "elementwise_ops", "latency_ms")


@dataclass(frozen=True)
class Static:
    """One variant's static figures (DESIGN §3 counting rules; latency in ms, median)."""

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
    """The whole comparison; `to_json()` is what ``resattn ablate --json`` prints."""

    results: list[VariantResult]
    config: ProbeConfig

    def to_json(self) -> dict[str, Any]:
        return {
            "variants": [r.to_json() for r in self.results],
            "probe": self.config.to_json(),
        }


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
    variants = make_variants(spec, choices, attention_type)
    baseline = make_variant(spec, parse_choice("baseline"))
    measured = variants if any(v.name == "baseline" for v in variants) else [baseline, *variants]
    figures = static_figures(
        measured, latency=latency, repeats=repeats, time_budget_s=time_budget_s, progress=progress
    )
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
    should_stop: Optional[ShouldStop] = None,
) -> Ablation:
    """Static comparison and training probe of every variant (default baseline, P1-P4).

    `progress(fraction, message)` covers the whole run (static figures first, then one probe
    per variant); `should_stop()` cancels the probe in progress and skips the rest, keeping
    what is done. `config.time_budget_s` bounds each probe.
    """
    report = progress or (lambda fraction, message: None)
    results = compare(
        spec, choices, attention_type, latency=latency, progress=_sub_progress(report, 0.0, 0.1)
    )
    if train:
        share = 0.9 / max(1, len(results))
        for i, result in enumerate(results):
            if should_stop is not None and should_stop():
                break
            run = train_probe(
                result.variant.spec,
                config,
                progress=_sub_progress(report, 0.1 + i * share, share, result.variant.name),
                should_stop=should_stop,
            )
            result.train = run.record
    report(1.0, "done")
    return Ablation(results, config)


def _sub_progress(report: Callable[[float, str], None], start: float, span: float, label: str = ""):
    prefix = f"{label}: " if label else ""
    return lambda fraction, message: report(start + span * fraction, prefix + message)
