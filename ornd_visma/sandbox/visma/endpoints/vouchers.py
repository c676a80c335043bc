"""Vouchers: `POST /vouchers` (rules in `booking`), `GET /vouchers` (all),
`GET /vouchers/{fiscalyearId}`, `GET /vouchers/{fiscalyearId}/{voucherId}`."""

from typing import Any

from starlette.responses import Response

from ornd_visma.sandbox.visma import booking
from ornd_visma.sandbox.visma.errors import not_found
from ornd_visma.sandbox.visma.http import Call


def present(voucher: dict[str, Any]) -> dict[str, Any]:
    """The voucher as answered; `Attachments` is an object even when nothing is attached
    (the link of the voucher itself, DocumentType 3 = Voucher, with no attachment ids)."""
    out = {k: v for k, v in voucher.items() if not k.startswith("_")}
    if not out.get("Attachments"):
        out["Attachments"] = {"DocumentId": voucher["Id"], "DocumentType": 3, "AttachmentIds": []}
    return out


def create(call: Call) -> Response:
    body = call.body or {}
    use_series = not call.flag("useDefaultVoucherSeries", True)
    voucher = booking.book(
        call.store,
        call.clock,
        body,
        manual=True,
        use_default_vat_codes=call.flag("useDefaultVatCodes", True),
        automatic_vat=call.flag("useAutomaticVatCalculation", False),
        series=body.get("NumberSeries") if use_series else None,
    )
    return call.created(present(voucher))


def list_all(call: Call) -> Response:
    return call.page([present(v) for v in call.store.all("vouchers")])


def _year(call: Call) -> dict[str, Any]:
    year = call.store.get("fiscalyears", call.param("fiscalyearId"))
    if year is None:
        raise not_found("Fiscal year", call.params["fiscalyearId"], status=404)
    return year


def list_of_year(call: Call) -> Response:
    year = _year(call)
    vouchers = [v for v in call.store.all("vouchers") if v["_FiscalYearId"] == year["Id"]]
    return call.page([present(v) for v in vouchers])


def get_one(call: Call) -> Response:
    year = _year(call)
    voucher = call.store.get("vouchers", call.param("voucherId"))
    if voucher is None or voucher["_FiscalYearId"] != year["Id"]:
        raise not_found("Voucher", call.params["voucherId"], status=404)
    return call.answer(present(voucher))


ROUTES = [
    ("GET", "/vouchers", list_all),
    ("POST", "/vouchers", create),
    ("GET", "/vouchers/{fiscalyearId}", list_of_year),
    ("GET", "/vouchers/{fiscalyearId}/{voucherId}", get_one),
]
