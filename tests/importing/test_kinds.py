"""Recognition is registry-driven: every registered attention kind has a recogniser, and each
recogniser's option choice gives back the sizes it was measured from."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from resattn.attention import ATTENTION
from resattn.importing import RECOGNISERS
from schemas import ATTENTION_MODELS
from tests.strategies import attention_dicts


def test_every_registered_kind_has_a_recogniser():
    assert set(ATTENTION.names()) == set(RECOGNISERS)


@given(attention_dicts(), st.sampled_from([1, 3, 8, 16, 64, 256, 2048]))
def test_chosen_options_give_the_measured_sizes(data, channels):
    rec = RECOGNISERS[data["type"]]
    spec = ATTENTION_MODELS[data["type"]].model_validate(data)
    measured = rec.measure(channels, spec)
    options = rec.options(channels, measured)
    assert options is not None
    again = ATTENTION_MODELS[data["type"]].model_validate({**data, **options})
    assert rec.measure(channels, again) == measured
    assert rec.options(channels, measured) == options  # a function of the sizes


def test_defaults_come_back_when_they_fit():
    for kind, rec in RECOGNISERS.items():
        spec = ATTENTION_MODELS[kind].model_validate({"type": kind})
        options = rec.options(256, rec.measure(256, spec))
        assert ATTENTION_MODELS[kind].model_validate({"type": kind, **options}) == spec
