"""`load_spec` from every kind of source, and its refusals."""

import json

import pytest

from resattn.loading import MAX_SPEC_BYTES, load_spec
from schemas import BlockSpec, SpecError, spec_to_dict
from tests.specs import block_spec

SPEC = block_spec(8, height=4)


def test_every_source_gives_the_same_spec(tmp_path):
    expected = load_spec(SPEC)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SPEC))
    sources = [SPEC, json.dumps(SPEC), json.dumps(SPEC).encode(), path, str(path), expected]
    for source in sources:
        assert load_spec(source) == expected
    assert isinstance(expected, BlockSpec)


def test_preset_source():
    spec = load_spec("preset:se_bottleneck")
    assert spec.slots.branch.type == "se" and spec_to_dict(spec)["schema_version"] == 1


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        (42, "cannot load a spec from int"),
        ("", "no spec given"),
        ("   ", "no spec given"),
        (None, "cannot load a spec from NoneType"),
        ("[" * 200_000 + "]" * 200_000, "capped"),
        ("[" * 5000 + "]" * 5000, "nested too deeply"),
        (b"{" + b" " * (MAX_SPEC_BYTES + 1) + b"}", "capped"),
        ('{"block": 1e999999}', "out of range"),
    ],
)
def test_refusals_name_the_problem(source, needle):
    with pytest.raises(SpecError, match=needle):
        load_spec(source)


def test_deeply_nested_json_is_refused_cleanly():
    with pytest.raises(SpecError):
        load_spec('{"a":' * 50_000 + "1" + "}" * 50_000)
