"""Global Context (resattn/attention/gc.py): formula, scale fusion only, identity start."""

import pytest
import torch

from resattn.attention import attention_params, build_attention
from resattn.attention.gc import gc_hidden
from resattn.build import count_params
from resattn.loading import load_spec
from schemas import ATTENTION_MODELS, SpecError
from tests.specs import block_spec

GC = ATTENTION_MODELS["gc"]
CHANNELS = [16, 32, 64, 128, 256, 512, 1024, 2048]


@pytest.mark.parametrize("reduction", [1, 4, 8, 16])
@pytest.mark.parametrize("channels", CHANNELS)
def test_parameters_equal_the_formula(channels, reduction):
    spec = GC(type="gc", reduction=reduction)
    m = max(1, round(channels / reduction + 1e-9)) if reduction != 1 else channels
    assert gc_hidden(channels, reduction) == m
    expected = (channels + 1) + (channels * m + m) + 2 * m + (m * channels + channels)
    assert attention_params(spec, channels) == expected
    assert count_params(build_attention(spec, channels)) == expected


def test_256_channels_have_16993_parameters():
    assert count_params(build_attention(GC(type="gc"), 256)) == 16_993


def test_attention_pooling_then_scale_fusion():
    module = build_attention(GC(type="gc", reduction=4), 16).eval()
    x = torch.randn(2, 16, 5, 3)
    p = module.conv_attn(x).flatten(2).softmax(-1)  # N × 1 × HW
    context = (x.flatten(2) * p).sum(-1)[..., None, None]
    scores = module.fc2(module.act(module.norm(module.fc1(context))))
    assert torch.allclose(module(x), x * torch.sigmoid(scores), atol=1e-6)


def test_identity_start_is_exact():
    module = build_attention(GC(type="gc"), 32, identity_start=True)
    x = torch.randn(2, 32, 6, 6)
    assert torch.equal(module(x), x)


@pytest.mark.parametrize("fusion", ["add", "channel_add"])
def test_additive_fusion_is_refused_by_the_first_rule(fusion):
    data = block_spec(8, height=4, slots={"post_add": {"type": "gc", "fusion": fusion}})
    with pytest.raises(SpecError) as err:
        load_spec(data)
    problem = err.value.problems[0]
    assert problem.path == "slots.post_add.fusion"
    assert "first rule" in problem.reason and "never added" in problem.reason
