"""Articles (`ArticleApi`): `Number` unique (4000), `CodingId` and `UnitId` must exist (3000).
Answers carry the coding's and unit's names and `IsServiceArticle` (coding type Service)."""

from typing import Any

from starlette.responses import Response

from ornd_visma.sandbox.visma import rules
from ornd_visma.sandbox.visma.clock import utc_stamp
from ornd_visma.sandbox.visma.errors import not_found
from ornd_visma.sandbox.visma.http import Call
from ornd_visma.sandbox.visma.values import new_id


def _complete(call: Call, body: dict[str, Any], ident: str | None) -> dict[str, Any]:
    store = call.store
    rules.unique(store, "articles", "Number", body.get("Number"), "Number", ident)
    coding = rules.referenced(
        store, "articleaccountcodings", body.get("CodingId"), "Article account coding", "CodingId"
    )
    unit = rules.referenced(store, "units", body.get("UnitId"), "Unit", "UnitId")
    return {
        **body,
        "CodingId": coding["Id"],
        "CodingName": coding["Name"],
        "UnitId": unit["Id"],
        "UnitName": unit["Name"],
        "UnitAbbreviation": unit["Abbreviation"],
        "IsServiceArticle": coding["Type"] == "Service",
    }


def _get(call: Call) -> dict[str, Any]:
    article = call.store.get("articles", call.param("articleId"))
    if article is None:
        raise not_found("Article", call.params["articleId"], status=404)
    return article


def list_articles(call: Call) -> Response:
    return call.page(call.store.all("articles"))


def get_article(call: Call) -> Response:
    return call.answer(_get(call))


def create_article(call: Call) -> Response:
    now = utc_stamp(call.clock.now())
    article = {
        **_complete(call, dict(call.body or {}), None),
        "Id": new_id(),
        "CreatedUtc": now,
        "ChangedUtc": now,
    }
    return call.created(call.store.put("articles", article))


def update_article(call: Call) -> Response:
    existing = _get(call)
    body = {**existing, **(call.body or {})}
    article = {
        **_complete(call, body, existing["Id"]),
        "Id": existing["Id"],
        "CreatedUtc": existing["CreatedUtc"],
        "ChangedUtc": utc_stamp(call.clock.now()),
    }
    return call.answer(call.store.put("articles", article))


ROUTES = [
    ("GET", "/articles", list_articles),
    ("POST", "/articles", create_article),
    ("GET", "/articles/{articleId}", get_article),
    ("PUT", "/articles/{articleId}", update_article),
]
