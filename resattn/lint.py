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
from resattn.loading import load_spec
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
    scope: str  # "block" (each block), "network" (a network as a whole) or "spec" (any spec)
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
    stage: int = 0  # 0-based stage and block index within a network
    index: int = 0

    @property
    def where(self) -> str:
        """How a message names the block: "" for a block spec, " (stage 2, block 1)" otherwise."""
        return f" (stage {self.stage + 1}, block {self.index + 1})" if self.network else ""

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

    return [BlockContext(b.spec, b.path, spec, b.stage, b.index) for b in expand_blocks(spec)]


def lint(spec) -> list[Diagnostic]:
    """Every finding of every registered rule, deduplicated, errors first.

    `spec` is anything `load_spec` accepts (a spec object, dict, JSON text, "preset:NAME").
    """
    spec = load_spec(spec)
    seen: dict[tuple[str, str], Diagnostic] = {}
    contexts = block_contexts(spec)
    for r in RULES.values():
        if r.scope != "block":
            applies = r.scope == "spec" or isinstance(spec, NetworkSpec)
            found = ((f, _same) for f in (r.check(spec) if applies else ()))
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


def _same(field: str) -> str:
    return field


def ensure_buildable(spec) -> None:
    """Raise `DesignError` if the linter finds errors (they block build and export)."""
    errors = [d for d in lint(spec) if d.severity == "error"]
    if errors:
        raise DesignError(errors)


def fmt_shape(channels: int, height: int, width: int) -> str:
    return f"{channels} channels at {height}×{width}"


def fmt_bytes(n: float) -> str:
    """1536 → "1.5 KiB" (binary units)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


#: Spatial attention kinds (they gate H×W as well as channels): the "heavy" ones of notes §12.4.
HEAVY = frozenset({"cbam", "coord"})

#: attention `type` → the name people know it by
LABELS = {"se": "SE", "eca": "ECA", "cbam": "CBAM", "coord": "Coordinate Attention"}

#: Estimated activation memory (every feature map of one forward, float32) a design may need.
MAX_ACTIVATION_BYTES = 2 * 1024**3


def slot_channels(spec: BlockSpec, slot: str) -> int:
    """Channels the attention in `slot` sees: A_p the block input, the others the output."""
    return spec.input.channels if slot == "pre_residual" else spec.block.out_channels


def heavy_slots(spec: BlockSpec) -> dict[str, object]:
    """The filled slots holding a spatial (CBAM / Coordinate Attention) module."""
    return {k: v for k, v in spec.slots.filled().items() if v.type in HEAVY}


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
        "set `shortcut` to `auto` or `conv1x1` (a 1×1 conv + BN projection on the skip)",
    )


@rule("RA102", "error", "DESIGN §2", "Estimated activation memory over the cap", scope="spec")
def resource_bounds(spec):
    from resattn.check import estimate_activation_bytes

    estimate = estimate_activation_bytes(spec)
    if estimate <= MAX_ACTIVATION_BYTES:
        return
    inp = spec.input
    shape = fmt_shape(inp.channels, inp.height, inp.width)
    yield Finding(
        "input",
        f"One forward pass at batch {inp.batch} with {shape} produces about "
        f"{fmt_bytes(estimate)} of feature maps, over the {fmt_bytes(MAX_ACTIVATION_BYTES)} "
        "this tool allows; nothing was allocated.",
        "lower `input.batch`, the input height × width, or the channels",
    )


def _reduction_sizing(attn, channels: int):
    """(hidden width, what sizes it) of an MLP-style gate, or None when it fits `channels`."""
    from resattn.attention.cbam import cbam_hidden
    from resattn.attention.coord import coord_hidden
    from resattn.attention.se import se_hidden

    hidden = {
        "se": lambda: se_hidden(channels, attn.reduction, attn.divisor),
        "cbam": lambda: cbam_hidden(channels, attn.reduction),
        "coord": lambda: coord_hidden(channels, attn.reduction, attn.min_channels),
    }[attn.type]()
    if attn.reduction > channels or hidden > channels:
        return hidden
    return None


@rule("RA201", "warning", "§12.1", "Attention sized for more channels than it sees")
def attention_sizing(ctx: BlockContext):
    from resattn.attention.eca import eca_kernel_size

    for slot, attn in ctx.spec.slots.filled().items():
        c = slot_channels(ctx.spec, slot)
        label = LABELS[attn.type]
        if attn.type == "eca":
            k = attn.kernel_size or eca_kernel_size(c)
            if k > c:
                yield Finding(
                    f"slots.{slot}",
                    f"{label} in `{slot}` sees {c} channels{ctx.where}, but its 1-D kernel spans "
                    f"{k}: most of the window falls on zero padding.",
                    f"set `kernel_size` to at most {c if c % 2 else c - 1} or null (adaptive)",
                )
            continue
        hidden = _reduction_sizing(attn, c)
        if hidden is not None:
            yield Finding(
                f"slots.{slot}",
                f"{label} in `{slot}` sees {c} channels{ctx.where}, but reduction "
                f"{attn.reduction} is meant for a wider tensor: C/r = {c / attn.reduction:.2g}, "
                f"so the hidden width clamps to {hidden} and the gate no longer squeezes.",
                f"choose `reduction` ≤ {max(1, c // 2)} for {c} channels (attention is built for "
                "the channels it actually sees)",
            )


@rule("RA202", "warning", "§12.3", "Post-add activation mixed with pre-activation")
def mixed_post_add_activation(ctx: BlockContext):
    spec = ctx.spec
    if spec.block.preact and spec.post_add_activation == "relu":
        yield Finding(
            "post_add_activation",
            f"This pre-activation block{ctx.where} applies ReLU after the add; pre-activation "
            "blocks keep the sum linear, so mixing the two orders shifts the statistics the next "
            "block's BN sees.",
            "set `post_add_activation` to null (the family default) or `none`",
        )
    elif not spec.block.preact and spec.post_add_activation == "none":
        yield Finding(
            "post_add_activation",
            f"This post-activation block{ctx.where} has no ReLU after the add; post-activation "
            "blocks (ResNet v1) end in one, so the next block sees signed, unrectified sums.",
            "set `post_add_activation` to null (the family default) or `relu`, or use "
            "`preact: true` throughout",
        )


@rule("RA203", "warning", "§12.4", "Heavy attention in every block", scope="network")
def attention_everywhere(net: NetworkSpec):
    from resattn.counting import meta_costs, without_attention

    kinds = [{a.type for a in stage.slots.filled().values()} & HEAVY for stage in net.stages]
    if not all(kinds):
        return
    blocks = sum(stage.depth for stage in net.stages)
    names = " and ".join(sorted(LABELS[k] for k in set().union(*kinds)))
    params_pct, macs_pct = meta_costs(net).overhead(meta_costs(without_attention(net)))
    yield Finding(
        "stages",
        f"{names} sits in every one of the {blocks} blocks: it adds {macs_pct:.1f}% MACs and "
        f"{params_pct:.1f}% parameters over the same network without attention, and gates every "
        "block's training signal.",
        "choose per stage: keep spatial attention where it pays (often the deeper stages) "
        "and use SE/ECA or nothing elsewhere",
    )


def _stage_depth(ctx: BlockContext) -> int:
    return ctx.network.stages[ctx.stage].depth if ctx.network else 1


@rule("RA204", "warning", "§3", "P2 over-suppression risk")
def post_add_suppression(ctx: BlockContext):
    attn = ctx.spec.slots.post_add
    if attn is None:
        return
    depth = _stage_depth(ctx)
    chain = (
        f"; through the {depth} blocks of this stage that is about 0.5^{depth} = "
        f"{0.5**depth:.2g} of the input"
        if depth > 1
        else ""
    )
    yield Finding(
        "slots.post_add",
        f"{LABELS[attn.type]} in `post_add`{ctx.where} multiplies x + F(x), identity included, by "
        f"α ∈ [0, 1]: at initialisation α ≈ 0.5, so the block roughly halves the identity signal"
        f"{chain}.",
        "prefer `branch` (P1, the identity stays pure); keep P2 only if an ablation shows it "
        "helps, and watch the loss for oscillation (notes §8)",
    )


@rule("RA205", "warning", "§3", "P3 input starvation risk")
def pre_residual_starvation(ctx: BlockContext):
    attn = ctx.spec.slots.pre_residual
    if attn is None:
        return
    scale = "0.25 (two gates)" if attn.type in HEAVY else "0.5"
    yield Finding(
        "slots.pre_residual",
        f"{LABELS[attn.type]} in `pre_residual`{ctx.where} gates the input before F sees it: at "
        f"initialisation F receives about {scale} of x, and if the gate learns badly F learns "
        "less (the identity still passes untouched).",
        "prefer `branch` (P1); use P3 early in the network or in light backbones and compare "
        "against P1 (notes §8)",
    )


@rule("RA206", "warning", "§3, §6", "P4 skip gate not a light identity start")
def skip_not_identity(ctx: BlockContext):
    attn = ctx.spec.slots.skip
    if attn is None:
        return
    if attn.type in HEAVY:
        yield Finding(
            "slots.skip",
            f"{LABELS[attn.type]} in `skip`{ctx.where} is a spatial gate on the identity path: it "
            "starts at exactly 1 here, but it can learn to mask regions of x, and the notes keep "
            "A_s very light.",
            "use SE or ECA on the skip, or move the spatial attention to `branch`",
        )
    if not ctx.spec.zero_init_last_bn:
        yield Finding(
            "zero_init_last_bn",
            f"The skip gate starts at 1, but `zero_init_last_bn` is off{ctx.where}: F(x) ≠ 0 at "
            "initialisation, so the block does not start as an identity and the gated skip "
            "competes with an untrained branch.",
            "set `zero_init_last_bn` to true (the default)",
        )


@rule("RA207", "warning", "§9", "Pre-activation block with spatial attention")
def preact_spatial(ctx: BlockContext):
    if not ctx.spec.block.preact:
        return
    for slot, attn in heavy_slots(ctx.spec).items():
        yield Finding(
            f"slots.{slot}",
            f"{LABELS[attn.type]} in `{slot}` of a pre-activation block{ctx.where}: its gates see "
            "features that have not been normalised and rectified yet (BN → ReLU come before "
            "the next conv), so strong spatial attention here needs validation.",
            "prefer SE/ECA, or keep the spatial attention at the end of the branch and compare "
            "against the plain pre-activation block",
        )


@rule("RA208", "warning", "§5", "Spatial attention placed early")
def spatial_early(ctx: BlockContext):
    attn = ctx.spec.slots.pre_residual
    if attn is None or attn.type not in HEAVY:
        return
    inp = ctx.spec.input
    yield Finding(
        "slots.pre_residual",
        f"{LABELS[attn.type]} in `pre_residual`{ctx.where} works on the raw block input "
        f"({fmt_shape(inp.channels, inp.height, inp.width)}) before any conv: spatial "
        "attention this early costs compute at full resolution and can cut low-level features.",
        "move it to `branch`, after the last conv",
    )


@rule("RA301", "info", "§12.2", "Projection added on the skip")
def projection_added(ctx: BlockContext):
    spec = ctx.spec
    c_in, c_out, stride = spec.input.channels, spec.block.out_channels, spec.block.stride
    if spec.shortcut != "auto" or resolve_shortcut("auto", c_in, c_out, stride) == "identity":
        return
    h, w = block_out_hw(spec.input.height, spec.input.width, stride)
    params = c_in * c_out + (0 if spec.block.preact else 2 * c_out)
    norm = "" if spec.block.preact else " + BN"
    yield Finding(
        "shortcut",
        f"The skip carries {fmt_shape(c_in, spec.input.height, spec.input.width)} and the "
        f"branch outputs {fmt_shape(c_out, h, w)}{ctx.where}, so a 1×1 conv{norm} projection "
        f"({params:,} parameters) is added on the skip.",
        "nothing to do; set `shortcut` to `avgpool_conv1x1` for the ResNet-D variant",
    )


@rule("RA302", "info", "§11", "Wide block with spatial attention")
def wide_spatial(ctx: BlockContext):
    block = ctx.spec.block
    heavy = heavy_slots(ctx.spec)
    if block.type != "bottleneck" or block.base_width < 128 or not heavy:
        return
    from resattn.counting import meta_costs

    costs = meta_costs(ctx.spec)
    share = 100.0 * costs.attention_macs / max(1, costs.macs)
    for slot, attn in heavy.items():
        yield Finding(
            f"slots.{slot}",
            f"{LABELS[attn.type]} on a wide block (base width {block.base_width}, "
            f"{block.base_width // 64}× ResNet){ctx.where}: attention takes {share:.1f}% of the "
            f"block's MACs ({costs.attention_macs:,} of {costs.macs:,}), and its pooling and "
            "gating add elementwise work on every wide feature map.",
            "watch the compute (profile it); SE/ECA are the cheaper choice on wide blocks",
        )
