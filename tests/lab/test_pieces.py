"""The ablation's pieces as JSON (`resattn.lab.pieces`): every piece `ablate` stores is reported
as plain JSON, comes back equal, and pieces already known are not redone."""

from __future__ import annotations

import json

import pytest

from resattn.lab import pieces
from resattn.lab.ablate import ablate, static_key
from resattn.lab.probe import ProbeConfig
from resattn.lab.variants import make_variants
from resattn.loading import load_spec

SPEC = {
    "name": "tiny",
    "input": {"channels": 8, "height": 8, "width": 8},
    "block": {"type": "basic", "out_channels": 8},
    "slots": {"branch": {"type": "se", "reduction": 4}},
}
CHOICES = ["baseline", "P1", "cbam:P4"]
CONFIG = ProbeConfig(epochs=1, width=4, max_steps=3)


def _ablate(cache, **options):
    return ablate(SPEC, CHOICES, config=CONFIG, seeds=2, cache=cache, **options)


@pytest.fixture(scope="module")
def reported():
    variants = make_variants(load_spec(SPEC), CHOICES)
    sent: dict = {}
    cache = pieces.ReportingCache(variants, on_new=lambda k, data: sent.setdefault(k, data))
    result = _ablate(cache, latency=True)
    return variants, sent, cache, result


def test_every_stored_piece_is_reported_as_json_and_comes_back_equal(reported):
    variants, sent, cache, result = reported
    assert set(sent) == set(cache)
    kinds = sorted(pieces.kind_of(k) for k in sent)
    assert kinds == ["static"] + ["train"] * (len(result.results) * 2)  # variants × 2 seeds
    text = json.dumps(sent)  # plain JSON: nothing else crosses the process boundary
    for key, data in json.loads(text).items():
        back = pieces.from_json(key, data, variants)
        assert pieces.to_json(key, back) == data
        if pieces.kind_of(key) == pieces.STATIC:
            assert back == cache[key]  # the figures, the overheads, the latency rounds
        else:
            assert back.loss == cache[key].loss and back.val_accuracy == cache[key].val_accuracy
    static = cache[static_key(variants, True)]
    assert all(r.static.latency_samples for r in static)


def test_known_pieces_are_not_redone_and_give_the_same_result(reported):
    variants, sent, _cache, result = reported
    again: dict = {}
    cache = pieces.ReportingCache(variants, known=sent, on_new=lambda k, d: again.update({k: d}))
    second = _ablate(cache, latency=True)
    assert again == {}  # everything came from the known pieces
    first = [(r.variant.name, [rec.val_accuracy for _s, rec in r.runs]) for r in result.results]
    assert [(r.variant.name, [rec.val_accuracy for _s, rec in r.runs]) for r in second.results] == (
        first
    )


def test_a_key_that_is_not_the_ablation_s_is_refused():
    with pytest.raises(ValueError, match="not an ablation cache key"):
        pieces.kind_of(json.dumps(["other", 1]))
