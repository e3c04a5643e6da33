"""Layer tables of the exported helpers: the branch F, the projection P and the stem.

Each helper is a table of named layers, rendered into a small function that fills an
`nn.Sequential` in order, so the exported `state_dict` keys are the library's torchvision-style
names (``branch.conv1.weight`` …). The tables mirror `resattn.blocks` / `resattn.networks`; the
property tests prove the two agree (same keys, same outputs). With ``fold=True`` every BN that
directly follows a conv is dropped and that conv gains a bias — the structure
`resattn.export.fold_bn.fold_batchnorm` produces from a built module.
"""

from __future__ import annotations

from dataclasses import dataclass

from resattn.export.codegen import INDENT, Call, comment, docstring, render, signature

BIAS_OFF = ("bias", "False")


@dataclass(frozen=True)
class Layer:
    """One named layer of a helper: `kind` is conv, bn, act, drop or pool."""

    name: str
    kind: str
    expr: Call


def conv(name: str, c_in: str, c_out: str, k: int, *, stride=False, groups=False) -> Layer:
    kwargs = [("stride", "stride")] if stride else []
    kwargs += [("padding", str(k // 2))] if k > 1 else []
    kwargs += [("groups", "groups")] if groups else []
    return Layer(name, "conv", Call("nn.Conv2d", [c_in, c_out, str(k)], [*kwargs, BIAS_OFF]))


def bn(name: str, channels: str) -> Layer:
    return Layer(name, "bn", Call("nn.BatchNorm2d", [channels]))


def act(name: str) -> Layer:
    return Layer(name, "act", Call("nn.ReLU"))


DROP = Layer("drop", "drop", Call("nn.Dropout", ["dropout"]))


@dataclass(frozen=True)
class Helper:
    """A helper function: its name, parameters (after the channels), docstring and layers."""

    name: str
    var: str
    params: tuple[str, ...]
    doc: str
    layers: tuple[Layer, ...]

    def layers_for(self, fold: bool) -> list[Layer]:
        """The layers, with each conv → BN pair folded into one biased conv when `fold`."""
        if not fold:
            return list(self.layers)
        out: list[Layer] = []
        for layer in self.layers:
            if layer.kind == "bn" and out and out[-1].kind == "conv":
                prev = out.pop()
                kwargs = [kw for kw in prev.expr.kwargs if kw != BIAS_OFF]
                out.append(Layer(prev.name, "conv", Call(prev.expr.func, prev.expr.args, kwargs)))
            else:
                out.append(layer)
        return out

    def zero_init_target(self) -> str:
        """The layer whose weight `zero_init` zeroes: the branch's last BN (or conv, preact)."""
        return [x for x in self.layers if x.kind in ("bn", "conv")][-1].name

    def source(self, *, fold: bool, dropout: bool) -> str:
        """The helper's source. `dropout` adds the optional dropout layer and its parameter."""
        params = [p for p in self.params if p != "dropout: float" or dropout]
        zero_init = self.var == "branch" and not fold
        params += ["zero_init: bool"] if zero_init else []
        lines = signature(self.name, params, "nn.Sequential")
        doc = self.doc + (
            " Inference export: each BN after a conv is folded into it." if fold else ""
        )
        lines += docstring([doc], INDENT)
        lines.append(f"{INDENT}{self.var} = nn.Sequential()")
        for layer in self.layers_for(fold):
            if layer.kind == "drop":
                if dropout:
                    lines.append(f"{INDENT}if dropout > 0:")
                    lines += render(layer.expr, INDENT * 2, f"{self.var}.{layer.name} = ")
                continue
            lines += render(layer.expr, INDENT, f"{self.var}.{layer.name} = ")
        if zero_init:
            lines.append(f"{INDENT}if zero_init:")
            last = self.zero_init_target()
            what = "gamma of the last BN" if last.startswith("bn") else "last conv (no BN after it)"
            lines += comment(
                f"The {what} starts at 0, so F(x) = 0 and the block starts as an identity "
                "(notes §6).",
                INDENT * 2,
            )
            target = f"{self.var}.{last}.weight"
            lines.append(f"{INDENT * 2}nn.init.zeros_({target})")
        lines.append(f"{INDENT}return {self.var}")
        return "\n".join(lines)


_BASIC_PARAMS = ("in_channels: int", "out_channels: int", "stride: int", "dropout: float")
_BOTTLENECK_PARAMS = (
    "in_channels: int",
    "width: int",
    "out_channels: int",
    "stride: int",
    "groups: int",
    "dropout: float",
)
_PROJ_PARAMS = ("in_channels: int", "out_channels: int", "stride: int")


def _projection(name: str, pool: bool, norm: bool, doc: str) -> Helper:
    layers = []
    if pool:
        pool_call = Call(
            "nn.AvgPool2d",
            ["stride", "stride"],
            [("ceil_mode", "True"), ("count_include_pad", "False")],
        )
        layers.append(Layer("pool", "pool", pool_call))  # ResNet-D: pool, then a stride-1 conv
        layers.append(conv("conv", "in_channels", "out_channels", 1))
    else:
        layers.append(conv("conv", "in_channels", "out_channels", 1, stride=True))
    if norm:
        layers.append(bn("bn", "out_channels"))
    return Helper(name, "shortcut", _PROJ_PARAMS, doc, tuple(layers))


_PROJ_DOC = "P: 1×1 conv{pool} + BN on the skip, where stride or channels change (notes §12.2)."

#: (block type, preact) → the branch helper
BRANCHES = {
    ("basic", False): Helper(
        "basic_branch",
        "branch",
        _BASIC_PARAMS,
        "F: 3×3 conv (stride) → BN → ReLU → 3×3 conv → BN.",
        (
            conv("conv1", "in_channels", "out_channels", 3, stride=True),
            bn("bn1", "out_channels"),
            act("act1"),
            DROP,
            conv("conv2", "out_channels", "out_channels", 3),
            bn("bn2", "out_channels"),
        ),
    ),
    ("basic", True): Helper(
        "preact_basic_branch",
        "branch",
        _BASIC_PARAMS,
        "F, pre-activation order (ResNet v2): BN → ReLU → 3×3 conv (stride) → BN → ReLU → 3×3.",
        (
            bn("bn1", "in_channels"),
            act("act1"),
            conv("conv1", "in_channels", "out_channels", 3, stride=True),
            bn("bn2", "out_channels"),
            act("act2"),
            DROP,
            conv("conv2", "out_channels", "out_channels", 3),
        ),
    ),
    ("bottleneck", False): Helper(
        "bottleneck_branch",
        "branch",
        _BOTTLENECK_PARAMS,
        "F: 1×1 reduce → 3×3 (stride and groups here, 'ResNet v1.5') → 1×1 expand, BN after each.",
        (
            conv("conv1", "in_channels", "width", 1),
            bn("bn1", "width"),
            act("act1"),
            conv("conv2", "width", "width", 3, stride=True, groups=True),
            bn("bn2", "width"),
            act("act2"),
            DROP,
            conv("conv3", "width", "out_channels", 1),
            bn("bn3", "out_channels"),
        ),
    ),
    ("bottleneck", True): Helper(
        "preact_bottleneck_branch",
        "branch",
        _BOTTLENECK_PARAMS,
        "F, pre-activation order: (BN → ReLU → conv) × 3 as 1×1 reduce → 3×3 (stride, groups) → "
        "1×1 expand.",
        (
            bn("bn1", "in_channels"),
            act("act1"),
            conv("conv1", "in_channels", "width", 1),
            bn("bn2", "width"),
            act("act2"),
            conv("conv2", "width", "width", 3, stride=True, groups=True),
            bn("bn3", "width"),
            act("act3"),
            DROP,
            conv("conv3", "width", "out_channels", 1),
        ),
    ),
}

#: (avg-pool first, BN after the conv) → the projection helper
PROJECTIONS = {
    (False, True): _projection("projection", False, True, _PROJ_DOC.format(pool="")),
    (True, True): _projection(
        "pool_projection", True, True, _PROJ_DOC.format(pool=" after an average pool (ResNet-D)")
    ),
    (False, False): _projection(
        "preact_projection",
        False,
        False,
        "P: 1×1 conv on the skip, no BN (pre-activation, ResNet v2; notes §12.2).",
    ),
    (True, False): _projection(
        "preact_pool_projection",
        True,
        False,
        "P: average pool (ResNet-D) then 1×1 conv, no BN (pre-activation; notes §12.2).",
    ),
}

_STEM_PARAMS = ("in_channels: int", "out_channels: int")

#: stem type → the stem helper
STEMS = {
    "imagenet": Helper(
        "imagenet_stem",
        "stem",
        _STEM_PARAMS,
        "Stem: 7×7/2 conv → BN → ReLU → 3×3/2 max-pool.",
        (
            Layer(
                "conv",
                "conv",
                Call(
                    "nn.Conv2d",
                    ["in_channels", "out_channels", "7"],
                    [("stride", "2"), ("padding", "3"), BIAS_OFF],
                ),
            ),
            bn("bn", "out_channels"),
            act("act"),
            Layer("pool", "pool", Call("nn.MaxPool2d", ["3"], [("stride", "2"), ("padding", "1")])),
        ),
    ),
    "cifar": Helper(
        "cifar_stem",
        "stem",
        _STEM_PARAMS,
        "Stem: 3×3 conv → BN → ReLU (CIFAR-style, keeps H and W).",
        (
            Layer(
                "conv",
                "conv",
                Call(
                    "nn.Conv2d", ["in_channels", "out_channels", "3"], [("padding", "1"), BIAS_OFF]
                ),
            ),
            bn("bn", "out_channels"),
            act("act"),
        ),
    ),
}

#: every helper name the exported file may define
HELPER_NAMES = frozenset(h.name for table in (BRANCHES, PROJECTIONS, STEMS) for h in table.values())
