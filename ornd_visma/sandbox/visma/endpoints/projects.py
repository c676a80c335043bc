"""Projects (`ProjectApi`): `Number` unique (4000), `CustomerId` must exist (3000),
`StartDate` defaults to today. A finished project (Status 2) used on a row → 5005."""

from typing import Any

from starlette.responses import Response

from ornd_visma.sandbox.visma import rules
from ornd_visma.sandbox.visma.clock import utc_stamp
from ornd_visma.sandbox.visma.errors import not_found
from ornd_visma.sandbox.visma.http import Call
from ornd_visma.sandbox.visma.values import date_text, day_of, new_id


def _complete(call: Call, body: dict[str, Any], ident: str | None) -> dict[str, Any]:
    rules.unique(call.store, "projects", "Number", body.get("Number"), "Number", ident)
    customer_name = None
    if body.get("CustomerId"):
        customer = rules.referenced(
            call.store, "customers", body["CustomerId"], "Customer", "CustomerId"
        )
        body["CustomerId"] = customer["Id"]
        customer_name = customer["Name"]
    start = day_of(body.get("StartDate"), "StartDate") or call.clock.today()
    end = day_of(body.get("EndDate"), "EndDate")
    return {
        **body,
        "StartDate": date_text(start),
        "EndDate": date_text(end),
        "CustomerName": customer_name,
        "ModifiedUtc": utc_stamp(call.clock.now()),
    }


def _get(call: Call) -> dict[str, Any]:
    project = call.store.get("projects", call.param("id"))
    if project is None:
        raise not_found("Project", call.params["id"], status=404)
    return project


def list_projects(call: Call) -> Response:
    return call.page(call.store.all("projects"))


def get_project(call: Call) -> Response:
    return call.answer(_get(call))


def create_project(call: Call) -> Response:
    project = {**_complete(call, dict(call.body or {}), None), "Id": new_id()}
    return call.created(call.store.put("projects", project))


def update_project(call: Call) -> Response:
    existing = _get(call)
    project = {
        **_complete(call, {**existing, **(call.body or {})}, existing["Id"]),
        "Id": existing["Id"],
    }
    return call.answer(call.store.put("projects", project))


ROUTES = [
    ("GET", "/projects", list_projects),
    ("POST", "/projects", create_project),
    ("GET", "/projects/{id}", get_project),
    ("PUT", "/projects/{id}", update_project),
]
