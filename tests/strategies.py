"""Hypothesis strategies over the spec space (small sizes so every example builds fast).

Shared by the engine, check, export and lab tests: `block_dicts()` / `network_dicts()` give
valid spec JSON objects, `block_specs()` / `network_specs()` the parsed models; `any_block()` /
`any_network()` also give designs the linter flags with errors (a forced identity shortcut where
the shapes change, channel mismatches) — a share link can carry any of them.
"""

from __future__ import annotations

import typing

from hypothesis import strategies as st
from pydantic import ValidationError

from resattn.attention import ATTENTION
from schemas import ATTENTION_MODELS, SLOT, SLOT_NAMES, parse_spec

#: every attention kind of the registry (palette order)
KINDS = tuple(ATTENTION_MODELS)

#: integers worth trying for an int option (kept within the field's bounds)
INT_SAMPLES = (1, 2, 3, 4, 5, 7, 8, 16, 32)


def _bounds(info) -> tuple[float, float]:
    lo, hi = float("-inf"), float("inf")
    for meta in info.metadata:
        for attr, low in (("ge", True), ("gt", True), ("le", False), ("lt", False)):
            value = getattr(meta, attr, None)
            if value is not None:
                lo, hi = (max(lo, value), hi) if low else (lo, min(hi, value))
    return lo, hi


def option_values(model, name: str) -> list:
    """The values the strategies draw for one option of an attention model, read from the
    pydantic field: every `Literal` member, small ints / the default ×{1, 10} for floats within
    the bounds, `None` where the field is optional; values the model's validators refuse are
    dropped (e.g. even kernel sizes)."""
    info = model.model_fields[name]
    args = typing.get_args(info.annotation)
    if typing.get_origin(info.annotation) is typing.Literal:
        candidates = list(args)
    else:
        kinds = [a for a in args if a is not type(None)] or [info.annotation]
        base = kinds[0]
        lo, hi = _bounds(info)
        if base is bool:
            candidates = [False, True]
        elif base is int:
            candidates = [v for v in INT_SAMPLES if lo <= v <= hi]
        elif base is float:
            candidates = [v for v in (info.default, info.default * 10) if lo <= v <= hi]
        else:
            raise TypeError(f"{model.__name__}.{name}: no strategy for {info.annotation}")
        if type(None) in args:
            candidates.insert(0, None)
    kind = model.model_fields["type"].annotation.__args__[0]
    valid = []
    for value in candidates:
        try:
            model.model_validate({"type": kind, name: value})
        except ValidationError:
            continue
        valid.append(value)
    return valid


def attention_dicts(types=KINDS):
    """An attention option object of one of `types`, every option drawn (`option_values`)."""

    def of(kind: str):
        model = ATTENTION_MODELS[kind]
        fields = {"type": st.just(kind)}
        for name in model.model_fields:
            if name != "type":
                fields[name] = st.sampled_from(option_values(model, name))
        return st.fixed_dictionaries(fields)

    return st.one_of(*(of(t) for t in types))


def slot_kinds(slot: str, types=KINDS) -> tuple[str, ...]:
    """The kinds of `types` a slot may hold: a slot that starts as an identity (the skip) takes
    only kinds that can start as one (the others are refused there, RA110)."""
    if not SLOT[slot].identity_start:
        return tuple(types)
    return tuple(t for t in types if ATTENTION.get(t).identity_start)


def slots_dicts(types=KINDS):
    def one(slot: str):
        allowed = slot_kinds(slot, types)
        return st.one_of(st.none(), attention_dicts(allowed)) if allowed else st.none()

    return st.fixed_dictionaries({name: one(name) for name in SLOT_NAMES})


@st.composite
def block_fields(draw, in_channels: int):
    kind = draw(st.sampled_from(["basic", "bottleneck"]))
    stride = draw(st.sampled_from([1, 2]))
    preact = draw(st.booleans())
    dropout = draw(st.sampled_from([0.0, 0.2]))
    if kind == "basic":
        out = draw(st.sampled_from([in_channels, 4, 8, 16]))
        return {
            "type": "basic",
            "out_channels": out,
            "stride": stride,
            "preact": preact,
            "dropout": dropout,
        }
    expansion = draw(st.sampled_from([1, 2, 4]))
    groups = draw(st.sampled_from([1, 2, 4]))
    base_width = draw(st.sampled_from([16, 32, 64, 128]))
    out = expansion * draw(st.sampled_from([2, 4, 8]))
    if (out // expansion) * base_width // 64 < 1:
        base_width = 64
    return {
        "type": "bottleneck",
        "out_channels": out,
        "stride": stride,
        "expansion": expansion,
        "groups": groups,
        "base_width": base_width,
        "preact": preact,
        "dropout": dropout,
    }


@st.composite
def block_dicts(draw, types=KINDS, max_hw: int = 9):
    """A valid (and lint-error-free) block spec as JSON data."""
    in_channels = draw(st.sampled_from([3, 4, 8, 16]))
    block = draw(block_fields(in_channels))
    same = block["stride"] == 1 and block["out_channels"] == in_channels
    shortcuts = ["auto", "conv1x1", "avgpool_conv1x1"] + (["identity"] if same else [])
    return {
        "schema_version": 1,
        "name": draw(st.sampled_from(["resattn_block", "MyBlock", "b_2"])),
        "input": {
            "channels": in_channels,
            "height": draw(st.integers(1, max_hw)),
            "width": draw(st.integers(1, max_hw)),
            "batch": draw(st.sampled_from([1, 2])),
        },
        "block": block,
        "slots": draw(slots_dicts(types)),
        "shortcut": draw(st.sampled_from(shortcuts)),
        "post_add_activation": draw(st.sampled_from([None, "relu", "none"])),
        "zero_init_last_bn": draw(st.booleans()),
    }


@st.composite
def network_dicts(draw, types=KINDS):
    """A small valid network spec (cifar or imagenet stem, 1-3 short stages)."""
    n_stages = draw(st.integers(1, 3))
    stages = []
    for i in range(n_stages):
        fields = draw(block_fields(8))
        stage_block = {k: v for k, v in fields.items() if k not in ("out_channels", "stride")}
        depth = draw(st.integers(1, 2))
        overridden = draw(st.lists(st.integers(1, depth), unique=True, max_size=depth))
        stages.append(
            {
                "depth": depth,
                "out_channels": fields["out_channels"],
                "stride": 1 if i == 0 else fields["stride"],
                "block": stage_block,
                "slots": draw(slots_dicts(types)),
                "overrides": [{"index": i, "slots": draw(slots_dicts(types))} for i in overridden],
            }
        )
    stem = draw(st.sampled_from(["cifar", "imagenet"]))
    size = draw(st.integers(8, 20)) if stem == "cifar" else draw(st.integers(16, 40))
    return {
        "schema_version": 1,
        "name": "net",
        "input": {
            "channels": 3,
            "height": size,
            "width": size,
            "batch": draw(st.sampled_from([1, 2])),
        },
        "stem": {"type": stem, "out_channels": draw(st.sampled_from([4, 8]))},
        "stages": stages,
        "num_classes": draw(st.sampled_from([3, 10])),
    }


def block_specs(**kwargs):
    return block_dicts(**kwargs).map(parse_spec)


def network_specs(**kwargs):
    return network_dicts(**kwargs).map(parse_spec)


#: every shortcut a spec may ask for (``identity`` where the shapes change is a linter error)
SHORTCUTS = ["auto", "identity", "conv1x1", "avgpool_conv1x1"]


@st.composite
def any_block(draw):
    """A schema-valid block, lint errors allowed: any shortcut, any input channel count (it may
    still fail the schema's own bounds: parse it and skip a `SpecError`)."""
    data = draw(block_dicts())
    data["shortcut"] = draw(st.sampled_from(SHORTCUTS))
    if draw(st.booleans()):
        data["input"]["channels"] = draw(st.sampled_from([1, 3, 5, 32]))
    return data


@st.composite
def any_network(draw):
    """A small network, lint errors allowed: any shortcut in any stage."""
    data = draw(network_dicts())
    for stage in data["stages"]:
        if draw(st.booleans()):
            stage["shortcut"] = draw(st.sampled_from(SHORTCUTS))
    return data
