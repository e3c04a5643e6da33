"""The engine's words in Turkish: every diagnostic of the linter, the spec errors, the lab's
verdicts and the CLI's human-readable output, with no English sentence of the catalogs left —
while the English and every JSON output stay exactly what they were."""

from __future__ import annotations

import json
import pathlib
import pickle
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resattn import i18n
from resattn.lint import RULES, lint
from schemas import DesignError, SpecError, parse_spec
from tests.cli.runner import run
from tests.engine.test_lint import FIRING
from tests.i18n.english import english_sentences
from tests.specs import block_spec
from tests.strategies import block_dicts, network_dicts

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "diagnostics.md"
ENGLISH = english_sentences(["engine"])


def english_in(text: str) -> list[str]:
    """The English sentences of the engine's catalog that `text` shows."""
    return sorted(s for s in ENGLISH if s in text)


def rendered(diagnostics, lang: str) -> list[tuple[str, str]]:
    with i18n.use_language(lang):
        return [(d.message, d.hint) for d in diagnostics]


def check_both_languages(diagnostics) -> None:
    """English reads exactly the fields (the JSON); Turkish is different and has no English."""
    fields = [(d.model_dump()["message"], d.model_dump()["hint"]) for d in diagnostics]
    assert rendered(diagnostics, "en") == fields
    for (en_message, en_hint), (tr_message, tr_hint) in zip(
        rendered(diagnostics, "en"), rendered(diagnostics, "tr"), strict=True
    ):
        assert tr_message != en_message and tr_hint != en_hint
        assert english_in(tr_message + "\n" + tr_hint) == [], tr_message


@given(st.one_of(block_dicts(), network_dicts()))
def test_every_finding_on_the_spec_space_renders_in_both_languages(data):
    check_both_languages(lint(data))


@pytest.mark.parametrize("code", sorted(FIRING))
def test_every_rule_speaks_turkish(code):
    spec, _path, _words = FIRING[code]
    found = [d for d in lint(spec) if d.code == code]
    assert found
    check_both_languages(found)


def test_every_code_of_the_diagnostics_table_has_a_turkish_message():
    codes = set(re.findall(r"^\|\s*(RA\d{3})\s*\|", DOCS.read_text(), re.MULTILINE))
    assert codes == set(RULES) == set(FIRING)


def test_a_cached_finding_shows_in_the_language_of_the_moment():
    """A finding computed (and pickled, as the studio's cache does) under one language shows in
    whichever language reads it — nothing freezes at computation time."""
    with i18n.use_language("tr"):
        found = lint(FIRING["RA204"][0])
    copy = pickle.loads(pickle.dumps(found))
    assert copy == found
    with i18n.use_language("en"):
        assert copy[0].message == copy[0].model_dump()["message"]
        assert copy[0].message.startswith("SE in `post_add`")
    with i18n.use_language("tr"):
        assert copy[0].message.startswith("`post_add` içindeki SE")
        assert copy[0].cite == "notlar §3"
    assert copy[0].model_dump_json() == found[0].model_dump_json()


def test_design_errors_speak_the_language_they_are_read_in():
    spec = FIRING["RA101"][0]
    error = DesignError([d for d in lint(spec) if d.severity == "error"])
    with i18n.use_language("en"):
        english = str(error)
    assert english.startswith("The design cannot be built: shortcut: The skip path carries")
    assert "Fix: set `shortcut`" in english
    with i18n.use_language("tr"):
        turkish = str(error)
    assert turkish.startswith("Tasarım oluşturulamıyor: shortcut: Skip yolu")
    assert "Düzeltme:" in turkish and english_in(turkish) == []
    assert error.to_json()[0]["reason"].startswith("The skip path carries")


BAD_SPECS = [
    [1],
    {"block": {}, "stages": []},
    {"input": {"channels": 3, "height": 8, "width": 8}},
    {"schema_version": 2, "block": {}},
    block_spec(8, block={"out_channels": 5000}),
    block_spec(8, block={"out_channels": 0}),
    block_spec(8, block={"out_channels": "x", "preact": "yes", "dropout": "a"}),
    block_spec(
        8, shortcut="foo", name="class", slots={"branch": {"type": "eca", "kernel_size": 4}}
    ),
    block_spec(8, name="1abc", foo=1, slots={"branch": {"type": "zz"}, "skip": {}}),
    block_spec(8, name="__x", schema_version=1.0),
]


@pytest.mark.parametrize("data", BAD_SPECS, ids=range(len(BAD_SPECS)))
def test_spec_errors_speak_turkish_and_keep_english_json(data):
    with i18n.use_language("tr"):
        with pytest.raises(SpecError) as caught:
            parse_spec(data)
        turkish = caught.value.message
    assert turkish.startswith("Geçersiz spec: ")
    assert english_in(turkish) == [], turkish
    with i18n.use_language("en"):
        with pytest.raises(SpecError) as again:
            parse_spec(data)
        english = again.value.message
        assert str(caught.value) == english  # the same error, read in English
    assert english.startswith("Invalid spec: ") and english != turkish
    assert caught.value.to_json() == again.value.to_json()
    assert all(re.search(r"[a-z]", p["reason"]) for p in caught.value.to_json())


# --- the command line ------------------------------------------------------------------------

SPEC = json.dumps(
    block_spec(
        8,
        16,
        height=8,
        block={"stride": 2, "preact": True},
        post_add_activation="relu",
        slots={"post_add": {"type": "se", "reduction": 64}, "pre_residual": {"type": "cbam"}},
    )
)
BROKEN = json.dumps(block_spec(8, 16, block={"stride": 2}, shortcut="identity"))
#: name → (command line, its exit code)
COMMANDS = {
    "summary": (["summary", SPEC], 0),
    "validate": (["validate", SPEC], 0),
    "validate-errors": (["validate", BROKEN], 1),
    "summary-errors": (["summary", BROKEN], 1),
    # what the time budget left out, and why
    "summary-out-of-time": (["summary", "--latency", "--time-budget", "0", SPEC], 0),
    "ablate": (["ablate", SPEC, "--no-train", "--no-latency", "--variant", "P1"], 0),
}


@pytest.fixture
def no_locale(monkeypatch):
    for name in i18n.ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_cli_prints_turkish_with_lang_tr_or_a_turkish_locale(name, capsys, monkeypatch, no_locale):
    argv, code = COMMANDS[name]
    english = run(capsys, *argv)
    assert english.code == code, english.err
    flag = run(capsys, "--lang", "tr", *argv)
    after = run(capsys, *argv, "--lang", "tr")
    monkeypatch.setenv("LANG", "tr_TR.UTF-8")
    locale = run(capsys, *argv)
    assert flag == after == locale
    assert flag.code == english.code
    assert flag.out + flag.err != english.out + english.err
    assert english_in(flag.out + flag.err) == [], flag.out + flag.err
    assert english_in(english.out + english.err) != []  # the check can fail


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_json_output_is_the_same_in_both_languages(name, capsys, no_locale):
    argv, code = COMMANDS[name]
    argv = [*argv, "--json"]
    english = run(capsys, *argv)
    assert english.code == code, english.err
    turkish = run(capsys, "--lang", "tr", *argv)
    assert turkish.out == english.out and json.loads(english.out)
    assert turkish.code == english.code


def test_cli_errors_speak_turkish(capsys, no_locale):
    english = run(capsys, "summary", "{")
    turkish = run(capsys, "--lang", "tr", "summary", "{")
    assert english.code == turkish.code == 2
    assert english.err.startswith("error: Invalid spec")
    assert turkish.err.startswith("hata: Geçersiz spec")


def test_help_offers_the_language(capsys, no_locale):
    with pytest.raises(SystemExit):
        run(capsys, "--help")
    out = capsys.readouterr().out
    assert "--lang {en,tr}" in out and "tr_TR.UTF-8" in out
    with pytest.raises(SystemExit):
        run(capsys, "--lang", "tr", "--help")
    turkish = capsys.readouterr().out
    assert "çıkış kodları" in turkish and english_in(turkish) == []


def test_a_copy_with_a_new_message_shows_that_message():
    found = lint(FIRING["RA204"][0])[0]
    copy = found.model_copy(update={"message": "a message of the caller, in no catalog"})
    with i18n.use_language("tr"):
        assert (
            copy.message == "a message of the caller, in no catalog"
            and copy.hint == found.hint != found.model_dump()["hint"]
        )
