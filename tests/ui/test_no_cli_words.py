"""No command-line vocabulary on the page: every tab, for a block, a network and an imported
model, shows no ``--flag``, no ``resattn COMMAND`` and no ``python -m`` — except inside the
exported file of the Code tab (its own usage notes) and in a command the page offers to copy,
which it shows as one: a shell code block (`COPY_LANGUAGES`, with Streamlit's copy button)."""

from __future__ import annotations

import re

import pytest

from resattn.cli import make_parser
from resattn.export.share import share_token
from resattn.loading import load_spec
from tests.i18n.english import rendered_text
from tests.ui.conftest import failures, model_uploader, new_app, open_tab

#: the code-block languages of a command offered to copy (the only place one may be shown)
COPY_LANGUAGES = ("bash", "shell", "console")


def _cli_vocabulary() -> re.Pattern:
    parser = make_parser()
    commands = sorted(parser._subparsers._group_actions[0].choices)  # the CLI's own commands
    return re.compile(
        r"(?<![\w-])--[a-z][a-z0-9-]*"  # any long option
        r"|\bpython3? -m\b"
        rf"|\bresattn\s+(?:{'|'.join(map(re.escape, commands))})\b"
    )


CLI = _cli_vocabulary()


def test_the_check_sees_cli_words_and_nothing_else():
    for text in ("pass --block stage1_block1", "run resattn summary x", "python -m resattn"):
        assert CLI.search(text), text
    for text in ("ResAttn Studio — a block", "x → y", "the resattn engine", "n-1 —- 2"):
        assert not CLI.search(text), text


def _shown(at) -> str:
    """What the page shows a person, without the exported file and labelled copy commands."""
    text = rendered_text(at)
    for block in at.code:
        if "def build_model" in block.value or block.language in COPY_LANGUAGES:
            text = text.replace(block.value, "")
    return text


def _tabs(at) -> list[str]:
    return [t.label for t in at.get("tab")]


def _imported_model(at) -> None:
    """Open an ONNX model (the sidebar's "Open a model"): the page then offers its weights."""
    from tests.importing.harness import example_input, random_model, to_onnx

    spec = load_spec("preset:p4_eca")
    data = to_onnx(random_model(spec), example_input(spec))
    model_uploader(at).set_value(("p4_eca.onnx", data, "x"))
    at.run()
    assert any("every part fits" in s.value for s in at.success)


#: a block the Code tab refuses to export to ONNX up front (over its size): the refusal's hint
OVER_ONNX_SIZE = {
    "input": {"channels": 3848, "height": 8, "width": 8},
    "block": {"type": "basic", "out_channels": 3848},
}


@pytest.mark.parametrize(
    "design", ["p4_se", "se_resnet50", "an imported model", "a block over the ONNX size"]
)
def test_no_tab_shows_command_line_words(design):
    preset = design if design.startswith(("p4", "se_")) else "p4_se"
    spec = load_spec(OVER_ONNX_SIZE if design.endswith("ONNX size") else f"preset:{preset}")
    at = new_app({"spec": share_token(spec)})
    at.run()
    assert not failures(at), failures(at)
    if design == "an imported model":
        _imported_model(at)
    tabs = _tabs(at)
    assert len(tabs) >= 6, tabs
    found = {}
    for name in tabs:
        open_tab(at, name)
        assert not failures(at), (name, failures(at))
        words = sorted({m.group() for m in CLI.finditer(_shown(at))})
        if words:
            found[name] = words
    assert found == {}, found
