"""The canvas's numbered edits (components.canvas.apply_edits) and what an edit changes around
it: every edit once and in order, refusals reported back, undo/redo from the keyboard, the name
that follows the design, the projector tour."""

from __future__ import annotations

from components import engine, state
from resattn.counting import analytic_params
from resattn.loading import load_spec
from schemas import canonical_json
from tests.ui.conftest import canvas_edit, drawn, failures, new_app, slot_value

SLOTS = ("pre_residual", "branch", "skip", "post_add")
MOVES = [("branch", "skip"), ("skip", "post_add"), ("post_add", "pre_residual")]


def move(source: str, target: str) -> dict:
    return {"op": "move", "from": source, "slot": target, "type": "se"}


def send(at, epoch: str, edits: list[dict]):
    """What the browser sends: all unacknowledged edits, numbered from 1 in this page."""
    numbered = [{**e, "seq": i + 1} for i, e in enumerate(edits)]
    at.session_state["studio.canvas"] = {"edits": {"epoch": epoch, "edits": numbered}}
    return at.run()


def test_every_edit_applies_once_in_order_even_when_sent_again(app):
    at = send(app, "page-1", [move(*m) for m in MOVES[:2]])
    assert slot_value(at, "post_add") == "se" and slot_value(at, "branch") == "none"
    undo_depth = len(at.session_state["studio.undo"])
    # the next message carries the first two again (their trigger may have been lost): skipped
    at = send(at, "page-1", [move(*m) for m in MOVES])
    assert not failures(at), failures(at)
    assert slot_value(at, "pre_residual") == "se"
    assert [s for s in ("branch", "skip", "post_add") if slot_value(at, s) != "none"] == []
    assert len(at.session_state["studio.undo"]) == undo_depth + 1  # one more edit, not three
    assert at.session_state["studio.edits"]["seq"] == 3
    at = send(at, "page-1", [move(*m) for m in MOVES])  # all three again: nothing changes
    assert len(at.session_state["studio.undo"]) == undo_depth + 1


def test_a_new_page_numbers_from_one_again(app):
    at = send(app, "page-1", [move(*MOVES[0])])
    at = send(at, "page-2", [move("skip", "branch")])  # a reload: its first edit is applied
    assert slot_value(at, "branch") == "se" and slot_value(at, "skip") == "none"
    assert at.session_state["studio.edits"] == {"epoch": "page-2", "seq": 1, "refused": []}


def test_a_refused_edit_is_acknowledged_with_its_reason_and_the_design_kept(app):
    before = canonical_json(load_spec("preset:se_bottleneck"))
    at = send(app, "p", [{"op": "place", "slot": "skip", "type": "nonsense"}])
    log = at.session_state["studio.edits"]
    assert log["seq"] == 1 and log["refused"][0]["seq"] == 1
    assert "unknown attention kind" in log["refused"][0]["reason"]
    assert at.session_state["studio.spec"].slots.skip is None
    assert canonical_json(at.session_state["studio.spec"]).replace("se_bottleneck", "") == (
        before.replace("se_bottleneck", "")
    )


def test_undo_and_redo_from_the_keyboard_shortcuts(app):
    at = canvas_edit(app, move("branch", "skip"))
    assert slot_value(at, "skip") == "se"
    at = canvas_edit(at, {"op": "undo"})  # Ctrl+Z on the page
    assert slot_value(at, "branch") == "se" and slot_value(at, "skip") == "none"
    at = canvas_edit(at, {"op": "redo"})  # Ctrl+Shift+Z
    assert slot_value(at, "skip") == "se"


def test_the_name_follows_the_design_until_the_user_types_one(app):
    assert app.text_input(key="studio.name").value == "se_bottleneck"
    at = canvas_edit(app, {"op": "place", "slot": "branch", "type": "eca"})  # ECA over SE
    assert at.text_input(key="studio.name").value == "eca_bottleneck"
    at = canvas_edit(at, {"op": "place", "slot": "skip", "type": "cbam"})
    assert at.text_input(key="studio.name").value == "eca_p1_cbam_p4_bottleneck"
    at.text_input(key="studio.name").set_value("MyBlock").run()
    at = canvas_edit(at, {"op": "remove", "slot": "skip"})
    assert at.text_input(key="studio.name").value == "MyBlock"  # typed: it stays
    at.text_input(key="studio.name").set_value("").run()  # cleared: it follows again
    assert at.text_input(key="studio.name").value == "eca_bottleneck"
    assert not failures(at), failures(at)


def test_a_shared_design_keeps_its_authors_name():
    spec = load_spec("preset:p4_cbam")
    from resattn.export.share import share_token

    at = new_app({"spec": share_token(spec)})
    at.run()
    at = canvas_edit(at, {"op": "remove", "slot": "skip"})
    assert at.text_input(key="studio.name").value == "p4_cbam"


def test_auto_names_are_valid_spec_names_for_every_slot_combination():
    import itertools

    from schemas import parse_spec, spec_to_dict

    base = spec_to_dict(load_spec("preset:bottleneck_block"))
    for kinds in itertools.product([None, "se", "cbam"], repeat=4):
        data = {**base, "slots": dict(zip(SLOTS, kinds, strict=True))}
        data["slots"] = {k: v and {"type": v} for k, v in data["slots"].items()}
        spec = parse_spec(data)
        parse_spec({**data, "name": state.auto_name(spec)})  # never refused by the schema


def test_the_params_figure_is_in_full_with_the_macs_beside_it(app):
    spec = load_spec("preset:se_bottleneck")
    metrics = {m.label: m.value for m in app.main.metric}
    assert metrics["Params"] == f"{analytic_params(spec):,}"  # 78,864 — never "0.08 M"
    assert metrics["MACs"].endswith(" M") and metrics["MACs"][0].isdigit()
    app.selectbox(key="studio.side.presets.network").set_value("resnet50")
    app.button(key="studio.side.presets.load_network").click()
    at = app.run()
    metrics = {m.label: m.value for m in at.main.metric}
    assert metrics["Params"] == "25,557,032"  # torchvision's ResNet-50, same format
    assert metrics["MACs"].endswith(" G")


def test_projector_tour_steps_through_baseline_and_the_four_patterns():
    at = new_app({"present": "1"})
    at.run()
    assert not failures(at), failures(at)
    expected = [None, "branch", "post_add", "pre_residual", "skip"]
    seen = []
    for step in range(len(expected)):
        spec = at.session_state["studio.spec"]
        filled = [s for s, a in spec.slots.items() if a is not None]
        seen.append(filled[0] if filled else None)
        texts = " ".join(m.value for m in at.main.markdown)
        assert f"Step {step + 1} of 5" in texts
        assert "Table 14" in texts or "Baseline ResNet-50" in texts  # the evidence row
        at = canvas_edit(at, {"op": "tour", "step": 1})  # the → key
    assert seen == expected
    assert at.session_state["studio.tour_step"] == 4  # the end: → does nothing more
    at = canvas_edit(at, {"op": "tour", "step": -1})  # ←
    assert at.session_state["studio.tour_step"] == 3


def test_the_gate_kind_shows_on_the_chip_and_in_the_formula(app):
    at = app
    drawn(at.selectbox, "studio.att.branch.se.gate").set_value("hard_sigmoid").run()
    assert not failures(at), failures(at)
    spec = at.session_state["studio.spec"]
    assert spec.slots.branch.gate == "hard_sigmoid"
    from components import design

    assert "SE[hard-σ](F(x))" in design.formula(spec)
    assert design.att_detail(spec.slots.branch) == "r = 16, hard-σ"


def test_out_of_range_numbers_are_refused_with_the_bound_named_next_to_the_field(app):
    at = app
    drawn(at.number_input, "studio.att.branch.se.reduction").set_value(0).run()
    assert at.session_state["studio.spec"].slots.branch.reduction == 16  # the design keeps 16
    errors = [e.value for e in at.main.error]
    assert any("greater than or equal to 1" in e and "got 0" in e for e in errors), errors
    assert drawn(at.number_input, "studio.att.branch.se.reduction").value == 16  # box shows it
    at.number_input(key="studio.side.out_channels").set_value(99999).run()
    assert at.session_state["studio.spec"].block.out_channels == 256
    side = [e.value for e in at.sidebar.error]
    assert any("4096" in e and "99999" in e for e in side), side
    assert at.number_input(key="studio.side.out_channels").value == 256


def test_the_family_select_never_fights_the_user(app):
    at = app  # SE in the branch of a bottleneck
    fam = at.selectbox(key="studio.side.family")
    assert "se" not in fam.options and fam.value == "bottleneck"
    fam.set_value("resnext").run()
    assert at.selectbox(key="studio.side.family").value == "resnext"
    at.selectbox(key="studio.side.family").set_value("bottleneck").run()
    assert at.selectbox(key="studio.side.family").value == "bottleneck"  # no snapping back
    at = canvas_edit(at, {"op": "place", "slot": "branch", "type": "eca"})
    assert at.selectbox(key="studio.side.family").value == "bottleneck"


def test_a_long_session_keeps_what_it_holds_bounded_and_the_gate_editor_working(app):
    """Streamlit keeps a widget's metadata for the whole session, so the gate editor's widgets
    (a key new with every design, `state.drawn_key`) must take turns with a bounded set of keys:
    after every key has been used once, more edits leave nothing behind."""
    import gc

    kinds = ("se", "eca", "cbam", "coord")

    def edit(at, i: int):
        return canvas_edit(at, {"op": "place", "slot": "branch", "type": kinds[i % 4]})

    at = app
    for i in range(4 * state.DRAWN_KEYS):  # every turn of every kind's keys
        at = edit(at, i)
    engine.warm_imports().join(120)  # its heap settling (gc.freeze) is done before counting
    gc.collect()
    before = len(gc.get_objects())
    for i in range(2 * state.DRAWN_KEYS):
        at = edit(at, i)
    gc.collect()
    grown = len(gc.get_objects()) - before
    assert grown < 5 * state.DRAWN_KEYS, f"{grown} objects more after {2 * state.DRAWN_KEYS} edits"
    # a key that came back round still edits the design it was drawn for
    at = edit(at, 0)
    drawn(at.selectbox, "studio.att.branch.se.gate").set_value("hard_sigmoid").run()
    assert not failures(at), failures(at)
    assert at.session_state["studio.spec"].slots.branch.gate == "hard_sigmoid"
