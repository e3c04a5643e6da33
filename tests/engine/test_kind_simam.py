"""SimAM (resattn/attention/simam.py): parameter-free, the paper's energy, refused on the skip."""

import pytest
import torch

from resattn.attention import attention_params, build_attention
from resattn.build import build, count_params
from resattn.lint import lint
from schemas import ATTENTION_MODELS, DesignError
from tests.specs import block_spec

SIMAM = ATTENTION_MODELS["simam"]


@pytest.mark.parametrize("channels", [16, 32, 64, 128, 256, 512, 1024, 2048])
def test_parameter_free(channels):
    spec = SIMAM(type="simam")
    assert attention_params(spec, channels) == 0 == count_params(build_attention(spec, channels))


def test_the_papers_energy_gate():
    module = build_attention(SIMAM(type="simam"), 8)
    x = torch.randn(2, 8, 5, 6)
    n = 5 * 6 - 1
    d = (x - x.mean(dim=[2, 3], keepdim=True)).pow(2)
    y = d / (4 * (d.sum(dim=[2, 3], keepdim=True) / n + 1e-4)) + 0.5
    assert torch.allclose(module(x), x * torch.sigmoid(y))


def test_a_one_by_one_map_gives_a_finite_gate():
    out = build_attention(SIMAM(type="simam"), 4)(torch.randn(2, 4, 1, 1))
    assert torch.isfinite(out).all()


def _block(slot: str) -> dict:
    return block_spec(8, height=6, slots={slot: {"type": "simam"}})


def test_refused_on_the_skip_with_a_clear_error():
    errors = [d for d in lint(_block("skip")) if d.severity == "error"]
    assert [(d.code, d.path) for d in errors] == [("RA110", "slots.skip")]
    assert "cannot start as an exact identity" in errors[0].message
    with pytest.raises(DesignError, match="RA110"):
        build(_block("skip"))


@pytest.mark.parametrize("slot", ["pre_residual", "branch", "post_add"])
def test_builds_in_the_other_slots(slot):
    assert count_params(build(_block(slot))) == count_params(build(_block("branch")))
