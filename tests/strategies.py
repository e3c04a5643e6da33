"""Hypothesis strategies over the spec space (small sizes so every example builds fast).

Shared by the engine, check, export and lab tests: `block_dicts()` / `network_dicts()` give
valid spec JSON objects, `block_specs()` / `network_specs()` the parsed models.
"""

from __future__ import annotations

from hypothesis import strategies as st

from schemas import SLOT_NAMES, parse_spec

GATES = st.sampled_from(["sigmoid", "hard_sigmoid"])


def attention_dicts(types=("se", "eca", "cbam", "coord")):
    options = {
        "se": st.fixed_dictionaries(
            {
                "type": st.just("se"),
                "reduction": st.sampled_from([1, 2, 4, 16]),
                "divisor": st.sampled_from([1, 4, 8]),
                "gate": GATES,
            }
        ),
        "eca": st.fixed_dictionaries(
            {
                "type": st.just("eca"),
                "kernel_size": st.sampled_from([None, 1, 3, 5]),
                "gate": GATES,
            }
        ),
        "cbam": st.fixed_dictionaries(
            {
                "type": st.just("cbam"),
                "reduction": st.sampled_from([1, 2, 4, 16]),
                "spatial_kernel": st.sampled_from([1, 3, 7]),
                "gate": GATES,
            }
        ),
        "coord": st.fixed_dictionaries(
            {
                "type": st.just("coord"),
                "reduction": st.sampled_from([2, 8, 32]),
                "min_channels": st.sampled_from([1, 4, 8]),
                "gate": GATES,
            }
        ),
    }
    return st.one_of(*(options[t] for t in types))


def slots_dicts(types=("se", "eca", "cbam", "coord")):
    return st.fixed_dictionaries(
        {name: st.one_of(st.none(), attention_dicts(types)) for name in SLOT_NAMES}
    )


@st.composite
def block_fields(draw, in_channels: int):
    kind = draw(st.sampled_from(["basic", "bottleneck"]))
    stride = draw(st.sampled_from([1, 2]))
    preact = draw(st.booleans())
    dropout = draw(st.sampled_from([0.0, 0.2]))
    if kind == "basic":
        out = draw(st.sampled_from([in_channels, 4, 8, 16]))
        return {
            "type": "basic",
            "out_channels": out,
            "stride": stride,
            "preact": preact,
            "dropout": dropout,
        }
    expansion = draw(st.sampled_from([1, 2, 4]))
    groups = draw(st.sampled_from([1, 2, 4]))
    base_width = draw(st.sampled_from([16, 32, 64, 128]))
    out = expansion * draw(st.sampled_from([2, 4, 8]))
    if (out // expansion) * base_width // 64 < 1:
        base_width = 64
    return {
        "type": "bottleneck",
        "out_channels": out,
        "stride": stride,
        "expansion": expansion,
        "groups": groups,
        "base_width": base_width,
        "preact": preact,
        "dropout": dropout,
    }


@st.composite
def block_dicts(draw, types=("se", "eca", "cbam", "coord"), max_hw: int = 9):
    """A valid (and lint-error-free) block spec as JSON data."""
    in_channels = draw(st.sampled_from([3, 4, 8, 16]))
    block = draw(block_fields(in_channels))
    same = block["stride"] == 1 and block["out_channels"] == in_channels
    shortcuts = ["auto", "conv1x1", "avgpool_conv1x1"] + (["identity"] if same else [])
    return {
        "schema_version": 1,
        "name": draw(st.sampled_from(["resattn_block", "MyBlock", "b_2"])),
        "input": {
            "channels": in_channels,
            "height": draw(st.integers(1, max_hw)),
            "width": draw(st.integers(1, max_hw)),
            "batch": draw(st.sampled_from([1, 2])),
        },
        "block": block,
        "slots": draw(slots_dicts(types)),
        "shortcut": draw(st.sampled_from(shortcuts)),
        "post_add_activation": draw(st.sampled_from([None, "relu", "none"])),
        "zero_init_last_bn": draw(st.booleans()),
    }


@st.composite
def network_dicts(draw, types=("se", "eca", "cbam", "coord")):
    """A small valid network spec (cifar or imagenet stem, 1-3 short stages)."""
    n_stages = draw(st.integers(1, 3))
    stages = []
    for i in range(n_stages):
        fields = draw(block_fields(8))
        stage_block = {k: v for k, v in fields.items() if k not in ("out_channels", "stride")}
        depth = draw(st.integers(1, 2))
        overridden = draw(st.lists(st.integers(1, depth), unique=True, max_size=depth))
        stages.append(
            {
                "depth": depth,
                "out_channels": fields["out_channels"],
                "stride": 1 if i == 0 else fields["stride"],
                "block": stage_block,
                "slots": draw(slots_dicts(types)),
                "overrides": [{"index": i, "slots": draw(slots_dicts(types))} for i in overridden],
            }
        )
    stem = draw(st.sampled_from(["cifar", "imagenet"]))
    size = draw(st.integers(8, 20)) if stem == "cifar" else draw(st.integers(16, 40))
    return {
        "schema_version": 1,
        "name": "net",
        "input": {
            "channels": 3,
            "height": size,
            "width": size,
            "batch": draw(st.sampled_from([1, 2])),
        },
        "stem": {"type": stem, "out_channels": draw(st.sampled_from([4, 8]))},
        "stages": stages,
        "num_classes": draw(st.sampled_from([3, 10])),
    }


def block_specs(**kwargs):
    return block_dicts(**kwargs).map(parse_spec)


def network_specs(**kwargs):
    return network_dicts(**kwargs).map(parse_spec)
