"""Ablation variants (NOTES §8): one design, the attention moved from slot to slot.

A variant is the current design with every slot cleared and the slots of one *pattern* filled
with one attention module. The notes' minimum set is baseline / P1 / P2 / P3; the lab adds P4
(skip + branch). A user adds more with choices such as ``"cbam:P1"`` (another attention type) or,
for a network, ``"P1@3,4"`` (attention only in stages 3 and 4, NOTES §12.4).

The user's own design is always one of the variants, named "your design" — a design that mixes
kinds (CBAM + SE + CA) or slots no pattern describes is trained as it is. When a generated
variant is exactly the design (same spec), that variant is the design and is marked so
(`Variant.is_design`) instead of being trained twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Optional

from resattn.i18n import N_, _
from resattn.i18n.text import Text
from schemas import (
    ATTENTION_LABELS,
    ATTENTION_MODELS,
    PATTERN_FORMULAS,
    SLOTS,
    BlockSpec,
    NetworkSpec,
    Problem,
    Slots,
    Spec,
    SpecError,
    canonical_json,
)


@dataclass(frozen=True)
class Pattern:
    """A fusion pattern: which slots hold the attention (NOTES §3)."""

    name: str
    slots: tuple[str, ...]

    @property
    def formula(self) -> str:
        """The pattern's formula: `schemas.PATTERN_FORMULAS`, the baseline's own here."""
        return BASELINE_FORMULA if self.name == "baseline" else PATTERN_FORMULAS[self.name]


#: The baseline: every slot empty.
BASELINE_FORMULA = "y = x + F(x)"

#: The slot that makes P1 (the branch): P4 keeps its gate.
_P1_SLOT = next(slot.name for slot in SLOTS if slot.pattern == "P1")

#: pattern name → the slots it fills, in the order the lab shows them, from the slot table
#: (`schemas.slots`): each slot makes one pattern, and P4 — the identity-start skip gate — keeps
#: P1's branch gate as NOTES §3 writes it (y = A_s(x) + A_r(F(x))). Labels and formulas are the
#: shared words of `schemas`.
PATTERNS: dict[str, Pattern] = {
    "baseline": Pattern("baseline", ()),
    **{
        slot.pattern: Pattern(
            slot.pattern, (slot.name, _P1_SLOT) if slot.identity_start else (slot.name,)
        )
        for slot in sorted(SLOTS, key=lambda slot: slot.pattern)
    },
}

#: The default ablation: the notes' minimum set plus P4.
DEFAULT_PATTERNS = tuple(PATTERNS)

#: The user's own design, always one of the variants.
DESIGN_NAME = N_("your design")
DESIGN_KEY = "design"
#: Its pattern and formula when no single pattern describes its slots.
DESIGN_PATTERN = "design"
DESIGN_FORMULA = N_("the design's own slots")

_CHOICE_RE = re.compile(
    r"^(?:(?P<type>[a-z]+):)?(?P<pattern>[A-Za-z0-9]+)(?:@(?P<stages>[0-9,]+))?$"
)


@dataclass(frozen=True)
class VariantChoice:
    """What the user asks for: a pattern, optionally another attention type and, for networks,
    the 1-based stages that get attention (None = every stage)."""

    pattern: str
    attention_type: Optional[str] = None
    stages: Optional[tuple[int, ...]] = None

    @property
    def key(self) -> str:
        """The choice as text, ``[TYPE:]PATTERN[@STAGES]`` (what `parse_choice` reads)."""
        text = self.pattern
        if self.attention_type and self.pattern != "baseline":
            text = f"{self.attention_type}:{text}"
        if self.stages is not None and self.pattern != "baseline":
            text += "@" + ",".join(map(str, self.stages))
        return text


@dataclass(frozen=True)
class Variant:
    """One arm of the ablation: a display name, its pattern, attention and the full spec."""

    name: str
    key: str
    pattern: str
    attention_type: Optional[str]
    spec: Spec
    is_design: bool = False

    @property
    def formula(self) -> str:
        if self.pattern == DESIGN_PATTERN:
            return DESIGN_FORMULA
        return PATTERNS[self.pattern].formula

    @property
    def label(self) -> str:
        """The name as tables show it: a generated variant that is the design says so."""
        if self.is_design and self.name != DESIGN_NAME:
            return f"{self.name} (your design)"
        return self.name


#: How a generated variant that is the design is labelled (`Variant.label`, English).
DESIGN_LABEL = N_("{name} (your design)")


def shown_label(label: str) -> str:
    """A variant's `label` (English, as the JSON has it) in the current language."""
    if label == DESIGN_NAME:
        return _(DESIGN_NAME)
    if label.endswith(" (your design)"):
        return _(DESIGN_LABEL).format(name=label.removesuffix(" (your design)"))
    return label


def parse_choice(text: str) -> VariantChoice:
    """Read ``[TYPE:]PATTERN[@STAGES]``, e.g. ``P1``, ``cbam:P2``, ``P1@3,4`` (1-based stages)."""
    match = _CHOICE_RE.match(text.strip())
    if not match:
        raise SpecError(
            [
                Problem(
                    "",
                    Text(
                        N_(
                            "cannot read variant {text}; write [TYPE:]PATTERN[@STAGES], e.g. P1, "
                            "cbam:P2 or P1@3,4"
                        ),
                        text=repr(text),
                    ),
                )
            ]
        )
    pattern = _pattern_name(match["pattern"])
    attention_type = match["type"]
    if attention_type is not None and attention_type not in ATTENTION_MODELS:
        raise SpecError(
            [
                Problem(
                    "",
                    Text(
                        N_(
                            "unknown attention type {type} in variant {text}; expected one of "
                            "{kinds}"
                        ),
                        type=repr(attention_type),
                        text=repr(text),
                        kinds=", ".join(ATTENTION_MODELS),
                    ),
                )
            ]
        )
    stages = None
    if match["stages"]:
        stages = tuple(sorted({int(s) for s in match["stages"].split(",") if s}))
        if not stages:
            reason = Text(N_("variant {text} names no stage after '@'"), text=repr(text))
            raise SpecError([Problem("", reason)])
    return VariantChoice(pattern, attention_type, stages)


def _pattern_name(text: str) -> str:
    by_lower = {name.lower(): name for name in PATTERNS}
    if text.lower() not in by_lower:
        raise SpecError(
            [
                Problem(
                    "",
                    Text(
                        N_("unknown pattern {text}; expected one of {patterns}"),
                        text=repr(text),
                        patterns=", ".join(PATTERNS),
                    ),
                )
            ]
        )
    return by_lower[text.lower()]


def spec_attention(spec: Spec):
    """The first attention module of the design (slots in data-flow order, stages in order), or
    None when the design has no attention."""
    for slots in _slot_sets(spec):
        for _slot, attention in slots.items():
            if attention is not None:
                return attention
    return None


def resolve_attention(spec: Spec, attention_type: Optional[str] = None):
    """The attention every variant uses: the design's own (settings included) when its type
    matches or no type is asked for; otherwise the asked type with its documented defaults
    (SE when the design has none)."""
    found = spec_attention(spec)
    if attention_type is None:
        return found if found is not None else ATTENTION_MODELS["se"](type="se")
    if attention_type not in ATTENTION_MODELS:
        raise SpecError(
            [
                Problem(
                    "",
                    Text(
                        N_("unknown attention type {type}; expected one of {kinds}"),
                        type=repr(attention_type),
                        kinds=", ".join(ATTENTION_MODELS),
                    ),
                )
            ]
        )
    if found is not None and found.type == attention_type:
        return found
    return ATTENTION_MODELS[attention_type](type=attention_type)


def pattern_slots(pattern: str, attention) -> Slots:
    """The slots of `pattern` filled with `attention`, every other slot empty."""
    return Slots(**{slot: attention for slot in PATTERNS[pattern].slots})


def make_variant(spec: Spec, choice: VariantChoice, default_type: Optional[str] = None) -> Variant:
    """The variant of `spec` for one choice (the design's other fields are kept as they are)."""
    attention = None
    if choice.pattern != "baseline":
        attention = resolve_attention(spec, choice.attention_type or default_type)
    slots = pattern_slots(choice.pattern, attention)
    if isinstance(spec, BlockSpec):
        if choice.stages is not None:
            reason = Text(N_("variant {key}: a block has no stages"), key=repr(choice.key))
            raise SpecError([Problem("", reason)])
        variant_spec = spec.model_copy(update={"slots": slots})
    else:
        variant_spec = _network_variant(spec, slots, choice)
    label = (
        "baseline" if attention is None else f"{ATTENTION_LABELS[attention.type]}-{choice.pattern}"
    )
    if choice.stages is not None and attention is not None:
        label += "@" + ",".join(map(str, choice.stages))
    return Variant(
        name=label,
        key=choice.key,
        pattern=choice.pattern,
        attention_type=None if attention is None else attention.type,
        spec=variant_spec,
    )


def _network_variant(spec: NetworkSpec, slots: Slots, choice: VariantChoice) -> NetworkSpec:
    count = len(spec.stages)
    chosen = set(range(1, count + 1)) if choice.stages is None else set(choice.stages)
    outside = sorted(chosen - set(range(1, count + 1)))
    if outside:
        raise SpecError(
            [
                Problem(
                    "stages",
                    Text(
                        N_(
                            "variant {key} names stage(s) {outside}; the network has stages "
                            "1-{count}"
                        ),
                        key=repr(choice.key),
                        outside=str(outside),
                        count=count,
                    ),
                )
            ]
        )
    stages = [
        stage.model_copy(update={"slots": slots if i in chosen else Slots()})
        for i, stage in enumerate(spec.stages, start=1)
    ]
    return spec.model_copy(update={"stages": stages})


def make_variants(
    spec: Spec,
    choices: Optional[Iterable[str | VariantChoice]] = None,
    attention_type: Optional[str] = None,
) -> list[Variant]:
    """The ablation's variants, default baseline / P1 / P2 / P3 / P4 with the design's first
    attention (or `attention_type`). Duplicate choices are dropped; names are unique."""
    if choices is None:
        choices = DEFAULT_PATTERNS
    variants: dict[str, Variant] = {}
    for choice in choices:
        if isinstance(choice, str):
            choice = parse_choice(choice)
        variant = make_variant(spec, choice, attention_type)
        variants.setdefault(variant.name, variant)
    out = list(variants.values())
    own = canonical_json(spec)
    for i, variant in enumerate(out):
        if canonical_json(variant.spec) == own:
            out[i] = replace(variant, is_design=True)
            return out
    return [*out, design_variant(spec)]


def design_variant(spec: Spec) -> Variant:
    """The user's design as it is, named "your design"."""
    kinds = sorted({a.type for slots in _slot_sets(spec) for _slot, a in slots.items() if a})
    return Variant(
        name=DESIGN_NAME,
        key=DESIGN_KEY,
        pattern=_design_pattern(spec),
        attention_type=None if not kinds else "+".join(kinds),
        spec=spec,
        is_design=True,
    )


def _slot_sets(spec: Spec) -> list[Slots]:
    return [spec.slots] if isinstance(spec, BlockSpec) else [s.slots for s in spec.stages]


def _design_pattern(spec: Spec) -> str:
    """The pattern whose slots the design fills in every stage with one attention, else
    `DESIGN_PATTERN`."""
    found = set()
    for slots in _slot_sets(spec):
        filled = slots.filled()
        found.add(
            (tuple(sorted(filled)), tuple(sorted({a.model_dump_json() for a in filled.values()})))
        )
    if len(found) != 1:
        return DESIGN_PATTERN
    ((filled, kinds),) = found
    for pattern in PATTERNS.values():
        if tuple(sorted(pattern.slots)) == filled and len(kinds) <= 1:
            return pattern.name
    return DESIGN_PATTERN
