"""The engine never imports the board; the board's service never imports Streamlit."""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def imported(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / folder).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_engine_and_schemas_never_import_the_board():
    for folder in ("resattn", "schemas"):
        offenders = [p for p, names in imported(folder).items() if "resattn_board" in names]
        assert offenders == []


def test_board_service_never_imports_streamlit():
    offenders = [p for p, names in imported("resattn_board").items() if "streamlit" in names]
    assert offenders == []


def test_nothing_pickled():
    for folder in ("resattn_board", "components/board"):
        for path, names in imported(folder).items():
            assert not names & {"pickle", "dill", "shelve", "cloudpickle"}, path
