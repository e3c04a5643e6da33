"""Round trip over the spec space: build → torch.onnx.export → import_model gives back the same
design (canonical JSON of `canonical_spec`) and the same function (outputs within 1e-4)."""

from __future__ import annotations

from hypothesis import example, given, settings

from resattn.importing import canonical_spec, import_model
from schemas import canonical_json, parse_spec
from tests.importing.harness import example_input, max_diff, random_model, to_onnx
from tests.strategies import block_specs, network_specs


def _check(spec, result, model, x) -> None:
    assert result.fit == "full", [str(f) for f in result.unsupported]
    assert canonical_json(result.spec) == canonical_json(
        canonical_spec(spec, name=result.spec.name)
    )
    assert max_diff(model, result.model(), x) <= 1e-4


@given(block_specs())
def test_block_round_trip_through_onnx_bytes(spec):
    model, x = random_model(spec), example_input(spec)
    _check(spec, import_model(to_onnx(model, x)), model, x)


@settings(max_examples=25)
@given(network_specs())
@example(  # two gates on one tensor: the next block's A_p and A_s, not this block's A_o
    parse_spec(
        {
            "input": {"channels": 3, "height": 8, "width": 8},
            "stem": {"type": "cifar", "out_channels": 4},
            "stages": [
                {
                    "depth": 2,
                    "out_channels": 8,
                    "block": {"type": "basic", "preact": True},
                    "slots": {
                        "pre_residual": {"type": "se", "reduction": 1, "divisor": 1},
                        "skip": {"type": "se", "reduction": 1, "divisor": 1},
                    },
                }
            ],
            "num_classes": 3,
        }
    )
)
def test_network_round_trip_through_onnx_bytes(spec):
    model, x = random_model(spec), example_input(spec)
    _check(spec, import_model(to_onnx(model, x)), model, x)


@settings(max_examples=20)
@given(block_specs())
def test_block_round_trip_through_the_module(spec):
    model, x = random_model(spec), example_input(spec)
    was = [m.training for m in model.train().modules()]
    result = import_model(model, example_input=x)
    assert [m.training for m in model.modules()] == was  # the caller's module is left as it was
    _check(spec, result, model.eval(), x)


@settings(max_examples=10)
@given(network_specs())
def test_network_round_trip_through_the_module(spec):
    model, x = random_model(spec), example_input(spec)
    _check(spec, import_model(model, example_input=x), model, x)


def test_canonical_spec_builds_the_same_module():
    """The spec an import gives back is a different text for the same module: same parameter
    shapes in the same order (checked over the strategies in the round-trip tests above, and
    here for a case where every choice differs from the spec's)."""
    from resattn import build, load_spec

    spec = load_spec(
        {
            "input": {"channels": 16, "height": 5, "width": 5},
            "block": {"type": "bottleneck", "out_channels": 8, "expansion": 2, "base_width": 32},
            "slots": {
                "branch": {"type": "se", "reduction": 2, "divisor": 4},
                "post_add": {"type": "eca", "kernel_size": 3},
                "skip": {"type": "coord", "reduction": 2, "min_channels": 1},
                "pre_residual": {"type": "cbam", "reduction": 4, "spatial_kernel": 3},
            },
            "shortcut": "conv1x1",
            "post_add_activation": "relu",
            "zero_init_last_bn": False,
        }
    )
    again = canonical_spec(spec)
    assert canonical_json(again) != canonical_json(spec)
    shapes = [t.shape for t in build(spec).state_dict().values()]
    assert [t.shape for t in build(again).state_dict().values()] == shapes
    assert canonical_spec(again) == again
