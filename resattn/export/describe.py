"""The words and formulas of an export: docstrings stating the design, formula and pattern."""

from __future__ import annotations

import textwrap

from resattn.export.codegen import INDENT, LINE_LENGTH, docstring, num
from resattn.export.plan import BlockPlan
from schemas import ATTENTION_LABELS, SLOT, BlockSpec, NetworkSpec, bottleneck_width


def formula(plan: BlockPlan) -> str:
    """The block's formula with its attention labels, e.g. ``y = relu(x + SE(F(x)))``."""
    slots, wiring = plan.spec.slots, plan.wiring

    def gate(slot: str, inner: str) -> str:
        value = getattr(slots, slot)
        return inner if value is None else f"{ATTENTION_LABELS[value.type]}({inner})"

    skip = gate("skip", "P(x)" if wiring.shortcut else "x")
    branch = gate("branch", f"F({gate('pre_residual', 'x')})")
    total = gate("post_add", f"{skip} + {branch}")
    return f"y = relu({total})" if wiring.post_act else f"y = {total}"


def patterns(plan: BlockPlan) -> str:
    if not plan.wiring.slots:
        return "baseline (no attention)"
    return "; ".join(f"{SLOT[s].pattern} {SLOT[s].summary}" for s in plan.wiring.slots)


def describe(spec: BlockSpec) -> str:
    block = spec.block
    text = (
        f"{block.type} block, {num(spec.input.channels)} → {num(block.out_channels)} channels, "
        f"stride {num(block.stride)}"
    )
    if block.type == "bottleneck":
        text += (
            f", expansion {num(block.expansion)}, groups {num(block.groups)}, base width "
            f"{num(block.base_width)} (mid width {num(bottleneck_width(block))})"
        )
    text += ", pre-activation" if block.preact else ""
    return text + (f", dropout {num(block.dropout)}" if block.dropout > 0 else "")


_USAGE = (
    "Standalone: torch is the only dependency (ECA's adaptive kernel size also imports the "
    "standard `math`). `build_model()` returns the module in train mode with fresh weights; its "
    "state_dict keys equal resattn's `build(spec).state_dict()` keys, so "
    "`model.load_state_dict(state_dict)` takes the library's weights. A block's class takes "
    "`in_channels`, `out_channels`, `stride` and its options as arguments (the design's values "
    "by default), so it can be reused in another network. Running this file prints the summary "
    "and checks one forward pass."
)
_FOLD_USAGE = (
    "Inference export: every BN that directly follows a conv (branch, projection, stem) is folded "
    "into that conv, which gains a bias. Left as they are, because no conv directly precedes "
    "them: the first BN of a pre-activation branch (BN → ReLU → conv), the final BN of a "
    "pre-activation network, and the BNs inside CBAM / Coordinate Attention (their classes are "
    "the library's own code, and they act on tiny pooled maps). `build_model()` returns the module "
    "in eval mode; its state_dict keys equal those of resattn's "
    "`fold_batchnorm(build(spec))`."
)
_GENERAL = (
    "Every design is an instance of y = act(A_o(A_s(P(x)) + A_r(F(A_p(x))))), empty slots being "
    "identities. Attention is a multiplicative gate, never added to F(x) (notes, first rule)."
)


def module_docstring(spec, plans: list[BlockPlan], fold: bool) -> list[str]:
    inp = spec.input
    shape = f"{num(inp.batch)}×{num(inp.channels)}×{num(inp.height)}×{num(inp.width)}"
    if isinstance(spec, BlockSpec):
        paragraphs = [
            f"{spec.name}: a residual block with attention, exported by ResAttn Studio.",
            f"Design: {describe(spec)}. Input N×C×H×W = {shape}.",
            f"{INDENT}{formula(plans[0])}",
            f"Pattern: {patterns(plans[0])} (notes §3).",
        ]
    else:
        paragraphs = [
            f"{spec.name}: a residual network with attention ({len(plans)} blocks in "
            f"{len(spec.stages)} stages), exported by ResAttn Studio.",
            f"Design: {spec.stem.type} stem with {num(spec.stem.out_channels)} channels, "
            f"{num(spec.num_classes)} classes. Input N×C×H×W = {shape}. Per stage (pattern "
            "numbers from notes §3):",
            "\n".join(_stage_lines(spec, plans)),
        ]
    return docstring([*paragraphs, _GENERAL, _FOLD_USAGE if fold else _USAGE], "")


def _stage_lines(spec: NetworkSpec, plans: list[BlockPlan]) -> list[str]:
    lines, start = [], 0
    for i, stage in enumerate(spec.stages):
        group = plans[start : start + stage.depth]
        start += stage.depth
        lines.append(
            f"{INDENT}stage {i + 1}: {num(stage.depth)} × {describe(group[0].spec)}; "
            f"{patterns(group[0])}"
        )
        runs = dict.fromkeys(formula(p) for p in group)
        for text in runs:
            idx = [j + 1 for j, p in enumerate(group) if formula(p) == text]
            which = f"block {idx[0]}" if len(idx) == 1 else f"blocks {idx[0]}-{idx[-1]}"
            lines.append(f"{INDENT * 2}{text}  [{which}]")
    return [line for text in lines for line in _wrap_verbatim(text)]


def _wrap_verbatim(line: str) -> list[str]:
    """Keep a verbatim docstring line within the line length (continuations indented more)."""
    if len(line) <= LINE_LENGTH:
        return [line]
    indent = line[: len(line) - len(line.lstrip())] + INDENT * 2
    return textwrap.wrap(line, LINE_LENGTH, subsequent_indent=indent, break_on_hyphens=False)
