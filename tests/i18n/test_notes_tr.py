"""The Turkish notebook and its English restatement cite the same § numbers."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def sections(name: str) -> list[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # headings only, not code comments
    return re.findall(r"^## (§\d+)\b", text, flags=re.M)


def test_section_numbers_line_up():
    english, turkish = sections("notes.md"), sections("notes.tr.md")
    assert english == [f"§{i}" for i in range(14)]
    assert turkish == english


def test_the_four_patterns_are_in_section_3_of_both():
    for name in ("notes.md", "notes.tr.md"):
        text = (DOCS / name).read_text(encoding="utf-8")
        s3 = text[text.index("## §3") : text.index("## §4")]
        for p in ("P1", "P2", "P3", "P4") if name == "notes.md" else ("Pattern-1", "Pattern-4"):
            assert p in s3, (name, p)
