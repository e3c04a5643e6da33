"""Every cited document is in the repository: code and docs cite docs/… (e.g. "notes §3",
"docs/design.md §1"), never a design page, notebook or issue tracker outside it."""

from __future__ import annotations

import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: citation forms that point outside the repository
FORBIDDEN = re.compile(
    r"DESIGN §|DESIGN\.md|(?<!docs/)NOTES\.md|\b(?i:issue) #?\d+|\.\./shared|seed/\d{3}"
)

#: every docs/… file a tracked file cites must exist
CITED_DOC = re.compile(r"docs/([A-Za-z0-9_-]+\.md)")

#: "docs/design.md §n" must name a section the page has
DESIGN_SECTION = re.compile(r"docs/design\.md,? (§\d+)")


def _tracked() -> list[pathlib.Path]:
    out = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    suffixes = {".py", ".md", ".js", ".html", ".css", ".toml", ".txt", ".json"}
    return [ROOT / p for p in out if pathlib.Path(p).suffix in suffixes and (ROOT / p).exists()]


def test_no_citation_points_outside_the_repository():
    offenders = []
    for path in _tracked():
        if path == pathlib.Path(__file__):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FORBIDDEN.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}")
    assert offenders == []


def test_every_cited_doc_and_design_section_exists():
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (§\d+)", design, re.M))
    missing = []
    for path in _tracked():
        text = path.read_text(encoding="utf-8")
        missing += [
            f"{path.name}: docs/{d}"
            for d in CITED_DOC.findall(text)
            if not (ROOT / "docs" / d).exists()
        ]
        missing += [f"{path.name}: {s}" for s in DESIGN_SECTION.findall(text) if s not in sections]
    assert missing == []


def test_the_checker_catches_an_outside_citation():
    assert FORBIDDEN.search("see DESIGN §4") and FORBIDDEN.search("(issue 4)")
    assert not FORBIDDEN.search("docs/design.md §4, docs/notes.md §3, notes §12.2")
