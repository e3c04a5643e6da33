"""The registry of attention kinds: one record per kind, read by everyone.

Each file ``resattn/attention/<kind>.py`` holds one kind whole — its module class (the paper's
math, self-contained so the exporter can emit its source verbatim), its pydantic options model
(the spec's JSON fields, validated by `schemas`) and one `AttentionKind` record saying
everything else about it: how its sizes are resolved for C channels, its parameter formula,
its compute formula (MACs and elementwise ops of its forward), its label and one-line
description for the studio, its paper, the traits the linter reads, and which options the
exporter passes by keyword. The file registers the record with `register_kind`; `discover`
imports every file of this package, so a new kind is one new file.

Derived from the registry (and from nothing else): the spec's discriminated union
(`schemas.AttentionSpec`), `build_attention` / `attention_params` (builder and estimates), the
compute estimate (`resattn.estimates`: the linter's compute rules, the profiler, the trace), the
linter's traits, the exporter's classes and calls, the shape trace's leaf modules, the studio's
palette and help, the property-test strategies and the kinds table of docs/design.md.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

from fvcore.common.registry import Registry
from torch import nn

#: the traits a kind may have (the linter's vocabulary, docs/diagnostics.md)
TRAITS = frozenset({"channel", "spatial", "parameter_free", "heavy"})


@dataclass(frozen=True)
class AttentionKind:
    """Everything about one attention kind (see the module docstring).

    `sizes(channels, spec)` gives the module's positional constructor arguments resolved for the
    `channels` it sees (hidden widths, kernel sizes); `keywords` names the options passed by
    keyword (the exporter writes one only when it differs from the constructor's default).
    `params(channels, spec)` is the documented parameter formula. `hidden(channels, spec)` is
    the hidden width of an MLP-style gate and `floor` the option that bounds it from below
    (the sizing rule RA201 reads both); `channel_kernel` is the size of a 1-D kernel across the
    channels (RA201 again). `gates` is how many gates multiply the feature at initialisation
    (each ≈ 0.5). `identity_start` says whether the module can start as an exact identity,
    which the skip slot needs (notes §3 P4, §6); a kind without one is refused there (RA104).
    `detail(spec)` is the chip's second line in the studio.

    `work(sizes, n, c, h, w, extra)` is the compute formula of the module's forward on an
    N×C×H×W feature, `sizes` being what `sizes` resolves for those C channels: the pair
    ``(macs, elementwise_ops)`` by the counting rules of `resattn.counting` (MACs of every
    conv / linear / matmul, the module's matrix products included; elementwise ops by the op
    table there). `extra` is 1 for a module built to start as an identity (its gates double
    their weights: one more multiply per gate element), else 0. The spec-only compute estimate
    (`resattn.estimates`) reads it; a test holds it equal to fvcore's count of the real module
    in every slot. A record without one is refused.
    """

    type: str
    options: type
    module: type[nn.Module]
    sizes: Callable[[int, Any], tuple]
    params: Callable[[int, Any], int]
    label: str
    name: str
    description: str
    citation: str
    traits: frozenset[str]
    order: int
    detail: Callable[[Any], str]
    work: Callable[[tuple, int, int, int, int, int], tuple[int, int]]
    keywords: tuple[str, ...] = ("gate",)
    hidden: Optional[Callable[[int, Any], int]] = None
    floor: Optional[str] = None
    channel_kernel: Optional[Callable[[int, Any], int]] = None
    gates: int = 1
    identity_start: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.traits) - TRAITS
        if unknown:
            raise ValueError(f"attention kind {self.type!r}: unknown traits {sorted(unknown)}")
        tag = self.options.model_fields["type"].annotation
        if getattr(tag, "__args__", None) != (self.type,):
            raise ValueError(f"attention kind {self.type!r}: its options model's `type` differs")
        if not callable(self.work):
            raise ValueError(f"attention kind {self.type!r}: no compute formula (`work`)")

    def __call__(self, channels: int, spec, identity_start: bool = False) -> nn.Module:
        """The module for `channels` (the registry's factory signature)."""
        return self.build(channels, spec, identity_start=identity_start)

    def build(self, channels: int, spec, *, identity_start: bool = False) -> nn.Module:
        """The module of `spec`, built for the `channels` it sees."""
        kwargs = {k: getattr(spec, k) for k in self.keywords}
        if identity_start and not self.identity_start:
            raise ValueError(f"{self.name} cannot start as an identity (see RA110)")
        if identity_start:
            kwargs["identity_start"] = True
        return self.module(*self.sizes(channels, spec), **kwargs)

    def keyword_defaults(self) -> dict[str, Any]:
        """The constructor's defaults of the keyword options."""
        parameters = inspect.signature(self.module).parameters
        return {k: parameters[k].default for k in self.keywords}

    @property
    def spatial(self) -> bool:
        return "spatial" in self.traits

    @property
    def heavy(self) -> bool:
        return "heavy" in self.traits

    @property
    def parameter_free(self) -> bool:
        return "parameter_free" in self.traits


class KindRegistry(Registry):
    """fvcore's registry whose lookup error lists the valid names."""

    def get(self, name: str):
        if name not in self:
            raise KeyError(f"unknown {self._name} kind {name!r}; valid: {', '.join(self.names())}")
        return super().get(name)

    def names(self) -> list[str]:
        return sorted(self._obj_map)


#: attention kinds by spec `type` (each value an `AttentionKind`, callable as a factory)
ATTENTION = KindRegistry("attention")
ATTENTION.__doc__ = "Attention kinds by spec `type`, one record per file of resattn/attention/."

#: files of this package that are not kinds
_NOT_KINDS = frozenset({"registry", "gate"})


def register_kind(kind: AttentionKind) -> AttentionKind:
    """Register a kind once (by its spec `type`)."""
    ATTENTION._do_register(kind.type, kind)
    return kind


_discovered: list[bool] = []


def discover() -> None:
    """Import every kind file of this package once (each registers its record)."""
    if _discovered:
        return
    _discovered.append(True)
    package = importlib.import_module(__name__.rpartition(".")[0])
    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in _NOT_KINDS and not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")


def kinds() -> list[AttentionKind]:
    """Every registered kind, in the studio's palette order."""
    discover()
    return sorted((ATTENTION.get(name) for name in ATTENTION.names()), key=lambda k: k.order)


def kind_of(spec) -> AttentionKind:
    """The record of an attention spec's kind."""
    return ATTENTION.get(spec.type)


def build_attention(spec, channels: int, *, identity_start: bool = False) -> Optional[nn.Module]:
    """The attention module of a slot, built for the `channels` it sees; None for an empty slot."""
    if spec is None:
        return None
    return kind_of(spec).build(channels, spec, identity_start=identity_start)


def attention_params(spec, channels: int) -> int:
    """Parameter count of an attention module by its documented formula (no module is built)."""
    if spec is None:
        return 0
    return kind_of(spec).params(channels, spec)


def class_names() -> frozenset[str]:
    """Names of the classes an exported file may define for attention (`Gate` included)."""
    from resattn.attention.gate import Gate

    return frozenset({Gate.__name__, *(k.module.__name__ for k in kinds())})


def kinds_table() -> str:
    """The kinds as a Markdown table (docs/design.md carries it; a test compares the two)."""
    rows = [
        "| type | label | name | gates | traits | paper |",
        "|---|---|---|---|---|---|",
    ]
    for k in kinds():
        traits = ", ".join(sorted(k.traits))
        rows.append(
            f"| `{k.type}` | {k.label} | {k.name} | {k.description} | {traits} | {k.citation} |"
        )
    return "\n".join(rows)
