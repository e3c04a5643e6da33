"""The project's error types.

`SpecError` means "the input could not be read as a spec" (CLI exit 2); `DesignError` means "the
spec reads fine but the design it describes cannot work" (CLI exit 1). Both carry a list of
`Problem`s — a JSON path plus a plain-language reason — and print as one paragraph.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


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
        parts = "; ".join(str(p) for p in self.problems)
        return f"{self.headline}: {parts}."

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
