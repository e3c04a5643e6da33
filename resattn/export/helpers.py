"""The exported helpers: each layer table of `resattn.layers` rendered as a small function.

A helper fills an `nn.Sequential` in the table's order with the table's names, so the exported
`state_dict` keys are the library's (``branch.conv1.weight`` …): the library instantiates the
very table the helper is rendered from. With ``fold=True`` every BN that directly follows a conv
is dropped and that conv gains a bias — the structure `resattn.export.fold_bn.fold_batchnorm`
produces from a built module.
"""

from __future__ import annotations

from torch import nn

from resattn.export.codegen import (
    INDENT,
    Call,
    comment,
    docstring,
    flag,
    ident,
    num,
    render,
    signature,
)
from resattn.layers import ALL_TABLES, PARAM_TYPES, SIZES, Arg, Layer, LayerTable, Values

#: every helper name the exported file may define
HELPER_NAMES = frozenset(table.name for table in ALL_TABLES)

_NO_BIAS = ("bias", False)


def _arg(value: Arg) -> str:
    """A table argument as source: a parameter name, or a literal."""
    if isinstance(value, bool):
        return flag(value)
    return num(value) if isinstance(value, int) else ident(value)


def layer_call(layer: Layer) -> Call:
    """The constructor call of one layer, e.g. ``nn.Conv2d(in_channels, width, 1, bias=False)``."""
    args = [_arg(a) for a in layer.args]
    return Call(f"nn.{layer.op.__name__}", args, [(k, _arg(v)) for k, v in layer.kwargs])


def fold_layers(layers: tuple[Layer, ...]) -> list[Layer]:
    """The layers with each conv → BN pair folded into one conv that has a bias."""
    out: list[Layer] = []
    for layer in layers:
        prev = out[-1] if out else None
        if layer.op is nn.BatchNorm2d and prev is not None and prev.op is nn.Conv2d:
            kwargs = tuple(kw for kw in prev.kwargs if kw != _NO_BIAS)
            out[-1] = Layer(prev.name, prev.op, prev.args, kwargs, prev.only_if)
        else:
            out.append(layer)
    return out


def _params(table: LayerTable, optional: bool) -> list[str]:
    """The helper's parameters; without `optional`, those only optional layers use are left out."""
    skipped = set() if optional else {x.only_if for x in table.layers if x.only_if}
    return [p for p in table.params if p not in skipped]


def _zero_init(table: LayerTable, fold: bool) -> bool:
    """Whether the helper takes `zero_init`: branches, except in an inference export."""
    return table.role == "branch" and not fold


def helper_source(table: LayerTable, *, fold: bool, optional: bool) -> str:
    """The helper's source. `optional` keeps the optional layers (dropout) and their parameter."""
    params = [f"{p}: {PARAM_TYPES[p].__name__}" for p in _params(table, optional)]
    params += ["zero_init: bool"] if _zero_init(table, fold) else []
    var = table.role
    lines = signature(table.name, params, "nn.Sequential")
    doc = table.doc + (" Inference export: each BN after a conv is folded into it." if fold else "")
    lines += docstring([doc], INDENT)
    lines.append(f"{INDENT}{var} = nn.Sequential()")
    for layer in fold_layers(table.layers) if fold else table.layers:
        indent = INDENT
        if layer.only_if:
            if not optional:
                continue
            lines.append(f"{INDENT}if {ident(layer.only_if)} > 0:")
            indent = INDENT * 2
        lines += render(layer_call(layer), indent, f"{var}.{layer.name} = ")
    if _zero_init(table, fold):
        last = table.zero_init_target
        bn_last = last.op is nn.BatchNorm2d
        what = "gamma of the last BN" if bn_last else "last conv (no BN after it)"
        lines.append(f"{INDENT}if zero_init:")
        lines += comment(
            f"The {what} starts at 0, so F(x) = 0 and the block starts as an identity (notes §6).",
            INDENT * 2,
        )
        lines.append(f"{INDENT * 2}nn.init.zeros_({var}.{last.name}.weight)")
    lines.append(f"{INDENT}return {var}")
    return "\n".join(lines)


def helper_call(
    table: LayerTable, values: Values, *, fold: bool, optional: bool, zero_init: bool = False
) -> Call:
    """The call of a helper with resolved sizes, e.g. ``basic_branch(64, 128, stride=2, …)``:
    channel sizes by position, the other parameters by keyword."""
    source = {p: num(v) for p, v in values.items() if not isinstance(v, bool)}
    return helper_call_source(
        table, source, fold=fold, optional=optional, zero_init=flag(zero_init)
    )


def helper_call_source(
    table: LayerTable, args: dict[str, str], *, fold: bool, optional: bool, zero_init: str
) -> Call:
    """The call of a helper with each parameter given as source text (a literal or a name)."""
    params = _params(table, optional)
    kwargs = [(p, args[p]) for p in params if p not in SIZES]
    kwargs += [("zero_init", zero_init)] if _zero_init(table, fold) else []
    return Call(table.name, [args[p] for p in params if p in SIZES], kwargs)
