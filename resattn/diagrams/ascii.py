"""ASCII diagrams in the notes' style (docs/design.md §1).

The identity ``x`` travels on its own lane (top) straight to the add ``⊕``; the branch F runs
on the bottom lane; every attention module is a gate ``⊗`` on the path it multiplies, with the
module hanging off a tap (``┬``/``┴``) that feeds its weights α back into the ``⊗``::

            ┌──────────────── x (identity) ───────────────┐
      x ────┤                                             ⊕ ── ReLU ── y
            └── conv3×3 ── BN ── ReLU ── conv3×3 ── BN ──┬──────⊗──┘
                                                          └─ SE ─┘

The pictures are drawn from the shape trace of the real module (`resattn.check.drawable_trace`),
so the layers shown are the layers built. A design whose add cannot be computed (RA101: an
identity skip where the shapes differ) is drawn all the same, its add marked ``⊕✗`` and the
reason under the picture. An attention whose gate is not the default sigmoid names it
(``SE (hard-sigmoid)``). A network draws as its stages, in time linear in its blocks
(`resattn.diagrams.outline`); ``block=`` (e.g. ``"stage2_block1"``) draws one of its blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from resattn.check import ShapeRow, drawable_trace
from resattn.diagrams.outline import block_failure, outline
from resattn.diagrams.words import attention_label, pattern_text
from resattn.i18n import N_, _
from resattn.loading import load_spec
from schemas import BlockSpec, NetworkSpec, Problem, SpecError

#: the legend under a block (translated where it is drawn)
LEGEND_ADD = N_("⊕ add: x + F(x)")
LEGEND_GATE = N_("⊗ gate: the path times the weights α its module (hanging off ┬ / ┴) computes")


def render_ascii(spec, *, shapes: bool = False, block: Optional[str] = None) -> str:
    """The design as text: a block as its picture, a network as its stages.

    `shapes` appends the N×C×H×W of every traced node; `block` draws one block of a network
    (``"stage2_block1"``).
    """
    spec = load_spec(spec)
    if isinstance(spec, NetworkSpec):
        if block is None:
            return _network(spec, shapes)
        spec = network_block(spec, block)
    return _block(spec, shapes)


def network_block(net: NetworkSpec, name: str) -> BlockSpec:
    """The `BlockSpec` of block `name` (``stage{i}_block{j}``, 1-based) of a network."""
    from resattn.networks import expand_blocks

    blocks = {b.spec.name: b.spec for b in expand_blocks(net)}
    if name not in blocks:
        names = list(blocks)
        raise SpecError(
            [Problem("", f"no block {name!r}; this network has {names[0]} … {names[-1]}")]
        )
    return blocks[name]


# --- text canvas -----------------------------------------------------------------------------


@dataclass
class Canvas:
    rows: dict[int, dict[int, str]] = field(default_factory=dict)

    def put(self, row: int, col: int, text: str) -> None:
        line = self.rows.setdefault(row, {})
        for i, ch in enumerate(text):
            line[col + i] = ch

    def render(self) -> list[str]:
        out = []
        for r in range(min(self.rows), max(self.rows) + 1):
            line = self.rows.get(r, {})
            width = max(line, default=-1) + 1
            out.append("".join(line.get(c, " ") for c in range(width)).rstrip())
        return out


@dataclass(frozen=True)
class Gate:
    """An attention gate on a lane: drawn as ``┬──────⊗`` with the module hanging off the tap."""

    label: str

    @property
    def width(self) -> int:
        return len(self.label) + 6

    def inline(self, tap: str) -> str:
        return tap + "─" * (self.width - 2) + "⊗"

    def module(self, left: str, right: str) -> str:
        return f"{left}─ {self.label} ─{right}"


TAP = "\x00"  # where a gate's tap goes; replaced by ┬ (module below) or ┴ (module above)


class Lane:
    """A run of labels and gates joined by ``──``; remembers where each gate starts."""

    def __init__(self, items: list):
        self.text, self.gates = "", []
        for item in items:
            if isinstance(item, Gate):
                self.gates.append((len(self.text), item))
                self.text += item.inline(TAP) + "──"
            else:
                self.text += f" {item} ──"

    def draw(self, canvas: Canvas, row: int, col: int, tap: str, module_row: int, corners: str):
        canvas.put(row, col, self.text.replace(TAP, tap))
        for offset, gate in self.gates:
            canvas.put(module_row, col + offset, gate.module(*corners))

    def __len__(self) -> int:
        return len(self.text)


# --- a block ---------------------------------------------------------------------------------


def _short(row: ShapeRow) -> str:
    """A layer's label without its channel counts: ``conv3×3/2 g32``, ``BN``, ``ReLU``."""
    return _short_op(row.op)


def _gate(spec: BlockSpec, slot: str) -> list:
    attn = getattr(spec.slots, slot)
    return [] if attn is None else [Gate(attention_label(attn))]


def _block(spec: BlockSpec, shapes: bool) -> str:
    rows, failed = drawable_trace(spec)
    by_role: dict[str, list[ShapeRow]] = {}
    for row in rows:
        by_role.setdefault(row.role, []).append(row)
    branch = Lane(
        _gate(spec, "pre_residual") + [_short(r) for r in by_role["F"]] + _gate(spec, "branch")
    )
    projection = [_short(r) for r in by_role.get("P", [])]
    skip_items = projection or ["x (identity)"]
    skip = Lane(skip_items + _gate(spec, "skip"))
    post = Lane(_gate(spec, "post_add") + [_short(r) for r in by_role.get("act", [])])

    fork = 8
    top = 1 if spec.slots.skip is not None else 0  # room for the skip gate's module above
    mid = top + 1
    width = max(len(branch), len(skip)) + 5
    join = fork + width
    canvas = Canvas()
    canvas.put(top, fork, "┌" + "─" * (width - 1) + "┐")
    if projection or spec.slots.skip is not None:
        skip.draw(canvas, top, fork + 3, "┴", top - 1, "┌┐")
    else:  # the lone identity: its label centred on the lane
        label = " x (identity) "
        canvas.put(top, fork + (width - len(label)) // 2 + 1, label)
    canvas.put(mid, 2, "x " + "─" * (fork - 4) + "┤")
    canvas.put(mid, join, "⊕✗──" if failed else "⊕ ──")
    post.draw(canvas, mid, join + 4, "┬", mid + 1, "└┘")
    canvas.put(mid, join + 4 + len(post), " y")
    canvas.put(mid + 1, fork, "└" + "─" * (width - 1) + "┘")
    branch.draw(canvas, mid + 1, fork + 3, "┬", mid + 2, "└┘")
    legend = f"{_(LEGEND_GATE)} · {_(LEGEND_ADD)}" if spec.slots.filled() else _(LEGEND_ADD)
    lines = [_block_title(spec), "", *canvas.render(), "", legend]
    if failed:
        lines += [f"✗ {block_failure(spec)}"]
    if shapes:
        lines += ["", *_shape_table(rows)]
    return "\n".join(lines) + "\n"


def _block_title(spec: BlockSpec) -> str:
    b = spec.block
    desc = f"{'pre-activation ' if b.preact else ''}{b.type} {spec.input.channels}→{b.out_channels}"
    if b.stride != 1:
        desc += f", stride {b.stride}"
    if b.type == "bottleneck" and b.groups > 1:
        desc += f", {b.groups} groups"
    return f"{spec.name} · {desc} · {pattern_text(spec.slots)}"


def _fmt(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def _shape_table(rows) -> list[str]:
    width = max(len(r.path) for r in rows)
    return [f"  {r.role:<5} {r.path:<{width}}  {_fmt(r.shape)}" for r in rows]


# --- a network -------------------------------------------------------------------------------


def _network(net: NetworkSpec, shapes: bool) -> str:
    plan = outline(net)

    def shape(value: tuple[int, ...]) -> str:
        return f"   → {_fmt(value)}" if shapes else ""

    inp = net.input
    stem = " ── ".join(_short_op(op) for op in plan.stem_ops)
    lines = [
        f"{net.name} · network · input {inp.channels}×{inp.height}×{inp.width} · "
        f"{net.num_classes} classes",
        "",
        f"  x ── stem: {stem}{shape(plan.stem_shape)}",
    ]
    for i, stage in enumerate(net.stages):
        lines += [
            "   │",
            f"  stage{i + 1} ── {stage.depth} × {stage_kind(stage)} {stage.out_channels}, stride "
            f"{stage.stride} · {pattern_text(stage.slots)}{shape(plan.stage_shape(i))}",
        ]
        for run in plan.stage_runs(i):
            if run.overridden:
                lines.append(f"   │     {run.span}: {pattern_text(run.spec.slots)}")
            if run.failure:
                lines.append(f"   │     ✗ {run.span}: {run.failure}")
    lines += ["   │", f"  head: {' ── '.join(plan.head_ops)} ── y{shape(plan.output_shape)}"]
    first, last = plan.runs[0], plan.runs[-1]
    lines += ["", f"  blocks: {first.name} … stage{last.stage + 1}_block{last.last}"]
    return "\n".join(lines) + "\n"


def stage_kind(stage) -> str:
    """``bottleneck``, ``pre-act basic``, ``bottleneck 32g``."""
    b = stage.block
    kind = f"{'pre-act ' if b.preact else ''}{b.type}"
    if b.type == "bottleneck" and b.groups > 1:
        kind += f" {b.groups}g"
    return kind


def _short_op(op: str) -> str:
    return " ".join(t for t in op.split() if "→" not in t and not t.startswith("p="))
