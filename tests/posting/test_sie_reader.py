"""The strict SIE reader of the tests rejects what SIE 4B does not allow (a reader that
accepted everything would make every export test pass)."""

from datetime import date
from decimal import Decimal

import pytest

from tests.posting.sie_reader import SieReadError, read_sie, tokenize

GOOD = [
    "#FLAGGA 0",
    "#FORMAT PC8",
    "#SIETYP 4",
    '#PROGRAM "ornd-visma" "0.1.0"',
    "#GEN 20260701",
    '#FNAMN "Åkesson \\"AB\\""',
    "#ORGNR 559999-0001",
    "#RAR 0 20260101 20261231",
    "#RAR -1 20250101 20251231",
    '#KONTO 1510 "Kundfordringar"',
    "#KTYP 1510 T",
    '#KONTO 3001 "Försäljning"',
    '#DIM 1 "Kostnadsställe"',
    '#OBJEKT 1 "STH" "STH"',
    '#VER "A" 1 20260610 "text \\\\ med backslash"',
    "{",
    '   #TRANS 1510 {} 1250.00 "" "a"',
    '   #TRANS 3001 {1 "STH"} -1250.00 "" "b"',
    "}",
]


def encode(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("cp437")


def with_line(index: int, line: str | None) -> bytes:
    lines = list(GOOD)
    if line is None:
        del lines[index]
    else:
        lines[index] = line
    return encode(lines)


def test_a_good_file_reads():
    sie = read_sie(encode(GOOD))
    assert sie.company == 'Åkesson "AB"'
    assert sie.years == {0: (date(2026, 1, 1), date(2026, 12, 31)),
                         -1: (date(2025, 1, 1), date(2025, 12, 31))}  # fmt: skip
    (voucher,) = sie.vouchers
    assert (voucher.series, voucher.number, voucher.day) == ("A", 1, date(2026, 6, 10))
    assert voucher.text == "text \\ med backslash"
    assert [(r.account, r.objects, r.amount) for r in voucher.rows] == [
        (1510, (), Decimal("1250.00")), (3001, ((1, "STH"),), Decimal("-1250.00")),
    ]  # fmt: skip


def test_tokenize_quotes_escapes_and_object_lists():
    fields = tokenize(' 3001 {1 "S T" 2 "x\\"y"} -1.50 "" "a\\\\"', "t")
    assert [getattr(f, "text", None) for f in fields] == ["3001", None, "-1.50", "", "a\\"]
    assert [f.text for f in fields[1].items] == ["1", "S T", "2", 'x"y']


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (encode(GOOD).replace(b"\r\n", b"\n"), "CRLF"),
        (encode(GOOD)[:-2], "does not end with CRLF"),
        (encode(GOOD).replace(b"#GEN", b"#GEN\r", 1), "CR not followed by LF"),
        (with_line(5, '#FNAMN "a\tb"'), "control character 0x09"),
        (with_line(5, '#FNAMN "a\x1bb"'), "control character 0x1b"),
        (with_line(5, '#FNAMN "a\x00b"'), "control character 0x00"),
        (with_line(5, '#FNAMN "a\x7fb"'), "control character 0x7f"),
        (("\r\n".join(GOOD) + "\r\n").encode("utf-8"), "UTF-8"),
        (with_line(5, '#FNAMN "a"b"'), "right after a closing quote"),
        (with_line(5, '#FNAMN "ab'), "not closed"),
        (with_line(5, '#FNAMN "a\\b"'), "backslash"),
        (with_line(5, '#FNAMN a"b'), "quote inside an unquoted field"),
        (with_line(5, '#FNAMN "' + "x" * 101 + '"'), "101 characters"),
        (with_line(5, '#FNAMN ""'), "company name is empty"),
        (with_line(5, None), "missing #FNAMN"),
        (with_line(6, "#ORGNR 5599990001"), "NNNNNN-NNNN"),
        (with_line(2, "#FORMAT PC8"), "second #FORMAT"),
        (with_line(0, "#FORMAT PC8"), "first record must be #FLAGGA"),
        (with_line(1, "#FORMAT UTF8"), "PC8"),
        (with_line(2, "#SIETYP 3"), "type 4"),
        (with_line(4, "#GEN 20260231"), "not a date"),
        (with_line(8, "#RAR -2 20240101 20241231"), "without gaps"),
        (with_line(8, "#RAR -1 20250101 20251230"), "does not end the day before"),
        (with_line(7, "#RAR 0 20260102 20261231"), "does not end the day before"),
        (with_line(10, "#KTYP 1510 X"), "not T, S, K or I"),
        (with_line(10, "#KTYP 1930 T"), "undeclared account"),
        (with_line(13, '#OBJEKT 2 "STH" "STH"'), "undeclared dimension"),
        (with_line(11, '#KONTO 1510 "dup"'), "declared twice"),
        (with_line(12, '#UNKNOWN "x"'), "unknown label"),
        (with_line(12, ""), "empty line"),
        (with_line(14, '#VER "A" 1 20240610 "old"'), "is in no #RAR"),
        (with_line(14, '#VER "A" 0 20260610 "zero"'), "not positive"),
        (with_line(15, '   #TRANS 1510 {} 1.00 "" "x"'), "should be"),
        (with_line(16, '   #TRANS 1510 {} 1250.01 "" "a"'), "does not balance"),
        (with_line(16, '   #TRANS 1930 {} 1250.00 "" "a"'), "not declared by #KONTO"),
        (with_line(17, '   #TRANS 3001 {1 "GBG"} -1250.00 "" "b"'), "not declared by #OBJEKT"),
        (with_line(17, '   #TRANS 3001 {1} -1250.00 "" "b"'), "odd number"),
        (with_line(17, '   #TRANS 3001 {1 "STH"} -1250,00 "" "b"'), "not an amount"),
        (with_line(17, '   #TRANS 3001 {1 "STH"} -12.505 "" "b"'), "not an amount"),
        (with_line(17, '   #TRANS 3001 -1250.00 "" "b"'), "object list"),
        (with_line(17, "   #TRANS 3001 {1 {2}} -1250.00"), "inside an object list"),
        (with_line(18, None), "ends inside a voucher"),
        (encode([*GOOD, '#KONTO 1930 "Bank"']), "after the records"),
        (encode([*GOOD, '#VER "A" 1 20260611 "twice"', "{", "}"]), "comes twice"),
        (encode([*GOOD, '   #TRANS 1510 {} 1.00 "" "x"']), "outside a voucher's rows"),
        (encode(GOOD[:14]), "no #VER"),
    ],
)
def test_the_reader_refuses(data, rule):
    with pytest.raises(SieReadError, match=rule):
        read_sie(data)
