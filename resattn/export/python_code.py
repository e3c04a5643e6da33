"""`export_python(spec)`: one readable, standalone PyTorch file (torch is its only import).

Two sources, chosen for what each part is:

* **Attention classes are the library's own source**, emitted verbatim (`inspect.getsource` of
  `Gate`, `SqueezeExcite`, …). They are the paper math; they were written self-contained so that
  the exported file carries exactly the code that runs — no hand-kept copy that could drift.
* **The wiring is generated from the spec** (torch.fx-style codegen): one block class per
  distinct wiring whose `forward` has only the lines this design needs and reads like the
  diagram (``identity = x`` … ``out = out + identity``), with comments citing the notes where a
  choice matters; helpers fill `nn.Sequential`s with torchvision-style names (`templates`), and
  `build_model()` spells out every block with resolved sizes. Emitting the library's generic
  `ResidualAttentionBlock` instead would be one more verbatim class, but its `forward` is a chain
  of ``if slot is not None`` tests that does not read like the design.

The property tests (tests/export) prove the two agree with the library: same `state_dict` keys,
same outputs in eval and train mode. Only validated identifiers, ints, finite floats and values
from fixed tables reach the text (`codegen`); nothing from a spec is evaluated.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from resattn.blocks import resolve_shortcut
from resattn.export.attention_code import ATTENTION_CODE, CLASS_NAMES, attention_call, class_sources
from resattn.export.codegen import (
    INDENT,
    LINE_LENGTH,
    Call,
    comment,
    docstring,
    ident,
    num,
    render,
    signature,
)
from resattn.export.templates import BRANCHES, HELPER_NAMES, PROJECTIONS, STEMS
from resattn.fusion import post_activation
from resattn.lint import ensure_buildable
from resattn.loading import load_spec
from schemas import BlockSpec, NetworkSpec, Problem, SpecError, bottleneck_width


@dataclass(frozen=True)
class SlotInfo:
    attr: str  # the block's attribute (state_dict prefix)
    pattern: str  # notes §3 pattern number
    summary: str


#: slot → how it shows up in the block class (data-flow order of `SLOT_NAMES`)
SLOTS = {
    "pre_residual": SlotInfo(
        "attn_pre", "P3", "pre-residual attention (gated input): filters what enters F"
    ),
    "branch": SlotInfo(
        "attn_branch", "P1", "attention inside the residual branch: the identity stays pure"
    ),
    "skip": SlotInfo(
        "attn_skip", "P4", "skip-aware attention: A_s gates the skip and starts as an identity"
    ),
    "post_add": SlotInfo(
        "attn_post", "P2", "post-addition attention: gates identity and F(x) together"
    ),
}

#: module attributes of a block, in the library's registration (= state_dict) order
BLOCK_ATTRS = ("attn_pre", "branch", "attn_branch", "shortcut", "attn_skip", "attn_post")

#: names the exported file defines at module level or as locals of `build_model`
FIXED_NAMES = frozenset({"torch", "nn", "F", "build_model", "model"} | CLASS_NAMES | HELPER_NAMES)
GENERATED_NAME_RE = re.compile(r"Block(Proj)?(P[1-4])*(NoAct)?|stage[0-9]+")


@dataclass(frozen=True)
class Wiring:
    """What a block class's `forward` depends on; blocks with equal wiring share a class."""

    shortcut: bool
    slots: tuple[str, ...]  # filled slots, data-flow order
    post_act: bool

    @property
    def class_name(self) -> str:
        codes = "".join(SLOTS[s].pattern for s in self.slots)
        return f"Block{'Proj' if self.shortcut else ''}{codes}{'' if self.post_act else 'NoAct'}"


@dataclass(frozen=True)
class BlockPlan:
    """One block: its spec, wiring and the constructor arguments of its modules."""

    spec: BlockSpec
    wiring: Wiring
    modules: tuple[tuple[str, Call], ...]  # (attribute, constructor call) in BLOCK_ATTRS order


def plan_block(spec: BlockSpec, *, fold: bool, dropout_helpers: set) -> BlockPlan:
    block, c_in, c_out = spec.block, spec.input.channels, spec.block.out_channels
    kind = resolve_shortcut(spec.shortcut, c_in, c_out, block.stride)
    filled = tuple(name for name, value in spec.slots.items() if value is not None)
    wiring = Wiring(kind != "identity", filled, post_activation(spec))
    calls = {"branch": branch_call(spec, fold=fold, dropout_helpers=dropout_helpers)}
    if wiring.shortcut:
        helper = PROJECTIONS[projection_key(spec)]
        calls["shortcut"] = Call(
            helper.name, [num(c_in), num(c_out)], [("stride", num(block.stride))]
        )
    for slot in filled:
        channels = c_in if slot == "pre_residual" else c_out  # notes §12.1
        calls[SLOTS[slot].attr] = attention_call(
            getattr(spec.slots, slot), channels, identity_start=slot == "skip"
        )
    return BlockPlan(spec, wiring, tuple((a, calls[a]) for a in BLOCK_ATTRS if a in calls))


def projection_key(spec: BlockSpec) -> tuple[bool, bool]:
    """(average-pool first, BN after the conv) of the block's projection (notes §12.2)."""
    block = spec.block
    kind = resolve_shortcut(spec.shortcut, spec.input.channels, block.out_channels, block.stride)
    return kind == "avgpool_conv1x1" and block.stride > 1, not block.preact


def branch_call(spec: BlockSpec, *, fold: bool, dropout_helpers: set) -> Call:
    block = spec.block
    key = (block.type, block.preact)
    sizes = [spec.input.channels, block.out_channels]
    kwargs = [("stride", num(block.stride))]
    if block.type == "bottleneck":
        sizes.insert(1, bottleneck_width(block))
        kwargs.append(("groups", num(block.groups)))
    kwargs += [("dropout", num(block.dropout))] if key in dropout_helpers else []
    kwargs += [] if fold else [("zero_init", str(spec.zero_init_last_bn))]
    return Call(BRANCHES[key].name, [num(n) for n in sizes], kwargs)


def formula(plan: BlockPlan) -> str:
    """The block's formula with its attention labels, e.g. ``y = relu(x + SE(F(x)))``."""
    slots, wiring = plan.spec.slots, plan.wiring

    def gate(slot: str, inner: str) -> str:
        value = getattr(slots, slot)
        return inner if value is None else f"{ATTENTION_CODE[value.type].label}({inner})"

    skip = gate("skip", "P(x)" if wiring.shortcut else "x")
    branch = gate("branch", f"F({gate('pre_residual', 'x')})")
    total = gate("post_add", f"{skip} + {branch}")
    return f"y = relu({total})" if wiring.post_act else f"y = {total}"


def patterns(plan: BlockPlan) -> str:
    if not plan.wiring.slots:
        return "baseline (no attention)"
    return "; ".join(f"{SLOTS[s].pattern} {SLOTS[s].summary}" for s in plan.wiring.slots)


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


# -- block class ---------------------------------------------------------------------------------

_FORWARD_COMMENTS = {
    "identity": "The identity travels on its own path straight to the add (notes, first rule).",
    "shortcut": "P: x and F(x) differ in shape (stride or channels), so the skip needs a 1×1 "
    "projection (notes §12.2).",
    "attn_skip": "P4: A_s gates the skip; it starts as an exact identity, gate = 1 (notes §3, §6).",
    "attn_pre": "P3: A_p gates what enters the branch (notes §3).",
    "branch": "F: the residual branch.",
    "attn_branch": "P1: A_r gates F(x) only; the identity stays pure (notes §3).",
    "attn_post": "P2: A_o gates identity and F(x) together (notes §3).",
    "act": "ReLU after the add: post-activation family (notes §12.3).",
    "no_act": "No activation after the add: pre-activation family (notes §12.3).",
}


def block_class(name: str, wiring: Wiring, formula_text: str) -> str:
    attrs = [a for a in BLOCK_ATTRS if a == "branch" or _has(wiring, a)]
    i2 = INDENT * 2
    lines = [f"class {name}(nn.Module):"]
    lines += docstring(
        [
            "Residual block with attention gates (A(z) = z ⊙ α(z), never added to F(x)).",
            f"{INDENT}{formula_text}",
            _wiring_text(wiring),
        ],
        INDENT,
    )
    lines.append("")
    lines += signature("__init__", ["self", *(f"{a}: nn.Module" for a in attrs)], "", INDENT)
    lines.append(f"{i2}super().__init__()")
    lines += [f"{i2}self.{a} = {a}" for a in attrs]
    lines += [f"{i2}self.act = nn.ReLU()"] if wiring.post_act else []
    lines.append("")
    lines.append(f"{INDENT}def forward(self, x: torch.Tensor) -> torch.Tensor:")

    def step(key: str, code: str) -> None:
        lines.extend(comment(_FORWARD_COMMENTS[key], i2))
        lines.append(f"{i2}{code}")

    if wiring.shortcut:
        step("shortcut", "identity = self.shortcut(x)")
    else:
        step("identity", "identity = x")
    if "skip" in wiring.slots:
        step("attn_skip", "identity = self.attn_skip(identity)")
    if "pre_residual" in wiring.slots:
        step("attn_pre", "out = self.attn_pre(x)")
        step("branch", "out = self.branch(out)")
    else:
        step("branch", "out = self.branch(x)")
    if "branch" in wiring.slots:
        step("attn_branch", "out = self.attn_branch(out)")
    lines.append(f"{i2}out = out + identity")
    if "post_add" in wiring.slots:
        step("attn_post", "out = self.attn_post(out)")
    if wiring.post_act:
        step("act", "return self.act(out)")
    else:
        step("no_act", "return out")
    return "\n".join(lines)


def _wiring_text(wiring: Wiring) -> str:
    skip = "a projection P on the skip" if wiring.shortcut else "an identity skip"
    gates = ", ".join(f"{s} ({SLOTS[s].pattern})" for s in wiring.slots) or "none"
    act = "ReLU" if wiring.post_act else "no activation"
    return f"Wiring: {skip}; attention slots: {gates}; {act} after the add."


def _has(wiring: Wiring, attr: str) -> bool:
    if attr == "shortcut":
        return wiring.shortcut
    return any(SLOTS[s].attr == attr for s in wiring.slots)


# -- network class -------------------------------------------------------------------------------


def network_class(name: str, final_norm: bool) -> str:
    i2 = INDENT * 2
    params = ["self", "stem: nn.Module", "stages: nn.Module"]
    params += ["final_norm: nn.Module"] if final_norm else []
    lines = [f"class {name}(nn.Module):"]
    lines += docstring(
        ["stem → stages of residual blocks → global average pool → linear classifier."], INDENT
    )
    lines.append("")
    lines += signature("__init__", [*params, "fc: nn.Module"], "", INDENT)
    lines.append(f"{i2}super().__init__()")
    lines += [f"{i2}self.stem = stem", f"{i2}self.stages = stages"]
    if final_norm:
        lines += [f"{i2}self.final_norm = final_norm", f"{i2}self.final_act = nn.ReLU()"]
    lines += [f"{i2}self.pool = nn.AdaptiveAvgPool2d(1)", f"{i2}self.fc = fc", ""]
    lines.append(f"{INDENT}def forward(self, x: torch.Tensor) -> torch.Tensor:")
    lines += [f"{i2}x = self.stem(x)", f"{i2}x = self.stages(x)"]
    if final_norm:
        lines += comment(
            "Pre-activation blocks end at the add: BN + ReLU once before the head (ResNet v2).", i2
        )
        lines.append(f"{i2}x = self.final_act(self.final_norm(x))")
    lines += [f"{i2}x = self.pool(x)", f"{i2}return self.fc(torch.flatten(x, 1))"]
    return "\n".join(lines)


# -- the file ------------------------------------------------------------------------------------

_USAGE = (
    "Standalone: torch is the only import. `build_model()` returns the module in train mode with "
    "fresh weights; its state_dict keys equal resattn's `build(spec).state_dict()` keys, so "
    "`model.load_state_dict(state_dict)` takes the library's weights."
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


def export_python(spec, *, fold_bn: bool = False) -> str:
    """Standalone PyTorch source for a block or network spec (see the module docstring).

    Deterministic: the same spec gives the same text. With ``fold_bn`` the file builds the
    inference structure of `resattn.export.fold_bn.fold_batchnorm`. Raises `SpecError` for an
    invalid spec and `DesignError` for a design with linter errors.
    """
    spec = load_spec(spec)
    ensure_buildable(spec)
    name = ident(spec.name)
    if isinstance(spec, NetworkSpec):
        from resattn.networks import expand_blocks

        block_specs = [b.spec for b in expand_blocks(spec)]
    else:
        block_specs = [spec]
    dropout_helpers = {(b.block.type, b.block.preact) for b in block_specs if b.block.dropout > 0}
    plans = [plan_block(b, fold=fold_bn, dropout_helpers=dropout_helpers) for b in block_specs]
    _check_name(name, isinstance(spec, NetworkSpec))

    kinds = {v.type for p in plans for v in p.spec.slots.filled().values()}
    head = _module_docstring(spec, plans, fold_bn)
    imports = ["import torch", "from torch import nn"]
    imports += ["from torch.nn import functional as F"] if kinds else []
    parts = ["\n".join(head + [""] + imports)]
    parts += class_sources(kinds)
    parts += _helpers(spec, plans, fold_bn, dropout_helpers)
    if isinstance(spec, NetworkSpec):
        for wiring in dict.fromkeys(p.wiring for p in plans):
            first = next(p for p in plans if p.wiring == wiring)
            parts.append(block_class(wiring.class_name, wiring, formula(first)))
        parts.append(network_class(name, spec.stages[-1].block.preact))
        parts.append(_build_network(spec, plans, name, fold_bn))
    else:
        parts.append(block_class(name, plans[0].wiring, formula(plans[0])))
        parts.append(_build_block(plans[0], name, fold_bn))
    return "\n\n\n".join(parts) + "\n"


def _check_name(name: str, network: bool) -> None:
    taken = name in FIXED_NAMES or (network and GENERATED_NAME_RE.fullmatch(name) is not None)
    if taken:
        raise SpecError(
            [
                Problem(
                    "name",
                    f"{name!r} is a name the exported file defines itself (its helpers, "
                    "attention classes, block classes Block…, locals stage1…); choose another",
                )
            ]
        )


def _module_docstring(spec, plans: list[BlockPlan], fold: bool) -> list[str]:
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


def _helpers(spec, plans: list[BlockPlan], fold: bool, dropout_helpers: set) -> list[str]:
    """Source of each helper the design uses, in order of first use."""
    used: dict[str, tuple] = {}
    if isinstance(spec, NetworkSpec):
        stem = STEMS[spec.stem.type]
        used[stem.name] = (stem, False)
    for plan in plans:
        key = (plan.spec.block.type, plan.spec.block.preact)
        used.setdefault(BRANCHES[key].name, (BRANCHES[key], key in dropout_helpers))
        if plan.wiring.shortcut:
            proj = PROJECTIONS[projection_key(plan.spec)]
            used.setdefault(proj.name, (proj, False))
    return [helper.source(fold=fold, dropout=dropout) for helper, dropout in used.values()]


_BUILD_DOC = "The design with fresh weights (train mode); load resattn's with load_state_dict."
_BUILD_FOLD_DOC = "The folded inference design (eval mode); load the folded module's weights."


def _tail(call: Call, fold: bool) -> list[str]:
    """The end of `build_model`: return the model (in eval mode for an inference export)."""
    if not fold:
        return render(call, INDENT, "return ")
    lines = render(call, INDENT, "model = ")
    lines += comment("Inference export: eval mode (BN statistics frozen, dropout off).", INDENT)
    return lines + [f"{INDENT}return model.eval()"]


def _build_head(name: str, fold: bool) -> list[str]:
    doc = _BUILD_FOLD_DOC if fold else _BUILD_DOC
    return signature("build_model", [], name) + docstring([doc], INDENT)


def _build_block(plan: BlockPlan, name: str, fold: bool) -> str:
    call = Call(name, [], list(plan.modules))
    return "\n".join(_build_head(name, fold) + _tail(call, fold))


def _build_network(spec: NetworkSpec, plans: list[BlockPlan], name: str, fold: bool) -> str:
    lines = _build_head(name, fold)
    start = 0
    for i, stage in enumerate(spec.stages):
        group = plans[start : start + stage.depth]
        start += stage.depth
        lines += comment(f"stage {i + 1}: {num(stage.depth)} × {describe(group[0].spec)}", INDENT)
        blocks = [Call(p.wiring.class_name, [], list(p.modules)) for p in group]
        lines += render(Call("nn.Sequential", blocks), INDENT, f"stage{i + 1} = ")
    last = spec.stages[-1]
    stem = STEMS[spec.stem.type]
    kwargs = [
        ("stem", Call(stem.name, [num(spec.input.channels), num(spec.stem.out_channels)])),
        ("stages", Call("nn.Sequential", [f"stage{i + 1}" for i in range(len(spec.stages))])),
    ]
    if last.block.preact:
        kwargs.append(("final_norm", Call("nn.BatchNorm2d", [num(last.out_channels)])))
    kwargs.append(("fc", Call("nn.Linear", [num(last.out_channels), num(spec.num_classes)])))
    return "\n".join(lines + _tail(Call(name, [], kwargs), fold))
