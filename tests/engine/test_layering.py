"""The engine never imports Streamlit (docs/design.md §6)."""

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_no_streamlit_import_in_engine_sources():
    offenders = []
    for path in list((ROOT / "resattn").rglob("*.py")) + list((ROOT / "schemas").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_importing_and_using_the_engine_loads_no_streamlit():
    code = (
        "import sys, resattn; s = resattn.load_spec('preset:se_bottleneck'); resattn.build(s);"
        "import resattn.cli; assert 'streamlit' not in sys.modules, 'streamlit imported'"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stderr


def test_repository_is_ruff_clean():
    """Lint and format settings live in pyproject.toml; every Python file keeps them."""
    for args in (["check", "."], ["format", "--check", "."]):
        proc = subprocess.run(
            [sys.executable, "-m", "ruff", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]
