"""Keeping the catalogs in step with the code: extract the marked messages of each domain from
a checkout, and update its ``.po`` files (``python -m resattn.i18n update``).

Used by the maintainers and by ``tests/i18n``; the studio and the CLI only read the ``.po``
files (see `resattn.i18n`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from resattn import i18n

#: The repository root of a checkout (the sources named in `i18n.DOMAINS` are relative to it).
ROOT = Path(__file__).resolve().parents[2]

Message = Union[str, tuple[str, str]]


def source_files(domain: str, root: Path = ROOT) -> list[Path]:
    """The files `domain`'s messages are extracted from, sorted."""
    patterns, excluded = i18n.DOMAINS[domain]
    files = {p for pattern in patterns for p in root.glob(pattern) if p.is_file()}
    files -= {p for pattern in excluded for p in root.glob(pattern)}
    return sorted(files)


def extract(domain: str, root: Path = ROOT) -> dict[Message, list[tuple[str, int]]]:
    """Every message marked in `domain`'s sources (a plural is the pair (singular, plural)),
    with the places it is marked."""
    from babel.messages.extract import extract_from_file

    found: dict[Message, list[tuple[str, int]]] = {}
    for path in source_files(domain, root):
        for line, message, _comments, _context in extract_from_file(
            "python", path, keywords=i18n.KEYWORDS, comment_tags=()
        ):
            key = message if isinstance(message, str) else tuple(message[:2])
            found.setdefault(key, []).append((str(path.relative_to(root)), line))
    return found


def read(lang: str, domain: str):
    """The Babel catalog of `domain` in `lang` (empty when its file does not exist yet)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    path = i18n.po_path(lang, domain)
    if not path.is_file():
        return Catalog(
            locale=lang,
            domain=domain,
            project="ResAttn Studio",
            version="0.1.0",
            copyright_holder="ResAttn Studio",
            msgid_bugs_address="",
            last_translator="ResAttn Studio",
            language_team=lang,
            fuzzy=False,
        )
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=domain)


def update(root: Path = ROOT) -> dict[str, dict[str, int]]:
    """Rewrite every ``.po`` file from the code: new messages are added (untranslated in
    Turkish; English falls back to the message id), messages no longer marked are removed,
    translations are kept. Returns, per domain and language, the number of untranslated
    entries."""
    from babel.messages.pofile import write_po

    report: dict[str, dict[str, int]] = {}
    for domain in i18n.DOMAINS:
        messages = extract(domain, root)
        report[domain] = {}
        for lang in i18n.LANGUAGES:
            old = read(lang, domain)
            new = read(lang, domain)
            for message in list(new):
                if message.id:
                    del new[message.id]
            for key in sorted(messages, key=str):
                previous = old.get(key if isinstance(key, str) else key[0])
                string = previous.string if previous is not None and previous.id == key else ""
                if not isinstance(key, str) and not string:
                    string = ("", "")
                flags = ["python-brace-format"] if "{" in str(key) else []
                new.add(key, string, flags=flags)
            path = i18n.po_path(lang, domain)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                write_po(fh, new, omit_header=False, no_location=True, width=100)
            if lang != i18n.DEFAULT_LANGUAGE:
                report[domain][lang] = sum(
                    1
                    for m in new
                    if m.id and not all(m.string if isinstance(m.string, tuple) else (m.string,))
                )
    return report
