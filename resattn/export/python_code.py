"""`export_python(spec)`: one readable, standalone PyTorch file (torch is its only import).

Two sources, chosen for what each part is:

* **Attention classes are the library's own source**, emitted verbatim (`inspect.getsource` of
  `Gate`, `SqueezeExcite`, …). They are the paper math; they were written self-contained so that
  the exported file carries exactly the code that runs — no hand-kept copy that could drift.
* **The wiring is generated from the spec** (torch.fx-style codegen): one block class per
  distinct wiring whose `forward` has only the lines this design needs and reads like the
  diagram (``identity = x`` … ``out = out + identity``), with comments citing the notes where a
  choice matters; helpers fill `nn.Sequential`s from the library's own layer tables
  (`resattn.layers`, rendered by `helpers`) with torchvision-style names, and
  `build_model()` spells out every block with resolved sizes. Emitting the library's generic
  `ResidualAttentionBlock` instead would be one more verbatim class, but its `forward` is a chain
  of ``if slot is not None`` tests that does not read like the design.

The property tests (tests/export) prove the two agree with the library: same `state_dict` keys,
same outputs in eval and train mode. Only validated identifiers, ints, finite floats and values
from fixed tables reach the text (`codegen`); nothing from a spec is evaluated.
"""

from __future__ import annotations

import re
from typing import Optional

from resattn.export.attention_code import CLASS_NAMES, class_sources
from resattn.export.classes import block_class, network_class
from resattn.export.codegen import INDENT, Call, comment, docstring, ident, num, render, signature
from resattn.export.describe import describe, formula, module_docstring
from resattn.export.helpers import HELPER_NAMES, helper_call, helper_source
from resattn.export.plan import BlockPlan, block_plans
from resattn.export.reusable import (
    class_name,
    projection_tables,
    reusable_block_class,
    rule_functions,
    rule_sources,
    uses_math,
)
from resattn.lint import ensure_buildable
from resattn.loading import load_spec
from resattn.networks import stem_table
from resattn.shapes import block_out_hw
from schemas import BlockSpec, NetworkSpec, Problem, SpecError

#: names the exported file defines at module level or as locals of `build_model` (the schema
#: reserves them); the block's rules (`resolve_shortcut`, the attention sizing, `math`) are
#: snake_case, so no PascalCase class name can take theirs
FIXED_NAMES = frozenset({"torch", "nn", "F", "build_model", "model"} | CLASS_NAMES | HELPER_NAMES)


def export_python(spec, *, fold_bn: bool = False, weights: Optional[str] = None) -> str:
    """Standalone PyTorch source for a block or network spec (see the module docstring).

    Deterministic: the same spec gives the same text. With ``fold_bn`` the file builds the
    inference structure of `resattn.export.fold_bn.fold_batchnorm`. With `weights` (a file
    name such as ``weights.safetensors``), ``build_model(weights=...)`` loads that safetensors
    file from beside the exported file by default (the one place the file imports more than
    torch: ``os``, and ``safetensors`` when it loads). Raises `SpecError` for an invalid spec or
    weights file name and `DesignError` for a design with linter errors.
    """
    spec = load_spec(spec)
    _check_weights(weights, fold_bn)
    ensure_buildable(spec)
    name = exported_class_name(spec)
    plans, dropout_helpers = block_plans(spec, fold=fold_bn)
    block = spec if isinstance(spec, BlockSpec) else None

    kinds = {v.type for p in plans for v in p.spec.slots.filled().values()}
    head = module_docstring(spec, plans, fold_bn)
    imports = ["import math"] if uses_math(block) else []
    imports += ["import os"] if weights else []
    imports += [""] if imports else []
    imports += ["import torch", "from torch import nn"]
    imports += ["from torch.nn import functional as F"] if kinds else []
    parts = ["\n".join(head + [""] + imports)]
    parts += class_sources(kinds)
    if block is not None:
        parts += rule_sources(kinds) + rule_functions(block)
    parts += _helpers(spec, plans, fold_bn, dropout_helpers)
    if block is None:
        for wiring in dict.fromkeys(p.wiring for p in plans):
            first = next(p for p in plans if p.wiring == wiring)
            parts.append(block_class(wiring.class_name, wiring, formula(first)))
        parts.append(network_class(name, spec.stages[-1].block.preact))
        parts.append(_build_network(spec, plans, name, fold_bn))
    else:
        parts.append(reusable_block_class(name, plans[0], formula(plans[0]), fold_bn))
        parts.append(_build_block(name, fold_bn))
    if weights:
        parts[-1] = _with_weights(parts[-1], weights)
    parts.append(_main(spec, fold_bn))
    return "\n\n\n".join(parts) + "\n"


#: a weights file name the exported code may carry (a plain file name, no folders)
_WEIGHTS_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\.safetensors")


def _check_weights(weights: Optional[str], fold_bn: bool) -> None:
    if weights is None:
        return
    if fold_bn:
        raise SpecError(
            [Problem("weights", "weights load into the unfolded design; drop --fold-bn")]
        )
    if not _WEIGHTS_NAME.fullmatch(weights):
        raise SpecError(
            [
                Problem(
                    "weights",
                    f"{weights!r}: give a plain file name ending in .safetensors (letters, "
                    "digits, _ . -), kept beside the exported file",
                )
            ]
        )


def _with_weights(build_source: str, weights: str) -> str:
    """`build_model` taking ``weights`` (default: the named file beside this one)."""
    lines = build_source.split("\n")
    lines[0] = lines[0].replace("def build_model()", "def build_model(weights=WEIGHTS)", 1)
    body = "\n".join(lines).replace(_BUILD_DOC, _WEIGHTS_DOC, 1)
    ret = f"\n{INDENT}return "
    cut = body.rindex(ret)
    head, value = body[:cut], body[cut + len(ret) :]
    loader = [
        f"{INDENT}model = {value}",
        f"{INDENT}if weights is not None:  # safetensors: plain tensors, no pickle",
        f"{INDENT}{INDENT}from safetensors.torch import load_file",
        "",
        f"{INDENT}{INDENT}model.load_state_dict(load_file(weights))",
        f"{INDENT}return model",
    ]
    const = [
        comment("The weights build_model() loads by default (saved by `resattn import`).", "")[0],
        f'WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "{weights}")',
        "",
        "",
        "",
    ]
    return "\n".join(const) + head + "\n" + "\n".join(loader)


def exported_class_name(spec) -> str:
    """The class the exported file defines for the design (PascalCase from its name)."""
    return class_name(ident(load_spec(spec).name), FIXED_NAMES)


def _main(spec, fold: bool) -> str:
    """Running the file prints the design's summary and checks one forward pass."""
    inp = spec.input
    if isinstance(spec, BlockSpec):
        out = (
            inp.batch,
            spec.block.out_channels,
            *block_out_hw(inp.height, inp.width, spec.block.stride),
        )
    else:
        out = (inp.batch, spec.num_classes)
    shape = ", ".join(num(n) for n in (inp.batch, inp.channels, inp.height, inp.width))
    i1, i2 = INDENT, INDENT * 2
    lines = ['if __name__ == "__main__":']
    lines += comment("The design's summary, its size, and one forward pass with a shape check.", i1)
    lines += [
        f"{i1}model = build_model().eval()",
        f'{i1}print("\\n\\n".join(__doc__.strip().split("\\n\\n")[:2]))',
        f'{i1}print(f"parameters: {{sum(p.numel() for p in model.parameters()):,}}")',
        f"{i1}x = torch.randn({shape})",
        f"{i1}with torch.no_grad():",
        f"{i2}y = model(x)",
        f"{i1}expected = ({', '.join(num(n) for n in out)})",
        f'{i1}assert tuple(y.shape) == expected, f"output {{tuple(y.shape)}}, not {{expected}}"',
        f'{i1}print(f"forward: {{tuple(x.shape)}} -> {{tuple(y.shape)}} (as designed)")',
    ]
    return "\n".join(lines)


def _helpers(spec, plans: list[BlockPlan], fold: bool, dropout_helpers: set[str]) -> list[str]:
    """Source of each helper the design uses, in order of first use."""
    if isinstance(spec, BlockSpec):  # the reusable class: its branch and reachable projections
        tables = [plans[0].branch, *projection_tables(spec)]
    else:
        tables = [stem_table(spec)[0]]
    for plan in plans if isinstance(spec, NetworkSpec) else []:
        tables += [plan.branch] + ([plan.shortcut] if plan.shortcut is not None else [])
    used = {table.name: table for table in tables}  # first use wins the order
    return [
        helper_source(table, fold=fold, optional=table.name in dropout_helpers)
        for table in used.values()
    ]


_BUILD_DOC = "The design with fresh weights (train mode); load resattn's with load_state_dict."
_WEIGHTS_DOC = "The design with the weights in `weights` (safetensors; None: fresh weights)."
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


def _build_block(name: str, fold: bool) -> str:
    return "\n".join(_build_head(name, fold) + _tail(Call(name, [], []), fold))


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
    kwargs = [
        ("stem", helper_call(*stem_table(spec), fold=fold, optional=False)),
        ("stages", Call("nn.Sequential", [f"stage{i + 1}" for i in range(len(spec.stages))])),
    ]
    if last.block.preact:
        kwargs.append(("final_norm", Call("nn.BatchNorm2d", [num(last.out_channels)])))
    kwargs.append(("fc", Call("nn.Linear", [num(last.out_channels), num(spec.num_classes)])))
    return "\n".join(lines + _tail(Call(name, [], kwargs), fold))
