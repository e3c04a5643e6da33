"""The shared heavy-job pool: one job per worker at a time, a first-come queue with places,
Stop, sessions that leave, time budgets, equal requests joined, results through JSON only."""

from __future__ import annotations

import json
import os
import time

import pytest

from components.heavy import said
from components.jobs import DONE, FAILED, QUEUED, RUNNING, STOPPED, WORKER_NICENESS, JobPool
from resattn.i18n import use_language
from resattn.loading import load_spec
from schemas import canonical_json


def wait(predicate, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def pool():
    alive = {"a": True, "b": True, "c": True}
    p = JobPool(1, alive=lambda owner: alive.get(owner, True))
    p.alive_table = alive
    try:
        yield p
    finally:
        p.close()


def test_one_job_per_worker_the_rest_queued_with_their_place_then_stop(pool):
    first = pool.submit("sleep", {"seconds": 30}, owner="a", budget_s=60)
    second = pool.submit("sleep", {"seconds": 0.1}, owner="b", budget_s=60)
    third = pool.submit("sleep", {"seconds": 0.2}, owner="c", budget_s=60)
    wait(lambda: first.state == RUNNING and first.progress > 0)
    assert (pool.place(first), pool.place(second), pool.place(third)) == (0, 1, 2)
    assert second.state == third.state == QUEUED
    assert pool.stats() == {"queued": 2, "running": 1, "workers": 1}
    pool.cancel(second, "b")  # Stop while waiting: out of the queue
    assert second.state == STOPPED and pool.place(third) == 1
    pool.cancel(first, "a")  # Stop while running: its worker ends, the queue moves on
    assert first.state == STOPPED
    wait(lambda: third.done)
    assert third.state == DONE and third.result == 0.2, third.error


def test_a_session_that_leaves_stops_its_work(pool):
    job = pool.submit("sleep", {"seconds": 60}, owner="a", budget_s=120)
    wait(lambda: job.state == RUNNING)
    pool.alive_table["a"] = False
    wait(lambda: job.done, timeout=10)
    assert job.state == STOPPED


def test_equal_requests_share_one_job_and_a_shared_job_survives_one_stop(pool):
    one = pool.submit("sleep", {"seconds": 0.5}, owner="a", budget_s=60, key="k")
    two = pool.submit("sleep", {"seconds": 0.5}, owner="b", budget_s=60, key="k")
    assert one is two
    pool.cancel(one, "a")
    assert not one.done or one.state == DONE  # b still wants it
    wait(lambda: one.done)
    assert one.state == DONE
    assert pool.submit("sleep", {}, owner="c", budget_s=60, key="k") is one  # kept


def test_a_job_over_its_budget_is_ended_and_says_so(pool, monkeypatch):
    monkeypatch.setattr("components.jobs.GRACE_S", 0.5)
    job = pool.submit("sleep", {"seconds": 60}, owner="a", budget_s=1)
    wait(lambda: job.done, timeout=150)
    assert job.state == FAILED and "time budget of 1 s" in job.error
    with use_language("tr"):  # shown in the reader's language, with the same figures
        shown = said(job, "error")
    assert shown.startswith("durduruldu: 1 s'lik süre bütçesini aştı"), shown


def test_the_pool_and_worker_words_are_shown_in_the_reader_language(pool):
    job = pool.submit("no-such-kind", {}, owner="a", budget_s=10)
    wait(lambda: job.done)
    assert job.state == FAILED and job.error == "unknown job kind 'no-such-kind'"
    assert said(job, "error") == job.error and said(job, "message") == "failed"
    with use_language("tr"):
        assert said(job, "error") == "bilinmeyen iş türü: 'no-such-kind'"
        assert said(job, "message") == "başarısız oldu"


def test_profile_and_an_engine_error_come_back_as_json(pool):
    spec = load_spec("preset:se_bottleneck")
    job = pool.submit(
        "profile", {"spec": canonical_json(spec), "latency": False}, owner="a", budget_s=30
    )
    wait(lambda: job.done)
    assert job.state == DONE, job.error
    from resattn.counting import analytic_params

    assert job.result["params"] == analytic_params(spec)
    bad = pool.submit("profile", {"spec": "{}"}, owner="a", budget_s=30)
    wait(lambda: bad.done)
    assert bad.state == FAILED and bad.error and "Traceback" not in bad.error
    assert bad.error.startswith("Invalid spec: ")
    with use_language("tr"):  # the worker sent the engine's error in every language
        assert said(bad, "error").startswith("Geçersiz spec: ")


def test_a_profile_job_sends_why_a_figure_is_missing_in_every_language(pool):
    from components.worker import SKIPPED_SAID
    from resattn.profile import latency_settings

    args = {"spec": canonical_json(load_spec("preset:se_bottleneck")), "latency": True}
    job = pool.submit(
        "profile", {**args, "settings": latency_settings(0.0)}, owner="a", budget_s=30
    )
    wait(lambda: job.done)
    assert job.state == DONE, job.error
    assert job.result["latency_ms"] is None
    said = job.result[SKIPPED_SAID]["latency_ms"]
    assert said["en"] == job.result["skipped"]["latency_ms"]
    assert said["tr"].startswith("Gecikme ölçülmedi: 0 s'lik süre bütçesi")


def test_the_profile_tab_and_the_cli_ask_for_latency_with_the_same_settings(monkeypatch):
    """The studio's profile request (the Profile tab's job, run by the worker) and
    ``resattn summary --latency`` call `profile` with the same measuring settings."""
    import importlib

    from streamlit.testing.v1 import AppTest

    from components import worker
    from resattn.cli import main

    engine_profile = importlib.import_module("resattn.profile")  # the module, not the function

    seen: dict[str, dict] = {}
    real = engine_profile.profile

    def spy(who: str):
        def profile(spec, **kwargs):
            seen[who] = {k: v for k, v in kwargs.items() if k != "progress"}
            return real(spec, latency=False)

        return profile

    monkeypatch.setattr(engine_profile, "profile", spy("cli"))
    assert main(["summary", "preset:se_bottleneck", "--latency", "--json"]) == 0
    requests = []
    monkeypatch.setattr(
        "components.profile.job_panel", lambda kind, args, **kw: requests.append((args, kw))
    )

    def page():
        from components.profile import render_profile
        from resattn.loading import load_spec

        render_profile(load_spec("preset:se_bottleneck"), key="p")

    at = AppTest.from_function(page, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    ((args, options),) = requests
    monkeypatch.setattr(engine_profile, "profile", spy("studio"))
    worker.KINDS["profile"](args, options["budget_s"], lambda fraction, message: None)
    assert seen["studio"] == seen["cli"], seen
    assert seen["cli"]["latency"] is True
    assert seen["cli"]["threads"] == engine_profile.latency_threads()
    assert options["budget_s"] == seen["cli"]["time_budget_s"]


def test_a_worker_times_latency_on_the_threads_the_cli_uses():
    """The worker process runs on one thread of its own; its latency measurement still uses
    the command line's thread count, and says so."""
    from resattn.profile import latency_threads, profile
    from tests.specs import block_spec

    spec = load_spec(block_spec(8, slots={"branch": {"type": "se", "reduction": 4}}))
    p = JobPool(1, threads=1)
    try:
        job = p.submit(
            "profile",
            {"spec": canonical_json(spec), "latency": True, "settings": None},
            owner="a",
            budget_s=60,
        )
        wait(lambda: job.done)
    finally:
        p.close()
    assert job.state == DONE, job.error
    assert job.result["latency_ms"] is not None
    assert job.result["threads"] == latency_threads()
    cli = profile(spec, latency=True, threads=latency_threads())  # as `summary --latency`
    assert cli.threads == job.result["threads"]


def _status_page(lang: str) -> None:
    import time

    from components import heavy
    from components.jobs import RUNNING, Job
    from resattn.i18n import set_language

    set_language(lang)

    class Pool:  # the two questions the status asks the pool
        def place(self, job):
            return 3

        def stats(self):
            return {"workers": 2}

    heavy._status(Pool(), Job("q", "sleep", {}, "q", 5.0))
    running = Job("r", "profile", {}, "r", 5.0, state=RUNNING, progress=0.5, message="running")
    running.started = time.monotonic()
    heavy._status(Pool(), running)


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_the_place_in_the_queue_and_the_progress_are_in_the_page_language(lang):
    from streamlit.testing.v1 import AppTest

    from tests.i18n.english import english_left

    at = AppTest.from_function(_status_page, args=(lang,)).run()
    queue = at.info[0].value
    progress = at.get("progress")[0].proto.text
    if lang == "en":
        assert queue.startswith("Waiting in the queue: you are 3rd in line (2 job(s) ahead")
        assert progress.startswith("running — ") and progress.endswith("of a 5 s time budget")
    else:
        assert queue.startswith("Kuyrukta bekliyor: sıranız 3.") and "2 iş" in queue
        assert progress.startswith("çalışıyor — ") and "5 s" in progress
        assert english_left(at) == []


def test_workers_run_below_the_studios_cpu_priority(pool):
    job = pool.submit("sleep", {"seconds": 30}, owner="a", budget_s=60)
    wait(lambda: job.state == RUNNING)
    [worker] = pool._workers
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, worker.proc.pid) == min(19, own + WORKER_NICENESS)
    if hasattr(os, "SCHED_IDLE"):  # Linux: the idle policy, so the server's threads come first
        assert os.sched_getscheduler(worker.proc.pid) == os.SCHED_IDLE
    pool.cancel(job, "a")


def test_a_progress_message_made_of_parts_reaches_each_page_in_its_language(pool, monkeypatch):
    """A worker knows no page's language: a `Text` (a step's loss, a seed) crosses to the pool
    in every language, for the job's message and a variant's bar alike; a plain catalog
    message after it is translated where it is shown."""
    from types import SimpleNamespace

    from components import worker
    from components.heavy import in_page_language
    from components.jobs import Job
    from resattn.i18n.text import Text
    from resattn.lab.ablate import SEED_STEP
    from resattn.lab.probe import step_text

    lines = []
    monkeypatch.setattr(worker, "_write", lines.append)
    message = Text(SEED_STEP, seed="0", message=step_text(1, 2, 3, 40, 2.5))
    worker.progress_writer("j")(0.5, message, partial={"variant:0": [0.5, message]})
    (line,) = [json.loads(json.dumps(line)) for line in lines]  # it crosses as JSON
    assert line["message"] == "seed 0: epoch 1/2 · step 3/40 · loss 2.500"
    assert line["said"]["tr"] == "seed 0: epoch 1/2 · adım 3/40 · loss 2.500"
    assert line["partial"] == {"variant:0": [0.5, line["said"]]}
    job = Job(id="j", kind="ablation", args={}, key="k", budget_s=10)
    pool._reply(SimpleNamespace(job=job), line)
    bar = job.partial["variant:0"][1]
    assert said(job, "message") == in_page_language(bar) == line["message"]
    with use_language("tr"):
        assert said(job, "message") == in_page_language(bar) == line["said"]["tr"]
    pool._reply(SimpleNamespace(job=job), {"id": "j", "progress": 1.0, "message": "done"})
    with use_language("tr"):
        assert said(job, "message") == "bitti"  # the earlier words in every language are not its


def test_a_worker_writes_progress_a_few_times_a_second_and_every_final_part_at_once(monkeypatch):
    from components import worker

    lines, now = [], [0.0]
    monkeypatch.setattr(worker, "_write", lines.append)
    progress = worker.progress_writer("j", clock=lambda: now[0])
    for step in range(1000):  # a probe's steps, 2 ms apart: 2 s
        now[0] = step * 0.002
        progress(step / 1000, f"step {step}")
        if step == 501:
            progress(0.5, "seed 0 done", partial={"piece:k": {"loss": [1.0]}})
        if step == 502:
            progress(0.5, "kept", partial={"variant:0": [1.0, "done"]})
        if step == 503:
            progress(0.5, "half", partial={"variant:1": [0.5, "seed 0 done"]})
    assert len(lines) <= 2 / worker.PROGRESS_EVERY_S + 3, len(lines)
    assert lines[0]["message"] == "step 0"
    assert {"piece:k": {"loss": [1.0]}} in [line.get("partial") for line in lines]
    assert {"variant:0": [1.0, "done"]} in [line.get("partial") for line in lines]
    # a part still under way waits for its turn like any progress line
    assert {"variant:1": [0.5, "seed 0 done"]} not in [line.get("partial") for line in lines]
