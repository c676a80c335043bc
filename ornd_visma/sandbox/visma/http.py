"""What an endpoint handler gets (`Call`) and the JSON answers it gives, lists included.

Lists are `{"Meta": {CurrentPage, PageSize, TotalNumberOfPages, TotalNumberOfResults,
ServerTimeUtc}, "Data": [...]}` with `$page` (1-based, default 1) and `$pagesize` (default 50,
at most 1000: larger values are capped, a decision since the limit is not documented);
`$filter` and `$orderby` per `odata`; anything else in the query is ignored. A page number
or size that is not a positive integer → 6000. A page past the end has empty `Data`.
"""

from collections import ChainMap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from ornd_visma.sandbox.visma import odata, shape, spec
from ornd_visma.sandbox.visma.auth import Grant
from ornd_visma.sandbox.visma.clock import SimClock, utc_stamp
from ornd_visma.sandbox.visma.errors import JSON_TYPE, QUERY_PARAMETER, VismaError
from ornd_visma.sandbox.visma.store import Store, jsonable

if TYPE_CHECKING:
    from ornd_visma.sandbox.visma.app import Visma

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(jsonable(data)), status_code=status, media_type=JSON_TYPE)


@dataclass
class Call:
    visma: "Visma"
    request: Request
    method: str
    path: str  # the spec's path template, relative to /v2
    params: dict[str, str]
    body: dict[str, Any] | None
    grant: Grant

    @property
    def store(self) -> Store:
        return self.visma.store

    @property
    def clock(self) -> SimClock:
        return self.visma.clock

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    def flag(self, name: str, default: bool) -> bool:
        """A boolean query parameter (case-insensitive name, as ASP.NET binds them; the
        app has checked its type, `params`)."""
        for key, value in self.query.items():
            if key.lower() == name.lower():
                if value.lower() == "true":
                    return True
                if value.lower() == "false":
                    return False
                raise VismaError(QUERY_PARAMETER, f"The value '{value}' is not valid for {key}.")
        return default

    def param(self, name: str) -> str:
        return self.params[name].lower()

    def answer(
        self, doc: dict[str, Any], schema_name: str | None = None, status: int = 200
    ) -> Response:
        """One resource, shaped to its schema (`shape.complete`)."""
        name = schema_name or spec.response_schema_name(self.method, self.path)
        return json_response(shape.complete(name, doc) if name else doc, status)

    def created(self, doc: dict[str, Any], schema_name: str | None = None) -> Response:
        return self.answer(doc, schema_name, 201)

    def page(self, items: list[dict[str, Any]], schema_name: str | None = None) -> Response:
        """A list answer: complete, filter, order and page `items`."""
        name = schema_name or spec.list_item_schema_name(self.method, self.path)
        base = shape.defaults(name) if name else {}
        # filter and sort on views with the schema's defaults; complete only the page answered
        docs: list[Any] = [ChainMap(item, base) for item in items]
        properties = spec.property_types(name) if name else {}
        query = {key.lower(): value for key, value in self.query.items()}
        if "$filter" in query:
            keep = odata.parse_filter(query["$filter"], properties)
            docs = [doc for doc in docs if keep(doc)]
        if query.get("$orderby", "").strip():
            docs = odata.sort_items(docs, odata.parse_orderby(query["$orderby"], properties))
        number = _positive(query, "$page", 1)
        size = min(_positive(query, "$pagesize", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
        total = len(docs)
        pages = (total + size - 1) // size
        meta = {
            "CurrentPage": number,
            "PageSize": size,
            "TotalNumberOfPages": pages,
            "TotalNumberOfResults": total,
            "ServerTimeUtc": utc_stamp(self.clock.now())[:19] + "Z",
        }
        page = docs[(number - 1) * size : number * size]
        data = [shape.complete(name, doc.maps[0]) if name else doc.maps[0] for doc in page]
        return json_response({"Meta": meta, "Data": data})


def _positive(query: dict[str, str], name: str, default: int) -> int:
    if name not in query:
        return default
    text = query[name].strip()
    if not text.isdigit() or int(text) < 1:
        raise VismaError(
            QUERY_PARAMETER,
            f"Invalid query parameter: {name}={query[name]!r} must be a positive integer.",
        )
    return int(text)
