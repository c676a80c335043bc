"""The SIE4 export (ornd_visma.posting.sie): every file is read back by the strict reader of
tests/posting/sie_reader.py; amounts, years and numbers are computed by hand."""

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.outbox import Outbox
from ornd_visma.posting.sie import export_sie, quote, sie4, voucher_text
from ornd_visma.posting.sie_company import (
    Company,
    FiscalYear,
    SieError,
    VismaCompany,
    company_for,
    org_number,
)
from tests.posting.sie_reader import read_sie

D = Decimal
COMPANY = Company(name="Exempel AB", org_nr="556677-8899")
TAG = "[ornd L-6a66c9b000f03cbb66eb2c44-0123456789ab]"
HOSTILE = (
    'Evil "Co" \\ AB\r\n#VER "A" 1 20260101 "x"\r\n}\t\x00\x1b[2J\x7f\x9b'
    "\u202eTAB\u202c\u2066\u2069\u200e\ufeff😀\u2028"
)


def voucher(day: str, text: str, *rows: tuple) -> dict:
    """A voucher body as the outbox holds it; rows are (account, signed amount, text, cc1, cc2)."""
    out = []
    for account, amount, row_text, *cc in rows:
        row = {"AccountNumber": account, "TransactionText": row_text}
        row["DebitAmount" if D(amount) > 0 else "CreditAmount"] = abs(D(amount))
        for slot, name in enumerate(cc, start=1):
            if name:
                row[f"CostCenterShortName{slot}"] = name
        out.append(row)
    return {"VoucherDate": day, "VoucherText": text, "Rows": out}


INVOICE = voucher(
    "2026-06-10", f"Kundfaktura 1 Kund AB {TAG}",
    (1510, "1250.00", "Kundfordran 1"),
    (3001, "-1000.00", "1", "STH", "STH-P1"),
    (2611, "-250.00", "Moms 1"),
)  # fmt: skip
CREDIT = voucher(
    "2026-06-12", "Kreditfaktura CN1 Kund AB",
    (1510, "-224.00", "Kundfordran CN1"),
    (3002, "200.00", "CN1", "GBG"),
    (2621, "24.00", "Moms CN1"),
)  # fmt: skip


def test_a_small_file_computed_by_hand():
    text = sie4([INVOICE, CREDIT], company=COMPANY, generated=date(2026, 7, 1))
    sie = read_sie(text.encode("cp437"))
    assert (sie.company, sie.org_nr, sie.generated) == ("Exempel AB", "556677-8899",
                                                        date(2026, 7, 1))  # fmt: skip
    assert sie.years == {0: (date(2026, 1, 1), date(2026, 12, 31))}
    assert sie.accounts == {
        1510: "Kundfordringar", 2611: "Utgående moms på försäljning inom Sverige, 25 %",
        2621: "Utgående moms på försäljning inom Sverige, 12 %",
        3001: "Försäljning inom Sverige, 25 % moms", 3002: "Försäljning inom Sverige, 12 % moms",
    }  # fmt: skip
    assert sie.account_types == {1510: "T", 2611: "S", 2621: "S", 3001: "I", 3002: "I"}
    assert sie.objects == {(1, "GBG"): "GBG", (1, "STH"): "STH", (2, "STH-P1"): "STH-P1"}
    invoice, credit = sie.vouchers
    # 1000.00 net at 25 %: VAT 1000.00 * 25 % = 250.00, receivable 1000.00 + 250.00 = 1250.00
    assert [(r.account, r.objects, r.amount) for r in invoice.rows] == [
        (1510, (), D("1250.00")),
        (3001, ((1, "STH"), (2, "STH-P1")), D("-1000.00")),
        (2611, (), D("-250.00")),
    ]
    # a credit of 200.00 net at 12 %: VAT 200.00 * 12 % = 24.00, receivable -(200.00 + 24.00)
    assert [(r.account, r.objects, r.amount) for r in credit.rows] == [
        (1510, (), D("-224.00")), (3002, ((1, "GBG"),), D("200.00")), (2621, (), D("24.00")),
    ]  # fmt: skip
    assert [(v.series, v.number, v.day) for v in sie.vouchers] == [
        ("A", 1, date(2026, 6, 10)), ("A", 2, date(2026, 6, 12))]  # fmt: skip
    assert invoice.text == f"Kundfaktura 1 Kund AB {TAG}"
    lines = text.split("\r\n")
    assert '   #TRANS 3001 {1 "STH" 2 "STH-P1"} -1000.00 "" "1"' in lines
    assert lines[-1] == "" and all(not line.endswith(" ") for line in lines)


def test_hostile_names_and_texts_cannot_break_a_record():
    long = "Å😀" * 1000  # 2,000 characters
    hostile = voucher(
        "2026-06-10", f"Kundfaktura 1 {HOSTILE}{long} {TAG}",
        (1510, "100.00", HOSTILE + long),
        (3001, "-100.00", HOSTILE, 'S"T\\H\n', "P\u202e2"),
    )  # fmt: skip
    company = Company(
        name=HOSTILE + long,
        org_nr="556677-8899",
        address=(HOSTILE, "Gatan\r\n1", long, '08-"1"'),
        account_names={1510: HOSTILE, 3001: long},
    )
    data = sie4([hostile], company=company, generated=date(2026, 7, 1)).encode("cp437")
    sie = read_sie(data, max_text=100)  # CRLF only, no control byte, every field ≤ 100
    clean = 'Evil "Co" \\ AB #VER "A" 1 20260101 "x" } [2JTAB?'  # quotes, backslash survive
    assert sie.company.startswith(clean + " Å?Å?")
    assert len(sie.company) == 100
    assert sie.address == (clean, "Gatan 1", ("Å?" * 50), '08-"1"')
    assert sie.accounts == {1510: clean, 3001: "Å?" * 50}
    (read,) = sie.vouchers
    # the head is cut to 100 - 46 (the tag) - 1 (a space) = 53 characters, the tag kept whole
    # (its 53rd character is a space, which the cut drops: 52 + 1 + 46 = 99)
    assert read.text == ("Kundfaktura 1 " + clean)[:52] + " " + TAG
    assert len(read.text) == 99
    assert [r.text for r in read.rows] == [(clean + " " + "Å?" * 50)[:100].rstrip(), clean]
    assert read.rows[1].objects == ((1, 'S"T\\H'), (2, "P2"))
    assert (1, 'S"T\\H') in sie.objects
    assert data.count(b"\r\n") == len(data.split(b"\r\n")) - 1  # one record per CRLF line


def test_quote_escapes_quotes_and_backslashes():
    assert quote('a"b\\c') == '"a\\"b\\\\c"'
    assert quote("ends with \\") == '"ends with \\\\"'
    assert quote(None) == '""'
    assert voucher_text("x" * 500 + f" {TAG}", 60) == '"' + "x" * 13 + " " + TAG + '"'
    # 60 = 13 + 1 + 46, the tag's 46 characters


def test_rar_years_back_from_the_newest_voucher():
    december = voucher("2025-12-31", "Periodisering", (3001, "10.00", ""), (2970, "-10.00", ""))
    january = voucher("2026-01-01", "Upplösning", (2970, "10.00", ""), (3001, "-10.00", ""))
    sie = read_sie(sie4([january, december], company=COMPANY, generated=date(2026, 2, 1))
                   .encode("cp437"))  # fmt: skip
    assert sie.years == {0: (date(2026, 1, 1), date(2026, 12, 31)),
                         -1: (date(2025, 1, 1), date(2025, 12, 31))}  # fmt: skip
    assert [v.day for v in sie.vouchers] == [date(2025, 12, 31), date(2026, 1, 1)]
    # a fiscal year from July: 2026-06-30 ends 2025/26, 2026-07-01 starts 2026/27
    broken = Company(name="Exempel AB", org_nr="556677-8899", first_month=7)
    june, july = dict(december, VoucherDate="2026-06-30"), dict(january, VoucherDate="2026-07-01")
    sie = read_sie(sie4([june, july], company=broken, generated=date(2026, 8, 1)).encode("cp437"))
    assert sie.years == {0: (date(2026, 7, 1), date(2027, 6, 30)),
                         -1: (date(2025, 7, 1), date(2026, 6, 30))}  # fmt: skip
    # 2024 and 2026 only: 2025 is still #RAR -1, so 2024 is -2
    old = dict(december, VoucherDate="2024-03-01")
    sie = read_sie(sie4([old, january], company=COMPANY, generated=date(2026, 2, 1))
                   .encode("cp437"))  # fmt: skip
    assert sorted(sie.years.items()) == [(-2, (date(2024, 1, 1), date(2024, 12, 31))),
                                         (-1, (date(2025, 1, 1), date(2025, 12, 31))),
                                         (0, (date(2026, 1, 1), date(2026, 12, 31)))]  # fmt: skip


def test_visma_fiscal_years_decide_and_a_date_outside_them_is_refused():
    years = (FiscalYear(date(2025, 5, 1), date(2026, 4, 30)),
             FiscalYear(date(2026, 5, 1), date(2027, 4, 30)))  # fmt: skip
    company = Company(name="Exempel AB", org_nr="556677-8899", fiscal_years=years,
                      source="Visma (main)")  # fmt: skip
    sie = read_sie(sie4([INVOICE], company=company, generated=date(2026, 7, 1)).encode("cp437"))
    assert sie.years == {0: (date(2026, 5, 1), date(2027, 4, 30))}
    late = dict(INVOICE, VoucherDate="2027-05-02")
    with pytest.raises(SieError, match=r"dated 2027-05-02, in none of the fiscal years of Visma"):
        sie4([late], company=company, generated=date(2026, 7, 1))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            voucher("2026-06-10", "x", (1510, "1.00", ""), (3001, "-0.99", "")),
            "does not balance: its rows add up to 0.01",
        ),
        (
            voucher("2026-06-10", "x", (1510, "1.005", ""), (3001, "-1.005", "")),
            "more than two decimals",
        ),
        (
            voucher("2026-06-10", "x", (1930, "1.00", ""), (3001, "-1.00", "")),
            r"account 1930 has no name for #KONTO: neither the mapping's `account_names` nor the "
            r"BAS table names it; add it to the mapping as `account_names: \{1930: \"<name>\"\}`",
        ),
        (voucher("2026-13-10", "x", (1510, "1.00", ""), (3001, "-1.00", "")), "is not a date"),
        (
            voucher("2026-06-10", "x", ("15A0", "1.00", ""), (3001, "-1.00", "")),
            "not an account number",
        ),
        ({"VoucherDate": "2026-06-10", "VoucherText": "x", "Rows": []}, "has no rows"),
    ],
)
def test_what_cannot_be_written_is_refused(bad, message):
    with pytest.raises(SieError, match=message):
        sie4([bad], company=COMPANY, generated=date(2026, 7, 1))


def test_company_from_visma_over_the_mapping_and_what_is_required():
    mapping = load_mapping(SANDBOX_MAPPING)
    offline = company_for(mapping, "main", None)
    assert (offline.name, offline.org_nr, offline.fiscal_years) == (
        "Sandbox Coworking AB",
        "559999-0001",
        (),
    )
    assert offline.account_name(3911) == "Hyresintäkter"  # the BAS table
    visma = VismaCompany("Visma AB", "197001011234", None,
                         (FiscalYear(date(2026, 1, 1), date(2026, 12, 31)),),
                         {3911: "Lokalhyra coworking", 1930: "Bank"})  # fmt: skip
    online = company_for(mapping, "main", visma)
    assert (online.name, online.org_nr) == ("Visma AB", "700101-1234")  # century digits dropped
    assert online.account_name(3911) == "Lokalhyra coworking"
    assert online.account_name(1930) == "Bank" and online.source == "Visma (main)"
    named = mapping.model_copy(update={"account_names": {1930: "Företagskonto"}})
    assert company_for(named, "main", None).account_name(1930) == "Företagskonto"
    bare = mapping.model_copy(update={"entities": {"main": type(mapping.entities["main"])()}})
    with pytest.raises(SieError, match=r"no company name for #FNAMN: the mapping's "
                       r"entities.main has none; set `entities.main.company_name`"):  # fmt: skip
        company_for(bare, "main", None)
    nameless = VismaCompany("Visma AB", None, None, (), {})
    with pytest.raises(SieError, match="no organisation number for #ORGNR: Visma"):
        company_for(bare, "main", nameless)
    with pytest.raises(SieError, match="unknown entity 'gbg': the mapping has main"):
        company_for(mapping, "gbg", None)
    assert org_number("556677 8899", "x") == "556677-8899"
    with pytest.raises(SieError, match="'55667-788' of x is not NNNNNN-NNNN"):
        org_number("55667-788", "x")


# -- numbering across exports -----------------------------------------------------------------


@pytest.fixture
def outbox(tmp_path):
    conn = duckdb.connect(str(tmp_path / "wh.duckdb"))
    yield Outbox(conn)
    conn.close()


def add(outbox: Outbox, key: str, day: str, state: str = "pending") -> None:
    body = voucher(day, f"Periodisering {day} [ornd {key}]", (3001, "10.00", "", "STH"),
                   (2970, "-10.00", ""))  # fmt: skip
    outbox.insert(key, kind="voucher", entity="main", document_id=key, revision="r",
                  payload=body, state=state, business_date=date.fromisoformat(day))  # fmt: skip


def export(outbox: Outbox, tmp_path, start: str, end: str, **kwargs) -> dict[str, int]:
    out = tmp_path / f"{start}_{end}_{kwargs.get('series', 'A')}.si"
    company = kwargs.pop("company", COMPANY)
    export_sie(outbox.conn, out, date.fromisoformat(start), date.fromisoformat(end), "main",
               company=company, today=date(2026, 7, 1), **kwargs)  # fmt: skip
    sie = read_sie(out.read_bytes())
    return {v.text.split("[ornd ")[1][:-1]: v.number for v in sie.vouchers}


def test_overlapping_exports_number_shared_vouchers_alike_and_never_reuse_a_number(
    outbox, tmp_path
):
    add(outbox, "V-a", "2026-06-05")
    add(outbox, "V-b", "2026-06-15")
    add(outbox, "V-c", "2026-06-25")
    assert export(outbox, tmp_path, "2026-06-01", "2026-06-20") == {"V-a": 1, "V-b": 2}
    add(outbox, "V-d", "2026-06-10")  # reaches the outbox late, dated before V-b
    assert export(outbox, tmp_path, "2026-06-10", "2026-06-30") == {"V-d": 3, "V-b": 2,
                                                                     "V-c": 4}  # fmt: skip
    outbox.set_state("V-b", "superseded")  # its number 2 stays taken
    add(outbox, "V-e", "2026-06-16")
    assert export(outbox, tmp_path, "2026-06-01", "2026-06-30") == {
        "V-a": 1, "V-d": 3, "V-e": 5, "V-c": 4}  # fmt: skip
    # another fiscal year numbers from 1; another series has its own numbers
    add(outbox, "V-f", "2025-12-31")
    assert export(outbox, tmp_path, "2025-12-01", "2026-06-09") == {"V-f": 1, "V-a": 1}
    assert export(outbox, tmp_path, "2026-06-01", "2026-06-12", series="B") == {
        "V-a": 1, "V-d": 2}  # fmt: skip
    numbers = outbox.conn.execute(
        """SELECT series, fiscal_year_start, count(*), count(DISTINCT number)
           FROM posting.sie_numbers GROUP BY ALL ORDER BY ALL"""
    ).fetchall()
    assert numbers == [("A", date(2025, 1, 1), 1, 1), ("A", date(2026, 1, 1), 5, 5),
                       ("B", date(2026, 1, 1), 2, 2)]  # fmt: skip


def test_numbers_are_refused_when_the_fiscal_years_change_and_nothing_is_kept_on_failure(
    outbox, tmp_path
):
    add(outbox, "V-a", "2026-06-05")
    export(outbox, tmp_path, "2026-06-01", "2026-06-30")
    july = Company(name="Exempel AB", org_nr="556677-8899", first_month=7)
    with pytest.raises(SieError, match="numbered A 1 in the fiscal year 2026-01-01–2026-12-31, "
                       "but its fiscal year is now 2025-07-01–2026-06-30"):  # fmt: skip
        export(outbox, tmp_path, "2026-06-01", "2026-06-30", company=july)
    add(outbox, "V-x", "2026-06-06")
    outbox.conn.execute(
        "UPDATE posting.outbox SET payload = replace(payload, '3001', '1930') "
        "WHERE outbox_key = 'V-x'"
    )  # an account without a name: the export fails after numbering V-x
    with pytest.raises(SieError, match="account 1930"):
        export(outbox, tmp_path, "2026-06-01", "2026-06-30")
    assert outbox.conn.execute(
        "SELECT outbox_key FROM posting.sie_numbers ORDER BY 1"
    ).fetchall() == [("V-a",)]
    assert sorted(p.name for p in tmp_path.glob("*.si*")) == ["2026-06-01_2026-06-30_A.si"]


def test_every_account_the_sandbox_mapping_can_post_has_a_bas_name():
    from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
    from ornd_visma.posting.bas import BAS_NAMES

    mapping = load_mapping(SANDBOX_MAPPING)
    accounts = {*mapping.accounts.model_dump().values(), mapping.reverse_charge.account}
    accounts |= {v.vat_account for v in mapping.vat.values() if v.vat_account}
    accounts |= {rule.account for rule in mapping.revenue}
    assert sorted(a for a in accounts if a not in BAS_NAMES) == []
