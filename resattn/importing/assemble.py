"""From recognised blocks to a spec v1 design — the one place where facts become fields.

A graph shows sizes, not the options that produced them: a bottleneck's mid width, not its
(expansion, base_width); a projection, not whether the spec said ``auto`` or ``conv1x1``. Each
choice here is fixed and documented, so an import is a function of the graph:

* stage shortcut (the first block's skip; later blocks use ``auto``): as above, except that in
  a network with an avg-pool projection, stride-1 projections say ``avgpool_conv1x1`` too;
* bottleneck: expansion 4 when some base width gives the mid width, else the first expansion
  from 1 up that does; base width 64 when it fits, else the smallest that does;
* shortcut: ``auto`` when it resolves to what the graph has, else ``conv1x1``, then
  ``avgpool_conv1x1``, then ``identity``;
* post-add activation: null when it is the family default (notes §12.3), else explicit;
* attention options: see `resattn.importing.kinds`;
* dropout 0 (an inference graph has none) and ``zero_init_last_bn`` true (initialisation is not
  in trained weights); consecutive blocks that one stage can hold share a stage.

`canonical_spec(spec)` applies the same choices to a spec, so ``canonical_spec(s)`` is what an
import of ``build(s)`` gives back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

from resattn.blocks import resolve_shortcut
from resattn.fusion import post_activation
from resattn.i18n import N_
from resattn.i18n.text import Text
from resattn.importing.kinds import RECOGNISERS
from resattn.importing.parts import Finding, NoFit
from schemas import SLOT_NAMES, BlockSpec, NetworkSpec, bottleneck_width, parse_spec

_SHORTCUT_ORDER = ("auto", "conv1x1", "avgpool_conv1x1", "identity")
_EXPANSION_MAX, _WIDTH_MAX = 64, 4096


@dataclass(frozen=True)
class BlockFacts:
    """What a residual block is, as a graph shows it (no option that a graph cannot show)."""

    in_channels: int
    out_channels: int
    stride: int
    type: str
    preact: bool
    width: Optional[int]  # bottleneck mid width
    groups: int
    shortcut: str  # "identity" | "conv" | "pool"
    slots: str  # canonical JSON of {slot: attention dict}
    post_act: bool

    def slot_dict(self) -> dict:
        return json.loads(self.slots)


def slots_json(slots: dict) -> str:
    return json.dumps({k: slots[k] for k in SLOT_NAMES if k in slots}, sort_keys=True)


def bottleneck_fields(out: int, width: int, groups: int) -> Optional[tuple[int, int]]:
    """(expansion, base_width) giving `width` at `out` channels and `groups` (see above)."""
    if width % groups:
        return None
    per_group = width // groups
    for expansion in (4, *(e for e in range(1, _EXPANSION_MAX + 1) if e != 4)):
        planes = out // expansion
        if planes < 1:
            continue
        lo = -(-64 * per_group // planes)
        hi = -(-64 * (per_group + 1) // planes) - 1
        if lo <= 64 <= hi:
            return expansion, 64
        if lo <= hi and 1 <= lo <= _WIDTH_MAX:
            return expansion, lo
    return None


def _shortcut_values(kind: str, in_c: int, out_c: int, stride: int) -> set[str]:
    """The spec values of `shortcut` that build the skip `kind` for this block."""
    values = set()
    for value in _SHORTCUT_ORDER:
        resolved = resolve_shortcut(value, in_c, out_c, stride)
        built = {
            "identity": "identity",
            "conv1x1": "conv",
            "avgpool_conv1x1": "pool" if stride > 1 else "conv",
        }[resolved]
        if built == kind and (resolved != "identity" or (stride == 1 and in_c == out_c)):
            values.add(value)
    return values


def _pick(values: set[str]) -> str:
    return next(v for v in _SHORTCUT_ORDER if v in values)


def _post_add(facts: BlockFacts) -> Optional[str]:
    if facts.post_act == (not facts.preact):
        return None
    return "relu" if facts.post_act else "none"


def _block_fields(facts: BlockFacts, part: str) -> dict:
    fields = {"type": facts.type, "preact": facts.preact, "dropout": 0.0}
    if facts.type == "bottleneck":
        found = bottleneck_fields(facts.out_channels, facts.width, facts.groups)
        if found is None:
            raise NoFit(
                Finding.of(
                    part,
                    Text(
                        N_(
                            "a bottleneck {widths} with {groups} groups: no expansion and base "
                            "width give this mid width"
                        ),
                        widths=f"{facts.in_channels}→{facts.width}→{facts.out_channels}",
                        groups=facts.groups,
                    ),
                    "blocking",
                )
            )
        fields |= {"expansion": found[0], "groups": facts.groups, "base_width": found[1]}
    return fields


def block_spec(facts: BlockFacts, input_shape: dict, name: str) -> BlockSpec:
    shortcut = _pick(
        _shortcut_values(facts.shortcut, facts.in_channels, facts.out_channels, facts.stride)
    )
    return parse_spec(
        {
            "schema_version": 1,
            "name": name,
            "input": {"channels": facts.in_channels, **input_shape},
            "block": {
                **_block_fields(facts, "block"),
                "out_channels": facts.out_channels,
                "stride": facts.stride,
            },
            "slots": facts.slot_dict(),
            "shortcut": shortcut,
            "post_add_activation": _post_add(facts),
            "zero_init_last_bn": True,
        }
    )


def stages(blocks: list[BlockFacts]) -> list[tuple[dict, list[int]]]:
    """Group blocks into stages: (stage dict, indices of its blocks). A stage's `shortcut` is
    its first block's (`resattn.networks.expand_blocks`: the others use ``auto``), so a block
    joins the stage before it when it has the same fields and slots, stride 1, the stage's
    channels, and the skip ``auto`` gives it."""
    out: list[tuple[dict, list[int]]] = []
    choices: list[set[str]] = []
    key_of_stage = None
    for i, facts in enumerate(blocks):
        key = (facts.type, facts.preact, facts.width, facts.groups, facts.slots, facts.post_act)
        values = _shortcut_values(
            facts.shortcut, facts.in_channels, facts.out_channels, facts.stride
        )
        joins = (
            out
            and facts.stride == 1
            and facts.out_channels == out[-1][0]["out_channels"]
            and key == key_of_stage
            and "auto" in values
        )
        if joins:
            out[-1][0]["depth"] += 1
            out[-1][1].append(i)
            continue
        key_of_stage = key
        stage = {
            "depth": 1,
            "out_channels": facts.out_channels,
            "stride": facts.stride,
            "block": _block_fields(facts, f"stages[{len(out)}].block"),
            "slots": facts.slot_dict(),
            "shortcut": _pick(values),
            "post_add_activation": _post_add(facts),
            "zero_init_last_bn": True,
        }
        out.append((stage, [i]))
        choices.append(values)
    # ResNet-D: a network that pools on its downsampling skips says so on its stride-1
    # projections too (they build the same plain 1×1 conv either way)
    if any(stage["shortcut"] == "avgpool_conv1x1" for stage, _ in out):
        for (stage, _), values in zip(out, choices, strict=True):
            if stage["shortcut"] == "conv1x1" or (
                stage["shortcut"] == "auto" and "avgpool_conv1x1" in values
            ):
                if "avgpool_conv1x1" in values:
                    stage["shortcut"] = "avgpool_conv1x1"
    return out


def network_spec(
    blocks: list[BlockFacts],
    stem: dict,
    num_classes: int,
    input_shape: dict,
    name: str,
) -> tuple[NetworkSpec, list[list[int]]]:
    grouped = stages(blocks)
    spec = parse_spec(
        {
            "schema_version": 1,
            "name": name,
            "input": {"channels": stem["in_channels"], **input_shape},
            "stem": {"type": stem["type"], "out_channels": stem["out_channels"]},
            "stages": [s for s, _ in grouped],
            "num_classes": num_classes,
        }
    )
    return spec, [ix for _, ix in grouped]


# ----- the same choices, made from a spec ------------------------------------------------


def facts_of(spec: BlockSpec) -> BlockFacts:
    """The facts a graph of `build(spec)` shows (the recogniser's view of a spec's block)."""
    block = spec.block
    in_c, out_c = spec.input.channels, block.out_channels
    resolved = resolve_shortcut(spec.shortcut, in_c, out_c, block.stride)
    kind = {"identity": "identity", "conv1x1": "conv"}.get(
        resolved, "pool" if block.stride > 1 else "conv"
    )
    slots = {}
    for slot, attn in spec.slots.filled().items():
        channels = in_c if slot == "pre_residual" else out_c
        rec = RECOGNISERS[attn.type]
        options = rec.options(channels, rec.measure(channels, attn))
        slots[slot] = {"type": attn.type, **options, "gate": attn.gate}
    return BlockFacts(
        in_c,
        out_c,
        block.stride,
        block.type,
        block.preact,
        bottleneck_width(block) if block.type == "bottleneck" else None,
        getattr(block, "groups", 1),
        kind,
        slots_json(slots),
        post_activation(spec),
    )


def canonical_spec(spec, name: Optional[str] = None):
    """The spec an import of ``build(spec)`` gives back: the same module, with the option
    values the importer chooses (module docstring). `name` replaces the spec's name."""
    from resattn.loading import load_spec
    from resattn.networks import expand_blocks

    spec = load_spec(spec)
    name = name or spec.name
    shape = {"height": spec.input.height, "width": spec.input.width, "batch": spec.input.batch}
    if isinstance(spec, BlockSpec):
        return block_spec(facts_of(spec), shape, name)
    facts = [facts_of(b.spec) for b in expand_blocks(spec)]
    stem = {
        "type": spec.stem.type,
        "in_channels": spec.input.channels,
        "out_channels": spec.stem.out_channels,
    }
    return network_spec(facts, stem, spec.num_classes, shape, name)[0]
