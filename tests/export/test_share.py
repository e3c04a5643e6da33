"""Spec files and share tokens: round trips, and clear errors for every kind of bad input."""

from __future__ import annotations

import base64
import json
import re
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resattn.export.share import (
    MAX_DECOMPRESSED_BYTES,
    MAX_TOKEN_CHARS,
    PREFIX,
    load_token,
    share_token,
    spec_json,
)
from resattn.loading import MAX_SPEC_BYTES, load_spec
from schemas import SpecError
from tests.specs import block_spec
from tests.strategies import block_specs, network_specs

URL_SAFE = re.compile(r"[A-Za-z0-9_.\-]+")
SPECS = st.one_of(block_specs(), network_specs())


def _pack(raw: bytes) -> str:
    return PREFIX + base64.urlsafe_b64encode(zlib.compress(raw)).rstrip(b"=").decode()


@given(SPECS)
def test_token_round_trip(spec):
    token = share_token(spec)
    assert URL_SAFE.fullmatch(token) and token.startswith(PREFIX)
    assert load_token(token) == spec
    assert share_token(load_token(token)) == token  # canonical: one token per design


def test_load_spec_accepts_a_share_token():
    token = share_token("preset:se_bottleneck")
    assert load_spec(token) == load_spec("preset:se_bottleneck")


def test_tokens_are_compact():
    assert len(share_token("preset:se_bottleneck")) < 400
    assert len(share_token("preset:se_resnet50")) < 1200


@given(SPECS, st.data())
def test_truncated_tokens_give_a_clear_error(spec, data):
    token = share_token(spec)
    cut = data.draw(st.integers(len(PREFIX), len(token) - 1))
    with pytest.raises(SpecError, match="share token"):
        load_token(token[:cut])


@given(SPECS, st.data())
def test_tampered_tokens_are_refused_or_harmless(spec, data):
    token = share_token(spec)
    i = data.draw(st.integers(len(PREFIX), len(token) - 1))
    new = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_019"))
    tampered = token[:i] + new + token[i + 1 :]
    try:
        result = load_token(tampered)
    except SpecError:
        return
    # Only a change in the last character's unused padding bits decodes to the same bytes.
    assert result == spec


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (PREFIX + "abc$def", "not a base64url character"),
        (PREFIX + "abc=", "damaged"),  # standard base64 padding is read; the data is not zlib
        (PREFIX + "ab=c", "not a base64url character"),  # padding only at the end
        (PREFIX + "é" * 10, "not a base64url character"),
        (PREFIX + "A", "not valid base64url"),
        (PREFIX + "AAAA", "damaged"),
        ("just some words", "share tokens start with"),
        (PREFIX + "A" * (MAX_TOKEN_CHARS + 1), "capped"),
    ],
)
def test_bad_tokens_give_a_clear_error(text, reason):
    with pytest.raises(SpecError, match=reason):
        load_token(text)


def test_zip_bomb_stops_at_the_cap():
    token = _pack(b"{" + b" " * (8 * MAX_DECOMPRESSED_BYTES) + b"}")
    assert len(token) < MAX_TOKEN_CHARS  # small token, huge payload
    with pytest.raises(SpecError, match="expands to more than"):
        load_token(token)


def test_trailing_data_is_refused():
    token = share_token("preset:p1_se")
    raw = base64.urlsafe_b64decode(token[len(PREFIX) :] + "==") + b"extra"
    with pytest.raises(SpecError, match="extra data"):
        load_token(PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("="))


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"[1, 2]", "JSON object"),
        (b'{"block": 1, "block": 2}', "duplicate key"),
        (b"\xff\xfe", "UTF-8"),
        (b'{"input": {"channels": NaN}}', "not valid JSON"),
    ],
)
def test_token_payload_goes_through_the_strict_reader(payload, reason):
    with pytest.raises(SpecError, match=reason):
        load_token(_pack(payload))


@given(st.text(max_size=200))
def test_any_text_gives_a_spec_or_a_spec_error(text):
    try:
        load_token(text)
    except SpecError:
        pass


@given(SPECS)
def test_spec_json_round_trip_always_writes_the_version(spec):
    text = spec_json(spec)
    assert json.loads(text)["schema_version"] == 1
    assert load_spec(text) == spec
    assert load_spec(text.encode("utf-8")) == spec  # the upload path


@given(SPECS, st.data())
def test_truncated_uploads_give_a_clear_error(spec, data):
    upload = spec_json(spec).encode("utf-8")
    cut = data.draw(st.integers(0, len(upload) - 3))  # the text ends with "}\n"
    with pytest.raises(SpecError, match="the upload"):
        load_spec(upload[:cut])


def test_spec_json_writes_the_version_even_when_the_input_omitted_it():
    data = block_spec(4, height=4)
    assert json.loads(spec_json(data))["schema_version"] == 1


def test_oversized_upload_gives_a_clear_error():
    upload = b'{"pad": "' + b"x" * MAX_SPEC_BYTES + b'"}'
    with pytest.raises(SpecError, match="capped"):
        load_spec(upload)
