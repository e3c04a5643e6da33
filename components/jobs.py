"""The heavy-job pool every studio session shares: one queue, one worker process per core.

Profiling with latency, ONNX export and ablations never run on the script thread of an edit.
A session asks the pool (`JobPool.submit`); the job waits in one first-come queue shared by all
sessions and runs in a worker process (`components.worker`) as soon as one is free, so at most
one heavy job per core runs at any moment, whoever asked. Every job has a time budget: the
worker's engine call gets it (the profiler and the lab stop their measurements at it) and the
pool ends a worker that overruns it by `GRACE_S`. While a job waits, `place` says how many jobs
are ahead of it; while it runs, its last progress report is kept, with the parts of its result
that are already final (`Job.partial`: an ablation's finished trials, kept if it is stopped).
`cancel` (the Stop button) takes it out of the queue or ends its worker; `JobPool(alive=...)`
lets the pool cancel the jobs of sessions that have gone away.

Equal requests share one job (the key is the work's canonical JSON, without the design's name
— renaming a design does not redo the work); finished results are kept for the last
`RESULTS_KEPT` keys. Nothing here imports Streamlit.

A job is shared by every session that asked for it, whatever their languages, and a worker
process knows none of them: a job's `message` and `error` are English; a text made of parts (a
time budget, an engine error) is also kept in every language of the catalogs (`Job.said`), and
a page shows the one of its own language (`components.heavy`), translating the others there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from resattn.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, _, use_language

ROOT = Path(__file__).resolve().parents[1]
GRACE_S = 5.0
#: how much lower a worker's CPU priority is than the studio's (``nice``): while a heavy job runs,
#: the sessions' edits get the CPU first, and the job the cycles they leave. On Linux a worker
#: also runs under the ``SCHED_IDLE`` policy: a niced process still delays every wake-up of the
#: server's threads (30 sessions editing beside a nice-10 busy loop: p95 3.0 s instead of
#: 0.7-1.5 s), an idle-policy one gives way at once (0.84 s).
WORKER_NICENESS = 10
RESULTS_KEPT = 64
START_TIMEOUT_S = 120.0

QUEUED, RUNNING, DONE, FAILED, STOPPED = "queued", "running", "done", "failed", "stopped"
FINISHED = (DONE, FAILED, STOPPED)

#: the pool's own words for a job (progress steps, why it stopped or failed)
WAITING = N_("waiting for a free worker")
STARTING_WORKER = N_("starting a worker")
STARTING = N_("starting")
RUNNING_NOW = N_("running")
FINISHED_NOW = N_("done")
FAILED_NOW = N_("failed")
STOPPED_NOW = N_("stopped")
SHUTTING_DOWN = N_("the studio is shutting down")
OVER_BUDGET = N_("stopped: over its time budget of {budget} s (ran {ran} s)")
WORKER_ENDED = N_("the worker process ended unexpectedly (out of memory?)")
WORKER_DID_NOT_START = N_("the worker process did not start")
JOB_FAILED = N_("the job failed")


def over_budget(budget_s: float, ran_s: float) -> dict[str, str]:
    """Why a job was ended, in every language."""
    budget, ran = f"{budget_s:g}", f"{ran_s:.1f}"
    return renderings(lambda: _(OVER_BUDGET).format(budget=budget, ran=ran))


def renderings(render: Callable[[], str]) -> dict[str, str]:
    """language → what `render()` says in it, for every language of the catalogs."""
    found = {}
    for lang in LANGUAGES:
        with use_language(lang):
            found[lang] = render()
    return found


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def lower_priority(pid: int) -> None:
    """Give the process `pid` a CPU priority `WORKER_NICENESS` below this one's and, on Linux,
    the ``SCHED_IDLE`` policy (where the system has them and allows it)."""
    try:
        own = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, pid, min(19, own + WORKER_NICENESS))
    except (AttributeError, OSError):  # not POSIX, or the process already gone
        pass
    try:
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or the process already gone
        pass


@dataclass
class Job:
    """One request. `state` is queued → running → done | failed | stopped."""

    id: str
    kind: str
    args: dict
    key: str
    budget_s: float
    owners: set = field(default_factory=set)
    state: str = QUEUED
    progress: float = 0.0
    message: str = WAITING
    result: Any = None
    error: Optional[str] = None
    #: parts of the result already final while the job runs (the worker's ``partial``), by key
    partial: dict = field(default_factory=dict)
    #: field (``"message"``, ``"error"``) → {language: its text}, for a text made of parts
    said: dict = field(default_factory=dict)
    submitted: float = field(default_factory=time.monotonic)
    started: Optional[float] = None
    finished: Optional[float] = None

    @property
    def done(self) -> bool:
        return self.state in FINISHED

    def say(self, what: str, said: dict[str, str]) -> None:
        """Set `what` (``"message"`` or ``"error"``) from its `renderings` (English in the
        field)."""
        self.said[what] = said
        setattr(self, what, said[DEFAULT_LANGUAGE])

    def shown(self, what: str, lang: str) -> Optional[str]:
        """`what` in `lang` when the job keeps it in every language, else None (a single
        message of the catalogs, translated where it is shown)."""
        found = self.said.get(what)
        if found is None or found.get(DEFAULT_LANGUAGE) != getattr(self, what):
            return None
        return found.get(lang)

    @property
    def elapsed_s(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.monotonic()) - self.started


class _Worker:
    """A worker process and the thread that reads its replies."""

    def __init__(self, pool: JobPool, index: int):
        self.pool, self.index = pool, index
        self.proc: Optional[subprocess.Popen] = None
        self.job: Optional[Job] = None
        self.job_proc: Optional[subprocess.Popen] = None  # the process `job` was sent to
        self.ready = threading.Event()

    def start(self) -> None:
        path = [str(ROOT), os.environ.get("PYTHONPATH", "")]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in path if p),
            "RESATTN_WORKER_THREADS": str(self.pool.threads),
            "PYTHONUNBUFFERED": "1",
        }
        self.ready.clear()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "components.worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        lower_priority(self.proc.pid)
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send(self, job: Job) -> None:
        self.job, self.job_proc = job, self.proc
        line = {"id": job.id, "kind": job.kind, "args": job.args, "budget_s": job.budget_s}
        self.proc.stdin.write(json.dumps(line) + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("ready"):
                self.ready.set()
                continue
            self.pool._reply(self, msg)
        self.pool._exited(self, proc)


def _keep_said(job: Job, what: str, said: Any) -> None:
    """Keep `said`, a worker's {language: text} of the job's `what`, when it is that text (its
    English is the field's)."""
    if isinstance(said, dict) and said.get(DEFAULT_LANGUAGE) == getattr(job, what):
        job.said[what] = {str(k): str(v) for k, v in said.items()}


class JobPool:
    """A first-come queue of heavy jobs served by `size` worker processes (default: one per
    core). `alive(owner)` — when given — tells whether a session still exists."""

    def __init__(
        self,
        size: Optional[int] = None,
        *,
        alive: Optional[Callable[[str], bool]] = None,
        threads: Optional[int] = None,
    ):
        self.size = size or cores()
        self.threads = threads or max(1, cores() // self.size)
        self._alive = alive
        self._cond = threading.Condition()
        self._queue: list[Job] = []
        self._jobs: dict[str, Job] = {}
        self._by_key: OrderedDict[str, Job] = OrderedDict()
        self._workers = [_Worker(self, i) for i in range(self.size)]
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="resattn-jobs", daemon=True)
        self._thread.start()

    # --- what sessions call ------------------------------------------------------------
    def submit(
        self, kind: str, args: dict, *, owner: str, budget_s: float, key: Optional[str] = None
    ) -> Job:
        """Queue a job (or join the equal one already queued, running or finished)."""
        key = key or json.dumps([kind, args], sort_keys=True)
        with self._cond:
            job = self._by_key.get(key)
            if job is not None and job.state not in (FAILED, STOPPED):
                job.owners.add(owner)
                self._by_key.move_to_end(key)
                return job
            job = Job(uuid.uuid4().hex, kind, args, key, float(budget_s), {owner})
            self._jobs[job.id] = job
            self._by_key[key] = job
            self._queue.append(job)
            self._trim()
            self._cond.notify_all()
            return job

    def find(self, key: str) -> Optional[Job]:
        """The job kept for `key` (queued, running or finished), if any."""
        with self._cond:
            return self._by_key.get(key)

    def get(self, job_id: str) -> Optional[Job]:
        with self._cond:
            return self._jobs.get(job_id)

    def place(self, job: Job) -> int:
        """0 while the job runs (or is finished); k ≥ 1 = k-th in the queue."""
        with self._cond:
            try:
                return self._queue.index(job) + 1
            except ValueError:
                return 0

    def cancel(self, job: Job, owner: Optional[str] = None) -> None:
        """`owner` no longer wants the job; with no owner left (or `owner=None`) it stops."""
        with self._cond:
            if owner is not None:
                job.owners.discard(owner)
                if job.owners:
                    return
            self._stop(job, STOPPED_NOW)
            self._cond.notify_all()

    def cancel_owner(self, owner: str) -> int:
        """Stop every job only `owner` wanted (a session that left); returns how many."""
        with self._cond:
            mine = [j for j in self._jobs.values() if owner in j.owners and not j.done]
        for job in mine:
            self.cancel(job, owner)
        return len(mine)

    def stats(self) -> dict:
        with self._cond:
            return {
                "queued": len(self._queue),
                "running": sum(1 for w in self._workers if w.job is not None),
                "workers": self.size,
            }

    def close(self) -> None:
        with self._cond:
            self._closed = True
            for job in list(self._queue):
                self._stop(job, SHUTTING_DOWN)
            self._cond.notify_all()
        for w in self._workers:
            w.kill()

    # --- inside ------------------------------------------------------------------------
    def _trim(self) -> None:
        while len(self._by_key) > RESULTS_KEPT:
            for k, j in self._by_key.items():
                if j.done:
                    del self._by_key[k]
                    self._jobs.pop(j.id, None)
                    break
            else:
                return

    def _stop(self, job: Job, why: str) -> None:
        """Stop a job (lock held): out of the queue, or its worker ended."""
        if job.done:
            return
        if job in self._queue:
            self._queue.remove(job)
        for w in self._workers:
            if w.job is job:
                w.job = None
                w.kill()
        job.state, job.message, job.finished = STOPPED, why, time.monotonic()
        self._by_key.pop(job.key, None)

    def _reply(self, worker: _Worker, msg: dict) -> None:
        with self._cond:
            job = worker.job
            if job is None or msg.get("id") != job.id:
                return
            if "progress" in msg:
                job.progress = min(max(float(msg["progress"]), 0.0), 1.0)
                job.message = str(msg.get("message", ""))
                _keep_said(job, "message", msg.get("said"))
                if isinstance(msg.get("partial"), dict):
                    job.partial.update(msg["partial"])
                return
            if "result" in msg:
                job.state, job.result, job.progress = DONE, msg["result"], 1.0
                job.message = FINISHED_NOW
            else:
                job.state, job.error = FAILED, str(msg.get("error") or JOB_FAILED)
                _keep_said(job, "error", msg.get("said"))
                job.message = FAILED_NOW
                self._by_key.pop(job.key, None)
            job.finished = time.monotonic()
            worker.job = None
            self._cond.notify_all()

    def _exited(self, worker: _Worker, proc: subprocess.Popen) -> None:
        with self._cond:
            if worker.proc is proc:
                worker.proc = None
            job = worker.job
            if job is not None and not job.done and worker.job_proc is proc:
                job.state, job.finished = FAILED, time.monotonic()
                job.error = WORKER_ENDED
                self._by_key.pop(job.key, None)
                worker.job = None
            self._cond.notify_all()

    def _loop(self) -> None:
        last_reap = 0.0
        while True:
            with self._cond:
                if self._closed:
                    return
                now = time.monotonic()
                for w in self._workers:
                    job = w.job
                    if job is not None and now - job.started > job.budget_s + GRACE_S:
                        job.say("error", over_budget(job.budget_s, now - job.started))
                        job.state, job.finished, w.job = FAILED, now, None
                        self._by_key.pop(job.key, None)
                        w.kill()
                idle = [w for w in self._workers if w.job is None]
                starting = []
                while idle and self._queue:
                    w, job = idle.pop(0), self._queue.pop(0)
                    job.state, job.started = RUNNING, time.monotonic()
                    job.message = STARTING_WORKER if not w.alive() else STARTING
                    w.job, w.job_proc = job, None  # not sent yet
                    starting.append((w, job))
                reap = self._alive is not None and now - last_reap > 1.0
                self._cond.wait(timeout=0.25 if not starting else 0)
            for w, job in starting:  # a worker may need seconds to start: not on this thread
                threading.Thread(target=self._launch, args=(w, job), daemon=True).start()
            if reap:
                last_reap = time.monotonic()
                self._reap()

    def _launch(self, w: _Worker, job: Job) -> None:
        try:
            if not w.alive():
                w.start()
                deadline = time.monotonic() + START_TIMEOUT_S
                while not w.ready.wait(0.2):
                    if not w.alive() or time.monotonic() > deadline:
                        raise RuntimeError(WORKER_DID_NOT_START)
            with self._cond:
                if w.job is not job:  # stopped while the worker was starting
                    return
                job.started = time.monotonic()
                job.message = RUNNING_NOW
                w.send(job)
        except (OSError, RuntimeError, ValueError) as exc:
            with self._cond:
                if w.job is job:
                    job.state, job.error, job.finished = FAILED, str(exc), time.monotonic()
                    self._by_key.pop(job.key, None)
                    w.job = None
            w.kill()

    def _reap(self) -> None:
        with self._cond:
            owners = {o for j in self._jobs.values() if not j.done for o in j.owners}
        for owner in owners:
            try:
                gone = not self._alive(owner)
            except Exception:  # noqa: BLE001 - a liveness probe must never stop the pool
                gone = False
            if gone:
                self.cancel_owner(owner)
