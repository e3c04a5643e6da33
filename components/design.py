"""Pure helpers the panels share: edits as new spec dicts, the block's family, its formula.

Specs are frozen; an edit copies the spec's dict, changes it and hands it to `state.commit`.
"""

from __future__ import annotations

from typing import Any, Optional

from torch import nn

from components.texts import ATTENTION, PATTERNS
from resattn.attention import kind_of
from resattn.blocks import branch_table, shortcut_table
from resattn.fusion import post_activation
from resattn.i18n import N_, _
from resattn.layers import Layer
from resattn.shapes import block_out_hw
from schemas import ATTENTION_MODELS, BlockSpec, spec_to_dict

#: the block families of notes §1 that block fields define (label, one-line description, marked
#: for the catalog: shown through `_`); the
#: sixth, "SE residual", is a bottleneck with SE in the branch — a preset, not a field setting,
#: so the family select never overrides what the canvas shows
FAMILIES = {
    "basic": (N_("Basic"), N_("two 3×3 convs + add")),
    "preact": (N_("Pre-activation"), N_("BN → ReLU → conv order, no ReLU after the add")),
    "wide": (N_("Wide"), N_("a widen factor on the channels (Wide-ResNet)")),
    "resnext": ("ResNeXt", N_("grouped 3×3 conv (cardinality)")),
    "bottleneck": (N_("Bottleneck"), N_("1×1 reduce → 3×3 → 1×1 expand")),
}


def as_dict(spec) -> dict:
    """The spec's JSON data, a fresh dict the caller may change (an edit's starting point)."""
    return spec_to_dict(spec)


def value_at(spec, path: list) -> Any:
    """The spec's field at `path` (``["stages", 2, "depth"]``), read from the spec itself: a
    widget's current value costs no copy of the whole design."""
    node = spec
    for part in path:
        node = node[part] if isinstance(part, int) else getattr(node, part)
    return node


def slots_prefix(spec, stage: int) -> list:
    """Where the edited block's slots live: ``["slots"]`` or ``["stages", i, "slots"]``."""
    return ["slots"] if spec.kind == "block" else ["stages", stage, "slots"]


def get_in(data: Any, path: list) -> Any:
    for part in path:
        data = data[part]
    return data


def set_in(data: dict, path: list, value: Any) -> dict:
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def default_attention(kind: str) -> dict:
    """A new attention gate of `kind` with the papers' defaults."""
    return ATTENTION_MODELS[kind](type=kind).model_dump(mode="json")


def place(spec, slot: str, kind: Optional[str], stage: int = 0, params: dict | None = None):
    """The spec dict with `kind` (None = empty) in `slot`; keeps the params if the kind stays."""
    data = as_dict(spec)
    slots = get_in(data, slots_prefix(spec, stage))
    current = slots.get(slot)
    if kind is None:
        slots[slot] = None
    elif params is not None:
        slots[slot] = {**params, "type": kind}
    elif current is not None and current.get("type") == kind:
        slots[slot] = current
    else:
        slots[slot] = default_attention(kind)
    return data


def move(spec, source: str, target: str, stage: int = 0):
    """The spec dict with the gate of `source` moved to `target` (swapping if both are full)."""
    data = as_dict(spec)
    slots = get_in(data, slots_prefix(spec, stage))
    slots[source], slots[target] = slots.get(target), slots.get(source)
    return data


def field_help(model, name: str) -> str:
    """The schema's description of the field `name` of `model`, in the page's language."""
    description = model.model_fields[name].description
    return _(description) if description else ""


def with_field(spec, path: list, value: Any) -> dict:
    return set_in(as_dict(spec), list(path), value)


def edited_block(spec, stage: int = 0) -> BlockSpec:
    """The block the canvas shows: the spec itself, or the first block of a network's stage."""
    if spec.kind == "block":
        return spec
    from resattn.networks import expand_blocks

    blocks = [b for b in expand_blocks(spec) if b.stage == stage]
    # the stage's own attention (a per-block override of block 1 is edited in the stage table)
    return blocks[0].spec.model_copy(update={"slots": spec.stages[stage].slots})


def family_of(block_fields) -> str:
    """Which of the six families a block's fields (and slots) look like."""
    b = block_fields
    if b.preact:
        return "preact"
    if b.type == "basic":
        return "basic"
    if b.groups > 1:
        return "resnext"
    if b.base_width > 64:
        return "wide"
    return "bottleneck"


def apply_family(spec, family: str, widen: int = 2) -> dict:
    """The block spec dict turned into `family`, keeping channels, stride, input and slots."""
    data = as_dict(spec)
    block = data["block"]
    keep = {"out_channels": block["out_channels"], "stride": block["stride"]}
    dropout = block.get("dropout", 0.0)
    bottleneck = {
        "type": "bottleneck",
        "expansion": 4,
        "groups": 1,
        "base_width": 64,
        "preact": False,
        "dropout": dropout,
    }
    if family == "basic":
        block = {"type": "basic", "preact": False, "dropout": dropout}
    elif family == "preact":
        block = {**block, "preact": True}
    elif family == "wide":
        block = {**bottleneck, "base_width": 64 * max(1, widen)}
    elif family == "resnext":
        block = {**bottleneck, "groups": 32, "base_width": 4}
    else:
        block = dict(bottleneck)
    block.update(keep)
    if family == "preact" and data["block"]["type"] == "basic":
        block = {k: v for k, v in block.items() if k not in ("expansion", "groups", "base_width")}
    data["block"] = block
    return data


def short_label(att) -> str:
    return ATTENTION[att.type][0]


def gate_note(att) -> str:
    """How the gate's kind shows where the default (sigmoid) is not used: ``hard-σ``."""
    return "hard-σ" if getattr(att, "gate", "sigmoid") == "hard_sigmoid" else ""


def att_detail(att) -> str:
    """A chip's second line: its main parameter (the kind record's `detail`), and the gate kind
    when it is not a sigmoid."""
    text, note = kind_of(att).detail(att), gate_note(att)
    return f"{text}, {note}" if note and text else (note or text)


#: layer class → its word on the canvas
_WORDS = {nn.BatchNorm2d: "BN", nn.ReLU: "ReLU"}


def _conv_text(layer: Layer, values: dict) -> str:
    """A conv row of a layer table in words: ``3×3 conv 64→64 g=32 /2``."""
    c_in, c_out, k = (values[a] if isinstance(a, str) else a for a in layer.args)
    kwargs = {name: values[v] if isinstance(v, str) else v for name, v in layer.kwargs}
    groups, stride = kwargs.get("groups", 1), kwargs.get("stride", 1)
    g = f" g={groups}" if groups > 1 else ""
    s = f" /{stride}" if stride > 1 else ""
    return f"{k}×{k} conv {c_in}→{c_out}{g}{s}"


def branch_layers(block: BlockSpec) -> list[str]:
    """The convs of F as the canvas lists them, read from the branch's layer table
    (`resattn.blocks.branch_table`: the table the built module and the export are made from).

    One line per conv. Pre-activation order (the table starts with BN): the BN and ReLU that run
    before the conv lead its line, ``BN·ReLU·3×3 conv 64→64``. Post-activation order: the BN
    right after the conv ends it, ``1×1 conv 256→64·BN``.
    """
    table, values = branch_table(block.input.channels, block.block)
    layers = [x for x in table.layers if x.op in _WORDS or x.op is nn.Conv2d]
    preact = layers[0].op is not nn.Conv2d
    convs = [i for i, x in enumerate(layers) if x.op is nn.Conv2d]
    lines = []
    for n, i in enumerate(convs):
        text = _conv_text(layers[i], values)
        if preact:
            start = convs[n - 1] + 1 if n else 0
            text = "".join(f"{_WORDS[x.op]}·" for x in layers[start:i]) + text
        elif i + 1 < len(layers) and layers[i + 1].op is nn.BatchNorm2d:
            text += "·BN"
        lines.append(text)
    return lines


def skip_label(block: BlockSpec) -> Optional[str]:
    """The projection P on the skip, read from its layer table (`resattn.blocks.shortcut_table`),
    or None for identity: ``P: avgpool → 1×1 conv + BN /2``."""
    b = block.block
    bound = shortcut_table(block.shortcut, block.input.channels, b.out_channels, b.stride, b.preact)
    if bound is None:
        return None
    table, values = bound
    ops = {layer.op for layer in table.layers}
    conv = next(layer for layer in table.layers if layer.op is nn.Conv2d)
    k = conv.args[2]
    pool = "avgpool → " if nn.AvgPool2d in ops else ""
    bn = " + BN" if nn.BatchNorm2d in ops else ""
    s = f" /{values['stride']}" if values["stride"] > 1 else ""
    return f"P: {pool}{k}×{k} conv{bn}{s}"


def shape_text(c: int, h: int, w: int) -> str:
    return f"{c}×{h}×{w}"


def io_shapes(block: BlockSpec) -> tuple[str, str]:
    i = block.input
    h, w = block_out_hw(i.height, i.width, block.block.stride)
    return shape_text(i.channels, i.height, i.width), shape_text(block.block.out_channels, h, w)


def formula(block: BlockSpec) -> str:
    """The block's own formula, e.g. ``y = ReLU( x + SE(F(x)) )``."""
    s = block.slots

    def gate(att, inner: str) -> str:
        if att is None:
            return inner
        note = gate_note(att)
        return f"{short_label(att)}{f'[{note}]' if note else ''}({inner})"

    skip = "P(x)" if skip_label(block) else "x"
    skip = gate(s.skip, skip)
    branch = gate(s.branch, f"F({gate(s.pre_residual, 'x')})")
    total = gate(s.post_add, f"{skip} + {branch}")
    if post_activation(block):
        return f"y = ReLU( {total} )"
    return f"y = {total}"


def patterns_in(block: BlockSpec) -> list[dict]:
    """The notes' patterns the filled slots make, in P1..P4 order."""
    filled = [name for name, att in block.slots.items() if att is not None]
    return sorted((PATTERNS[name] | {"slot": name} for name in filled), key=lambda p: p["code"])
