"""Shared pieces of the spec models: model config, bounds, names."""

from __future__ import annotations

import builtins
import functools
import keyword
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from resattn.i18n import N_
from resattn.i18n.text import Text

#: Bounds that keep the server alive (docs/diagnostics.md, Bounds).
MAX_CHANNELS = 4096
MAX_SPATIAL = 1024
MAX_BATCH = 64

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}", re.ASCII)

#: Names the exported module defines or imports itself; a design may not shadow them. The
#: attention classes and the layer helpers it defines are added by `reserved_names` (from the
#: kind records and the layer tables).
RESERVED_NAMES = frozenset(
    {
        "torch",
        "nn",
        "F",
        "build_model",
        "Gate",
        "make_gate",
        "self",
        "cls",
        "math",
        "typing",
        "model",
    }
)


@functools.cache
def reserved_names() -> frozenset[str]:
    """`RESERVED_NAMES` plus the attention class and layer-helper names of an exported file."""
    from resattn.attention.registry import class_names
    from resattn.layers import ALL_TABLES

    return RESERVED_NAMES | class_names() | {table.name for table in ALL_TABLES}


#: The builtins' names: a design name may not shadow one (read once; every block of a network
#: is a validated name).
BUILTIN_NAMES = frozenset(dir(builtins))


#: Names the exported code generates for a network's block classes and stages.
RESERVED_PATTERN = re.compile(r"Block(Proj)?(P[1-4])*(NoAct)?|stage[0-9]+", re.ASCII)


def check_name(value: str) -> str:
    """A design name becomes a Python class name in exported code: only plain identifiers."""
    if not NAME_RE.fullmatch(value):
        raise ValueError(
            Text(
                N_(
                    "must be 1-64 ASCII letters, digits or underscores and not start with a "
                    "digit (got {value})"
                ),
                value=repr(value[:40]),
            )
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise ValueError(
            Text(N_("{value} is a Python keyword; choose another name"), value=repr(value))
        )
    if value.startswith("__"):
        raise ValueError(
            Text(
                N_("{value} starts with '__', which Python reserves; choose another name"),
                value=repr(value),
            )
        )
    if value in reserved_names() or value in BUILTIN_NAMES or RESERVED_PATTERN.fullmatch(value):
        raise ValueError(
            Text(
                N_("{value} is a built-in name or one the exported code uses; choose another name"),
                value=repr(value),
            )
        )
    return value


Name = Annotated[
    str,
    AfterValidator(check_name),
    Field(
        description=(
            N_(
                "Name of the design: 1-64 ASCII letters, digits or underscores, not starting "
                "with a digit, not a Python keyword. It names the class in exported code."
            )
        )
    ),
]


def require_odd(value: int | None, keeps: str) -> int | None:
    """A kernel size must be odd so the padded conv `keeps` its size; None passes (automatic)."""
    if value is not None and value % 2 == 0:
        raise ValueError(
            Text(N_("must be odd so {keeps} (got {value})"), keeps=Text.of(keeps), value=value)
        )
    return value


class SpecModel(BaseModel):
    """Base for every spec model: strict types, no unknown fields, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Channels = Annotated[int, Field(ge=1, le=MAX_CHANNELS)]
Stride = Annotated[int, Field(ge=1, le=2)]


def _exact_version(value):
    """`schema_version` is the integer 1: a float (1.0), a bool or a string is refused. Strict
    pydantic would let 1.0 through a ``Literal[1]`` (1.0 == 1), so the type is checked first."""
    if type(value) is not int:
        raise ValueError(Text(N_("must be the integer 1, not {value}"), value=repr(value)))
    return value


SchemaVersion = Annotated[
    Literal[1],
    BeforeValidator(_exact_version),
    Field(description=N_("Version of the spec format (always written; 1).")),
]


Gate = Annotated[
    Literal["sigmoid", "hard_sigmoid"],
    Field(
        description=(
            N_(
                "The squashing function that turns scores into gate weights α: 'sigmoid' "
                "(default) or 'hard_sigmoid' (ReLU6(x+3)/6, cheaper on mobile hardware)."
            )
        )
    ),
]
