"""Spec v1 is a public contract: the files written against it keep loading, unchanged."""

import json
import pathlib

import pytest

from resattn.loading import load_spec
from schemas import canonical_json, spec_to_dict

FIXTURES = sorted((pathlib.Path(__file__).parents[1] / "fixtures" / "specs" / "v1").glob("*.json"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_v1_fixture_loads_and_keeps_its_values(path):
    data = json.loads(path.read_text())
    spec = load_spec(path)
    dumped = spec_to_dict(spec)
    assert dumped["schema_version"] == 1

    def subset(given, full):
        if isinstance(given, dict):
            return all(k in full and subset(v, full[k]) for k, v in given.items())
        if isinstance(given, list):
            return len(given) == len(full) and all(map(subset, given, full))
        return given == full

    assert subset(data, dumped)
    assert load_spec(canonical_json(spec)) == spec


def test_fixtures_exist():
    assert len(FIXTURES) >= 3
