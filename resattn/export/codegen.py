"""Small, safe code-writing primitives for the exported Python file.

Generated text is a pure function of the spec. Only these values from a spec ever reach it, each
through one door: validated identifiers (`ident`), integers and finite floats (`num`), bools
(`flag`); strings such as gate kinds go through a fixed table (`choice`), never through `repr` of
user text. Layout follows `ruff format` (line length 100): a call that fits on one line stays on
one line, otherwise it is exploded one argument per line with a magic trailing comma, which the
formatter keeps as is.
"""

from __future__ import annotations

import keyword
import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Union

LINE_LENGTH = 100
INDENT = "    "


def ident(name: str) -> str:
    """A validated identifier, or an error: nothing else may become a Python name."""
    if not (isinstance(name, str) and name.isascii() and name.isidentifier()):
        raise ValueError(f"not a plain ASCII identifier: {name!r}")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ValueError(f"{name!r} is a Python keyword")
    return name


def num(value: Union[int, float]) -> str:
    """An int or a finite float as Python source (bools are refused)."""
    if type(value) is int:
        return str(value)
    if type(value) is float and math.isfinite(value):
        return repr(value)
    raise ValueError(f"not a plain int or finite float: {value!r}")


def flag(value: bool) -> str:
    """A bool as Python source."""
    if type(value) is not bool:
        raise ValueError(f"not a bool: {value!r}")
    return "True" if value else "False"


def choice(value: str, table: dict[str, str]) -> str:
    """The source text a closed-set spec value maps to (e.g. a gate kind → a string literal)."""
    if value not in table:
        raise ValueError(f"unexpected value {value!r}; expected one of {sorted(table)}")
    return table[value]


@dataclass(frozen=True)
class Call:
    """A call expression `func(args..., name=value...)` that lays itself out like ruff."""

    func: str
    args: Sequence[Expr] = ()
    kwargs: Sequence[tuple[str, Expr]] = field(default=())

    def items(self) -> list[tuple[str, Expr]]:
        return [("", a) for a in self.args] + [(f"{k}=", v) for k, v in self.kwargs]

    def flat(self) -> str:
        inner = ", ".join(prefix + flat(value) for prefix, value in self.items())
        return f"{self.func}({inner})"

    def lines(self, indent: str, prefix: str = "", suffix: str = "") -> list[str]:
        one = f"{indent}{prefix}{self.flat()}{suffix}"
        if len(one) <= LINE_LENGTH or not self.items():
            return [one]
        out = [f"{indent}{prefix}{self.func}("]
        for name, value in self.items():
            out += render(value, indent + INDENT, name, ",")
        return out + [f"{indent}){suffix}"]


Expr = Union[str, Call]


def flat(value: Expr) -> str:
    return value.flat() if isinstance(value, Call) else value


def render(value: Expr, indent: str, prefix: str = "", suffix: str = "") -> list[str]:
    """Lines of `prefix + value + suffix` at `indent`, exploded where a line would be too long."""
    if isinstance(value, Call):
        return value.lines(indent, prefix, suffix)
    return [f"{indent}{prefix}{value}{suffix}"]


def signature(name: str, params: Sequence[str], returns: str, indent: str = "") -> list[str]:
    """A `def` line (or an exploded one) with the given parameters and return annotation."""
    tail = f" -> {returns}:" if returns else ":"
    one = f"{indent}def {name}({', '.join(params)}){tail}"
    if len(one) <= LINE_LENGTH:
        return [one]
    return [f"{indent}def {name}(", *(f"{indent}{INDENT}{p}," for p in params), f"{indent}){tail}"]


def comment(text: str, indent: str) -> list[str]:
    """A comment wrapped to the line length."""
    width = LINE_LENGTH - len(indent) - 2
    return [f"{indent}# {line}" for line in textwrap.wrap(text, width)]


def docstring(paragraphs: Iterable[str], indent: str) -> list[str]:
    """A triple-quoted docstring; paragraphs starting with 4 spaces are kept verbatim."""
    width = LINE_LENGTH - len(indent) - 3  # room for the opening quotes
    body: list[str] = []
    for paragraph in paragraphs:
        if body:
            body.append("")
        if paragraph.startswith(INDENT):
            body += paragraph.splitlines()
        else:
            body += textwrap.wrap(paragraph, width, break_on_hyphens=False)
    first, rest = body[0], body[1:]
    if not rest:
        return [f'{indent}"""{first}"""']
    lines = [f'{indent}"""{first}']
    lines += [f"{indent}{line}" if line else "" for line in rest]
    return lines + [f'{indent}"""']
