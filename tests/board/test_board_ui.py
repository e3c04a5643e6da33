"""AppTest flows of the board: a participant sends from the studio's sidebar, the instructor
creates, unlocks, hides, clears and runs the probe; the page in Turkish has no English left."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from resattn_board import db
from resattn_board.service import BoardService, Limits, new_secret
from tests.board.designs import small_design
from tests.i18n.english import english_left
from tests.ui.conftest import APP, expanded, failures


@pytest.fixture
def board_db(database, monkeypatch):
    monkeypatch.setenv(db.URL_ENV, database)
    return database


def svc(url: str) -> BoardService:
    return BoardService(db.get_engine(url), limits=Limits(min_send_interval_s=0))


def board_page(code: str, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"board": code, **query})
    return at.run()


def studio_with_board_open() -> AppTest:
    """The studio page with its Send to board expander opened (drawn only while open)."""
    return expanded(AppTest.from_file(APP, default_timeout=180).run(), "studio.board.expander")


def texts(at: AppTest) -> list[str]:
    found = [m.value for m in at.markdown] + [c.value for c in at.caption]
    found += [b.label for b in at.button] + [e.label for e in at.expander]
    found += [x.value for x in (*at.info, *at.error, *at.success)]
    found += [t.label for t in at.tabs] + [s.label for s in at.selectbox]
    found += [t.label for t in at.text_input] + [c.label for c in at.checkbox]
    return found


def test_participant_sends_from_the_studio(board_db):
    code = svc(board_db).create_board("Lab").code
    at = studio_with_board_open()
    assert not failures(at), failures(at)
    at.text_input(key="studio.board.code").set_value(code.lower())
    at.text_input(key="studio.board.name").set_value("<b>Ayşe</b>")
    at.button(key="studio.board.send").click().run()
    assert [s.value for s in at.success] == [f"“se_bottleneck” is on board {code}."]
    # the same browser session sends a changed design under the same name: replaced, not added
    at.button(key="studio.board.send").click().run()
    assert any("wait" in e.value for e in at.error)  # the real rate limit answers
    rows = svc(board_db).entries(code)
    assert [(r.display_name, r.design_name) for r in rows] == [("<b>Ayşe</b>", "se_bottleneck")]
    # the board page shows the entry, its name escaped
    page = board_page(code)
    assert not failures(page), failures(page)
    shown = "\n".join(texts(page))
    assert "&lt;b&gt;Ayşe&lt;/b&gt;" in shown and "<b>Ayşe</b>" not in shown
    assert "1 design on the board" in shown and "P1 (branch: SE)" in shown
    assert any(b.label == "Open in the studio" for b in page.get("link_button"))


def test_sending_a_broken_design_says_why(board_db):
    code = svc(board_db).create_board().code
    at = studio_with_board_open()
    at.text_input(key="studio.board.code").set_value(code)
    at.text_input(key="studio.board.name").set_value("")
    at.button(key="studio.board.send").click().run()
    assert [e.value for e in at.error] == ["Type a display name first."]
    at.text_input(key="studio.board.code").set_value("NOPE2222")
    at.text_input(key="studio.board.name").set_value("Me")
    at.button(key="studio.board.send").click().run()
    assert [e.value for e in at.error] == ["There is no board with the code NOPE2222."]


def test_instructor_creates_hides_clears_and_runs_the_probe(board_db):
    at = studio_with_board_open()
    at.text_input(key="studio.board.title").set_value("Ankara")
    at.button(key="studio.board.create").click().run()
    code = at.session_state["board.code"]
    key = [c.value for c in at.code][-1]
    assert svc(board_db).is_instructor(code, key)
    service = svc(board_db)
    a = service.send(code, new_secret(), "Ali", small_design("a"))
    service.send(code, new_secret(), "Banu", small_design("b", "skip"))
    at.button(key="studio.board.open").click().run()
    assert dict(at.query_params).get("board") == code
    assert all(key not in v for v in at.query_params.values())  # never in the URL
    assert any(e.label == "Instructor" for e in at.expander)
    assert "2 designs on the board" in "\n".join(texts(at))
    at.button(key=f"board.hide.{a.id}").click().run()
    assert [r.display_name for r in service.entries(code)] == ["Banu"]
    assert any(b.label == "Show" for b in at.button)  # the instructor still sees it, hidden
    at.button(key="board.admin.probe").click().run()
    assert not failures(at), failures(at)
    [banu] = service.entries(code)
    assert banu.probe_accuracy is not None and 0.0 <= banu.probe_accuracy <= 1.0
    figures = [m.value for m in at.markdown if "**Probe accuracy:**" in m.value]
    shown = f"**Probe accuracy:** {100 * banu.probe_accuracy:.1f} %"
    assert sum(shown in f for f in figures) == 1  # Banu's card; hidden Ali's is not probed
    at.checkbox(key="board.admin.confirm").check().run()
    at.button(key="board.admin.clear").click().run()
    assert "2 designs removed." in [s.value for s in at.success]
    assert service.entries(code, include_hidden=True) == []


def test_instructor_unlocks_in_a_new_session(board_db):
    created = svc(board_db).create_board()
    at = board_page(created.code)
    assert not any(b.label == "Clear the board" for b in at.button)
    at.text_input(key="board.admin.key").set_value("wrong")
    at.button(key="board.admin.unlock").click().run()
    assert "That instructor key does not open this board." in [e.value for e in at.error]
    at.text_input(key="board.admin.key").set_value(created.instructor_key)
    at.button(key="board.admin.unlock").click().run()
    assert any(b.label == "Clear the board" for b in at.button)


def test_unknown_board_code(board_db):
    at = board_page("ZZZZ2222")
    assert [e.value for e in at.error] == ["There is no board with the code ZZZZ2222."]


def test_side_by_side_and_sorting(board_db):
    service = svc(board_db)
    code = service.create_board().code
    service.send(code, new_secret(), "Small", small_design("s", None))
    service.send(code, new_secret(), "Gated", small_design("g", "post_add", "cbam"))
    at = board_page(code)
    at.selectbox(key="board.sort").set_value("params").run()
    names = [m.value for m in at.markdown if "ra-board-name" in m.value]
    assert "Small" in names[0] and "Gated" in names[1]
    metrics = [m.label for m in at.metric]
    assert metrics.count("Parameters") == 2 and metrics.count("Probe accuracy") == 2
    assert len([c for c in at.code if "⊕" in c.value]) == 2  # both ASCII diagrams


def test_the_board_in_turkish_has_no_english_left(board_db):
    created = svc(board_db).create_board("Atölye")
    service = svc(board_db)
    service.send(created.code, new_secret(), "Zeynep", small_design("z"))
    service.send(created.code, new_secret(), "Mert", small_design("m", "skip"))
    at = board_page(created.code, lang="tr")
    at.text_input(key="board.admin.key").set_value(created.instructor_key)
    at.button(key="board.admin.unlock").click().run()
    assert not failures(at), failures(at)
    assert english_left(at, ["board"]) == []
    joined = "\n".join(texts(at))
    assert "Panoda 2 tasarım" in joined and "Stüdyoya dön" in joined and "Eğitmen" in joined
    assert [m.label for m in at.metric].count("Parametreler") == 2


def test_an_unreachable_database_is_said_not_crashed(monkeypatch):
    from tests.e2e.server import free_port

    monkeypatch.setenv(db.URL_ENV, f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    at = board_page("K7M2X9PQ")
    assert not at.exception
    assert any("database cannot be reached" in e.value for e in at.error)
    studio = studio_with_board_open()
    assert not failures(studio), failures(studio)
    studio.text_input(key="studio.board.code").set_value("K7M2X9PQ")
    studio.text_input(key="studio.board.name").set_value("Me")
    studio.button(key="studio.board.send").click().run()
    assert not studio.exception
    assert any("database cannot be reached" in e.value for e in studio.error)
    db.dispose_all()
