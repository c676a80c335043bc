"""One route per URL shape of the API, dispatching on the method, with `OPTIONS` and `405`.

The document sometimes describes one URL under two path templates that differ only in the
name of a parameter (`GET /customerinvoicedrafts/{invoiceDraftId}` but `PUT` and `DELETE`
`/customerinvoicedrafts/{customerInvoiceDraftId}`; `/costcenteritems/{itemId}` and
`/{costCenterItemId}`). The server has one resource there, so the templates are grouped by
their shape (parameters unnamed) and a request gets the handler of its method with the path
parameters named as that method's template names them.

Methods (decisions, since the document cannot say what a server answers to a method it does
not list):

* `OPTIONS` → 200, no body, `Allow` listing the methods the URL really serves;
* another method the URL does not serve → 405 with the same `Allow` and the body ASP.NET Web
  API writes, `{"Message": "The requested resource does not support http method 'X'."}`,
  before authentication (action selection precedes the authorization filters there);
* `HEAD` is not served (ASP.NET Web API does not map it to GET), so it is a 405.

A literal segment wins over a parameter (`/customerledgeritems/customerledgeritemswithvoucher`
before `/customerledgeritems/{customerLedgerItemId}`), whatever the order of `ALL_ROUTES`.
"""

import re
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ornd_visma.sandbox.visma.errors import JSON_TYPE

Endpoint = Callable[[Request], Any]
ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")
# every method a route is asked with (Starlette would otherwise answer the others itself)
ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
_PARAM = re.compile(r"\{([^}]+)\}")


def shape(path: str) -> str:
    """A path template with its parameters unnamed: `/customers/{}`."""
    return _PARAM.sub("{}", path)


def allow_header(served: Iterable[str]) -> str:
    """The `Allow` value for the methods `served`, in a fixed order."""
    methods = set(served)
    return ", ".join(m for m in ORDER if m in methods)


def method_not_allowed(method: str, allow: str) -> Response:
    message = f"The requested resource does not support http method '{method}'."
    return Response(
        orjson.dumps({"Message": message}),
        status_code=405,
        media_type=JSON_TYPE,
        headers={"Allow": allow},
    )


def routes(
    prefix: str,
    endpoints: Iterable[tuple[str, str, Endpoint]],
    unserved: Iterable[str],
    not_served: Endpoint,
) -> list[Route]:
    """Starlette routes for `(method, path template, endpoint)` triples, one per URL shape,
    literal shapes before those with a parameter in the same place. The `unserved` path
    templates (of the document, with no method served) get `not_served` for every method,
    so that `/accounts/standardaccounts` is not taken for `/accounts/{fiscalyearId}`."""
    by_shape: dict[str, dict[str, tuple[str, Endpoint]]] = {}
    for method, path, endpoint in endpoints:
        by_shape.setdefault(shape(path), {})[method] = (path, endpoint)
    empty = {shape(path) for path in unserved} - by_shape.keys()
    ordered = sorted(by_shape.keys() | empty, key=lambda s: [p == "{}" for p in s.split("/")])
    return [
        _route(prefix, key, by_shape[key])
        if key in by_shape
        else Route(prefix + _pattern(key), not_served, methods=ALL_METHODS)
        for key in ordered
    ]


def _pattern(key: str) -> str:
    """A shape as a Starlette path with parameters p0, p1, ..."""
    pattern = key
    for index in range(key.count("{}")):
        pattern = pattern.replace("{}", f"{{p{index}}}", 1)
    return pattern


def _route(prefix: str, key: str, served: dict[str, tuple[str, Endpoint]]) -> Route:
    count = key.count("{}")
    allow = allow_header(served)

    async def dispatch(request: Request) -> Response:
        found = served.get(request.method)
        if found is None:
            if request.method == "OPTIONS":
                return Response(status_code=200, headers={"Allow": allow})
            return method_not_allowed(request.method, allow)
        path, endpoint = found
        values = [request.path_params[f"p{i}"] for i in range(count)]
        request.scope["path_params"] = dict(zip(_PARAM.findall(path), values, strict=True))
        return await endpoint(request)

    return Route(prefix + _pattern(key), dispatch, methods=ALL_METHODS)
