"""Nothing from a spec reaches generated code except validated identifiers and numbers;
nothing is evaluated, executed or unpickled (docs/design.md §7)."""

from __future__ import annotations

import ast
import keyword
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resattn.export.python_code import export_python, exported_class_name
from schemas import SpecError, parse_spec
from tests.specs import block_spec

EXPORT_SOURCES = sorted(
    [*Path(__file__).resolve().parents[2].joinpath("resattn", "export").glob("*.py")]
    + [Path(__file__).resolve().parents[2] / "resattn" / "commands" / "export.py"]
)

HOSTILE = [
    'a"; import os; "',
    "x\nimport os",
    "x\rimport os",
    "__import__",
    "__class__",
    "Ꭺbc",  # Cherokee letter that looks like A
    "ｆoo",  # fullwidth f
    "pass",
    "class",
    "match",  # soft keyword
    "_",  # soft keyword too
    "eval",
    "exec",
    "print",
    "torch",
    "nn",
    "F",
    "1abc",
    "",
    "a" * 65,
    "a b",
    "a.b",
    "a-b",
    "é",
    "x#",
    "x\\",
    "x'",
    "x\x00",
]


def _block(name) -> dict:
    return block_spec(4, height=4, slots={"branch": {"type": "se"}}, name=name)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_refused_by_the_schema(name):
    with pytest.raises(SpecError) as err:
        parse_spec(_block(name))
    assert err.value.problems[0].path == "name"
    assert err.value.problems[0].reason  # a plain-language reason


FRAGMENTS = ['"', "'", "\n", "\\", "__import__", "Ꭺ", "ｆ", "ı", "import os", ";", "class", "x"]
NAME_TEXT = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map("".join),
    st.text(max_size=70),
    st.text(alphabet=st.characters(codec="ascii"), max_size=12),
    st.sampled_from(keyword.kwlist + keyword.softkwlist),
    st.builds(lambda a, b: a + b, st.sampled_from(["__", "x", "A"]), st.text(max_size=8)),
)


@given(NAME_TEXT)
def test_any_name_is_refused_or_a_plain_identifier(name):
    try:
        spec = parse_spec(_block(name))
    except SpecError as exc:
        assert exc.problems[0].path == "name"
        return
    assert name.isascii() and name.isidentifier()
    assert not keyword.iskeyword(name) and not keyword.issoftkeyword(name)
    assert not name.startswith("__")
    try:
        code = export_python(spec)
    except SpecError as exc:  # a name the exported file defines itself
        assert exc.problems[0].path == "name"
        return
    tree = ast.parse(code)
    cls = exported_class_name(spec)  # PascalCase from the name
    assert cls.isascii() and cls.isidentifier() and not keyword.iskeyword(cls)
    assert any(isinstance(n, ast.ClassDef) and n.name == cls for n in ast.walk(tree))


@given(st.from_regex(r"[A-Z][a-z0-9]{3,8}Zq", fullmatch=True))
def test_the_name_is_the_only_text_a_spec_puts_in_the_file(name):
    """Renaming a design changes the file only where the name is written."""
    assert export_python(_block(name)) == export_python(_block("DesignZq")).replace(
        "DesignZq", name
    )


FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "execfile"}
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle"}


@pytest.mark.parametrize("path", EXPORT_SOURCES, ids=lambda p: p.name)
def test_export_code_never_evaluates_or_unpickles(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = getattr(func, "id", "")  # the builtins (`module.eval()` is a method)
            assert name not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {name}"
            assert not _is_torch_load(func), f"{path.name}:{node.lineno} calls torch.load"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            assert not {n.split(".")[0] for n in names} & FORBIDDEN_MODULES, path.name


def _is_torch_load(func) -> bool:
    return getattr(func, "attr", "") == "load" and getattr(func.value, "id", "") == "torch"


def test_every_name_the_exported_file_defines_is_reserved_by_the_schema():
    """The schema refuses, at validation time, every name the generated module defines."""
    from resattn.export.python_code import FIXED_NAMES
    from schemas.common import reserved_names

    assert FIXED_NAMES <= reserved_names()
