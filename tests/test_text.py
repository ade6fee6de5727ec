"""One text cleaner: what is stored is what is seen — composed, without invisible characters."""

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from casework.text import clean_line, clean_text

CLEANERS = [clean_line, clean_text]


def categories(text: str) -> set[str]:
    return {unicodedata.category(ch) for ch in text}


# Composition ---------------------------------------------------------------------------------


@pytest.mark.parametrize("clean", CLEANERS)
def test_decomposed_letters_are_composed(clean):
    decomposed = "и\u0306"  # и + combining breve
    assert clean(f"Андре{decomposed}") == "Андрей"
    assert clean(unicodedata.normalize("NFD", "Zoë Müller")) == "Zoë Müller"


@pytest.mark.parametrize("clean", CLEANERS)
def test_combining_marks_without_a_composed_form_are_kept(clean):
    arabic = "مُحَمَّد"  # with damma, fatha, shadda: none compose, all stay
    assert clean(arabic) == unicodedata.normalize("NFC", arabic)
    assert "\u064f" in clean(arabic)
    assert "\u0651" in clean(arabic)
    assert clean("x\u0301") == "x\u0301"  # no precomposed x-acute


@pytest.mark.parametrize("clean", CLEANERS)
def test_nothing_is_transliterated_or_case_folded(clean):
    assert clean("ÆSIR Straße ǅ İstanbul") == "ÆSIR Straße ǅ İstanbul"


# Invisible and reordering characters ---------------------------------------------------------


@pytest.mark.parametrize("clean", [clean_line])
def test_a_right_to_left_override_is_removed(clean):
    # Shown as "Aliexe.png"; the override would also reverse what the page shows after it.
    assert clean("Ali\u202egnp.exe") == "Alignp.exe"


@pytest.mark.parametrize(
    "char",
    [
        "\u202a",  # LRE
        "\u202b",  # RLE
        "\u202c",  # PDF
        "\u202d",  # LRO
        "\u202e",  # RLO
        "\u2066",  # LRI
        "\u2067",  # RLI
        "\u2068",  # FSI
        "\u2069",  # PDI
        "\u200e",  # LRM
        "\u200f",  # RLM
        "\u061c",  # ALM
        "\u200b",  # zero-width space
        "\u200c",  # zero-width non-joiner
        "\u200d",  # zero-width joiner
        "\u2060",  # word joiner
        "\ufeff",  # byte order mark / zero-width no-break space
        "\u00ad",  # soft hyphen (another Cf)
        "\u180e",  # Mongolian vowel separator (another Cf)
        "\U000e0041",  # tag letter A (another Cf)
    ],
)
@pytest.mark.parametrize("clean", [clean_line])
def test_each_invisible_format_character_is_removed(clean, char):
    assert unicodedata.category(char) == "Cf"
    assert clean(f"Ma{char}ria") == "Maria"
    assert clean(f"{char}Maria{char}") == "Maria"


@pytest.mark.parametrize("clean", [clean_line])
def test_a_zero_width_space_inside_a_cyrillic_name_is_removed(clean):
    assert clean("Мари\u200bя") == "Мария"
    assert clean("Мари\u200bя") == clean("Мария")


@pytest.mark.parametrize("clean", [clean_line])
def test_a_byte_order_mark_at_the_start_is_removed(clean):
    assert clean("\ufeffFatima") == "Fatima"


@pytest.mark.parametrize("clean", [clean_line])
def test_a_format_character_between_letter_and_accent_does_not_block_composition(clean):
    assert clean("e\u200b\u0301") == "é"


@pytest.mark.parametrize("clean", CLEANERS)
def test_a_lone_surrogate_is_removed(clean):
    assert clean("Ali\ud800") == "Ali"
    assert clean("\udfffAli") == "Ali"


@pytest.mark.parametrize("clean", CLEANERS)
def test_nul_and_other_control_characters_become_spaces(clean):
    assert clean("Ali\x00Hassan") == "Ali Hassan"
    assert clean("Ali\x07\x1b\x7fHassan") == "Ali Hassan"
    assert clean("Ali\x85Hassan") == "Ali Hassan"  # NEL, a C1 control
    assert clean("\x00") == ""


@pytest.mark.parametrize("clean", CLEANERS)
def test_markup_is_kept_verbatim(clean):
    # Cleaning is not escaping: templates escape on output.
    text = "<script>alert('x')</script> & \"quotes\""
    assert clean(text) == text


# Whitespace ----------------------------------------------------------------------------------


def test_clean_line_collapses_whitespace_and_strips():
    assert clean_line("  Ali \t  Hassan  ") == "Ali Hassan"
    assert clean_line("Ali\u00a0\u00a0Hassan") == "Ali Hassan"  # no-break spaces
    assert clean_line("Ali\u3000Hassan") == "Ali Hassan"  # ideographic space
    assert clean_line("Ali \u200b Hassan") == "Ali Hassan"  # the space left is collapsed


def test_clean_line_turns_line_breaks_into_spaces():
    assert clean_line("Ali\nHassan") == "Ali Hassan"
    assert clean_line("Ali\r\n\r\nHassan\r") == "Ali Hassan"
    assert clean_line("Ali\u2028Hassan\u2029") == "Ali Hassan"
    assert clean_line("+7 900\n123 45 67") == "+7 900 123 45 67"


def test_clean_text_keeps_line_breaks():
    assert clean_text("We last saw her\nin March.") == "We last saw her\nin March."


def test_clean_text_normalises_line_breaks():
    assert clean_text("one\r\ntwo\rthree\nfour") == "one\ntwo\nthree\nfour"
    assert clean_text("one\u2028two\u2029three") == "one\ntwo\nthree"


def test_clean_text_turns_tabs_into_spaces_and_collapses_runs():
    assert clean_text("name:\t\tAli   Hassan") == "name: Ali Hassan"


def test_clean_text_strips_trailing_spaces_of_each_line():
    assert clean_text("first   \nsecond\t\nthird") == "first\nsecond\nthird"


def test_clean_text_keeps_at_most_two_blank_lines():
    assert clean_text("a\n\nb") == "a\n\nb"
    assert clean_text("a\n\n\nb") == "a\n\n\nb"
    assert clean_text("a\n\n\n\n\n\nb") == "a\n\n\nb"
    assert clean_text("a\n  \n \t \n\n \nb") == "a\n\n\nb"  # blank lines made of spaces too


def test_clean_text_strips_the_whole():
    assert clean_text("\n\n  account  \n\n") == "account"


@pytest.mark.parametrize("char", ["\u200f", "\u200e", "\u061c", "\u200c", "\u200d", "\u202e"])
def test_long_text_keeps_its_format_characters(char):
    # Direction marks and joiners are part of how Arabic and Persian are written; long text is
    # rendered escaped and bidi-isolated (dir="auto"), so nothing in it reorders the page.
    assert clean_text(f"سلام{char} world") == f"سلام{char} world"


def test_clean_text_turns_nul_and_other_controls_into_spaces_but_keeps_newlines():
    assert clean_text("a\x00b\nc\x0bd\x0ce") == "a b\nc d e"


# Properties ----------------------------------------------------------------------------------

# Text with plenty of the characters the cleaners act on, besides anything st.text() draws.
tricky = st.text(
    st.one_of(
        st.characters(),
        st.sampled_from(
            "\u202e\u200b\u200d\ufeff\u200f\u061c\x00\n\r\t \u00a0\u2028\u0301\u0306\u064e"
            "eиa가\ud800\udfff"
        ),
    )
)


@given(st.one_of(st.text(), tricky))
@example("e\u200b\u0301")
@example("\u3000\u0301")
@example("a\r\n\r\n\r\n\r\nb")
def test_clean_line_is_idempotent(value):
    once = clean_line(value)
    assert clean_line(once) == once


@given(st.one_of(st.text(), tricky))
@example("a\r\n\r\n\r\n\r\nb")
@example(" \n\u0301")
def test_clean_text_is_idempotent(value):
    once = clean_text(value)
    assert clean_text(once) == once


@given(st.one_of(st.text(), tricky))
def test_clean_line_output_has_no_control_format_or_surrogate_character(value):
    cleaned = clean_line(value)
    assert not categories(cleaned) & {"Cc", "Cf", "Cs"}
    assert cleaned == unicodedata.normalize("NFC", cleaned)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned


@given(st.one_of(st.text(), tricky))
def test_clean_text_output_has_no_control_or_surrogate_character_but_newlines(value):
    cleaned = clean_text(value)
    assert not categories(cleaned.replace("\n", "")) & {"Cc", "Cs"}
    assert "\r" not in cleaned
    assert cleaned == unicodedata.normalize("NFC", cleaned)
    assert cleaned == cleaned.strip()
    assert "\n\n\n\n" not in cleaned
    assert all(line == line.rstrip() for line in cleaned.split("\n"))


@given(st.text(st.characters(categories=["L", "M", "N", "P", "S"])))
def test_visible_text_only_changes_by_composition(value):
    # Letters, marks, digits, punctuation and symbols are never dropped or changed otherwise.
    assert clean_line(value) == unicodedata.normalize("NFC", value)
