"""Cached access to the engine, keyed by the spec's canonical JSON.

Every engine part is imported directly: if one is broken the page fails loudly instead of
quietly falling back. Every cached function takes the canonical JSON text, so equal designs
(in any session) share results. The share token is the engine's own (`resattn.export.share`,
``ra1.`` prefix): the studio has no token format of its own.

Nothing cached here freezes a language: the linter's findings render their words when they are
read (in the page's language), and a diagram — whose words are drawn into it — is cached per
language (`lang`, the current language, is part of its key).
"""

from __future__ import annotations

import gc
import importlib
import json
import logging
import threading
from contextlib import contextmanager
from typing import Optional

import streamlit as st

from resattn.check import check as run_check
from resattn.counting import analytic_params
from resattn.diagrams.agraph import graph_data
from resattn.diagrams.ascii import render_ascii
from resattn.diagrams.dot import render_dot, render_svg
from resattn.estimates import compute_work
from resattn.export.python_code import export_python
from resattn.export.share import share_token
from resattn.i18n import _, current_language, use_language
from resattn.lint import ensure_within_budget
from resattn.lint import lint as run_lint
from schemas import Diagnostic, parse_spec
from schemas.errors import DesignError, finding_text

#: what a panel imports on its script thread only later and which takes long to import: SciPy's
#: statistics, for an ablation's results (about 1 CPU-s, all of it holding the GIL)
LATE_IMPORTS = ("scipy.stats",)


@st.cache_resource(show_spinner=False)
def warm_imports() -> threading.Thread:
    """Import `LATE_IMPORTS` once per server process, in a background thread started by the
    first page run: an import holds the interpreter's lock for as long as it runs, and done on a
    script thread at an ablation's first results it stalled every session's edits. Then
    `settle_heap`."""
    thread = threading.Thread(target=_import_late, name="resattn-warm-imports", daemon=True)
    thread.start()
    return thread


def _import_late() -> None:
    for name in LATE_IMPORTS:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a panel that needs it reports the failure itself
            logging.getLogger(__name__).warning("could not import %s ahead of time", name)
    settle_heap()


def settle_heap() -> None:
    """Move every object alive now — the imported libraries: torch, pandas, Arrow, SciPy,
    Streamlit; about 300,000 objects — out of the garbage collector's reach (`gc.freeze`).

    A full collection stops every thread for as long as it walks the heap: with them, 30
    editing sessions saw one every 10-15 s, each of 170-440 ms, during which every session's
    edits waited; without them, 25-130 ms. Objects frozen are still freed when nothing refers
    to them; only a reference cycle among them would stay (once, for the first session's)."""
    gc.collect()
    gc.freeze()


@contextmanager
def guarded(what: str):
    """Show a panel's unexpected failure, with its real error, in the panel instead of failing
    the whole page (the other panels and the canvas stay usable)."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - shown on the page, never hidden
        logging.getLogger(__name__).exception("%s failed", what)  # the details: server log
        st.error(
            _("{what} failed: {error}").format(what=what, error=f"{type(exc).__name__}: {exc}"),
            icon=":material/bug_report:",
        )


def spec_of(cj: str):
    return parse_spec(json.loads(cj))


@st.cache_data(max_entries=512, show_spinner=False)
def token(cj: str) -> str:
    """The design's share token (the URL's `spec` parameter); `load_spec(token)` reads it."""
    return share_token(spec_of(cj))


# --- linter, checks, diagrams, export -------------------------------------------------------


def work_json(cj: str) -> str:
    """The canonical JSON without the design's name: the key of every result the name does
    not change (findings, counts, checks, profiles, ONNX), so renaming redoes no work."""
    data = json.loads(cj)
    data.pop("name", None)
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def lint(cj: str) -> list[Diagnostic]:
    return _lint(work_json(cj))


@st.cache_data(max_entries=512, show_spinner=False)
def _lint(work: str) -> list[Diagnostic]:
    return list(run_lint(spec_of(work)))


def check(cj: str):
    return _check(work_json(cj))


@st.cache_resource(max_entries=128, show_spinner=False)
def _check(work: str):
    return run_check(spec_of(work))


def ascii_diagram(cj: str, shapes: bool = False) -> str:
    return _ascii(cj, shapes, current_language())


@st.cache_data(max_entries=256, show_spinner=False)
def _ascii(cj: str, shapes: bool, lang: str) -> str:
    with use_language(lang):
        return render_ascii(spec_of(cj), shapes=shapes)


def dot(cj: str) -> str:
    return _dot(cj, current_language())


@st.cache_data(max_entries=128, show_spinner=False)
def _dot(cj: str, lang: str) -> str:
    with use_language(lang):
        return render_dot(spec_of(cj), shapes=True)


def svg(cj: str, theme: str = "light", expand: tuple[int, ...] = ()) -> str:
    return _svg(cj, theme, tuple(expand), current_language())


@st.cache_data(max_entries=64, show_spinner=False)
def _svg(cj: str, theme: str, expand: tuple[int, ...], lang: str) -> str:
    with use_language(lang):
        return render_svg(spec_of(cj), theme=theme, expand=expand)


def graph(cj: str, expand: tuple[int, ...] = ()) -> dict:
    return _graph(cj, tuple(expand), current_language())


@st.cache_data(max_entries=128, show_spinner=False)
def _graph(cj: str, expand: tuple[int, ...], lang: str) -> dict:
    with use_language(lang):
        return graph_data(spec_of(cj), expand=expand)


def python_code(cj: str, fold_bn: bool = False) -> str:
    with st.spinner(_("Generating the PyTorch code…")):
        return _python_code(cj, fold_bn)


@st.cache_data(max_entries=128, show_spinner=False)
def _python_code(cj: str, fold_bn: bool) -> str:
    return export_python(spec_of(cj), fold_bn=fold_bn)


def refused_up_front(cj: str, *, onnx: bool = False) -> Optional[str]:
    """Why profiling (with `onnx`, the ONNX export) refuses this design before any work — over
    the compute budget (or the ONNX size): RA209's finding, in the page's language — or None. A
    design with errors is not asked (its errors say why first). Answered from the spec's
    analytic estimates, so the page disables the button instead of queueing a job that would
    only be refused in a worker."""
    return _refused(work_json(cj), onnx, current_language())


@st.cache_data(max_entries=256, show_spinner=False)
def _refused(work: str, onnx: bool, lang: str) -> Optional[str]:
    """`refused_up_front`'s reason, worded in `lang` (part of the key: a cached reason keeps
    its words)."""
    if any(d.severity == "error" for d in _lint(work)):
        return None
    try:
        ensure_within_budget(spec_of(work), onnx=onnx)
    except DesignError as exc:
        return "; ".join(f"{d.path}: {finding_text(d)}" for d in exc.diagnostics)
    return None


def params(cj: str) -> Optional[int]:
    """Parameter count from the spec alone (nothing built); None if the design has errors."""
    return _params(work_json(cj))


@st.cache_data(max_entries=256, show_spinner=False)
def _params(work: str) -> Optional[int]:
    if any(d.severity == "error" for d in _lint(work)):
        return None
    return analytic_params(spec_of(work))


def macs(cj: str) -> Optional[int]:
    """Conv / linear / matmul MACs of one forward, counted from the spec alone (nothing is
    built); None if the design has errors."""
    return _macs(work_json(cj))


@st.cache_data(max_entries=256, show_spinner=False)
def _macs(work: str) -> Optional[int]:
    if any(d.severity == "error" for d in _lint(work)):
        return None
    return compute_work(spec_of(work)).macs
