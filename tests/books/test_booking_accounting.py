"""Booking accounting on hand-made bookings (seed 002's rules), and its rule functions."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from ornd_visma.books.booking_accounting import (
    Entry,
    booking_summary,
    classify_occurrence,
    occurrences,
)
from ornd_visma.officernd.booking_rules import accounting_date
from tests.books.handmade import (
    COMPANY,
    CREDIT_COMPANY,
    CREDIT_MEMBER,
    LOCATION,
    MEMBER,
    PLAN,
    RATE,
    ROOM,
    books,
    document,
    line,
    oid,
)

CREDIT_MEMBERSHIP = oid("c9")


def booking(_id: str, start: str, hours: int, created: str, *, company=CREDIT_COMPANY,
            member=CREDIT_MEMBER, entries=(), rrule=None, **flags) -> dict:  # fmt: skip
    begin = datetime.fromisoformat(start).replace(tzinfo=UTC)
    end = begin.replace(hour=begin.hour + hours)
    return {
        "_id": _id,
        "timezone": "Europe/Stockholm",
        "start": begin.isoformat().replace("+00:00", "Z"),
        "end": end.isoformat().replace("+00:00", "Z"),
        "recurrence": {"rrule": rrule, "exdates": []} if rrule else None,
        "location": LOCATION,
        "company": company,
        "member": member,
        "resource": ROOM,
        "rate": RATE,
        "fees": list(entries),
        "isCancelled": flags.get("cancelled", False),
        "isTentative": flags.get("tentative", False),
        "isFree": flags.get("free", False),
        "isAccounted": bool(entries),
        "createdAt": f"{created}T10:00:00.000Z",
        "modifiedAt": f"{created}T10:00:00.000Z",
    }


def entry(day: str, fee=None, credits=0, coins=0) -> dict:
    return {
        "date": f"{day}T00:00:00.000Z",
        "fee": fee,
        "credits": [{"count": credits, "credit": oid("c8")}] if credits else [],
        "coins": [{"count": coins, "_id": oid("c7")}] if coins else [],
    }


def credit_holder() -> dict[str, list[dict]]:
    """Kredit AB holds a fixed desk since January with 4 meeting-room credits a month."""
    stamp = "2026-01-05T09:00:00.000Z"
    return {
        "memberships": [
            {"_id": CREDIT_MEMBERSHIP, "name": "Fixed Desk", "company": CREDIT_COMPANY,
             "member": CREDIT_MEMBER, "plan": PLAN["FIXDESK"], "location": LOCATION,
             "startDate": "2026-01-01T00:00:00.000Z", "endDate": None, "price": D(3995),
             "createdAt": stamp, "modifiedAt": stamp}
        ],
        "credits": [
            {"_id": oid("c8", m), "company": CREDIT_COMPANY, "member": None,
             "membership": CREDIT_MEMBERSHIP, "intervalLength": "month",
             "startDate": f"2026-{m:02d}-01T00:00:00.000Z",
             "validFrom": f"2026-{m:02d}-01T00:00:00.000Z",
             "validTo": f"2026-{m:02d}-28T00:00:00.000Z", "validFor": "resourceTypes",
             "resourceTypes": ["meeting_room"], "count": 4, "usedCount": 0, "bookings": [],
             "createdAt": stamp, "modifiedAt": stamp}
            for m in range(1, 13)
        ],
    }  # fmt: skip


def accounting(conn) -> list[tuple]:
    return conn.execute(
        """SELECT occurrence_date, outcome, holder_has_credits, invoiceable_from, credits_used,
                  fee_id, fee_amount, invoice_id, unbilled_amount
           FROM core.booking_accounting ORDER BY occurrence_date"""
    ).fetchall()


def test_three_months_ahead_by_a_credit_holder_waits_for_the_first(tmp_path):
    # Booked 10 June for 15 September, 2 hours: Kredit AB holds credits, so OfficeRnD holds it
    # unaccounted until 1 September.
    data = {**credit_holder(), "bookings": [booking(oid("b9"), "2026-09-15T08:00:00", 2,
                                                    "2026-06-10")]}  # fmt: skip
    conn = books(tmp_path / "a.duckdb", data, as_of=date(2026, 8, 20))
    assert accounting(conn) == [
        (date(2026, 9, 15), "pending", True, date(2026, 9, 1), D(0), None, None, None, D(0))
    ]
    conn.close()
    # On 1 September it was paid with 2 credits.
    data["bookings"] = [
        booking(oid("b9"), "2026-09-15T08:00:00", 2, "2026-06-10",
                entries=[entry("2026-09-15", credits=2)])
    ]  # fmt: skip
    conn = books(tmp_path / "b.duckdb", data, as_of=date(2026, 9, 2))
    assert [(*r[:2], r[4]) for r in accounting(conn)] == [(date(2026, 9, 15), "credits", D(2))]
    conn.close()
    # ... or, its credits spent, with a booking fee: 2 h x 450.00 = 900.00, on the invoice
    # of the September bill run (VAT 225.00).
    fee_id, invoice_id = oid("fe"), oid("1e")
    data["bookings"] = [
        booking(oid("b9"), "2026-09-15T08:00:00", 2, "2026-06-10",
                entries=[entry("2026-09-15", fee=fee_id)])
    ]  # fmt: skip
    data["fees"] = [
        {"_id": fee_id, "name": "Rum 1 2026-09-15", "price": D(450), "quantity": 2,
         "company": CREDIT_COMPANY, "member": CREDIT_MEMBER, "location": LOCATION, "plan": RATE,
         "planType": "ResourceRate", "issueDate": "2026-09-15T00:00:00.000Z",
         "payment": {"_id": invoice_id}, "createdAt": "2026-09-01T02:00:00.000Z",
         "modifiedAt": "2026-09-26T03:00:00.000Z"}
    ]  # fmt: skip
    data["payments"] = [
        document(invoice_id, [line("Rum 1 2026-09-15", "900.00", "SE25", "225.00",
                                   account="BOOKING", plan=RATE, fee=fee_id, quantity="2",
                                   start="2026-09-15", end="2026-09-15")],
                 day="2026-09-26", company=CREDIT_COMPANY, member=CREDIT_MEMBER)
    ]  # fmt: skip
    conn = books(tmp_path / "c.duckdb", data, as_of=date(2026, 10, 1))
    (row,) = accounting(conn)
    assert row[1] == "fee_invoiced" and row[5:8] == (fee_id, D("900.00"), invoice_id)
    # The fee line is booking revenue on its own account, recognised on the day of use.
    assert conn.execute(
        "SELECT revenue_class, account, recognition FROM core.invoice_lines"
    ).fetchall() == [("booking_fee", 3913, "point")]
    assert conn.execute("SELECT service_date, amount FROM core.revenue_schedule").fetchall() == [
        (date(2026, 9, 15), D("900.00"))
    ]
    conn.close()
    # Not accounted although 1 September has passed: unbilled usage, 2 h x 450.00 = 900.00.
    data = {**credit_holder(), "bookings": [booking(oid("b9"), "2026-09-15T08:00:00", 2,
                                                    "2026-06-10")]}  # fmt: skip
    conn = books(tmp_path / "d.duckdb", data, as_of=date(2026, 9, 2))
    (row,) = accounting(conn)
    assert (row[1], row[3], row[8]) == ("unbilled", date(2026, 9, 1), D("900.00"))
    summary = booking_summary(conn)
    assert summary["unbilled_amount"] == D("900.00")
    assert "accounting day 2026-09-01 has passed" in summary["unbilled"][0][4]


def test_seed_002s_example_a_booking_on_20_april_made_two_months_ahead(tmp_path):
    # "If a booking scheduled for April 20 was made two months in advance and recorded as
    # 'Not accounted', it will be accounted on April 1."
    assert accounting_date(date(2026, 2, 20), date(2026, 4, 20), holder_has_credits=True) == (
        date(2026, 4, 1)
    )
    # Without credits or coins it can be invoiced at any time: accounted when made.
    assert accounting_date(date(2026, 2, 20), date(2026, 4, 20), holder_has_credits=False) == (
        date(2026, 2, 20)
    )
    data = {**credit_holder(), "bookings": [booking(oid("b8"), "2026-04-20T08:00:00", 1,
                                                    "2026-02-20")]}  # fmt: skip
    conn = books(tmp_path / "a.duckdb", data, as_of=date(2026, 3, 31))
    assert [r[:4] for r in accounting(conn)] == [
        (date(2026, 4, 20), "pending", True, date(2026, 4, 1))
    ]
    conn.close()
    # The same booking by a company with no credits, still not accounted on 31 March, should
    # have been charged when it was made: 1 h x 450.00 = 450.00 unbilled.
    data = {"bookings": [booking(oid("b8"), "2026-04-20T08:00:00", 1, "2026-02-20",
                                 company=COMPANY, member=MEMBER)]}  # fmt: skip
    conn = books(tmp_path / "b.duckdb", data, as_of=date(2026, 3, 31))
    assert [(r[1], r[2], r[3], r[8]) for r in accounting(conn)] == [
        ("unbilled", False, date(2026, 2, 20), D("450.00"))
    ]


def test_recurring_free_tentative_cancelled_and_coins(tmp_path):
    paid = [entry("2026-09-07", coins=450), entry("2026-09-14", credits=1)]
    weekly = booking(
        oid("b7", 1), "2026-09-07T08:00:00", 1, "2026-09-01", rrule="FREQ=WEEKLY;COUNT=3",
        entries=paid,
    )  # fmt: skip
    data = {
        **credit_holder(),
        "bookings": [
            weekly,
            booking(oid("b7", 2), "2026-09-08T08:00:00", 1, "2026-09-01", free=True),
            booking(oid("b7", 3), "2026-09-09T08:00:00", 1, "2026-09-01", tentative=True),
            booking(oid("b7", 4), "2026-09-10T08:00:00", 1, "2026-09-01", cancelled=True),
        ],
    }
    conn = books(tmp_path / "wh.duckdb", data, as_of=date(2026, 9, 16))
    got = conn.execute(
        "SELECT booking_id, occurrence_date, outcome, coins_used, credits_used "
        "FROM core.booking_accounting ORDER BY booking_id, occurrence_date"
    ).fetchall()
    assert got == [
        (oid("b7", 1), date(2026, 9, 7), "coins", D("450.00"), D(0)),
        (oid("b7", 1), date(2026, 9, 14), "credits", D(0), D(1)),
        # The third week (21 Sep) has no entry. Booked on 1 September for September, it was
        # due to be accounted at once (a credit holder waits only for the 1st of the
        # booking's month, which had come): unbilled, 1 h x 450.00.
        (oid("b7", 1), date(2026, 9, 21), "unbilled", D(0), D(0)),  # 450.00, below
        (oid("b7", 2), date(2026, 9, 8), "free", D(0), D(0)),
        (oid("b7", 3), date(2026, 9, 9), "tentative", D(0), D(0)),
        (oid("b7", 4), date(2026, 9, 10), "cancelled", D(0), D(0)),
    ]
    assert booking_summary(conn)["unbilled_amount"] == D("450.00")


# -- the rule functions, directly ----------------------------------------------------------


def test_occurrences_follow_the_recurrence_rule():
    start = datetime(2026, 9, 7, 8, tzinfo=UTC)  # a Monday
    assert occurrences(start, None) == [start]
    weekly = occurrences(start, "FREQ=WEEKLY;COUNT=3")
    assert [o.day for o in weekly] == [7, 14, 21]
    by_day = occurrences(start, "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=4")
    assert [o.day for o in by_day] == [7, 9, 11, 14]
    until = occurrences(start, "FREQ=DAILY;INTERVAL=2;UNTIL=20260913T235959Z")
    assert [o.day for o in until] == [7, 9, 11, 13]
    assert [o.day for o in occurrences(start, "FREQ=WEEKLY;COUNT=3", [weekly[1]])] == [7, 21]
    assert [(o.month, o.day) for o in occurrences(start, "FREQ=MONTHLY;COUNT=2")] == [
        (9, 7),
        (10, 7),
    ]
    with pytest.raises(ValueError, match="unsupported recurrence"):
        occurrences(start, "FREQ=YEARLY;COUNT=2")


def test_classify_occurrence_rules():
    common = {
        "occurrence": date(2026, 9, 15),
        "created": date(2026, 6, 10),
        "hours": D("1.5"),
        "hourly_rate": D(450),
        "as_of": date(2026, 9, 2),
        "holder_has_credits": True,
    }
    # 1.5 h x 450.00 = 675.00 if nobody charged it
    assert classify_occurrence(**common).unbilled_amount == D("675.00")
    assert classify_occurrence(**common, is_free=True).outcome == "free"
    mixed = classify_occurrence(
        **common, entry=Entry("fee1", D(1), D(0)), fee=(D("225.00"), "inv1")
    )
    # one credit hour, the other half hour as a fee: 0.5 x 450.00 = 225.00
    assert (mixed.outcome, mixed.credits_used, mixed.fee_amount) == ("fee_invoiced", 1, D("225.00"))
    waiting = classify_occurrence(**common, entry=Entry("fee1", D(0), D(0)), fee=(D(675), None))
    assert (waiting.outcome, waiting.invoiceable_from) == ("fee_not_invoiced", date(2026, 9, 15))
    empty = classify_occurrence(**common, entry=Entry(None, D(0), D(0)))
    assert (empty.outcome, empty.unbilled_amount) == ("unbilled", D("675.00"))
    early = classify_occurrence(**{**common, "as_of": date(2026, 8, 31)})
    assert (early.outcome, early.invoiceable_from) == ("pending", date(2026, 9, 1))


def test_credits_that_arrive_before_the_accounting_day_hold_the_fee_to_the_first():
    # Booked 7 Oct (no credits then) for 25 Dec, weekly: accounted two months ahead, on
    # 25 Oct; but a membership with coins began 18 Oct, so on 25 Oct the holder has coins
    # and OfficeRnD holds the fee until 1 December.
    def holds(day: date) -> bool:
        return day >= date(2026, 10, 18)

    got = classify_occurrence(
        occurrence=date(2026, 12, 25),
        created=date(2026, 10, 7),
        hours=D(1),
        hourly_rate=D(450),
        as_of=date(2026, 11, 20),
        holder_has_credits=False,
        is_recurring=True,
        holds_credits_on=holds,
    )
    assert (got.outcome, got.invoiceable_from) == ("pending", date(2026, 12, 1))
    # Without the coins it was due on 25 Oct (two months before): unbilled by 20 Nov.
    due = classify_occurrence(
        occurrence=date(2026, 12, 25),
        created=date(2026, 10, 7),
        hours=D(1),
        hourly_rate=D(450),
        as_of=date(2026, 11, 20),
        holder_has_credits=False,
        is_recurring=True,
    )
    assert (due.outcome, due.invoiceable_from, due.unbilled_amount) == (
        "unbilled", date(2026, 10, 25), D("450.00"),
    )  # fmt: skip


def test_rebuilt_only_when_a_staging_table_it_reads_changed(tmp_path):
    from ornd_visma.books.booking_accounting import build_booking_accounting

    data = {
        **credit_holder(),
        "bookings": [booking(oid("b8"), "2026-09-08T08:00:00", 1, "2026-09-01", free=True)],
    }
    conn = books(tmp_path / "wh.duckdb", data, as_of=date(2026, 9, 16))
    outcome = "SELECT outcome FROM core.booking_accounting WHERE booking_id = ?"
    assert conn.execute(outcome, [oid("b8")]).fetchall() == [("free",)]
    # A marker row in the built table: a skipped build leaves it, a rebuild replaces it.
    conn.execute(
        "INSERT INTO core.booking_accounting SELECT * REPLACE ('marker' AS booking_id) "
        "FROM core.booking_accounting"
    )
    build_booking_accounting(conn, as_of=date(2026, 9, 16))
    assert conn.execute(outcome, ["marker"]).fetchall() == [("free",)]  # nothing it reads moved
    # The booking made tentative in staging: booking_source.sql reads staging.bookings.
    conn.execute(
        "UPDATE staging.bookings SET is_free = false, is_tentative = true WHERE id = ?",
        [oid("b8")],
    )
    build_booking_accounting(conn, as_of=date(2026, 9, 16))
    assert conn.execute(outcome, ["marker"]).fetchall() == []
    assert conn.execute(outcome, [oid("b8")]).fetchall() == [("tentative",)]
