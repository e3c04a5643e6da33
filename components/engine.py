"""Cached access to the engine, keyed by the spec's canonical JSON.

Parts of the engine that have not landed yet are reported as missing (`has`) instead of crashing
the page. Every cached function takes the canonical JSON text, so equal designs share results.
"""

from __future__ import annotations

import base64
import importlib
import json
import threading
import zlib
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Optional

import streamlit as st

from schemas import Problem, SpecError, parse_spec

#: feature → (module, attribute) of the engine part it needs
PARTS = {
    "check": ("resattn.check", "check"),
    "profile": ("resattn.profile", "profile"),
    "ascii": ("resattn.diagrams.ascii", "render_ascii"),
    "dot": ("resattn.diagrams.dot", "render_dot"),
    "svg": ("resattn.diagrams.dot", "render_svg"),
    "agraph": ("resattn.diagrams.agraph", "graph_data"),
    "python": ("resattn.export.python_code", "export_python"),
    "onnx": ("resattn.export.onnx", "export_onnx"),
    "share": ("resattn.export.share", "share_token"),
    "load_token": ("resattn.export.share", "load_token"),
    "compare": ("components.compare", "render_compare"),
}


def part(name: str) -> Optional[Any]:
    """The engine function behind `name`, or None while that part is not available."""
    module, attr = PARTS[name]
    try:
        return getattr(importlib.import_module(module), attr)
    except Exception:  # noqa: BLE001 - a part still being written must not take the page down
        return None


def has(name: str) -> bool:
    return part(name) is not None


def missing(what: str) -> None:
    """The panel's placeholder while its engine part is not there yet."""
    st.info(
        f"{what} is not available yet in this build of the studio.",
        icon=":material/hourglass_empty:",
    )


@contextmanager
def guarded(what: str):
    """Show a panel's unexpected failure in the panel instead of failing the page."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001
        st.error(f"{what} failed: {type(exc).__name__}: {exc}")


def spec_of(cj: str):
    return parse_spec(json.loads(cj))


# --- share tokens ---------------------------------------------------------------------------

_FALLBACK_PREFIX = "j1."


def token(cj: str) -> str:
    """The design's share token (the URL's `spec` parameter)."""
    return _token(cj)


@st.cache_data(max_entries=512, show_spinner=False)
def _token(cj: str) -> str:
    share = part("share")
    if share is not None:
        return share(spec_of(cj))
    packed = zlib.compress(cj.encode("utf-8"), 9)
    return _FALLBACK_PREFIX + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def spec_from_token(text: str):
    """Read a share token (raises `SpecError` with a plain reason)."""
    text = (text or "").strip()
    if len(text) > 16_384:
        raise SpecError([Problem("", "the link's design is too long to be a share token")])
    if text.startswith(_FALLBACK_PREFIX):
        try:
            raw = text[len(_FALLBACK_PREFIX) :]
            packed = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
            data = zlib.decompressobj().decompress(packed, 262_144)
            return parse_spec(json.loads(data))
        except SpecError:
            raise
        except (ValueError, zlib.error) as exc:
            raise SpecError([Problem("", f"the share token is damaged ({exc})")]) from None
    load = part("load_token")
    if load is None:
        raise SpecError([Problem("", "this build cannot read share tokens yet")])
    return load(text)


# --- linter, checks, diagrams, export -------------------------------------------------------


@st.cache_data(max_entries=512, show_spinner=False)
def lint(cj: str) -> list[dict]:
    from resattn.lint import lint as run_lint

    return [d.model_dump() for d in run_lint(spec_of(cj))]


@st.cache_resource(max_entries=128, show_spinner=False)
def check(cj: str):
    return part("check")(spec_of(cj))


@st.cache_data(max_entries=256, show_spinner=False)
def ascii_diagram(cj: str, shapes: bool = False) -> str:
    return part("ascii")(spec_of(cj), shapes=shapes)


@st.cache_data(max_entries=128, show_spinner=False)
def dot(cj: str) -> str:
    return part("dot")(spec_of(cj), shapes=True)


@st.cache_data(max_entries=64, show_spinner="Rendering SVG…")
def svg(cj: str) -> str:
    return part("svg")(spec_of(cj))


@st.cache_data(max_entries=128, show_spinner=False)
def graph(cj: str) -> dict:
    return part("agraph")(spec_of(cj))


@st.cache_data(max_entries=128, show_spinner="Generating the PyTorch code…")
def python_code(cj: str, fold_bn: bool = False) -> str:
    return part("python")(spec_of(cj), fold_bn=fold_bn)


@st.cache_data(max_entries=32, show_spinner="Exporting ONNX…")
def onnx(cj: str, fold_bn: bool = False) -> bytes:
    return part("onnx")(spec_of(cj), fold_bn=fold_bn)


@st.cache_data(max_entries=256, show_spinner=False)
def params(cj: str) -> Optional[int]:
    """Parameter count from a meta-device build (no memory allocated); None if not buildable."""
    from resattn.build import build, count_params
    from schemas import DesignError

    try:
        return count_params(build(spec_of(cj), device="meta"))
    except DesignError:
        return None


# --- profiles: computed on demand (with progress), then kept per design ---------------------

_PROFILE_LOCK = threading.Lock()


@st.cache_resource(show_spinner=False)
def _profile_store() -> OrderedDict:
    return OrderedDict()


def cached_profile(cj: str, latency: bool) -> Optional[Any]:
    with _PROFILE_LOCK:
        return _profile_store().get((cj, latency))


def run_profile(cj: str, latency: bool, progress) -> Any:
    result = part("profile")(spec_of(cj), latency=latency, progress=progress)
    with _PROFILE_LOCK:
        store = _profile_store()
        store[(cj, latency)] = result
        while len(store) > 64:
            store.popitem(last=False)
    return result
