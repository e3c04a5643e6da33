"""The network view: stage widths and depths edited in the stage table, attention per block,
the per-stage attention overhead (notes §12.4)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from resattn.export.share import share_token
from resattn.loading import load_spec
from tests.ui.conftest import expanded, failures, new_app, open_tab, pictures, stage_table

OVERRIDES = "tests/fixtures/specs/v1/network_block_overrides.json"


def _table_edit_script():
    import json as _json

    import streamlit as st

    from components import network, state
    from resattn.loading import load_spec as _load
    from schemas import canonical_json

    state.init()
    if "ran" not in st.session_state:
        st.session_state["ran"] = True
        state.commit(_load("preset:resnet18"), "preset")
        for edit in _json.loads(st.query_params["edits"]):  # what the table's boxes report
            st.session_state["table"] = {"edit": edit}
            network._on_table_edit("table")
    st.code(canonical_json(state.spec()))
    for _, text in state.pop_flashes():
        st.error(text)


def _edit(*edits: dict) -> AppTest:
    at = AppTest.from_function(_table_edit_script, default_timeout=120)
    at.query_params["edits"] = json.dumps(edits)
    return at.run()


#: the stage table's columns (`components.network.COLUMNS`): blocks (depth), out channels (width)
BLOCKS, WIDTH = 1, 2


def test_stage_table_edits_depth_and_width():
    at = _edit({"row": 1, "column": BLOCKS, "value": 5}, {"row": 1, "column": WIDTH, "value": 96})
    stages = json.loads(at.code[0].value)["stages"]
    assert (stages[1]["depth"], stages[1]["out_channels"]) == (5, 96)
    assert stages[0]["depth"] == 2 and not at.error


def test_stage_table_refuses_an_out_of_range_depth_and_keeps_the_design():
    at = _edit({"row": 0, "column": BLOCKS, "value": 0})
    assert json.loads(at.code[0].value)["stages"][0]["depth"] == 2  # unchanged
    assert any("was not applied" in e.value and "depth" in e.value for e in at.error)


@pytest.mark.parametrize(
    "edit",
    [
        {"row": 0, "column": BLOCKS, "value": 2.5},  # not a whole number
        {"row": 0, "column": WIDTH, "value": "64; drop"},
        {"row": 0, "column": BLOCKS, "value": None},
    ],
)
def test_stage_table_refuses_a_value_that_is_not_a_whole_number(edit):
    at = _edit(edit)
    assert json.loads(at.code[0].value)["stages"][0]["depth"] == 2
    assert json.loads(at.code[0].value)["stages"][0]["out_channels"] == 64
    assert any("was not applied" in e.value for e in at.error), [e.value for e in at.error]


@pytest.mark.parametrize(
    "edit",
    [
        {"row": 7, "column": BLOCKS, "value": 3},  # a stage this design does not have
        {"row": 0, "column": 0, "value": 3},  # the stage number: not editable
        {"row": 0, "column": 99, "value": 3},
        {"row": "0", "column": BLOCKS, "value": 3},
        {"row": 0, "column": True, "value": 3},  # True is not column 1
        "3",
    ],
)
def test_stage_table_ignores_a_report_of_no_editable_cell(edit):
    at = _edit(edit)
    assert [s["depth"] for s in json.loads(at.code[0].value)["stages"]] == [2, 2, 2, 2]
    assert not at.error


def test_stage_table_an_edit_in_whole_floats_is_the_whole_number():
    at = _edit({"row": 3, "column": BLOCKS, "value": 4.0})
    assert json.loads(at.code[0].value)["stages"][3]["depth"] == 4 and not at.error


def _texts(at: AppTest) -> str:
    open_tab(at, "Diagram")
    return "\n".join(pictures(at))


def test_network_page_shows_overrides_and_per_stage_overhead():
    at = new_app({"spec": share_token(load_spec(OVERRIDES))})
    at.run()
    assert not failures(at), failures(at)
    text = _texts(at)
    assert "block 1: no attention" in text and "block 3: P1 (branch: CBAM)" in text
    table = stage_table(at)
    assert not at.dataframe  # drawn by the page's own component, not Streamlit's data grid
    assert table["block overrides"][1].startswith("block 1: no attention; block 3:")
    overhead = table["attention overhead (§12.4)"]
    assert all(cell.startswith("+") and "% MACs" in cell for cell in overhead)


def test_a_block_override_is_applied_and_removed_from_the_page():
    at = new_app({"spec": share_token(load_spec("preset:resnet18"))})
    at.run()
    at.selectbox(key="studio.stage").set_value(1)
    at.run()
    assert not any(str(s.key).startswith("studio.net.ovr.block.") for s in at.selectbox)
    at.session_state["studio.net.ovr.open"] = True  # the expander opens: its widgets are drawn
    at.run()
    block = next(s for s in at.selectbox if str(s.key).startswith("studio.net.ovr.block."))
    block.set_value(2)
    at.run()
    branch = next(
        s
        for s in at.selectbox
        if str(s.key).endswith(".2.3.branch")
        or (".ovr.1.2@" in str(s.key) and str(s.key).endswith(".branch"))
    )
    branch.set_value("cbam")
    at.run()
    next(
        b for b in at.button if str(b.key).endswith(".apply") and ".ovr.1.2@" in str(b.key)
    ).click()
    at.run()
    assert not failures(at), failures(at)
    assert "block 2: P1 (branch: CBAM)" in _texts(at)
    remove = next(
        b for b in at.button if str(b.key).endswith(".remove") and ".ovr.1.2@" in str(b.key)
    )
    remove.click()
    at.run()
    assert "block 2:" not in _texts(at)


def test_sidebar_stage_depths_are_drawn_only_while_open_and_edit_the_design():
    """The sidebar's "Stage depths" draws its number box per stage only while open (a
    16-stage link's first paint draws none of them); a box edits its stage's depth."""
    at = new_app({"spec": share_token(load_spec("preset:resnet18"))})
    at.run()

    def depth_boxes():
        return [n for n in at.number_input if str(n.key).startswith("studio.side.depth.")]

    assert "Stage depths" in {e.label for e in at.sidebar.expander}
    assert not depth_boxes()
    expanded(at, "studio.side.depths.open")
    assert [n.value for n in depth_boxes()] == [2, 2, 2, 2]
    depth_boxes()[2].set_value(3).run()
    assert not failures(at), failures(at)
    assert [n.value for n in depth_boxes()] == [2, 2, 3, 2]
    assert stage_table(at)["blocks"] == [2, 2, 3, 2]  # the design's, in the table
    at.session_state["studio.side.depths.open"] = False
    at.run()
    assert not depth_boxes()  # closed again: gone again
