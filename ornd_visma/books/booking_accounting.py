"""`core.booking_accounting`: every booking occurrence classified by OfficeRnD Flex's rules.

OfficeRnD records how it accounted an occurrence in the booking's `fees[]` (one entry per
occurrence date: the fee generated, the credits and coins used). The books re-derive the
classification from staging with the rules the generator used (`officernd.booking_rules`):

* `credits` / `coins`: settled with booking credits / coins, nothing invoiced;
* `fee_invoiced`: a booking fee, with the fee and the invoice that billed it (credits or
  coins may have covered part); `fee_not_invoiced`: the fee exists, no invoice has it yet
  (fees are billed in arrears, on the next bill run);
* `pending`: not accounted yet, rightly: `invoiceable_from` is the day OfficeRnD will account
  it (`booking_rules.accounting_date`; a holder of credits waits for the 1st of the month,
  also one who got its credits or coins after booking but before that day);
* `free`, `tentative`, `cancelled`: not charged;
* `unbilled`: should have been charged and was not (no entry although its accounting day has
  passed, or an entry without credits, coins or a fee); `unbilled_amount` is what it would
  have cost, hours x the resource rate's hourly price, net of VAT.

Choices where the reference is unsure: "has credits or coins" means a membership granting
monthly credits or coins is active on the day (from its signing), or a one-time credit pack is
valid on it; occurrences are the booking's `start` repeated by its `recurrence.rrule` (DAILY,
WEEKLY with BYDAY, MONTHLY; COUNT, UNTIL, INTERVAL; minus `exdates`), dated in the booking's
time zone; "today" is the last day the staged OfficeRnD data shows activity (`as_of`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import orjson
import pandas as pd

from ornd_visma.money import ZERO, to_money
from ornd_visma.officernd import booking_rules
from ornd_visma.warehouse import fingerprints

OUTCOMES = (
    "credits",
    "coins",
    "fee_invoiced",
    "fee_not_invoiced",
    "pending",
    "free",
    "tentative",
    "cancelled",
    "unbilled",
)
DEFAULT_TZ = "Europe/Stockholm"
BUILD = "booking_accounting"
RULES_CODE = (__file__, booking_rules.__file__)  # the classification: a change rebuilds
WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
MAX_OCCURRENCES = 1000  # an open-ended series is cut here

DDL = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE OR REPLACE TABLE core.booking_accounting (
    booking_id VARCHAR NOT NULL,
    occurrence_date DATE NOT NULL,
    occurrence_start TIMESTAMP,
    hours DECIMAL(18, 4),
    location VARCHAR,
    resource VARCHAR,
    resource_type VARCHAR,
    customer_id VARCHAR,
    customer_type VARCHAR,
    holder_has_credits BOOLEAN,
    created_date DATE,
    outcome VARCHAR NOT NULL,
    credits_used DECIMAL(18, 4),
    coins_used DECIMAL(18, 2),
    fee_id VARCHAR,
    fee_amount DECIMAL(18, 2),
    invoice_id VARCHAR,
    invoiceable_from DATE,
    unbilled_amount DECIMAL(18, 2),
    reason VARCHAR,
    as_of DATE NOT NULL
);
"""


def _parse_instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def occurrences(
    start: datetime, rrule: str | None, exdates: list[datetime] | tuple = ()
) -> list[datetime]:
    """The starts of a booking's occurrences: `start`, repeated by `rrule` (RFC 5545 subset:
    FREQ DAILY/WEEKLY/MONTHLY, INTERVAL, COUNT, UNTIL, BYDAY for WEEKLY), minus `exdates`.

    Raises ValueError for a rule outside that subset.
    """
    if not rrule:
        return [start]
    parts = dict(part.split("=", 1) for part in rrule.strip().removeprefix("RRULE:").split(";"))
    freq = parts.get("FREQ")
    interval = int(parts.get("INTERVAL", 1))
    count = int(parts["COUNT"]) if "COUNT" in parts else None
    until = _parse_until(parts.get("UNTIL"), start)
    unknown = set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"}
    if freq not in ("DAILY", "WEEKLY", "MONTHLY") or unknown or interval < 1:
        raise ValueError(f"unsupported recurrence {rrule!r}")
    if count is None and until is None:
        count = MAX_OCCURRENCES
    days = None
    if "BYDAY" in parts:
        if freq != "WEEKLY":
            raise ValueError(f"unsupported recurrence {rrule!r}: BYDAY only with WEEKLY")
        days = sorted(WEEKDAYS[d.strip()[-2:]] for d in parts["BYDAY"].split(","))
    excluded = set(exdates)
    out: list[datetime] = []
    step = 0
    while len(out) < (count or MAX_OCCURRENCES) and step < MAX_OCCURRENCES * 7:
        if freq == "DAILY":
            candidates = [start + timedelta(days=step * interval)]
        elif freq == "WEEKLY":
            week = start + timedelta(weeks=step * interval)
            if days is None:
                candidates = [week]
            else:
                monday = week - timedelta(days=week.weekday())
                candidates = [monday + timedelta(days=d) for d in days]
                candidates = [c for c in candidates if c >= start]
        else:
            moved = booking_rules.add_months(start.date(), step * interval)
            candidates = [start.replace(year=moved.year, month=moved.month, day=moved.day)]
        for candidate in candidates:
            if until is not None and candidate > until:
                return [o for o in out if o not in excluded]
            if count is not None and len(out) >= count:
                break
            out.append(candidate)
        step += 1
    return [o for o in out if o not in excluded]


def _parse_until(text: str | None, start: datetime) -> datetime | None:
    if not text:
        return None
    for fmt in ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt == "%Y%m%d":
            moment = moment.replace(hour=23, minute=59, second=59)
        return moment.replace(tzinfo=start.tzinfo or UTC)
    raise ValueError(f"unsupported UNTIL {text!r}")


@dataclass(frozen=True)
class Entry:
    """One `fees[]` entry of a booking: how OfficeRnD accounted one occurrence."""

    fee_id: str | None
    credits: Decimal
    coins: Decimal


def parse_entry(text: str) -> tuple[date | None, Entry]:
    raw = orjson.loads(text)
    when = _parse_instant(raw.get("date"))
    credits = sum((Decimal(str(c.get("count") or 0)) for c in raw.get("credits") or []), ZERO)
    coins = sum((Decimal(str(c.get("count") or 0)) for c in raw.get("coins") or []), ZERO)
    return (when.date() if when else None), Entry(raw.get("fee"), credits, coins)


@dataclass(frozen=True)
class Classified:
    outcome: str
    credits_used: Decimal = ZERO
    coins_used: Decimal = ZERO
    fee_id: str | None = None
    fee_amount: Decimal | None = None
    invoice_id: str | None = None
    invoiceable_from: date | None = None
    unbilled_amount: Decimal = ZERO
    reason: str | None = None


def classify_occurrence(
    *,
    occurrence: date,
    created: date,
    hours: Decimal,
    hourly_rate: Decimal | None,
    as_of: date,
    holder_has_credits: bool,
    is_recurring: bool = False,
    is_cancelled: bool = False,
    is_tentative: bool = False,
    is_free: bool = False,
    entry: Entry | None = None,
    fee: tuple[Decimal | None, str | None] | None = None,  # (amount, invoice id) of the fee
    holds_credits_on: Callable[[date], bool] | None = None,  # the holder, on a later day
) -> Classified:
    """How OfficeRnD accounted (or should have accounted) one occurrence."""
    if is_cancelled:
        return Classified("cancelled")
    if is_tentative:
        return Classified("tentative", reason="tentative bookings are not charged")
    cost = to_money(hours * hourly_rate) if hourly_rate is not None else None
    if entry is not None:
        if entry.fee_id:
            amount, invoice = fee if fee is not None else (None, None)
            return Classified(
                "fee_invoiced" if invoice else "fee_not_invoiced",
                entry.credits,
                entry.coins,
                entry.fee_id,
                amount,
                invoice,
                invoiceable_from=None if invoice else occurrence,
                reason=None if invoice else "fee not on an invoice yet (billed in arrears)",
            )
        if entry.coins > 0:
            return Classified("coins", entry.credits, entry.coins)
        if entry.credits > 0:
            return Classified("credits", entry.credits)
        if is_free:
            return Classified("free")
        return Classified(
            "unbilled",
            unbilled_amount=cost or ZERO,
            reason="accounted without credits, coins or a booking fee",
        )
    if is_free:
        return Classified("free")
    # Not accounted: when should it have been? (A credit holder waits for the 1st.)
    day = booking_rules.accounting_date(created, occurrence, holder_has_credits, is_recurring)
    month_start = booking_rules.first_of_month(occurrence)
    if day < month_start and holds_credits_on is not None and holds_credits_on(day):
        # Credits or coins arrived between booking and accounting day: OfficeRnD holds a fee
        # for a holder of credits until the 1st of the booking's month.
        day = month_start
    if day > as_of:
        return Classified("pending", invoiceable_from=day)
    return Classified(
        "unbilled",
        invoiceable_from=day,
        unbilled_amount=cost or ZERO,
        reason=f"not accounted although its accounting day {day} has passed"
        + ("" if cost is not None else "; the resource has no hourly rate"),
    )


@dataclass
class Allowances:
    """When a holder has credits or coins (seed 002's special case)."""

    spans: list[tuple[date | None, date | None]]

    def holds_any(self, day: date) -> bool:
        return any((a is None or a <= day) and (b is None or day <= b) for a, b in self.spans)


def _allowances(frame: pd.DataFrame) -> dict[str, Allowances]:
    out: dict[str, Allowances] = {}
    for row in frame.itertuples(index=False):
        if row.holder is None:
            continue
        if row.interval_length == "month" and not pd.isna(row.entitled_from):
            span = (row.entitled_from, None if pd.isna(row.entitled_to) else row.entitled_to)
        else:
            span = (
                None if pd.isna(row.valid_from) else row.valid_from,
                None if pd.isna(row.valid_to) else row.valid_to,
            )
        span = tuple(d.date() if isinstance(d, datetime | pd.Timestamp) else d for d in span)
        out.setdefault(row.holder, Allowances([])).spans.append(span)
    return out


def as_of_date(conn: duckdb.DuckDBPyConnection) -> date:
    """The last day the staged OfficeRnD data shows activity: OfficeRnD's "today"."""
    return (
        conn.execute(
            """SELECT greatest(
               (SELECT max(greatest(modified_at, created_at)) FROM staging.bookings),
               (SELECT max(greatest(modified_at, created_at)) FROM staging.fees),
               (SELECT max(greatest(modified_at, created_at)) FROM staging.payments))::DATE"""
        ).fetchall()[0][0]
        or date.today()
    )


def build_booking_accounting(
    conn: duckdb.DuckDBPyConnection, as_of: date | None = None
) -> dict[str, object]:
    """Rebuild `core.booking_accounting`; returns counts per outcome and the unbilled money.
    Not rebuilt when its sources, `as_of` and the rules are as they were at the last build
    (`warehouse/fingerprints.py`): a daily run with no booking, fee or allowance changed.
    The fingerprint is taken of the staging tables `booking_source.sql` reads, before it
    runs: an unchanged day does not build the sources (a tenth of a second on the demo)."""
    source_sql = files("ornd_visma.books").joinpath("booking_source.sql").read_text()
    as_of = as_of or as_of_date(conn)
    digest = fingerprints.fingerprint(
        conn,
        [source_sql.encode(), *(Path(f).read_bytes() for f in RULES_CODE)],
        f"as_of={as_of.isoformat()}",
        fingerprints.reads(conn, source_sql, own=["core.booking_accounting"]),
    )
    if fingerprints.unchanged(conn, BUILD, ["core.booking_accounting"], digest):
        return booking_summary(conn)
    conn.execute(source_sql)
    bookings = conn.execute("SELECT * FROM booking_source").fetchall()
    columns = [d[0] for d in conn.description]
    fees = {
        r[0]: (r[1], r[2])
        for r in conn.execute("SELECT fee_id, fee_amount, invoice_id FROM booking_fees").fetchall()
    }
    allowances = _allowances(conn.execute("SELECT * FROM booking_allowances").df())
    rows = []
    for values in bookings:
        rows += _classify_booking(dict(zip(columns, values, strict=True)), fees, allowances, as_of)
    frame = pd.DataFrame(rows, columns=_ROW_COLUMNS)
    # Decimals travel as text: DuckDB would infer a too-narrow DECIMAL from a sample of an
    # object column and fail on a larger value further down.
    for column in _DECIMAL_COLUMNS:
        frame[column] = [None if v is None or v != v else str(v) for v in frame[column]]
    conn.register("booking_rows", frame)
    casts = ", ".join(f"{c}::{t} AS {c}" for c, t in _DECIMAL_COLUMNS.items())
    try:
        conn.execute("BEGIN TRANSACTION")
        conn.execute(DDL)
        conn.execute(
            f"INSERT INTO core.booking_accounting BY NAME "
            f"SELECT * REPLACE ({casts}) FROM booking_rows"
        )
        fingerprints.record(conn, BUILD, digest)
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.unregister("booking_rows")
    return booking_summary(conn)


def booking_summary(conn: duckdb.DuckDBPyConnection) -> dict[str, object]:
    by_outcome = dict(
        conn.execute(
            "SELECT outcome, count(*) FROM core.booking_accounting GROUP BY ALL ORDER BY 1"
        ).fetchall()
    )
    unbilled = conn.execute(
        """SELECT booking_id, occurrence_date, customer_id, unbilled_amount, reason
           FROM core.booking_accounting WHERE outcome = 'unbilled'
           ORDER BY occurrence_date, booking_id"""
    ).fetchall()
    return {
        "by_outcome": by_outcome,
        "unbilled": unbilled,
        "unbilled_amount": sum((r[3] for r in unbilled), ZERO),
    }


_DECIMAL_COLUMNS = {
    "hours": "DECIMAL(18, 4)",
    "credits_used": "DECIMAL(18, 4)",
    "coins_used": "DECIMAL(18, 2)",
    "fee_amount": "DECIMAL(18, 2)",
    "unbilled_amount": "DECIMAL(18, 2)",
}
_ROW_COLUMNS = [
    "booking_id",
    "occurrence_date",
    "occurrence_start",
    "hours",
    "location",
    "resource",
    "resource_type",
    "customer_id",
    "customer_type",
    "holder_has_credits",
    "created_date",
    "outcome",
    "credits_used",
    "coins_used",
    "fee_id",
    "fee_amount",
    "invoice_id",
    "invoiceable_from",
    "unbilled_amount",
    "reason",
    "as_of",
]


def _classify_booking(booking: dict, fees: dict, allowances: dict, as_of: date) -> list[dict]:
    zone = ZoneInfo(booking["timezone"] or DEFAULT_TZ)
    start = _parse_instant(booking["start_text"])
    end = _parse_instant(booking["end_text"])
    created = _parse_instant(booking["created_text"])
    base = {
        "booking_id": booking["booking_id"],
        "location": booking["location"],
        "resource": booking["resource"],
        "resource_type": booking["resource_type"],
        "customer_id": booking["customer_id"],
        "customer_type": booking["customer_type"],
        "as_of": as_of,
    }
    if start is None or end is None or end <= start:
        return [
            {
                **base,
                "occurrence_date": (start or created or datetime.now(UTC)).astimezone(zone).date(),
                "outcome": "unbilled",
                "unbilled_amount": ZERO,
                "reason": "the booking has no valid start and end",
            }
        ]
    hours = Decimal((end - start).total_seconds()) / Decimal(3600)
    created_day = (created or start).astimezone(zone).date()
    holder = allowances.get(booking["customer_id"]) or allowances.get(booking["member"])
    has_credits = bool(holder and holder.holds_any(created_day))
    entries = {}
    for text in booking["entries"]:
        day, entry = parse_entry(text)
        if day is not None:
            entries[day] = entry
    try:
        exdates = [_parse_instant(x) for x in booking["exdates"]]
        starts = occurrences(start, booking["rrule"], [x for x in exdates if x])
    except ValueError as error:
        starts, problem = [start], str(error)
    else:
        problem = None
    rows = []
    for moment in starts:
        day = moment.astimezone(zone).date()
        entry = entries.pop(day, None)
        result = classify_occurrence(
            occurrence=day,
            created=created_day,
            hours=hours,
            hourly_rate=booking["hourly_rate"],
            as_of=as_of,
            holder_has_credits=has_credits,
            is_recurring=bool(booking["rrule"]),
            is_cancelled=booking["is_cancelled"],
            is_tentative=booking["is_tentative"],
            is_free=booking["is_free"],
            entry=entry,
            fee=fees.get(entry.fee_id) if entry and entry.fee_id else None,
            holds_credits_on=holder.holds_any if holder else None,
        )
        rows.append(
            {
                **base,
                "occurrence_date": day,
                "occurrence_start": moment.astimezone(UTC).replace(tzinfo=None),
                "hours": hours,
                "holder_has_credits": has_credits,
                "created_date": created_day,
                "outcome": result.outcome,
                "credits_used": result.credits_used,
                "coins_used": result.coins_used,
                "fee_id": result.fee_id,
                "fee_amount": result.fee_amount,
                "invoice_id": result.invoice_id,
                "invoiceable_from": result.invoiceable_from,
                "unbilled_amount": result.unbilled_amount,
                "reason": "; ".join(r for r in (problem, result.reason) if r) or None,
            }
        )
    for day in sorted(entries):  # accounted on a day the recurrence does not have
        rows.append(
            {
                **base,
                "occurrence_date": day,
                "outcome": "unbilled",
                "unbilled_amount": ZERO,
                "reason": f"an accounting entry for {day}, which is not an occurrence",
            }
        )
    return rows
