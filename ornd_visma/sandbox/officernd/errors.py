"""The API's responses and error bodies, in the shapes observed on staging.

v2 runs NestJS on Express: JSON bodies `{statusCode, message, error}` (validation messages as a
list), `Content-Type: application/json; charset=utf-8` and `x-powered-by: Express`. Gateway
errors (502/503/504) come from the load balancer in front, so they are HTML without that header.
"""

from http import HTTPStatus
from typing import Any

import orjson
from starlette.responses import Response

JSON_TYPE = "application/json; charset=utf-8"


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response as the Express server writes it."""
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type=JSON_TYPE,
        headers={"x-powered-by": "Express", **(headers or {})},
    )


def nest_body(status: int, message: str | list[str], *, error: bool = True) -> dict[str, Any]:
    """`{statusCode, message, error}`; `error` is the status phrase (omitted for some errors)."""
    body: dict[str, Any] = {"statusCode": status, "message": message}
    if error:
        body["error"] = HTTPStatus(status).phrase
    return body


def gateway_page(status: int) -> Response:
    """The HTML page a gateway answers with (no Express headers)."""
    title = f"{status} {HTTPStatus(status).phrase}"
    page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
    return Response(page, status_code=status, media_type="text/html")


class ApiError(Exception):
    """Raised while answering a request; carries the finished error response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def validation_error(messages: list[str]) -> ApiError:
    """400 from the validation pipe: the message is a list."""
    return ApiError(json_response(400, nest_body(400, messages)))


def bad_request(message: str) -> ApiError:
    """400 thrown by a handler: the message is a string."""
    return ApiError(json_response(400, nest_body(400, message)))


def unauthorized() -> ApiError:
    """The one 401 for a missing, invalid or expired token and for a missing scope."""
    return ApiError(json_response(401, nest_body(401, "Unauthorized access")))


def item_not_found(rid: str) -> ApiError:
    """404 for an id that is not stored (or is not an ObjectId at all)."""
    return ApiError(json_response(404, nest_body(404, f"Item with Id ({rid}) not found")))


def route_not_found(method: str, path: str) -> Response:
    """Express's 404 for a path no controller handles."""
    return json_response(404, nest_body(404, f"Cannot {method} {path}"))


def organization_not_found() -> ApiError:
    """An unknown org slug: 500, as observed (a sane server would say 404)."""
    return ApiError(json_response(500, nest_body(500, "Organization not found", error=False)))


def internal_error() -> Response:
    """NestJS's answer to an unhandled exception."""
    return json_response(500, nest_body(500, "Internal server error", error=False))


def throttled(retry_after: int) -> ApiError:
    """The throttler's 429, with the seconds until a slot frees."""
    body = {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
    return ApiError(json_response(429, body, {"Retry-After": str(retry_after)}))
