"""Spec format v1: pydantic models, parsing with the project's error type, JSON Schema.

`parse_spec` is the one door every spec (file, upload, share link, studio edit) goes through.
"""

from __future__ import annotations

import json
from typing import Any, Union

from pydantic import TypeAdapter, ValidationError

from resattn.i18n import N_
from resattn.i18n.text import Text
from schemas.attention import (
    ATTENTION_LABELS,
    ATTENTION_MODELS,
    ATTENTION_NAMES,
    HEAVY_TYPES,
    PATTERN_FORMULAS,
    SLOT_NAMES,
    SLOT_PATTERNS,
    SLOT_SYMBOLS,
    SPATIAL_TYPES,
    AttentionSpec,
    CBAMAttention,
    CoordAttention,
    ECAAttention,
    SEAttention,
    Slots,
)
from schemas.block import BasicBlock, BlockSpec, BottleneckBlock, InputSpec
from schemas.diagnostics import Diagnostic
from schemas.errors import (
    DesignError,
    Problem,
    ResAttnError,
    SpecError,
    escape_text,
    format_problems,
    loc_to_path,
)
from schemas.network import BlockOverride, NetworkSpec, Stage, Stem
from schemas.slots import SLOT, SLOT_OF_ATTR, SLOTS, Slot

Spec = Union[BlockSpec, NetworkSpec]

__all__ = [
    "escape_text",
    "format_problems",
    "ATTENTION_LABELS",
    "ATTENTION_MODELS",
    "ATTENTION_NAMES",
    "HEAVY_TYPES",
    "PATTERN_FORMULAS",
    "SLOT",
    "SLOTS",
    "SLOT_NAMES",
    "SLOT_OF_ATTR",
    "SLOT_PATTERNS",
    "SLOT_SYMBOLS",
    "SPATIAL_TYPES",
    "AttentionSpec",
    "BasicBlock",
    "BlockOverride",
    "BlockSpec",
    "BottleneckBlock",
    "CBAMAttention",
    "CoordAttention",
    "DesignError",
    "Diagnostic",
    "ECAAttention",
    "InputSpec",
    "NetworkSpec",
    "Problem",
    "ResAttnError",
    "SEAttention",
    "Slot",
    "Slots",
    "Spec",
    "SpecError",
    "Stage",
    "Stem",
    "bottleneck_width",
    "canonical_json",
    "design_key",
    "json_schema",
    "parse_spec",
    "spec_to_dict",
]

_SUPPORTED_VERSIONS = (1,)


def parse_spec(data: Any) -> Spec:
    """Validate a decoded JSON object as a block or network spec.

    A spec with `stages` is a network, one with `block` a block. Raises `SpecError` listing
    every problem as JSON path + reason.
    """
    if isinstance(data, (BlockSpec, NetworkSpec)):
        return data
    if not isinstance(data, dict):
        raise SpecError(
            [
                Problem(
                    "",
                    Text(N_("a spec must be a JSON object, not {type}"), type=_json_type(data)),
                )
            ]
        )
    version = data.get("schema_version", 1)
    if version not in _SUPPORTED_VERSIONS or isinstance(version, bool):
        reason = Text(N_("unsupported version {version}; this tool reads 1"), version=repr(version))
        raise SpecError([Problem("schema_version", reason)])
    has_block, has_stages = "block" in data, "stages" in data
    if has_block and has_stages:
        reason = Text(N_("a spec has either `block` (a block) or `stages` (a network), not both"))
        raise SpecError([Problem("", reason)])
    if not (has_block or has_stages):
        reason = Text(N_("a spec needs `block` (a single block) or `stages` (a network)"))
        raise SpecError([Problem("", reason)])
    model = NetworkSpec if has_stages else BlockSpec
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_problems(exc, data)) from None
    problems = list(_structural_problems(spec))
    if problems:
        raise SpecError(problems)
    return spec


#: How a reason names the JSON type of a value.
_JSON_TYPES = {list: N_("an array"), str: N_("a string"), bool: N_("a boolean"), type(None): "null"}


def _json_type(value: Any) -> Text:
    if type(value) in _JSON_TYPES:
        return Text.of(_JSON_TYPES[type(value)])
    return Text.of(N_("a number") if isinstance(value, (int, float)) else type(value).__name__)


#: pydantic's own messages for the errors specs commonly have, as catalog messages: the English
#: is pydantic's wording (used only where it matches what pydantic said), the Turkish ours.
PYDANTIC_MESSAGES = {
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "less_than": N_("Input should be less than {lt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "greater_than": N_("Input should be greater than {gt}"),
    "int_type": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "bool_type": N_("Input should be a valid boolean"),
    "float_type": N_("Input should be a valid number"),
    "string_type": N_("Input should be a valid string"),
    "list_type": N_("Input should be a valid list"),
    "literal_error": N_("Input should be {expected}"),
    "missing": N_("Field required"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "too_long": N_(
        "List should have at most {max_length} items after validation, not {actual_length}"
    ),
    "too_short": N_(
        "List should have at least {min_length} items after validation, not {actual_length}"
    ),
}


def _pydantic_reason(err: dict) -> Text:
    """pydantic's message of `err` as a `Text`: ours when we have it (and it says the same in
    English), else pydantic's English as it is."""
    if err["type"] == "value_error":
        cause = (err.get("ctx") or {}).get("error")
        if cause is not None and cause.args and isinstance(cause.args[0], Text):
            return cause.args[0]
        return Text.of(err["msg"].removeprefix("Value error, "))
    template = PYDANTIC_MESSAGES.get(err["type"])
    if template is not None:
        try:
            text = Text(template, **{k: v for k, v in (err.get("ctx") or {}).items()})
            if text.english() == err["msg"]:
                return text
        except (KeyError, IndexError, ValueError):
            pass
    return Text.of(err["msg"])


def _problems(exc: ValidationError, data: Any) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        path = loc_to_path(err["loc"], data)
        reason = _pydantic_reason(err)
        if err["type"] == "extra_forbidden":
            reason = Text(N_("unknown field (check the spelling; spec v1 has no such field)"))
        elif err["type"] == "union_tag_invalid":
            reason = Text(
                N_("unknown type {type}; expected one of {expected}"),
                type=repr(err.get("input", {}).get("type")),
                expected=err["ctx"]["expected_tags"],
            )
        elif err["type"] == "union_tag_not_found":
            reason = Text(N_("missing `type` (which kind is this?)"))
        elif err["type"] != "value_error" and err["type"] != "missing" and "input" in err:
            reason = Text(N_("{reason} (got {value})"), reason=reason, value=_short(err["input"]))
        problems.append(Problem(path, reason))
    return problems


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def bottleneck_width(block: Any) -> int:
    """Mid width of a bottleneck, as torchvision computes it."""
    return (block.out_channels // block.expansion) * block.base_width // 64 * block.groups


def _structural_problems(spec: Spec):
    """Cross-field rules a schema cannot express field by field (paths given explicitly)."""
    if isinstance(spec, BlockSpec):
        items = [("block", spec.block)]
    else:
        items = [(f"stages[{i}].block", _StageView(stage)) for i, stage in enumerate(spec.stages)]
    for path, block in items:
        if block.type != "bottleneck":
            continue
        width = bottleneck_width(block)
        if width < 1:
            yield Problem(
                path,
                Text(
                    N_(
                        "mid width (out_channels // expansion) * base_width // 64 * groups = "
                        "{width}; raise out_channels or base_width, or lower expansion"
                    ),
                    width=width,
                ),
            )
        elif width > 4 * 4096:
            yield Problem(
                path,
                Text(
                    N_("mid width {width} exceeds the bound of {bound} channels"),
                    width=width,
                    bound=4 * 4096,
                ),
            )


class _StageView:
    """A stage's block fields seen as a block (out_channels from the stage)."""

    def __init__(self, stage: Stage):
        self._stage = stage

    def __getattr__(self, item: str):
        if item == "out_channels":
            return self._stage.out_channels
        return getattr(self._stage.block, item)


def spec_to_dict(spec: Spec) -> dict:
    """The spec as plain JSON data, every field written (`schema_version` included)."""
    return spec.model_dump(mode="json")


def canonical_json(spec: Spec) -> str:
    """One byte-stable JSON text per design: sorted keys, no spaces (cache and share key)."""
    return json.dumps(spec_to_dict(spec), sort_keys=True, separators=(",", ":"))


def design_key(spec: Spec) -> str:
    """The spec's JSON without its name: the key of every engine result the name does not change
    (two blocks of a network that differ only in their names share it)."""
    return spec.model_dump_json(exclude={"name"})


def json_schema() -> dict:
    """JSON Schema of spec v1 (a block or a network)."""
    return TypeAdapter(Spec).json_schema()
