"""`profile(spec)`: parameters, MACs, elementwise ops, FLOPs, latency and peak memory.

What each figure counts (docs/design.md §3; the op-by-op rules are in `resattn.counting`):

* ``params`` — learnable parameters (BN running statistics are buffers, not counted).
* ``macs`` — multiply-accumulates of conv / linear / matmul for the spec's input (batch
  included), fvcore's count; biases are not counted.
* ``elementwise_ops`` — the weight-free work: gate multiply, sigmoid / hard-sigmoid,
  hard-swish, ReLU, mean / amax pooling, max / avg / global pooling, the residual add,
  batch-norm (2 per element at inference), counted by our fvcore op handles.
* ``flops = 2 · macs + elementwise_ops``.
* ``unsupported_ops`` — ops met in the trace that no handle counts (never silently zero); `count`
  reports them for a real module, and the analytic count `profile` uses has none by
  construction (a test holds it equal to `count` on every kind of design).
* ``latency_ms`` — median wall time of one inference forward (``torch.inference_mode``, after
  warm-up) on this machine's CPU with ``threads`` threads; ``latency_spread_ms`` is the
  interquartile range of the repeated runs. Measuring stops at the time budget.
* ``peak_memory_bytes`` — traced, not estimated: parameters + buffers + input, plus the peak of
  tensor storage alive at once during one inference forward, tracked op by op on PyTorch's
  ``meta`` device (the sizes without the data). It excludes the allocator's slack and the
  scratch space inside library kernels.
* ``skipped`` — figure → why it was not measured (then it is None), in English: the time budget
  ran out, or the forward time (predicted from the FLOPs, then measured) says it would overrun
  it. ``skipped_texts`` holds the same reasons as catalog messages (`resattn.i18n.text.Text`),
  which render in the language current where they are shown; it is not part of the JSON.

Counting is analytic (`resattn.estimates`), so a profile builds nothing real unless latency is
asked for; a design over the compute budget (RA209, docs/diagnostics.md) is refused before any
work.
* ``attention`` — the overhead of the design's attention versus the same design with every
  slot empty, in % of params, MACs, elementwise ops and latency, plus the absolute attention
  parameters.
"""

from __future__ import annotations

import math
import statistics
import time
import warnings
import weakref
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Optional

import torch
from torch import nn
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from resattn.build import build, count_params
from resattn.counting import (
    DATA_MOVEMENT,
    ELEMENTWISE,
    MAC_OPS,
    is_attention,
    without_attention,
)
from resattn.estimates import REFERENCE_FLOPS_PER_S, Row, compute_rows
from resattn.i18n import LANGUAGES, N_
from resattn.i18n.text import Text
from resattn.lint import ensure_buildable, ensure_within_budget
from resattn.loading import load_spec
from resattn.shapes import output_shape as output_shape_of

Progress = Optional[Callable[[float, str], None]]


#: One row of the per-module table (leaf layers, whole attention modules, own ops).
ModuleRow = Row


@dataclass(frozen=True)
class Counts:
    params: int
    macs: int
    elementwise_ops: int
    per_module: list[ModuleRow]
    unsupported_ops: dict[str, int]
    attention_params: int

    @property
    def flops(self) -> int:
        return 2 * self.macs + self.elementwise_ops


@dataclass(frozen=True)
class Profile:
    """The profile of a design; see the module docstring for what each figure counts."""

    params: int
    macs: int
    elementwise_ops: int
    flops: int
    output_shape: tuple[int, ...]
    per_module: list[ModuleRow]
    attention: dict[str, Optional[float]]
    latency_ms: Optional[float]
    latency_spread_ms: Optional[float]
    latency_runs: int
    threads: int
    peak_memory_bytes: Optional[int]
    unsupported_ops: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    #: `skipped`'s reasons as catalog messages (not in the JSON: `skipped_said` carries them)
    skipped_texts: dict[str, Text] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict:
        data = asdict(self)
        del data["skipped_texts"]
        data["output_shape"] = list(self.output_shape)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Profile:
        """The profile `to_json` wrote (a worker process sends it as JSON)."""
        return cls(
            **{
                **data,
                "output_shape": tuple(data["output_shape"]),
                "per_module": [ModuleRow(**row) for row in data["per_module"]],
            }
        )

    def skipped_said(self) -> dict[str, dict[str, str]]:
        """figure → {language: why it was not measured}, for every language of the catalogs
        (what a worker process, which knows no page's language, sends beside `to_json`)."""
        return {
            figure: {lang: text.render(lang) for lang in LANGUAGES}
            for figure, text in self.skipped_texts.items()
        }

    def skip_reason(self, figure: str) -> Optional[str]:
        """Why `figure` was not measured, in the current language (English where the profile
        came from JSON), or None when it was."""
        text = self.skipped_texts.get(figure)
        return str(text) if text is not None else self.skipped.get(figure)


#: How latency is measured wherever it is asked for — ``resattn summary --latency`` and the
#: studio's Profile tab alike (`latency_settings`), so that their figures can be compared: this
#: many timed runs after the warm-up (`measure_latency`), and this much time for all of a
#: profile's measurements (peak memory, latency, the attention-free baseline).
REPEATS = 20
TIME_BUDGET_S = 10.0


def latency_threads() -> int:
    """The CPU threads a latency measurement uses: every core this process may use. Set
    explicitly, not left to torch's default, which depends on how the process was started (a
    worker pool gives each of its workers a share of the cores)."""
    from resattn.lab.trials import default_jobs

    return default_jobs()


def latency_settings(time_budget_s: float = TIME_BUDGET_S) -> dict:
    """The keyword arguments of `profile` that say how latency is measured — the same for the
    command line and the studio: repeats, time budget, threads."""
    return {"repeats": REPEATS, "time_budget_s": time_budget_s, "threads": latency_threads()}


@contextmanager
def measuring_threads(threads: Optional[int]):
    """Run the block with torch using `threads` CPU threads (None: as it is), then restore."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if threads is not None:
            torch.set_num_threads(before)


def profile(
    spec,
    *,
    latency: bool = True,
    repeats: int = REPEATS,
    time_budget_s: float = 3.0,
    threads: Optional[int] = None,
    progress: Progress = None,
) -> Profile:
    """Count and (optionally) time a design. Refuses designs with linter errors, and designs
    over the compute budget (RA209) before any work.

    Counting is analytic (`resattn.estimates.compute_rows`, equal to fvcore's count of the real
    module): no module is built for it. Peak memory is traced on PyTorch's ``meta`` device (no
    tensor holds data). The only real forward passes are latency's, and only when `latency` is
    asked for and the predicted forward time fits `time_budget_s`.

    `repeats` (≥ 1) bounds the timed runs; `threads` is the number of CPU threads they use
    (None: torch's current setting) — `latency_settings()` gives the settings the command line
    and the studio share. `progress(fraction, message)` is called as the work advances
    (`message`: an English message of the catalogs, translated where it is shown).
    The deadline is checked before each phase after counting; a phase that has no time left —
    or that the forward time (predicted from the FLOPs, then measured by the warm-up) says
    would overrun it — is skipped: its figures are None and `skipped` says why.
    Latency needs a warm-up and a timed run of the design, then as much of both again for its
    attention-free baseline (for ``attention["latency_pct"]``), which is dropped first when only
    the design fits.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an integer ≥ 1 (timed runs), got {repeats!r}")
    if not time_budget_s >= 0:
        raise ValueError(f"time_budget_s must be a number of seconds ≥ 0, got {time_budget_s!r}")
    deadline = time.perf_counter() + time_budget_s
    report = progress or (lambda fraction, message: None)
    skipped: dict[str, Text] = {}
    spec = load_spec(spec)
    ensure_buildable(spec)
    ensure_within_budget(spec)
    report(0.0, N_("counting"))
    counts = analytic_counts(spec)
    # predicted from the FLOPs at a conservative throughput, plus Python's cost per module (a
    # 1,024-block network is slow for its modules, not its FLOPs); the warm-up's time replaces it
    forward_s = counts.flops / REFERENCE_FLOPS_PER_S + len(counts.per_module) * SECONDS_PER_MODULE
    report(0.3, N_("measuring memory"))
    peak: Optional[int] = None
    # building on `meta` and tracing op by op costs Python time per module, not per FLOP
    meta_s = len(counts.per_module) * META_SECONDS_PER_MODULE
    reason = _no_time_for("peak_memory_bytes", 1, meta_s, deadline, time_budget_s)
    if reason:
        skipped["peak_memory_bytes"] = reason
        output_shape = output_shape_of(spec)
    else:
        try:  # the trace on `meta` runs op by op in Python: it stops at the deadline
            model = build(spec, device="meta").eval()
            peak, output_shape = peak_memory(model, _meta_input(spec), deadline)
        except TimeoutError:
            skipped["peak_memory_bytes"] = Text(TRACE_TOO_LONG, budget=f"{time_budget_s:g}")
            output_shape = output_shape_of(spec)
    attn = [r for r in counts.per_module if is_attention(r.name)]
    attn_macs = sum(r.macs for r in attn)
    attn_ew = sum(r.elementwise_ops for r in attn)
    # The attention-free design is this one minus its attention modules (gates keep shapes).
    base_params = counts.params - counts.attention_params
    base_macs, base_ew = counts.macs - attn_macs, counts.elementwise_ops - attn_ew
    latency_ms = spread = latency_pct = None
    runs = 0
    if latency:
        reason = _no_time_for("latency_ms", 2, forward_s, deadline, time_budget_s)
        if reason:
            skipped["latency_ms"] = reason
        else:
            # a warm-up and a timed run per model; the baseline shares the rest only if both fit
            both = bool(attn) and not _no_time_for(
                "latency_ms", 4, forward_s, deadline, time_budget_s
            )
            report(0.4, N_("building"))
            model = build(spec).eval()
            x = _input(spec)
            share = (deadline - time.perf_counter()) / (2 if both else 1)
            report(0.5, N_("timing"))
            latency_ms, spread, runs = measure_latency(model, x, repeats, share, threads)
            del model
            latency_pct = None if attn else 0.0
        if attn and latency_ms is not None:
            reason = _no_time_for("latency_pct", 2, latency_ms / 1000, deadline, time_budget_s)
            if reason:
                skipped["latency_pct"] = reason
            else:
                report(0.75, N_("timing the design without attention"))
                base_model = build(without_attention(spec)).eval()
                left = deadline - time.perf_counter()
                base_ms = measure_latency(base_model, x, repeats, left, threads)[0]
                latency_pct = _pct(latency_ms, base_ms)
    report(1.0, "done")
    return Profile(
        params=counts.params,
        macs=counts.macs,
        elementwise_ops=counts.elementwise_ops,
        flops=counts.flops,
        output_shape=output_shape,
        per_module=counts.per_module,
        attention={
            "params": counts.attention_params,
            "macs": attn_macs,
            "elementwise_ops": attn_ew,
            "params_pct": _pct(counts.params, base_params),
            "macs_pct": _pct(counts.macs, base_macs),
            "elementwise_ops_pct": _pct(counts.elementwise_ops, base_ew),
            "flops_pct": _pct(counts.flops, 2 * base_macs + base_ew),
            "latency_pct": latency_pct,
        },
        latency_ms=latency_ms,
        latency_spread_ms=spread,
        latency_runs=runs,
        threads=threads or torch.get_num_threads(),
        peak_memory_bytes=peak,
        unsupported_ops={},
        skipped={figure: text.english() for figure, text in skipped.items()},
        skipped_texts=skipped,
    )


#: Conservative time one module adds to a build and a forward, beyond its arithmetic.
SECONDS_PER_MODULE = 2e-4
#: Conservative time one module costs to build on ``meta`` and trace op by op (peak memory).
META_SECONDS_PER_MODULE = 1e-3


def analytic_counts(spec) -> Counts:
    """`Counts` of a spec from the spec alone (`resattn.estimates.compute_rows`): the same
    figures `count` gives for the built module, without building it."""
    rows = [
        ModuleRow(r.name, r.type, r.params, r.macs, r.elementwise_ops) for r in compute_rows(spec)
    ]
    return Counts(
        params=sum(r.params for r in rows),
        macs=sum(r.macs for r in rows),
        elementwise_ops=sum(r.elementwise_ops for r in rows),
        per_module=rows,
        unsupported_ops={},
        attention_params=sum(r.params for r in rows if is_attention(r.name)),
    )


def _meta_input(spec) -> torch.Tensor:
    inp = spec.input
    return torch.empty(inp.batch, inp.channels, inp.height, inp.width, device="meta")


#: figure of `Profile.skipped` → why it was not measured: (the time budget was spent before it
#: began, what is left of it is too short for the forward passes it needs)
NOT_MEASURED = {
    "peak_memory_bytes": (
        N_("Peak memory not measured: the time budget of {budget} s was spent before it began"),
        N_(
            "Peak memory not measured: tracing it takes about {ms} ms here, but only {left} ms "
            "of the {budget} s time budget are left"
        ),
    ),
    "latency_ms": (
        N_("Latency not measured: the time budget of {budget} s was spent before it began"),
        N_(
            "Latency not measured: one forward takes about {ms} ms here and it needs {n}, but "
            "only {left} ms of the {budget} s time budget are left"
        ),
    ),
    "latency_pct": (
        N_(
            "Latency of the design without attention not measured: the time budget of {budget} "
            "s was spent before it began"
        ),
        N_(
            "Latency of the design without attention not measured: one forward takes about "
            "{ms} ms here and it needs {n}, but only {left} ms of the {budget} s time budget "
            "are left"
        ),
    ),
}
#: why peak memory was not measured when its trace (on ``meta``) overran the budget
TRACE_TOO_LONG = N_(
    "Peak memory not measured: tracing it op by op did not finish within the time budget of "
    "{budget} s"
)


def _no_time_for(
    figure: str, forwards: int, forward_s: float, deadline: float, budget_s: float
) -> Optional[Text]:
    """Why `figure` (needing `forwards` forward passes of about `forward_s` each; peak memory
    one trace) does not fit before `deadline`, or None when it does."""
    spent, too_short = NOT_MEASURED[figure]
    left = deadline - time.perf_counter()
    if left <= 0:
        return Text(spent, budget=f"{budget_s:g}")
    if forwards * forward_s > left:
        return Text(
            too_short,
            ms=f"{1000 * forward_s:,.0f}",
            n=str(forwards),
            left=f"{1000 * left:,.0f}",
            budget=f"{budget_s:g}",
        )
    return None


def _pct(value: float, base: float) -> float:
    """How much larger `value` is than `base`, in %."""
    return 100.0 * (value - base) / base if base else 0.0


def _input(spec) -> torch.Tensor:
    inp = spec.input
    generator = torch.Generator().manual_seed(0)
    return torch.randn(inp.batch, inp.channels, inp.height, inp.width, generator=generator)


# --- counting --------------------------------------------------------------------------------


def count(model: nn.Module, x: torch.Tensor) -> Counts:
    """MACs and elementwise ops of one forward of `model` on `x`, in total and per module."""
    with warnings.catch_warnings():  # torch.jit's deprecation notices at fvcore's import
        warnings.simplefilter("ignore", DeprecationWarning)
        from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(model, (x,)).set_op_handle(**ELEMENTWISE)
    # fvcore silently ignores a fixed list of ops (ReLU among them); only pure data movement
    # may be ignored here, so everything else is either counted or reported as unsupported.
    analysis._ignored_ops = set(DATA_MOVEMENT)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    analysis.tracer_warnings("none")
    with warnings.catch_warnings():  # torch.jit's deprecation notices, raised inside fvcore
        warnings.simplefilter("ignore", DeprecationWarning)
        by_module = analysis.by_module_and_operator()
    total = by_module[""]
    macs = sum(v for k, v in total.items() if k in MAC_OPS)
    attention_params = sum(p.numel() for n, p in model.named_parameters() if is_attention(n))
    return Counts(
        params=count_params(model),
        macs=int(macs),
        elementwise_ops=int(sum(total.values()) - macs),
        per_module=_rows(model, by_module),
        unsupported_ops=dict(analysis.unsupported_ops()),
        attention_params=attention_params,
    )


def _split(counter) -> tuple[int, int]:
    macs = sum(v for k, v in counter.items() if k in MAC_OPS)
    return int(macs), int(sum(counter.values()) - macs)


def _rows(model: nn.Module, by_module) -> list[ModuleRow]:
    """Leaf layers and whole attention modules, plus the own ops (the add) of containers."""
    rows = []
    for name, module in model.named_modules():
        inside_attention = is_attention(name) and not name.split(".")[-1].startswith("attn_")
        if inside_attention:
            continue
        children = list(module.named_children())
        unit = not children or name.split(".")[-1].startswith("attn_")
        macs, ew = _split(by_module.get(name, {}))
        if unit:
            params = sum(p.numel() for p in module.parameters())
            rows.append(ModuleRow(name, type(module).__name__, params, macs, ew))
            continue
        for child, _ in children:
            c_macs, c_ew = _split(by_module.get(f"{name}.{child}" if name else child, {}))
            macs, ew = macs - c_macs, ew - c_ew
        if macs or ew:
            label = f"{name} (own ops)" if name else "(own ops)"
            rows.append(ModuleRow(label, type(module).__name__, 0, macs, ew))
    return rows


# --- latency ---------------------------------------------------------------------------------


def measure_latency(
    model: nn.Module, x: torch.Tensor, repeats: int, budget_s: float, threads: Optional[int] = None
) -> tuple[float, float, int]:
    """(median ms, interquartile range ms, runs) of inference forwards within `budget_s`, on
    `threads` CPU threads (None: torch's current setting).

    One warm-up run, a second if it fits, then up to `repeats` timed runs; a run starts only
    if the last one, repeated, would end before the budget does (at least one timed run).
    """
    deadline = time.perf_counter() + budget_s
    times: list[float] = []
    with measuring_threads(threads), torch.inference_mode():
        start = time.perf_counter()
        model(x)  # warm-up: first-call allocations and kernel selection
        if 2 * time.perf_counter() - start < deadline:
            model(x)
        while len(times) < repeats:
            if times and time.perf_counter() + times[-1] / 1000 > deadline:
                break
            start = time.perf_counter()
            model(x)
            times.append(1000 * (time.perf_counter() - start))
    if len(times) < 4:
        return statistics.median(times), max(times) - min(times), len(times)
    q1, _, q3 = statistics.quantiles(times, n=4)
    return statistics.median(times), q3 - q1, len(times)


# --- peak memory -----------------------------------------------------------------------------


class _LiveStorage(TorchDispatchMode):
    """Track the bytes of tensor storage that ops create and that are still alive."""

    def __init__(self, existing: set[int], deadline: float = math.inf):
        super().__init__()
        self.existing = existing
        self.deadline = deadline
        self.refs: dict[int, int] = {}
        self.current = self.peak = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if time.perf_counter() > self.deadline:
            raise _OutOfTime
        out = func(*args, **(kwargs or {}))
        for t in tree_leaves(out):
            if isinstance(t, torch.Tensor):
                self._track(t)
        return out

    def _track(self, t: torch.Tensor) -> None:
        storage = t.untyped_storage()
        ptr, size = _storage_key(storage), storage.nbytes()
        if ptr in self.existing or size == 0:
            return
        if ptr not in self.refs:
            self.refs[ptr] = 0
            self.current += size
            self.peak = max(self.peak, self.current)
        self.refs[ptr] += 1
        weakref.finalize(t, self._release, ptr, size)

    def _release(self, ptr: int, size: int) -> None:
        self.refs[ptr] -= 1
        if self.refs[ptr] == 0:
            del self.refs[ptr]
            self.current -= size


def _storage_key(storage) -> int:
    """Identity of a tensor's storage while it lives (meta storages all have data_ptr 0)."""
    return StorageWeakRef(storage).cdata


class _OutOfTime(Exception):
    """The deadline passed while tracing peak memory."""


def peak_memory(
    model: nn.Module, x: torch.Tensor, deadline: float = math.inf
) -> tuple[int, tuple[int, ...]]:
    """(bytes, output shape): parameters + buffers + input + the peak live tensor storage of
    one inference forward, and the shape that forward returns. `model` and `x` may live on the
    ``meta`` device (what `profile` does): the storage sizes are the same, no data is made.
    Raises `TimeoutError` when `deadline` (a ``time.perf_counter()`` value) passes first."""
    tensors = [*model.parameters(), *model.buffers(), x]
    resident = sum(t.untyped_storage().nbytes() for t in tensors)
    tracker = _LiveStorage({_storage_key(t.untyped_storage()) for t in tensors}, deadline)
    try:
        with torch.inference_mode(), tracker:
            shape = tuple(model(x).shape)
    except _OutOfTime:
        raise TimeoutError("the deadline passed while tracing peak memory") from None
    return resident + tracker.peak, shape
