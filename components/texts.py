"""Words the studio shows: the four patterns, the attention kinds, the families (docs/notes.md).

The constants are the English words (the catalogs' message ids, or the English restatement of
the notes); the functions give them in the current language, at display time. Where the studio
quotes the notes, the Turkish comes from the user's own notebook, `docs/notes.tr.md`, read by
section (a `Passage` names the section and which of its blocks), never retyped into a catalog.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from resattn.attention import kinds
from resattn.i18n import N_, _, current_language
from schemas import (
    PATTERN_FORMULAS,
    SLOT_NAMES,
    SLOT_PATTERNS,
    SLOT_SYMBOLS,
    SLOTS,
)

# --- the notebook, by section ---------------------------------------------------------------

#: language → the user's notebook in that language (docs/notes.md is its English restatement:
#: in English the studio shows the restatements kept in this module)
NOTEBOOKS = {"tr": Path(__file__).resolve().parents[1] / "docs" / "notes.tr.md"}

_HEADING = re.compile(r"^(#{2,6})\s+(.+?)\s*$")  # "# …" lines in the notebook's code are code
_FENCE = re.compile(r"^\s*```")
_RULE = re.compile(r"^-{3,}\s*$")


@functools.cache
def notebook_sections(lang: str) -> dict[str, list[str]]:
    """heading → the Markdown blocks under it (paragraphs, lists, tables, code), up to the next
    heading of the same or a higher level; a sub-heading inside becomes a bold line."""
    lines = NOTEBOOKS[lang].read_text(encoding="utf-8").splitlines()
    headings, fenced = [], False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (m := _HEADING.match(line)):
            headings.append((i, len(m.group(1)), m.group(2)))
    sections = {}
    for n, (start, level, title) in enumerate(headings):
        end = next((i for i, lv, _t in headings[n + 1 :] if lv <= level), len(lines))
        inner = {i: t for i, lv, t in headings[n + 1 :] if i < end}
        body = [f"**{inner[i]}**" if i in inner else lines[i] for i in range(start + 1, end)]
        sections.setdefault(title, _blocks(body))
    return sections


def _blocks(lines: list[str]) -> list[str]:
    """Blank-line separated blocks; a code fence stays one block, rules (``---``) are dropped."""
    blocks, current, fenced = [], [], False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        if not fenced and not line.strip():
            if current:
                blocks.append("\n".join(current))
            current = []
        elif fenced or not _RULE.match(line):
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def notebook_section(lang: str, heading: str) -> list[str]:
    """The blocks of the section whose heading is `heading` or starts with it (followed by a
    space or a colon: ``§4.1``, ``Pattern-2``)."""
    for title, blocks in notebook_sections(lang).items():
        if title == heading or title.startswith((f"{heading} ", f"{heading}:")):
            return blocks
    raise LookupError(f"{NOTEBOOKS[lang].name} has no section {heading!r}")


def _all(blocks: list[str]) -> list[str]:
    return blocks


def _first(n: int) -> Callable[[list[str]], list[str]]:
    return lambda blocks: blocks[:n]


def _last(blocks: list[str]) -> list[str]:
    return blocks[-1:]


def _after_picture(blocks: list[str]) -> list[str]:
    """What the notebook says after a pattern's ASCII picture (its reading of the pattern)."""
    code = [i for i, b in enumerate(blocks) if _FENCE.match(b)]
    return blocks[code[-1] + 1 :] if code else blocks


@dataclass(frozen=True)
class Passage:
    """A passage of the notes the studio shows: its English restatement (docs/notes.md), and
    where the notebook's original stands (a section of the notebook, and which of its blocks)."""

    english: str
    section: str
    pick: Callable[[list[str]], list[str]] = _all

    def text(self) -> str:
        """The passage in the current language."""
        lang = current_language()
        if lang not in NOTEBOOKS:
            return self.english
        return "\n\n".join(self.pick(notebook_section(lang, self.section)))


def then(first: str, second: str, sep: str = " ") -> str:
    """`second` after `first`, joined by `sep` — or as the next block when either has several
    lines (a list must start on a line of its own)."""
    return first + ("\n\n" if "\n" in first or "\n" in second else sep) + second


# --- the studio's tabs -----------------------------------------------------------------------

#: the tabs' titles (``app.TABS`` keys; shown as ``_(title)``)
TAB_TITLES = (
    N_("Diagram"),
    N_("Checks"),
    N_("Profile"),
    N_("Compare"),
    N_("Compare with…"),
    N_("Code"),
    N_("Learn"),
)

# --- the four patterns ------------------------------------------------------------------------

#: slot → what NOTES §3 says about the pattern it makes (the words shared with the engine —
#: pattern code, slot symbol, formula — come from `schemas`; the explanations live here)
_EXPLAINED = {
    "branch": {
        "name": N_("attention inside the residual branch"),
        "meaning": Passage(
            "The gate shapes F(x) only; the identity stays pure — the gradient's safety "
            "line. Simple and predictable (SE-/ECA-ResNet, most CBAM).",
            "Pattern-1",
            _after_picture,
        ),
        "when": Passage(
            "The default (notes §4): predictable, identity preserved, easy to debug.", "§4.1"
        ),
    },
    "post_add": {
        "name": N_("post-addition attention"),
        "meaning": Passage(
            "The gate sees identity and transform together: stronger gating, but it "
            "also shapes the identity — risk of over-suppression of the free identity pass.",
            "Pattern-2",
            _after_picture,
        ),
        "when": Passage(
            "One-shot gating of the merged feature, shallow backbones — when you are sure "
            "it will not suppress the identity.",
            "§4.2",
        ),
    },
    "pre_residual": {
        "name": N_("pre-residual attention (gated input)"),
        "meaning": Passage(
            "Filters what enters the branch: useful early (noise / background "
            "suppression) and in very light backbones; if A(x) learns badly, F learns less.",
            "Pattern-3",
            _after_picture,
        ),
        "when": Passage("Conditioning the input, low-level noise suppression.", "§4.3"),
    },
    "skip": {
        "name": N_("dual path / skip-aware"),
        "meaning": Passage(
            "Most expressive: the identity is no longer pure. A_s is kept light and "
            "starts as an exact identity (gate ≡ 1), so the block starts as a plain residual "
            "block.",
            "Pattern-4",
            _after_picture,
        ),
        "when": Passage(
            "Research and ablations; needs careful init, learning rate and validation.", "§4.4"
        ),
    },
}

#: slot → {code, symbol, name, formula, meaning, when}, in English (`pattern` gives them in the
#: current language)
PATTERNS = {
    slot: {
        "code": SLOT_PATTERNS[slot],
        "symbol": SLOT_SYMBOLS[slot],
        "formula": PATTERN_FORMULAS[SLOT_PATTERNS[slot]],
        "name": text["name"],
        "meaning": text["meaning"].english,
        "when": text["when"].english,
    }
    for slot, text in _EXPLAINED.items()
}


def pattern(slot: str) -> dict:
    """`PATTERNS[slot]` in the current language (the name from the catalog, the meaning and
    when to use it from the notebook)."""
    text = _EXPLAINED[slot]
    return {
        **PATTERNS[slot],
        "name": _(text["name"]),
        "meaning": text["meaning"].text(),
        "when": text["when"].text(),
    }


# --- slots and kinds --------------------------------------------------------------------------

#: slot → where the gate sits, in words (the slot table's labels; `place` translates)
PLACES = {slot.name: slot.label for slot in SLOTS}


def upper_first(text: str) -> str:
    """`text` with its first letter in upper case, the rest untouched (Turkish: i → İ)."""
    if not text:
        return text
    head = "İ" if text[0] == "i" and current_language() == "tr" else text[0].upper()
    return head + text[1:]


def _slot_label(slot: str, place: str) -> str:
    return f"{upper_first(place)} — {SLOT_SYMBOLS[slot]} ({SLOT_PATTERNS[slot]})"


def place(slot: str) -> str:
    """Where the gate of `slot` sits, in the current language."""
    return _(PLACES[slot])


#: slot → the keyboard path's select label, e.g. "Before the branch — A_p (P3)" (English;
#: `slot_label` gives it in the current language)
SLOT_LABELS = {slot: _slot_label(slot, PLACES[slot]) for slot in SLOT_NAMES}


def slot_label(slot: str) -> str:
    """The keyboard path's select label of `slot`, in the current language."""
    return _slot_label(slot, place(slot))


#: attention type → (chip label, full name, what it gates), from the kind records (palette order)
ATTENTION = {kind.type: (kind.label, kind.name, kind.description) for kind in kinds()}


def attention(kind: str) -> tuple[str, str, str]:
    """`ATTENTION[kind]` with what it gates in the current language (the label and the name are
    the kind's own: never translated)."""
    label, name, gates = ATTENTION[kind]
    return label, name, _(gates)


# --- the Learn tab's notes --------------------------------------------------------------------

_RULE_NOTES = Passage(
    "Attention is a **multiplicative gate**: it produces weights α and the feature it watches "
    "is **multiplied** by them — never *added* as `attention + F(x)`. In the default pattern the "
    "identity `x` never enters the attention: it travels on its own path straight to the add.",
    "Defterin her şeyin üstünde tuttuğu kural",
    _first(3),  # the three lines of the rule (the notebook's preamble follows)
)
_SIGNS = N_("Every diagram here draws attention as `⊗` (gate) and the residual join as `⊕` (add).")


def first_rule() -> str:
    """The rule the notes put above everything, and how the studio draws it."""
    return then(_RULE_NOTES.text(), _(_SIGNS))


PLACEMENT = Passage(
    "SE/ECA after the bottleneck's expand conv, so the gate sees the block's output channels; "
    "CBAM / spatial attention after the last conv — earlier costs compute and can cut "
    "low-level features. Pre-activation blocks: attention at the end of the branch (§9).",
    "§5",
)

#: the section of the notebook that carries the SE evidence table and its baseline
_EVIDENCE = "Kullanıcılara gösterilmeye değer yayımlanmış kanıt"

#: SE paper (Hu et al., TPAMI), Table 14: SE placement in ResNet-50 on ImageNet (error %)
SE_EVIDENCE = [
    ("standard SE (in the branch, before the add)", "P1", 22.28, 6.03),
    ("SE-PRE (before the residual unit)", "P3", 22.23, 6.00),
    ("SE-POST (after the addition)", "P2", 22.78, 6.35),
    ("SE-Identity (on the identity path, in parallel)", "P4 (skip only)", 22.20, 6.15),
]
SE_BASELINE = (
    "Baseline ResNet-50: 23.30 / 6.55 top-1 / top-5 error (25.6M params, ~3.86 GFLOPs as the "
    "paper counts); SE-ResNet-50 with r = 16: 28.1M params."
)


def se_evidence() -> list[tuple[str, str, float, float]]:
    """`SE_EVIDENCE` in the current language (the notebook's table of it)."""
    lang = current_language()
    if lang not in NOTEBOOKS:
        return list(SE_EVIDENCE)
    table = next(b for b in notebook_section(lang, _EVIDENCE) if b.startswith("|"))
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table.split("\n")]
    return [(name, pat, float(t1), float(t5)) for name, pat, t1, t5 in rows[2:]]


#: the baseline line under the table
_BASELINE = Passage(SE_BASELINE, _EVIDENCE, _last)


def se_baseline() -> str:
    """`SE_BASELINE` in the current language."""
    return _BASELINE.text()


COUNTING_RULES = N_(
    "**Counting rules.** *MACs* are the multiply-accumulates of conv / linear / matmul "
    '(fvcore\'s "flop"). *Elementwise ops* are the weight-free work fvcore skips — the gate '
    "multiply, sigmoid / hard-sigmoid, pooling, the residual add, norms. "
    "*FLOPs* = 2 × MACs + elementwise ops. Papers often quote MACs and call them FLOPs."
)
