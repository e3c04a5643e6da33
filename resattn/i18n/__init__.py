"""Translations: gettext catalogs for English and Turkish, compiled with Babel on first use.

The messages are kept in one catalog per area of the code (a gettext *domain*), so that each
area's ``.po`` file changes with that area alone:

==========  ===================================================  ==============================
domain      what it translates                                   sources (from the repository)
==========  ===================================================  ==============================
``board``   the classroom board                                  ``components/board``,
                                                                 ``resattn_board``
``page``    the studio's page: header, sidebar, canvas, tour     ``studio.py`` and the page's
                                                                 modules of ``components``
``panels``  the studio's tabs, the Learn text, the studio's      the rest of ``components``
            words for patterns and kinds
``engine``  diagnostics, field help, verdicts, the CLI's output  ``resattn``, ``schemas``
==========  ===================================================  ==============================

The sources are ``locales/<lang>/LC_MESSAGES/<domain>.po``. The first time a language is used,
Babel reads its ``.po`` files and compiles them to gettext's binary form in memory (nothing is
written to disk, so a fresh checkout, an installed wheel and a read-only tree all work alike);
the domains are chained into one lookup. Fuzzy entries are never used.

    from resattn.i18n import _, ngettext, use_language
    with use_language("tr"):
        _("Board {code}").format(code="K7M2")     # → "Pano K7M2"

Messages use ``str.format`` placeholders (``{name}``); translations keep every placeholder (a test
over the catalogs checks it). The language comes, in this order, from an explicit choice (the
studio's ``?lang=`` query parameter), the command line (``--lang tr``) and the environment
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, e.g. ``tr_TR.UTF-8``); English otherwise.

Adding or changing a message: mark it with ``_()`` (``N_()`` where it is translated later,
``ngettext`` for plurals), then refresh the catalogs from a checkout and translate what is new
(new Turkish entries are written with an empty translation)::

    python -m resattn.i18n update

``tests/i18n`` fails while a marked message is missing from its catalog, is left over there,
appears in two domains, is untranslated or fuzzy in Turkish, or loses a placeholder.
"""

from __future__ import annotations

import gettext
import io
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Optional

#: The studio's page (the rest of ``components`` is its panels).
PAGE = (
    "studio.py",
    "components/canvas.py",
    "components/ccv2.py",
    "components/design.py",
    "components/network.py",
    "components/sidebar.py",
    "components/state.py",
    "components/style.py",
    "components/tour.py",
    "components/slot_canvas/**/*.py",
    "components/diagram_view/**/*.py",
)
#: The catalogs (gettext domains) and the source files each one is extracted from: glob
#: patterns relative to the repository root, then the patterns excluded from them.
DOMAINS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "board": (("components/board/**/*.py", "resattn_board/**/*.py"), ()),
    "page": (PAGE, ()),
    "panels": (("components/**/*.py",), ("components/board/**/*.py", *PAGE)),
    "engine": (("resattn/**/*.py", "schemas/**/*.py"), ()),
}
#: The keywords that mark a message (``ngettext`` takes the singular and the plural; the lab's
#: standalone data readers raise ``BadData(TEMPLATE, **values)``, whose templates are messages).
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "BadData": None}
LANGUAGES = ("en", "tr")
DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).resolve().parent / "locales"
#: Environment variables gettext reads, in gettext's own order of precedence.
ENV_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_current: ContextVar[Optional[str]] = ContextVar("resattn_language", default=None)
_cache: dict[str, gettext.NullTranslations] = {}
_lock = threading.Lock()


def po_path(lang: str, domain: str) -> Path:
    """The ``.po`` source of `domain` in `lang`."""
    return LOCALES / lang / "LC_MESSAGES" / f"{domain}.po"


def normalize(value: Optional[str]) -> Optional[str]:
    """The supported language a tag names (``tr``, ``tr_TR.UTF-8``, ``TR-tr``), else None."""
    if not value:
        return None
    tag = value.strip().replace("-", "_").split(".")[0].split("@")[0].split("_")[0].lower()
    return tag if tag in LANGUAGES else None


def _from_argv(argv: Sequence[str]) -> Optional[str]:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def resolve_language(
    choice: Optional[str] = None,
    *,
    argv: Optional[Sequence[str]] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> str:
    """The language to use: `choice` (``?lang=``), else ``--lang`` in `argv`, else the
    environment's locale; an unsupported value at one level falls through to the next."""
    found = normalize(choice) or (normalize(_from_argv(argv)) if argv else None)
    if found:
        return found
    env = os.environ if environ is None else environ
    for name in ENV_VARS:
        value = env.get(name)
        if value:
            # LANGUAGE may list several (``tr:en``); the first supported one wins.
            for part in value.split(":"):
                if normalize(part):
                    return normalize(part)
            if name != "LANGUAGE":
                break  # gettext stops at the first variable that is set
    return DEFAULT_LANGUAGE


def compile_catalog(lang: str, domain: str) -> bytes:
    """Compile the ``.po`` source of `domain` in `lang` with Babel to gettext's ``.mo`` bytes
    (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(lang, domain).open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=domain)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def translations(lang: str) -> gettext.NullTranslations:
    """The compiled translations of `lang`, every domain chained into one lookup (compiled once
    per process)."""
    found = _cache.get(lang)  # a language already compiled: no lock (every message asks)
    if found is not None:
        return found
    lang = normalize(lang) or DEFAULT_LANGUAGE
    with _lock:
        found = _cache.get(lang)
        if found is None:
            found = gettext.NullTranslations()
            for domain in DOMAINS:
                if po_path(lang, domain).is_file():
                    found.add_fallback(
                        gettext.GNUTranslations(io.BytesIO(compile_catalog(lang, domain)))
                    )
            _cache[lang] = found
    return found


def current_language() -> str:
    """The language of this context: set by `set_language` / `use_language`, else resolved
    from the command line and the environment."""
    return _current.get() or resolve_language(argv=_argv())


def _argv() -> list[str]:
    import sys

    return list(sys.argv)


def set_language(lang: Optional[str]) -> str:
    """Use `lang` (normalised; None = from the command line / environment) in this context
    (a thread, a Streamlit script run); returns the language now in use."""
    chosen = normalize(lang) or resolve_language(argv=_argv())
    _current.set(chosen)
    return chosen


@contextmanager
def use_language(lang: Optional[str]) -> Iterator[str]:
    """Use `lang` inside the ``with`` block, then restore the previous choice."""
    token = _current.set(normalize(lang) or resolve_language(argv=_argv()))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def in_current_language(fn: Callable[..., str]) -> Callable[..., str]:
    """`fn` bound to the language current now: it renders in that language wherever it is
    called (a widget's ``format_func`` may be called outside the script run that made it)."""
    lang = current_language()

    def bound(*args, **kwargs) -> str:
        with use_language(lang):
            return fn(*args, **kwargs)

    return bound


def gettext_(message: str) -> str:
    """`message` in the current language (an empty text stays empty: gettext would give the
    catalog's header for it)."""
    if not message:
        return message
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current language."""
    return translations(current_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for the catalog without translating it now (it is translated where it is
    shown, in the language of that moment)."""
    return message


_ = gettext_

__all__ = [
    "DEFAULT_LANGUAGE",
    "N_",
    "LANGUAGES",
    "_",
    "DOMAINS",
    "KEYWORDS",
    "compile_catalog",
    "current_language",
    "in_current_language",
    "ngettext",
    "normalize",
    "po_path",
    "resolve_language",
    "set_language",
    "translations",
    "use_language",
]
