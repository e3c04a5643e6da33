"""What "no English left on a Turkish page" means, for every test that checks a page.

`english_sentences` is every English message of the catalogs whose Turkish differs (a word that
is the same in both languages, such as "ResAttn Studio" or "MACs", is not English left over);
`rendered_text` gathers the text an AppTest run shows a person; `english_left` is the English
sentences found in it (`english_in`: in any text).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable

from resattn import i18n
from resattn.i18n import catalogs

#: placeholders split a message into the literal fragments that must not appear untranslated
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def english_sentences(domains: Iterable[str] = tuple(i18n.DOMAINS), min_words: int = 2) -> set:
    """The English fragments (of at least `min_words` words) that a Turkish page must not show."""
    english = set()
    for domain in domains:
        for m in catalogs.read("tr", domain):
            if not m.id:
                continue
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            for en, turkish in zip(ids, strings, strict=False):
                if not turkish or en == turkish:
                    continue
                for fragment in _PLACEHOLDER.split(en):
                    fragment = fragment.strip(" .,:;()*_`—–-")
                    if len(fragment.split()) >= min_words and fragment not in turkish:
                        english.add(fragment)
    return english


def rendered_text(at) -> str:
    """Every piece of text an AppTest run (or one of its blocks: a tab, a column) shows:
    Markdown, captions, headings, alerts, metrics, widget labels, options and help (downloads,
    uploads and segmented controls too), popover and tab labels, code, progress texts, tables
    (headers and text cells), the page's own HTML (`html_text`) and the strings of the custom
    components' data."""
    parts: list[str] = []

    def add(value) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                add(v)

    for kind in (
        "markdown",
        "caption",
        "title",
        "header",
        "subheader",
        "error",
        "warning",
        "info",
        "success",
        "exception",
        "code",
        "text",
        "latex",
    ):
        for el in getattr(at, kind, []):
            add(getattr(el, "value", None))
    for el in at.html:  # the page's own HTML (the ASCII picture), its style sheets left out
        add(html_text(el.value))
    for el in at.metric:
        add(el.label)
        add(getattr(el, "help", None))
    for kind in (
        "button",
        "checkbox",
        "toggle",
        "selectbox",
        "multiselect",
        "radio",
        "number_input",
        "text_input",
        "text_area",
        "slider",
        "select_slider",
        "tabs",
        "expander",
        "date_input",
        "color_picker",
    ):
        for el in getattr(at, kind, []):
            add(getattr(el, "label", None))
            add(getattr(el, "help", None))
            add(getattr(el, "placeholder", None))
            options = getattr(el, "options", None)
            if options:
                add([str(o) for o in options])
    for el in at.get("tab"):
        add(getattr(el, "label", None))
    for kind in ("download_button", "file_uploader", "button_group"):  # seen as protos only
        for el in at.get(kind):
            add([el.proto.label, el.proto.help])
            add([o.content for o in getattr(el.proto, "options", ())])
    for el in at.get("popover"):
        add(el.proto.popover.label)
    for el in at.get("progress"):
        add(el.proto.text)
    for el in at.get("bidi_component"):  # the words a custom component is given to show
        if el.proto.json:
            add(_strings(json.loads(el.proto.json)))
    for el in at.dataframe:  # column headers and the text in the cells
        frame = el.value
        add([str(c) for c in frame.columns])
        for column in frame.columns:
            add([v for v in frame[column].tolist() if isinstance(v, str)])
    return "\n".join(parts)


_STYLE = re.compile(r"<style>.*?</style>", re.S)
_TAG = re.compile(r"<[^>]+>")


def html_text(value: str) -> str:
    """The text an HTML fragment shows: its tags and style sheets dropped, entities decoded."""
    return html.unescape(_TAG.sub("", _STYLE.sub("", value)))


def _strings(value) -> list[str]:
    """The strings inside `value` (a component's JSON data), keys left out."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def english_left(
    at, domains: Iterable[str] = tuple(i18n.DOMAINS), *, verbatim: Iterable[str] = ()
) -> list[str]:
    """The English sentences of the catalogs that the run `at` shows, sorted. `verbatim` are
    texts shown as they are in every language (a file such as the exported PyTorch source, a
    name), not read as the UI's words."""
    text = rendered_text(at)
    for shown in verbatim:
        text = text.replace(shown, "")
    return english_in(text, domains)


def english_in(text: str, domains: Iterable[str] = tuple(i18n.DOMAINS)) -> list[str]:
    """The English sentences of the catalogs in `text`, sorted."""
    return sorted(s for s in english_sentences(domains) if s in text)
