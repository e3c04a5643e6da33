"""Layer tables: the one description of the residual branch F, the skip projection P and the stem.

Each table is an ordered list of named layers — a torch.nn class and its constructor arguments —
written in terms of the table's parameters (``in_channels``, ``width``, ``stride`` …). Two things
are made from the same table:

* the library instantiates it with numbers (`instantiate`) into an ``nn.Sequential`` whose
  children carry the table's names, so state_dict keys read like torchvision
  (``branch.conv1.weight``, ``shortcut.bn.running_mean``, ``stem.conv.weight``);
* the exporter renders it (`resattn.export.helpers`) as a small helper function that fills an
  ``nn.Sequential`` in the same order, with the parameter names left symbolic.

An argument is either a parameter name (a ``str``) or a literal (``int`` / ``bool``). Layer names
follow torchvision (conv1/bn1/…). Nothing here depends on a spec: tables are fixed data.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional, Union

from torch import nn

#: a constructor argument: a table parameter (by name) or a literal
Arg = Union[str, int, bool]

#: every parameter a table may take → its type; sizes are passed by position, the rest by keyword
PARAM_TYPES = {
    "in_channels": int,
    "width": int,
    "out_channels": int,
    "stride": int,
    "groups": int,
    "dropout": float,
}
SIZES = frozenset({"in_channels", "width", "out_channels"})


@dataclass(frozen=True)
class Layer:
    """One named layer: ``op(*args, **dict(kwargs))``; with `only_if`, present only when that
    parameter is > 0 (the dropout layer)."""

    name: str
    op: type[nn.Module]
    args: tuple[Arg, ...] = ()
    kwargs: tuple[tuple[str, Arg], ...] = ()
    only_if: Optional[str] = None

    def refs(self) -> list[str]:
        """The table parameters this layer's arguments name."""
        values = [*self.args, *(v for _, v in self.kwargs), self.only_if]
        return [v for v in values if isinstance(v, str)]


@dataclass(frozen=True)
class LayerTable:
    """An ordered layer table: `name` (the exported helper's name), `role` (the attribute it
    fills: branch, shortcut or stem), its parameters, a one-line description and the layers."""

    name: str
    role: str
    params: tuple[str, ...]
    doc: str
    layers: tuple[Layer, ...]

    def __post_init__(self) -> None:
        used = {r for layer in self.layers for r in layer.refs()}
        if not used <= set(self.params) <= set(PARAM_TYPES):
            raise ValueError(f"table {self.name}: parameters {self.params} vs used {used}")

    @property
    def zero_init_target(self) -> Layer:
        """The layer `zero_init_last_bn` zeroes: the last BN, or the last conv when no BN
        follows it (pre-activation), so F(x) ≡ 0 and the block starts as an identity."""
        return [x for x in self.layers if x.op in (nn.BatchNorm2d, nn.Conv2d)][-1]


#: the values of a table's parameters
Values = Mapping[str, Union[int, float]]
#: a layer table and the values of its parameters
BoundTable = tuple[LayerTable, dict]


def bind_kwargs(layer: Layer, values: Values) -> tuple[list, dict]:
    """The layer's constructor arguments with its table parameters bound to `values`."""

    def bind(arg: Arg):
        return values[arg] if isinstance(arg, str) else arg

    return [bind(a) for a in layer.args], {k: bind(v) for k, v in layer.kwargs}


def build_layer(layer: Layer, values: Values) -> nn.Module:
    """One layer as a real module, its parameters bound to `values`."""
    args, kwargs = bind_kwargs(layer, values)
    return layer.op(*args, **kwargs)


def instantiate(table: LayerTable, values: Values) -> nn.Sequential:
    """The table as an ``nn.Sequential`` of real modules named as in the table, in its order."""
    modules = [
        (layer.name, build_layer(layer, values))
        for layer in table.layers
        if layer.only_if is None or values[layer.only_if] > 0
    ]
    return nn.Sequential(OrderedDict(modules))


# ----- layer constructors (the vocabulary the tables are written in) -------------------------


def conv(name: str, c_in: Arg, c_out: Arg, k: int, *, stride: Arg = 1, groups: Arg = 1) -> Layer:
    """A bias-free k×k conv, padded to keep H and W at stride 1; defaults are left unwritten."""
    kwargs = [("stride", stride)] if stride != 1 else []
    kwargs += [("padding", k // 2)] if k > 1 else []
    kwargs += [("groups", groups)] if groups != 1 else []
    return Layer(name, nn.Conv2d, (c_in, c_out, k), (*kwargs, ("bias", False)))


def bn(name: str, channels: str) -> Layer:
    return Layer(name, nn.BatchNorm2d, (channels,))


def relu(name: str) -> Layer:
    return Layer(name, nn.ReLU)


#: dropout between the branch convs, only when p > 0
DROP = Layer("drop", nn.Dropout, ("dropout",), only_if="dropout")

#: ResNet-D: average-pool by the stride (partial windows averaged over real pixels only)
AVG_POOL = Layer(
    "pool",
    nn.AvgPool2d,
    ("stride", "stride"),
    (("ceil_mode", True), ("count_include_pad", False)),
)


# ----- the branch F: (block type, preact) → table ---------------------------------------------

_BASIC = ("in_channels", "out_channels", "stride", "dropout")
_BOTTLENECK = ("in_channels", "width", "out_channels", "stride", "groups", "dropout")

BRANCH_TABLES = {
    ("basic", False): LayerTable(
        "basic_branch",
        "branch",
        _BASIC,
        "F: 3×3 conv (stride) → BN → ReLU → 3×3 conv → BN.",
        (
            conv("conv1", "in_channels", "out_channels", 3, stride="stride"),
            bn("bn1", "out_channels"),
            relu("act1"),
            DROP,
            conv("conv2", "out_channels", "out_channels", 3),
            bn("bn2", "out_channels"),
        ),
    ),
    ("basic", True): LayerTable(
        "preact_basic_branch",
        "branch",
        _BASIC,
        "F, pre-activation order (ResNet v2): BN → ReLU → 3×3 conv (stride) → BN → ReLU → 3×3.",
        (
            bn("bn1", "in_channels"),
            relu("act1"),
            conv("conv1", "in_channels", "out_channels", 3, stride="stride"),
            bn("bn2", "out_channels"),
            relu("act2"),
            DROP,
            conv("conv2", "out_channels", "out_channels", 3),
        ),
    ),
    ("bottleneck", False): LayerTable(
        "bottleneck_branch",
        "branch",
        _BOTTLENECK,
        "F: 1×1 reduce → 3×3 (stride and groups here, 'ResNet v1.5') → 1×1 expand, BN after each.",
        (
            conv("conv1", "in_channels", "width", 1),
            bn("bn1", "width"),
            relu("act1"),
            conv("conv2", "width", "width", 3, stride="stride", groups="groups"),
            bn("bn2", "width"),
            relu("act2"),
            DROP,
            conv("conv3", "width", "out_channels", 1),
            bn("bn3", "out_channels"),
        ),
    ),
    ("bottleneck", True): LayerTable(
        "preact_bottleneck_branch",
        "branch",
        _BOTTLENECK,
        "F, pre-activation order: (BN → ReLU → conv) × 3 as 1×1 reduce → 3×3 (stride, groups) → "
        "1×1 expand.",
        (
            bn("bn1", "in_channels"),
            relu("act1"),
            conv("conv1", "in_channels", "width", 1),
            bn("bn2", "width"),
            relu("act2"),
            conv("conv2", "width", "width", 3, stride="stride", groups="groups"),
            bn("bn3", "width"),
            relu("act3"),
            DROP,
            conv("conv3", "width", "out_channels", 1),
        ),
    ),
}


# ----- the projection P: (average-pool first, BN after the conv) → table -----------------------


def _projection(name: str, pool: bool, norm: bool, doc: str) -> LayerTable:
    # ResNet-D pools by the stride first, so its conv runs at stride 1
    layers = [AVG_POOL] if pool else []
    layers.append(conv("conv", "in_channels", "out_channels", 1, stride=1 if pool else "stride"))
    layers += [bn("bn", "out_channels")] if norm else []
    return LayerTable(
        name, "shortcut", ("in_channels", "out_channels", "stride"), doc, tuple(layers)
    )


_PROJ_DOC = "P: 1×1 conv{pool} + BN on the skip, where stride or channels change (notes §12.2)."

PROJECTION_TABLES = {
    (False, True): _projection("projection", False, True, _PROJ_DOC.format(pool="")),
    (True, True): _projection(
        "pool_projection", True, True, _PROJ_DOC.format(pool=" after an average pool (ResNet-D)")
    ),
    # pre-activation blocks project without BN (ResNet v2)
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


# ----- the network stem: stem type → table -----------------------------------------------------

#: the stems' max-pool: 3×3, stride 2, padding 1
MAX_POOL = Layer("pool", nn.MaxPool2d, (3,), (("stride", 2), ("padding", 1)))


def _deep_stem(name: str, first: int, second: int, doc: str) -> LayerTable:
    """The deep stem (ResNet-C): three 3×3 convs first → second → out, BN + ReLU after each."""
    return LayerTable(
        name,
        "stem",
        ("in_channels", "out_channels"),
        doc,
        (
            conv("conv1", "in_channels", first, 3, stride=2),
            Layer("bn1", nn.BatchNorm2d, (first,)),
            relu("act1"),
            conv("conv2", first, second, 3),
            Layer("bn2", nn.BatchNorm2d, (second,)),
            relu("act2"),
            conv("conv3", second, "out_channels", 3),
            bn("bn3", "out_channels"),
            relu("act3"),
            MAX_POOL,
        ),
    )


STEM_TABLES = {
    "imagenet": LayerTable(
        "imagenet_stem",
        "stem",
        ("in_channels", "out_channels"),
        "Stem: 7×7/2 conv → BN → ReLU → 3×3/2 max-pool.",
        (
            conv("conv", "in_channels", "out_channels", 7, stride=2),
            bn("bn", "out_channels"),
            relu("act"),
            MAX_POOL,
        ),
    ),
    "deep": _deep_stem(
        "deep_stem",
        32,
        32,
        "Stem: three 3×3 convs 32 → 32 → out (the first stride 2), BN + ReLU after each, then "
        "3×3/2 max-pool (ResNet-C, He et al., 'Bag of Tricks', 2019).",
    ),
    "deep_tiered": _deep_stem(
        "deep_tiered_stem",
        24,
        32,
        "Stem: three 3×3 convs 24 → 32 → out (the first stride 2), BN + ReLU after each, then "
        "3×3/2 max-pool (the tiered deep stem).",
    ),
    "cifar": LayerTable(
        "cifar_stem",
        "stem",
        ("in_channels", "out_channels"),
        "Stem: 3×3 conv → BN → ReLU (CIFAR-style, keeps H and W).",
        (
            conv("conv", "in_channels", "out_channels", 3),
            bn("bn", "out_channels"),
            relu("act"),
        ),
    ),
}

#: every table, for the exporter's list of names its file defines
ALL_TABLES = (*BRANCH_TABLES.values(), *PROJECTION_TABLES.values(), *STEM_TABLES.values())
