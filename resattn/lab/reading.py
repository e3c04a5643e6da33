"""How to read the ablation's curves (NOTES §6 and §8's reading), and the signs to look for.

`HINTS` holds the notes' reading next to the chart it explains (the studio shows each hint
beside its chart). `signs(record)` points at what one probe's curves show: a gate stuck near 0,
a gate or loss that swings — so a user sees NOTES §6 happen, not only reads about it.

`seed_hints(results)` fires the §8.4 reading from the numbers over seeds, and only where a
variant differs from the baseline *beyond the seed spread*: its per-seed statistic (loss
oscillation, gradient-norm swing over the last epoch) minus the baseline's, paired by seed, has
a 95 % interval entirely above zero; its final accuracies vary across seeds more than twice as
much as the baseline's. A baseline that itself oscillates therefore flags nobody that merely
oscillates as much. Comparisons need at least two seeds (one seed has no spread); a gate stuck
near 0 is flagged when it is so in every seed.

The readings are catalog messages: a `Sign`'s and a `Hint`'s message is a
`resattn.i18n.text.Text`, rendered in the language current where it is shown (``to_json`` keeps
the English); `HINTS` holds marked English, shown through `hint_for`.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from itertools import pairwise

from resattn.i18n import N_, _
from resattn.i18n.text import Text
from resattn.lab.probe import TrainRecord
from resattn.lab.stats import paired

#: chart → the notes' reading of it.
HINTS: dict[str, str] = {
    "loss": N_(
        "NOTES §8: if P2 ends better but its loss oscillates, the attention is too "
        "aggressive — P2 gates the identity too, so a bad gate reaches every later block."
    ),
    "grad_norm": N_(
        "NOTES §8: training stability is measured, not assumed. Spikes in the gradient "
        "norm that the baseline does not show come from the attention; P2 and P4 gate the "
        "identity path, the gradient's safety line (NOTES §3)."
    ),
    "accuracy": N_(
        "NOTES §8: P3 can be good early but worse later (and deeper) — gating the input "
        "filters too much, so F learns less. Compare each pattern with the baseline, not only "
        "with each other."
    ),
    "gates": N_(
        "NOTES §6: α stuck near 0 means the block cannot learn its residual (looks like "
        "underfitting); α swinging from step to step means unstable training. The skip gate "
        "(P4) starts at exactly 1 and ranges over (0, 2); the others over (0, 1)."
    ),
    "static": N_(
        "NOTES §8 and §12.4: the price of the attention — params, MACs, elementwise ops and "
        "latency versus the baseline. Attention in every block costs most: choose it per stage."
    ),
}


def hint_for(chart: str) -> str:
    """The notes' reading of `chart` (a key of `HINTS`) in the current language."""
    return _(HINTS[chart])


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
    message: Text
    ref: str


def _stuck(slot: str, level: float) -> Text:
    return Text(
        N_("the {slot} gate is stuck near 0 (mean α {level})"), slot=slot, level=f"{level:.2f}"
    )


def signs(record: TrainRecord) -> list[Sign]:
    """What the curves of one probe run show (empty when nothing stands out)."""
    found = []
    for slot, stats in record.gate_stats.items():
        width = stats["bounds"][1] - stats["bounds"][0]
        means = _last_epoch(stats["mean"], record)
        level = _stuck_level(record, slot)
        if level is not None:
            found.append(Sign("gates", _stuck(slot, level), "§6"))
        if len(means) > 1 and _mean_step(means) > SWINGING_ABOVE * width:
            swings = Text(N_("the {slot} gate swings from step to step"), slot=slot)
            found.append(Sign("gates", swings, "§6"))
    if loss_oscillation(record) > OSCILLATING_ABOVE:
        found.append(Sign("loss", Text(N_("the loss oscillates over the last epoch")), "§8"))
    return found


def _mean_step(values: list[float]) -> float:
    return statistics.fmean(abs(b - a) for a, b in pairwise(values))


@dataclass(frozen=True)
class Hint:
    """A reading the numbers of one variant support (over its seeds, versus the baseline)."""

    variant: str
    chart: str
    message: Text
    ref: str

    def to_json(self) -> dict[str, str]:
        return {
            "variant": self.variant,
            "chart": self.chart,
            "message": self.message.english(),
            "ref": self.ref,
        }


def _last_epoch(values: list[float], record: TrainRecord) -> list[float]:
    return values[-max(2, record.steps_per_epoch) :]


def loss_oscillation(record: TrainRecord) -> float:
    """Mean step-to-step change of the loss over the last epoch, relative to its mean."""
    tail = _last_epoch(record.loss, record)
    return _mean_step(tail) / max(1e-12, statistics.fmean(tail)) if len(tail) > 1 else 0.0


def grad_swing(record: TrainRecord) -> float:
    """Mean step-to-step change of the gradient norm over the last epoch, relative to its
    mean."""
    tail = _last_epoch(record.grad_norm, record)
    return _mean_step(tail) / max(1e-12, statistics.fmean(tail)) if len(tail) > 1 else 0.0


#: statistic → (chart, what it means when a variant has more of it than the baseline).
COMPARED = {
    loss_oscillation: (
        "loss",
        N_(
            "the loss oscillates more than the baseline's over the last epoch, beyond the seed "
            "spread — the attention may be too aggressive"
        ),
    ),
    grad_swing: (
        "grad_norm",
        N_(
            "the gradient norm swings more than the baseline's, beyond the seed spread — the "
            "attention destabilises training"
        ),
    ),
}

#: A variant whose final accuracies spread this many times more than the baseline's (standard
#: deviation over seeds, at least 3 seeds) is flagged.
SPREAD_RATIO = 2.0


def seed_hints(results) -> list[Hint]:
    """The readings the numbers support, per variant (see the module docstring). `results` are
    the ablation's `VariantResult`s with their runs."""
    found: list[Hint] = []
    base = next((r for r in results if r.variant.name == "baseline" and r.runs), None)
    for r in results:
        records = [rec for _seed, rec in r.runs]
        if not records:
            continue
        name = r.variant.label
        found += _stuck_gates(name, records)
        if base is None or r is base or len(records) != len(base.runs) or len(records) < 2:
            continue
        base_records = [rec for _seed, rec in base.runs]
        for statistic, (chart, meaning) in COMPARED.items():
            comparison = paired(
                [statistic(x) for x in records], [statistic(x) for x in base_records]
            )
            if comparison["diff_ci95"] is not None and comparison["diff_ci95"][0] > 0:
                found.append(Hint(name, chart, Text(meaning), "§8"))
        spread, base_spread = _spread(records), _spread(base_records)
        if len(records) >= 3 and spread > SPREAD_RATIO * base_spread and spread > 0.005:
            found.append(
                Hint(
                    name,
                    "accuracy",
                    Text(
                        N_(
                            "its final accuracy varies across seeds {spread} pts (standard "
                            "deviation) against the baseline's {base} — the attention may be "
                            "too aggressive; more seeds are needed for a claim"
                        ),
                        spread=f"{spread * 100:.1f}",
                        base=f"{base_spread * 100:.1f}",
                    ),
                    "§8",
                )
            )
    return found


def _spread(records: list[TrainRecord]) -> float:
    finals = [rec.val_accuracy[-1] for rec in records if rec.val_accuracy]
    return statistics.stdev(finals) if len(finals) > 1 else 0.0


def _stuck_gates(name: str, records: list[TrainRecord]) -> list[Hint]:
    """A slot whose gate is stuck near 0 in every seed's last epoch."""
    slots = set.intersection(*(set(rec.gate_stats) for rec in records))
    found = []
    for slot in sorted(slots):
        levels = [_stuck_level(rec, slot) for rec in records]
        if all(level is not None for level in levels):
            mean = statistics.fmean(levels)
            found.append(Hint(name, "gates", _stuck(slot, mean), "§6"))
    return found


def _stuck_level(record: TrainRecord, slot: str):
    """The last epoch's mean α of `slot` when it is stuck near 0, else None."""
    stats = record.gate_stats[slot]
    width = stats["bounds"][1] - stats["bounds"][0]
    means = _last_epoch(stats["mean"], record)
    if not means:
        return None
    level = statistics.fmean(means)
    return level if level < stats["bounds"][0] + STUCK_BELOW * width else None
