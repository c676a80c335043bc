"""Visma's error body and the part of its error-code catalogue the simulator uses.

Body (`CommonExtendedBadRequest` in the spec):
`{"ErrorCode": int, "DeveloperErrorMessage": str, "ErrorId": uuid, "Errors": [...]}` where each
entry of `Errors` is `{"Field", "ErrorCode", "Message", "Key"}`. `Errors` is sent (possibly
empty) on every error except the rate-limit answer, which carries exactly the three fields of
the documented example. The per-field `ErrorCode` strings ("Required", "MaxLength", ...) and
`Key`s are the simulator's own names (Visma does not publish them); `Key` carries the named
validation strings that are known, e.g.
`CustomerInvoiceValidationTotalAmountNotAllowedToBeZeroOrMore`.

HTTP status per code: 400 for validation and business rules, 404 when the resource named in
the URL does not exist (3000), 401/403 for auth, 429 for 4010, 500/503 for 5000.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.responses import Response

VALIDATION = 2000  # DataModelValidationError
NOT_FOUND = 3000  # ResourceNotFound
FISCAL_YEAR_MISSING = 3001  # FiscalYearDoesNotExist
ACCOUNT_NOT_FOUND = 3002  # AccountNotFound
CONFLICT = 4000  # Conflict: duplicate of something that must be unique
CANNOT_BE_DELETED = 4001
NOT_AUTHORIZED = 4005
NO_ACCESS_TO_SCOPES = 4006
TOO_MANY_REQUESTS = 4010
CANNOT_BOOKKEEP_INVOICE = 4013
SALES_ACCOUNT_MISSING = 4024
INVALID_VAT_NUMBER = 4025
LOCKED_PERIOD = 4026
INVALID_FORCE_BOOKKEEP_VAT = 4035
LOCKED_YEAR = 4038
INTERNAL = 5000
PROJECT_ENDED = 5005
INACTIVE_COST_CENTER = 5006
QUERY_PARAMETER = 6000
INVALID_INPUT = 6001

JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class FieldError:
    field: str
    code: str
    message: str
    key: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "Field": self.field,
            "ErrorCode": self.code,
            "Message": self.message,
            "Key": self.key,
        }


@dataclass
class VismaError(Exception):
    """Raised anywhere in a request; the app turns it into Visma's error answer."""

    code: int
    message: str
    status: int = 400
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def validation(
    message: str, field_name: str = "", code: str = "Invalid", key: str | None = None
) -> VismaError:
    """A 2000 with one field error."""
    return VismaError(VALIDATION, message, 400, [FieldError(field_name, code, message, key)])


def not_found(what: str, ident: object, field_name: str = "", status: int = 400) -> VismaError:
    """3000: 404 for the resource in the URL, 400 for one referenced from the body."""
    message = f"{what} with id {ident} was not found."
    errors = [FieldError(field_name, "NotFound", message)] if field_name else []
    return VismaError(NOT_FOUND, message, status, errors)


def body(
    code: int, message: str, errors: list[FieldError] | None = None, with_errors: bool = True
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ErrorCode": code,
        "DeveloperErrorMessage": message,
        "ErrorId": str(uuid.uuid4()),
    }
    if with_errors:
        data["Errors"] = [e.as_json() for e in errors or []]
    return data


def error_response(error: VismaError) -> Response:
    return Response(
        orjson.dumps(body(error.code, error.message, error.errors)),
        status_code=error.status,
        media_type=JSON_TYPE,
        headers=error.headers,
    )


def rate_limited(limit: int, retry_after: int) -> Response:
    message = (
        f"API calls quota exceeded! maximum admitted {limit} per Minute. "
        f"Try again in {retry_after} seconds."
    )
    return Response(
        orjson.dumps(body(TOO_MANY_REQUESTS, message, with_errors=False)),
        status_code=429,
        media_type="application/json;charset=UTF-8",
    )


def internal_error() -> Response:
    message = "An internal server error occurred. Please report the ErrorId to support."
    return Response(orjson.dumps(body(INTERNAL, message)), status_code=500, media_type=JSON_TYPE)


def unavailable() -> Response:
    """What the gateway in front of the API answers when the backend is down."""
    return Response(
        b"<html><body><h1>503 Service Unavailable</h1></body></html>",
        status_code=503,
        media_type="text/html",
    )
