"""The training-stability probe: deterministic curves, a baseline that learns the digits, gate
statistics of the right shape and range, cancellation, time budget, progress."""

from __future__ import annotations

import math
import re

import pytest
import torch

from resattn.lab.data import digits_split
from resattn.lab.portable import flush_denormal_enabled
from resattn.lab.probe import (
    ProbeConfig,
    build_probe,
    probe_channels,
    probe_spec,
    train_probe,
)
from resattn.lab.reading import signs
from resattn.lab.variants import make_variants
from resattn.loading import load_spec
from schemas import bottleneck_width, parse_spec

SHORT = ProbeConfig(epochs=1, max_steps=12)


def _variant(name: str, preset: str = "basic_block", attention: str | None = None):
    variants = make_variants(load_spec(f"preset:{preset}"), attention_type=attention)
    return next(v for v in variants if v.name == name or v.pattern == name).spec


def test_the_split_is_fixed_stratified_and_standardised():
    a, b = digits_split(0), digits_split(0)
    assert a is b  # cached: every variant sees the very same tensors
    assert a.x_train.shape == (1347, 1, 8, 8) and a.x_val.shape == (450, 1, 8, 8)
    assert set(a.y_val.tolist()) == set(range(10))
    assert abs(float(a.x_train.mean())) < 1e-5
    assert not torch.equal(digits_split(1).y_val, a.y_val)


@pytest.mark.slow
def test_the_baseline_learns_the_digits_within_the_default_epochs():
    run = train_probe(_variant("baseline"))
    assert len(run.record.val_accuracy) == ProbeConfig.epochs
    assert max(run.record.val_accuracy) >= 0.90, run.record.val_accuracy
    assert run.record.loss[-1] < run.record.loss[0]
    assert run.record.stopped is None


def test_the_same_seed_gives_the_same_curves_and_weights():
    spec = _variant("P4", attention="cbam")
    torch.manual_seed(123)  # the caller's random state must not matter …
    first = train_probe(spec, SHORT)
    after = torch.rand(1)
    torch.manual_seed(123)
    second = train_probe(spec, SHORT)
    assert torch.equal(after, torch.rand(1))  # … and is left as it was
    assert first.record.loss == second.record.loss
    assert first.record.grad_norm == second.record.grad_norm
    assert first.record.gate_stats == second.record.gate_stats
    for (name, a), b in zip(
        first.model.state_dict().items(), second.model.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b), name
    other = train_probe(spec, ProbeConfig(epochs=1, max_steps=12, seed=1))
    assert other.record.loss != first.record.loss


@pytest.mark.parametrize("attention", ["se", "eca", "cbam", "coord"])
def test_gate_stats_cover_every_attention_slot_per_step_within_range(attention):
    spec = _variant("P4", preset="se_bottleneck", attention=attention)
    record = train_probe(spec, SHORT).record
    assert set(record.gate_stats) == {"branch", "skip"}
    for slot, stats in record.gate_stats.items():
        low, high = stats["bounds"]
        assert (low, high) == ((0.0, 2.0) if slot == "skip" else (0.0, 1.0))
        assert len(stats["mean"]) == len(stats["std"]) == len(record.loss) == 12
        assert all(low <= m <= high for m in stats["mean"]), slot
        assert all(0 <= s <= (high - low) / 2 for s in stats["std"]), slot
    # The skip gate starts as an exact identity (α ≡ 1, no spread) — NOTES §3 P4.
    assert record.gate_stats["skip"]["mean"][0] == pytest.approx(1.0)
    assert record.gate_stats["skip"]["std"][0] == pytest.approx(0.0, abs=1e-6)
    assert all(math.isfinite(g) and g > 0 for g in record.grad_norm)


def test_the_baseline_has_no_gates_and_every_pattern_names_its_slot():
    slots = {"baseline": set(), "P1": {"branch"}, "P2": {"post_add"}, "P3": {"pre_residual"}}
    for pattern, expected in slots.items():
        record = train_probe(_variant(pattern), ProbeConfig(epochs=1, max_steps=2)).record
        assert set(record.gate_stats) == expected


def test_cancel_and_time_budget_stop_early_and_say_why():
    spec = _variant("P1")
    asked = []

    def should_stop() -> bool:  # asked once after every step: stop after the third
        asked.append(1)
        return len(asked) >= 3

    cancelled = train_probe(spec, SHORT, should_stop=should_stop)
    assert cancelled.record.stopped == "cancelled"
    assert len(cancelled.record.loss) == len(cancelled.record.grad_norm) == 3
    assert cancelled.record.val_accuracy == []  # no epoch was completed
    timed = train_probe(spec, ProbeConfig(epochs=1, time_budget_s=1e-9))
    assert timed.record.stopped == "time_budget" and len(timed.record.loss) == 1


def test_progress_rises_to_one():
    seen = []
    train_probe(_variant("P1"), SHORT, progress=lambda f, m: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 12


@pytest.mark.parametrize(
    "preset",
    ["basic_block", "bottleneck_block", "resnext_block", "wide_block", "preact_block", "resnet50"],
)
def test_probe_classifiers_keep_the_block_family_at_a_small_width(preset):
    spec = load_spec(f"preset:{preset}")
    net = probe_spec(spec)
    assert (net.input.channels, net.input.height, net.num_classes) == (1, 8, 10)
    first = net.stages[0]
    family = spec.block if hasattr(spec, "block") else spec.stages[0].block
    assert first.block.type == family.type and first.block.preact == family.preact
    if family.type == "bottleneck":
        assert first.block.groups == family.groups and first.block.base_width == family.base_width
    model = train_probe(spec, ProbeConfig(epochs=1, max_steps=1)).model
    assert model(digits_split(0).x_val[:4]).shape == (4, 10)


def test_probe_channels_give_the_3x3_conv_the_width():
    resnext = parse_spec(
        {
            "input": {"channels": 256, "height": 8, "width": 8},
            "block": {"type": "bottleneck", "out_channels": 256, "groups": 32, "base_width": 4},
        }
    ).block
    out = probe_channels(resnext, 16)
    assert out == 64  # 32 groups need a mid width of 32: (64 // 4) * 4 // 64 * 32

    class Sized:
        def __init__(self, block, out_channels):
            self.__dict__.update(block.__dict__, out_channels=out_channels)

    assert bottleneck_width(Sized(resnext, out)) >= 16


def test_reading_signs_flag_a_gate_stuck_near_zero():
    record = train_probe(_variant("P1"), SHORT).record
    stats = record.gate_stats["branch"]
    stats["mean"] = [0.02] * len(stats["mean"])
    assert any("stuck near 0" in s.message.english() and s.ref == "§6" for s in signs(record))


@pytest.mark.parametrize("preset", ["basic_block", "se_bottleneck", "resnet18"])
def test_every_variant_starts_from_the_weights_the_variants_share(preset):
    variants = make_variants(load_spec(f"preset:{preset}"), ["baseline", "P1", "P2", "P3", "P4"])
    config = ProbeConfig(seed=5)
    with torch.random.fork_rng(devices=[]):
        states = {
            v.name: build_probe(probe_spec(v.spec, config), config.seed).state_dict()
            for v in variants
        }
    names = list(states)
    shared = 0
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            for key, tensor in states[a].items():
                other = states[b].get(key)
                if other is not None and other.shape == tensor.shape:
                    shared += 1
                    assert torch.equal(tensor, other), (a, b, key)
    assert shared > 0
    # The backbone is the one the seed gives the baseline, and the seed still matters.
    assert "stem.conv.weight" in states["baseline"]
    with torch.random.fork_rng(devices=[]):
        other_seed = build_probe(probe_spec(variants[1].spec, config), 6).state_dict()
    assert not torch.equal(other_seed["stem.conv.weight"], states["baseline"]["stem.conv.weight"])


def test_train_probe_starts_every_variant_from_the_shared_weights():
    # lr 1e-12: after one step the parameters are the initial ones up to ~1e-12.
    config = ProbeConfig(epochs=1, max_steps=1, lr=1e-12, seed=3)
    variants = make_variants(load_spec("preset:basic_block"), ["baseline", "P1", "P4"])
    params = [dict(train_probe(v.spec, config).model.named_parameters()) for v in variants]
    for other in params[1:]:
        for key, tensor in params[0].items():
            torch.testing.assert_close(other[key], tensor, rtol=0, atol=1e-8, msg=key)
    for key, tensor in params[1].items():  # SE-P1 and SE-P4 share the branch attention
        if key in params[2]:
            torch.testing.assert_close(params[2][key], tensor, rtol=0, atol=1e-8, msg=key)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"seed": -5}, "seed must be an integer in [0, 2**32 - 1]"),
        ({"seed": 2**32}, "seed must be an integer in [0, 2**32 - 1]"),
        ({"seed": 10**23}, "seed must be an integer"),
        ({"seed": 1.5}, "seed must be an integer"),
        ({"time_budget_s": -1.0}, "time_budget_s must be a finite number of seconds > 0"),
        ({"time_budget_s": 0.0}, "time_budget_s must be a finite number of seconds > 0"),
        ({"time_budget_s": float("nan")}, "time_budget_s must be a finite number"),
        ({"time_budget_s": float("inf")}, "time_budget_s must be a finite number"),
    ],
)
def test_probe_config_refuses_seeds_and_budgets_out_of_range(settings, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ProbeConfig(**settings)


def test_probe_config_accepts_the_ends_of_the_ranges():
    assert ProbeConfig(seed=2**32 - 1, time_budget_s=0.5).seed == 2**32 - 1
    assert ProbeConfig(seed=0, time_budget_s=None).time_budget_s is None


@pytest.mark.parametrize("caller_flushes", [True, False])
def test_flush_denormal_is_restored_to_the_callers_setting(caller_flushes):
    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU cannot flush denormals: the setting does not exist here")
    try:
        torch.set_flush_denormal(caller_flushes)
        assert flush_denormal_enabled() is caller_flushes
        train_probe(_variant("P1"), ProbeConfig(epochs=1, max_steps=1))
        assert flush_denormal_enabled() is caller_flushes
    finally:
        torch.set_flush_denormal(False)


@pytest.mark.slow
def test_the_baseline_reaches_95_percent_on_mnist5k_with_the_default_epochs():
    run = train_probe(load_spec("preset:bottleneck_block"), ProbeConfig(data="mnist5k"))
    assert len(run.record.val_accuracy) == ProbeConfig.epochs
    assert run.record.val_accuracy[-1] >= 0.95, run.record.val_accuracy
    assert run.spec.stem.type == "imagenet" and run.spec.input.height == 28
