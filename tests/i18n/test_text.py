"""`resattn.i18n.text`: messages rendered in the language of the moment they are read."""

from __future__ import annotations

import pickle

from resattn import i18n
from resattn.i18n.text import EMPTY, Text, Trimmed, join
from resattn.lint import fmt_shape


def test_a_text_renders_in_the_current_language_and_keeps_its_english():
    shape = fmt_shape(64, 56, 56)
    assert shape.english() == "64 channels at 56×56"
    with i18n.use_language("tr"):
        assert str(shape) == "56×56 boyutunda 64 kanal"
        assert shape.english() == "64 channels at 56×56"
        assert shape.render("en") == "64 channels at 56×56"
    assert pickle.loads(pickle.dumps(shape)) == shape


def test_parameters_that_are_texts_follow_the_sentence_around_them():
    outer = Text(i18n.N_("{channels} channels at {size}"), channels=3, size=fmt_shape(1, 2, 2))
    with i18n.use_language("tr"):
        assert str(outer) == "2×2 boyutunda 1 kanal boyutunda 3 kanal"
    assert outer.english() == "3 channels at 1 channels at 2×2"


def test_lists_join_in_the_language_they_are_read_in():
    assert join([]) is EMPTY and str(EMPTY) == ""
    assert join(["SE"]).english() == "SE"
    assert join(["SE", "ECA", "CBAM"]).english() == "SE and ECA and CBAM"
    with i18n.use_language("tr"):
        assert str(join(["SE", "CBAM"])) == "SE ve CBAM"


def test_a_literal_is_looked_up_but_never_formatted():
    braces = Text.of("{not a placeholder}")
    assert str(braces) == "{not a placeholder}"
    with i18n.use_language("tr"):
        assert str(Text.of("Invalid spec")) == "Geçersiz spec"  # a catalog message: translated
        assert str(Trimmed(Text.of("Invalid spec."), ".")) == "Invalid spec"
    assert Text.of(braces) is braces
