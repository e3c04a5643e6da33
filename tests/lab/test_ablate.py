"""The ablation: static figures and overheads per variant, and ``resattn ablate`` (JSON shape,
exit codes)."""

from __future__ import annotations

import json
import re

import pytest

from resattn.cli import main
from resattn.i18n import _, use_language
from resattn.i18n.text import Text
from resattn.lab.ablate import Static, ablate, compare, overheads, train_key
from resattn.lab.probe import ProbeConfig
from resattn.loading import load_spec
from tests.cli.runner import run
from tests.i18n.english import english_in

SPEC = {
    "name": "tiny",
    "input": {"channels": 8, "height": 8, "width": 8},
    "block": {"type": "basic", "out_channels": 8},
    "slots": {"branch": {"type": "eca", "kernel_size": 3}},
}


def _run(capsys, *args) -> tuple[int, str, str]:
    return run(capsys, "ablate", *args)


def test_static_comparison_measures_the_baseline_for_the_overheads():
    results = compare(SPEC, ["P1", "cbam:P2"], latency=False)
    assert [r.variant.name for r in results] == ["ECA-P1", "CBAM-P2"]
    eca, cbam = results
    assert eca.overhead_pct["params"] == pytest.approx(100 * 3 / (eca.static.params - 3))
    assert cbam.overhead_pct["macs"] > 0
    assert eca.static.latency_ms is None and eca.overhead_pct["latency_ms"] is None


def test_overheads_are_percent_of_the_baseline():
    base = Static(params=100, macs=1000, elementwise_ops=10, flops=2010, latency_ms=2.0)
    more = Static(params=150, macs=1000, elementwise_ops=15, flops=2015, latency_ms=3.0)
    assert overheads(more, base) == {
        "params": 50.0,
        "macs": 0.0,
        "elementwise_ops": 50.0,
        "latency_ms": 50.0,
    }


@pytest.mark.slow
def test_cli_prints_every_variant_with_static_figures_and_curves(capsys):
    code, out, _ = _run(
        capsys, json.dumps(SPEC), "--epochs", "1", "--seed", "3", "--jobs", "1", "--json"
    )
    assert code == 0
    data = json.loads(out)
    names = [v["name"] for v in data["variants"]]
    assert names == ["baseline", "ECA-P1", "ECA-P2", "ECA-P3", "ECA-P4"]
    for v in data["variants"]:
        assert {"name", "params", "macs", "elementwise_ops", "latency_ms", "seeds"} <= set(v)
        assert v["latency_ms"] > 0
        (train,) = v["seeds"]
        assert train["seed"] == 3
        assert {"loss", "grad_norm", "val_accuracy", "gate_stats"} <= set(train)
        assert len(train["loss"]) == len(train["grad_norm"]) == train["steps_per_epoch"]
        assert len(train["val_accuracy"]) == 1
    assert data["variants"][0]["seeds"][0]["gate_stats"] == {}
    assert set(data["variants"][4]["seeds"][0]["gate_stats"]) == {"branch", "skip"}
    assert data["variants"][1]["is_design"]  # ECA-P1 is the design itself
    assert data["probe"]["seed"] == 3
    assert data["stopped"] is None and data["finished"] == names


def test_cli_attention_override_and_static_only(capsys):
    code, out, _ = _run(
        capsys,
        json.dumps(SPEC),
        "--attention",
        "coord",
        "--variant",
        "P3",
        "--no-train",
        "--no-latency",
        "--json",
    )
    assert code == 0
    variant, design = json.loads(out)["variants"]
    assert design["name"] == "your design" and design["is_design"]
    assert variant["name"] == "CA-P3" and variant["seeds"] == [] and variant["summary"] is None


@pytest.mark.parametrize(
    "args",
    [
        ["no_such_file.json"],
        ['{"block": {"type": "basic"}}'],
        [json.dumps(SPEC), "--variant", "P9"],
        [json.dumps(SPEC), "--variant", "cbam:P1@2"],  # a block has no stages
    ],
)
def test_cli_unreadable_input_exits_2_with_a_message(capsys, args):
    code, out, err = _run(capsys, *args, "--no-train", "--no-latency")
    assert code == 2
    assert err.startswith("error: ") and "Traceback" not in err and out == ""


def test_cli_design_errors_exit_1(capsys):
    spec = {**SPEC, "block": {"type": "basic", "out_channels": 16}, "shortcut": "identity"}
    code, _, err = _run(capsys, json.dumps(spec), "--no-train", "--no-latency")
    assert code == 1 and "shortcut" in err


def test_attention_in_every_stage_shows_the_linters_overhead_warning():
    net = {
        "name": "net",
        "input": {"channels": 3, "height": 16, "width": 16},
        "stem": {"type": "cifar", "out_channels": 8},
        "stages": [
            {"depth": 1, "out_channels": 8, "block": {"type": "basic"}},
            {"depth": 1, "out_channels": 16, "stride": 2, "block": {"type": "basic"}},
        ],
        "num_classes": 10,
    }
    everywhere, deep, _design = compare(net, ["cbam:P1", "cbam:P1@2"], latency=False)
    heavy = [w for w in everywhere.warnings if w["code"] == "RA203"]
    assert len(heavy) == 1 and heavy[0]["ref"] == "§12.4"
    assert not any(w["code"] == "RA203" for w in deep.warnings)
    assert 0 < deep.overhead_pct["macs"] < everywhere.overhead_pct["macs"]


TINY = ProbeConfig(epochs=1, max_steps=3)


def test_should_stop_after_the_first_variant_cancels_the_rest_and_says_which_finished():
    ended, overall = [], []

    def each(index: int, fraction: float, message: str) -> None:
        if fraction >= 1.0:
            ended.append((index, message))

    result = ablate(
        SPEC,
        config=TINY,
        latency=False,
        progress=lambda fraction, message: overall.append(fraction),
        variant_progress=each,
        should_stop=lambda: bool(ended),  # True once the first variant is done
    )
    assert ended == [(0, "done")]
    assert result.stopped == "cancelled"
    assert result.finished == ["baseline"]
    first, *rest = result.results
    assert first.train is not None and first.train.stopped is None
    assert len(first.train.loss) == 3
    assert all(r.train is None for r in rest) and len(rest) == 4
    assert overall == sorted(overall) and overall[-1] == 1.0
    assert result.to_json()["finished"] == ["baseline"]


def test_a_probe_cancelled_midway_is_reported_and_not_cached():
    asked, cache = [], {}

    def should_stop() -> bool:  # asked before the first probe, then after every step
        asked.append(1)
        return len(asked) >= 3

    result = ablate(
        SPEC, ["P1", "P2"], config=TINY, latency=False, should_stop=should_stop, cache=cache
    )
    p1, p2 = result.results
    assert p1.train.stopped == "cancelled" and len(p1.train.loss) == 2
    assert p2.train is None and result.finished == [] and result.stopped == "cancelled"
    assert train_key(p1.variant, TINY) not in cache


def test_the_cache_keeps_each_piece_and_a_second_run_trains_nothing():
    cache: dict = {}
    first = ablate(SPEC, ["baseline", "P1"], config=TINY, latency=False, cache=cache)
    assert len(cache) == 3  # the static comparison and one record per variant
    messages = []
    again = ablate(
        SPEC,
        ["baseline", "P1"],
        config=TINY,
        latency=False,
        cache=cache,
        variant_progress=lambda i, f, m: messages.append((i, f, m)),
    )
    assert messages == [(0, 1.0, "from the cache"), (1, 1.0, "from the cache")]
    assert [r.train for r in again.results] == [r.train for r in first.results]


def test_what_an_ablation_says_while_it_runs_is_worded_where_it_is_shown():
    """Its progress messages are catalog messages or `Text`s (a step's loss, a seed, the time
    left): English where they are read in English, Turkish where in Turkish — none is an
    English sentence made before its reader's language is known."""
    overall, each = [], []
    ablate(
        SPEC,
        ["baseline", "P1"],
        config=TINY,
        latency=False,
        estimate=True,
        progress=lambda fraction, message: overall.append(message),
        variant_progress=lambda index, fraction, message: each.append(message),
    )
    messages = overall + each
    assert all(isinstance(m, (str, Text)) for m in messages)
    english = [str(m) for m in messages]
    step = r"epoch 1/1 · step \d/3 · loss \d+\.\d{3}"
    assert any(re.fullmatch(rf"ECA-P1, seed 0: {step} · about \d+ s left", m) for m in english)
    assert any(re.fullmatch(rf"seed 0: {step}", m) for m in english)
    assert "counting ECA-P1" in english and english[-1] == "done"
    assert any(m.startswith("2 trials: about ") for m in english)
    with use_language("tr"):
        turkish = [str(m) if isinstance(m, Text) else _(m) for m in messages]
    assert english_in(" | ".join(turkish)) == [], turkish
    stepped = r"ECA-P1, seed 0: epoch 1/1 · adım \d/3 · loss .* kaldı"
    assert any(re.fullmatch(stepped, m) for m in turkish), turkish


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seed", "-5"], "argument --seed: seed must be between 0 and 4294967295 (got -5)"),
        (["--seed", "99999999999999999999999"], "seed must be between 0 and 4294967295"),
        (["--seed", "x"], "argument --seed: invalid seed value: 'x'"),
        (["--epochs", "x"], "argument --epochs: invalid epochs value: 'x'"),
        (["--epochs", "0"], "epochs must be between 1 and 100 (got 0)"),
        (["--time-budget", "-1"], "time budget must be a finite number of seconds > 0"),
        (["--time-budget", "0"], "time budget must be a finite number of seconds > 0"),
        (["--time-budget", "nan"], "time budget must be a finite number of seconds > 0"),
        (["--time-budget", "inf"], "time budget must be a finite number of seconds > 0"),
        (["--time-budget", "soon"], "argument --time-budget: invalid time budget value: 'soon'"),
    ],
)
def test_cli_refuses_out_of_range_probe_settings_with_exit_2(capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        main(["ablate", json.dumps(SPEC), *args, "--no-latency"])
    _, err = capsys.readouterr()
    assert exit_.value.code == 2
    assert message in err and "internal error" not in err and "Traceback" not in err


#: Activations just under the 2 GiB cap: any attention the ablation adds breaks it.
AT_THE_CAP = {
    "input": {"channels": 3848, "height": 132, "width": 132},
    "block": {"type": "basic", "out_channels": 3848},
}


@pytest.fixture
def no_work_before_refusal(monkeypatch):
    """Any figure work before the refusal fails the test."""
    import resattn.lab.ablate as lab

    def no_work(*args, **kwargs):
        raise AssertionError("work started before the refusal")

    monkeypatch.setattr(lab, "static_figures", no_work)


def test_a_generated_variant_out_of_bounds_is_refused_up_front_and_named(
    capsys, no_work_before_refusal
):
    code, out, err = _run(capsys, json.dumps(AT_THE_CAP), "--no-train", "--no-latency")
    assert code == 1 and out == ""
    assert "variant 'SE-P3' (input): (a variant the ablation generates, not your input)" in err
    assert "2.2 GiB, over the 2.0 GiB" in err and "RA102" in err
    assert "baseline" not in err.split("variant")[0]  # the design itself is within the bounds


def test_as_designed_trains_a_small_design_at_its_own_widths():
    result = ablate(
        SPEC,
        ["baseline"],
        config=ProbeConfig(epochs=1, max_steps=2, as_designed=True),
        latency=False,
    )
    assert result.results[0].runs


def test_as_designed_is_refused_with_an_estimate_when_too_large(capsys):
    code, _, err = _run(
        capsys, "preset:resnet50", "--as-designed", "--data", "mnist5k", "--no-latency"
    )
    assert code == 1
    assert "(at the design's own widths)" in err and "multiply-accumulates per seed" in err
    assert "min on one CPU core" in err and "drop --as-designed" in err


#: Within the memory bounds, over the compute budget: ~6·10¹¹ FLOPs per forward.
OVER_BUDGET = {
    "input": {"channels": 1024, "height": 128, "width": 128},
    "block": {"type": "basic", "out_channels": 1024},
}


def test_a_design_over_the_compute_budget_is_refused_up_front_with_the_figure(
    capsys, no_work_before_refusal
):
    code, out, err = _run(capsys, json.dumps(OVER_BUDGET), "--no-train", "--no-latency")
    assert code == 1 and out == ""
    assert "RA209" in err and "GFLOP" in err and "compute budget" in err


@pytest.mark.parametrize("data", ["digits", "mnist5k"])
def test_the_training_budget_of_a_built_in_data_set_is_checked_without_reading_it(
    monkeypatch, data
):
    """The studio checks it on every Compare view, on the thread that serves the page: reading
    the images there (importing scikit-learn, parsing mnist5k's CSV) held it for seconds."""
    import resattn.lab.data as lab_data
    from resattn.lab.ablate import ensure_trainable
    from resattn.lab.variants import DEFAULT_PATTERNS, make_variants

    def no_read(*args, **kwargs):
        raise AssertionError("the data was read")

    monkeypatch.setattr(lab_data, "_load", no_read)
    monkeypatch.setattr(lab_data, "read_images", no_read)
    spec = load_spec(SPEC)
    variants = make_variants(spec, list(DEFAULT_PATTERNS), None)
    costs = ensure_trainable(spec, ProbeConfig(data=data), variants)
    assert set(costs) == {v.name for v in variants} and len(costs) == 5
    assert all(0 < macs < float("inf") for macs in costs.values())
