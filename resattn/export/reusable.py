"""The exported block class you can reuse: it builds its own modules from constructor arguments.

A block spec exports as one class whose constructor takes ``in_channels``, ``out_channels`` and
``stride``, then (keyword-only) the options that define it — the block's ``expansion``,
``groups``, ``base_width`` (bottleneck), ``dropout`` (when the design has dropout),
``zero_init_last_bn``, and for every filled slot its attention's fields, named
``{slot}_{field}`` (``branch_reduction``, ``skip_gate`` …) — every default being the design's
value, so ``Name()`` is the design. The sizes follow the library's own rules, carried verbatim
(`resolve_shortcut`, the attention sizing functions), so ``Name(128, 256, 2)`` equals what
resattn builds for those values; the block's family (basic or bottleneck, pre-activation, the
skip kind, which slots hold which kind, the activation after the add) is fixed by the class.
"""

from __future__ import annotations

import builtins
import inspect
import keyword
from collections.abc import Callable
from typing import Optional

from resattn.attention import kind_of
from resattn.attention.cbam import cbam_hidden
from resattn.attention.coord import coord_hidden
from resattn.attention.eca import eca_kernel_size
from resattn.attention.gc import gc_hidden
from resattn.attention.se import se_hidden
from resattn.blocks import resolve_shortcut
from resattn.export.attention_code import GATE_LITERALS
from resattn.export.classes import block_class
from resattn.export.codegen import (
    INDENT,
    Call,
    choice,
    comment,
    flag,
    ident,
    num,
    render,
    signature,
)
from resattn.export.helpers import helper_call_source
from resattn.export.plan import BlockPlan
from resattn.layers import PROJECTION_TABLES
from schemas import SLOT, BlockSpec
from schemas.common import RESERVED_PATTERN

#: attention `type` → (its sizes as source from the channels' name and `option(field)`, the
#: fields those sizes read, the library's sizing rules the file carries verbatim). The same
#: sizes as the kind's record (`AttentionKind.sizes`); a test evaluates both for every kind.
SIZE_SOURCES: dict[str, tuple[Callable[[str, Callable[[str], str]], list[str]], tuple, tuple]] = {
    "se": (
        lambda c, o: [c, f"se_hidden({c}, {o('reduction')}, {o('divisor')})"],
        ("reduction", "divisor"),
        (se_hidden,),
    ),
    "eca": (
        lambda c, o: [c, f"{o('kernel_size')} or eca_kernel_size({c})"],  # a given size is ≥ 1
        ("kernel_size",),
        (eca_kernel_size,),
    ),
    "cbam": (
        lambda c, o: [c, f"cbam_hidden({c}, {o('reduction')})", o("spatial_kernel")],
        ("reduction", "spatial_kernel"),
        (cbam_hidden,),
    ),
    "coord": (
        lambda c, o: [c, f"coord_hidden({c}, {o('reduction')}, {o('min_channels')})"],
        ("reduction", "min_channels"),
        (coord_hidden,),
    ),
    "ese": (lambda c, o: [c], (), ()),
    "gc": (lambda c, o: [c, f"gc_hidden({c}, {o('reduction')})"], ("reduction",), (gc_hidden,)),
    "simam": (lambda c, o: [], (), ()),
    "triplet": (lambda c, o: [o("kernel_size")], ("kernel_size",), ()),
}


def option_fields(attn) -> tuple[str, ...]:
    """The fields of an attention that become the reusable class's arguments: those its sizes
    read, then the module's keyword options (the gate, …)."""
    return SIZE_SOURCES.get(attn.type, (None, ()))[1] + kind_of(attn).keywords


def attention_call_source(
    attn, channels: str, option: Callable[[str], str], sees: int, *, identity_start: bool = False
) -> tuple[list[str], Call]:
    """(guard lines, the constructor call) of a slot's attention in the reusable class: sizes and
    keyword options from the class's arguments (`option(field)` names the argument of that
    field). A kind without a row in `SIZE_SOURCES` is sized for the `sees` channels of the
    design, and the guard refuses other channel counts with a clear message."""
    kind = kind_of(attn)
    kwargs = [(k, option(k)) for k in kind.keywords]
    kwargs += [("identity_start", "True")] if identity_start else []
    if attn.type in SIZE_SOURCES:
        return [], Call(kind.module.__name__, SIZE_SOURCES[attn.type][0](channels, option), kwargs)
    guard = [
        f"if {channels} != {num(sees)}:",
        f"{INDENT}raise ValueError(",
        f'{INDENT * 2}f"{kind.label} is sized for {num(sees)} channels in this file; '
        f'export the design with {{{channels}}} from resattn"',
        f"{INDENT})",
    ]
    return guard, Call(kind.module.__name__, [num(n) for n in kind.sizes(sees, attn)], kwargs)


def rule_sources(types: set[str]) -> list[str]:
    """The library's sizing rules the attention of `types` needs, as their own source text."""
    rules = dict.fromkeys(r for t, (_, _, rs) in SIZE_SOURCES.items() if t in types for r in rs)
    return [inspect.getsource(rule).rstrip() for rule in rules]


def class_name(name: str, taken: frozenset[str]) -> str:
    """PascalCase from the design name (``se_bottleneck`` → ``SeBottleneck``); ``Design`` is
    appended when that would be a keyword, a built-in or a name the file defines itself."""
    pascal = "".join(p[:1].upper() + p[1:] for p in name.split("_") if p) or "Design"
    clash = keyword.iskeyword(pascal) or hasattr(builtins, pascal) or pascal in taken
    if clash or RESERVED_PATTERN.fullmatch(pascal):
        pascal += "Design"
    return ident(pascal)


def _source(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return flag(value)
    if isinstance(value, str):
        return choice(value, GATE_LITERALS)  # the only string option: a gate kind
    return num(value)


def arguments(spec: BlockSpec, fold: bool) -> list[tuple[str, str, object]]:
    """(name, annotation, the design's value) of every constructor argument after ``*``-less
    ``in_channels, out_channels, stride``; the inference export builds no zero-init."""
    b = spec.block
    out: list[tuple[str, str, object]] = [
        ("in_channels", "int", spec.input.channels),
        ("out_channels", "int", b.out_channels),
        ("stride", "int", b.stride),
    ]
    if b.type == "bottleneck":
        out += [("expansion", "int", b.expansion), ("groups", "int", b.groups)]
        out += [("base_width", "int", b.base_width)]
    if b.dropout > 0:
        out.append(("dropout", "float", b.dropout))
    if not fold:
        out.append(("zero_init_last_bn", "bool", spec.zero_init_last_bn))
    for slot, attn in spec.slots.filled().items():
        fields = type(attn).model_fields
        for field in option_fields(attn):
            value = getattr(attn, field)
            optional = fields[field].default is None
            annotation = "int | None" if optional else type(value).__name__
            out.append((f"{slot}_{field}", annotation, value))
    return out


def constructor_arguments(spec: BlockSpec, *, fold: bool = False) -> dict[str, object]:
    """The reusable class's constructor arguments and the design's value of each (its default):
    ``Class(**constructor_arguments(other))`` builds `other` when it is of the same family."""
    return {name: value for name, _, value in arguments(spec, fold)}


def _params(spec: BlockSpec, fold: bool) -> list[str]:
    params = [f"{n}: {ann} = {_source(v)}" for n, ann, v in arguments(spec, fold)]
    return params[:3] + (["*", *params[3:]] if params[3:] else [])


def _init(plan: BlockPlan, fold: bool) -> list[str]:
    spec = plan.spec
    i2 = INDENT * 2
    lines = signature("__init__", ["self", *_params(spec, fold)], "", INDENT)
    lines.append(f"{i2}super().__init__()")
    if spec.block.type == "bottleneck":
        lines += comment("torchvision's mid width of a bottleneck.", i2)
        lines.append(f"{i2}width = out_channels // expansion * base_width // 64 * groups")
    zero_init = "False" if fold else "zero_init_last_bn"
    branch_args = {p: p for p in plan.branch.params}

    def attention(slot: str) -> None:
        if getattr(spec.slots, slot) is None:
            return
        info = SLOT[slot]
        channels = "in_channels" if info.sees == "input" else "out_channels"  # notes §12.1
        sees = spec.input.channels if info.sees == "input" else spec.block.out_channels
        guard, call = attention_call_source(
            getattr(spec.slots, slot),
            channels,
            lambda field: f"{slot}_{field}",
            sees,
            identity_start=info.identity_start,
        )
        lines.extend(f"{i2}{line}" for line in guard)
        lines.extend(render(call, i2, f"self.{info.attr} = "))

    attention("pre_residual")
    optional = "dropout" in plan.branch.params and spec.block.dropout > 0
    call = helper_call_source(
        plan.branch, branch_args, fold=fold, optional=optional, zero_init=zero_init
    )
    lines += render(call, i2, "self.branch = ")
    attention("branch")
    lines += _shortcut(spec, fold, i2)
    attention("skip")
    attention("post_add")
    if plan.wiring.post_act:
        lines.append(f"{i2}self.act = nn.ReLU()")
    return lines


def _projection_call(pool: bool, preact: bool, fold: bool):
    table = PROJECTION_TABLES[(pool, not preact)]
    args = {p: p for p in table.params}
    return helper_call_source(table, args, fold=fold, optional=False, zero_init="False")


def projection_tables(spec: BlockSpec) -> list:
    """The projection tables the reusable class may call (its skip kind decides)."""
    preact = spec.block.preact
    if spec.shortcut == "identity":
        return []
    tables = [PROJECTION_TABLES[(False, not preact)]]
    if spec.shortcut == "avgpool_conv1x1":
        tables.insert(0, PROJECTION_TABLES[(True, not preact)])
    return tables


def _shortcut(spec: BlockSpec, fold: bool, i2: str) -> list[str]:
    preact, i3 = spec.block.preact, i2 + INDENT
    plain = _projection_call(False, preact, fold)
    if spec.shortcut == "identity":
        return []
    if spec.shortcut == "conv1x1":
        return render(plain, i2, "self.shortcut = ")
    if spec.shortcut == "avgpool_conv1x1":  # ResNet-D: pool first when the stride is 2
        lines = [f"{i2}if stride > 1:"]
        lines += render(_projection_call(True, preact, fold), i3, "self.shortcut = ")
        lines.append(f"{i2}else:")
        return lines + render(plain, i3, "self.shortcut = ")
    lines = [f'{i2}if resolve_shortcut("auto", in_channels, out_channels, stride) == "identity":']
    lines += [f"{i3}self.shortcut = None", f"{i2}else:"]
    return lines + render(plain, i3, "self.shortcut = ")


def rule_functions(spec: BlockSpec) -> list[str]:
    """Source of the library's rules the class calls besides the attention sizing."""
    return [inspect.getsource(resolve_shortcut).rstrip()] if spec.shortcut == "auto" else []


_ARGS_NOTE = (
    "Arguments default to the design's values, so the class alone is the design. Reuse it with "
    "other `in_channels`, `out_channels` and `stride` (and options): the sizes follow resattn's "
    "rules{skip}."
)


def reusable_block_class(name: str, plan: BlockPlan, formula_text: str, fold: bool) -> str:
    skip = {
        "auto": ", and a projection P is added exactly when the shapes differ (notes §12.2)",
        "identity": "; the skip is the identity, so in_channels must equal out_channels at "
        "stride 1",
    }.get(plan.spec.shortcut, "")
    return block_class(
        name,
        plan.wiring,
        formula_text,
        init=_init(plan, fold),
        auto_shortcut=plan.spec.shortcut == "auto",
        notes=(_ARGS_NOTE.format(skip=skip),),
    )


def uses_math(spec: Optional[BlockSpec]) -> bool:
    """Whether the class needs ``import math`` (ECA's adaptive kernel size uses log2)."""
    return spec is not None and any(a.type == "eca" for a in spec.slots.filled().values())
