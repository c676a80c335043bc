"""Attachments (`POST /attachments` with base64 `Data` or a `Url`): ContentType one of
image/jpeg, image/png, image/tiff, application/pdf (2000); `Data` must be valid base64 (2000).
A voucher's `Attachments.AttachmentIds` link them (AttachmentStatus 1 = matched), and so does
`POST /attachmentlinks` for a voucher that exists already (`DELETE /attachmentlinks/{id}`
unlinks). Only `DocumentType` 3 (voucher) is simulated: the others are documents the sandbox
does not hold (supplier invoices, receipts …), answered 2000. `GET /attachments` lists
unmatched ones unless `includeMatched=true`. Deleting a linked attachment → 4001."""

import base64
import binascii
from typing import Any

from starlette.responses import Response

from ornd_visma.sandbox.visma.booking import link_attachments
from ornd_visma.sandbox.visma.clock import utc_stamp
from ornd_visma.sandbox.visma.errors import CANNOT_BE_DELETED, VismaError, not_found, validation
from ornd_visma.sandbox.visma.http import Call
from ornd_visma.sandbox.visma.values import new_id

CONTENT_TYPES = {"image/jpeg", "image/png", "image/tiff", "application/pdf"}


def create(call: Call) -> Response:
    body = call.body or {}
    if body["ContentType"].lower() not in CONTENT_TYPES:
        raise validation(
            f"ContentType must be one of {', '.join(sorted(CONTENT_TYPES))}.",
            "ContentType",
            "InvalidValue",
        )
    data, url = body.get("Data"), body.get("Url")
    if not data and not url:
        raise validation("Data (base64) or Url is required.", "Data", "Required")
    size = 0
    if data:
        try:
            size = len(base64.b64decode(data, validate=True))
        except (binascii.Error, ValueError) as exc:
            raise validation("Data is not valid base64.", "Data", "InvalidFormat") from exc
    now = utc_stamp(call.clock.now())
    attachment = {
        "Id": body.get("Id") or new_id(),
        "ContentType": body["ContentType"].lower(),
        "DocumentId": None,
        "AttachedDocumentType": 0,
        "FileName": body["FileName"],
        "TemporaryUrl": url,
        "Comment": body.get("Comment"),
        "Type": 0,
        "AttachmentStatus": 0,
        "UploadedBy": "sandbox-user",
        "ImageDate": now,
        "_Size": size,
        "_Data": data,
    }
    call.store.put("attachments", attachment)
    return call.created(_present(attachment))


def _present(attachment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attachment.items() if not k.startswith("_")}


def _get(call: Call) -> dict[str, Any]:
    attachment = call.store.get("attachments", call.param("attachmentId"))
    if attachment is None:
        raise not_found("Attachment", call.params["attachmentId"], status=404)
    return attachment


def list_all(call: Call) -> Response:
    items = call.store.all("attachments")
    if not call.flag("includeMatched", False):
        items = [a for a in items if not a.get("DocumentId")]
    return call.page([_present(a) for a in items])


def get_one(call: Call) -> Response:
    return call.answer(_present(_get(call)))


def delete(call: Call) -> Response:
    attachment = _get(call)
    if attachment.get("DocumentId"):
        raise VismaError(CANNOT_BE_DELETED, "The attachment is linked to a document.")
    call.store.delete("attachments", attachment["Id"])
    return Response(status_code=200)


VOUCHER_DOCUMENT = 3


def _linked_voucher(call: Call, document_id: str) -> dict[str, Any]:
    voucher = call.store.get("vouchers", document_id)
    if voucher is None:
        raise not_found("Voucher", document_id, "DocumentId")
    return voucher


def link(call: Call) -> Response:
    body = call.body or {}
    if body["DocumentType"] != VOUCHER_DOCUMENT:
        raise validation(
            f"DocumentType {body['DocumentType']} is not simulated: only vouchers (3).",
            "DocumentType",
            "InvalidValue",
        )
    document_id = str(body.get("DocumentId") or "").lower()
    if not document_id:
        raise validation("DocumentId is required.", "DocumentId", "Required")
    voucher = _linked_voucher(call, document_id)
    linked = link_attachments(call.store, body, voucher["Id"])
    already = (voucher.get("Attachments") or {}).get("AttachmentIds") or []
    ids = already + [i for i in linked["AttachmentIds"] if i not in already]
    call.store.put("vouchers", {**voucher, "Attachments": {**linked, "AttachmentIds": ids}})
    return call.answer(linked, "AttachmentLinkApi")


def unlink(call: Call) -> Response:
    attachment = _get(call)
    document_id = attachment.get("DocumentId")
    if not document_id:
        raise validation("The attachment is not linked to a document.", "attachmentId", "NotLinked")
    voucher = call.store.get("vouchers", document_id)
    if voucher is not None and voucher.get("Attachments"):
        ids = [i for i in voucher["Attachments"]["AttachmentIds"] if i != attachment["Id"]]
        call.store.put(
            "vouchers", {**voucher, "Attachments": {**voucher["Attachments"], "AttachmentIds": ids}}
        )
    call.store.put(
        "attachments",
        {**attachment, "DocumentId": None, "AttachedDocumentType": 0, "AttachmentStatus": 0},
    )
    return Response(status_code=200)


ROUTES = [
    ("POST", "/attachmentlinks", link),
    ("DELETE", "/attachmentlinks/{attachmentId}", unlink),
    ("GET", "/attachments", list_all),
    ("POST", "/attachments", create),
    ("GET", "/attachments/{attachmentId}", get_one),
    ("DELETE", "/attachments/{attachmentId}", delete),
]
