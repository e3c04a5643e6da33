"""The studio's words (`components.texts`): the constants are the English words, the functions
give them in the current language, and the Turkish notes are the user's notebook itself
(docs/notes.tr.md, read by section)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from components import texts
from resattn.i18n import _, use_language
from schemas import SLOT_NAMES, SLOT_PATTERNS

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = (ROOT / "docs" / "notes.tr.md").read_text(encoding="utf-8")


def test_in_english_the_functions_give_the_constants():
    with use_language("en"):
        for slot in SLOT_NAMES:
            assert texts.pattern(slot) == texts.PATTERNS[slot]
            assert texts.slot_label(slot) == texts.SLOT_LABELS[slot]
            assert texts.place(slot) == texts.PLACES[slot]
        for kind in texts.ATTENTION:
            assert texts.attention(kind) == texts.ATTENTION[kind]
        assert texts.se_evidence() == texts.SE_EVIDENCE
        assert texts.se_baseline() == texts.SE_BASELINE
        assert texts.first_rule().startswith("Attention is a **multiplicative gate**")
        assert texts.first_rule().endswith("the residual join as `⊕` (add).")
        assert texts.PLACEMENT.text() == texts.PLACEMENT.english


def test_in_turkish_the_notes_are_the_notebook_own_passages():
    with use_language("tr"):
        rule = texts.first_rule()
        patterns = {slot: texts.pattern(slot) for slot in SLOT_NAMES}
        placement = texts.PLACEMENT.text()
    assert rule.startswith("**Attention ile F(x) HER ZAMAN ÇARPILIR.**")
    assert "**ASLA attention + F(x) diye toplanmaz.**" in rule
    assert "Kapsam" not in rule  # the rule only, not the notebook's preamble
    for slot, p in patterns.items():
        assert p["code"] == SLOT_PATTERNS[slot] and p["formula"] == texts.PATTERNS[slot]["formula"]
        assert p["name"] != texts.PATTERNS[slot]["name"]  # from the catalog
        for part in ("meaning", "when"):
            assert p[part] and p[part] != texts.PATTERNS[slot][part]
            for block in p[part].split("\n\n"):
                assert block in NOTEBOOK, (slot, part, block)
            assert "```" not in p[part]  # the reading of the pattern, not its picture
    # each pattern reads its own sections: §3's reading of it, §4's advice for it
    assert "Neden yaygın?" in patterns["branch"]["meaning"]
    assert "Risk/Trade-off" in patterns["post_add"]["meaning"]
    assert "A(x) kötü öğrenirse" in patterns["pre_residual"]["meaning"]
    assert "`A_s` çok hafif seçilir" in patterns["skip"]["meaning"]
    assert "Başlangıç için **Pattern-1**" in patterns["branch"]["when"]
    assert "identity'yi fazla bastırmayacağından" in patterns["post_add"]["when"]
    assert "girişini koşullandırmak" in patterns["pre_residual"]["when"]
    assert "Araştırma / ablation" in patterns["skip"]["when"]
    # §5 with its sub-sections as bold lines, and nothing of §6
    assert "**§5.1 Bottleneck örneği**" in placement and "**§5.3" in placement
    assert "§6" not in placement
    assert not any(line.startswith("#") for line in placement.splitlines())


def test_the_turkish_evidence_table_has_the_english_figures():
    with use_language("tr"):
        rows, baseline = texts.se_evidence(), texts.se_baseline()
    assert [r[2:] for r in rows] == [r[2:] for r in texts.SE_EVIDENCE]
    assert [r[1].split()[0] for r in rows] == [r[1].split()[0] for r in texts.SE_EVIDENCE]
    assert rows[0][0] == "standart SE (branch içinde, toplamadan önce)"
    assert baseline.startswith("Temel ResNet-50: 23.30 / 6.55")


def test_a_missing_section_is_named():
    with pytest.raises(LookupError, match="notes.tr.md has no section '§99'"):
        texts.notebook_section("tr", "§99")


def test_the_notebook_code_comments_are_not_headings():
    sections = texts.notebook_sections("tr")
    assert not any(title.startswith("Pattern-1: y =") for title in sections)  # a `# …` comment
    assert texts.notebook_section("tr", "§7")  # §7 holds the code, up to §8
    assert not any("§8" in block for block in texts.notebook_section("tr", "§7"))


def test_upper_first_keeps_the_rest_and_knows_the_turkish_dotted_i():
    with use_language("tr"):
        assert texts.upper_first("içinde A_s") == "İçinde A_s"
    with use_language("en"):
        assert texts.upper_first("in the branch") == "In the branch"
    assert texts.upper_first("") == ""


def test_the_tab_titles_are_the_page_tabs():
    tree = ast.parse((ROOT / "studio.py").read_text(encoding="utf-8"))
    tabs = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(getattr(target, "id", "") == "TABS" for target in node.targets)
    )
    assert tuple(k.value for k in tabs.keys) == texts.TAB_TITLES


def test_the_words_the_profile_borrows_from_another_catalog_are_translated():
    from components import profile

    for word in (profile.PARAMETERS, profile.PARAMS, profile.ELEMENTWISE):
        with use_language("tr"):
            assert _(word) != word, word
