"""How an attention slot appears in exported code: the library's own class, emitted verbatim.

The attention classes (and `Gate`) are self-contained, depending only on torch, so the exported
file carries their real source (`inspect.getsource`): there is no second copy that could drift
from the code that runs. This table only says which class a spec `type` uses and which resolved
sizes its constructor takes — the same conventions the registry factories resolve.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from resattn.attention import (
    CBAM,
    CoordAttention,
    EfficientChannelAttention,
    Gate,
    SqueezeExcite,
    eca_kernel_size,
)
from resattn.attention.cbam import cbam_hidden
from resattn.attention.coord import coord_hidden
from resattn.attention.se import se_hidden
from resattn.export.codegen import Call, choice, num

#: gate kind → its source literal (never the spec's own text)
GATE_LITERALS = {"sigmoid": '"sigmoid"', "hard_sigmoid": '"hard_sigmoid"'}


@dataclass(frozen=True)
class AttentionCode:
    """A spec `type`'s class, its label in formulas, and its resolved constructor sizes.

    `size_source(channels, option)` writes the same sizes as source text from the name of the
    channel count and `option(field)` (the name holding a spec field), calling the sizing
    `rules` — library functions the exported file carries verbatim — so a reusable block class
    sizes its attention for whatever channels it is built with.
    """

    cls: type[nn.Module]
    label: str
    sizes: Callable[[int, object], list[int]]
    size_source: Callable[[str, Callable[[str], str]], list[str]]
    rules: tuple[Callable, ...]


def _eca_kernel(channels: int, spec) -> int:
    return spec.kernel_size if spec.kernel_size is not None else eca_kernel_size(channels)


#: spec `type` → how it is exported (order = order of the classes in the exported file)
ATTENTION_CODE = {
    "se": AttentionCode(
        SqueezeExcite,
        "SE",
        lambda c, s: [c, se_hidden(c, s.reduction, s.divisor)],
        lambda c, o: [c, f"se_hidden({c}, {o('reduction')}, {o('divisor')})"],
        (se_hidden,),
    ),
    "eca": AttentionCode(
        EfficientChannelAttention,
        "ECA",
        lambda c, s: [c, _eca_kernel(c, s)],
        lambda c, o: [
            c,
            f"{o('kernel_size')} or eca_kernel_size({c})",  # a given size is ≥ 1
        ],
        (eca_kernel_size,),
    ),
    "cbam": AttentionCode(
        CBAM,
        "CBAM",
        lambda c, s: [c, cbam_hidden(c, s.reduction), s.spatial_kernel],
        lambda c, o: [c, f"cbam_hidden({c}, {o('reduction')})", o("spatial_kernel")],
        (cbam_hidden,),
    ),
    "coord": AttentionCode(
        CoordAttention,
        "CA",
        lambda c, s: [c, coord_hidden(c, s.reduction, s.min_channels)],
        lambda c, o: [c, f"coord_hidden({c}, {o('reduction')}, {o('min_channels')})"],
        (coord_hidden,),
    ),
}

#: names of every class the exported file may define for attention
CLASS_NAMES = frozenset({Gate.__name__} | {a.cls.__name__ for a in ATTENTION_CODE.values()})


def attention_call(spec, channels: int, *, identity_start: bool = False) -> Call:
    """The constructor call of a slot's attention, built for the `channels` it sees."""
    code = ATTENTION_CODE[spec.type]
    kwargs = [] if spec.gate == "sigmoid" else [("gate", choice(spec.gate, GATE_LITERALS))]
    kwargs += [("identity_start", "True")] if identity_start else []
    return Call(code.cls.__name__, [num(n) for n in code.sizes(channels, spec)], kwargs)


def attention_call_source(
    spec, channels: str, option: Callable[[str], str], *, identity_start: bool = False
) -> Call:
    """The constructor call of a slot's attention in a reusable class: sizes and gate from the
    class's arguments (`option(field)` names the argument holding that field)."""
    code = ATTENTION_CODE[spec.type]
    kwargs = [("gate", option("gate"))] + ([("identity_start", "True")] if identity_start else [])
    return Call(code.cls.__name__, code.size_source(channels, option), kwargs)


def rule_sources(kinds: set[str]) -> list[str]:
    """The library's sizing rules the attention of `kinds` needs, as their own source text."""
    rules = dict.fromkeys(r for t, a in ATTENTION_CODE.items() if t in kinds for r in a.rules)
    return [inspect.getsource(rule).rstrip() for rule in rules]


def class_sources(kinds: set[str]) -> list[str]:
    """Gate and the attention classes `kinds` need, as the library's own source text."""
    if not kinds:
        return []
    classes = [Gate] + [a.cls for t, a in ATTENTION_CODE.items() if t in kinds]
    return [inspect.getsource(cls).rstrip() for cls in classes]
