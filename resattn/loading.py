"""The one I/O module: `load_spec` reads a spec from any source (path, JSON text, dict, preset,
share token), and the strict JSON reader, the size caps and the share-token codec live here.

Reading is defensive: only regular files are opened (a FIFO or a device is refused without
blocking), size caps before parsing, no NaN/Infinity, no duplicate keys, no NUL in a file name,
clear messages naming what is wrong (`SpecError`).

A share token is ``ra1.`` + base64url(zlib(canonical JSON)), without padding: URL-safe as is
(``A-Z a-z 0-9 - _ .``) and recognised by its prefix before any file-name lookup (standard
base64 and a trailing ``/`` are read too), compact (~350 characters for a block, ~470 for
SE-ResNet-50) and versioned by its prefix. zlib carries an Adler-32 checksum, so a truncated or
tampered token fails to decode instead of giving a different design. The token length is capped
before decoding, the decompressed size is capped while decompressing (a "zip bomb" stops at the
cap), and the JSON goes through the same strict reader and schema as every other spec. Nothing is
evaluated or unpickled. `encode_token` is the writing half (`resattn.export.share.share_token`
gives it a spec's canonical JSON).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import stat
import zlib
from pathlib import Path
from typing import Any

from resattn.i18n import N_
from resattn.i18n.text import Text
from schemas import BlockSpec, NetworkSpec, Problem, Spec, SpecError, parse_spec

#: Largest spec file or JSON text accepted (a real spec is a few kB).
MAX_SPEC_BYTES = 256 * 1024

#: The version prefix of a share token.
TOKEN_PREFIX = "ra1."
#: Longest token accepted (a 16-stage network with four attention slots per stage is ~2 kB).
MAX_TOKEN_CHARS = 8192
#: Largest decompressed JSON accepted from a token (same cap as a spec file).
MAX_DECOMPRESSED_BYTES = MAX_SPEC_BYTES
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def load_spec(source: Any) -> Spec:
    """Load and validate a spec.

    `source` may be a spec object, a dict, JSON text, ``"preset:NAME"``, a share token, or a
    path (str or `Path`) to a JSON file. Raises `SpecError` naming the JSON path and the reason.
    """
    if isinstance(source, (BlockSpec, NetworkSpec)):
        return source
    if isinstance(source, dict):
        return parse_spec(source)
    if isinstance(source, bytes):
        return parse_spec(parse_json(source, N_("the upload")))
    if isinstance(source, Path):
        return parse_spec(parse_json(read_capped(source), str(source)))
    if not isinstance(source, str):
        raise SpecError(
            [
                Problem(
                    "",
                    Text(
                        N_(
                            "cannot load a spec from {type}; give a path, JSON text, a dict, "
                            "'preset:NAME' or a share token"
                        ),
                        type=type(source).__name__,
                    ),
                )
            ]
        )
    text = source.strip()
    if not text:
        raise SpecError([Problem("", Text(N_("no spec given (the text is empty)")))])
    if "\x00" in text:
        reason = Text(N_("the spec text or file name contains a NUL character"))
        raise SpecError([Problem("", reason)])
    if text.startswith(TOKEN_PREFIX):  # by its prefix, before any file-name lookup
        return load_token(text)
    if text.startswith("preset:"):
        from resattn.presets import load_preset

        return load_preset(text[len("preset:") :])
    if text.startswith("{") or text.startswith("["):
        return parse_spec(parse_json(text, N_("the JSON text")))
    if _looks_like_path(text):
        return parse_spec(parse_json(read_capped(Path(text)), text))
    return load_token(text)


def _looks_like_path(text: str) -> bool:
    if os.sep in text or text.endswith(".json"):
        return True
    try:
        return Path(text).exists()
    except OSError:  # e.g. a share token longer than a file name may be
        return False


def read_capped(path: Path, cap: int = MAX_SPEC_BYTES) -> bytes:
    """Read a spec file, refusing anything over `cap` bytes before reading it.

    Only a regular file is read: a FIFO, a device or a socket is refused at once (opened
    without blocking, then checked on the open descriptor, so nothing can be swapped in
    between), as is a directory.
    """
    if "\x00" in str(path):
        raise SpecError([Problem("", Text(N_("the file name contains a NUL character")))])
    directory = Text(N_("{path} is a directory, not a spec file"), path=str(path))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise SpecError([Problem("", Text(N_("no such file: {path}"), path=str(path)))]) from None
    except IsADirectoryError:
        raise SpecError([Problem("", directory)]) from None
    except OSError as exc:
        raise SpecError([Problem("", _cannot_read(path, exc))]) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SpecError([Problem("", directory)])
        reason = Text(
            N_("{path} is not a regular file ({kind})"),
            path=str(path),
            kind=Text.of(_file_kind(info.st_mode)),
        )
        raise SpecError([Problem("", reason)])
    if info.st_size > cap:
        os.close(fd)
        reason = Text(
            N_("{path} is {size} bytes; spec files are capped at {cap}"),
            path=str(path),
            size=f"{info.st_size:,}",
            cap=f"{cap:,}",
        )
        raise SpecError([Problem("", reason)])
    with os.fdopen(fd, "rb") as fh:
        try:
            return fh.read(cap + 1)
        except OSError as exc:
            raise SpecError([Problem("", _cannot_read(path, exc))]) from None


def _cannot_read(path: Path, exc: OSError) -> Text:
    return Text(N_("cannot read {path}: {reason}"), path=str(path), reason=exc.strerror or exc)


def _file_kind(mode: int) -> str:
    kinds = {
        stat.S_ISFIFO: N_("a FIFO"),
        stat.S_ISCHR: N_("a character device"),
        stat.S_ISBLK: N_("a block device"),
        stat.S_ISSOCK: N_("a socket"),
    }
    return next((name for test, name in kinds.items() if test(mode)), N_("not a file"))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def parse_json(data: str | bytes, what: str, cap: int = MAX_SPEC_BYTES) -> Any:
    """Decode JSON text strictly (size cap, UTF-8, no NaN, no duplicate keys). `what` names
    the input in a message (a path, or a marked phrase such as "the upload")."""
    what = Text.of(what)
    if len(data) > cap:
        reason = Text(
            N_("{what} is {size} bytes; specs are capped at {cap} bytes"),
            what=what,
            size=f"{len(data):,}",
            cap=f"{cap:,}",
        )
        raise SpecError([Problem("", reason)])
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            reason = Text(N_("{what} is not UTF-8 text ({reason})"), what=what, reason=exc.reason)
            raise SpecError([Problem("", reason)]) from None
    try:
        return json.loads(
            data,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as exc:
        reason = Text(
            N_("{what} is not valid JSON: {reason} at line {line} column {column}"),
            what=what,
            reason=exc.msg,
            line=exc.lineno,
            column=exc.colno,
        )
        raise SpecError([Problem("", reason)]) from None
    except ValueError as exc:
        reason = Text(N_("{what} is not valid JSON: {reason}"), what=what, reason=str(exc))
        raise SpecError([Problem("", reason)]) from None
    except RecursionError:
        raise SpecError([Problem("", Text(N_("{what} is nested too deeply"), what=what))]) from None


# --- the share-token codec -------------------------------------------------------------------


def encode_token(canonical: str) -> str:
    """The share token of a spec's canonical JSON text (``ra1.`` + base64url(zlib(text)))."""
    packed = base64.urlsafe_b64encode(zlib.compress(canonical.encode("utf-8"), 9)).rstrip(b"=")
    return TOKEN_PREFIX + packed.decode("ascii")


def load_token(text: str) -> Spec:
    """The spec inside a share token, or a `SpecError` saying what is wrong with the token."""
    text = text.strip()
    if len(text) > MAX_TOKEN_CHARS:
        raise _error(
            f"the share token is {len(text):,} characters; tokens are capped at {MAX_TOKEN_CHARS:,}"
        )
    if not text.startswith(TOKEN_PREFIX):
        raise _error(
            f"{text[:40]!r} is not a file, JSON text, 'preset:NAME' or a share token "
            f"(share tokens start with {TOKEN_PREFIX!r})"
        )
    body = text[len(TOKEN_PREFIX) :]
    # Standard base64 (``+`` ``/``, ``=`` padding) is read too, and a ``/`` a link may add at
    # the end is dropped when the token does not decode with it.
    candidates = [body, body.rstrip("/")] if body.endswith("/") else [body]
    first_error = None
    for candidate in candidates:
        try:
            return parse_spec(parse_json(_inflate(_unbase64(candidate)), N_("the share token")))
        except SpecError as exc:
            first_error = first_error or exc
    raise first_error


def _unbase64(body: str) -> bytes:
    """The bytes of a token body: base64url, or standard base64, padded or not."""
    body = body.rstrip("=").replace("+", "-").replace("/", "_")
    if not _BASE64URL.fullmatch(body):
        bad = next(c for c in body if not _BASE64URL.fullmatch(c))
        raise _error(f"the share token contains {bad!r}, which is not a base64url character")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise _error(
            "the share token is not valid base64url (was it cut short when copied?)"
        ) from None


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


def _error(reason: str) -> SpecError:
    return SpecError([Problem("", reason)])
