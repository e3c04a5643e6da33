"""The four-slot residual block: every valid spec builds, runs and has the predicted shape."""

import pytest
import torch
from hypothesis import given

from resattn.attention import Gate, attention_params
from resattn.build import build, count_params
from resattn.fusion import ResidualAttentionBlock
from resattn.shapes import output_shape
from schemas import DesignError, parse_spec
from tests.specs import block_spec
from tests.strategies import block_specs


def _input(spec):
    i = spec.input
    return torch.randn(i.batch, i.channels, i.height, i.width)


@given(block_specs())
def test_every_valid_block_builds_runs_and_has_the_predicted_shape(spec):
    model = build(spec)
    assert isinstance(model, ResidualAttentionBlock)
    x = _input(spec)
    for mode in (model.train(), model.eval()):
        with torch.no_grad():
            y = mode(x)
        assert tuple(y.shape) == output_shape(spec)
        assert torch.isfinite(y).all()


@given(block_specs())
def test_each_attention_is_built_for_the_channels_it_sees(spec):
    model = build(spec)
    c_in, c_out = spec.input.channels, spec.block.out_channels
    expected = {"attn_pre": c_in, "attn_branch": c_out, "attn_skip": c_out, "attn_post": c_out}
    slot_of = {
        "attn_pre": "pre_residual",
        "attn_branch": "branch",
        "attn_skip": "skip",
        "attn_post": "post_add",
    }
    for attr, channels in expected.items():
        module = getattr(model, attr)
        assert (module is None) == (getattr(spec.slots, slot_of[attr]) is None)
        if module is not None:
            slot = getattr(spec.slots, slot_of[attr])
            assert count_params(module) == attention_params(slot, channels)
            gates = [m for m in module.modules() if isinstance(m, Gate)]
            assert gates and all(g.identity_start == (attr == "attn_skip") for g in gates)


def _identity_block(slots, preact=False, kind="bottleneck"):
    block = {"type": kind, "out_channels": 32, "preact": preact}
    return parse_spec(
        block_spec(
            32,
            height=6,
            batch=2,
            block=block,
            slots=slots,
            shortcut="identity",
            zero_init_last_bn=True,
        )
    )


@pytest.mark.parametrize("kind", ["basic", "bottleneck"])
@pytest.mark.parametrize("attention", ["se", "eca", "cbam", "coord"])
@pytest.mark.parametrize("preact", [False, True])
def test_block_starts_as_identity(kind, attention, preact):
    """Notes §6: zero-init + identity shortcut + attention in branch and skip ⇒ y = act(x)."""
    att = {"type": attention}
    spec = _identity_block({"branch": att, "skip": att}, preact=preact, kind=kind)
    model = build(spec).eval()
    x = torch.randn(2, 32, 6, 6)
    with torch.no_grad():
        y = model(x)
    expected = x if preact else torch.relu(x)  # pre-activation: no post-add activation
    assert torch.equal(y, expected)


@pytest.mark.parametrize(
    ("block", "in_channels"),
    [
        ({"type": "basic", "out_channels": 16, "stride": 2}, 16),
        ({"type": "basic", "out_channels": 32}, 16),
        ({"type": "bottleneck", "out_channels": 64, "stride": 2}, 64),
    ],
)
def test_identity_shortcut_where_shapes_differ_is_refused_before_any_tensor(block, in_channels):
    spec = parse_spec(block_spec(in_channels, block=block, shortcut="identity"))
    with pytest.raises(DesignError) as info:
        build(spec, device="meta")
    message = str(info.value)
    assert "shortcut" in message and "conv1x1" in message and "RA101, notes §12.2" in message


def test_projection_is_added_automatically_and_resnet_d_pools_first():
    base = block_spec(16, 32, block={"stride": 2})
    auto = build(parse_spec(base))
    assert [type(m).__name__ for m in auto.shortcut] == ["Conv2d", "BatchNorm2d"]
    assert auto.shortcut.conv.stride == (2, 2)
    resnet_d = build(parse_spec({**base, "shortcut": "avgpool_conv1x1"}))
    assert [type(m).__name__ for m in resnet_d.shortcut] == ["AvgPool2d", "Conv2d", "BatchNorm2d"]
    assert resnet_d.shortcut.conv.stride == (1, 1)
    same = build(parse_spec({**base, "block": {"type": "basic", "out_channels": 16}}))
    assert same.shortcut is None


@pytest.mark.parametrize(
    ("preact", "setting", "has_act"),
    [(False, None, True), (True, None, False), (True, "relu", True), (False, "none", False)],
)
def test_post_add_activation_follows_the_family(preact, setting, has_act):
    spec = parse_spec(
        block_spec(8, height=4, block={"preact": preact}, post_add_activation=setting)
    )
    assert (build(spec).act is not None) == has_act


def test_bottleneck_mid_width_follows_torchvision():
    spec = parse_spec(
        block_spec(256, height=4, block={"type": "bottleneck", "groups": 32, "base_width": 4})
    )
    model = build(spec, device="meta")
    assert model.branch.conv2.in_channels == 128 and model.branch.conv2.groups == 32


def test_dropout_sits_between_the_branch_convs():
    spec = parse_spec(block_spec(8, height=4, block={"dropout": 0.3}))
    names = [name for name, _ in build(spec).branch.named_children()]
    assert names.index("conv1") < names.index("drop") < names.index("conv2")
