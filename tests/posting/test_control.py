"""Control without sending: the dry run, hold and release from the command line, and the
SIE4 export of the same vouchers."""

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from ornd_visma.cli import main
from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.poster import Poster
from ornd_visma.posting.sie import sie4, vouchers
from tests.posting.books import Books, Line
from tests.posting.sie_support import closed_port

D = Decimal
JUNE = (date(2026, 6, 1), date(2026, 7, 1))
MAPPING = load_mapping(SANDBOX_MAPPING)


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("ORND_VISMA_WAREHOUSE", str(path))
    # export-sie asks Visma first: here no Visma answers (names and years from the mapping)
    monkeypatch.setenv("VISMA_API_URL", f"http://127.0.0.1:{closed_port()}/v2")
    monkeypatch.setenv("ORND_VISMA_STATE_DIR", str(tmp_path / "state"))
    conn = duckdb.connect(str(path))
    books = Books(conn)
    books.company("c1", "Åkesson & Ödman AB")
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10),
                   [Line(3001, D("1000.00")), Line(3911, D("333.33"), D(0))])  # fmt: skip
    books.document("d2", "CN00001-GBG", "c1", date(2026, 6, 12),
                   [Line(3001, D("200.00"), location="GBG")], credit=True)  # fmt: skip
    conn.close()
    return path


def dry_run(path):
    conn = duckdb.connect(str(path))
    try:
        return Poster(conn, MAPPING, None, dry_run=True).run(*JUNE)
    finally:
        conn.close()


def test_dry_run_records_would_post_with_previews_and_needs_no_client(warehouse):
    summary = dry_run(warehouse)
    assert summary.sent == 0 and summary.requests == 0
    assert sorted(number for _, number, _ in summary.would_post) == [
        "000001-STH", "CN00001-GBG", "c1",  # the customer's row is numbered by CustomerNumber
    ]  # fmt: skip
    assert summary.as_metadata()["would_post_amount"] == str(D("1583.00") + D("-250.00") + 0)
    ledger = next(p for p in summary.previews if p["outbox_key"].startswith("L-d1"))
    assert ledger["TotalAmountInvoiceCurrency"] == D("1583.00")
    again = dry_run(warehouse)  # a second dry run adds nothing
    assert sum(again.planned.values()) == 0


def test_hold_and_release_from_the_command_line(warehouse, capsys):
    dry_run(warehouse)
    assert main(["hold", "d1", "--reason", "customer disputes the invoice"]) == 0
    assert "held d1" in capsys.readouterr().out
    summary = dry_run(warehouse)
    assert [(n, r) for _, n, r in summary.held] == [
        ("000001-STH", "held by hand: customer disputes the invoice")
    ]
    assert main(["release", "d1"]) == 0
    conn = duckdb.connect(str(warehouse))
    state = conn.execute("SELECT state FROM posting.outbox WHERE document_id = 'd1'").fetchone()
    conn.close()
    assert state == ("pending",)
    assert dry_run(warehouse).held == []


def test_export_sie_writes_balanced_cp437_vouchers(warehouse, tmp_path):
    dry_run(warehouse)
    out = tmp_path / "books.se"
    assert (
        main(["export-sie", "--from", "2026-06-01", "--to", "2026-06-30", "--out", str(out)]) == 0
    )
    raw = out.read_bytes()
    assert "Å".encode("cp437") in raw  # CP437, not UTF-8
    text = raw.decode("cp437")
    lines = text.split("\r\n")
    assert lines[:3] == ["#FLAGGA 0", "#FORMAT PC8", "#SIETYP 4"]
    assert '#OBJEKT 1 "GBG" "GBG"' in lines and '#OBJEKT 1 "STH" "STH"' in lines
    vers = [line for line in lines if line.startswith("#VER")]
    assert [v.split()[1:4] for v in vers] == [['"A"', "1", "20260610"], ['"A"', "2", "20260612"]]
    assert "Åkesson & Ödman AB" in vers[0] and "[ornd L-d1-" in vers[0]
    first = lines[lines.index(vers[0]) + 2 : lines.index("}")]
    amounts = {t.split()[1]: D(t.split("}")[1].split()[0]) for t in first}
    # debit 1510 1583.00; credit 3001 1000.00, 3911 333.33, 2611 250.00; 3740 debit 0.33
    assert amounts == {"1510": D("1583.00"), "3001": D("-1000.00"), "3911": D("-333.33"),
                       "2611": D("-250.00"), "3740": D("0.33")}  # fmt: skip
    assert sum(amounts.values()) == 0
    assert '   #TRANS 3001 {1 "STH"} -1000.00 "" "000001-STH"' in first


def test_sie_of_a_deferral_voucher():
    voucher = {"VoucherDate": "2026-05-31", "VoucherText": 'Periodisering "maj"',
               "Rows": [{"AccountNumber": 3001, "DebitAmount": D("10.50"),
                         "CostCenterShortName1": "STH", "CostCenterShortName2": "STH-P1"},
                        {"AccountNumber": 2970, "CreditAmount": D("10.50")}]}  # fmt: skip
    text = sie4([voucher], company="main", start=date(2026, 5, 1), generated=date(2026, 6, 1))
    assert '#VER "A" 1 20260531 "Periodisering \\"maj\\""' in text
    assert '#TRANS 3001 {1 "STH" 2 "STH-P1"} 10.50 "" ""' in text
    assert '#TRANS 2970 {} -10.50 "" ""' in text
    assert vouchers is not None
