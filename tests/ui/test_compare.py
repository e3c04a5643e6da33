"""The Compare tab in AppTest: controls, a tiny ablation run, tables, charts, hints, cache."""

from __future__ import annotations

from streamlit.runtime.scriptrunner_utils.exceptions import StopException
from streamlit.testing.v1 import AppTest

from resattn.lab.reading import HINTS


def _block_page():
    from components.compare import render_compare
    from schemas import parse_spec

    spec = parse_spec(
        {
            "name": "tiny",
            "input": {"channels": 8, "height": 8, "width": 8},
            "block": {"type": "basic", "out_channels": 8},
            "slots": {"branch": {"type": "se", "reduction": 4}},
        }
    )
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


def test_compare_tab_runs_a_tiny_ablation_and_shows_tables_charts_and_hints():
    at = _page(_block_page)
    assert at.multiselect(key="cmp.variants").value == ["baseline", "P1", "P2", "P3", "P4"]
    assert not _frames(at)  # nothing runs before the button
    at.number_input(key="cmp.epochs").set_value(1)
    at.button(key="cmp.run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    frames = _frames(at)
    static = next(f for f in frames if "MACs" in f.columns)
    accuracy = next(f for f in frames if "epoch 1" in f.columns)
    names = ["baseline", "SE-P1", "SE-P2", "SE-P3", "SE-P4"]
    assert list(static.index) == names
    assert static.loc["baseline", "params +%"] == 0
    assert (
        static.loc["SE-P4", "params"]
        > static.loc["SE-P1", "params"]
        > static.loc["baseline", "params"]
    )
    assert list(accuracy.index) == names
    assert accuracy["epoch 1"].between(0, 1).all()
    infos = " ".join(i.value for i in at.info)
    for hint in ("loss", "grad_norm", "accuracy", "gates", "static"):
        assert HINTS[hint] in infos
    assert len(at.get("vega_lite_chart")) >= 4  # loss, grad norm, gate mean and spread

    # A plain rerun shows the cached results without training again.
    at.run()
    assert any("epoch 1" in f.columns for f in _frames(at))


def test_another_attention_type_is_a_variant_of_its_own():
    at = _page(_block_page)
    at.multiselect(key="cmp.variants").set_value(["baseline", "cbam:P1"])
    at.number_input(key="cmp.epochs").set_value(1)
    at.toggle(key="cmp.latency").set_value(False)
    at.button(key="cmp.run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    static = next(f for f in _frames(at) if "MACs" in f.columns)
    assert list(static.index) == ["baseline", "CBAM-P1"]


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
    accuracy = next(f for f in _frames(at) if "epoch 1" in f.columns)
    assert list(accuracy.index) == ["baseline"]
    static = next(f for f in _frames(at) if "MACs" in f.columns)
    assert len(static.index) == 5  # the static comparison was done before the first probe
