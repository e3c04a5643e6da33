"""The ablation: static figures and overheads per variant, and ``resattn ablate`` (JSON shape,
exit codes)."""

from __future__ import annotations

import json

import pytest

from resattn.cli import main
from resattn.lab.ablate import Static, compare, overheads

SPEC = {
    "name": "tiny",
    "input": {"channels": 8, "height": 8, "width": 8},
    "block": {"type": "basic", "out_channels": 8},
    "slots": {"branch": {"type": "eca", "kernel_size": 3}},
}


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main(["ablate", *args])
    out, err = capsys.readouterr()
    return code, out, err


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
    code, out, _ = _run(capsys, json.dumps(SPEC), "--epochs", "1", "--seed", "3", "--json")
    assert code == 0
    data = json.loads(out)
    names = [v["name"] for v in data["variants"]]
    assert names == ["baseline", "ECA-P1", "ECA-P2", "ECA-P3", "ECA-P4"]
    for v in data["variants"]:
        assert {"name", "params", "macs", "elementwise_ops", "latency_ms", "train"} <= set(v)
        assert v["latency_ms"] > 0
        train = v["train"]
        assert {"loss", "grad_norm", "val_accuracy", "gate_stats"} <= set(train)
        assert len(train["loss"]) == len(train["grad_norm"]) == train["steps_per_epoch"]
        assert len(train["val_accuracy"]) == 1
    assert data["variants"][0]["train"]["gate_stats"] == {}
    assert set(data["variants"][4]["train"]["gate_stats"]) == {"branch", "skip"}
    assert data["probe"]["seed"] == 3


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
    (variant,) = json.loads(out)["variants"]
    assert variant["name"] == "CA-P3" and variant["train"] is None


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
    everywhere, deep = compare(net, ["cbam:P1", "cbam:P1@2"], latency=False)
    heavy = [w for w in everywhere.warnings if w["code"] == "RA203"]
    assert len(heavy) == 1 and heavy[0]["ref"] == "§12.4"
    assert not any(w["code"] == "RA203" for w in deep.warnings)
    assert 0 < deep.overhead_pct["macs"] < everywhere.overhead_pct["macs"]
