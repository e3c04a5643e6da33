"""`diff(a, b)` on hand-made pairs, with the deltas worked out by hand."""

from __future__ import annotations

import pytest

from resattn import diff, load_spec


def _variant(name: str, edit):
    data = load_spec(f"preset:{name}").model_dump(mode="json")
    edit(data)
    return load_spec(data)


def _deltas(result) -> dict:
    return {d.metric: d.delta for d in result.deltas}


def test_a_moved_slot_is_one_move_and_costs_nothing():
    a = load_spec("preset:se_bottleneck")

    def move(d):
        d["slots"]["post_add"], d["slots"]["branch"] = d["slots"]["branch"], None

    result = diff(a, _variant("se_bottleneck", move))
    assert [c.to_dict() for c in result.changes] == [
        {
            "path": "slots.post_add",
            "kind": "moved",
            "before": "slots.branch",
            "after": {"type": "se", "reduction": 16, "divisor": 8, "gate": "sigmoid"},
        }
    ]
    # same module on the same 256 × 56 × 56 feature: every count is unchanged
    assert _deltas(result) == dict.fromkeys(_deltas(result), 0)
    assert result.changed_slots("a") == {"slots.branch"}
    assert result.changed_slots("b") == {"slots.post_add"}


def test_a_changed_reduction():
    def reduce(d):
        d["slots"]["branch"]["reduction"] = 4

    result = diff("preset:se_bottleneck", _variant("se_bottleneck", reduce))
    assert [str(c) for c in result.changes] == ["slots.branch.reduction: 16 → 4"]
    # C = 256: hidden 16 → 64 (48 more): fc1 + fc2 weights 2·256·48, fc1 bias 48;
    # MACs of the two 1×1 convs on the pooled 1×1 map: 2·256·48; the hidden ReLU: 48 ops;
    # the activation estimate counts the block's feature maps, which are unchanged
    assert _deltas(result) == {
        "params": 2 * 256 * 48 + 48,
        "macs": 2 * 256 * 48,
        "elementwise_ops": 48,
        "activation_bytes": 0,
    }


def test_an_added_stage():
    def add_stage(d):
        d["stages"].append(
            {
                "depth": 1,
                "out_channels": 512,
                "stride": 1,
                "block": {"type": "basic"},
            }
        )

    a = load_spec("preset:resnet18")
    result = diff(a, _variant("resnet18", add_stage))
    assert [(c.path, c.kind) for c in result.changes] == [("stages[4]", "added")]
    assert str(result.changes[0]) == "stages[4]: added (1 × basic → 512 ch)"
    deltas = _deltas(result)
    # one basic block 512 → 512 at 7 × 7: two 3×3 convs and two BNs
    assert deltas["params"] == 2 * 9 * 512 * 512 + 2 * 2 * 512
    assert deltas["macs"] == 2 * 9 * 512 * 512 * 7 * 7


def test_identical_designs_and_kinds():
    same = diff("preset:resnet18", "preset:resnet18", metrics=False)
    assert same.same and same.text().startswith("no changes")
    other = diff("preset:resnet18", "preset:se_bottleneck", metrics=False)
    assert [c.to_dict() for c in other.changes] == [
        {"path": "", "kind": "changed", "before": "network", "after": "block"}
    ]


def test_side_must_be_a_or_b():
    with pytest.raises(ValueError):
        diff("preset:resnet18", "preset:resnet18", metrics=False).changed_slots("c")
