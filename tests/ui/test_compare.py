"""The Compare tab in AppTest: controls, a tiny ablation run through the shared heavy-job pool,
tables, charts, verdicts, hints, cache, the queue, Stop, a session that leaves, a design with
errors, uploads, a 2-seed ablation on mnist5k, and the results of a long finished run (charts of
a bounded number of exact points, no Altair chart built; in English and Turkish)."""

from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import replace

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from components.jobs import DONE, RUNNING, STOPPED, Job, JobPool
from resattn.i18n import _, use_language
from resattn.lab import pieces
from resattn.lab.ablate import compare, seed_list, static_key, train_key
from resattn.lab.probe import ProbeConfig, TrainRecord
from resattn.lab.reading import HINTS
from resattn.lab.report import CHART_POINTS
from resattn.lab.variants import make_variants
from schemas import SLOT_NAMES, parse_spec

RUN_S = 240.0


def _block_page():
    from components.compare import render_compare
    from schemas import parse_spec
    from tests.specs import block_spec

    spec = parse_spec(block_spec(8, slots={"branch": {"type": "se", "reduction": 4}}, name="tiny"))
    render_compare(spec, key="cmp")


def _broken_page():
    """A design with a linter error: an identity shortcut where the channels change."""
    from components.compare import render_compare
    from schemas import parse_spec
    from tests.specs import block_spec

    spec = parse_spec(block_spec(8, 16, shortcut="identity", name="broken"))
    render_compare(spec, key="cmp")


def _network_page():
    from components.compare import render_compare
    from resattn.loading import load_spec

    render_compare(load_spec("preset:resnet18"), key="cmp")


def _page(script) -> AppTest:
    at = AppTest.from_function(script, default_timeout=240)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def pool(monkeypatch):
    """The tab's pool: one worker, and a table that says which sessions are still there."""
    alive: dict[str, bool] = {}
    p = JobPool(1, alive=lambda owner: alive.get(owner, True))
    p.alive_table = alive
    yield from _the_tabs_pool(monkeypatch, p)


def _the_tabs_pool(monkeypatch, p: JobPool):
    """`p` is the pool the tab asks, until the test ends; then it is closed."""
    monkeypatch.setattr("components.heavy.pool", lambda: p)
    try:
        yield p
    finally:
        p.close()


def _frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def _running(at: AppTest) -> bool:
    """The tab follows a job of its own (queued or running): its Stop button is there."""
    return any(b.key == "cmp.stop" for b in at.button)


def _finish(at: AppTest, timeout: float = RUN_S) -> AppTest:
    """Rerun (as the page's polling does) until the tab's job has ended."""
    deadline = time.monotonic() + timeout
    while _running(at):
        assert time.monotonic() < deadline, "the ablation did not finish"
        time.sleep(0.3)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def _run(at: AppTest) -> AppTest:
    at.button(key="cmp.run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _running(at) or _frames(at), "Run queued nothing"
    return _finish(at)


def _run_small(at: AppTest) -> None:
    """One epoch at probe width 4, no latency: then Run."""
    at.number_input(key="cmp.epochs").set_value(1)
    at.number_input(key="cmp.width").set_value(4)
    at.toggle(key="cmp.latency").set_value(False)
    _run(at)


def _static(at: AppTest):
    return next(f for f in _frames(at) if "MACs" in f.columns)


def _training(at: AppTest):
    return next(f for f in _frames(at) if "accuracy" in f.columns)


def _job(pool: JobPool):
    (job,) = [j for j in pool._jobs.values() if j.kind == "ablation"]
    return job


def test_compare_tab_runs_a_tiny_ablation_in_the_pool_and_shows_tables_charts_and_hints(pool):
    at = _page(_block_page)
    assert at.multiselect(key="cmp.variants").value == ["baseline", "P1", "P2", "P3", "P4"]
    assert not _frames(at) and not at.get("progress")  # nothing runs before the button
    at.number_input(key="cmp.epochs").set_value(1)
    _run(at)
    assert _job(pool).state == "done", _job(pool).error  # the work ran in the pool's worker
    static, training = _static(at), _training(at)
    names = ["baseline", "SE-P1 (your design)", "SE-P2", "SE-P3", "SE-P4"]
    assert list(static.index) == names
    assert static.loc["baseline", "+params"] == "0.0 %"
    assert static.loc["SE-P4", "+params"].startswith("+")
    assert list(training.index) == names
    assert training.loc["baseline", "seeds"] == "1"
    infos = " ".join(i.value for i in at.info)
    for hint in ("loss", "grad_norm", "accuracy", "gates", "static"):
        assert HINTS[hint] in infos
    # One seed: a verdict needs a spread, so each variant says so.
    assert "1 seed): one seed: no verdict" in infos
    assert len(at.get("vega_lite_chart")) >= 3  # loss, grad norm (mean + band), gate mean

    # A plain rerun shows the kept results without queueing anything.
    at.run()
    assert not at.exception
    assert list(_training(at).index) == names
    assert not any(b.key == "cmp.run" for b in at.button)
    assert len(pool._jobs) == 1


def test_a_design_with_errors_cannot_run_and_says_why(pool):
    at = _page(_broken_page)
    run = at.button(key="cmp.run")
    assert run.disabled and run.label == "Run the ablation"
    reasons = " ".join(c.value for c in at.caption)
    assert "Not available: the design has errors" in reasons, reasons
    assert not at.get("progress")  # no bars waiting for a run that cannot start
    assert not pool._jobs


def test_a_variant_over_the_training_budget_is_refused_before_it_is_queued(pool, monkeypatch):
    from components.compare import _bounds

    monkeypatch.setattr("resattn.lab.ablate.MAX_TRAIN_MACS", 1)
    _bounds.clear()  # the answer is kept per design and settings: ask again under the new cap
    try:
        at = _page(_block_page)
    finally:
        _bounds.clear()
    assert at.button(key="cmp.run").disabled
    reasons = " ".join(c.value for c in at.caption)
    assert "multiply-accumulates per seed" in reasons and "probe width" in reasons, reasons
    assert "--" not in reasons  # the studio's words, not the command line's
    assert not pool._jobs


def test_the_run_waits_in_the_shared_queue_with_its_place_and_stop_takes_it_out(pool):
    other = pool.submit("sleep", {"seconds": 60}, owner="another session", budget_s=120)
    at = _page(_block_page)
    at.button(key="cmp.run").click()
    at.run()
    infos = " ".join(i.value for i in at.info)
    assert "you are 1st in line (0 job(s) ahead of yours)" in infos, infos
    job = _job(pool)
    assert job.state == "queued" and pool.place(job) == 1
    at.button(key="cmp.stop").click()
    at.run()
    assert job.state == STOPPED and pool.place(job) == 0
    assert any("Stopped" in i.value for i in at.info)
    assert at.button(key="cmp.run").label == "Run the ablation"  # ready to run again
    assert other.state == RUNNING  # another session's job is not touched
    pool.cancel(other)


def _until(predicate, timeout: float = RUN_S) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_stop_keeps_the_trials_the_run_finished(pool):
    at = _page(_block_page)
    at.toggle(key="cmp.latency").set_value(False)
    at.number_input(key="cmp.epochs").set_value(6)
    at.button(key="cmp.run").click()
    at.run()
    bars = [p.text for p in at.get("progress")]
    for name in ("baseline", "SE-P1 (your design)", "SE-P2", "SE-P3", "SE-P4"):
        assert any(text.startswith(f"{name}: ") for text in bars), bars  # one bar per variant
    job = _job(pool)
    _until(lambda: any(k.startswith('piece:["train"') for k in job.partial) or job.done)
    assert not job.done, job.error
    at.button(key="cmp.stop").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert job.state == STOPPED
    trained = list(_training(at).index)
    assert "baseline" in trained and len(trained) < 5, trained  # what finished, not the rest
    assert len(_static(at).index) == 5  # the static comparison was done before the first trial
    # Run again: only the missing trials are sent; the kept ones come back with the result.
    again = at.button(key="cmp.run")
    assert not again.disabled
    _run(at)
    assert list(_training(at).index) == [
        "baseline",
        "SE-P1 (your design)",
        "SE-P2",
        "SE-P3",
        "SE-P4",
    ]
    rerun = [j for j in pool._jobs.values() if j.kind == "ablation" and j is not job]
    assert len(rerun) == 1 and len(rerun[0].args["known"]) >= 2  # static + baseline's trial


def test_a_session_that_leaves_stops_its_ablation(pool):
    at = _page(_block_page)
    at.toggle(key="cmp.latency").set_value(False)
    at.button(key="cmp.run").click()
    at.run()
    job = _job(pool)
    _until(lambda: job.state == RUNNING)
    (owner,) = job.owners
    pool.alive_table[owner] = False  # the browser tab was closed
    _until(lambda: job.done, timeout=30)
    assert job.state == STOPPED


def test_another_attention_type_is_a_variant_of_its_own(pool):
    at = _page(_block_page)
    at.multiselect(key="cmp.variants").set_value(["baseline", "cbam:P1"])
    _run_small(at)
    assert list(_static(at).index) == ["baseline", "CBAM-P1", "your design"]


def test_a_network_offers_attention_per_stage():
    at = _page(_network_page)
    stages = at.multiselect(key="cmp.stages")
    assert stages.value == [1, 2, 3, 4]


def test_a_two_seed_ablation_on_mnist5k_shows_the_verdict(pool):
    at = _page(_block_page)
    at.multiselect(key="cmp.variants").set_value(["baseline", "P1"])
    at.selectbox(key="cmp.data").set_value("mnist5k")
    at.number_input(key="cmp.seeds").set_value(2)
    _run_small(at)
    training = _training(at)
    assert list(training.index) == ["baseline", "SE-P1 (your design)"]
    assert training.loc["baseline", "seeds"] == "2"
    verdicts = [m.value for m in (*at.info, *at.success, *at.warning) if "vs baseline" in m.value]
    (verdict,) = verdicts
    assert not any("vs baseline" in e.value for e in at.error)  # red is for errors only
    assert verdict.startswith("SE-P1 (your design): ") and "2 seeds):" in verdict
    assert verdict.endswith(("better", "worse", "no detectable difference"))


def _upload_page():
    from components.compare import render_compare
    from resattn.loading import load_spec

    render_compare(load_spec("preset:p1_se"), key="cmp")


def test_an_upload_that_climbs_out_of_its_folder_is_refused_with_its_name():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.png", b"x")
    at = _page(_upload_page)
    at.selectbox(key="cmp.data").set_value("your data (upload)")
    at.run()
    assert any("Upload your data" in i.value for i in at.info)
    at.file_uploader(key="cmp.upload").set_value(("data.zip", buffer.getvalue(), "application/zip"))
    at.run()
    assert not at.exception
    assert any("zip-slip" in e.value and "../evil.png" in e.value for e in at.error)


def test_an_uploaded_npz_is_the_data_the_ablation_trains_on(pool):
    import io

    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, size=(160, 8, 8), dtype=np.uint8)
    y = np.repeat([0, 1], 80)
    x[y == 1, :4] = 255  # learnable: class 1 is bright on top
    buffer = io.BytesIO()
    np.savez(buffer, x=x, y=y)
    at = _page(_upload_page)
    at.multiselect(key="cmp.variants").set_value(["baseline"])
    at.selectbox(key="cmp.data").set_value("your data (upload)")
    at.run()
    at.file_uploader(key="cmp.upload").set_value(("mine.npz", buffer.getvalue(), "x"))
    at.run()
    assert not at.error, [e.value for e in at.error]
    _run_small(at)
    assert not at.error, [e.value for e in at.error]
    assert list(_training(at).index) == ["baseline", "your design"]


def _turkish_page():
    from components.compare import render_compare
    from resattn.i18n import use_language
    from schemas import parse_spec
    from tests.specs import block_spec

    spec = parse_spec(block_spec(8, 16, shortcut="identity", name="broken"))
    with use_language("tr"):
        render_compare(spec, key="cmp")


def test_the_tab_speaks_turkish_with_no_english_left(pool):
    from tests.i18n.english import english_left

    at = _page(_turkish_page)
    run = at.button(key="cmp.run")
    assert run.label == "Ablation'ı çalıştır" and run.disabled
    assert "tasarımda hatalar var" in " ".join(c.value for c in at.caption)
    assert at.number_input(key="cmp.epochs").label == "Epoch"
    assert english_left(at, ["panels"]) == []


# --- a finished ablation's results: bounded charts, no Altair ----------------------------------

#: the steps of every trial of the finished ablations below: far more than a chart draws
LONG_RUN_STEPS = 2_000


def _long_record(slots: list[str], seed: int) -> TrainRecord:
    """A trial's record of `LONG_RUN_STEPS` steps (4 epochs), a gate per slot in `slots`."""
    steps = range(LONG_RUN_STEPS)
    wiggle = [((i * 7919 + seed * 104729) % 97) / 970 for i in steps]
    return TrainRecord(
        loss=[2.3 * math.exp(-i / 400) + w for i, w in zip(steps, wiggle, strict=True)],
        grad_norm=[1.0 + w for w in wiggle],
        val_accuracy=[0.5, 0.7, 0.8, 0.85 + seed / 100],
        gate_stats={
            slot: {"mean": [0.5 + w / 4 for w in wiggle], "std": wiggle, "bounds": [0.0, 1.0]}
            for slot in slots
        },
        steps_per_epoch=LONG_RUN_STEPS // 4,
        seconds=1.0,
    )


class FinishedPool(JobPool):
    """A pool whose ablations are finished as soon as they are asked for: the real static
    comparison, and `_long_record` trials for every variant and seed the tab asks for."""

    def submit(self, kind, args, *, owner, budget_s, key=None):
        assert kind == "ablation"
        spec = parse_spec(json.loads(args["spec"]))
        variants = make_variants(spec, args["choices"], args["attention_type"])
        config = ProbeConfig.from_json(args["config"])
        static = compare(spec, args["choices"], args["attention_type"], latency=False)
        found = {static_key(variants, args["latency"]): static}
        for v in variants:
            slots = [s for s in SLOT_NAMES if getattr(v.spec.slots, s) is not None]
            for seed in seed_list(config.seed, args["seeds"]):
                found[train_key(v, replace(config, seed=seed))] = _long_record(slots, seed)
        result = {"pieces": {k: pieces.to_json(k, value) for k, value in found.items()}}
        job = Job(uuid.uuid4().hex, kind, args, key, budget_s, {owner}, state=DONE, result=result)
        with self._cond:
            self._jobs[job.id] = self._by_key[key] = job
        return job


@pytest.fixture
def finished(monkeypatch):
    """The tab's pool finishes its ablations at once; every Altair chart built is counted."""
    import altair

    built = []
    to_dict = altair.TopLevelMixin.to_dict

    def counted(self, *args, **kwargs):
        built.append(type(self).__name__)
        return to_dict(self, *args, **kwargs)

    monkeypatch.setattr(altair.TopLevelMixin, "to_dict", counted)
    p = FinishedPool(1)
    p.altair_charts = built
    yield from _the_tabs_pool(monkeypatch, p)


def _chart_rows(chart) -> list[dict]:
    """The data rows a chart element sends to the browser."""
    proto = chart.proto
    blobs = [proto.data.data] if proto.data.data else []
    blobs += [d.data.data for d in proto.datasets]
    return [row for b in blobs for row in convert_arrow_bytes_to_pandas_df(b).to_dict("records")]


def _run_finished(at: AppTest) -> AppTest:
    at.toggle(key="cmp.latency").set_value(False)
    at.number_input(key="cmp.seeds").set_value(2)
    at.run()
    at.button(key="cmp.run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_long_finished_run_is_drawn_with_a_bounded_number_of_exact_points(finished):
    at = _run_finished(_page(_block_page))
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3  # loss, gradient norm (mean + band), gate mean
    loss, grad_norm, gates = (_chart_rows(c) for c in charts)
    records = {}  # variant (its canonical JSON) → its seeds' records, as the pool made them
    for k, data in _job(finished).result["pieces"].items():
        if pieces.kind_of(k) == pieces.TRAIN:
            records.setdefault(json.loads(k)[1], []).append(TrainRecord.from_json(data))
    for rows, curve in ((loss, "loss"), (grad_norm, "grad_norm")):
        by_variant: dict[str, list[dict]] = {}
        for row in rows:
            by_variant.setdefault(row["variant"], []).append(row)
        assert len(by_variant) == 5
        for series in by_variant.values():
            assert len(series) <= CHART_POINTS  # of 2 000 steps
            assert series[0]["step"] == 0 and series[-1]["step"] == LONG_RUN_STEPS - 1
        finals = sorted(r["mean"] for rows_ in by_variant.values() for r in rows_[-1:])
        exact = sorted(
            sum(getattr(rec, curve)[-1] for rec in recs) / len(recs) for recs in records.values()
        )
        assert finals == pytest.approx(exact, rel=1e-12)  # the last step's mean, exactly
    per_gate: dict[str, int] = {}
    for row in gates:
        per_gate[row["variant"]] = per_gate.get(row["variant"], 0) + 1
    assert per_gate and all(n <= CHART_POINTS for n in per_gate.values())
    assert finished.altair_charts == []  # plain Vega-Lite specs: nothing to build and validate
    assert len(_frames(at)) == 2  # the static comparison and the accuracy over 2 seeds


def _turkish_block_page():
    from components.compare import render_compare
    from resattn.i18n import use_language
    from schemas import parse_spec
    from tests.specs import block_spec

    spec = parse_spec(block_spec(8, slots={"branch": {"type": "se", "reduction": 4}}, name="tiny"))
    with use_language("tr"):
        render_compare(spec, key="cmp")


def test_a_finished_run_speaks_turkish_in_its_tables_charts_and_hints(finished):
    from tests.i18n.english import english_left

    english = _page(_block_page)
    english.button(key="cmp.run").click()
    english.run()
    assert len(english.get("vega_lite_chart")) == 3
    # Another session, in Turkish, with the same design and settings: the finished job's
    # results, at once (nothing to press)
    at = _page(_turkish_block_page)
    assert not any(b.key == "cmp.run" for b in at.button)
    assert len(at.get("vega_lite_chart")) == 3
    assert len(finished._jobs) == 1
    with use_language("tr"):
        step, variant = _("step"), _("variant")
    assert step != "step"
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        for layer in spec["layer"]:
            assert layer["encoding"]["x"]["title"] == step
            assert layer["encoding"]["color"]["title"] == variant
    assert english_left(at, ["panels"]) == []
