"""The books on hand-made invoices, each expectation computed by hand in the test: VAT per
line, the receivable rounded to whole kronor with the difference on 3740, credit notes
negative and linked, reverse charge, prorations, and revenue spread by day."""

from collections import defaultdict
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from tests.books.handmade import (
    COMPANY,
    DESK,
    EU_COMPANY,
    EU_MEMBER,
    FLOOR,
    LOCATION,
    MEMBER,
    PLAN,
    books,
    document,
    line,
    oid,
)


def rows(conn, sql: str, params=None) -> list[tuple]:
    return conn.execute(sql, params or []).fetchall()


def doc(conn, doc_id: str) -> dict:
    cursor = conn.execute("SELECT * FROM core.documents WHERE document_id = ?", [doc_id])
    names = [c[0] for c in cursor.description]
    return dict(zip(names, cursor.fetchall()[0], strict=True))


def lines(conn, doc_id: str) -> list[dict]:
    cursor = conn.execute(
        "SELECT * FROM core.invoice_lines WHERE document_id = ? ORDER BY line_no", [doc_id]
    )
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def by_month(conn, doc_ids: list[str]) -> dict[tuple[int, int, int], D]:
    """Scheduled revenue per (account, year, month) of the documents."""
    out: dict = defaultdict(lambda: D("0.00"))
    marks = ", ".join("?" for _ in doc_ids)
    for account, day, amount in rows(
        conn,
        "SELECT account, service_date, amount FROM core.revenue_schedule "
        f"WHERE document_id IN ({marks})",
        doc_ids,
    ):
        out[(account, day.year, day.month)] += amount
    return dict(out)


def deferrals(conn) -> dict[tuple[date, int], tuple[D, D]]:
    return {
        (month, account): (deferred, released)
        for month, account, deferred, released in rows(
            conn,
            "SELECT month, account, sum(deferred), sum(released) FROM core.revenue_deferrals "
            "GROUP BY ALL",
        )
    }


def accruals(conn) -> dict[tuple[date, int], tuple[D, D]]:
    return {
        (month, account): (accrued, reversed_)
        for month, account, accrued, reversed_ in rows(
            conn,
            "SELECT month, account, sum(accrued), sum(reversed) FROM core.revenue_accruals "
            "GROUP BY ALL",
        )
    }


def membership(_id: str, plan: str, start: str, end: str | None = None, **kw) -> dict:
    return {
        "_id": _id,
        "name": plan,
        "company": kw.get("company", COMPANY),
        "member": kw.get("member", MEMBER),
        "plan": PLAN[plan],
        "location": LOCATION,
        "startDate": f"{start}T00:00:00.000Z",
        "endDate": f"{end}T00:00:00.000Z" if end else None,
        "price": D(3995),
        "createdAt": "2026-01-10T09:00:00.000Z",
        "modifiedAt": "2026-01-10T09:00:00.000Z",
    }


def test_a_mixed_0_6_25_percent_invoice(tmp_path):
    invoice = document(
        oid("10"),
        [
            # 2495.00 x 25 % = 623.75
            line("Hot Desk Sep", "2495.00", "SE25", "623.75"),
            # 250.00 x 6 % = 15.00, a concert ticket on 12 Sep
            line(
                "Jazz ticket",
                "250.00",
                "SE06",
                "15.00",
                account="EVENT-TICKETS",
                plan="TICKET",
                start="2026-09-12",
                end="2026-09-12",
            ),
            # a deposit: no VAT (0 %), not revenue
            line("Deposit", "4200.00", "SE00", "0.00", account="DEPOSITS", plan=None),
        ],
    )
    conn = books(tmp_path / "wh.duckdb", {"payments": [invoice]})
    d = doc(conn, oid("10"))
    # net 2495.00 + 250.00 + 4200.00 = 6945.00; VAT 623.75 + 15.00 + 0.00 = 638.75
    # total 7583.75, receivable rounded to 7584.00, +0.25 on the rounding account
    assert (d["net_total"], d["vat_total"], d["total"]) == (D("6945.00"), D("638.75"), D("7583.75"))
    assert (d["posted_total"], d["rounding"], d["status"]) == (D("7584.00"), D("0.25"), "ready")
    assert (d["entity"], d["customer_id"], d["customer_type"]) == ("main", COMPANY, "company")
    got = [
        (
            li["vat_percent"],
            li["vat_amount"],
            li["account"],
            li["vat_code"],
            li["vat_account"],
            li["vat_treatment"],
            li["revenue_class"],
            li["recognition"],
            li["cost_center_item_1"],
        )
        for li in lines(conn, oid("10"))
    ]
    assert got == [
        (D(25), D("623.75"), 3001, "10", 2611, "standard", "membership", "period", "STH"),
        (D(6), D("15.00"), 3003, "12", 2631, "standard", "event_ticket", "point", "STH"),
        (D(0), D("0.00"), 2420, "00", None, "zero", "deposit", "point", "STH"),
    ]
    # Revenue: the hot desk by day over 30 September days: 249500 öre / 30 = 8316 rest 20,
    # so 10 days of 83.16 and the last 20 of 83.17 (831.60 + 1663.40 = 2495.00); the ticket
    # on its day; the deposit nowhere.
    days = dict(
        rows(conn, "SELECT service_date, amount FROM core.revenue_schedule WHERE line_no = 1")
    )
    assert days[date(2026, 9, 1)] == D("83.16") and days[date(2026, 9, 10)] == D("83.16")
    assert days[date(2026, 9, 11)] == D("83.17") and days[date(2026, 9, 30)] == D("83.17")
    assert sum(days.values()) == D("2495.00") and len(days) == 30
    assert rows(
        conn, "SELECT service_date, amount FROM core.revenue_schedule WHERE line_no = 2"
    ) == [(date(2026, 9, 12), D("250.00"))]
    assert not rows(conn, "SELECT 1 FROM core.revenue_schedule WHERE line_no = 3")
    # Invoiced 27 August for September: deferred in August, released in September.
    assert deferrals(conn) == {
        (date(2026, 8, 1), 3001): (D("2495.00"), D("0.00")),
        (date(2026, 8, 1), 3003): (D("250.00"), D("0.00")),
        (date(2026, 9, 1), 3001): (D("0.00"), D("2495.00")),
        (date(2026, 9, 1), 3003): (D("0.00"), D("250.00")),
    }


def test_a_mid_month_upgrade_with_proration(tmp_path):
    september = document(oid("20", 1), [line("Hot Desk Sep", "2495.00", "SE25", "623.75")])
    # Upgraded to a fixed desk from 16 September: OfficeRnD ends the hot desk on the 15th
    # and credits 15 of 30 days, 2495.00 x 15/30 = 1247.50 (VAT 311.875 -> 311.88), and
    # invoices the fixed desk for 15 of 30 days, 3995.00 x 15/30 = 1997.50 (VAT 499.375 ->
    # 499.38).
    credit = document(
        oid("20", 2),
        [line("Credit: Hot Desk 16-30 Sep", "1247.50", "SE25", "311.88", start="2026-09-16")],
        kind="creditNote",
        day="2026-09-15",
        credits=oid("20", 1),
    )
    upgrade = document(
        oid("20", 3),
        [
            line(
                "Fixed Desk 16-30 Sep",
                "1997.50",
                "SE25",
                "499.38",
                plan="FIXDESK",
                start="2026-09-16",
            )
        ],
        day="2026-09-15",
    )
    conn = books(tmp_path / "wh.duckdb", {"payments": [september, credit, upgrade]})
    note = doc(conn, oid("20", 2))
    # -(1247.50 + 311.88) = -1559.38, rounded half away from zero to -1559.00: +0.38
    assert (note["net_total"], note["vat_total"], note["total"]) == (
        D("-1247.50"),
        D("-311.88"),
        D("-1559.38"),
    )
    assert (note["posted_total"], note["rounding"]) == (D("-1559.00"), D("0.38"))
    assert note["credited_document_id"] == oid("20", 1) and note["status"] == "ready"
    new = doc(conn, oid("20", 3))
    # 1997.50 + 499.38 = 2496.88 -> 2497.00, +0.12
    assert (new["total"], new["posted_total"], new["rounding"]) == (
        D("2496.88"),
        D("2497.00"),
        D("0.12"),
    )
    # September's revenue on 3001: 2495.00 - 1247.50 + 1997.50 = 3245.00
    assert by_month(conn, [oid("20", i) for i in (1, 2, 3)]) == {(3001, 2026, 9): D("3245.00")}
    # Only the August invoice was ahead of its month.
    assert deferrals(conn) == {
        (date(2026, 8, 1), 3001): (D("2495.00"), D("0.00")),
        (date(2026, 9, 1), 3001): (D("0.00"), D("2495.00")),
    }


def test_a_cancellation_with_a_credit_note_on_the_desks_floor(tmp_path):
    member_ship = oid("30", 9)
    invoice = document(
        oid("30", 1),
        # 3995.00 x 25 % = 998.75
        [
            line(
                "Fixed Desk Sep",
                "3995.00",
                "SE25",
                "998.75",
                plan="FIXDESK",
                membership=member_ship,
            )
        ],
    )
    # Ends 10 September, learned 5 September: keeps 10 of 30 days, 3995.00 x 10/30 =
    # 1331.67; credits 3995.00 - 1331.67 = 2663.33 for 11-30 Sep, VAT 665.8325 -> 665.83.
    note = document(
        oid("30", 2),
        [
            line(
                "Credit: Fixed Desk 11-30 Sep",
                "2663.33",
                "SE25",
                "665.83",
                plan="FIXDESK",
                start="2026-09-11",
                membership=member_ship,
            )
        ],
        kind="creditNote",
        day="2026-09-05",
        credits=oid("30", 1),
    )
    conn = books(
        tmp_path / "wh.duckdb",
        {
            "payments": [invoice, note],
            "memberships": [membership(member_ship, "FIXDESK", "2026-01-01", "2026-09-10")],
            "assignments": [
                {
                    "_id": oid("31"),
                    "resource": DESK,
                    "membership": member_ship,
                    "startDate": "2026-01-01T00:00:00.000Z",
                    "createdAt": "2026-01-01T00:00:00.000Z",
                    "modifiedAt": "2026-01-01T00:00:00.000Z",
                }
            ],
        },
    )
    credit = doc(conn, oid("30", 2))
    # -(2663.33 + 665.83) = -3329.16 -> -3329.00, +0.16
    assert (credit["total"], credit["posted_total"], credit["rounding"]) == (
        D("-3329.16"),
        D("-3329.00"),
        D("0.16"),
    )
    assert credit["credited_document_id"] == oid("30", 1)
    (credit_line,) = lines(conn, oid("30", 2))
    assert (credit_line["net_amount"], credit_line["vat_amount"]) == (D("-2663.33"), D("-665.83"))
    # The desk's floor is the second cost-center dimension.
    assert (credit_line["floor"], credit_line["cost_center_item_2"]) == (FLOOR, "STH-P1")
    # September keeps 10 days: 3995.00 - 2663.33 = 1331.67
    assert by_month(conn, [oid("30", 1), oid("30", 2)]) == {(3001, 2026, 9): D("1331.67")}
    credit_days = dict(
        rows(
            conn,
            "SELECT service_date, amount FROM core.revenue_schedule WHERE document_id = ?",
            [oid("30", 2)],
        )
    )
    # 266333 öre over 20 days = 13316 rest 13: 7 days of -133.16, then 13 of -133.17
    assert len(credit_days) == 20 and min(credit_days) == date(2026, 9, 11)
    assert credit_days[date(2026, 9, 17)] == D("-133.16")
    assert credit_days[date(2026, 9, 18)] == D("-133.17")


def test_an_eu_reverse_charge_customer(tmp_path):
    eu = document(
        oid("40", 1),
        [line("Hot Desk Sep", "2495.00", "RCEU", "0.00")],
        company=EU_COMPANY,
        member=EU_MEMBER,
    )
    # The same reverse-charge rate for a Swedish company: Swedish VAT may be due, hold it.
    domestic = document(oid("40", 2), [line("Hot Desk Sep", "2495.00", "RCEU", "0.00")])
    conn = books(tmp_path / "wh.duckdb", {"payments": [eu, domestic]})
    d = doc(conn, oid("40", 1))
    # No Swedish VAT: 2495.00 + 0.00, already whole kronor, nothing to round.
    assert (d["total"], d["vat_total"], d["posted_total"], d["rounding"], d["status"]) == (
        D("2495.00"),
        D("0.00"),
        D("2495.00"),
        D("0.00"),
        "ready",
    )
    (li,) = lines(conn, oid("40", 1))
    # The EU services account and VAT code (box 39), no output VAT account.
    assert (li["vat_treatment"], li["account"], li["vat_code"], li["vat_account"]) == (
        "reverse_charge",
        3308,
        "39",
        None,
    )
    held = doc(conn, oid("40", 2))
    assert held["status"] == "held"
    assert held["hold_reasons"] == [
        "line 1 (Hot Desk Sep): reverse charge (RCEU) but the customer has no EU VAT number "
        "outside Sweden"
    ]
    assert [li["mapped"] for li in lines(conn, oid("40", 2))] == [False]


def test_a_quarterly_plan_across_three_months(tmp_path):
    # 3795.00 a month x 3 = 11385.00 for 1 Sep - 30 Nov; VAT 2846.25; total 14231.25,
    # rounded down to 14231.00: -0.25 on the rounding account.
    invoice = document(
        oid("50"),
        [
            line(
                "Fixed Desk Quarterly Sep-Nov",
                "11385.00",
                "SE25",
                "2846.25",
                plan="FIXDESK-Q",
                end="2026-11-30",
            )
        ],
    )
    conn = books(tmp_path / "wh.duckdb", {"payments": [invoice]})
    d = doc(conn, oid("50"))
    assert (d["posted_total"], d["rounding"]) == (D("14231.00"), D("-0.25"))
    # 30 + 31 + 30 = 91 days; 1138500 öre / 91 = 12510 rest 90: the first day 125.10, the
    # other 90 days 125.11. Sep 125.10 + 29 x 125.11 = 3753.29; Oct 31 x 125.11 = 3878.41;
    # Nov 30 x 125.11 = 3753.30; together 11385.00.
    assert by_month(conn, [oid("50")]) == {
        (3001, 2026, 9): D("3753.29"),
        (3001, 2026, 10): D("3878.41"),
        (3001, 2026, 11): D("3753.30"),
    }
    assert deferrals(conn) == {
        (date(2026, 8, 1), 3001): (D("11385.00"), D("0.00")),
        (date(2026, 9, 1), 3001): (D("0.00"), D("3753.29")),
        (date(2026, 10, 1), 3001): (D("0.00"), D("3878.41")),
        (date(2026, 11, 1), 3001): (D("0.00"), D("3753.30")),
    }


@pytest.mark.parametrize(
    ("rounding", "posted", "difference"),
    [("whole_krona", "301.00", "0.28"), ("none", "300.72", "0.00")],
)
def test_an_invoice_whose_rounding_goes_to_the_rounding_account(
    tmp_path, rounding, posted, difference
):
    # 3 x 89.50 = 268.50 of catering at 12 %: VAT 32.22; total 300.72.
    invoice = document(
        oid("60"),
        [
            line(
                "Fika x 3",
                "268.50",
                "SE12",
                "32.22",
                account="CATERING",
                plan="CATERING",
                quantity="3",
                start="2026-08-20",
                end="2026-08-20",
            )
        ],
    )
    conn = books(tmp_path / "wh.duckdb", {"payments": [invoice]}, rounding=rounding)
    d = doc(conn, oid("60"))
    assert (d["total"], d["posted_total"], d["rounding"]) == (D("300.72"), D(posted), D(difference))
    # total + rounding = receivable, net + VAT = total, to the öre
    assert d["total"] + d["rounding"] == d["posted_total"]
    assert d["net_total"] + d["vat_total"] == d["total"]
    mapping = load_mapping(SANDBOX_MAPPING)
    assert mapping.accounts.rounding == 3740


def test_half_an_ore_krona_rounds_away_from_zero_both_ways(tmp_path):
    # 2.00 of printing at 25 % = 0.50 VAT: total 2.50 -> 3.00 (+0.50); its credit note
    # -2.50 -> -3.00 (-0.50).
    invoice = document(
        oid("61", 1), [line("Print", "2.00", "SE25", "0.50", account="PRINTING", plan="PRINT-100")]
    )
    note = document(
        oid("61", 2),
        [line("Print", "2.00", "SE25", "0.50", account="PRINTING", plan="PRINT-100")],
        kind="creditNote",
        credits=oid("61", 1),
    )
    conn = books(tmp_path / "wh.duckdb", {"payments": [invoice, note]})
    assert (doc(conn, oid("61", 1))["posted_total"], doc(conn, oid("61", 1))["rounding"]) == (
        D("3.00"),
        D("0.50"),
    )
    assert (doc(conn, oid("61", 2))["posted_total"], doc(conn, oid("61", 2))["rounding"]) == (
        D("-3.00"),
        D("-0.50"),
    )


def test_an_unmapped_line_holds_its_document_and_nothing_else(tmp_path):
    data = yaml.safe_load(Path(SANDBOX_MAPPING).read_text(encoding="utf-8"))
    data["revenue"] = [r for r in data["revenue"] if r["revenue_account"] != "PRINTING"]
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    gap = document(
        oid("70", 1),
        [
            line("Hot Desk Sep", "2495.00", "SE25", "623.75"),
            line(
                "Printing 100 pages",
                "150.00",
                "SE25",
                "37.50",
                account="PRINTING",
                plan="PRINT-100",
                start="2026-08-14",
                end="2026-08-14",
            ),
        ],
    )
    fine = document(oid("70", 2), [line("Hot Desk Sep", "2495.00", "SE25", "623.75")])
    conn = books(tmp_path / "wh.duckdb", {"payments": [gap, fine]}, load_mapping(path))
    held = doc(conn, oid("70", 1))
    assert held["status"] == "held"
    assert held["hold_reasons"] == [
        "line 2 (Printing 100 pages): no revenue rule for revenue account PRINTING, plan "
        "PRINT-100 (type service, fee kind one_off), tax rate SE25"
    ]
    assert [li["mapped"] for li in lines(conn, oid("70", 1))] == [True, False]
    assert doc(conn, oid("70", 2))["status"] == "ready"
    # A held document has no revenue schedule (it is not in the books until fixed).
    assert rows(conn, "SELECT DISTINCT document_id FROM core.revenue_schedule") == [(oid("70", 2),)]


def test_rebuilding_a_window_changes_nothing(tmp_path):
    from ornd_visma.books.invoice_lines import build_documents
    from ornd_visma.books.revenue import build_revenue_schedule

    invoice = document(oid("80"), [line("Hot Desk Sep", "2495.00", "SE25", "623.75")])
    conn = books(tmp_path / "wh.duckdb", {"payments": [invoice]})
    before = [
        rows(conn, f"SELECT * FROM core.{t} ORDER BY ALL")
        for t in ("documents", "invoice_lines", "revenue_schedule")
    ]
    mapping = load_mapping(SANDBOX_MAPPING)
    for _ in range(2):
        build_documents(conn, mapping, date(2026, 8, 27), date(2026, 8, 28), "whole_krona")
        build_revenue_schedule(conn, date(2026, 8, 27), date(2026, 8, 28))
    after = [
        rows(conn, f"SELECT * FROM core.{t} ORDER BY ALL")
        for t in ("documents", "invoice_lines", "revenue_schedule")
    ]
    assert after == before
    # Another window leaves this one alone.
    build_documents(conn, mapping, date(2026, 9, 1), date(2026, 9, 2), "whole_krona")
    assert rows(conn, "SELECT count(*) FROM core.documents") == [(1,)]


def test_a_location_on_another_entity_and_an_unmapped_location(tmp_path):
    from tests.books import handmade

    data = yaml.safe_load(Path(SANDBOX_MAPPING).read_text(encoding="utf-8"))
    data["entities"]["gbg"] = {"env_prefix": "VISMA_GBG"}
    data["locations"]["GBG"] = {"entity": "gbg", "cost_center_item": "GBG"}
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    gbg, nowhere = oid("d1", 2), oid("d1", 3)
    extra = {
        "locations": [
            {"_id": gbg, "name": "Göteborg", "code": "GBG"},
            {"_id": nowhere, "name": "Lund", "code": "LND-NEW"},
        ]
    }
    # An STH invoice with a line served in Göteborg: two Visma companies on one document.
    mixed_line = line("Hot Desk GBG Sep", "2495.00", "SE25", "623.75")
    mixed_line["location"] = gbg
    mixed = document(oid("90", 1), [line("Hot Desk Sep", "2495.00", "SE25", "623.75"), mixed_line])
    # A Göteborg invoice: entity gbg, its own cost center.
    goteborg = document(oid("90", 2), [dict(mixed_line)])
    goteborg["location"] = gbg
    lund_line = line("Hot Desk Lund", "2495.00", "SE25", "623.75")
    lund_line["location"] = nowhere
    lund = document(oid("90", 3), [lund_line])
    lund["location"] = nowhere
    conn = handmade.books(
        tmp_path / "wh.duckdb",
        {**extra, "payments": [mixed, goteborg, lund]},
        load_mapping(path),
    )
    assert doc(conn, oid("90", 1))["hold_reasons"] == [
        "lines belong to entities gbg, main but the document to main"
    ]
    ready = doc(conn, oid("90", 2))
    assert (ready["status"], ready["entity"]) == ("ready", "gbg")
    assert [(li["entity"], li["cost_center_item_1"]) for li in lines(conn, oid("90", 2))] == [
        ("gbg", "GBG")
    ]
    assert doc(conn, oid("90", 3))["hold_reasons"] == [
        "location LND-NEW is not in the mapping's locations",
        "line 1 (Hot Desk Lund): location LND-NEW is not in the mapping's locations",
    ]


def test_a_changed_mapping_gives_a_new_revision(tmp_path):
    from ornd_visma.books.invoice_lines import build_documents

    invoice = document(oid("85"), [line("Hot Desk Sep", "2495.00", "SE25", "623.75")])
    conn = books(tmp_path / "wh.duckdb", {"payments": [invoice]})
    first = doc(conn, oid("85"))["revision"]
    assert len(first) == 64  # sha256 hex
    data = yaml.safe_load(Path(SANDBOX_MAPPING).read_text(encoding="utf-8"))
    for rule in data["revenue"]:
        if rule["revenue_account"] == "MEMBERSHIP":
            rule["account"] = 3041
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    build_documents(conn, load_mapping(path), date(2026, 8, 27), date(2026, 8, 28), "whole_krona")
    assert [li["account"] for li in lines(conn, oid("85"))] == [3041]
    second = doc(conn, oid("85"))["revision"]
    assert second != first
    # ... and back: the same content, the same revision.
    build_documents(
        conn, load_mapping(SANDBOX_MAPPING), date(2026, 8, 27), date(2026, 8, 28), "whole_krona"
    )
    assert doc(conn, oid("85"))["revision"] == first


def test_a_credit_note_carries_the_floor_of_the_line_it_credits(tmp_path):
    from ornd_visma.books.invoice_lines import build_documents

    floor_2, desk_2 = oid("d2", 2), oid("e2", 2)
    on_plan_2, on_plan_1 = oid("32", 1), oid("32", 2)  # memberships
    # A quarterly fixed desk on floor "Plan 2", invoiced 1 October for 1 Oct - 31 Dec:
    # 3 x 3795.00 = 11385.00, VAT 2846.25.
    invoice = document(
        oid("33", 1),
        [
            line(
                "Fixed Desk Quarterly Oct-Dec",
                "11385.00",
                "SE25",
                "2846.25",
                plan="FIXDESK-Q",
                start="2026-10-01",
                end="2026-12-31",
                membership=on_plan_2,
            )
        ],
        day="2026-10-01",
    )
    # The membership and its desk end 31 October, learned 5 November: of 92 days 31 are kept,
    # 11385.00 x 31/92 = 3836.25; credited 11385.00 - 3836.25 = 7548.75 for 1 Nov - 31 Dec,
    # VAT 7548.75 x 25 % = 1887.1875 -> 1887.19. A second line credits a membership the
    # invoice does not bill (its desk is on "Plan 1", still assigned): it matches no line of
    # the invoice (another membership never does) and keeps its own floor.
    note = document(
        oid("33", 2),
        [
            line(
                "Credit: Fixed Desk Quarterly 1 Nov - 31 Dec",
                "7548.75",
                "SE25",
                "1887.19",
                plan="FIXDESK-Q",
                start="2026-11-01",
                end="2026-12-31",
                membership=on_plan_2,
            ),
            line(
                "Credit: Fixed Desk Quarterly (other member)",
                "100.00",
                "SE25",
                "25.00",
                plan="FIXDESK-Q",
                start="2026-11-01",
                end="2026-12-31",
                membership=on_plan_1,
            ),
        ],
        kind="creditNote",
        day="2026-11-05",
        credits=oid("33", 1),
    )

    def assignment(n: int, resource: str, ship: str, end: str | None) -> dict:
        return {
            "_id": oid("34", n),
            "resource": resource,
            "membership": ship,
            "startDate": "2026-01-01T00:00:00.000Z",
            "endDate": f"{end}T00:00:00.000Z" if end else None,
            "createdAt": "2026-01-01T00:00:00.000Z",
            "modifiedAt": "2026-11-05T00:00:00.000Z",
        }

    conn = books(
        tmp_path / "wh.duckdb",
        {
            "payments": [invoice, note],
            "floors": [
                {"_id": floor_2, "name": "Plan 2", "floor": "2", "location": LOCATION,
                 "area": 400, "createdAt": "2024-01-01T09:00:00.000Z",
                 "modifiedAt": "2024-01-01T09:00:00.000Z"},
            ],
            "resources": [
                {"_id": desk_2, "name": "D21", "type": "desk", "location": LOCATION,
                 "floor": floor_2, "createdAt": "2024-01-01T09:00:00.000Z",
                 "modifiedAt": "2024-01-01T09:00:00.000Z"},
            ],
            "memberships": [
                membership(on_plan_2, "FIXDESK-Q", "2026-01-01", "2026-10-31"),
                membership(on_plan_1, "FIXDESK-Q", "2026-01-01"),
            ],
            "assignments": [
                assignment(1, desk_2, on_plan_2, "2026-10-31"),
                assignment(2, DESK, on_plan_1, None),
            ],
        },
    )  # fmt: skip

    def floors() -> list[tuple]:
        return [
            (li["document_id"], li["line_no"], li["floor"], li["cost_center_item_2"])
            for doc_id in (oid("33", 1), oid("33", 2))
            for li in lines(conn, doc_id)
        ]

    expected = [
        (oid("33", 1), 1, floor_2, "STH-P2"),  # the October line: the desk on "Plan 2"
        (oid("33", 2), 1, floor_2, "STH-P2"),  # its credit, though the desk ended 31 Oct
        (oid("33", 2), 2, FLOOR, "STH-P1"),  # no credited line: its own desk's floor
    ]
    assert floors() == expected
    assert [li["cost_center_item_1"] for li in lines(conn, oid("33", 2))] == ["STH", "STH"]
    # The credit cancels November and December on the cost centers it was booked on:
    # 1138500 öre / 92 days = 12375 a day, and -754875 / 61 days = -12375 a day.
    per_month = defaultdict(lambda: D("0.00"))
    for day, cc2, amount in rows(
        conn,
        "SELECT service_date, cost_center_item_2, amount FROM core.revenue_schedule "
        "WHERE document_id = ? OR (document_id = ? AND line_no = 1)",
        [oid("33", 1), oid("33", 2)],
    ):
        per_month[(day.month, cc2)] += amount
    # October: 31 x 123.75 = 3836.25; November 30 x (123.75 - 123.75), December the same
    assert dict(per_month) == {
        (10, "STH-P2"): D("3836.25"),
        (11, "STH-P2"): D("0.00"),
        (12, "STH-P2"): D("0.00"),
    }
    # November's window built alone (the credited invoice outside it): the same answer.
    build_documents(
        conn, load_mapping(SANDBOX_MAPPING), date(2026, 11, 1), date(2026, 12, 1), "whole_krona"
    )
    assert floors() == expected


def test_printing_billed_in_arrears_is_accrued_in_its_month_and_never_moved_twice(tmp_path):
    # The bill run of 1 Nov: printing used 10-20 Oct (billed in arrears), November's desk and
    # December's desk (billed ahead), each 25 %.
    invoice = document(
        oid("70", 1),
        [
            # 500.00 x 25 % = 125.00
            line("Printing Oct", "500.00", "SE25", "125.00", account="PRINTING",
                 plan="PRINT-100", start="2026-10-10", end="2026-10-20"),
            # 2495.00 x 25 % = 623.75, twice
            line("Hot Desk Nov", "2495.00", "SE25", "623.75", start="2026-11-01",
                 end="2026-11-30"),
            line("Hot Desk Dec", "2495.00", "SE25", "623.75", start="2026-12-01",
                 end="2026-12-31"),
        ],
        day="2026-11-01",
    )  # fmt: skip
    # A credit note of 3 Dec takes back 100.00 of the October printing (VAT 25.00).
    note = document(
        oid("70", 2),
        [line("Credit: printing Oct", "100.00", "SE25", "25.00", account="PRINTING",
              plan="PRINT-100", start="2026-10-10", end="2026-10-20")],
        kind="creditNote",
        day="2026-12-03",
        credits=oid("70", 1),
    )  # fmt: skip
    conn = books(tmp_path / "wh.duckdb", {"payments": [invoice, note]})
    # printing is recognised on its first day of use (10 Oct): October 500.00 - 100.00
    assert by_month(conn, [oid("70", 1), oid("70", 2)]) == {
        (3041, 2026, 10): D("400.00"),
        (3001, 2026, 11): D("2495.00"),
        (3001, 2026, 12): D("2495.00"),
    }
    # accrued at October's end: 500.00 (the invoice) - 100.00 (the credit note) = 400.00;
    # reversed in each document's month: November +500.00, December -100.00
    assert accruals(conn) == {
        (date(2026, 10, 1), 3041): (D("400.00"), D("0.00")),
        (date(2026, 11, 1), 3041): (D("0.00"), D("500.00")),
        (date(2026, 12, 1), 3041): (D("0.00"), D("-100.00")),
    }
    # only December's desk is deferred (invoiced in November); the printing never is
    assert deferrals(conn) == {
        (date(2026, 11, 1), 3001): (D("2495.00"), D("0.00")),
        (date(2026, 12, 1), 3001): (D("0.00"), D("2495.00")),
    }
    # the ledger books each document's net in its month; with the vouchers every month holds
    # what was served in it: ledger - deferred + released + accrued - reversed
    # Oct:      0.00 - 0 + 0 + 400.00 - 0 = 400.00 (3041)
    # Nov: 5490.00 - 2495.00 + 0 + 0 - 500.00 = 2495.00 (3041 500.00 - 500.00 = 0)
    # Dec: -100.00 - 0 + 2495.00 + 0 - (-100.00) = 2495.00 (3041 -100.00 + 100.00 = 0)
    ledger = {(date(2026, 11, 1), 3041): D("500.00"), (date(2026, 11, 1), 3001): D("4990.00"),
              (date(2026, 12, 1), 3041): D("-100.00")}  # fmt: skip
    booked: dict = defaultdict(lambda: D("0.00"))
    for key, amount in ledger.items():
        booked[key] += amount
    for key, (deferred, released) in deferrals(conn).items():
        booked[key] += released - deferred
    for key, (accrued, reversed_) in accruals(conn).items():
        booked[key] += accrued - reversed_
    served = {(date(y, m, 1), a): v for (a, y, m), v in by_month(conn, [oid("70", 1),
              oid("70", 2)]).items()}  # fmt: skip
    assert {k: v for k, v in booked.items() if v} == served
