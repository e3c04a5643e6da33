"""The project's error types.

`SpecError` means "the input could not be read as a spec" (CLI exit 2); `DesignError` means "the
spec reads fine but the design it describes cannot work" (CLI exit 1). Both carry a list of
`Problem`s — a JSON path plus a plain-language reason — and print as one paragraph.

A reason and a headline may be a `resattn.i18n.text.Text`: ``str(error)`` and ``.message`` render
them in the language current when they are read, `to_json` keeps the English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from resattn.i18n import N_
from resattn.i18n.text import EMPTY, Text

#: At most this many problems are listed in a message; the rest are counted ("and 12 more").
MAX_LISTED_PROBLEMS = 10
#: Longest piece of text (a path, a reason) a message quotes, in characters.
MAX_QUOTED_CHARS = 1000

#: What a terminal or a page would act on instead of showing: C0/C1 controls (escape sequences,
#: newlines, bells), DEL, line/paragraph separators and bidirectional overrides.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape_text(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """`text` safe to print on a terminal or a page: every control character written as its
    escape (``\\x1b``, ``\\n``, ``\\u202e``), then cut to `limit` characters with "…"."""
    text = _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))
    return text if len(text) <= limit else text[:limit] + "…"


def format_problems(problems: Sequence[Problem], limit: int = MAX_LISTED_PROBLEMS) -> str:
    """Problems as one bounded, printable line: the first `limit` (each escaped and cut by
    `escape_text`), then "and K more". The CLI and the studio's messages both use it."""
    shown = "; ".join(escape_text(str(p)) for p in problems[:limit])
    rest = len(problems) - limit
    if rest <= 0:
        return shown
    return Text(N_("{shown}; and {rest} more"), shown=shown, rest=f"{rest:,}").render()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: where (`path`, e.g. ``block.stride``) and why — a string,
    or a `Text` that ``str(problem)`` renders in the current language (`reason` then holds its
    English)."""

    path: str
    reason: str
    #: the reason as a catalog message (made from `reason` when it is given as a `Text`)
    text: Text = field(default=EMPTY, compare=False, repr=False)

    def __post_init__(self) -> None:
        # A `Text` reason is kept as the message, the field holds its English (the JSON's).
        given = self.reason if isinstance(self.reason, Text) else None
        text = given or (self.text if self.text.msgid else Text.of(self.reason))
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "reason", text.english() if given else str(self.reason))

    def __str__(self) -> str:
        """``block.stride: …`` in the current language."""
        where = self.path or Text(N_("(spec)")).render()
        return f"{where}: {self.text}"


class ResAttnError(ValueError):
    """Base of the project's errors: a list of problems, printed as one paragraph."""

    headline: Union[str, Text] = N_("The spec has problems")

    def __init__(
        self, problems: Sequence[Problem] | str | Text, headline: str | Text | None = None
    ):
        if isinstance(problems, (str, Text)):
            problems = [Problem("", problems)]
        self.problems: list[Problem] = list(problems)
        if headline is not None:
            self.headline = headline
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One printable paragraph in the current language: control characters escaped, at
        most `MAX_LISTED_PROBLEMS` problems listed (`format_problems`)."""
        return Text(
            N_("{headline}: {problems}."),
            headline=Text.of(self.headline),
            problems=format_problems(self.problems),
        ).render()

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> list[dict[str, str]]:
        return [{"path": p.path, "reason": p.reason} for p in self.problems]


class SpecError(ResAttnError):
    """The input is not a valid spec (malformed JSON, wrong type, unknown kind, out of bounds)."""

    headline = N_("Invalid spec")


class DesignError(ResAttnError):
    """The spec is well formed but describes a design that cannot be built (linter errors)."""

    headline = N_("The design cannot be built")

    def __init__(self, diagnostics: Iterable[Any]):
        self.diagnostics = list(diagnostics)
        problems = [Problem(d.path, finding_text(d)) for d in self.diagnostics]
        super().__init__(problems)


def finding_text(d: Any) -> Text:
    """A diagnostic in one sentence: "MESSAGE Fix: HINT (RA101, notes §12.2)", rendered in the
    language current when it is read (the studio's flash messages and errors quote it)."""
    return Text(
        N_("{message} Fix: {hint} ({code}, {cite})"),
        message=d.text("message"),
        hint=d.text("hint"),
        code=d.code,
        cite=d.cite_text(),
    )


def loc_to_path(loc: Sequence[Any], data: Any) -> str:
    """Turn a pydantic error location into a JSON path of the *input*.

    Pydantic puts discriminated-union tags (``'se'``, ``'bottleneck'``) and validator names into
    locations; walking the input data alongside drops every element that is not a real key.
    """
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int) and isinstance(node, list):
            parts.append(f"[{item}]")
            node = node[item] if 0 <= item < len(node) else None
        elif isinstance(item, str) and isinstance(node, dict) and item in node:
            parts.append(f".{item}" if parts else item)
            node = node[item]
        elif isinstance(item, str) and isinstance(node, dict) and not _is_tag(item, node):
            # A missing field, or an extra one: it is still the right place to name.
            parts.append(f".{item}" if parts else item)
            node = None
        # else: a union tag or validator name that has no place in the input
    return "".join(parts)


def _is_tag(item: str, node: dict) -> bool:
    return node.get("type") == item or "[" in item or item.startswith("function-")
