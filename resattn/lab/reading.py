"""How to read the ablation's curves (NOTES §6 and §8's reading), and the signs to look for.

`HINTS` holds the notes' reading next to the chart it explains (the studio shows each hint
beside its chart). `signs(record)` points at what a probe's curves show: a gate stuck near 0,
a gate or loss that swings — so a user sees NOTES §6 happen, not only reads about it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from itertools import pairwise

from resattn.lab.probe import TrainRecord

#: chart → the notes' reading of it.
HINTS: dict[str, str] = {
    "loss": "NOTES §8: if P2 ends better but its loss oscillates, the attention is too "
    "aggressive — P2 gates the identity too, so a bad gate reaches every later block.",
    "grad_norm": "NOTES §8: training stability is measured, not assumed. Spikes in the gradient "
    "norm that the baseline does not show come from the attention; P2 and P4 gate the identity "
    "path, the gradient's safety line (NOTES §3).",
    "accuracy": "NOTES §8: P3 can be good early but worse later (and deeper) — gating the input "
    "filters too much, so F learns less. Compare each pattern with the baseline, not only with "
    "each other.",
    "gates": "NOTES §6: α stuck near 0 means the block cannot learn its residual (looks like "
    "underfitting); α swinging from step to step means unstable training. The skip gate (P4) "
    "starts at exactly 1 and ranges over (0, 2); the others over (0, 1).",
    "static": "NOTES §8 and §12.4: the price of the attention — params, MACs, elementwise ops and "
    "latency versus the baseline. Attention in every block costs most: choose it per stage.",
}

#: A gate whose mean α stays below this (as a fraction of its range) is "stuck small".
STUCK_BELOW = 0.1
#: Mean step-to-step change of a gate's mean α (fraction of its range) counted as swinging.
SWINGING_ABOVE = 0.05
#: Relative step-to-step change of the loss, over the last epoch, counted as oscillating.
OSCILLATING_ABOVE = 0.35


@dataclass(frozen=True)
class Sign:
    """Something a probe's curves show, with the notes' section that explains it."""

    chart: str
    message: str
    ref: str


def signs(record: TrainRecord) -> list[Sign]:
    """What the curves of one probe run show (empty when nothing stands out)."""
    found = []
    tail = max(2, record.steps_per_epoch)
    for slot, stats in record.gate_stats.items():
        width = stats["bounds"][1] - stats["bounds"][0]
        means = stats["mean"][-tail:]
        if not means:
            continue
        level = statistics.fmean(means)
        if level < stats["bounds"][0] + STUCK_BELOW * width:
            found.append(
                Sign("gates", f"the {slot} gate is stuck near 0 (mean α {level:.2f})", "§6")
            )
        if len(means) > 1 and _mean_step(means) > SWINGING_ABOVE * width:
            found.append(Sign("gates", f"the {slot} gate swings from step to step", "§6"))
    losses = record.loss[-tail:]
    if len(losses) > 1 and _mean_step(losses) > OSCILLATING_ABOVE * statistics.fmean(losses):
        found.append(Sign("loss", "the loss oscillates over the last epoch", "§8"))
    return found


def _mean_step(values: list[float]) -> float:
    return statistics.fmean(abs(b - a) for a, b in pairwise(values))
