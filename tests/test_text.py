"""The contract of ornd_visma.text: clean_text (controls, line breaks, bidi marks, spaces,
length) and to_charset (what a legacy code page lacks)."""

import unicodedata

import pytest

from ornd_visma.text import clean_text, to_charset

HOSTILE = (
    'Ö"\\\r\n\t\x00\x1b[2J\x7f\x85\x9b\u200e\u200f\u202a\u202b\u202c\u202d\u202e'
    "\u2066\u2067\u2068\u2069\u061c\ufeff\u00ad\u200b\u200d\u2028\u2029\u00a0\u3000\ud800😀"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (123, "123"),
        ("  Åkesson  &   Ödman AB  ", "Åkesson & Ödman AB"),
        ("line one\r\nline two", "line one line two"),  # a break separates words
        ("tab\there", "tab here"),
        ("a\x0bb\x0cc\x1cd\x1fe\x85f", "a b c d e f"),  # VT FF FS US NEL are whitespace
        ("nul\x00 here", "nul here"),
        ("\x1b[31mred\x1b[0m", "[31mred[0m"),  # ESC goes, the printable rest stays
        ("del\x7f c1\x80\x9f", "del c1"),
        ("\u202eevil\u202c.exe", "evil.exe"),  # RIGHT-TO-LEFT OVERRIDE and POP
        ("\u2066iso\u2069 \u200eltr\u200f \u061calm", "iso ltr alm"),
        ("zero\u200bwidth soft\u00adhyphen \ufeffbom", "zerowidth softhyphen bom"),
        ("nb\u00a0sp ideo\u3000sp ls\u2028ps\u2029end", "nb sp ideo sp ls ps end"),
        ("lone \ud800 surrogate", "lone surrogate"),
        ("A\u030a", "Å"),  # NFC: A + COMBINING RING ABOVE is the one letter Å
        ('quote " and back\\slash', 'quote " and back\\slash'),  # not for clean_text to escape
        ("😀 emoji", "😀 emoji"),  # visible characters are kept
    ],
)
def test_clean_text(value, expected):
    assert clean_text(value) == expected


def test_clean_text_cuts_to_max_len_and_leaves_no_trailing_space():
    assert clean_text("abcdef", 4) == "abcd"
    assert clean_text("abc def", 4) == "abc"  # "abc " cut, its space dropped
    assert clean_text("  ab  ", 10) == "ab"
    assert clean_text("abc", 0) == ""
    assert clean_text("x" * 2000, 100) == "x" * 100
    # the length counts the cleaned text: 3 controls removed, then 5 characters kept
    assert clean_text("\x00\x01\x02abcdefgh", 5) == "abcde"
    with pytest.raises(ValueError, match="max_len"):
        clean_text("a", -1)


def test_clean_text_of_a_hostile_value_holds_nothing_invisible_and_is_idempotent():
    out = clean_text(HOSTILE * 3, 50)
    assert len(out) <= 50
    assert not out.startswith(" ") and not out.endswith(" ") and "  " not in out
    for char in out:
        assert unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Zl", "Zp"), repr(char)
        assert char == " " or not char.isspace()
    assert out.startswith('Ö"\\ [2J')  # Ö " \ survive; CR LF TAB one space; NUL ESC gone
    assert clean_text(out) == out
    assert clean_text(clean_text(HOSTILE)) == clean_text(HOSTILE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Åkesson & Ödman AB é ü", "Åkesson & Ödman AB é ü"),  # CP437 has these
        ("“citat” ‘enkel’ – — −", "\"citat\" 'enkel' - - -"),
        ("100 € …", "100 EUR ..."),
        ("Kraków Łódź", "Kraków ?ódz"),  # CP437 has ó; ź loses its accent; Ł has none to lose
        ("😀 ☃", "? ?"),
        ("ﬁne", "fine"),  # the ligature decomposes to letters CP437 has
    ],
)
def test_to_charset_cp437(text, expected):
    assert to_charset(text, "cp437") == expected
    to_charset(text, "cp437").encode("cp437")  # never raises


def test_to_charset_keeps_what_the_encoding_has():
    assert to_charset("Ł€", "utf-8") == "Ł€"
    assert to_charset("Ł", "ascii", replacement="_") == "_"
