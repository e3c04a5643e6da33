"""The ablation's words for people: the verdict sentence written from a summary's numbers (the
JSON's English ``text`` exactly, or Turkish), the readings in either language, the tables'
column names."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from resattn import i18n
from resattn.lab.reading import HINTS, Hint, hint_for
from resattn.lab.report import COLUMNS, VERDICTS, headers, text_table, verdict_sentence
from resattn.lab.stats import BETTER, NO_VERDICT, SAME, WORSE, summary
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
