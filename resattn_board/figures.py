"""The figures the board shows per design, computed by the engine from the validated spec.

`design_figures` counts once per design (params, MACs, attention overhead — the counting rules of
`resattn.profile`; no latency, which would depend on the sending machine's load); `probe_accuracy`
is the one place the board uses the ablation lab: the held-out accuracy of the lab's training
probe (`resattn.lab.probe.train_probe`, docs/lab.md) on the design's block, under a time budget.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from resattn.diagrams.ascii import pattern_text
from resattn.i18n import use_language
from schemas import Spec, canonical_json, parse_spec

#: Seconds one probe may train when the instructor runs it (it stops early and reports then).
PROBE_BUDGET_S = 20.0


@dataclass(frozen=True)
class Figures:
    kind: str
    pattern: str
    params: int
    macs: int
    attention_params_pct: float
    attention_macs_pct: float


def pattern_of(spec: Spec) -> str:
    """``P1 (branch: SE)`` for a block; for a network, each stage's pattern that differs."""
    if spec.kind == "block":
        return pattern_text(spec.slots)
    seen: list[str] = []
    for stage in spec.stages:
        text = pattern_text(stage.slots)
        if text not in seen:
            seen.append(text)
    return " · ".join(seen)


# One count at a time per process: counting traces a forward, and concurrent sends of the same
# design then count it once (the cache answers the rest).
_LOCK = threading.Lock()


def design_figures(spec: Spec) -> Figures:
    """Params, MACs and the attention overhead of `spec` (a design without linter errors)."""
    with _LOCK:
        return _figures(canonical_json(spec))


@lru_cache(maxsize=512)
def _figures(cj: str) -> Figures:
    import json

    from resattn.profile import profile

    spec = parse_spec(json.loads(cj))
    prof = profile(spec, latency=False, time_budget_s=0.0)
    with use_language("en"):  # stored words are the same whoever sent the design
        pattern = pattern_of(spec)[:200]
    return Figures(
        kind=spec.kind,
        pattern=pattern,
        params=prof.params,
        macs=prof.macs,
        attention_params_pct=float(prof.attention["params_pct"]),
        attention_macs_pct=float(prof.attention["macs_pct"]),
    )


def probe_accuracy(spec: Spec, budget_s: float = PROBE_BUDGET_S, progress=None) -> Optional[float]:
    """The lab's training probe on `spec`: its last held-out accuracy (0..1), or None when the
    budget ran out before the first epoch ended."""
    from resattn.lab.probe import ProbeConfig, train_probe

    record = train_probe(spec, ProbeConfig(time_budget_s=budget_s), progress=progress).record
    return record.val_accuracy[-1] if record.val_accuracy else None
