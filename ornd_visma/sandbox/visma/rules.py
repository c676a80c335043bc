"""Business rules shared by the endpoints (beyond what the OpenAPI document can say).

Codes (decisions where the reference is unsure are marked *):
* a date outside every fiscal year → 3001; in a fiscal year locked for accounting → 4038;
  on or before the company's `AccountingLockedTo` → 4026 for vouchers and ledger items,
  4013 (CannotBookkeepInvoice)* when an invoice is booked.
* an account number missing from the fiscal year → 3002; an inactive account → 2000; a
  manual voucher on an account blocked for manual booking → 2000; a cost center item on an
  account that does not allow cost centers → 2000 (as the catalogue says).
* a cost center item that does not exist → 3000*; one of another dimension than its slot
  (CostCenterItemId1 must be an item of cost center Number 1, ...)* → 2000; an inactive item
  or cost center → 5006.
* a project that does not exist → 3000; a finished project (Status 2 or EndDate passed) → 5005.
* a referenced customer/article/terms of payment/unit/coding that does not exist → 3000.
* a duplicate of a unique number (CustomerNumber, article Number, project Number) → 4000.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from ornd_visma.sandbox.visma import errors
from ornd_visma.sandbox.visma.errors import FieldError, VismaError, not_found, validation
from ornd_visma.sandbox.visma.seed import account_key, fiscal_year_dates
from ornd_visma.sandbox.visma.spec import decimals_of
from ornd_visma.sandbox.visma.store import Store
from ornd_visma.sandbox.visma.values import day_of


def fiscal_year_for(store: Store, day: date, field: str = "") -> dict[str, Any]:
    for year in store.all("fiscalyears"):
        start, end = fiscal_year_dates(year)
        if start <= day <= end:
            return year
    message = f"There is no fiscal year for the date {day.isoformat()}."
    raise VismaError(
        errors.FISCAL_YEAR_MISSING,
        message,
        errors=[FieldError(field, "FiscalYearDoesNotExist", message)],
    )


def locked_to(store: Store) -> date | None:
    return day_of((store.meta("company") or {}).get("AccountingLockedTo"))


def check_open(
    store: Store, day: date, field: str, locked_code: int = errors.LOCKED_PERIOD
) -> dict[str, Any]:
    """The fiscal year of `day`, which must be open and after the locked period."""
    year = fiscal_year_for(store, day, field)
    if year.get("IsLockedForAccounting"):
        message = f"The fiscal year of {day.isoformat()} is locked for accounting."
        raise VismaError(
            errors.LOCKED_YEAR,
            message,
            errors=[FieldError(field, "VoucherDateIsInLockedYear", message)],
        )
    lock = locked_to(store)
    if lock is not None and day <= lock:
        message = (
            f"The date {day.isoformat()} is in a locked period "
            f"(accounting is locked up to and including {lock.isoformat()})."
        )
        raise VismaError(
            locked_code, message, errors=[FieldError(field, "VoucherDateIsInLockedPeriod", message)]
        )
    return year


def account_for(
    store: Store, year: dict[str, Any], number: int, field: str, manual: bool = False
) -> dict[str, Any]:
    account = store.get("accounts", account_key(year["Id"], number))
    if account is None:
        message = f"The account {number} does not exist in the fiscal year {year['StartDate'][:4]}."
        raise VismaError(
            errors.ACCOUNT_NOT_FOUND,
            message,
            errors=[FieldError(field, "AccountNotFound", message)],
        )
    if not account.get("IsActive", True):
        raise validation(f"The account {number} is inactive.", field, "InactiveAccount")
    if manual and account.get("IsBlockedForManualBooking"):
        raise validation(
            f"The account {number} is blocked for manual booking.", field, "BlockedForManualBooking"
        )
    return account


def check_dimensions(
    store: Store, row: dict[str, Any], prefix: str, day: date, account: dict[str, Any] | None = None
) -> None:
    """Cost center items (per slot) and project of a voucher or invoice row."""
    used = False
    for slot in (1, 2, 3):
        key = f"CostCenterItemId{slot}"
        ident = row.get(key)
        if not ident:
            continue
        used = True
        field = f"{prefix}{key}"
        item = store.get("costcenteritems", ident)
        if item is None:
            raise not_found("Cost center item", ident, field)
        center = store.get("costcenters", item["CostCenterId"]) or {}
        if center.get("Number") != slot:
            raise validation(
                f"The cost center item {ident} belongs to cost center "
                f"{center.get('Number')}, not {slot}.",
                field,
                "WrongCostCenter",
            )
        if not item.get("IsActive") or not center.get("IsActive"):
            message = f"The cost center item {ident} or its cost center is inactive."
            raise VismaError(
                errors.INACTIVE_COST_CENTER,
                message,
                errors=[FieldError(field, "InactiveCostCenter", message)],
            )
    if used and account is not None and not account.get("IsCostCenterAllowed"):
        raise validation(
            f"The account {account['Number']} does not allow cost centers.",
            f"{prefix}CostCenterItemId1",
            "CostCenterNotAllowed",
        )
    project_id = row.get("ProjectId")
    if project_id:
        field = f"{prefix}ProjectId"
        project = store.get("projects", project_id)
        if project is None:
            raise not_found("Project", project_id, field)
        end = day_of(project.get("EndDate"))
        if project.get("Status") == 2 or (end is not None and end < day):
            message = f"The project {project['Number']} has ended."
            raise VismaError(
                errors.PROJECT_ENDED, message, errors=[FieldError(field, "ProjectEnded", message)]
            )
        if account is not None and not account.get("IsProjectAllowed"):
            raise validation(
                f"The account {account['Number']} does not allow projects.",
                field,
                "ProjectNotAllowed",
            )


def check_decimals(value: Decimal | int, field: str, allowed: int = 2) -> None:
    if decimals_of(value) > allowed:
        raise validation(f"{field} may have at most {allowed} decimals.", field, "Precision")


def referenced(store: Store, collection: str, ident: Any, what: str, field: str) -> dict[str, Any]:
    doc = store.get(collection, ident)
    if doc is None:
        raise not_found(what, ident, field)
    return doc


def unique(
    store: Store, collection: str, key: str, value: Any, field: str, exclude: str | None = None
) -> None:
    if value is None:
        return
    for doc in store.all(collection):
        if doc.get(key) == value and doc.get("Id") != exclude:
            message = f"{field} '{value}' is already in use; it must be unique."
            raise VismaError(
                errors.CONFLICT, message, errors=[FieldError(field, "Duplicate", message)]
            )
