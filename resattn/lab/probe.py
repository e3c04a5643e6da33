"""The training-stability probe (NOTES §6, §8): a small classifier built from a variant's block,
trained on the digits with a fixed seed, recording what a user needs to see stability.

The classifier is a network spec: a CIFAR-style stem, `depth` copies of the design's block at a
small width (a network keeps its stages, each at most `stage_depth` blocks deep, scaled to the
same small width) and the global-average-pool + linear head. Every variant of an ablation gets
the same data split, initial weights (`build_probe`), batch order, dropout stream and optimiser;
only the slots differ.

Recorded per step: the loss, the global gradient norm (before the optimiser step) and, for every
attention slot, the mean and spread (standard deviation) of the gate weights α over the batch
(`Gate` forward hooks); per epoch: the held-out accuracy. Same seed, same machine and thread
→ the same curves, bit for bit (training runs on one thread, so
the caller's thread count does not matter).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import torch
from torch import nn
from torch.nn import functional as F

from resattn.attention.gate import Gate
from resattn.lab import distributed
from resattn.lab.data import IMAGE_SHAPE, NUM_CLASSES, Split, digits_split
from schemas import (
    SLOT_NAMES,
    BlockSpec,
    NetworkSpec,
    Slots,
    Spec,
    bottleneck_width,
    parse_spec,
)

Progress = Callable[[float, str], None]
ShouldStop = Callable[[], bool]

#: `ResidualAttentionBlock` attribute → the slot it implements.
SLOT_OF_ATTRIBUTE = {
    "attn_pre": "pre_residual",
    "attn_branch": "branch",
    "attn_skip": "skip",
    "attn_post": "post_add",
}

# One probe trains at a time per process: the random stream and deterministic-algorithms flag
# are process-wide, and a small CPU gains nothing from two trainings at once.
_TRAIN_LOCK = threading.Lock()

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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


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
    out = probe_channels(spec.block, config.width)
    stem = _scaled(spec.input.channels, spec.block.out_channels, out)
    return stem, [_stage(spec.block, out, spec.block.stride, config.depth, spec)]


def _network_stages(spec: NetworkSpec, config: ProbeConfig) -> tuple[int, list[dict]]:
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


def probe_spec(spec: Spec, config: ProbeConfig = ProbeConfig()) -> NetworkSpec:
    """The probe classifier for a design, as a validated network spec on 1×8×8 digits."""
    stem, stages = _SHRINK[type(spec)](spec, config)
    channels, height, width = IMAGE_SHAPE
    return parse_spec(
        {
            "name": "probe",
            "input": {"channels": channels, "height": height, "width": width, "batch": 1},
            "stem": {"type": "cifar", "out_channels": stem},
            "stages": stages,
            "num_classes": NUM_CLASSES,
        }
    )


# ---------------------------------------------------------------------------------------------
# Gate statistics


class GateRecorder:
    """Forward hooks on every `Gate` of a model: per slot, sums of α, α² and the count.

    Statistics pool every gate of a slot (all blocks; CBAM's channel and spatial gates, Coordinate
    Attention's H and W gates) while `active`. Skip-slot gates start at identity and range over
    (0, 2); every other gate over (0, 1).
    """

    def __init__(self, model: nn.Module):
        self.active = False
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
        def hook(_module, _inputs, alpha: torch.Tensor) -> None:
            if self.active:
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
# Training


def flush_denormal_enabled() -> bool:
    """Whether this thread flushes denormal floats to zero (`torch.set_flush_denormal`).

    PyTorch offers a setter but no getter, so the setting is read by its effect: a denormal
    float32 (1e-39) times 1.5 is zero only when flushing is on. The setting is the calling
    thread's (x86 MXCSR FTZ/DAZ bits) and so is this computation (one element: no worker
    thread). On a CPU without the feature `set_flush_denormal` changes nothing and this reads
    False.
    """
    return (torch.tensor([1e-39], dtype=torch.float32) * 1.5).item() == 0.0


@contextmanager
def _reproducible(seed: int):
    """Seeded, deterministic algorithms, and the caller's random state and flags restored.

    Restored on exit: the random state, the deterministic-algorithms flag, the thread count and
    flush-denormal, whose previous value is read by `flush_denormal_enabled` (there is no
    getter). All of these are read and set on the calling thread.
    """
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    threads = torch.get_num_threads()
    with _TRAIN_LOCK, torch.random.fork_rng(devices=[]):
        was_flushing = flush_denormal_enabled()
        torch.manual_seed(seed)
        # One thread: the probe's tensors are tiny, and float sums then add up in one order
        # whatever the caller's thread count (the curves do not depend on the machine's cores).
        torch.set_num_threads(1)
        torch.use_deterministic_algorithms(True)
        # Zero-initialised gammas and identity-start gates make tiny values: denormal floats
        # would slow the CPU down many times over.
        torch.set_flush_denormal(True)
        try:
            yield
        finally:
            torch.set_flush_denormal(was_flushing)
            torch.use_deterministic_algorithms(was_deterministic)
            torch.set_num_threads(threads)


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


def build_probe(net_spec: NetworkSpec, seed: int) -> nn.Module:
    """Build the probe classifier so that every variant starts from the same weights.

    Building consumes random numbers module by module, so attention modules built in between
    would shift every later draw: the same seed alone gives each variant another backbone.
    Instead every tensor of the state dict comes from a reference model built with `seed`:

    - a tensor the baseline has (same key, same shape: stem, convolutions, batch norms, head)
      from the baseline — the same design with every slot empty;
    - an attention tensor of slot S in stage i, holding attention A, from the design with only
      S filled with A, in every stage.

    So the variants of one ablation share every tensor they have in common (P1's and P4's
    branch attention included, and a per-stage variant's attention matches the all-stage
    one). The random stream is then re-seeded, so dropout masks match too.
    """
    from resattn.build import build

    def seeded(spec: NetworkSpec) -> dict[str, torch.Tensor]:
        torch.manual_seed(seed)
        return build(spec).state_dict()

    torch.manual_seed(seed)
    model = build(net_spec)
    own = model.state_dict()
    shared = {}
    donors: dict[tuple[str, str], dict[str, torch.Tensor]] = {}
    for key in own:
        where = _slot_of_key(key)
        if where is None:
            continue
        stage, slot = where
        attention = getattr(net_spec.stages[stage].slots, slot)
        pair = (slot, attention.model_dump_json())
        if pair not in donors:
            donors[pair] = seeded(_only(net_spec, slot, attention))
        shared[key] = donors[pair][key]
    if shared:  # the baseline itself needs nothing from elsewhere
        baseline = seeded(_only(net_spec))
        shared.update((k, t) for k, t in baseline.items() if k in own and own[k].shape == t.shape)
        model.load_state_dict(shared, strict=False)
    torch.manual_seed(seed)
    return model


def grad_norm(model: nn.Module) -> float:
    """Global L2 norm of every parameter's gradient."""
    norms = [p.grad.detach().norm() for p in model.parameters() if p.grad is not None]
    return float(torch.linalg.vector_norm(torch.stack(norms))) if norms else 0.0


def accuracy(model: nn.Module, split: Split) -> float:
    """Held-out accuracy (eval mode: batch norm uses its running statistics)."""
    model.eval()
    with torch.no_grad():
        hits = (model(split.x_val).argmax(1) == split.y_val).sum().item()
    model.train()
    return hits / len(split.y_val)


def train_probe(
    spec: Spec,
    config: ProbeConfig = ProbeConfig(),
    *,
    progress: Optional[Progress] = None,
    should_stop: Optional[ShouldStop] = None,
) -> ProbeRun:
    """Build the probe classifier of `spec` and train it on the digits.

    `progress(fraction, message)` is called after every step; training stops early (the record
    says why) when `should_stop()` returns True or `config.time_budget_s` is spent. Under
    ``torchrun`` the same loop trains with DistributedDataParallel (see `resattn.lab.distributed`).
    """
    net_spec = probe_spec(spec, config)
    split = digits_split(config.seed, config.val_fraction)
    with _reproducible(config.seed):
        model = build_probe(net_spec, config.seed)
        recorder = GateRecorder(model)
        trained = distributed.wrap(model)
        record = _train(trained, model, split, config, recorder, progress, should_stop)
    model.eval()
    return ProbeRun(record=record, model=model, spec=net_spec)


def _train(trained, model, split, config, recorder, progress, should_stop) -> TrainRecord:
    """The loop: equal global batches (the incomplete last one is dropped), one record per step,
    held-out accuracy after every complete epoch."""
    _, size = distributed.world()
    if config.batch_size % size:
        raise ValueError(f"batch size {config.batch_size} does not split over {size} processes")
    steps_per_epoch = len(split.y_train) // config.batch_size
    total = config.epochs * steps_per_epoch
    if config.max_steps is not None:
        total = min(total, config.max_steps)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    # Cosine decay to zero over the run: the last epochs settle instead of bouncing.
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=total)
    generator = torch.Generator().manual_seed(config.seed)
    record = TrainRecord(steps_per_epoch=steps_per_epoch)
    start = time.perf_counter()
    model.train()
    for step in range(total):
        epoch, i = divmod(step, steps_per_epoch)
        if i == 0:
            order = torch.randperm(len(split.y_train), generator=generator)
        batch = distributed.local_slice(order[i * config.batch_size : (i + 1) * config.batch_size])
        recorder.active = True
        loss = F.cross_entropy(trained(split.x_train[batch]), split.y_train[batch])
        recorder.active = False
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        record.grad_norm.append(grad_norm(model))  # DDP has averaged: equal on every process
        optimiser.step()
        schedule.step()
        stop = _stop_reason(should_stop, config.time_budget_s, start)
        # One all-reduce per step: loss, the stop flag and the gate sums of the global batch.
        flags = torch.tensor([loss.item(), float(stop is not None)], dtype=torch.float64)
        packed = distributed.all_sum(torch.cat([flags, recorder.take().flatten()]))
        record.loss.append(packed[0].item() / size)
        _append_gate_stats(record, recorder, packed[2:].view(len(recorder.slots), 3))
        if i == steps_per_epoch - 1:
            record.val_accuracy.append(accuracy(model, split))
        if progress is not None:
            progress(
                (step + 1) / total,
                f"epoch {epoch + 1}/{config.epochs} · step {step + 1}/{total} · "
                f"loss {record.loss[-1]:.3f}",
            )
        if packed[1].item() > 0:
            record.stopped = stop or "cancelled"  # another process asked to stop
            break
    record.seconds = time.perf_counter() - start
    return record


def _stop_reason(should_stop, budget: Optional[float], start: float) -> Optional[str]:
    if should_stop is not None and should_stop():
        return "cancelled"
    if budget is not None and time.perf_counter() - start > budget:
        return "time_budget"
    return None
