"""`load_spec`: the one entry point from any source (path, JSON text, dict, preset, share token).

Reading is defensive: size caps before parsing, no NaN/Infinity, no duplicate keys, clear
messages naming what is wrong (`SpecError`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from schemas import BlockSpec, NetworkSpec, Problem, Spec, SpecError, parse_spec

#: Largest spec file or JSON text accepted (a real spec is a few kB).
MAX_SPEC_BYTES = 256 * 1024


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
        return parse_spec(parse_json(source, "the upload"))
    if isinstance(source, Path):
        return parse_spec(parse_json(read_capped(source), str(source)))
    if not isinstance(source, str):
        raise SpecError(
            [
                Problem(
                    "",
                    f"cannot load a spec from {type(source).__name__}; give a path, "
                    "JSON text, a dict, 'preset:NAME' or a share token",
                )
            ]
        )
    text = source.strip()
    if not text:
        raise SpecError([Problem("", "no spec given (the text is empty)")])
    if text.startswith("preset:"):
        from resattn.presets import load_preset

        return load_preset(text[len("preset:") :])
    if text.startswith("{") or text.startswith("["):
        return parse_spec(parse_json(text, "the JSON text"))
    if _looks_like_path(text):
        return parse_spec(parse_json(read_capped(Path(text)), text))
    try:
        from resattn.export.share import load_token
    except ImportError:  # share tokens come with the export package
        load_token = None
    if load_token is not None:
        return load_token(text)
    raise SpecError(
        [Problem("", f"{text[:60]!r} is not a file, JSON text, 'preset:NAME' or a share token")]
    )


def _looks_like_path(text: str) -> bool:
    if os.sep in text or text.endswith(".json"):
        return True
    try:
        return Path(text).exists()
    except OSError:  # e.g. a share token longer than a file name may be
        return False


def read_capped(path: Path, cap: int = MAX_SPEC_BYTES) -> bytes:
    """Read a spec file, refusing anything over `cap` bytes before reading it."""
    try:
        size = path.stat().st_size
        if size > cap:
            raise SpecError(
                [Problem("", f"{path} is {size:,} bytes; spec files are capped at {cap:,} bytes")]
            )
        with path.open("rb") as fh:
            return fh.read(cap + 1)
    except FileNotFoundError:
        raise SpecError([Problem("", f"no such file: {path}")]) from None
    except IsADirectoryError:
        raise SpecError([Problem("", f"{path} is a directory, not a spec file")]) from None
    except OSError as exc:
        raise SpecError([Problem("", f"cannot read {path}: {exc.strerror or exc}")]) from None


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
    """Decode JSON text strictly (size cap, UTF-8, no NaN, no duplicate keys)."""
    if len(data) > cap:
        raise SpecError(
            [Problem("", f"{what} is {len(data):,} bytes; specs are capped at {cap:,} bytes")]
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SpecError([Problem("", f"{what} is not UTF-8 text ({exc.reason})")]) from None
    try:
        return json.loads(
            data,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as exc:
        raise SpecError(
            [
                Problem(
                    "",
                    f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                )
            ]
        ) from None
    except ValueError as exc:
        raise SpecError([Problem("", f"{what} is not valid JSON: {exc}")]) from None
    except RecursionError:
        raise SpecError([Problem("", f"{what} is nested too deeply")]) from None
