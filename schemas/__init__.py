"""Spec format v1: pydantic models, parsing with the project's error type, JSON Schema.

`parse_spec` is the one door every spec (file, upload, share link, studio edit) goes through.
"""

from __future__ import annotations

import json
from typing import Any, Union

from pydantic import TypeAdapter, ValidationError

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
        raise SpecError([Problem("", f"a spec must be a JSON object, not {_json_type(data)}")])
    version = data.get("schema_version", 1)
    if version not in _SUPPORTED_VERSIONS or isinstance(version, bool):
        raise SpecError(
            [Problem("schema_version", f"unsupported version {version!r}; this tool reads 1")]
        )
    has_block, has_stages = "block" in data, "stages" in data
    if has_block and has_stages:
        raise SpecError(
            [Problem("", "a spec has either `block` (a block) or `stages` (a network), not both")]
        )
    if not (has_block or has_stages):
        raise SpecError(
            [Problem("", "a spec needs `block` (a single block) or `stages` (a network)")]
        )
    model = NetworkSpec if has_stages else BlockSpec
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_problems(exc, data)) from None
    problems = list(_structural_problems(spec))
    if problems:
        raise SpecError(problems)
    return spec


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


def _problems(exc: ValidationError, data: Any) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        path = loc_to_path(err["loc"], data)
        reason = err["msg"]
        if err["type"] == "extra_forbidden":
            reason = "unknown field (check the spelling; spec v1 has no such field)"
        elif err["type"] == "union_tag_invalid":
            reason = (
                f"unknown type {err.get('input', {}).get('type')!r}; expected one of "
                f"{err['ctx']['expected_tags']}"
            )
        elif err["type"] == "union_tag_not_found":
            reason = "missing `type` (which kind is this?)"
        elif err["type"] == "value_error":
            reason = reason.removeprefix("Value error, ")
        elif err["type"] != "missing" and "input" in err:
            reason = f"{reason} (got {_short(err['input'])})"
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
                f"mid width (out_channels // expansion) * base_width // 64 * groups = {width}; "
                "raise out_channels or base_width, or lower expansion",
            )
        elif width > 4 * 4096:
            yield Problem(path, f"mid width {width} exceeds the bound of {4 * 4096} channels")


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


def json_schema() -> dict:
    """JSON Schema of spec v1 (a block or a network)."""
    return TypeAdapter(Spec).json_schema()
