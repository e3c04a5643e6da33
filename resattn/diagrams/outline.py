"""A network's outline for its diagrams, in time linear in the number of blocks.

Nothing is traced for the whole network: the stem is described from its own layers, every
block's output shape comes from `resattn.shapes`, and consecutive blocks that are the same
design (same fields, attention and input shape; only the name differs) are grouped into one
`Run`, so a stage of 64 identical blocks is drawn as its first block and one "× 63" run. A stage
whose `shortcut` is forced to `identity` has its first block traced on `meta` (one trace per
distinct design, cached) to find an add that cannot be computed (RA101), which the diagram marks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from resattn.check import describe, drawable_trace
from resattn.i18n import _
from resattn.shapes import block_out_hw, stem_out_hw
from schemas import BlockSpec, NetworkSpec


@dataclass(frozen=True)
class Run:
    """Blocks `first`…`last` (1-based) of a stage, all the same design `spec` (named after the
    first), each producing `shape` (N×C×H×W)."""

    stage: int  # 0-based
    first: int
    last: int
    spec: BlockSpec
    shape: tuple[int, ...]
    overridden: bool
    failure: Optional[str]

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def span(self) -> str:
        """``block 1`` or ``blocks 2–4``."""
        if self.count == 1:
            return f"block {self.first}"
        return f"blocks {self.first}–{self.last}"


@dataclass(frozen=True)
class Outline:
    net: NetworkSpec
    stem_ops: tuple[str, ...]
    stem_shape: tuple[int, ...]
    runs: tuple[Run, ...]
    head_ops: tuple[str, ...]
    output_shape: tuple[int, ...]

    def stage_runs(self, stage: int) -> list[Run]:
        return [r for r in self.runs if r.stage == stage]

    def stage_shape(self, stage: int) -> tuple[int, ...]:
        return self.stage_runs(stage)[-1].shape


def _anonymous(spec: BlockSpec) -> BlockSpec:
    return spec.model_copy(update={"name": "block"})


def block_failure(spec: BlockSpec) -> Optional[str]:
    """Why the block's add (or its skip gate) cannot be computed, or None when it can (in the
    current language: a diagram is drawn in the language of its reader)."""
    rows, failed = drawable_trace(spec)
    if not failed:
        return None
    shape = {r.node: r.shape for r in rows}
    add = next(r for r in rows if r.kind == "add")
    branch, skip = (_fmt(shape[i][1:]) for i in add.inputs)
    if failed - {add.node}:
        text = _(
            "the skip carries {skip} but the branch outputs {branch}, so x + F(x) cannot be "
            "added; the skip gate A_s is built for the branch's channels (RA101): set "
            "`shortcut` to `auto` or `conv1x1`"
        )
    else:
        text = _(
            "the skip carries {skip} but the branch outputs {branch}, so x + F(x) cannot be "
            "added (RA101): set `shortcut` to `auto` or `conv1x1`"
        )
    return text.format(skip=skip, branch=branch)


def _fmt(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def outline(net: NetworkSpec) -> Outline:
    """The stem, the runs of identical blocks of every stage, and the head of `net`."""
    import torch

    from resattn.networks import build_stem, expand_blocks

    with torch.device("meta"):
        stem = build_stem(net)
    stem_ops = tuple(describe(m)[1] for m in stem)
    batch = net.input.batch
    h, w = stem_out_hw(net.stem.type, net.input.height, net.input.width)
    stem_shape = (batch, net.stem.out_channels, h, w)
    runs: list[Run] = []
    failures: dict[str, Optional[str]] = {}
    last_key = None  # the design (without its name) of the last run's blocks
    for blk in expand_blocks(net):
        spec, stage = blk.spec, net.stages[blk.stage]
        h, w = block_out_hw(spec.input.height, spec.input.width, spec.block.stride)
        shape = (batch, spec.block.out_channels, h, w)
        overridden = any(o.index == blk.index + 1 for o in stage.overrides)
        key = blk.key
        if spec.shortcut == "identity" and key not in failures:
            failures[key] = block_failure(_anonymous(spec))
        last = runs[-1] if runs else None
        same = last is not None and last.stage == blk.stage and key == last_key
        last_key = key
        if same:
            runs[-1] = replace(last, last=blk.index + 1, overridden=last.overridden or overridden)
            continue
        runs.append(
            Run(blk.stage, blk.index + 1, blk.index + 1, spec, shape, overridden, failures.get(key))
        )
    last_stage = net.stages[-1]
    head = ("BN", "ReLU") if last_stage.block.preact else ()
    head += ("global avg-pool", f"fc {last_stage.out_channels}→{net.num_classes}")
    return Outline(net, stem_ops, stem_shape, tuple(runs), head, (batch, net.num_classes))
