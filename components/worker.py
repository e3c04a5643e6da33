"""One heavy-job worker process of the studio's shared pool (`components.jobs`).

Run as ``python -m components.worker``: it reads one JSON request per line on stdin and writes
JSON lines on stdout — ``{"id", "progress", "message"}`` while it works (with ``"partial"``: parts
of the result that are already final, merged by key), then ``{"id", "result"}`` or
``{"id", "error", "said"}`` — the error in English, and ``said``: the error in every language
of the catalogs (a worker does not know the languages of the sessions that wait for its job; each
page shows the one of its own). Progress steps are English messages of the catalogs, translated
where they are shown. Only JSON crosses the process boundary (specs travel as their canonical
JSON; ONNX bytes as base64), so nothing is unpickled. A job is stopped by ending the process:
the pool starts a fresh one for the next job.

It runs the engine exactly as the command line does — the same `profile` function with the same
settings (`resattn.profile.latency_settings`: threads, repeats, time budget) and warm-up — so a
latency shown in the studio is comparable with ``resattn summary --latency`` on the same machine.
The worker's own thread count (`RESATTN_WORKER_THREADS`, a share of the cores) is for the other
work; a latency measurement sets its threads itself.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from components.jobs import renderings
from resattn.i18n import DEFAULT_LANGUAGE, N_, _
from resattn.i18n.text import Text

#: kind → function(args, budget_s, progress) → JSON-able result
KINDS: dict[str, Callable[[dict, float, Callable[[float, str], None]], Any]] = {}


def kind(name: str):
    def register(fn):
        KINDS[name] = fn
        return fn

    return register


def _spec(args: dict):
    from schemas import parse_spec

    return parse_spec(json.loads(args["spec"]))


#: the key of a profile job's result that holds `Profile.skipped_said` (beside `to_json`'s)
SKIPPED_SAID = "skipped_said"


@kind("profile")
def _profile(args: dict, budget_s: float, progress) -> dict:
    from resattn.profile import latency_settings, profile

    # the request's settings are `latency_settings()`, those of ``resattn summary --latency``
    settings = args.get("settings") or latency_settings(budget_s)
    result = profile(_spec(args), latency=bool(args.get("latency")), progress=progress, **settings)
    # why a figure was not measured, in every language: the pages that show it have their own
    return {**result.to_json(), SKIPPED_SAID: result.skipped_said()}


@kind("onnx")
def _onnx(args: dict, budget_s: float, progress) -> str:
    from resattn.export.onnx import export_onnx

    progress(0.1, N_("exporting the graph"))
    data = export_onnx(_spec(args), fold_bn=bool(args.get("fold_bn")))
    progress(1.0, N_("done"))
    return base64.b64encode(data).decode("ascii")


@kind("ablation")
def _ablation(args: dict, budget_s: float, progress) -> dict:
    """The lab's `ablate` (the loop of ``resattn ablate``) for the Compare tab. Every finished
    piece (the static comparison, each trial's record) goes back at once as a partial result
    (``"piece:" + its cache key``), and each variant's progress as ``"variant:" + its index``,
    so that a stopped run keeps what it finished; `known` pieces are not redone."""
    from resattn.lab import pieces
    from resattn.lab.ablate import ablate
    from resattn.lab.probe import ProbeConfig
    from resattn.lab.variants import make_variants

    spec = _spec(args)
    choices, attention_type = args.get("choices"), args.get("attention_type")
    config = ProbeConfig.from_json({"time_budget_s": budget_s, **args.get("config", {})})
    last = [0.0, "starting"]

    def overall(fraction: float, message: str) -> None:
        last[:] = [fraction, message]
        progress(fraction, message)

    shown: dict[int, float] = {}

    def each(index: int, fraction: float, message: str) -> None:
        if fraction < 1.0 and fraction - shown.get(index, -1.0) < 0.01:
            return  # at most ~100 updates per variant
        shown[index] = fraction
        progress(*last, partial={f"variant:{index}": [fraction, message]})

    cache = pieces.ReportingCache(
        make_variants(spec, choices, attention_type),
        known=args.get("known"),
        on_new=lambda key, data: progress(*last, partial={f"piece:{key}": data}),
    )
    ablate(
        spec,
        choices,
        attention_type,
        config=config,
        seeds=int(args.get("seeds", 1)),
        latency=bool(args.get("latency", True)),
        train=bool(args.get("train", True)),
        estimate=bool(args.get("estimate", False)),
        cache=cache,
        progress=overall,
        variant_progress=each,
    )
    return {"pieces": cache.to_json()}


@kind("sleep")
def _sleep(args: dict, budget_s: float, progress) -> float:
    """A job that only waits (the pool's own tests and the load benchmark use it)."""
    import time

    seconds = float(args.get("seconds", 1.0))
    steps = max(1, int(seconds / 0.05))
    for i in range(steps):
        time.sleep(seconds / steps)
        progress((i + 1) / steps, N_("waiting"))
    return seconds


def _write(line: dict) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def _said(exc: Exception) -> str:
    """An error as its reader sees it (an engine error's message renders in the current
    language)."""
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__


#: Least time (s) between two progress lines that carry nothing final. The page polls every
#: 0.5 s, and every line wakes the server's reader thread, which then takes the interpreter lock
#: from the sessions' script threads: a probe's every step (~50 a second) slowed every edit.
PROGRESS_EVERY_S = 0.25


def progress_writer(job_id, clock: Callable[[], float] = time.monotonic):
    """The `progress(fraction, message, partial=None)` of job `job_id`: it writes a progress line
    at most every `PROGRESS_EVERY_S`, except a line with something final in it — a finished
    piece (``"piece:…"``) or a part that reached 1.0 — which is always written at once."""
    last = [-PROGRESS_EVERY_S]

    def progress(fraction: float, message: str, partial=None) -> None:
        now = clock()
        final = any(
            key.startswith("piece:") or (isinstance(value, list) and value and value[0] >= 1.0)
            for key, value in (partial or {}).items()
        )
        if not final and now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        said = every_language(message)
        report = {"id": job_id, "progress": float(fraction), "message": said}
        if isinstance(said, dict):  # a `Text`: English in the field, every language beside it
            report["message"], report["said"] = said[DEFAULT_LANGUAGE], said
        if partial:
            report["partial"] = {
                key: [value[0], every_language(value[1])]
                if key.startswith("variant:") and isinstance(value, list) and len(value) == 2
                else value
                for key, value in partial.items()
            }
        _write(report)

    return progress


def every_language(message: Any):
    """A progress message as it crosses to the pool (at most 200 characters): a `Text` (a
    message made of parts, e.g. a step's loss) as {language: its words}, since no page's
    language is known here; anything else as a string (a single message of the catalogs,
    translated where it is shown)."""
    if isinstance(message, Text):
        return {lang: text[:200] for lang, text in renderings(message.render).items()}
    return str(message)[:200]


def _fail(job_id, render: Callable[[], str]) -> None:
    said = {lang: text[:2000] for lang, text in renderings(render).items()}
    _write({"id": job_id, "error": said[DEFAULT_LANGUAGE], "said": said})


def serve() -> None:
    threads = os.environ.get("RESATTN_WORKER_THREADS")
    if threads:
        import torch

        torch.set_num_threads(int(threads))
    _write({"ready": True})
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        job_id = request.get("id")
        progress = progress_writer(job_id)
        fn = KINDS.get(request.get("kind"))
        if fn is None:
            kind_name = repr(request.get("kind"))
            _fail(job_id, lambda k=kind_name: _("unknown job kind {kind}").format(kind=k))
            continue
        try:
            result = fn(request.get("args", {}), float(request.get("budget_s", 10.0)), progress)
        except Exception as exc:  # noqa: BLE001 - reported to the session that asked
            traceback.print_exc(file=sys.stderr)  # the server's log, never the page
            _fail(job_id, lambda exc=exc: _said(exc))
            continue
        _write({"id": job_id, "result": result})


if __name__ == "__main__":
    serve()
