"""The translation catalogs: complete, never fuzzy, placeholders intact, and in step with the
code (every message the board's code marks is in the catalogs, none is left over)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from resattn import i18n

ROOT = Path(__file__).resolve().parents[2]
#: The modules whose strings are translated through the catalogs.
TRANSLATED = ("components/board", "resattn_board")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def catalog(lang: str):
    with i18n.po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def messages(lang: str):
    return [m for m in catalog(lang) if m.id]


def extracted() -> set:
    found = set()
    for folder in TRANSLATED:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


def _ids(lang: str) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in messages(lang)}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalog_matches_the_code(lang):
    code = extracted()
    assert code, "no translatable message found in the code"
    ids = _ids(lang)
    assert sorted(map(str, code - ids)) == [], "marked in the code but not in the catalog"
    assert sorted(map(str, ids - code)) == [], "in the catalog but no longer in the code"


def test_every_message_has_a_turkish_translation():
    for message in messages("tr"):
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"untranslated: {message.id!r}"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_placeholders_survive_translation(lang):
    for message in messages(lang):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = sorted(PLACEHOLDER.findall(ids[0]))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if text:  # an empty English string falls back to the message id
                assert sorted(PLACEHOLDER.findall(text)) == wanted, message.id
        # and formatting works with the message's own placeholder names
        kwargs = {p.strip("{}"): 1 for p in wanted}
        with i18n.use_language(lang):
            if len(ids) == 2:
                i18n.ngettext(*ids, 2).format(**kwargs)
            else:
                i18n._(ids[0]).format(**kwargs)


def test_compiled_catalog_translates_and_counts():
    with i18n.use_language("tr"):
        assert i18n._("Send to board") == "Panoya gönder"
        assert (
            i18n.ngettext("{n} design on the board", "{n} designs on the board", 3).format(n=3)
            == "Panoda 3 tasarım"
        )
    with i18n.use_language("en"):
        assert i18n._("Send to board") == "Send to board"
        assert (
            i18n.ngettext("{n} design on the board", "{n} designs on the board", 1).format(n=1)
            == "1 design on the board"
        )
    # an unknown message comes back unchanged
    with i18n.use_language("tr"):
        assert i18n._("no such message id") == "no such message id"


def test_fuzzy_entries_are_never_used(tmp_path, monkeypatch):
    po = tmp_path / "tr" / "LC_MESSAGES" / "resattn.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, fuzzy\nmsgid "Send to board"\nmsgstr "YANLIŞ"\n\n'
        'msgid "Hide"\nmsgstr "Gizle"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    monkeypatch.setattr(i18n, "_cache", {})
    with i18n.use_language("tr"):
        assert i18n._("Send to board") == "Send to board"
        assert i18n._("Hide") == "Gizle"


@pytest.mark.parametrize(
    "choice, argv, env, expected",
    [
        ("tr", [], {}, "tr"),
        ("TR-tr", [], {"LANG": "en_US.UTF-8"}, "tr"),
        (None, ["resattn", "--lang", "tr"], {}, "tr"),
        (None, ["resattn", "--lang=tr"], {"LANG": "en_US"}, "tr"),
        (None, [], {"LANG": "tr_TR.UTF-8"}, "tr"),
        (None, [], {"LANGUAGE": "de:tr", "LANG": "en_US"}, "tr"),
        (None, [], {"LC_ALL": "C", "LANG": "tr_TR"}, "en"),  # LC_ALL wins over LANG
        ("xx", ["x", "--lang", "yy"], {"LANG": "tr_TR"}, "tr"),  # unsupported: fall through
        (None, [], {}, "en"),
    ],
)
def test_language_resolution(choice, argv, env, expected):
    assert i18n.resolve_language(choice, argv=argv, environ=env) == expected


def test_catalogs_are_compiled_in_memory(monkeypatch):
    """Compiling writes nothing: a read-only checkout or installed package works as is."""
    before = sorted(p.name for p in i18n.LOCALES.rglob("*"))
    monkeypatch.setattr(i18n, "_cache", {})
    assert i18n.compile_catalog("tr")[:4] in (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")
    i18n.translations("tr")
    assert sorted(p.name for p in i18n.LOCALES.rglob("*")) == before
