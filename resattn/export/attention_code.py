"""How an attention slot appears in exported code: the library's own class, emitted verbatim.

The attention classes (and `Gate`) are self-contained, depending only on torch, so the exported
file carries their real source (`inspect.getsource`): there is no second copy that could drift
from the code that runs. Which class a spec `type` uses and which resolved sizes its constructor
takes come from the kind's record (`resattn.attention.registry`) — the very numbers the builder
passes.
"""

from __future__ import annotations

import inspect

from resattn.attention import Gate, kind_of, kinds
from resattn.attention.registry import class_names
from resattn.export.codegen import Call, choice, num

#: gate kind → its source literal (never the spec's own text)
GATE_LITERALS = {"sigmoid": '"sigmoid"', "hard_sigmoid": '"hard_sigmoid"'}

#: names of every class the exported file may define for attention
CLASS_NAMES = class_names()


def _value(value) -> str:
    """An option value as source: numbers through `num`, strings through the fixed table."""
    return choice(value, GATE_LITERALS) if isinstance(value, str) else num(value)


def attention_call(spec, channels: int, *, identity_start: bool = False) -> Call:
    """The constructor call of a slot's attention, built for the `channels` it sees."""
    kind = kind_of(spec)
    defaults = kind.keyword_defaults()
    kwargs = [
        (name, _value(getattr(spec, name)))
        for name in kind.keywords
        if getattr(spec, name) != defaults[name]
    ]
    kwargs += [("identity_start", "True")] if identity_start else []
    return Call(kind.module.__name__, [num(n) for n in kind.sizes(channels, spec)], kwargs)


def class_sources(types: set[str]) -> list[str]:
    """Gate and the attention classes `types` need, as the library's own source text."""
    if not types:
        return []
    classes = [Gate] + [k.module for k in kinds() if k.type in types]
    return [inspect.getsource(cls).rstrip() for cls in classes]
