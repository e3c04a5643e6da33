"""BN folding for inference: outputs equal the eval-mode module; what is left is as documented."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from resattn.attention import build_attention
from resattn.build import build
from resattn.export.fold_bn import count_batchnorms, fold_batchnorm
from resattn.networks import expand_blocks
from schemas import BlockSpec
from tests.export.harness import example_input, randomize
from tests.strategies import block_specs, network_specs


def _attention_bns(attn) -> int:
    """BNs inside an attention module (CBAM, CA, Triplet …: left as they are)."""
    return sum(isinstance(m, nn.BatchNorm2d) for m in build_attention(attn, 8).modules())


def expected_left(spec) -> int:
    """BNs no conv directly precedes: a pre-activation branch's first BN, attention's own BNs,
    a pre-activation network's final BN."""
    blocks = [spec] if isinstance(spec, BlockSpec) else [b.spec for b in expand_blocks(spec)]
    left = sum(
        int(b.block.preact) + sum(_attention_bns(v) for v in b.slots.filled().values())
        for b in blocks
    )
    if not isinstance(spec, BlockSpec):
        left += int(spec.stages[-1].block.preact)
    return left


@settings(max_examples=20)
@given(st.one_of(block_specs(), network_specs()), st.integers(0, 2**16))
def test_folded_module_equals_eval_module(spec, seed):
    model = randomize(build(spec), seed).eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    folded = fold_batchnorm(model)
    x = example_input(spec, seed)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), model(x), atol=1e-5, rtol=1e-5)
    assert count_batchnorms(folded) == expected_left(spec)
    assert not folded.training
    after = model.state_dict()  # the original is untouched
    assert list(after) == list(before)
    assert all(torch.equal(after[k], before[k]) for k in before)


def test_folded_convs_carry_the_bn():
    model = randomize(build("preset:basic_block"), 0).eval()
    folded = fold_batchnorm(model)
    keys = set(folded.state_dict())
    assert "branch.conv1.bias" in keys and not any(".bn" in k for k in keys)
