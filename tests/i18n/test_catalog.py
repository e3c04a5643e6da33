"""The translation catalogs: complete, never fuzzy, placeholders intact, and in step with the
code (every message an area's code marks is in that area's catalog, none is left over, and no
message is in two catalogs)."""

from __future__ import annotations

import re

import pytest

from resattn import i18n
from resattn.i18n import catalogs

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
CASES = [(lang, domain) for domain in i18n.DOMAINS for lang in i18n.LANGUAGES]


def messages(lang: str, domain: str):
    return [m for m in catalogs.read(lang, domain) if m.id]


def _ids(lang: str, domain: str) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in messages(lang, domain)}


@pytest.mark.parametrize("lang, domain", CASES)
def test_catalog_matches_the_code(lang, domain):
    code = set(catalogs.extract(domain))
    assert code, f"no translatable message found in the {domain} code"
    ids = _ids(lang, domain)
    hint = " (run `python -m resattn.i18n update`)"
    assert sorted(map(str, code - ids)) == [], "marked in the code but not in the catalog" + hint
    assert sorted(map(str, ids - code)) == [], "in the catalog but no longer in the code" + hint


def test_no_message_is_in_two_catalogs():
    seen: dict = {}
    for domain in i18n.DOMAINS:
        for message in catalogs.extract(domain):
            key = message if isinstance(message, str) else message[0]
            assert key not in seen, f"{key!r} is marked in both {seen[key]} and {domain}"
            seen[key] = domain


def test_every_source_file_belongs_to_one_domain():
    owners: dict = {}
    for domain in i18n.DOMAINS:
        for path in catalogs.source_files(domain):
            assert path not in owners, f"{path} is in both {owners[path]} and {domain}"
            owners[path] = domain


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_every_message_has_a_turkish_translation(domain):
    for message in messages("tr", domain):
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"untranslated: {message.id!r}"


@pytest.mark.parametrize("lang, domain", CASES)
def test_placeholders_survive_translation(lang, domain):
    for message in messages(lang, domain):
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
    po = tmp_path / "tr" / "LC_MESSAGES" / "board.po"
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
    assert i18n.compile_catalog("tr", "board")[:4] in (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")
    i18n.translations("tr")
    assert sorted(p.name for p in i18n.LOCALES.rglob("*")) == before
