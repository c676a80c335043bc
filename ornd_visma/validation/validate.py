"""Validation of one collection's records: typed columns read, a pandera schema per table
(required, enums, ranges, unique ids), references, and for payments the document checks.

Every record ends in exactly one place: `valid` (typed columns + the original `payload`) or
`quarantined` (one row per failed check, with the value and a reason naming the record).
"""

from dataclasses import dataclass
from functools import cache

import pandas as pd
import pandera.pandas as pa

from ornd_visma.jsontext import dumps
from ornd_visma.validation.coerce import Unreadable, field, read
from ornd_visma.validation.columns import COLUMNS, Column
from ornd_visma.validation.documents import document_problems
from ornd_visma.validation.references import References

# Check names (besides the per-line ones in `documents`).
UNIQUE_ID = "unique_id"
BILLING_DETAILS = "billing_details_present"
QUARANTINE_COLUMNS = ["row", "record_id", "check", "value", "reason", "payload"]
BASE_CURRENCY = "SEK"


@dataclass
class ValidationResult:
    valid: pd.DataFrame  # typed columns + payload
    quarantined: pd.DataFrame  # one row per failed check; `row` is the record's position
    quarantined_records: int

    def quarantined_per_record(self) -> pd.DataFrame:
        """One row per quarantined record: its first failed check and value, every reason."""
        if self.quarantined.empty:
            return self.quarantined.assign(checks=[])
        grouped = self.quarantined.groupby("row", sort=True)
        first = grouped.first()
        first["reason"] = grouped["reason"].agg("; ".join)
        first["checks"] = grouped["check"].agg(list)
        return first.reset_index()


def _check_name(column: Column, pandera_check: str) -> str:
    if "not_nullable" in pandera_check:
        return f"{column.name}_present"
    if "isin" in pandera_check:
        return f"{column.name}_allowed_value"
    if "greater_than" in pandera_check:
        return f"{column.name}_in_range"
    if "field_uniqueness" in pandera_check or "unique" in pandera_check:
        return UNIQUE_ID
    return f"{column.name}_{pandera_check}"


@cache
def schema(collection: str) -> pa.DataFrameSchema:
    """The pandera schema of a staged table (columns hold Python objects: Decimal, date)."""
    columns = {}
    for column in COLUMNS[collection]:
        checks = []
        if column.isin is not None:
            checks.append(pa.Check.isin(list(column.isin)))
        if column.ge is not None:
            checks.append(pa.Check.ge(column.ge))
        if column.gt is not None:
            checks.append(pa.Check.gt(column.gt))
        columns[column.name] = pa.Column(
            object,
            checks=checks,
            nullable=not column.required,
            unique=column.name == "id",
            coerce=False,
        )
    return pa.DataFrameSchema(columns, name=collection, strict=False)


# What `document_problems` checks a payment's lines against.
DOCUMENT_KINDS = frozenset({"tax_rates", "revenue_accounts", "plans_and_rates"})


def reference_kinds(collection: str) -> frozenset[str]:
    """The `References` attributes `validate(collection, ...)` reads: only these need loading."""
    kinds = {c.references for c in COLUMNS[collection] if c.references}
    return frozenset(kinds | (DOCUMENT_KINDS if collection == "payments" else set()))


def validate(
    collection: str,
    records: list[dict],
    references: References,
    base_currency: str = BASE_CURRENCY,
) -> ValidationResult:
    columns = COLUMNS[collection]
    problems: list[tuple[int, str, str | None, str]] = []  # (row, check, value, reason)
    rows = []
    for index, record in enumerate(records):
        row = {}
        label = f"{collection} {record.get('_id')}"
        for column in columns:
            raw = field(record, column.source)
            try:
                row[column.name] = read(column.kind, raw)
            except Unreadable as error:
                row[column.name] = None
                problems.append(
                    (
                        index,
                        f"{column.name}_readable",
                        str(raw)[:200],
                        f"{label}: {column.source} {str(raw)[:80]!r} is not a "
                        f"valid {column.kind} ({error})",
                    )
                )
                continue
            known = getattr(references, column.references, None) if column.references else None
            value = row[column.name]
            if known and value is not None and value not in known:
                problems.append(
                    (
                        index,
                        f"{column.name}_exists",
                        value,
                        f"{label}: {column.source} {value} does not exist",
                    )
                )
        if collection == "payments":
            problems += [(index, *p) for p in document_problems(record, references, base_currency)]
        if collection == "companies" and not record.get("billingDetails"):
            problems.append(
                (
                    index,
                    BILLING_DETAILS,
                    None,
                    f"{label}: no billing details (name, VAT number, address)",
                )
            )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[c.name for c in columns], dtype=object)
    if rows:  # the frame has every column by construction: an empty one has nothing to fail
        problems += _schema_problems(collection, frame, problems)
    return _split(frame, records, problems)


def _schema_problems(collection: str, frame: pd.DataFrame, known: list) -> list:
    """What the pandera schema finds, less what reading already reported."""
    try:
        schema(collection).validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    by_column = {c.name: c for c in COLUMNS[collection]}
    unreadable = {(row, check.removesuffix("_readable")) for row, check, *_ in known}
    found = []
    for case in cases.itertuples(index=False):
        if case.column not in by_column or pd.isna(case.index):
            continue
        row, column = int(case.index), by_column[case.column]
        if (row, column.name) in unreadable:
            continue
        check = _check_name(column, str(case.check))
        value = None if case.failure_case is None else str(case.failure_case)[:200]
        record_id = frame.at[row, "id"]
        found.append(
            (
                row,
                check,
                value,
                f"{collection} {record_id}: {column.source} {value!r} fails {check}",
            )
        )
    return found


def _split(frame: pd.DataFrame, records: list[dict], problems: list) -> ValidationResult:
    bad_rows = sorted({row for row, *_ in problems})
    payloads = [dumps(r).decode() for r in records]
    quarantined = pd.DataFrame(
        [
            {
                "row": row,
                "record_id": records[row].get("_id")
                if isinstance(records[row].get("_id"), str)
                else None,
                "check": check,
                "value": value,
                "reason": reason,
                "payload": payloads[row],
            }
            for row, check, value, reason in problems
        ],
        columns=QUARANTINE_COLUMNS,
    )
    valid = frame.drop(index=bad_rows).copy()
    valid["payload"] = [payloads[i] for i in valid.index]
    return ValidationResult(valid.reset_index(drop=True), quarantined, len(bad_rows))
