"""Triplet Attention (resattn/attention/triplet.py): 300 parameters, three gates, identity start."""

import pytest
import torch

from resattn.attention import attention_params, build_attention
from resattn.build import count_params
from schemas import ATTENTION_MODELS

TRIPLET = ATTENTION_MODELS["triplet"]


@pytest.mark.parametrize("kernel", [3, 7])
@pytest.mark.parametrize("channels", [16, 32, 64, 128, 256, 512, 1024, 2048])
def test_parameters_equal_the_formula(channels, kernel):
    spec = TRIPLET(type="triplet", kernel_size=kernel)
    expected = 3 * (2 * kernel**2 + 2)
    assert attention_params(spec, channels) == expected
    assert count_params(build_attention(spec, channels)) == expected


def test_300_parameters_at_any_width():
    assert {count_params(build_attention(TRIPLET(type="triplet"), c)) for c in (3, 64)} == {300}


def _reference_gate(x, conv, bn):
    """The paper's AttentionGate: Z-pool (max, mean over dim 1) → conv → BN → sigmoid."""
    pooled = torch.cat([x.max(1, keepdim=True)[0], x.mean(1, keepdim=True)], dim=1)
    return x * torch.sigmoid(bn(conv(pooled)))


def test_the_papers_three_branches_averaged():
    m = build_attention(TRIPLET(type="triplet"), 6).eval()
    for bn in (m.bn_cw, m.bn_ch, m.bn_hw):  # non-trivial statistics
        bn.running_mean.fill_(0.3)
        bn.running_var.fill_(2.0)
    x = torch.randn(2, 6, 5, 4)
    out1 = _reference_gate(x.permute(0, 2, 1, 3), m.conv_cw, m.bn_cw).permute(0, 2, 1, 3)
    out2 = _reference_gate(x.permute(0, 3, 2, 1), m.conv_ch, m.bn_ch).permute(0, 3, 2, 1)
    out3 = _reference_gate(x, m.conv_hw, m.bn_hw)
    with torch.no_grad():
        assert torch.allclose(m(x), (out1 + out2 + out3) / 3, atol=1e-6)


def test_identity_start_is_exact():
    module = build_attention(TRIPLET(type="triplet"), 8, identity_start=True)
    x = torch.randn(2, 8, 6, 5)
    assert torch.allclose(module(x), x, atol=0, rtol=0)
