"""Statistics over seeds against hand-computed values, the verdict words, and the reading hints
that fire only beyond the seed spread."""

from __future__ import annotations

import math

import pytest

from resattn.lab.ablate import VariantResult, summarise
from resattn.lab.probe import TrainRecord
from resattn.lab.reading import seed_hints
from resattn.lab.stats import (
    BETTER,
    NO_VERDICT,
    SAME,
    WORSE,
    mean_ci,
    paired,
    summary,
    verdict_text,
    verdict_word,
)
from resattn.lab.variants import make_variants
from resattn.loading import load_spec


def test_mean_and_interval_match_the_hand_computed_t_interval():
    # mean 0.92, sample sd 0.01 (values 0.91, 0.92, 0.93), t(0.975, 2) = 4.302653
    mean, (low, high) = mean_ci([0.91, 0.92, 0.93])
    half = 4.302653 * 0.01 / math.sqrt(3)
    assert mean == pytest.approx(0.92)
    assert (low, high) == pytest.approx((0.92 - half, 0.92 + half), abs=1e-6)
    assert mean_ci([0.5]) == (0.5, None)


def test_the_paired_difference_matches_hand_computed_values():
    variant = [0.90, 0.92, 0.91, 0.95, 0.93]
    baseline = [0.89, 0.90, 0.91, 0.92, 0.90]
    # differences 0.01 0.02 0.00 0.03 0.03: mean 0.018, sd 0.013038, t(0.975, 4) = 2.776445
    result = paired(variant, baseline)
    half = 2.776445 * 0.0130384 / math.sqrt(5)
    assert result["diff_mean"] == pytest.approx(0.018)
    assert result["diff_ci95"] == pytest.approx((0.018 - half, 0.018 + half), abs=1e-6)
    # t = 0.018 / (0.0130384 / √5) = 3.0870, two-sided p with 4 degrees of freedom = 0.03666
    assert result["p_value"] == pytest.approx(0.03666, abs=1e-4)
    assert verdict_word(result) == BETTER
    assert verdict_word(paired(baseline, variant)) == WORSE


def test_a_difference_the_seeds_cannot_tell_from_zero_is_no_detectable_difference():
    result = paired([0.90, 0.93, 0.91], [0.91, 0.91, 0.92])
    assert result["diff_ci95"][0] < 0 < result["diff_ci95"][1]
    assert verdict_word(result) == SAME
    assert verdict_word(paired([0.9], [0.8])) == NO_VERDICT


def test_constant_differences_use_the_sign_test():
    two = paired([0.9, 0.8], [0.8, 0.7])  # two equal differences: p = 2 · 0.5² = 0.5
    assert two["p_value"] == pytest.approx(0.5) and verdict_word(two) == SAME
    six = paired([0.9] * 6, [0.8] * 6)  # p = 2 · 0.5⁶ = 0.03125
    assert six["p_value"] == pytest.approx(0.03125) and verdict_word(six) == BETTER
    assert paired([0.8] * 3, [0.8] * 3)["p_value"] == 1.0


def test_the_verdict_reads_as_the_docs_show_it():
    result = {"diff_mean": -0.004, "diff_ci95": (-0.011, 0.003), "p_value": 0.2, "n": 5}
    assert verdict_text("SE-P2", result) == (
        "SE-P2: −0.4 pts vs baseline (95 % CI −1.1…+0.3, 5 seeds): no detectable difference"
    )
    one = {"diff_mean": 0.01, "diff_ci95": None, "p_value": None, "n": 1}
    assert "1 seed): one seed: no verdict" in verdict_text("SE-P1", one)


def test_a_summary_clips_the_accuracy_interval_and_pairs_with_the_baseline():
    result = summary("X", [0.99, 1.0], [0.1, 0.2], [0.95, 0.97])
    assert result["accuracy_ci95"][1] == 1.0 and result["accuracy_ci95"][0] >= 0.0
    assert result["vs_baseline"]["diff_mean"] == pytest.approx(0.035)
    assert summary("X", [0.9], [0.1])["vs_baseline"] is None


def _record(loss, grad=None, acc=0.9) -> TrainRecord:
    return TrainRecord(
        loss=list(loss),
        grad_norm=list(grad or [1.0] * len(loss)),
        val_accuracy=[acc],
        steps_per_epoch=len(loss),
    )


def _results(records_by_variant):
    variants = make_variants(load_spec("preset:p1_se"), ["baseline", "P1", "P2"])
    out = []
    for v in variants:
        runs = records_by_variant.get(v.name, [])
        out.append(VariantResult(v, None, runs=list(enumerate(runs))))
    return out


STEADY = [1.0, 0.98, 0.97, 0.96, 0.95, 0.94]
BOUNCY = [1.0, 0.2, 1.0, 0.2, 1.0, 0.2]


def test_a_baseline_that_oscillates_does_not_flag_variants_that_oscillate_as_much():
    results = _results(
        {
            "baseline": [_record(BOUNCY), _record(BOUNCY[::-1])],
            "SE-P1": [_record(BOUNCY), _record(BOUNCY[::-1])],
            "SE-P2": [_record(BOUNCY[::-1]), _record(BOUNCY)],
        }
    )
    assert not [h for h in seed_hints(results) if h.chart == "loss"]


def test_a_variant_oscillating_beyond_the_seed_spread_is_flagged_and_only_it():
    results = _results(
        {
            "baseline": [_record(STEADY), _record([s * 1.01 for s in STEADY])],
            "SE-P1": [_record(STEADY), _record([s * 0.99 for s in STEADY])],
            "SE-P2": [_record(BOUNCY), _record([b * 1.02 for b in BOUNCY])],
        }
    )
    flagged = [(h.variant, h.chart) for h in seed_hints(results)]
    assert flagged == [("SE-P2", "loss")]
    # With one seed there is no spread, so nothing is compared.
    single = _results(
        {
            n: runs[:1]
            for n, runs in {r.variant.name: [rec for _, rec in r.runs] for r in results}.items()
        }
    )
    assert not [h for h in seed_hints(single) if h.chart == "loss"]


def test_summarise_fills_the_json_summary_of_every_trained_variant():
    results = _results(
        {
            "baseline": [_record(STEADY, acc=a) for a in (0.90, 0.91, 0.92)],
            "SE-P1": [_record(STEADY, acc=a) for a in (0.93, 0.95, 0.96)],
        }
    )
    summarise(results)
    base, p1, p2 = results
    assert base.summary["vs_baseline"] is None and p2.summary is None
    vs = p1.summary["vs_baseline"]
    assert vs["diff_mean"] == pytest.approx(0.11 / 3) and vs["verdict"] == BETTER
    assert vs["text"] == (
        "SE-P1 (your design): +3.7 pts vs baseline (95 % CI +2.2…+5.1, 3 seeds): better"
    )
