"""The ablation's words for people: the verdict sentence written from a summary's numbers (the
JSON's English ``text`` exactly, or Turkish), the readings in either language, the tables'
column names; and the curves' points a chart draws (bounded, each exact)."""

from __future__ import annotations

import itertools
import json
import math
from statistics import fmean

from hypothesis import given
from hypothesis import strategies as st

from resattn import i18n
from resattn.lab.ablate import VariantResult
from resattn.lab.probe import TrainRecord
from resattn.lab.reading import HINTS, Hint, hint_for
from resattn.lab.report import (
    CHART_POINTS,
    COLUMNS,
    VERDICTS,
    band_rows,
    chart_steps,
    gate_rows,
    headers,
    text_table,
    verdict_sentence,
)
from resattn.lab.stats import BETTER, NO_VERDICT, SAME, WORSE, summary
from resattn.lab.variants import make_variants, shown_label
from tests.i18n.english import english_sentences

ENGLISH = english_sentences(["engine"])

accuracies = st.lists(st.integers(0, 1000).map(lambda n: n / 1000), min_size=1, max_size=6)


@given(accuracies, st.data())
def test_the_verdict_sentence_is_the_json_text_in_english_and_turkish_in_turkish(acc, data):
    base = data.draw(st.lists(st.integers(0, 1000), min_size=len(acc), max_size=len(acc)))
    base = [b / 1000 for b in base]
    result = summary("SE-P2", acc, [0.5] * len(acc), base)
    # the sentence is written from the numbers, also after a round trip through JSON
    read_back = json.loads(json.dumps(result))
    with i18n.use_language("en"):
        assert verdict_sentence("SE-P2", read_back) == result["vs_baseline"]["text"]
    with i18n.use_language("tr"):
        turkish = verdict_sentence("SE-P2", read_back)
    assert turkish.startswith("SE-P2: ") and "baseline'a göre" in turkish
    assert not [s for s in ENGLISH if s in turkish]
    assert summary("SE-P2", acc, [0.5] * len(acc))["vs_baseline"] is None
    assert verdict_sentence("baseline", summary("baseline", acc, [0.5] * len(acc))) is None


def test_every_verdict_word_has_its_catalog_message():
    assert set(VERDICTS) == {BETTER, WORSE, SAME, NO_VERDICT}
    assert all(word == message for word, message in VERDICTS.items())
    with i18n.use_language("tr"):
        assert {i18n._(m) for m in VERDICTS.values()} == {
            "daha iyi",
            "daha kötü",
            "saptanabilir fark yok",
            "tek seed: hüküm yok",
        }


def test_readings_render_in_the_language_they_are_read_in():
    hint = Hint("SE-P2", "gates", _stuck_text(), "§6")
    with i18n.use_language("tr"):
        assert str(hint.message) == "branch gate'i 0 yakınında takılı kalmış (ortalama α 0.03)"
        assert hint.to_json()["message"] == "the branch gate is stuck near 0 (mean α 0.03)"
        for chart in HINTS:
            assert hint_for(chart) != HINTS[chart] and hint_for(chart).startswith("NOTLAR")
    with i18n.use_language("en"):
        assert str(hint.message) == hint.to_json()["message"]
        assert hint_for("loss") == HINTS["loss"]


def _stuck_text():
    from resattn.lab.reading import _stuck

    return _stuck("branch", 0.031)


def test_tables_keep_english_keys_and_show_translated_column_names():
    rows = [{"variant": "baseline", "accuracy": "91.0 %", "95 % CI": "—", "seeds": "3"}]
    with i18n.use_language("tr"):
        assert headers(rows) == [
            {"varyant": "baseline", "doğruluk": "91.0 %", "%95 GA": "—", "seed'ler": "3"}
        ]
        header = text_table(rows).splitlines()[0].split()
        assert header == ["varyant", "doğruluk", "%95", "GA", "seed'ler"]
    with i18n.use_language("en"):
        assert text_table(rows).splitlines()[0].startswith("variant")
    assert {"variant", "accuracy", "verdict"} <= set(COLUMNS)


# --- the curves a chart draws ----------------------------------------------------------------


@given(st.integers(0, 20_000), st.integers(2, 400))
def test_a_chart_draws_at_most_its_limit_of_steps_the_first_and_last_included(n, limit):
    steps = chart_steps(n, limit)
    assert len(steps) == min(n, limit)
    assert steps == sorted(set(steps)) and all(0 <= s < n for s in steps)
    if n:
        assert steps[0] == 0 and steps[-1] == n - 1
    if n <= limit:
        assert steps == list(range(n))
    else:  # evenly spaced: no gap more than one step wider than another
        gaps = [b - a for a, b in itertools.pairwise(steps)]
        assert max(gaps) - min(gaps) <= 1
    assert chart_steps(n) == chart_steps(n, CHART_POINTS)


def _variants(count: int):
    from resattn.loading import load_spec

    return make_variants(load_spec("preset:se_bottleneck"))[:count]


VARIANTS = _variants(3)
values = st.one_of(st.floats(-1e6, 1e6), st.just(math.nan))
curves = st.lists(values, max_size=700)


@st.composite
def trained(draw):
    """1-3 variants, each with 1-4 seeds whose curves (loss, gate mean) differ in length."""
    results = []
    for variant in VARIANTS[: draw(st.integers(1, 3))]:
        result = VariantResult(variant, None)
        for seed in range(draw(st.integers(1, 4))):
            gates = {
                slot: {"mean": draw(curves), "std": [], "bounds": [0.0, 1.0]}
                for slot in draw(st.sets(st.sampled_from(["branch", "skip"])))
            }
            result.runs.append((seed, TrainRecord(loss=draw(curves), gate_stats=gates)))
        results.append(result)
    return results


def _by_series(rows) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(row["variant"], []).append(row)
    return found


@given(trained(), st.integers(2, 60))
def test_the_band_is_the_exact_mean_lowest_and_highest_seed_at_each_drawn_step(results, limit):
    series = _by_series(band_rows(results, "loss", limit))
    for r in results:
        losses = [record.loss for _seed, record in r.runs]
        longest = max(map(len, losses))
        expected = {}
        for step in chart_steps(longest, limit):
            finite = [c[step] for c in losses if step < len(c) and not math.isnan(c[step])]
            if finite:
                expected[step] = (fmean(finite), min(finite), max(finite))
        rows = series.pop(shown_label(r.variant.label), [])
        assert len(rows) <= limit
        assert {row["step"]: (row["mean"], row["low"], row["high"]) for row in rows} == expected
    assert not series  # no rows for a variant that is not there


@given(trained(), st.integers(2, 60))
def test_the_gate_chart_draws_each_slot_of_the_first_seed_at_exact_values(results, limit):
    series = _by_series(gate_rows(results, limit))
    for r in results:
        for slot, stats in r.runs[0][1].gate_stats.items():
            mean = stats["mean"]
            rows = series.pop(f"{shown_label(r.variant.label)} · {slot}", [])
            assert len(rows) <= limit
            expected = {
                s: mean[s] for s in chart_steps(len(mean), limit) if not math.isnan(mean[s])
            }
            assert {row["step"]: row["mean"] for row in rows} == expected
    assert not series
