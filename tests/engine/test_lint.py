"""The design linter: every rule fires where it should and stays silent on the presets."""

import pathlib
import re

import pytest

from resattn.lint import RULES, lint
from resattn.loading import load_spec
from resattn.presets import preset_names
from schemas import ATTENTION_MODELS, SPATIAL_TYPES, DesignError
from tests.specs import block_spec, network_spec

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "diagnostics.md"


def block(out=64, c_in=64, hw=56, **fields):
    slots = fields.pop("slots", {})
    kind = fields.pop("type", "basic")
    extra = {
        k: fields.pop(k)
        for k in ("shortcut", "post_add_activation", "zero_init_last_bn")
        if k in fields
    }
    return block_spec(c_in, out, height=hw, block={"type": kind, **fields}, slots=slots, **extra)


def network(slots_per_stage, depth=1, **block_fields):
    return network_spec(
        [
            {
                "depth": depth,
                "out_channels": 16 * 2**i,
                "stride": 1 if i == 0 else 2,
                "block": {"type": "basic", **block_fields},
                "slots": slots,
            }
            for i, slots in enumerate(slots_per_stage)
        ],
        num_classes=10,
    )


CBAM, SE = {"type": "cbam"}, {"type": "se"}

#: 1.8 kB of JSON, 2.6 trillion parameters: 16 stages × 64 bottlenecks of mid width 16,384
HUGE_NET = network_spec(
    [
        {
            "depth": 64,
            "out_channels": 4096,
            "block": {"type": "bottleneck", "base_width": 1024},
            "slots": {"branch": CBAM},
        }
        for _ in range(16)
    ],
    height=1,
    stem_channels=64,
    num_classes=1000,
)


def wrn_cifar(widen=10, slots=None):
    """WRN-28-k on CIFAR (basic blocks, k × 16/32/64 channels) with `slots` in every stage."""
    return network_spec(
        [
            {
                "depth": 4,
                "out_channels": widen * 16 * 2**i,
                "stride": 1 if i == 0 else 2,
                "block": {"type": "basic"},
                "slots": slots or {},
            }
            for i in range(3)
        ],
        num_classes=10,
    )


#: code → (spec that triggers it, JSON path of the finding, words the message must contain)
FIRING = {
    "RA101": (block(stride=2, shortcut="identity"), "shortcut", ["64 channels at 56×56", "28×28"]),
    "RA102": (
        block_spec(4096, height=1024, batch=64, block={"type": "bottleneck"}),
        "input",
        ["batch 64", "TiB", "2.0 GiB"],
    ),
    "RA103": (
        block(4096, 4096, type="bottleneck", base_width=1024, hw=1),
        "block",
        ["parameters", "GiB of float32 weights", "268,435,456", "nothing was allocated"],
    ),
    "RA110": (
        block(slots={"skip": {"type": "simam"}}),
        "slots.skip",
        ["Simple Attention Module (SimAM)", "cannot start as an exact identity"],
    ),
    "RA201": (
        block(16, 16, slots={"branch": {"type": "se", "reduction": 64}}),
        "slots.branch",
        ["16 channels", "reduction 64", "clamps to 8", "effective reduction of 2"],
    ),
    "RA202": (
        block(preact=True, post_add_activation="relu"),
        "post_add_activation",
        ["pre-activation", "ReLU after the add"],
    ),
    "RA203": (
        network([{"branch": CBAM}, {"post_add": CBAM}]),
        "stages",
        ["CBAM", "every one of the 2 blocks", "% MACs", "% parameters"],
    ),
    "RA204": (block(slots={"post_add": SE}), "slots.post_add", ["identity", "0.5"]),
    "RA205": (block(slots={"pre_residual": SE}), "slots.pre_residual", ["before F", "0.5"]),
    "RA206": (block(slots={"skip": CBAM}), "slots.skip", ["spatial gate on the identity"]),
    "RA207": (
        block(preact=True, slots={"branch": CBAM}),
        "slots.branch",
        ["pre-activation", "CBAM"],
    ),
    "RA208": (
        block(slots={"pre_residual": {"type": "coord"}}),
        "slots.pre_residual",
        ["64 channels at 56×56", "before any conv"],
    ),
    "RA209": (
        block(128, 128, hw=512),
        "input",
        ["77,309,411,328 MACs", "50.0 GFLOPs compute budget", "ONNX export are refused"],
    ),
    "RA301": (block(128), "shortcut", ["64 channels at 56×56", "128 channels", "8,448 parameters"]),
    "RA302": (
        block(256, 256, type="bottleneck", base_width=128, slots={"branch": CBAM}),
        "slots.branch",
        ["base width 128", "2× ResNet's 64", "% of the block's MACs"],
    ),
}


def _early(kind: str) -> set[str]:
    return {"RA208"} if kind in SPATIAL_TYPES else set()


#: preset → the codes it should raise (every other code must stay silent on it)
EXPECTED = {
    **{
        name: {"RA301"}
        for name in [
            "resnet18",
            "resnet34",
            "resnet50",
            "resnet101",
            "resnext50_32x4d",
            "wide_resnet50_2",
            "se_resnet50",
        ]
    },
    # the pattern presets, for every kind (spatial kinds add RA208 early and RA206 on the skip)
    **{f"p2_{a}": {"RA204"} for a in ATTENTION_MODELS},
    **{
        f"p3_{a}": {"RA205"} | ({"RA208"} if a in SPATIAL_TYPES else set())
        for a in ATTENTION_MODELS
    },
    **{f"p4_{a}": {"RA206"} for a in SPATIAL_TYPES},
}


def test_every_rule_has_a_firing_case():
    assert set(FIRING) == set(RULES)


@pytest.mark.parametrize("code", sorted(FIRING))
def test_rule_fires(code):
    spec, path, words = FIRING[code]
    found = [d for d in lint(spec) if d.code == code]
    assert found, f"{code} did not fire"
    d = found[0]
    assert d.path == path and d.severity == RULES[code].severity and d.ref == RULES[code].ref
    assert d.hint and d.message[0].isupper()
    for word in words:
        assert word in d.message


@pytest.mark.parametrize("name", preset_names())
def test_presets_raise_exactly_the_expected_codes(name):
    """The non-firing side of every rule: each preset is silent except for its known codes."""
    assert {d.code for d in lint(f"preset:{name}")} == EXPECTED.get(name, set())


@pytest.mark.parametrize("code", sorted(FIRING))
def test_rule_is_silent_on_a_plain_block(code):
    assert code not in {d.code for d in lint(block())}


def test_network_findings_point_at_the_stage():
    spec = network([{}, {"post_add": SE}], depth=3)
    d = next(d for d in lint(spec) if d.code == "RA204")
    assert d.path == "stages[1].slots.post_add"
    assert "stage 2, block 1" in d.message and "0.5^3" in d.message


def test_skip_gate_without_zero_init_fires_on_zero_init():
    spec = block(slots={"skip": SE}, zero_init_last_bn=False)
    paths = {d.path for d in lint(spec) if d.code == "RA206"}
    assert paths == {"zero_init_last_bn"}


def test_eca_kernel_wider_than_the_channels_warns():
    spec = block(8, 8, slots={"branch": {"type": "eca", "kernel_size": 9}})
    d = next(d for d in lint(spec) if d.code == "RA201")
    assert "spans 9" in d.message and "kernel_size" in d.hint


def test_post_activation_block_without_relu_warns():
    assert "RA202" in {d.code for d in lint(block(post_add_activation="none"))}


def test_light_attention_everywhere_is_fine():
    assert "RA203" not in {d.code for d in lint(network([{"branch": SE}, {"branch": SE}]))}


def test_errors_come_first():
    spec = block(stride=2, shortcut="identity", slots={"post_add": SE})
    codes = [d.code for d in lint(spec)]
    assert codes[0] == "RA101" and "RA204" in codes


def docs_table() -> dict[str, str]:
    rows = re.findall(r"^\|\s*(RA\d{3})\s*\|\s*(\w+)\s*\|", DOCS.read_text(), re.MULTILINE)
    return dict(rows)


def test_docs_table_lists_exactly_the_registered_codes():
    table = docs_table()
    assert set(table) == set(RULES)
    assert all(table[code] == rule.severity for code, rule in RULES.items())


def test_codes_follow_the_severity_convention():
    prefix = {"error": "RA1", "warning": "RA2", "info": "RA3"}
    assert all(code.startswith(prefix[r.severity]) for code, r in RULES.items())


def test_a_spec_too_large_to_build_is_refused_before_anything_is_built(monkeypatch):
    """RA103 answers from the spec alone: no module is made, not even on `meta`."""
    from resattn import fusion, networks
    from resattn.build import build

    def refuse(*args, **kwargs):
        raise AssertionError("a module was built")

    monkeypatch.setattr(fusion, "build_block", refuse)
    monkeypatch.setattr(networks, "build_block", refuse)
    found = [d for d in lint(HUGE_NET) if d.code == "RA103"]
    assert len(found) == 1 and found[0].severity == "error"
    assert found[0].path.startswith("stages[") and "2,6" in found[0].message
    assert "TiB of float32 weights" in found[0].message
    with pytest.raises(DesignError, match="268,435,456 parameters"):
        build(HUGE_NET)


def test_the_weight_cap_sits_between_the_largest_preset_and_the_first_design_over_it():
    from resattn.counting import analytic_params
    from resattn.lint import MAX_PARAM_BYTES

    cap = MAX_PARAM_BYTES // 4
    assert analytic_params(load_spec("preset:wide_resnet50_2")) == 68_883_240 < cap
    # a network whose classifier head alone is over the cap points at `num_classes`
    head = {**network([{}]), "num_classes": 100_000}
    head["stages"][0]["out_channels"] = 4096
    d = next(d for d in lint(head) if d.code == "RA103")
    assert d.path == "num_classes" and "classifier head" in d.message


def test_activation_bound_names_the_network_feature_maps():
    spec = network([{}, {}], depth=1)
    spec["input"] = {"channels": 3, "height": 1024, "width": 1024, "batch": 8}
    d = next(d for d in lint(spec) if d.code == "RA102")
    assert d.message.startswith("The network's feature maps for one forward pass of a batch 8")
    assert "3 channels at 1024×1024" in d.message


def test_hidden_width_clamped_to_the_channels_warns_but_reduction_1_does_not():
    # C = 8, r = 16, divisor 8: C/r = 0.5, hidden = 8 = C — the gate does not squeeze
    clamped = block(8, 8, slots={"branch": {"type": "se", "reduction": 16}})
    d = next(d for d in lint(clamped) if d.code == "RA201")
    assert (
        "clamps to 8, as wide as the 8 channels" in d.message and "no longer squeezes" in d.message
    )
    assert "`divisor`" in d.hint
    # r = 1 asks for hidden = C on purpose; r = 16 on 256 channels is the ordinary case
    for attn in ({"type": "se", "reduction": 1, "divisor": 1}, {"type": "coord"}, SE):
        assert "RA201" not in {d.code for d in lint(block(256, 256, slots={"branch": attn}))}
    assert "RA201" in {d.code for d in lint(block(8, 8, slots={"branch": {"type": "coord"}}))}


def test_wide_basic_blocks_with_spatial_attention_are_flagged():
    wrn = lint(wrn_cifar(10, {"branch": CBAM}))
    found = {d.path: d.message for d in wrn if d.code == "RA302"}
    assert set(found) == {f"stages[{i}].slots.branch" for i in range(3)}
    assert (
        "160 channels at 32×32, 10× the 16 a standard ResNet basic block has"
        in found["stages[0].slots.branch"]
    )
    assert "RA302" not in {d.code for d in lint(wrn_cifar(1, {"branch": CBAM}))}
    assert "RA302" not in {d.code for d in lint(wrn_cifar(10, {"branch": SE}))}
    resnet18 = load_spec("preset:resnet18").model_dump()
    for stage in resnet18["stages"]:
        stage["slots"] = {"branch": {"type": "coord"}}
    assert "RA302" not in {d.code for d in lint(resnet18)}  # standard width: not wide
    # a lone basic block is read as part of the ImageNet ResNet: 64 channels at 56×56
    assert "RA302" in {d.code for d in lint(block(128, 128, slots={"branch": CBAM}))}
    assert "RA302" not in {d.code for d in lint(block(128, 64, stride=2, slots={"branch": CBAM}))}
