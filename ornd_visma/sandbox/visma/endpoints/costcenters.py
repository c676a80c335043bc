"""Cost centers (three dimensions, seeded without items) and their items.

Items are created with `POST /costcenteritems` and come embedded in `GET /costcenters`
(there is no list endpoint for items, as in the real API). The cost center must exist (3000);
an item's `ShortName` is unique within its cost center (4000, a decision).
"""

from typing import Any

from starlette.responses import Response

from ornd_visma.sandbox.visma import rules
from ornd_visma.sandbox.visma.clock import utc_stamp
from ornd_visma.sandbox.visma.errors import CONFLICT, FieldError, VismaError, not_found
from ornd_visma.sandbox.visma.http import Call
from ornd_visma.sandbox.visma.values import new_id


def _with_items(call: Call, center: dict[str, Any]) -> dict[str, Any]:
    items = [i for i in call.store.all("costcenteritems") if i["CostCenterId"] == center["Id"]]
    return {**center, "Items": items}


def list_centers(call: Call) -> Response:
    centers = sorted(call.store.all("costcenters"), key=lambda c: c["Number"])
    return call.page([_with_items(call, c) for c in centers])


def update_center(call: Call) -> Response:
    center = call.store.get("costcenters", call.param("id"))
    if center is None:
        raise not_found("Cost center", call.params["id"], status=404)
    body = call.body or {}
    center = {**center, **{k: body[k] for k in ("Name", "IsActive") if k in body}}
    call.store.put("costcenters", center)
    return call.answer(_with_items(call, center))


def _check_short_name(call: Call, body: dict[str, Any], ident: str | None) -> None:
    for item in call.store.all("costcenteritems"):
        if (
            item["CostCenterId"] == body["CostCenterId"]
            and item["Id"] != ident
            and item["ShortName"] == body["ShortName"]
        ):
            message = f"ShortName '{body['ShortName']}' is already used in this cost center."
            raise VismaError(
                CONFLICT, message, errors=[FieldError("ShortName", "Duplicate", message)]
            )


def create_item(call: Call) -> Response:
    body = dict(call.body or {})
    center = rules.referenced(
        call.store, "costcenters", body["CostCenterId"], "Cost center", "CostCenterId"
    )
    body["CostCenterId"] = center["Id"]
    _check_short_name(call, body, None)
    item = {**body, "Id": new_id(), "CreatedUtc": utc_stamp(call.clock.now())}
    return call.created(call.store.put("costcenteritems", item))


def _get_item(call: Call, param: str) -> dict[str, Any]:
    item = call.store.get("costcenteritems", call.param(param))
    if item is None:
        raise not_found("Cost center item", call.params[param], status=404)
    return item


def get_item(call: Call) -> Response:
    return call.answer(_get_item(call, "itemId"))


def update_item(call: Call) -> Response:
    item = _get_item(call, "costCenterItemId")
    body = {**item, **(call.body or {})}
    center = rules.referenced(
        call.store, "costcenters", body["CostCenterId"], "Cost center", "CostCenterId"
    )
    body["CostCenterId"] = center["Id"]
    _check_short_name(call, body, item["Id"])
    return call.answer(
        call.store.put(
            "costcenteritems", {**body, "Id": item["Id"], "CreatedUtc": item["CreatedUtc"]}
        )
    )


ROUTES = [
    ("GET", "/costcenters", list_centers),
    ("PUT", "/costcenters/{id}", update_center),
    ("POST", "/costcenteritems", create_item),
    ("GET", "/costcenteritems/{itemId}", get_item),
    ("PUT", "/costcenteritems/{costCenterItemId}", update_item),
]
