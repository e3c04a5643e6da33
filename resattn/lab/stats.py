"""Statistics over seeds: means with 95 % intervals, the paired comparison with the baseline, and
the verdict in plain words.

Every variant of an ablation trains on the same seeds (a seed fixes the data split, the initial
weights and the batch order), so a variant and the baseline form *pairs*: seed by seed, the
same images and the same starting point. The comparison is therefore paired — the per-seed
differences, their mean, a Student-t 95 % interval and the paired t-test's p-value
(`scipy.stats.ttest_rel`) — which removes the seed-to-seed variation both share.

The verdict reads the interval: entirely above zero → "better", entirely below → "worse",
straddling zero → "no detectable difference" (for a t interval this is the same as p < 0.05).
One seed has no spread, so it gets no verdict. Like `resattn.lab.portable`, this module is
self-contained (NumPy and SciPy only): the standalone script carries it verbatim.
"""

from __future__ import annotations

import math

#: Confidence level of every interval.
LEVEL = 0.95
#: Differences closer than this are equal (float rounding of accuracies).
_SAME = 1e-9


def mean_ci(values):
    """(mean, (low, high)) of `values` with a Student-t 95 % interval; the interval is None for
    fewer than two values, and a point for values that do not vary."""
    from scipy import stats

    n = len(values)
    mean = math.fsum(values) / n
    if n < 2:
        return mean, None
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = stats.t.ppf(0.5 + LEVEL / 2, n - 1) * sd / math.sqrt(n)
    return mean, (mean - half, mean + half)


def paired(values, baseline):
    """The paired comparison of a variant's per-seed `values` with the baseline's (same seeds,
    same order): ``{"diff_mean", "diff_ci95", "p_value", "n"}``.

    Differences that do not vary (held-out accuracy moves in steps of one image, so two seeds
    can differ by exactly as much) leave the t-test undefined: their interval is the point and
    the p-value that of the exact two-sided sign test, 2 · 0.5ⁿ (1 when they are all zero) —
    so two equal differences are no evidence, six are."""
    from scipy import stats

    if len(values) != len(baseline):
        raise ValueError(f"{len(values)} values paired with {len(baseline)} baseline values")
    diffs = [a - b for a, b in zip(values, baseline, strict=True)]
    mean, ci = mean_ci(diffs)
    p_value = None
    if ci is not None:
        if ci[1] - ci[0] <= _SAME:  # equal up to float rounding (0.9 − 0.8 ≠ 0.8 − 0.7)
            mean = 0.0 if abs(mean) <= _SAME else mean
            ci = (mean, mean)
            p_value = 1.0 if mean == 0 else min(1.0, 2 * 0.5 ** len(diffs))
        else:
            p_value = float(stats.ttest_rel(values, baseline).pvalue)
    return {"diff_mean": mean, "diff_ci95": ci, "p_value": p_value, "n": len(diffs)}


#: Words of the three verdicts (and of the missing one).
BETTER, WORSE, SAME, NO_VERDICT = (
    "better",
    "worse",
    "no detectable difference",
    "one seed: no verdict",
)


def verdict_word(comparison, higher_is_better: bool = True) -> str:
    """BETTER / WORSE / SAME from the interval of a `paired` comparison (and, for differences
    that do not vary, its sign-test p-value); NO_VERDICT for one seed."""
    ci = comparison["diff_ci95"]
    if ci is None:
        return NO_VERDICT
    low, high = ci
    if low == high and comparison["p_value"] >= 1 - LEVEL:
        return SAME
    if low > 0:
        return BETTER if higher_is_better else WORSE
    if high < 0:
        return WORSE if higher_is_better else BETTER
    return SAME


def signed(value: float, digits: int = 1) -> str:
    """+0.3 / −0.4 (a true minus sign); zero is written 0.0."""
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text.replace("-", "−")


def interval_text(ci, scale: float = 100.0) -> str:
    """(−0.011, 0.003) → "−1.1…+0.3" (signed, scaled; None → "—")."""
    if ci is None:
        return "—"
    return "…".join(signed(v * scale) for v in ci)


def verdict_text(name: str, comparison, unit_scale: float = 100.0) -> str:
    """ "SE-P2: −0.4 pts vs baseline (95 % CI −1.1…+0.3, 5 seeds): no detectable difference".

    Accuracy differences are in percentage points (`unit_scale` 100 turns fractions into
    points)."""
    n = comparison["n"]
    diff = signed(comparison["diff_mean"] * unit_scale)
    word = verdict_word(comparison)
    if comparison["diff_ci95"] is None:
        return f"{name}: {diff} pts vs baseline (1 seed): {word} — run 5 seeds for a claim"
    ci = interval_text(comparison["diff_ci95"], unit_scale)
    return f"{name}: {diff} pts vs baseline (95 % CI {ci}, {n} seeds): {word}"


def summary(name, accuracies, losses, baseline_accuracies=None):
    """Statistics of one variant over its seeds: final held-out accuracy and loss (mean, 95 %
    interval; the accuracy's clipped to [0, 1]) and, given the baseline's accuracies on the same
    seeds, the paired difference with its interval, p-value and verdict (`name` opens the
    verdict's sentence)."""
    acc_mean, acc_ci = mean_ci(accuracies)
    if acc_ci is not None:  # an accuracy lies in [0, 1], and so does its interval
        acc_ci = (max(0.0, acc_ci[0]), min(1.0, acc_ci[1]))
    loss_mean, loss_ci = mean_ci(losses)
    out = {
        "seeds": len(accuracies),
        "accuracy_mean": acc_mean,
        "accuracy_ci95": acc_ci,
        "accuracy_per_seed": list(accuracies),
        "loss_mean": loss_mean,
        "loss_ci95": loss_ci,
        "vs_baseline": None,
    }
    if baseline_accuracies and len(baseline_accuracies) == len(accuracies):
        comparison = paired(accuracies, baseline_accuracies)
        out["vs_baseline"] = {
            "diff_mean": comparison["diff_mean"],
            "diff_ci95": comparison["diff_ci95"],
            "p_value": comparison["p_value"],
            "verdict": verdict_word(comparison),
            "text": verdict_text(name, comparison),
        }
    return out
