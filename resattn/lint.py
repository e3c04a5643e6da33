"""The design linter's rule registry (DESIGN §4) and the rules every build depends on.

A rule is a function ``rule(ctx) -> iterable of Finding`` registered with `@rule(code, ...)`.
Block rules see each block (a network's blocks are linted one by one, paths mapped back to the
stage they come from); network rules see the whole network. Codes are stable: see the table in
docs/diagnostics.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple, Optional

from resattn.blocks import resolve_shortcut
from resattn.shapes import block_out_hw
from schemas import BlockSpec, DesignError, Diagnostic, NetworkSpec


class Finding(NamedTuple):
    """What a rule reports: the field (block-relative for block rules), message and fix."""

    field: str
    message: str
    hint: str


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    ref: str
    title: str
    scope: str  # "block" or "network"
    check: Callable[..., Iterable[Finding]]


RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, ref: str, title: str, scope: str = "block"):
    """Register a lint rule under a stable code."""

    def register(func):
        if code in RULES:
            raise ValueError(f"lint rule {code} registered twice")
        RULES[code] = Rule(code, severity, ref, title, scope, func)
        return func

    return register


@dataclass(frozen=True)
class BlockContext:
    """A block under lint: its spec and how its fields map to paths of the linted spec."""

    spec: BlockSpec
    prefix: str = ""  # "" for a block spec, "stages[i]" for a network's block
    network: Optional[NetworkSpec] = None

    def path(self, field: str) -> str:
        """JSON path, in the linted spec, of a block-spec field such as ``block.stride``."""
        if not self.prefix:
            return field
        if field in ("block.out_channels", "block.stride"):
            return f"{self.prefix}.{field.split('.', 1)[1]}"
        if field.startswith("input"):
            return self.prefix
        return f"{self.prefix}.{field}" if field else self.prefix


def block_contexts(spec) -> list[BlockContext]:
    """One context per block (a network's blocks in order)."""
    if isinstance(spec, BlockSpec):
        return [BlockContext(spec)]
    from resattn.networks import expand_blocks

    return [BlockContext(b.spec, b.path, spec) for b in expand_blocks(spec)]


def lint(spec) -> list[Diagnostic]:
    """Every finding of every registered rule, deduplicated, errors first."""
    seen: dict[tuple[str, str], Diagnostic] = {}
    contexts = block_contexts(spec)
    for r in RULES.values():
        if r.scope == "network":
            targets = [spec] if isinstance(spec, NetworkSpec) else []
            found = ((f, lambda field: field) for t in targets for f in r.check(t))
        else:
            found = ((f, ctx.path) for ctx in contexts for f in r.check(ctx))
        for finding, to_path in found:
            path = to_path(finding.field)
            seen.setdefault(
                (r.code, path),
                Diagnostic(
                    code=r.code,
                    severity=r.severity,
                    path=path,
                    message=finding.message,
                    hint=finding.hint,
                    ref=r.ref,
                ),
            )
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(seen.values(), key=lambda d: (order[d.severity], d.code))


def ensure_buildable(spec) -> None:
    """Raise `DesignError` if the linter finds errors (they block build and export)."""
    errors = [d for d in lint(spec) if d.severity == "error"]
    if errors:
        raise DesignError(errors)


def fmt_shape(channels: int, height: int, width: int) -> str:
    return f"{channels} channels at {height}×{width}"


@rule("RA101", "error", "§12.2", "Identity shortcut where shapes differ")
def identity_shortcut_mismatch(ctx: BlockContext):
    spec = ctx.spec
    c_in, c_out, stride = spec.input.channels, spec.block.out_channels, spec.block.stride
    if spec.shortcut != "identity" or resolve_shortcut("auto", c_in, c_out, stride) == "identity":
        return
    h, w = block_out_hw(spec.input.height, spec.input.width, stride)
    yield Finding(
        "shortcut",
        f"The skip path carries {fmt_shape(c_in, spec.input.height, spec.input.width)} but the "
        f"branch outputs {fmt_shape(c_out, h, w)}, so `x + F(x)` cannot be added.",
        "set `shortcut` to `auto` or `conv1x1` (a 1×1 conv + BN projection on the skip, "
        "notes §12.2)",
    )
