"""Effective SE (resattn/attention/ese.py): formula, the paper's structure, identity start."""

import pytest
import torch

from resattn.attention import attention_params, build_attention
from resattn.build import count_params
from schemas import ATTENTION_MODELS

ESE = ATTENTION_MODELS["ese"]
CHANNELS = [16, 32, 64, 128, 256, 512, 1024, 2048]


@pytest.mark.parametrize("channels", CHANNELS)
def test_parameters_equal_the_formula(channels):
    spec = ESE(type="ese")
    assert attention_params(spec, channels) == channels**2 + channels
    assert count_params(build_attention(spec, channels)) == channels**2 + channels


def test_256_channels_have_65792_parameters_and_a_hard_sigmoid_gate():
    module = build_attention(ESE(type="ese"), 256)
    assert count_params(module) == 65_792
    assert module.gate.kind == "hard_sigmoid"
    x = torch.randn(2, 256, 5, 4)
    want = x * torch.nn.functional.hardsigmoid(module.fc(x.mean((2, 3), keepdim=True)))
    assert torch.allclose(module(x), want)


def test_identity_start_is_exact():
    module = build_attention(ESE(type="ese", gate="sigmoid"), 32, identity_start=True)
    x = torch.randn(2, 32, 6, 6)
    assert torch.equal(module(x), x)
