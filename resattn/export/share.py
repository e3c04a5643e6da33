"""Spec files and share tokens: how a design travels (a download, a link, a query parameter).

Reading either is reading a spec, so the strict reader, the caps and the token codec live in
the one I/O module, `resattn.loading` (its docstring describes the token format); this module
writes: `share_token` encodes a spec's canonical JSON, `spec_json` gives a spec file's text.
"""

from __future__ import annotations

import json

from resattn.loading import (  # noqa: F401  (re-exported: where tokens used to be read)
    MAX_DECOMPRESSED_BYTES,
    MAX_TOKEN_CHARS,
    encode_token,
    load_spec,
    load_token,
)
from resattn.loading import TOKEN_PREFIX as PREFIX  # noqa: F401
from schemas import canonical_json, spec_to_dict


def share_token(spec) -> str:
    """A compact URL-safe token for the design; `load_spec(token)` gives the spec back.

    `spec` is a spec object (anything `load_spec` accepts is read first)."""
    return encode_token(canonical_json(load_spec(spec)))


def spec_json(spec) -> str:
    """The spec as a JSON file's text: every field written, `schema_version` included."""
    return json.dumps(spec_to_dict(load_spec(spec)), indent=2, ensure_ascii=False) + "\n"
