"""The `/v2` endpoints the pipeline needs; each module lists `ROUTES` as
(method, path template from the OpenAPI document, handler)."""

from ornd_visma.sandbox.visma.endpoints import (
    articles,
    attachments,
    costcenters,
    customers,
    invoices,
    ledger,
    links,
    projects,
    reference,
    vouchers,
)

ALL_ROUTES = [
    *reference.ROUTES,
    *customers.ROUTES,
    *articles.ROUTES,
    *costcenters.ROUTES,
    *projects.ROUTES,
    *invoices.ROUTES,
    *ledger.ROUTES,
    *vouchers.ROUTES,
    *attachments.ROUTES,
    *links.ROUTES,
]
