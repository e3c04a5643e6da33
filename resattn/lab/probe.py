"""The training-stability probe (NOTES §6, §8): a small classifier built from a variant's block,
trained on the chosen data (`resattn.lab.data`) with a fixed seed, recording what a user needs to
see stability.

The classifier is a network spec: a CIFAR-style stem, `depth` copies of the design's block at a
small width (a network keeps its stages, each at most `stage_depth` blocks deep, scaled to the
same small width) and the global-average-pool + linear head. `width` and `depth` are options; with
`as_designed` the design keeps its own channel widths (and a network its depths), refused up
front by `resattn.lab.ablate.ensure_trainable` when that would take too long. Every variant of
an ablation gets the same data split, initial weights (`build_probe`), batch order, dropout
stream and optimiser; only the slots differ.

Recorded per step: the loss, the global gradient norm (before the optimiser step) and, for every
attention slot, the mean and spread (standard deviation) of the gate weights α over the batch
(`Gate` forward hooks); per epoch: the held-out accuracy. Same seed, same machine and thread
→ the same curves, bit for bit (training runs on one thread, so
the caller's thread count does not matter, and a trial run in another process — ``--jobs``, Ray —
gives the same numbers). The loop itself is `resattn.lab.portable.train_loop`, the code the
emitted standalone script runs too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import torch
from torch import nn

from resattn.attention.gate import Gate
from resattn.i18n import N_
from resattn.i18n.text import Text
from resattn.lab import ddp
from resattn.lab.data import (
    DEFAULT_DATASET,
    DataError,
    DataShape,
    Split,
    data_shape,
    load_dataset,
    split,
)
from resattn.lab.portable import BadData, reproducible, shared_init, train_loop
from resattn.lab.portable import accuracy as _accuracy
from schemas import (
    SLOT_NAMES,
    SLOT_OF_ATTR,
    BlockSpec,
    NetworkSpec,
    Problem,
    Slots,
    Spec,
    bottleneck_width,
    parse_spec,
)

#: `progress(fraction, message)`: the message a plain string or a `Text` (worded where shown)
Progress = Callable[[float, Any], None]
ShouldStop = Callable[[], bool]

#: `ResidualAttentionBlock` attribute → the slot it implements (the slot table's).
SLOT_OF_ATTRIBUTE = SLOT_OF_ATTR

#: Seeds are what `torch.manual_seed` and NumPy accept everywhere: 0 <= seed < 2**32.
SEED_LIMIT = 2**32


@dataclass(frozen=True)
class ProbeConfig:
    """Everything that must be identical across the variants of one ablation."""

    epochs: int = 6
    batch_size: int = 32
    lr: float = 1e-2
    seed: int = 0
    width: int = 16
    depth: int = 2
    stage_depth: int = 1
    val_fraction: float = 0.25
    time_budget_s: Optional[float] = None
    max_steps: Optional[int] = None
    data: str = DEFAULT_DATASET
    image_size: Optional[int] = None
    device: str = "cpu"
    as_designed: bool = False

    def __post_init__(self):
        limits = {
            "epochs": (1, 100),
            "batch_size": (1, 512),
            "width": (1, 256),
            "depth": (1, 8),
            "stage_depth": (1, 8),
        }
        for name, (low, high) in limits.items():
            if not low <= getattr(self, name) <= high:
                raise ValueError(
                    f"probe {name} must be in [{low}, {high}] (got {getattr(self, name)})"
                )
        if not (self.lr > 0 and 0 < self.val_fraction < 1):
            raise ValueError("probe lr must be > 0 and val_fraction in (0, 1)")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"probe max_steps must be at least 1 (got {self.max_steps})")
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not 0 <= self.seed < SEED_LIMIT
        ):
            raise ValueError(
                f"probe seed must be an integer in [0, 2**32 - 1] = [0, {SEED_LIMIT - 1}] "
                f"(got {self.seed!r})"
            )
        budget = self.time_budget_s
        if budget is not None and not (
            isinstance(budget, (int, float))
            and not isinstance(budget, bool)
            and math.isfinite(budget)
            and budget > 0
        ):
            raise ValueError(
                f"probe time_budget_s must be a finite number of seconds > 0, or None for no "
                f"budget (got {budget!r})"
            )

        if self.device not in DEVICES:
            raise ValueError(
                f"probe device must be one of {', '.join(DEVICES)} (got {self.device!r})"
            )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProbeConfig:
        return cls(**data)


#: Where a probe may train: "auto" is CUDA when a GPU is present, else the CPU.
DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> torch.device:
    """The torch device for `name` ("auto" | "cpu" | "cuda"); "cuda" without a GPU is refused
    with a `DataError`-like message (CLI exit 2)."""
    from schemas import SpecError

    available = torch.cuda.is_available()
    if name == "auto":
        return torch.device("cuda" if available else "cpu")
    if name == "cuda" and not available:
        raise SpecError(
            [Problem("device", "CUDA was asked for but torch sees no GPU here; use cpu or auto")],
            headline=N_("The options cannot be used"),
        )
    return torch.device(name)


@dataclass
class TrainRecord:
    """The curves of one probe run (JSON-ready through `to_json`)."""

    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    gate_stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    steps_per_epoch: int = 0
    stopped: Optional[str] = None  # None | "cancelled" | "time_budget"
    seconds: float = 0.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrainRecord:
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        return {
            "loss": self.loss,
            "grad_norm": self.grad_norm,
            "val_accuracy": self.val_accuracy,
            "gate_stats": self.gate_stats,
            "steps_per_epoch": self.steps_per_epoch,
            "stopped": self.stopped,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class ProbeRun:
    """A finished probe: its record and the trained classifier (eval mode)."""

    record: TrainRecord
    model: nn.Module
    spec: NetworkSpec


# ---------------------------------------------------------------------------------------------
# The classifier


def probe_channels(block, width: int) -> int:
    """Output channels that give `block` a 3×3 conv at least `width` channels wide: `width`
    for a basic block; for a bottleneck the smallest multiple of its expansion whose mid width
    (torchvision's formula) reaches `width` (ResNet-50's block: 4 × width)."""
    if block.type != "bottleneck":
        return width
    out = block.expansion
    while bottleneck_width(_Sized(block, out)) < width:
        out += block.expansion
    return out


class _Sized:
    """A block's fields seen with other output channels."""

    def __init__(self, block, out_channels: int):
        self._block, self.out_channels = block, out_channels

    def __getattr__(self, item: str):
        return getattr(self._block, item)


def _scaled(channels: int, ref: int, width: int) -> int:
    """`channels` in proportion: `ref` channels become `width`."""
    return max(1, round(width * channels / ref))


def _stage(block, out: int, stride: int, depth: int, owner) -> dict:
    fields = {k: v for k, v in block.model_dump().items() if k not in ("out_channels", "stride")}
    return {
        "depth": depth,
        "out_channels": out,
        "stride": stride,
        "block": fields,
        "slots": owner.slots.model_dump(),
        "shortcut": owner.shortcut,
        "post_add_activation": owner.post_add_activation,
        "zero_init_last_bn": owner.zero_init_last_bn,
    }


def _block_stages(spec: BlockSpec, config: ProbeConfig) -> tuple[int, list[dict]]:
    if config.as_designed:
        out, stem = spec.block.out_channels, spec.input.channels
    else:
        out = probe_channels(spec.block, config.width)
        stem = _scaled(spec.input.channels, spec.block.out_channels, out)
    return stem, [_stage(spec.block, out, spec.block.stride, config.depth, spec)]


def _network_stages(spec: NetworkSpec, config: ProbeConfig) -> tuple[int, list[dict]]:
    if config.as_designed:
        stages = [_stage(s.block, s.out_channels, s.stride, s.depth, s) for s in spec.stages]
        return spec.stem.out_channels, stages
    ref = spec.stages[0].out_channels
    stages = []
    for stage in spec.stages:
        width = _scaled(stage.out_channels, ref, config.width)
        out = probe_channels(_Sized(stage.block, 0), width)
        depth = min(stage.depth, config.stage_depth)
        stages.append(_stage(stage.block, out, stage.stride, depth, stage))
    return _scaled(spec.stem.out_channels, ref, stages[0]["out_channels"]), stages


#: spec kind → how its stem width and stages shrink into the probe.
_SHRINK = {BlockSpec: _block_stages, NetworkSpec: _network_stages}


#: Images this large (either side) get the ImageNet stem; smaller ones the CIFAR stem.
LARGE_IMAGE = 16


def probe_stem(height: int, width: int) -> str:
    """The probe's stem for the data's image size: the CIFAR stem (3×3 conv, stride 1) for small
    images (the 8×8 digits), the ImageNet stem (7×7/2 conv + 3×3/2 max-pool, a quarter of the
    side) from `LARGE_IMAGE` pixels on — as in a real ResNet, the blocks then see maps whose
    receptive field covers the object (28×28 MNIST → 7×7 maps), and train ~16× faster."""
    return "imagenet" if max(height, width) >= LARGE_IMAGE else "cifar"


def probe_spec(
    spec: Spec, config: ProbeConfig = ProbeConfig(), data: Optional[DataShape] = None
) -> NetworkSpec:
    """The probe classifier for a design, as a validated network spec on the config's data
    (its image shape and classes: `data`, else `data_shape` of the config's). The batch is the
    training batch, so the linter's activation estimate is that of one training forward."""
    data = data or data_shape(config.data, config.image_size)
    stem, stages = _SHRINK[type(spec)](spec, config)
    channels, height, width = data.image_shape
    return parse_spec(
        {
            "name": "probe",
            "input": {
                "channels": channels,
                "height": height,
                "width": width,
                "batch": min(config.batch_size, 64),
            },
            "stem": {"type": probe_stem(height, width), "out_channels": stem},
            "stages": stages,
            "num_classes": data.num_classes,
        }
    )


# ---------------------------------------------------------------------------------------------
# Gate statistics


class GateRecorder:
    """Forward hooks on every `Gate` of a model: per slot, sums of α, α² and the count.

    Statistics pool every gate of a slot (all blocks; CBAM's channel and spatial gates, Coordinate
    Attention's H and W gates) over training forwards only (a gate in eval mode, e.g. while the
    held-out accuracy is measured, is not counted). Skip-slot gates start at identity and range over
    (0, 2); every other gate over (0, 1).
    """

    def __init__(self, model: nn.Module):
        self.bounds: dict[str, list[float]] = {}
        found: dict[str, list[Gate]] = {}
        for name, module in model.named_modules():
            if isinstance(module, Gate):
                slot = _slot_of(name)
                found.setdefault(slot, []).append(module)
                self.bounds[slot] = [0.0, 2.0 if module.identity_start else 1.0]
        self.slots = [s for s in (*SLOT_NAMES, "other") if s in found]
        self._sums = torch.zeros(len(self.slots), 3, dtype=torch.float64)
        for row, slot in enumerate(self.slots):
            for gate in found[slot]:
                gate.register_forward_hook(self._hook(row))

    def _hook(self, row: int):
        def hook(module, _inputs, alpha: torch.Tensor) -> None:
            if module.training:
                a = alpha.detach().double()
                self._sums[row, 0] += a.sum()
                self._sums[row, 1] += a.pow(2).sum()
                self._sums[row, 2] += a.numel()

        return hook

    def take(self) -> torch.Tensor:
        """The sums since the last call (slots × [Σα, Σα², n]), reset to zero."""
        sums, self._sums = self._sums, torch.zeros_like(self._sums)
        return sums


def _slot_of(module_name: str) -> str:
    for part in module_name.split("."):
        if part in SLOT_OF_ATTRIBUTE:
            return SLOT_OF_ATTRIBUTE[part]
    return "other"


def _append_gate_stats(record: TrainRecord, recorder: GateRecorder, sums: torch.Tensor) -> None:
    for row, slot in enumerate(recorder.slots):
        total, squares, n = sums[row].tolist()
        mean = total / n if n else float("nan")
        var = max(0.0, squares / n - mean * mean) if n else float("nan")
        stats = record.gate_stats.setdefault(
            slot, {"mean": [], "std": [], "bounds": recorder.bounds[slot]}
        )
        stats["mean"].append(mean)
        stats["std"].append(var**0.5)


# ---------------------------------------------------------------------------------------------
# Initial weights shared by every variant


def _slot_of_key(key: str) -> Optional[tuple[int, str]]:
    """(stage index, slot) of a state-dict key inside an attention slot, else None."""
    parts = key.split(".")
    for part in parts:
        if part in SLOT_OF_ATTRIBUTE:
            if parts[0] == "stages" and parts[1].isdigit():
                return int(parts[1]), SLOT_OF_ATTRIBUTE[part]
            return None
    return None


def _only(net_spec: NetworkSpec, slot: Optional[str] = None, attention=None) -> NetworkSpec:
    """`net_spec` with every stage's slots cleared, then `slot` filled with `attention`."""
    slots = Slots(**({slot: attention} if slot else {}))
    stages = [stage.model_copy(update={"slots": slots}) for stage in net_spec.stages]
    return net_spec.model_copy(update={"stages": stages})


def init_plan(net_spec: NetworkSpec) -> list[tuple[NetworkSpec, list[str]]]:
    """Where each tensor of the probe's initial weights comes from, so that every variant starts
    from the same weights: a list of (donor spec, state-dict keys it gives).

    Building consumes random numbers module by module, so attention modules built in between
    would shift every later draw: the same seed alone gives each variant another backbone.
    Instead every tensor of the state dict comes from a reference model built with the seed:

    - a tensor the baseline has (same key, same shape: stem, convolutions, batch norms, head)
      from the baseline — the same design with every slot empty;
    - an attention tensor of slot S in stage i, holding attention A, from the design with only
      S filled with A, in every stage.

    So the variants of one ablation share every tensor they have in common (P1's and P4's
    branch attention included, and a per-stage variant's attention matches the all-stage
    one). Empty for the baseline itself (it needs nothing from elsewhere). Shapes come from
    builds on the ``meta`` device (no memory, no random numbers drawn).
    """
    from resattn.build import build

    def shapes(spec: NetworkSpec) -> dict[str, torch.Size]:
        with torch.device("meta"):
            return {k: t.shape for k, t in build(spec).state_dict().items()}

    own = shapes(net_spec)
    donors: dict[tuple[str, str], tuple[NetworkSpec, list[str]]] = {}
    for key in own:
        where = _slot_of_key(key)
        if where is None:
            continue
        stage, slot = where
        attention = getattr(net_spec.stages[stage].slots, slot)
        pair = (slot, attention.model_dump_json())
        if pair not in donors:
            donors[pair] = (_only(net_spec, slot, attention), [])
        donors[pair][1].append(key)
    if not donors:
        return []
    baseline = _only(net_spec)
    same = [k for k, shape in shapes(baseline).items() if k in own and own[k] == shape]
    return [(baseline, same), *donors.values()]


def build_probe(net_spec: NetworkSpec, seed: int) -> nn.Module:
    """Build the probe classifier with the initial weights every variant shares (`init_plan`);
    the random stream is re-seeded at the end, so dropout masks match too."""
    from resattn.build import build

    donors = [(lambda s=spec: build(s), keys) for spec, keys in init_plan(net_spec)]
    return shared_init(lambda: build(net_spec), donors, seed)


def accuracy(model: nn.Module, data: Split) -> float:
    """Held-out accuracy (eval mode: batch norm uses its running statistics)."""
    return _accuracy(model, data.x_val, data.y_val)


#: what the lab says of a training step (`step_text`)
STEP = N_("epoch {epoch}/{epochs} · step {step}/{steps} · loss {loss}")


def step_text(epoch: int, epochs: int, step: int, steps: int, loss: float) -> Text:
    """`resattn.lab.portable.step_message` as a catalog message: it is worded where it is shown
    (the studio's page, the command line), in that language."""
    return Text(
        STEP,
        epoch=str(epoch),
        epochs=str(epochs),
        step=str(step),
        steps=str(steps),
        loss=f"{loss:.3f}",
    )


def train_probe(
    spec: Spec,
    config: ProbeConfig = ProbeConfig(),
    *,
    progress: Optional[Progress] = None,
    should_stop: Optional[ShouldStop] = None,
) -> ProbeRun:
    """Build the probe classifier of `spec` and train it on the config's data.

    `progress(fraction, message)` is called after every step; training stops early (the record
    says why) when `should_stop()` returns True or `config.time_budget_s` is spent. Under
    ``torchrun`` the same loop trains with DistributedDataParallel (see `resattn.lab.ddp`).
    """
    dataset = load_dataset(config.data, config.image_size)
    net_spec = probe_spec(spec, config, dataset.shape)
    data = split(dataset, config.seed, config.val_fraction)
    device = resolve_device(config.device)
    _, size = ddp.world()
    if config.batch_size % size:
        raise ValueError(f"batch size {config.batch_size} does not split over {size} processes")
    with reproducible(config.seed):
        model = build_probe(net_spec, config.seed).to(device)
        recorder = GateRecorder(model)
        trained = ddp.wrap(model)
        record = TrainRecord()

        def on_step(sums: torch.Tensor) -> None:
            _append_gate_stats(record, recorder, sums.view(len(recorder.slots), 3))

        tensors = tuple(t.to(device) for t in (data.x_train, data.y_train, data.x_val, data.y_val))
        try:
            curves = train_loop(
                trained,
                model,
                tensors,
                config.to_json(),
                world_size=size,
                all_sum=ddp.all_sum,
                local_slice=ddp.local_slice,
                extra_sums=lambda: recorder.take().flatten(),
                on_step=on_step,
                progress=progress,
                should_stop=should_stop,
                describe_step=step_text,
            )
        except BadData as exc:
            raise DataError.of(exc) from None
    for name, value in curves.items():
        setattr(record, name, value)
    model.eval()
    return ProbeRun(record=record, model=model.cpu(), spec=net_spec)
