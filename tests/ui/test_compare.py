"""The Compare tab in AppTest: controls, a tiny ablation run, tables, charts, verdicts, hints,
cache, uploads, and a 2-seed ablation on mnist5k."""

from __future__ import annotations

from streamlit.runtime.scriptrunner_utils.exceptions import StopException
from streamlit.testing.v1 import AppTest

from resattn.lab.reading import HINTS


def _block_page():
    from components.compare import render_compare
    from schemas import parse_spec
    from tests.specs import block_spec

    spec = parse_spec(block_spec(8, slots={"branch": {"type": "se", "reduction": 4}}, name="tiny"))
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


def _frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def _run_small(at: AppTest) -> None:
    """One epoch at probe width 4, no latency: then Run."""
    at.number_input(key="cmp.epochs").set_value(1)
    at.number_input(key="cmp.width").set_value(4)
    at.toggle(key="cmp.latency").set_value(False)
    at.button(key="cmp.run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def _static(at: AppTest):
    return next(f for f in _frames(at) if "MACs" in f.columns)


def _training(at: AppTest):
    return next(f for f in _frames(at) if "accuracy" in f.columns)


def test_compare_tab_runs_a_tiny_ablation_and_shows_tables_charts_and_hints():
    at = _page(_block_page)
    assert at.multiselect(key="cmp.variants").value == ["baseline", "P1", "P2", "P3", "P4"]
    assert not _frames(at)  # nothing runs before the button
    at.number_input(key="cmp.epochs").set_value(1)
    at.button(key="cmp.run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
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

    # A plain rerun shows the cached results without training again.
    at.run()
    assert not at.exception
    assert list(_training(at).index) == names


def test_another_attention_type_is_a_variant_of_its_own():
    at = _page(_block_page)
    at.multiselect(key="cmp.variants").set_value(["baseline", "cbam:P1"])
    at.number_input(key="cmp.epochs").set_value(1)
    at.toggle(key="cmp.latency").set_value(False)
    at.button(key="cmp.run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert list(_static(at).index) == ["baseline", "CBAM-P1", "your design"]


def test_a_network_offers_attention_per_stage():
    at = _page(_network_page)
    stages = at.multiselect(key="cmp.stages")
    assert stages.value == [1, 2, 3, 4]


def test_a_stopped_run_keeps_the_variants_the_labs_loop_finished(monkeypatch):
    """Stop preempts the running fragment: Streamlit raises in the script thread at the next
    progress update. Simulated here after the first variant: the tab runs the lab's `ablate`
    (one loop), the lab has cached the finished variant, and the next rerun says so."""
    import components.compare as compare_tab
    from resattn.lab import ablate as lab

    calls = []

    def preempted_after_the_first_variant(*args, variant_progress, **kwargs):
        def each(index: int, fraction: float, message: str) -> None:
            variant_progress(index, fraction, message)
            if fraction >= 1.0:
                raise StopException()

        calls.append(kwargs["config"])
        return lab.ablate(*args, variant_progress=each, **kwargs)

    monkeypatch.setattr(compare_tab, "ablate", preempted_after_the_first_variant)
    at = _page(_block_page)
    at.number_input(key="cmp.epochs").set_value(1)
    at.toggle(key="cmp.latency").set_value(False)
    at.button(key="cmp.run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(calls) == 1 and calls[0].epochs == 1 and calls[0].time_budget_s == 30.0
    at.run()  # the rerun after the stop
    assert not at.exception, [e.value for e in at.exception]
    assert any("The last run was stopped" in i.value for i in at.info)
    assert list(_training(at).index) == ["baseline"]
    assert len(_static(at).index) == 5  # the static comparison was done before the first probe


def test_a_two_seed_ablation_on_mnist5k_shows_the_verdict():
    at = _page(_block_page)
    at.multiselect(key="cmp.variants").set_value(["baseline", "P1"])
    at.selectbox(key="cmp.data").set_value("mnist5k")
    at.number_input(key="cmp.seeds").set_value(2)
    _run_small(at)
    training = _training(at)
    assert list(training.index) == ["baseline", "SE-P1 (your design)"]
    assert training.loc["baseline", "seeds"] == "2"
    verdicts = [m.value for m in (*at.info, *at.success, *at.error) if "vs baseline" in m.value]
    (verdict,) = verdicts
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


def test_an_uploaded_npz_is_the_data_the_ablation_trains_on():
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
