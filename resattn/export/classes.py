"""The generated classes: one block class per wiring, and the network class."""

from __future__ import annotations

from typing import Optional

from resattn.export.codegen import INDENT, comment, docstring, signature
from resattn.export.plan import BLOCK_ATTRS, Wiring
from schemas import SLOT

_FORWARD_COMMENTS = {
    "identity": "The identity travels on its own path straight to the add (notes, first rule).",
    "shortcut": "P: x and F(x) differ in shape (stride or channels), so the skip needs a 1×1 "
    "projection (notes §12.2).",
    "auto_shortcut": "P: a 1×1 projection (notes §12.2), only where x and F(x) differ in "
    "shape; otherwise the identity travels alone to the add (notes, first rule).",
    "attn_skip": "P4: A_s gates the skip; it starts as an exact identity, gate = 1 (notes §3, §6).",
    "attn_pre": "P3: A_p gates what enters the branch (notes §3).",
    "branch": "F: the residual branch.",
    "attn_branch": "P1: A_r gates F(x) only; the identity stays pure (notes §3).",
    "attn_post": "P2: A_o gates identity and F(x) together (notes §3).",
    "act": "ReLU after the add: post-activation family (notes §12.3).",
    "no_act": "No activation after the add: pre-activation family (notes §12.3).",
}


def block_class(
    name: str,
    wiring: Wiring,
    formula_text: str,
    *,
    init: Optional[list[str]] = None,
    auto_shortcut: bool = False,
    notes: tuple[str, ...] = (),
) -> str:
    """A block class. By default its constructor takes the built modules; `init` replaces that
    constructor (a reusable class building its own modules from arguments), and with
    `auto_shortcut` the skip projects only when the constructor built a projection."""
    attrs = [a for a in BLOCK_ATTRS if a == "branch" or _has(wiring, a)]
    i2 = INDENT * 2
    lines = [f"class {name}(nn.Module):"]
    lines += docstring(
        [
            "Residual block with attention gates (A(z) = z ⊙ α(z), never added to F(x)).",
            f"{INDENT}{formula_text}",
            _wiring_text(wiring),
            *notes,
        ],
        INDENT,
    )
    lines.append("")
    if init is None:
        lines += signature("__init__", ["self", *(f"{a}: nn.Module" for a in attrs)], "", INDENT)
        lines.append(f"{i2}super().__init__()")
        lines += [f"{i2}self.{a} = {a}" for a in attrs]
        lines += [f"{i2}self.act = nn.ReLU()"] if wiring.post_act else []
    else:
        lines += init
    lines.append("")
    lines.append(f"{INDENT}def forward(self, x: torch.Tensor) -> torch.Tensor:")

    def step(key: str, code: str) -> None:
        lines.extend(comment(_FORWARD_COMMENTS[key], i2))
        lines.append(f"{i2}{code}")

    if auto_shortcut:
        step("auto_shortcut", "identity = x if self.shortcut is None else self.shortcut(x)")
    elif wiring.shortcut:
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
    gates = ", ".join(f"{s} ({SLOT[s].pattern})" for s in wiring.slots) or "none"
    act = "ReLU" if wiring.post_act else "no activation"
    return f"Wiring: {skip}; attention slots: {gates}; {act} after the add."


def _has(wiring: Wiring, attr: str) -> bool:
    if attr == "shortcut":
        return wiring.shortcut
    return any(SLOT[s].attr == attr for s in wiring.slots)


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
