"""The first paint of a share link does spec-level work only (docs/studio.md, Speed): the page runs
once, the 1,024-block network's link is linted once, never once per possible drop, its blocks are
worked per distinct block, not per block, and a renamed link redoes none of that work."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState

from components import canvas, engine, sidebar
from components import network as network_panel
from components.board import send
from resattn.export.share import share_token
from schemas import ATTENTION_MODELS, SLOT_NAMES, BlockSpec, canonical_json, parse_spec
from tests.ui.conftest import failures, new_app, pictures


def network(depth: int, stages: int) -> dict:
    slots = {
        "pre_residual": {"type": "cbam"},
        "branch": {"type": "coord"},
        "post_add": {"type": "se"},
        "skip": {"type": "eca"},
    }
    stage = {"depth": depth, "out_channels": 64, "block": {"type": "basic"}, "slots": slots}
    return {
        "name": "deep_net",
        "input": {"channels": 3, "height": 16, "width": 16},
        "stem": {"type": "cifar", "out_channels": 64},
        "stages": [stage] * stages,
        "num_classes": 10,
    }


def test_the_first_run_of_a_1024_block_link_lints_the_design_once(monkeypatch):
    linted, reports = [], []
    run_lint, zone_report = engine.run_lint, canvas.zone_report
    monkeypatch.setattr(engine, "run_lint", lambda spec: linted.append(spec) or run_lint(spec))
    monkeypatch.setattr(
        canvas, "zone_report", lambda *a: reports.append(a) or zone_report(*a), raising=True
    )
    st.cache_data.clear()
    st.cache_resource.clear()
    spec = network(64, 16)
    at = new_app({"spec": share_token(spec)})
    at.run()
    assert not failures(at), failures(at)
    assert canvas.block_count(parse_spec(spec)) == 1024
    # one lint of the design itself, shared by the header, the checks and the canvas; no lint
    # of the slot × kind drop variants, and no zone report
    assert len(linted) == 1, len(linted)
    assert reports == []


def _first_run_block_work(monkeypatch, spec: dict) -> tuple[int, int]:
    """(block specs validated, block specs serialised) by the first run of `spec`'s link."""
    validated, serialised = [], []
    init, dump = BlockSpec.__init__, BlockSpec.model_dump_json
    monkeypatch.setattr(
        BlockSpec, "__init__", lambda self, **k: validated.append(1) or init(self, **k)
    )
    monkeypatch.setattr(
        BlockSpec,
        "model_dump_json",
        lambda self, **k: serialised.append(1) or dump(self, **k),
    )
    at = new_app({"spec": share_token(spec)})
    at.run()
    monkeypatch.undo()
    assert not failures(at), failures(at)
    return len(validated), len(serialised)


def test_a_links_first_run_works_per_distinct_block_not_per_block(monkeypatch):
    """Everything the first run draws before the tabs (header figures, the linter, the network
    overview, the canvas) and the open tab walk a network's blocks by the keys its expansion
    works out once per distinct block (`resattn.networks.expand_blocks`): doubling every
    stage's depth validates and serialises not one block spec more. (Before, the first run of
    the 1,024-block link serialised block specs 14,359 times and validated 2,048.)"""
    st.cache_data.clear()
    st.cache_resource.clear()
    shallow, deep = network(32, 16), network(64, 16)
    shallow["input"]["height"], deep["input"]["height"] = 20, 22  # designs no test drew before
    work = _first_run_block_work(monkeypatch, shallow)
    assert _first_run_block_work(monkeypatch, deep) == work
    assert max(work) <= 8 * len(deep["stages"]), work


def _small_block() -> dict:
    return {
        "name": "small_block",
        "input": {"channels": 24, "height": 14, "width": 14},
        "block": {"type": "basic", "out_channels": 24},
        "slots": {"branch": {"type": "se"}},
    }


def _deep_network() -> dict:
    deep = network(64, 16)
    deep["input"]["height"] = 26  # a design no test drew before
    return deep


@pytest.mark.parametrize("design", [_small_block, _deep_network], ids=["block", "1024 blocks"])
def test_a_renamed_links_first_run_redoes_no_work_the_name_does_not_change(monkeypatch, design):
    """A link to a design seen before under another name (the cheapest variation of a hostile
    link) finds every result the name does not change cached: the linter's findings, the
    header's figures, the stage overheads, the canvas's drop verdicts, the blocks' expansion."""
    st.cache_data.clear()
    st.cache_resource.clear()
    spec = design()
    at = new_app({"spec": share_token(spec)})
    at.run()
    assert not failures(at), failures(at)
    calls = []
    for module, name in (
        (engine, "run_lint"),
        (engine, "analytic_params"),
        (engine, "compute_work"),
        (network_panel, "stage_overheads"),
        (canvas, "_verdict"),
    ):
        real = getattr(module, name)
        monkeypatch.setattr(
            module, name, lambda *a, real=real, name=name: calls.append(name) or real(*a)
        )
    validated, _serialised = _first_run_block_work(monkeypatch, {**spec, "name": "renamed"})
    assert calls == []
    assert validated == 0


@pytest.mark.parametrize("link", ["default", "network"])
def test_a_first_paint_draws_its_ascii_picture_as_html_not_as_code(link):
    """``st.code`` would make every page load fetch and run Streamlit's syntax highlighter
    (components/diagram.py): the first paint's Diagram tab shows its picture without it."""
    at = new_app(None if link == "default" else {"spec": share_token(network(64, 16))})
    at.run()
    assert not failures(at), failures(at)
    shown = pictures(at)
    # a block's picture; a network's, then the block of its chosen stage
    assert len(shown) == (1 if link == "default" else 2), shown
    assert "⊕" in shown[-1] and ("network" in shown[0]) == (link == "network"), shown
    assert not at.code


def test_a_drop_checked_when_made_gets_the_zone_reports_verdict():
    spec = parse_spec(network(20, 2))  # 40 blocks: past the up-front report
    assert not canvas.report_up_front(spec)
    data = canvas.canvas_data(spec, 1)
    assert all(z["errors"] == {} and z["warnings"] == {} for z in data["zones"].values())
    assert "checked when it is made" in data["context"]
    report = canvas.zone_report(canonical_json(spec), 1)
    for slot in SLOT_NAMES:
        for kind in ATTENTION_MODELS:
            assert canvas.drop_error(spec, 1, slot, kind) == report[slot]["errors"][kind]


def test_a_small_design_still_gets_every_verdict_with_the_page():
    spec = parse_spec(network(1, 2))
    assert canvas.report_up_front(spec)
    data = canvas.canvas_data(spec, 0)
    assert all(set(z["errors"]) == set(ATTENTION_MODELS) for z in data["zones"].values())


def test_a_links_first_paint_is_one_run_of_the_page(monkeypatch):
    runs = []
    render_sidebar = sidebar.render_sidebar
    monkeypatch.setattr(
        sidebar, "render_sidebar", lambda *a, **k: runs.append(1) or render_sidebar(*a, **k)
    )
    at = new_app({"spec": share_token(network(64, 16))})
    at.run()
    assert not failures(at), failures(at)
    assert len(runs) == 1, "the first run asked for another run of the whole page"


def test_the_browsers_secret_is_reported_to_a_fragment_not_the_page(monkeypatch):
    """The board's browser secret comes from the browser once per page load; mounted in a
    fragment, its report reruns that fragment only, so it neither interrupts the page's first
    run (a full-page rerun would restart it) nor runs the page a second time."""
    where = []
    browser_secret = send.browser_secret
    monkeypatch.setattr(
        send,
        "browser_secret",
        lambda **k: where.append(ThreadState.get().fragment_id) or browser_secret(**k),
    )
    at = new_app()
    at.run()
    assert not failures(at), failures(at)
    assert where and all(where), where


WARM_CHECK = """
import gc, sys, threading
from tests.ui.conftest import new_app
assert "scipy.stats" not in sys.modules
assert gc.get_freeze_count() == 0
at = new_app()
at.run()
started = [t for t in threading.enumerate() if t.name == "resattn-warm-imports"]
assert started or "scipy.stats" in sys.modules, "the page's run did not start the import"
from components import engine
engine.warm_imports().join(120)
assert "scipy.stats" in sys.modules
assert gc.get_freeze_count() > 0, "the imported libraries are still in the collector's reach"
print("ok")
"""


def test_a_servers_first_page_run_imports_scipy_stats_in_the_background_then_settles_the_heap():
    """SciPy's statistics (an ablation's results) take about 1 CPU-s to import: imported on a
    script thread at the first results, they stalled every session's edits. A fresh process's
    first page run starts their import in a background thread, which then moves what is alive
    (the libraries) out of the garbage collector's reach: every full collection walked them,
    stopping every session's edits for up to 440 ms."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", WARM_CHECK], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]
