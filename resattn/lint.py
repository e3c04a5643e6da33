"""The design linter's rule registry (docs/design.md §4) and the rules every build depends on.

A rule is a function ``rule(ctx) -> iterable of Finding`` registered with `@rule(code, ...)`.
Block rules see each block (a network's blocks are linted one by one, paths mapped back to the
stage they come from); network rules see the whole network. Codes are stable: see the table in
docs/diagnostics.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple, Optional

from resattn.attention import kind_of
from resattn.blocks import resolve_shortcut
from resattn.estimates import (
    MAX_FLOPS,
    analytic_params,
    block_work,
    compute_work,
    estimate_activation_bytes,
    fmt_flops,
    module_count,
    params_by_part,
)
from resattn.i18n import N_
from resattn.i18n.text import EMPTY, Text, join
from resattn.loading import load_spec
from resattn.shapes import block_out_hw, stem_out_hw
from schemas import (
    ATTENTION_LABELS,
    ATTENTION_NAMES,
    HEAVY_TYPES,
    SLOT,
    BlockSpec,
    DesignError,
    Diagnostic,
    NetworkSpec,
    design_key,
)


class Finding(NamedTuple):
    """What a rule reports: the field (block-relative for block rules), message and fix, as
    catalog messages rendered when they are read (`resattn.i18n.text.Text`)."""

    field: str
    message: Text
    hint: Text


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
    key: str = ""  # a network's block: its JSON without the name (`NetworkBlock.key`)

    @property
    def where(self) -> Text:
        """How a message names the block: "" for a block spec, " (stage 2, block 1)" otherwise."""
        if not self.network:
            return EMPTY
        return Text(
            N_(" (stage {stage}, block {block})"), stage=self.stage + 1, block=self.index + 1
        )

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

    return [
        BlockContext(b.spec, b.path, spec, b.stage, b.index, b.key) for b in expand_blocks(spec)
    ]


def lint(spec) -> list[Diagnostic]:
    """Every finding of every registered rule, deduplicated, errors first.

    `spec` is anything `load_spec` accepts (a spec object, dict, JSON text, "preset:NAME").
    """
    spec = load_spec(spec)
    seen: dict[tuple[str, str], Diagnostic] = {}
    # A block that is the same design as an earlier one of its stage (only the name differs)
    # has the same findings at the same paths, and a path keeps its first finding: linting each
    # distinct block of a stage once gives the same result, in time linear in the distinct
    # blocks (a 64-block stage without overrides has two).
    contexts = list(_distinct_contexts(block_contexts(spec)))
    for r in RULES.values():
        if r.scope != "block":
            applies = r.scope == "spec" or isinstance(spec, NetworkSpec)
            found = ((f, _same) for f in (r.check(spec) if applies else ()))
        else:
            found = ((f, ctx.path) for ctx in contexts for f in r.check(ctx))
        for finding, to_path in found:
            path = to_path(finding.field)
            if (r.code, path) not in seen:
                seen[r.code, path] = _diagnostic(r, finding, path)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(seen.values(), key=lambda d: (order[d.severity], d.code))


def _distinct_contexts(contexts: list[BlockContext]) -> Iterable[BlockContext]:
    seen: set[tuple[int, str]] = set()
    for ctx in contexts:
        key = (ctx.stage, ctx.key or design_key(ctx.spec))
        if key not in seen:
            seen.add(key)
            yield ctx


def _same(field: str) -> str:
    return field


def _diagnostic(r: Rule, finding: Finding, path: str) -> Diagnostic:
    return Diagnostic.of(
        code=r.code,
        severity=r.severity,
        path=path,
        message=finding.message,
        hint=finding.hint,
        ref=r.ref,
    )


def ensure_buildable(spec) -> None:
    """Raise `DesignError` if the linter finds errors (they block build and export)."""
    errors = [d for d in lint(spec) if d.severity == "error"]
    if errors:
        raise DesignError(errors)


def ensure_within_budget(spec, *, onnx: bool = False) -> None:
    """Raise `DesignError` (RA209) if one forward of `spec` is over the compute budget — or,
    with `onnx`, if it has more parameters than an ONNX export may hold. Profile, latency and
    ONNX export call this before any work and answer at once with the figure and the cap; it
    costs microseconds (the estimates are analytic)."""
    spec = load_spec(spec)
    found = [*over_compute_budget(spec), *(_over_onnx_size(spec) if onnx else ())]
    if found:
        raise DesignError([_diagnostic(RULES["RA209"], f, f.field) for f in found])


def fmt_shape(channels: int, height: int, width: int) -> Text:
    """ "64 channels at 56×56"."""
    return Text(N_("{channels} channels at {size}"), channels=channels, size=f"{height}×{width}")


def fmt_bytes(n: float) -> str:
    """1536 → "1.5 KiB" (binary units)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


#: Estimated activation memory (every feature map of one forward, float32) a design may need.
MAX_ACTIVATION_BYTES = 2 * 1024**3

#: Parameter memory (float32) a design may need: 1 GiB, i.e. 268,435,456 parameters. The largest
#: preset, torchvision's Wide-ResNet-50-2, has 68.9M (276 MB); far past the cap a build would
#: exhaust the server's memory.
MAX_PARAM_BYTES = 1024**3

#: Bytes per parameter (the engine builds float32 modules).
PARAM_BYTES = 4

#: Where the bounds (RA102, RA103) are written down: the product design's spec section,
#: restated in the README ("Bounds") and docs/diagnostics.md ("Bounds").
BOUNDS_REF = "docs/diagnostics.md, Bounds"


def slot_channels(spec: BlockSpec, slot: str) -> int:
    """Channels the attention in `slot` sees (the slot table: A_p the block input, the others
    the output; notes §12.1)."""
    return SLOT[slot].channels(spec.input.channels, spec.block.out_channels)


def heavy_slots(spec: BlockSpec, *, stateless: bool = True) -> dict[str, object]:
    """The filled slots holding a spatial module (the kinds with the ``spatial`` trait); without
    `stateless`, the parameter-free ones are left out."""
    return {
        k: v
        for k, v in spec.slots.filled().items()
        if kind_of(v).spatial and (stateless or not kind_of(v).parameter_free)
    }


def label(attn) -> str:
    """How a message names an attention module: its short label (SE, ECA, CBAM, CA); a
    message that names a kind once, in a sentence of its own, uses `ATTENTION_NAMES` too."""
    return ATTENTION_LABELS[attn.type]


def skip_and_branch(spec: BlockSpec) -> dict[str, Text]:
    """What the skip carries (the block's input) and what the branch outputs, as RA101 and
    RA301 name them: ``{"skip": …, "branch": …}``."""
    inp = spec.input
    h, w = block_out_hw(inp.height, inp.width, spec.block.stride)
    return {
        "skip": fmt_shape(inp.channels, inp.height, inp.width),
        "branch": fmt_shape(spec.block.out_channels, h, w),
    }


@rule("RA101", "error", "§12.2", "Identity shortcut where shapes differ")
def identity_shortcut_mismatch(ctx: BlockContext):
    spec = ctx.spec
    c_in, c_out, stride = spec.input.channels, spec.block.out_channels, spec.block.stride
    if spec.shortcut != "identity" or resolve_shortcut("auto", c_in, c_out, stride) == "identity":
        return
    yield Finding(
        "shortcut",
        Text(
            N_(
                "The skip path carries {skip} but the branch outputs {branch}, so `x + F(x)` "
                "cannot be added."
            ),
            **skip_and_branch(spec),
        ),
        Text(N_("set `shortcut` to `auto` or `conv1x1` (a 1×1 conv + BN projection on the skip)")),
    )


@rule("RA102", "error", BOUNDS_REF, "Estimated activation memory over the cap", scope="spec")
def resource_bounds(spec):
    estimate = estimate_activation_bytes(spec)
    if estimate <= MAX_ACTIVATION_BYTES:
        return
    inp = spec.input
    shape = fmt_shape(inp.channels, inp.height, inp.width)
    yield Finding(
        "input",
        Text(
            by_kind(
                spec,
                N_(
                    "The block's feature maps for one forward pass of a batch {batch} "
                    "input with {shape} come to about {estimate}, over the {cap} this "
                    "tool allows; nothing was allocated."
                ),
                N_(
                    "The network's feature maps for one forward pass of a batch {batch} "
                    "input with {shape} come to about {estimate}, over the {cap} this "
                    "tool allows; nothing was allocated."
                ),
            ),
            batch=inp.batch,
            shape=shape,
            estimate=fmt_bytes(estimate),
            cap=fmt_bytes(MAX_ACTIVATION_BYTES),
        ),
        _lower_input(spec),
    )


def by_kind(spec, block: str, network: str) -> str:
    """The message for `spec`'s kind: one sentence per kind, since a language inflects the
    word ("the block's", "bloğun")."""
    return network if isinstance(spec, NetworkSpec) else block


def _lower_input(spec) -> Text:
    """The fix for a design too large for its input (RA102, RA209)."""
    if isinstance(spec, NetworkSpec):
        return Text(
            N_(
                "lower `input.batch`, the input height × width, or the channels or the stage "
                "widths and depths"
            )
        )
    return Text(N_("lower `input.batch`, the input height × width, or the channels"))


@rule("RA103", "error", BOUNDS_REF, "Parameter memory over the cap", scope="spec")
def weight_bounds(spec):
    parts = params_by_part(spec)
    params = sum(parts.values())
    if params * PARAM_BYTES <= MAX_PARAM_BYTES:
        return
    cap = MAX_PARAM_BYTES // PARAM_BYTES
    heaviest = max(parts, key=parts.get)
    where = EMPTY
    if isinstance(spec, NetworkSpec):
        part = (
            Text(N_("the classifier head"))
            if heaviest == "num_classes"
            else Text.of(f"`{heaviest}`")
        )
        where = Text(N_(" ({part} alone holds {count})"), part=part, count=f"{parts[heaviest]:,}")
    yield Finding(
        "block" if isinstance(spec, BlockSpec) else heaviest,
        Text(
            by_kind(
                spec,
                N_(
                    "This block has {params} parameters{where}: about {size} of float32 "
                    "weights, over the {cap} ({cap_params} parameters) this tool builds; "
                    "nothing was allocated."
                ),
                N_(
                    "This network has {params} parameters{where}: about {size} of float32 "
                    "weights, over the {cap} ({cap_params} parameters) this tool builds; "
                    "nothing was allocated."
                ),
            ),
            params=f"{params:,}",
            where=where,
            size=fmt_bytes(params * PARAM_BYTES),
            cap=fmt_bytes(MAX_PARAM_BYTES),
            cap_params=f"{cap:,}",
        ),
        Text(
            N_(
                "lower `out_channels`, `base_width` or `expansion`, or the stage depths "
                "(torchvision's Wide-ResNet-50-2 has 68.9M parameters)"
            )
        ),
    )


def hidden_width(attn, channels: int) -> int:
    """The hidden width of an MLP-style gate (its kind's `hidden` rule) built for `channels`."""
    return kind_of(attn).hidden(channels, attn)


def _sizing_problem(attn, channels: int) -> Optional[Text]:
    """What goes wrong when `attn`'s reduction meets `channels`, or None when it fits.

    Two cases are worth a warning: the floor (`divisor` / `min_channels`) lifts the hidden width
    to C or more although a reduction > 1 asked for a squeeze — the gate then does not squeeze at
    all; or `reduction` > C, so C/r < 1 and the hidden width is set by the floor, not by the
    reduction the user chose. A reduction of 1 (hidden = C) is a deliberate choice: silent.
    """
    hidden = hidden_width(attn, channels)
    ratio = f"{channels / attn.reduction:.2g}"
    if attn.reduction > 1 and hidden >= channels:
        if hidden == channels:
            template = N_(
                "C/r = {ratio}, so the hidden width clamps to {hidden}, as wide as the "
                "{channels} channels it gates: the gate no longer squeezes"
            )
        else:
            template = N_(
                "C/r = {ratio}, so the hidden width clamps to {hidden}, wider than the "
                "{channels} channels it gates: the gate no longer squeezes"
            )
        return Text(template, ratio=ratio, hidden=hidden, channels=channels)
    if attn.reduction > channels:
        return Text(
            N_(
                "C/r = {ratio}, so the hidden width clamps to {hidden} (an effective reduction "
                "of {effective}, not {reduction})"
            ),
            ratio=ratio,
            hidden=hidden,
            effective=f"{channels / hidden:.2g}",
            reduction=attn.reduction,
        )
    return None


@rule("RA110", "error", "§3, §6", "Skip gate that cannot start as an identity")
def skip_without_identity_start(ctx: BlockContext):
    attn = ctx.spec.slots.skip
    if attn is None or kind_of(attn).identity_start:
        return
    kind = kind_of(attn)
    yield Finding(
        "slots.skip",
        Text(
            N_(
                "{name} ({label}) in `skip`{where} has no score layer to zero, so it cannot "
                "start as an exact identity (gate ≡ 1 at initialisation), which the skip gate "
                "A_s needs for the block to start as a plain residual block."
            ),
            name=kind.name,
            label=kind.label,
            where=ctx.where,
        ),
        Text(
            N_("use a kind with a score layer on the skip (SE, ECA, eSE …), or move it to `branch`")
        ),
    )


@rule("RA201", "warning", "§12.1", "Attention sized for more channels than it sees")
def attention_sizing(ctx: BlockContext):
    for slot, attn in ctx.spec.slots.filled().items():
        c = slot_channels(ctx.spec, slot)
        kind = kind_of(attn)
        if kind.channel_kernel is not None:
            k = kind.channel_kernel(c, attn)
            if k > c:
                yield Finding(
                    f"slots.{slot}",
                    Text(
                        N_(
                            "{label} in `{slot}` sees {channels} channels{where}, but its 1-D "
                            "kernel spans {kernel}: most of the window falls on zero padding."
                        ),
                        label=label(attn),
                        slot=slot,
                        channels=c,
                        where=ctx.where,
                        kernel=k,
                    ),
                    Text(
                        N_("set `kernel_size` to at most {largest} or null (adaptive)"),
                        largest=c if c % 2 else c - 1,
                    ),
                )
            continue
        if kind.hidden is None:
            continue
        problem = _sizing_problem(attn, c)
        if problem is not None:
            yield Finding(
                f"slots.{slot}",
                Text(
                    N_(
                        "{label} in `{slot}` sees {channels} channels{where}, but reduction "
                        "{reduction} is meant for a wider tensor: {problem}."
                    ),
                    label=label(attn),
                    slot=slot,
                    channels=c,
                    where=ctx.where,
                    reduction=attn.reduction,
                    problem=problem,
                ),
                _sizing_hint(attn, c),
            )


def _sizing_hint(attn, channels: int) -> Text:
    """The fix for RA201: a reduction (or floor) that squeezes the channels the slot sees."""
    floor = kind_of(attn).floor
    if floor and hidden_width(attn, channels) >= channels:
        return Text(
            N_(
                "lower `{floor}` and `reduction` to at most {largest}, use ECA, or set "
                "`reduction` to 1 if no squeeze is meant (attention is built for the channels "
                "it actually sees)"
            ),
            floor=floor,
            largest=max(1, channels // 2),
        )
    return Text(
        N_(
            "choose `reduction` ≤ {largest} for {channels} channels (attention is built for "
            "the channels it actually sees)"
        ),
        largest=max(1, channels // 2),
        channels=channels,
    )


@rule("RA202", "warning", "§12.3", "Post-add activation mixed with pre-activation")
def mixed_post_add_activation(ctx: BlockContext):
    spec = ctx.spec
    if spec.block.preact and spec.post_add_activation == "relu":
        yield Finding(
            "post_add_activation",
            Text(
                N_(
                    "This pre-activation block{where} applies ReLU after the add; "
                    "pre-activation blocks keep the sum linear, so mixing the two orders shifts "
                    "the statistics the next block's BN sees."
                ),
                where=ctx.where,
            ),
            Text(N_("set `post_add_activation` to null (the family default) or `none`")),
        )
    elif not spec.block.preact and spec.post_add_activation == "none":
        yield Finding(
            "post_add_activation",
            Text(
                N_(
                    "This post-activation block{where} has no ReLU after the add; "
                    "post-activation blocks (ResNet v1) end in one, so the next block sees "
                    "signed, unrectified sums."
                ),
                where=ctx.where,
            ),
            Text(
                N_(
                    "set `post_add_activation` to null (the family default) or `relu`, or use "
                    "`preact: true` throughout"
                )
            ),
        )


@rule("RA203", "warning", "§12.4", "Heavy attention in every block", scope="network")
def attention_everywhere(net: NetworkSpec):
    from resattn.counting import without_attention

    kinds = [{a.type for a in s.slots.filled().values()} & HEAVY_TYPES for s in net.stages]
    if not all(kinds):
        return
    blocks = sum(stage.depth for stage in net.stages)
    names = [
        Text.of(f"{ATTENTION_NAMES[k]} ({ATTENTION_LABELS[k]})")
        for k in sorted(set().union(*kinds))
    ]
    base = without_attention(net)
    macs, base_macs = compute_work(net).macs, compute_work(base).macs
    params, base_params = analytic_params(net), analytic_params(base)
    macs_pct = 100.0 * (macs - base_macs) / max(1, base_macs)
    params_pct = 100.0 * (params - base_params) / max(1, base_params)
    yield Finding(
        "stages",
        Text(
            N_(
                "{names} sits in every one of the {blocks} blocks: it adds {macs_pct}% MACs and "
                "{params_pct}% parameters over the same network without attention, and gates "
                "every block's training signal."
            ),
            names=join(names),
            blocks=blocks,
            macs_pct=f"{macs_pct:.1f}",
            params_pct=f"{params_pct:.1f}",
        ),
        Text(
            N_(
                "choose per stage: keep spatial attention where it pays (often the deeper "
                "stages) and use SE/ECA or nothing elsewhere"
            )
        ),
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
        Text(
            N_(
                "; through the {depth} blocks of this stage that is about 0.5^{depth} = {share} "
                "of the input"
            ),
            depth=depth,
            share=f"{0.5**depth:.2g}",
        )
        if depth > 1
        else EMPTY
    )
    yield Finding(
        "slots.post_add",
        Text(
            N_(
                "{label} in `post_add`{where} multiplies x + F(x), identity included, by "
                "α ∈ [0, 1]: at initialisation α ≈ 0.5, so the block roughly halves the "
                "identity signal{chain}."
            ),
            label=label(attn),
            where=ctx.where,
            chain=chain,
        ),
        Text(
            N_(
                "prefer `branch` (P1, the identity stays pure); keep P2 only if an ablation "
                "shows it helps, and watch the loss for oscillation (notes §8)"
            )
        ),
    )


#: How RA205 counts a kind's gates in words.
GATE_COUNTS = {2: N_("{share} (two gates)"), 3: N_("{share} (three gates)")}


@rule("RA205", "warning", "§3", "P3 input starvation risk")
def pre_residual_starvation(ctx: BlockContext):
    attn = ctx.spec.slots.pre_residual
    if attn is None:
        return
    gates = kind_of(attn).gates
    share = f"{0.5**gates:g}"
    if gates == 1:
        scale = Text.of(share)
    elif gates in GATE_COUNTS:
        scale = Text(GATE_COUNTS[gates], share=share)
    else:
        scale = Text(N_("{share} ({gates} gates)"), share=share, gates=gates)
    yield Finding(
        "slots.pre_residual",
        Text(
            N_(
                "{label} in `pre_residual`{where} gates the input before F sees it: at "
                "initialisation F receives about {scale} of x, and if the gate learns badly F "
                "learns less (the identity still passes untouched)."
            ),
            label=label(attn),
            where=ctx.where,
            scale=scale,
        ),
        Text(
            N_(
                "prefer `branch` (P1); use P3 early in the network or in light backbones and "
                "compare against P1 (notes §8)"
            )
        ),
    )


@rule("RA206", "warning", "§3, §6", "P4 skip gate not a light identity start")
def skip_not_identity(ctx: BlockContext):
    attn = ctx.spec.slots.skip
    if attn is None:
        return
    if kind_of(attn).spatial:
        yield Finding(
            "slots.skip",
            Text(
                N_(
                    "{label} in `skip`{where} is a spatial gate on the identity path: it starts "
                    "at exactly 1 here, but it can learn to mask regions of x, and the notes "
                    "keep A_s very light."
                ),
                label=label(attn),
                where=ctx.where,
            ),
            Text(N_("use SE or ECA on the skip, or move the spatial attention to `branch`")),
        )
    if not ctx.spec.zero_init_last_bn:
        yield Finding(
            "zero_init_last_bn",
            Text(
                N_(
                    "The skip gate starts at 1, but `zero_init_last_bn` is off{where}: F(x) ≠ 0 "
                    "at initialisation, so the block does not start as an identity and the "
                    "gated skip competes with an untrained branch."
                ),
                where=ctx.where,
            ),
            Text(N_("set `zero_init_last_bn` to true (the default)")),
        )


@rule("RA207", "warning", "§9", "Pre-activation block with spatial attention")
def preact_spatial(ctx: BlockContext):
    if not ctx.spec.block.preact:
        return
    for slot, attn in heavy_slots(ctx.spec, stateless=False).items():
        yield Finding(
            f"slots.{slot}",
            Text(
                N_(
                    "{label} in `{slot}` of a pre-activation block{where}: its gates see "
                    "features that have not been normalised and rectified yet (BN → ReLU come "
                    "before the next conv), so strong spatial attention here needs validation."
                ),
                label=label(attn),
                slot=slot,
                where=ctx.where,
            ),
            Text(
                N_(
                    "prefer SE/ECA, or keep the spatial attention at the end of the branch and "
                    "compare against the plain pre-activation block"
                )
            ),
        )


@rule("RA208", "warning", "§5", "Spatial attention placed early")
def spatial_early(ctx: BlockContext):
    attn = ctx.spec.slots.pre_residual
    if attn is None or not kind_of(attn).spatial:
        return
    inp = ctx.spec.input
    yield Finding(
        "slots.pre_residual",
        Text(
            N_(
                "{label} in `pre_residual`{where} works on the raw block input ({shape}) before "
                "any conv: spatial attention this early costs compute at full resolution and can "
                "cut low-level features."
            ),
            label=label(attn),
            where=ctx.where,
            shape=fmt_shape(inp.channels, inp.height, inp.width),
        ),
        Text(N_("move it to `branch`, after the last conv")),
    )


#: Largest design exported to ONNX, in parameters: 128M (512 MiB of float32 weights, almost
#: twice Wide-ResNet-50-2's 68.9M, the largest preset). The exporter holds the weights about
#: three times over at its peak (the module, the exported program's copy, the serialised
#: bytes), so the cap keeps an export under 2 GiB.
MAX_ONNX_PARAMS = 128 * 2**20


def over_compute_budget(spec) -> Iterable[Finding]:
    """RA209's compute half: one forward of `spec` over `MAX_FLOPS` (what profile, latency,
    ONNX export and the ablation lab refuse up front)."""
    work = compute_work(spec)
    if work.flops <= MAX_FLOPS:
        return
    inp = spec.input
    yield Finding(
        "input",
        Text(
            by_kind(
                spec,
                N_(
                    "One forward pass of this block on a batch {batch} input with {shape} "
                    "is about {flops} ({macs} MACs), over the {cap} compute budget this "
                    "tool runs: profiling, latency and ONNX export are refused (checks, "
                    "diagrams and the Python and spec exports still work)."
                ),
                N_(
                    "One forward pass of this network on a batch {batch} input with "
                    "{shape} is about {flops} ({macs} MACs), over the {cap} compute "
                    "budget this tool runs: profiling, latency and ONNX export are "
                    "refused (checks, diagrams and the Python and spec exports still "
                    "work)."
                ),
            ),
            batch=inp.batch,
            shape=fmt_shape(inp.channels, inp.height, inp.width),
            flops=fmt_flops(work.flops),
            macs=f"{work.macs:,}",
            cap=fmt_flops(MAX_FLOPS),
        ),
        _lower_input(spec),
    )


#: Largest design exported to ONNX, in modules (layers and attention modules): the exporter's
#: time grows with the graph, not the FLOPs (ResNet-101 has about 350; 2,000 is about 170 blocks
#: with every slot filled).
MAX_ONNX_MODULES = 2000


def _over_onnx_size(spec) -> Iterable[Finding]:
    modules = module_count(spec)
    if modules > MAX_ONNX_MODULES:
        yield Finding(
            "stages" if isinstance(spec, NetworkSpec) else "block",
            Text(
                by_kind(
                    spec,
                    N_(
                        "This block has {modules} modules, over the {cap} this tool "
                        "exports to ONNX (the exporter's time grows with the graph): ONNX "
                        "export is refused."
                    ),
                    N_(
                        "This network has {modules} modules, over the {cap} this tool "
                        "exports to ONNX (the exporter's time grows with the graph): ONNX "
                        "export is refused."
                    ),
                ),
                modules=f"{modules:,}",
                cap=f"{MAX_ONNX_MODULES:,}",
            ),
            Text(N_("export the Python code instead and convert it offline, or use fewer blocks")),
        )
    params = analytic_params(spec)
    if params <= MAX_ONNX_PARAMS:
        return
    yield Finding(
        "block" if isinstance(spec, BlockSpec) else "stages",
        Text(
            by_kind(
                spec,
                N_(
                    "This block has {params} parameters, over the {cap} ({size} of "
                    "float32 weights) this tool exports to ONNX, which keeps the "
                    "exporter's memory under 2 GiB: ONNX export is refused."
                ),
                N_(
                    "This network has {params} parameters, over the {cap} ({size} of "
                    "float32 weights) this tool exports to ONNX, which keeps the "
                    "exporter's memory under 2 GiB: ONNX export is refused."
                ),
            ),
            params=f"{params:,}",
            cap=f"{MAX_ONNX_PARAMS:,}",
            size=fmt_bytes(MAX_ONNX_PARAMS * PARAM_BYTES),
        ),
        Text(
            N_(
                "export the Python code instead and convert it where memory allows, or "
                "lower the widths"
            )
        ),
    )


@rule("RA209", "warning", BOUNDS_REF, "Over the compute budget or the ONNX size", scope="spec")
def compute_budget(spec):
    yield from over_compute_budget(spec)
    yield from _over_onnx_size(spec)


@rule("RA301", "info", "§12.2", "Projection added on the skip")
def projection_added(ctx: BlockContext):
    spec = ctx.spec
    c_in, c_out, stride = spec.input.channels, spec.block.out_channels, spec.block.stride
    if spec.shortcut != "auto" or resolve_shortcut("auto", c_in, c_out, stride) == "identity":
        return
    params = c_in * c_out + (0 if spec.block.preact else 2 * c_out)
    norm = "" if spec.block.preact else " + BN"
    yield Finding(
        "shortcut",
        Text(
            N_(
                "The skip carries {skip} and the branch outputs {branch}{where}, so a 1×1 "
                "conv{norm} projection ({params} parameters) is added on the skip."
            ),
            **skip_and_branch(spec),
            where=ctx.where,
            norm=norm,
            params=f"{params:,}",
        ),
        Text(N_("nothing to do; set `shortcut` to `avgpool_conv1x1` for the ResNet-D variant")),
    )


#: What a standard ResNet basic block is as wide as: (channels, feature-map side) where its first
#: stage runs, doubling the channels at every halving of the side. A network's stem says which:
#: torchvision's ImageNet ResNet-18/34 (64 channels at the stem's output, 56×56 for 224×224) or
#: the CIFAR ResNet of He et al. (16 channels at the stem's output, 32×32). A lone basic block is
#: read as a block of the ImageNet network.
STANDARD_BASIC_WIDTH = {"imagenet": 64, "deep": 64, "deep_tiered": 64, "cifar": 16}
STANDARD_BLOCK_SIDE = 56

#: A block at least this many times as wide as the standard one counts as wide (WRN's k ≥ 2).
WIDE_FACTOR = 2


def basic_standard_width(ctx: BlockContext) -> int:
    """Channels a standard ResNet basic block has where this block's output sits."""
    spec = ctx.spec
    if ctx.network is not None:
        stem = ctx.network.stem.type
        inp = ctx.network.input
        side = math.sqrt(math.prod(stem_out_hw(stem, inp.height, inp.width)))
        base = STANDARD_BASIC_WIDTH[stem]
    else:
        side, base = STANDARD_BLOCK_SIDE, STANDARD_BASIC_WIDTH["imagenet"]
    out_side = math.sqrt(
        math.prod(block_out_hw(spec.input.height, spec.input.width, spec.block.stride))
    )
    halvings = max(0.0, math.log2(side / out_side))
    return round(base * 2**halvings)


def widen_factor(ctx: BlockContext) -> tuple[float, Text]:
    """(k, a phrase saying how k was measured): how many times wider than the standard ResNet
    block this block is.

    A bottleneck's k is ``base_width / 64`` (Wide-ResNet-50-2: 128 → 2); a basic block's is its
    output channels over `basic_standard_width` (WRN-28-10 on CIFAR: 160 / 16 → 10).
    """
    block = ctx.spec.block
    if block.type == "bottleneck":
        k = block.base_width / 64
        return k, Text(
            N_("base width {width}, {k}× ResNet's 64"), width=block.base_width, k=f"{k:.3g}"
        )
    standard = basic_standard_width(ctx)
    h, w = block_out_hw(ctx.spec.input.height, ctx.spec.input.width, block.stride)
    k = block.out_channels / standard
    return k, Text(
        N_("{shape}, {k}× the {standard} a standard ResNet basic block has there"),
        shape=fmt_shape(block.out_channels, h, w),
        k=f"{k:.3g}",
        standard=standard,
    )


@rule("RA302", "info", "§11", "Wide block with spatial attention")
def wide_spatial(ctx: BlockContext):
    heavy = heavy_slots(ctx.spec)
    if not heavy:
        return
    k, measure = widen_factor(ctx)
    if k < WIDE_FACTOR:
        return
    costs = block_work(ctx.spec)  # from the spec alone: no build, so RA101 designs work too
    share = 100.0 * costs.attention_macs / max(1, costs.macs)
    for slot, attn in heavy.items():
        yield Finding(
            f"slots.{slot}",
            Text(
                N_(
                    "{label} on a wide {type} block{where} ({measure}): attention takes "
                    "{share}% of the block's MACs ({attention_macs} of {macs}), and its pooling "
                    "and gating add elementwise work on every wide feature map."
                ),
                label=label(attn),
                type=ctx.spec.block.type,
                where=ctx.where,
                measure=measure,
                share=f"{share:.2f}",
                attention_macs=f"{costs.attention_macs:,}",
                macs=f"{costs.macs:,}",
            ),
            Text(
                N_("watch the compute (profile it); SE/ECA are the cheaper choice on wide blocks")
            ),
        )
