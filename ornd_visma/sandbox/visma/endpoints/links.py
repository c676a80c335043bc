"""Partner resource links: a URL in the partner's system attached to a Visma resource.
`ResourceId` must exist for its `ResourceType` (0 Article, 1 Customer, 3 CustomerInvoice,
5 CustomerInvoiceDraft; suppliers and supplier invoices do not exist here) → else 3000."""

from typing import Any

from starlette.responses import Response

from ornd_visma.sandbox.visma.errors import not_found
from ornd_visma.sandbox.visma.http import Call
from ornd_visma.sandbox.visma.values import new_id

RESOURCES = {0: "articles", 1: "customers", 3: "customerinvoices", 5: "customerinvoicedrafts"}


def _check(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    collection = RESOURCES.get(body["ResourceType"])
    resource = call.store.get(collection, body["ResourceId"]) if collection else None
    if resource is None:
        raise not_found(
            f"Resource of type {body['ResourceType']}", body["ResourceId"], "ResourceId"
        )
    return {**body, "ResourceId": resource["Id"]}


def _get(call: Call) -> dict[str, Any]:
    link = call.store.get("partnerresourcelinks", call.param("partnerResourceLinkId"))
    if link is None:
        raise not_found("Partner resource link", call.params["partnerResourceLinkId"], status=404)
    return link


def list_all(call: Call) -> Response:
    return call.page(call.store.all("partnerresourcelinks"))


def create(call: Call) -> Response:
    link = {**_check(call, dict(call.body or {})), "Id": new_id()}
    return call.created(call.store.put("partnerresourcelinks", link))


def get_one(call: Call) -> Response:
    return call.answer(_get(call))


def update(call: Call) -> Response:
    existing = _get(call)
    link = {**_check(call, {**existing, **(call.body or {})}), "Id": existing["Id"]}
    return call.answer(call.store.put("partnerresourcelinks", link))


def delete(call: Call) -> Response:
    link = _get(call)
    call.store.delete("partnerresourcelinks", link["Id"])
    return Response(status_code=200)


ROUTES = [
    ("GET", "/partnerresourcelinks", list_all),
    ("POST", "/partnerresourcelinks", create),
    ("GET", "/partnerresourcelinks/{partnerResourceLinkId}", get_one),
    ("PUT", "/partnerresourcelinks/{partnerResourceLinkId}", update),
    ("DELETE", "/partnerresourcelinks/{partnerResourceLinkId}", delete),
]
