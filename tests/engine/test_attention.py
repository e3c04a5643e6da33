"""Attention modules: parameter formulas, conventions, gates, identity start."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from resattn.attention import ATTENTION, attention_params, build_attention, eca_kernel_size
from resattn.build import count_params
from schemas import ATTENTION_MODELS
from tests.strategies import attention_dicts, slot_kinds

CHANNELS = [64, 128, 256, 512, 1024, 2048]


def _spec(data):
    return ATTENTION_MODELS[data["type"]].model_validate(data)


def test_se_at_256_channels_r16_has_8464_parameters():
    module = build_attention(_spec({"type": "se", "reduction": 16}), 256)
    assert count_params(module) == 8464


@pytest.mark.parametrize("channels", CHANNELS)
@pytest.mark.parametrize(
    "data",
    [
        {"type": "se"},
        {"type": "se", "reduction": 4, "divisor": 1},
        {"type": "eca"},
        {"type": "eca", "kernel_size": 9},
        {"type": "cbam"},
        {"type": "cbam", "reduction": 8, "spatial_kernel": 3},
        {"type": "coord"},
        {"type": "coord", "reduction": 16, "min_channels": 4},
    ],
)
def test_parameter_count_equals_documented_formula(channels, data):
    spec = _spec(data)
    module = build_attention(spec, channels)
    assert count_params(module) == attention_params(spec, channels)


@pytest.mark.parametrize("channels", CHANNELS)
def test_formulas_written_out(channels):
    """The formulas of the docstrings, computed here independently of the library."""
    c = channels
    hidden = max(8, round(c / 16 / 8) * 8)
    assert attention_params(_spec({"type": "se"}), c) == 2 * c * hidden + hidden + c
    assert attention_params(_spec({"type": "cbam"}), c) == 2 * c * (c // 16) + c // 16 + c + 100
    m = max(8, c // 32)
    assert attention_params(_spec({"type": "coord"}), c) == c * m + 3 * m + 2 * (m * c + c)


@pytest.mark.parametrize(
    ("channels", "k"), [(64, 3), (128, 5), (256, 5), (512, 5), (1024, 5), (2048, 7)]
)
def test_eca_adaptive_kernel(channels, k):
    assert eca_kernel_size(channels) == k
    module = build_attention(_spec({"type": "eca"}), channels)
    assert module.conv.kernel_size == (k,) and module.conv.bias is None


def test_registry_lists_valid_names_on_unknown_kind():
    assert ATTENTION.names() == sorted(ATTENTION_MODELS)
    assert {"cbam", "coord", "eca", "se", "ese", "gc", "simam", "triplet"} <= set(ATTENTION.names())
    with pytest.raises(KeyError, match="valid: cbam, coord, eca, ese, gc, se, simam, triplet"):
        ATTENTION.get("transformer")


@given(data=attention_dicts(), channels=st.sampled_from([3, 8, 16]), hw=st.integers(1, 7))
def test_every_module_is_a_gate_in_unit_range(data, channels, hw):
    """A(z) = z ⊙ α(z) with α ∈ [0, 1]: |A(z)| ≤ |z| element-wise, shape preserved."""
    module = build_attention(_spec(data), channels).eval()
    z = torch.randn(2, channels, hw, hw)
    with torch.no_grad():
        out = module(z)
    assert out.shape == z.shape
    assert torch.all(out.abs() <= z.abs() + 1e-6)
    # zero in, zero out: nothing is ever added to the feature (notes, first rule)
    with torch.no_grad():
        assert torch.equal(module(torch.zeros_like(z)), torch.zeros_like(z))


@given(
    data=attention_dicts(slot_kinds("skip")),
    channels=st.sampled_from([3, 8, 16]),
    hw=st.integers(1, 7),
)
def test_identity_start_is_exact(data, channels, hw):
    module = build_attention(_spec(data), channels, identity_start=True)
    z = torch.randn(2, channels, hw, hw)
    for mode in (module.train(), module.eval()):
        with torch.no_grad():
            assert torch.equal(mode(z), z)


def test_hard_sigmoid_gate_is_used():
    spec = _spec({"type": "se", "gate": "hard_sigmoid"})
    module = build_attention(spec, 16)
    assert module.gate.kind == "hard_sigmoid"
    scores = torch.tensor([-4.0, 0.0, 4.0])
    assert torch.equal(module.gate(scores), torch.tensor([0.0, 0.5, 1.0]))
