"""The project's error types.

`SpecError` means "the input could not be read as a spec" (CLI exit 2); `DesignError` means "the
spec reads fine but the design it describes cannot work" (CLI exit 1). Both carry a list of
`Problem`s — a JSON path plus a plain-language reason — and print as one paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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
    return f"{shown}; and {rest:,} more" if rest > 0 else shown


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: where (`path`, e.g. ``block.stride``) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '(spec)'}: {self.reason}"


class ResAttnError(ValueError):
    """Base of the project's errors: a list of problems, printed as one paragraph."""

    headline = "The spec has problems"

    def __init__(self, problems: Sequence[Problem] | str, headline: str | None = None):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        self.problems: list[Problem] = list(problems)
        if headline is not None:
            self.headline = headline
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One printable paragraph: control characters escaped, at most `MAX_LISTED_PROBLEMS`
        problems listed (`format_problems`)."""
        return f"{self.headline}: {format_problems(self.problems)}."

    def to_json(self) -> list[dict[str, str]]:
        return [{"path": p.path, "reason": p.reason} for p in self.problems]


class SpecError(ResAttnError):
    """The input is not a valid spec (malformed JSON, wrong type, unknown kind, out of bounds)."""

    headline = "Invalid spec"


class DesignError(ResAttnError):
    """The spec is well formed but describes a design that cannot be built (linter errors)."""

    headline = "The design cannot be built"

    def __init__(self, diagnostics: Iterable[Any]):
        self.diagnostics = list(diagnostics)
        problems = [
            Problem(d.path, f"{d.message} Fix: {d.hint} ({d.code}, {d.cite})")
            for d in self.diagnostics
        ]
        super().__init__(problems)


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
