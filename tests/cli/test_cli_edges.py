"""CLI and loading edges: special files, unwritable output, hostile text, tokens, versions."""

import json
import os
import threading

import pytest

from resattn.loading import load_spec
from schemas import SpecError
from tests.cli.runner import run
from tests.specs import block_spec

GOOD = block_spec(8)


@pytest.mark.timeout(20)
def test_a_fifo_as_the_spec_file_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "spec.json"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "validate", str(fifo))
    assert code == 2 and "not a regular file" in err


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null"])
def test_a_device_as_the_spec_file_is_refused(path, capsys):
    code, _, err = run(capsys, "validate", path)
    assert code == 2 and "not a regular file" in err


def test_a_directory_as_the_spec_file_is_refused(tmp_path, capsys):
    code, _, err = run(capsys, "validate", str(tmp_path) + os.sep)
    assert code == 2 and "directory" in err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["schema"], ["export", "preset:p1_se", "-f", "json"]])
def test_writing_to_a_full_device_exits_2_with_the_reason(args, tmp_path):
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "resattn", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": os.getcwd()},
        )
    assert proc.returncode == 2, proc.stderr
    assert "No space left on device" in proc.stderr and "Traceback" not in proc.stderr


def test_control_characters_in_a_message_are_escaped(tmp_path, capsys):
    bad = {**GOOD, "\u001b]0;pwned\u0007": 1, "new\nline": 2}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(bad))
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2
    assert "\u001b" not in err and "\u0007" not in err and "new\nline" not in err
    assert "\\x1b" in err and "\\n" in err


def test_a_message_about_thousands_of_problems_is_bounded(tmp_path, capsys):
    bad = {**GOOD, **{f"unknown_{i}": i for i in range(2797)}}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(bad))
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2 and len(err) < 4000
    assert "unknown_0" in err and "and 2,7" in err and "more" in err


def test_the_bounded_message_is_one_function_the_studio_can_use():
    from schemas.errors import Problem, format_problems

    text = format_problems([Problem(f"k{i}", "not allowed") for i in range(100)])
    assert text.count("not allowed") < 100 and "more" in text


def test_a_nul_in_a_path_is_a_spec_error():
    with pytest.raises(SpecError, match="NUL"):
        load_spec("a\x00.json")


def test_a_token_is_recognised_by_its_prefix_even_in_standard_base64_or_with_a_slash():
    from resattn.export.share import PREFIX, share_token

    token = share_token("preset:p4_cbam")
    body = token[len(PREFIX) :]
    standard = PREFIX + body.replace("-", "+").replace("_", "/")
    padded = standard + "=" * (-len(body) % 4)
    expected = load_spec("preset:p4_cbam")
    for text in (standard, padded, token + "/", standard + "/"):
        assert load_spec(text) == expected, text


def test_a_damaged_token_with_a_slash_says_token_not_file():
    with pytest.raises(SpecError, match="share token") as info:
        load_spec("ra1.abc/def" + "x" * 300)
    assert "File name too long" not in info.value.message


@pytest.mark.parametrize("version", [1.0, True, "1"])
def test_schema_version_must_be_the_integer_1(version):
    with pytest.raises(SpecError, match="schema_version"):
        load_spec({**GOOD, "schema_version": version})


def test_a_fifo_does_not_block_load_spec(tmp_path):
    fifo = tmp_path / "x.json"
    os.mkfifo(fifo)
    result = []
    thread = threading.Thread(target=lambda: result.append(_try(fifo)), daemon=True)
    thread.start()
    thread.join(5)
    assert result and "not a regular file" in result[0]


def _try(path):
    try:
        load_spec(path)
    except SpecError as exc:
        return exc.message
    return "loaded"
