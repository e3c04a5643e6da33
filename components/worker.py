"""One heavy-job worker process of the studio's shared pool (`components.jobs`).

Run as ``python -m components.worker``: it reads one JSON request per line on stdin and writes
JSON lines on stdout — ``{"id", "progress", "message"}`` while it works, then ``{"id", "result"}``
or ``{"id", "error", "said"}`` — the error in English, and ``said``: the error in every language
of the catalogs (a worker does not know the languages of the sessions that wait for its job; each
page shows the one of its own). Progress steps are English messages of the catalogs, translated
where they are shown. Only JSON crosses the process boundary (specs travel as their canonical
JSON; ONNX bytes as base64), so nothing is unpickled. A job is stopped by ending the process:
the pool starts a fresh one for the next job.

It runs the engine exactly as the command line does — a fresh process, the same `profile`
function, warm-up and repeats — so a latency shown in the studio is comparable with
``resattn summary --latency`` run on the same machine with the same thread count.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

from components.jobs import renderings
from resattn.i18n import DEFAULT_LANGUAGE, N_, _

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


@kind("profile")
def _profile(args: dict, budget_s: float, progress) -> dict:
    from resattn.profile import profile

    result = profile(
        _spec(args), latency=bool(args.get("latency")), time_budget_s=budget_s, progress=progress
    )
    return result.to_json()


@kind("onnx")
def _onnx(args: dict, budget_s: float, progress) -> str:
    from resattn.export.onnx import export_onnx

    progress(0.1, N_("exporting the graph"))
    data = export_onnx(_spec(args), fold_bn=bool(args.get("fold_bn")))
    progress(1.0, N_("done"))
    return base64.b64encode(data).decode("ascii")


@kind("ablation")
def _ablation(args: dict, budget_s: float, progress) -> dict:
    from resattn.lab.ablate import ablate
    from resattn.lab.probe import ProbeConfig

    config = ProbeConfig(**{"time_budget_s": budget_s, **args.get("config", {})})
    result = ablate(
        _spec(args),
        args.get("choices"),
        args.get("attention_type"),
        config=config,
        latency=bool(args.get("latency", True)),
        train=bool(args.get("train", True)),
        progress=progress,
    )
    return result.to_json()


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

        def progress(fraction: float, message: str, job_id=job_id) -> None:
            _write({"id": job_id, "progress": float(fraction), "message": str(message)[:200]})

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
