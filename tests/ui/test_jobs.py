"""The shared heavy-job pool: one job per worker at a time, a first-come queue with places,
Stop, sessions that leave, time budgets, equal requests joined, results through JSON only."""

from __future__ import annotations

import os
import time

import pytest

from components.jobs import DONE, FAILED, QUEUED, RUNNING, STOPPED, WORKER_NICENESS, JobPool
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


def test_workers_run_below_the_studios_cpu_priority(pool):
    job = pool.submit("sleep", {"seconds": 30}, owner="a", budget_s=60)
    wait(lambda: job.state == RUNNING)
    [worker] = pool._workers
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, worker.proc.pid) == min(19, own + WORKER_NICENESS)
    pool.cancel(job, "a")
