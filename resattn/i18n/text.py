"""Messages that are rendered when they are read, not when they are made.

A `Text` is a message id of the catalogs with its parameters. The engine builds its findings,
errors and readings as `Text`s, so a result computed once (cached by the studio, returned by a
worker process, kept in a report) shows in whatever language is current where it is displayed:

    t = Text(N_("{n} channels at {size}"), n=64, size="56×56")
    t.english()          # "64 channels at 56×56" (the machine-readable, JSON form)
    with use_language("tr"):
        str(t)           # "56×56 boyutunda 64 kanal"

A parameter may itself be a `Text` (a fragment such as " (stage 2, block 1)"): it is rendered in
the same language as the sentence around it. Numbers are formatted by the caller (placeholders
carry no format spec, so a translation cannot lose one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional, Union

from resattn import i18n


@dataclass(frozen=True)
class Text:
    """A catalog message (`msgid`, a ``str.format`` template) and its parameters. `literal`
    marks text that is not a template (a message from outside the engine): it is looked up as
    is, never formatted. (A count-dependent message is two messages, chosen by the caller.)"""

    msgid: str
    params: tuple[tuple[str, Any], ...] = ()
    literal: bool = False

    def __init__(self, msgid: str, /, _literal: bool = False, **params: Any):
        object.__setattr__(self, "msgid", msgid)
        object.__setattr__(self, "params", tuple(params.items()))
        object.__setattr__(self, "literal", _literal)

    @classmethod
    def of(cls, value: Union[Text, str]) -> Text:
        """`value` as a `Text`: a plain string becomes a literal (translated when it is a
        catalog message, shown as it is otherwise)."""
        return value if isinstance(value, Text) else cls(str(value), _literal=True)

    def render(self, lang: Optional[str] = None) -> str:
        """The message in `lang` (default: the current language)."""
        if not self.msgid:
            return ""  # gettext("") is the catalog's header, never a message
        lang = i18n.normalize(lang) or i18n.current_language()
        catalog = i18n.translations(lang)
        if self.literal:
            return catalog.gettext(self.msgid)
        return catalog.gettext(self.msgid).format(**{k: _rendered(v, lang) for k, v in self.params})

    def english(self) -> str:
        """The message in English (what JSON output and logs carry)."""
        return self.render(i18n.DEFAULT_LANGUAGE)

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class Trimmed:
    """`text` rendered without the trailing `chars` (a sentence quoted inside another one)."""

    text: Text
    chars: str = "."

    def render(self, lang: Optional[str] = None) -> str:
        return self.text.render(lang).rstrip(self.chars)

    def english(self) -> str:
        return self.render(i18n.DEFAULT_LANGUAGE)

    def __str__(self) -> str:
        return self.render()


def _rendered(value: Any, lang: str) -> Any:
    if isinstance(value, (Text, Trimmed)):
        return value.render(lang)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Text) for v in value):
        return join(value).render(lang)
    return value


#: The empty message (a fragment that says nothing here, e.g. no stage to name).
EMPTY = Text("", _literal=True)

#: Parts of a list in a sentence: "A", "A and B", "A and B and C".
_AND = i18n.N_("{first} and {last}")


def join(parts) -> Text:
    """Texts joined as a list in a sentence ("SE and CBAM", "A and B and C"), in the language
    it is rendered in."""
    parts = [Text.of(p) for p in parts]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    return Text(_AND, first=join(parts[:-1]), last=parts[-1])


def render_all(texts: Mapping[str, Union[Text, str]], lang: Optional[str] = None) -> dict:
    """A mapping with every `Text` value rendered in `lang` (other values as they are)."""
    return {k: (v.render(lang) if isinstance(v, Text) else v) for k, v in texts.items()}


__all__ = ["EMPTY", "Text", "Trimmed", "join", "render_all"]
