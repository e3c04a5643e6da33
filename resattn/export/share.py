"""Spec files and share tokens: how a design travels (a download, a link, a query parameter).

A share token is ``ra1.`` + base64url(zlib(canonical JSON)), without padding: URL-safe as is
(``A-Z a-z 0-9 - _ .``), compact (~350 characters for a block, ~470 for SE-ResNet-50) and
versioned by its prefix. zlib carries an Adler-32 checksum, so a truncated or tampered token
fails to decode instead of giving a different design. Reading is defensive: the token length is
capped before decoding, the decompressed size is capped while decompressing (a "zip bomb" stops
at the cap), and the JSON goes through the same strict reader and schema as every other spec
(`resattn.loading`). Nothing is evaluated or unpickled.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib

from resattn.loading import MAX_SPEC_BYTES, load_spec, parse_json
from schemas import Problem, Spec, SpecError, canonical_json, parse_spec, spec_to_dict

PREFIX = "ra1."
#: Longest token accepted (a 16-stage network with four attention slots per stage is ~2 kB).
MAX_TOKEN_CHARS = 8192
#: Largest decompressed JSON accepted from a token (same cap as a spec file).
MAX_DECOMPRESSED_BYTES = MAX_SPEC_BYTES
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def share_token(spec) -> str:
    """A compact URL-safe token for the design; `load_spec(token)` gives the spec back."""
    data = canonical_json(load_spec(spec)).encode("utf-8")
    packed = base64.urlsafe_b64encode(zlib.compress(data, 9)).rstrip(b"=")
    return PREFIX + packed.decode("ascii")


def load_token(text: str) -> Spec:
    """The spec inside a share token, or a `SpecError` saying what is wrong with the token."""
    text = text.strip()
    if len(text) > MAX_TOKEN_CHARS:
        raise _error(
            f"the share token is {len(text):,} characters; tokens are capped at {MAX_TOKEN_CHARS:,}"
        )
    if not text.startswith(PREFIX):
        raise _error(
            f"{text[:40]!r} is not a file, JSON text, 'preset:NAME' or a share token "
            f"(share tokens start with {PREFIX!r})"
        )
    body = text[len(PREFIX) :]
    if not _BASE64URL.fullmatch(body):
        bad = next(c for c in body if not _BASE64URL.fullmatch(c))
        raise _error(f"the share token contains {bad!r}, which is not a base64url character")
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise _error(
            "the share token is not valid base64url (was it cut short when copied?)"
        ) from None
    return parse_spec(parse_json(_inflate(packed), "the share token"))


def _inflate(packed: bytes) -> bytes:
    """Decompress with a cap on the output size; clear errors for damaged data."""
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(packed, MAX_DECOMPRESSED_BYTES + 1)
    except zlib.error:
        raise _error(
            "the share token is damaged (truncated or altered): it does not decompress"
        ) from None
    if len(data) > MAX_DECOMPRESSED_BYTES or inflater.unconsumed_tail:
        raise _error(
            f"the share token expands to more than {MAX_DECOMPRESSED_BYTES:,} bytes; "
            "specs are capped at that size"
        )
    if not inflater.eof:
        raise _error("the share token is incomplete (was it cut short when copied?)")
    if inflater.unused_data:
        raise _error("the share token has extra data after its end (was it altered?)")
    return data


def spec_json(spec) -> str:
    """The spec as a JSON file's text: every field written, `schema_version` included."""
    return json.dumps(spec_to_dict(load_spec(spec)), indent=2, ensure_ascii=False) + "\n"


def _error(reason: str) -> SpecError:
    return SpecError([Problem("", reason)])
