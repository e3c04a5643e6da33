"""profile(): the counting rules of docs/design.md §3 checked against hand-computed figures."""

import time

import pytest
from hypothesis import given, settings

from resattn.build import build, count_params
from resattn.counting import analytic_params
from resattn.i18n import use_language
from resattn.loading import load_spec
from resattn.presets import preset_names
from resattn.profile import Profile, _no_time_for, profile
from schemas import parse_spec
from tests.specs import block_spec, network_spec
from tests.strategies import block_specs, network_specs

SMALL = block_spec(4)
SE = {"type": "se", "reduction": 1, "divisor": 1}


def with_slots(**slots):
    return {**SMALL, "slots": slots}


def test_hand_computed_basic_block():
    p = profile(SMALL, latency=False)
    # two 3×3 convs, 4 → 4 channels, 8×8 outputs: 256 outputs × 4 inputs × 9 taps each
    assert p.macs == 2 * 256 * 4 * 9
    # BN (2 per element) ×2, ReLU ×2, the add: over 4×8×8 = 256 elements
    assert p.elementwise_ops == 2 * 512 + 2 * 256 + 256
    assert p.flops == 2 * p.macs + p.elementwise_ops
    assert p.params == 2 * (4 * 4 * 9) + 2 * 8
    assert p.output_shape == (1, 4, 8, 8) and p.unsupported_ops == {}


def test_se_adds_elementwise_work_a_plain_block_does_not():
    plain = profile(SMALL, latency=False)
    se = profile(with_slots(branch=SE), latency=False)
    # SE, C=4, hidden 4: two 1×1 convs on a 1×1 map = 2 × 16 MACs
    assert se.macs - plain.macs == 2 * 4 * 4
    # mean over 256 inputs, ReLU and sigmoid on 4 values, the gate multiply over 256
    assert se.elementwise_ops - plain.elementwise_ops == 256 + 4 + 4 + 256
    assert se.attention["macs"] == 32 and se.attention["elementwise_ops"] == 520
    assert se.attention["params"] == 2 * 16 + 4 + 4
    assert se.attention["params_pct"] == pytest.approx(100 * 40 / plain.params)


def resnet50_analytic_macs() -> int:
    """conv + linear multiply-accumulates of torchvision's ResNet-50 at 224×224."""
    macs = 112 * 112 * 64 * (3 * 7 * 7)  # stem
    c_in, hw = 64, 56
    for depth, planes, stride in [(3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2)]:
        out = 4 * planes
        for i in range(depth):
            s = stride if i == 0 else 1
            hw_out = hw // s
            macs += hw * hw * planes * c_in  # 1×1 reduce
            macs += hw_out * hw_out * planes * planes * 9  # 3×3 (stride here)
            macs += hw_out * hw_out * out * planes  # 1×1 expand
            if i == 0:
                macs += hw_out * hw_out * out * c_in  # projection
            c_in, hw = out, hw_out
    return macs + 2048 * 1000  # classifier


def test_resnet50_macs_equal_the_analytic_count():
    p = profile("preset:resnet50", latency=False)
    assert p.macs == resnet50_analytic_macs() == 4_089_184_256
    assert p.params == 25_557_032 and p.unsupported_ops == {}
    assert sum(r.macs for r in p.per_module) == p.macs


@pytest.mark.parametrize("kind", ["se", "eca", "cbam", "coord"])
def test_every_op_of_every_attention_is_counted(kind):
    attn = {"type": kind, "gate": "hard_sigmoid"}
    spec = block_spec(
        8,
        16,
        height=6,
        block={"type": "bottleneck", "stride": 2, "preact": True},
        slots={slot: attn for slot in ("pre_residual", "branch", "skip", "post_add")},
        shortcut="avgpool_conv1x1",
    )
    p = profile(spec, latency=False)
    assert p.unsupported_ops == {}
    attn_rows = [r for r in p.per_module if "attn_" in r.name]
    assert len(attn_rows) == 4 and all(r.elementwise_ops > 0 for r in attn_rows)
    assert sum(r.elementwise_ops for r in p.per_module) == p.elementwise_ops


def test_network_with_pooling_stem_is_fully_counted():
    spec = network_spec(
        [{"depth": 1, "out_channels": 8, "block": {"type": "basic", "preact": True}}],
        stem="imagenet",
        stem_channels=8,
        num_classes=10,
    )
    p = profile(spec, latency=False)
    assert p.unsupported_ops == {} and p.output_shape == (1, 10)
    pool = next(r for r in p.per_module if r.name == "stem.pool")
    assert pool.elementwise_ops == 9 * 8 * 8 * 8  # 3×3 window per output element


def test_latency_memory_and_progress():
    calls = []
    p = profile(
        with_slots(branch=SE),
        repeats=3,
        time_budget_s=30.0,
        progress=lambda f, m: calls.append((f, m)),
    )
    assert p.latency_ms > 0 and p.latency_spread_ms >= 0 and 1 <= p.latency_runs <= 3
    assert p.threads >= 1 and p.attention["latency_pct"] is not None
    assert calls[0][0] == 0.0 and calls[-1][0] == 1.0
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions)
    resident = 4 * (p.params + 2 * 8 + 1 + 4 * 8 * 8)  # params + BN buffers + input
    assert p.peak_memory_bytes > resident


def test_profile_json_has_the_summary_keys():
    data = profile(parse_spec(SMALL), latency=False).to_json()
    assert {"params", "macs", "elementwise_ops", "flops", "output_shape"} <= set(data)
    assert data["latency_ms"] is None and data["output_shape"] == [1, 4, 8, 8]


def test_a_spent_time_budget_skips_the_measurements_and_says_why():
    calls = []
    p = profile(with_slots(branch=SE), time_budget_s=0.0, progress=lambda f, m: calls.append(f))
    assert p.latency_ms is None and p.latency_runs == 0 and p.attention["latency_pct"] is None
    assert p.peak_memory_bytes is None and p.output_shape == (1, 4, 8, 8)
    assert (
        "time budget" in p.skipped["latency_ms"] and "Peak memory" in p.skipped["peak_memory_bytes"]
    )
    assert p.macs > 0 and p.params > 0  # the counts are always there
    data = p.to_json()
    assert data["latency_ms"] is None and data["skipped"] == p.skipped
    assert "skipped_texts" not in data and Profile.from_json(data) == p
    assert calls[-1] == 1.0


def test_why_a_figure_was_not_measured_is_said_in_the_language_it_is_read_in():
    p = profile(with_slots(branch=SE), time_budget_s=0.0)
    assert set(p.skipped_texts) == set(p.skipped) == {"latency_ms", "peak_memory_bytes"}
    assert p.skip_reason("latency_ms") == p.skipped["latency_ms"]  # English by default
    with use_language("tr"):
        assert p.skip_reason("latency_ms").startswith("Gecikme ölçülmedi: 0 s'lik süre bütçesi")
        assert p.skip_reason("peak_memory_bytes").startswith("En yüksek bellek ölçülmedi")
    said = p.skipped_said()  # what a worker sends: every language
    assert set(said["latency_ms"]) == {"en", "tr"}
    assert said["latency_ms"]["en"] == p.skipped["latency_ms"]
    assert said["latency_ms"]["tr"].startswith("Gecikme ölçülmedi")
    # from JSON (the reasons' messages are not in it) a reason is its English
    assert Profile.from_json(p.to_json()).skip_reason("latency_ms") == p.skipped["latency_ms"]
    assert p.skip_reason("latency_pct") is None


def test_a_phase_that_one_forward_says_would_overrun_is_skipped():
    deadline = time.perf_counter() + 60
    reason = _no_time_for("latency_ms", 2, 45.0, deadline, 60).english()
    assert reason.startswith("Latency not measured: one forward takes about 45,000 ms")
    assert "needs 2" in reason and "60 s time budget" in reason
    assert _no_time_for("latency_ms", 2, 0.001, deadline, 60) is None
    with use_language("tr"):
        assert str(_no_time_for("latency_pct", 2, 45.0, deadline, 60)).startswith(
            "Tasarımın attention'sız hâlinin gecikmesi ölçülmedi: bir ileri geçiş burada "
            "yaklaşık 45,000 ms sürüyor ve 2 tane gerekiyor"
        )


def test_a_generous_budget_measures_everything():
    p = profile(with_slots(branch=SE), repeats=2, time_budget_s=60.0)
    assert p.skipped == {} and p.latency_ms > 0 and p.peak_memory_bytes > 0
    assert p.attention["latency_pct"] is not None


@pytest.mark.parametrize("name", preset_names())
def test_analytic_parameters_equal_the_built_module_for_every_preset(name):
    assert analytic_params(load_spec(f"preset:{name}")) == count_params(
        build(f"preset:{name}", device="meta")
    )


@settings(max_examples=30)
@given(spec=block_specs())
def test_analytic_parameters_equal_the_built_block(spec):
    assert analytic_params(spec) == count_params(build(spec, device="meta"))


@settings(max_examples=15)
@given(spec=network_specs())
def test_analytic_parameters_equal_the_built_network(spec):
    assert analytic_params(spec) == count_params(build(spec, device="meta"))
