"""Running the ablation's trials — one (variant, seed) probe each — here, in processes, or on Ray.

A trial travels as JSON text (the variant's canonical spec and the probe settings) and comes back
as JSON text (its `TrainRecord`): nothing else crosses a process boundary. Each trial trains on
one thread with a fixed seed (`resattn.lab.portable.reproducible`), so where it runs does not
change its numbers: ``--jobs 2`` and the Ray executor give exactly what one process gives.

- ``local`` with ``jobs=1``: in this process, with per-step progress and cancellation.
- ``local`` with ``jobs>1``: a pool of `jobs` processes (`TrialPool`; ``spawn``: no forked
  locks or threads), longest trials first; a stop request cancels the waiting trials and asks
  the running ones to stop at their next step.
- ``ray``: the same trials as Ray Tune trials — a grid over the trials, one CPU (or one GPU
  with ``--device cuda``) each — on a local Ray or the cluster at `address`. Ray is an optional
  extra (``pip install -e .[ray]``); our code gathers and aggregates the results.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from resattn.i18n import N_
from schemas import Problem, SpecError

EXECUTORS = ("local", "ray")

#: How often (s) a waiting pool checks whether to stop.
_POLL_S = 0.2


@dataclass(frozen=True)
class Trial:
    """One probe to train: the variant's index in the ablation, its spec and the settings."""

    index: int
    spec_json: str
    config: dict

    def to_json(self) -> str:
        return json.dumps({"index": self.index, "spec": self.spec_json, "config": self.config})


def run_trial(
    text: str,
    progress: Optional[Callable[[float, str], None]] = None,
    should_stop: Optional[Callable[[], bool]] = None,
) -> str:
    """Train one trial given as JSON text; its record as JSON text."""
    from resattn.lab.probe import ProbeConfig, train_probe
    from schemas import parse_spec

    trial = json.loads(text)
    spec = parse_spec(json.loads(trial["spec"]))
    config = ProbeConfig.from_json(trial["config"])
    record = train_probe(spec, config, progress=progress, should_stop=should_stop).record
    return json.dumps(record.to_json())


def check_executor(executor: str, jobs: int) -> None:
    """Refuse an unknown executor, a job count below 1, or Ray when it is not installed."""
    if executor not in EXECUTORS:
        raise SpecError(
            [Problem("executor", f"unknown executor {executor!r}; expected one of local, ray")],
            headline=N_("The options cannot be used"),
        )
    if jobs < 1:
        raise SpecError(
            [Problem("jobs", f"must be at least 1 (got {jobs})")],
            headline=N_("The options cannot be used"),
        )
    if executor == "ray":
        try:
            import ray  # noqa: F401
            from ray import tune  # noqa: F401
        except ImportError:
            raise SpecError(
                [
                    Problem(
                        "executor",
                        "the Ray executor needs Ray Tune: pip install -e .[ray] (or "
                        "pip install -r requirements-ray.txt)",
                    )
                ],
                headline=N_("The options cannot be used"),
            ) from None


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


Done = Callable[[int, str], None]


def run_trials(
    trials: Sequence[Trial],
    *,
    jobs: int = 1,
    executor: str = "local",
    address: Optional[str] = None,
    on_done: Optional[Done] = None,
    step_progress: Optional[Callable[[int, float, str], None]] = None,
    should_stop: Optional[Callable[[], bool]] = None,
    pool: Optional[TrialPool] = None,
    costs: Optional[Sequence[float]] = None,
) -> list[Optional[str]]:
    """The record (JSON text) of every trial, in order; None for a trial a stop request skipped.

    `on_done(position, record_text)` is called as each trial finishes (in finishing order);
    `step_progress(position, fraction, message)` follows each step, in this process only
    (``jobs=1``). With ``jobs>1`` the trials run in `pool` (a `TrialPool` the caller started
    ahead, e.g. while it computed other things), or in one started here. `costs` (one per trial,
    any unit) lets a pool start the longest trials first, so that no long trial runs alone at the
    end; the records do not depend on the order."""
    check_executor(executor, jobs)
    texts = [t.to_json() for t in trials]
    done = on_done or (lambda position, record: None)
    if executor == "ray":
        return _run_ray(texts, address, trials, done)
    if jobs == 1 or len(texts) <= 1:
        out: list[Optional[str]] = []
        for position, text in enumerate(texts):
            if should_stop is not None and should_stop():
                break
            step = None
            if step_progress is not None:

                def step(fraction, message, position=position):
                    step_progress(position, fraction, message)

            record = run_trial(text, step, should_stop)
            out.append(record)
            done(position, record)
        return out + [None] * (len(texts) - len(out))
    order = range(len(texts))
    if costs is not None:
        order = sorted(order, key=lambda position: -costs[position])  # stable: ties keep order
    if pool is not None:
        return pool.run(texts, order, done, should_stop)
    with TrialPool(min(jobs, len(texts))) as own:
        return own.run(texts, order, done, should_stop)


# ---------------------------------------------------------------------------------------------
# A pool of processes

_STOP_EVENT = None


def _worker_init(event, data: Optional[tuple[str, Optional[int]]]) -> None:
    """A pool worker's start: the stop event, then the imports and the data set its trials need
    (loaded once per process), so that the first trial starts at once."""
    global _STOP_EVENT
    _STOP_EVENT = event
    import resattn.lab.probe  # noqa: F401  (torch and the probe's code)

    if data is not None:
        from resattn.lab.data import load_dataset

        try:
            load_dataset(*data)
        except SpecError:
            pass  # the trial that needs it reports the problem


def _pool_trial(text: str) -> str:
    return run_trial(text, should_stop=None if _STOP_EVENT is None else _STOP_EVENT.is_set)


def _ready() -> None:
    """A task that returns once its worker has started (`TrialPool` submits one per worker)."""


class TrialPool:
    """`jobs` worker processes (``spawn``: no forked locks or threads) for `run_trials`.

    The workers start at once and warm up (import torch, load `data`: a ``(source, image_size)``
    pair for `resattn.lab.data.load_dataset`) while the caller goes on, e.g. with the static
    comparison; a context manager, closed on exit (waiting trials cancelled)."""

    def __init__(self, jobs: int, data: Optional[tuple[str, Optional[int]]] = None):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        self._stop_event = context.Event()
        self._executor = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=context,
            initializer=_worker_init,
            initargs=(self._stop_event, data),
        )
        for _ in range(jobs):  # a spawn pool starts a worker per submitted task, up to `jobs`
            self._executor.submit(_ready)

    def __enter__(self) -> TrialPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def run(self, texts, order, done, should_stop) -> list[Optional[str]]:
        """Every trial's record, submitted in `order` (positions into `texts`)."""
        from concurrent.futures import FIRST_COMPLETED, wait

        out: list[Optional[str]] = [None] * len(texts)
        futures = {self._executor.submit(_pool_trial, texts[i]): i for i in order}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=_POLL_S, return_when=FIRST_COMPLETED)
            for future in finished:
                if future.cancelled():
                    continue
                position = futures[future]
                out[position] = future.result()  # a trial's error is the caller's error
                done(position, out[position])
            if should_stop is not None and not self._stop_event.is_set() and should_stop():
                self._stop_event.set()
                for future in pending:
                    future.cancel()
        return out


# ---------------------------------------------------------------------------------------------
# Ray Tune


def _ray_trainable(config: dict) -> dict:
    """A Ray Tune function trainable: one trial, its record as the final metric."""
    from ray import tune

    record = run_trial(config["trial"])
    tune.report({"record": record})
    return {"record": record}


def ray_runtime_env() -> dict:
    """Ray's runtime environment for the lab's trials: the `resattn` and `schemas` packages of
    this process travel with the job, so every worker — local or on a cluster's nodes — imports
    this very code whether or not resattn is installed there."""
    import resattn
    import schemas

    folders = [Path(resattn.__file__).parent, Path(schemas.__file__).parent]
    return {"py_modules": [str(folder) for folder in folders]}


def _run_ray(texts, address, trials, done) -> list[Optional[str]]:
    import tempfile

    import ray
    from ray import tune

    started_here = False
    if not ray.is_initialized():
        ray.init(
            address=address,
            runtime_env=ray_runtime_env(),
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
        started_here = True
    gpu = 1 if any(t.config.get("device") == "cuda" for t in trials) else 0
    try:
        with tempfile.TemporaryDirectory(prefix="resattn-ray-") as storage:
            tuner = tune.Tuner(
                tune.with_resources(_ray_trainable, {"cpu": 1, "gpu": gpu}),
                param_space={"trial": tune.grid_search(texts)},
                run_config=tune.RunConfig(
                    storage_path=storage, name="ablation", verbose=0, log_to_file=False
                ),
            )
            grid = tuner.fit()
            out: list[Optional[str]] = [None] * len(texts)
            errors = []
            for result in grid:
                position = texts.index(result.config["trial"])
                if result.error is not None:
                    errors.append(str(result.error).strip().splitlines()[-1])
                    continue
                out[position] = result.metrics["record"]
                done(position, out[position])
    finally:
        if started_here:
            ray.shutdown()
    if errors:
        raise RuntimeError(f"{len(errors)} Ray trial(s) failed; the first: {errors[0]}")
    return out
