"""Networks and presets: torchvision-exact parameter counts, shapes, expansion."""

from itertools import pairwise

import pytest
import torch
from hypothesis import given

from resattn.build import build, count_params
from resattn.loading import load_spec
from resattn.networks import expand_blocks
from resattn.presets import load_preset, preset_index, preset_names
from resattn.shapes import output_shape
from schemas import BlockSpec, NetworkSpec, SpecError, design_key
from tests.strategies import network_specs

# torchvision's documented parameter counts
TORCHVISION = {
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnext50_32x4d": 25_028_904,
    "wide_resnet50_2": 68_883_240,
}


@pytest.mark.parametrize(("name", "params"), TORCHVISION.items())
def test_torchvision_presets_match_parameter_counts_to_the_unit(name, params):
    assert count_params(build(f"preset:{name}", device="meta")) == params


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision_presets_classify_224_images(name):
    model = build(f"preset:{name}").eval()
    with torch.inference_mode():
        y = model(torch.randn(1, 3, 224, 224))
    assert y.shape == (1, 1000) and torch.isfinite(y).all()


def test_se_resnet50_matches_the_papers_size():
    # Hu et al.: SE-ResNet-50 (r = 16) has ~28.1M parameters.
    assert count_params(build("preset:se_resnet50", device="meta")) == 28_088_024


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_loads_and_builds(name):
    spec = load_spec(f"preset:{name}")
    assert spec.name == name
    info = preset_index()[name]
    assert info["group"] in {"network", "family", "pattern"} and info["title"]
    assert (info["group"] == "network") == isinstance(spec, NetworkSpec)
    build(spec, device="meta")


def test_pattern_presets_cover_p1_to_p4_for_each_attention():
    slots = {"p1": {"branch"}, "p2": {"post_add"}, "p3": {"pre_residual"}, "p4": {"skip", "branch"}}
    for pattern, filled in slots.items():
        for kind in ("se", "eca", "cbam", "coord"):
            spec = load_preset(f"{pattern}_{kind}")
            assert set(spec.slots.filled()) == filled
            assert {a.type for a in spec.slots.filled().values()} == {kind}


def test_unknown_preset_lists_the_available_ones():
    with pytest.raises(SpecError, match="resnet50"):
        load_spec("preset:resnet9000")


@given(network_specs())
def test_every_valid_network_builds_and_classifies(spec):
    model = build(spec).eval()
    i = spec.input
    with torch.no_grad():
        y = model(torch.randn(i.batch, i.channels, i.height, i.width))
    assert tuple(y.shape) == output_shape(spec)


@given(network_specs())
def test_expanded_blocks_chain_channels_and_strides(spec):
    blocks = expand_blocks(spec)
    assert len(blocks) == sum(s.depth for s in spec.stages)
    for prev, cur in pairwise(blocks):
        assert cur.spec.input.channels == prev.spec.block.out_channels
        assert (cur.spec.input.height, cur.spec.input.width) == output_shape(prev.spec)[2:]
    for b in blocks:
        stage = spec.stages[b.stage]
        assert b.spec.block.stride == (stage.stride if b.index == 0 else 1)
        assert b.spec.slots == stage.block_slots(b.index + 1)


@given(network_specs())
def test_each_block_carries_its_key_and_a_repeated_block_is_a_renamed_copy(spec):
    blocks = expand_blocks(spec)
    for b in blocks:
        assert b.key == design_key(b.spec)
        assert b.spec.name == f"stage{b.stage + 1}_block{b.index + 1}"
        assert BlockSpec.model_validate_json(b.spec.model_dump_json()) == b.spec  # still valid
    for prev, cur in pairwise(blocks):
        if spec.stages[cur.stage].repeats_previous(cur.index + 1):
            assert (prev.stage, prev.index + 1) == (cur.stage, cur.index)
            assert cur.key == prev.key


def test_preact_network_has_final_norm():
    spec = load_spec("preset:resnet18").model_dump()
    for stage in spec["stages"]:
        stage["block"]["preact"] = True
    model = build(spec, device="meta")
    assert model.final_norm is not None and model.final_act is not None
