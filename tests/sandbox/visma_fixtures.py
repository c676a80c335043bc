"""A running Visma simulator for the `test_visma_*` modules: real HTTP on 127.0.0.1, a
simulated clock the tests move, and helpers that create the usual resources."""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ornd_visma.sandbox.server import running
from ornd_visma.sandbox.visma import SimClock, VismaOptions, create_visma_app, sandbox_tokens

START = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


@dataclass
class Harness:
    state_dir: Path
    url: str
    clock: SimClock
    app: Any
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def visma(self) -> Any:
        return self.app.state.visma

    def client(self, scope: str | None = None, **kwargs: Any) -> httpx.Client:
        """An httpx client on /v2 with a fresh access token."""
        args = {"scope": scope} if scope else {}
        tokens = sandbox_tokens(self.url, **args)
        client = httpx.Client(
            base_url=f"{self.url}/v2",
            timeout=kwargs.pop("timeout", 10.0),
            headers={"Authorization": f"Bearer {tokens.access_token}"},
            **kwargs,
        )
        self.clients.append(client)
        return client

    def admin(self, method: str, path: str, json: Any = None) -> httpx.Response:
        return httpx.request(method, f"{self.url}/_sandbox/{path}", json=json, timeout=10.0)

    def advance(self, seconds: float) -> None:
        self.admin("POST", "clock", {"advance_seconds": seconds}).raise_for_status()

    def options(self, **changes: Any) -> None:
        self.admin("PUT", "options", changes).raise_for_status()


@contextlib.contextmanager
def harness(state_dir: Path, options: VismaOptions | None = None) -> Iterator[Harness]:
    clock = SimClock(START)
    app = create_visma_app(state_dir, options or VismaOptions(), clock=clock)
    with running(app) as url:
        h = Harness(state_dir, url, clock, app)
        try:
            yield h
        finally:
            for client in h.clients:
                client.close()
            app.state.visma.store.close()


def data(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return response.json()["Data"]


def ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


class Company:
    """Ids of the seeded company, looked up over the API, and creators of resources."""

    def __init__(self, api: httpx.Client) -> None:
        self.api = api
        self.terms = data(api.get("/termsofpayments"))[0]["Id"]
        self.codings = {c["Name"]: c["Id"] for c in data(api.get("/articleaccountcodings"))}
        self.unit = data(api.get("/units"))[0]["Id"]
        self.years = {y["StartDate"][:4]: y["Id"] for y in data(api.get("/fiscalyears"))}
        self.centers = {c["Number"]: c["Id"] for c in data(api.get("/costcenters"))}
        self._count = 0

    def customer_body(self, **over: Any) -> dict[str, Any]:
        self._count += 1
        body = {
            "Name": f"Kund {self._count} AB",
            "InvoiceCity": "Stockholm",
            "InvoicePostalCode": "11122",
            "IsActive": True,
            "IsPrivatePerson": False,
            "TermsOfPaymentId": self.terms,
            "CustomerNumber": f"C-{self._count}",
        }
        body.update(over)
        return {k: v for k, v in body.items() if v is not None}

    def customer(self, **over: Any) -> dict[str, Any]:
        return ok(self.api.post("/customers", json=self.customer_body(**over)))

    def article(
        self, coding: str = "Tjänster 25 %", number: str | None = None, price: float = 100
    ) -> dict[str, Any]:
        self._count += 1
        return ok(
            self.api.post(
                "/articles",
                json={
                    "Number": number or f"A-{self._count}",
                    "Name": f"Artikel {coding}",
                    "IsActive": True,
                    "CodingId": self.codings[coding],
                    "UnitId": self.unit,
                    "NetPrice": price,
                },
            )
        )

    def item(
        self, center: int = 1, short: str | None = None, active: bool = True
    ) -> dict[str, Any]:
        self._count += 1
        return ok(
            self.api.post(
                "/costcenteritems",
                json={
                    "CostCenterId": self.centers[center],
                    "Name": f"Plats {self._count}",
                    "ShortName": short or f"P{self._count}",
                    "IsActive": active,
                },
            )
        )


def row(
    article: dict[str, Any], quantity: Any = 1, price: Any = None, **over: Any
) -> dict[str, Any]:
    body = {
        "IsTextRow": False,
        "ReversedConstructionServicesVatFree": False,
        "ArticleId": article["Id"],
        "Quantity": quantity,
        "UnitPrice": article["NetPrice"] if price is None else price,
    }
    body.update(over)
    return body


def text_row(text: str) -> dict[str, Any]:
    return {"IsTextRow": True, "ReversedConstructionServicesVatFree": False, "Text": text}


def draft_body(customer: dict[str, Any], rows: list[dict[str, Any]], **over: Any) -> dict[str, Any]:
    body = {
        "CustomerId": customer["Id"],
        "EuThirdParty": False,
        "RotReducedInvoicingType": 0,
        "InvoiceDate": "2026-06-10",
        "Rows": rows,
    }
    body.update(over)
    return body


def voucher_body(
    rows: list[tuple[int, Any, Any]], day: str = "2026-06-10", **over: Any
) -> dict[str, Any]:
    """rows as (account, debit, credit); None leaves an amount out."""
    body = {
        "VoucherDate": day,
        "VoucherText": "Test voucher",
        "Rows": [
            {
                k: v
                for k, v in (("AccountNumber", a), ("DebitAmount", d), ("CreditAmount", c))
                if v is not None
            }
            for a, d, c in rows
        ],
    }
    body.update(over)
    return body


def rows_by_account(voucher: dict[str, Any]) -> dict[int, tuple[str, str]]:
    """account -> (debit, credit) as strings with two decimals."""
    out = {}
    for r in voucher["Rows"]:
        out[r["AccountNumber"]] = (f"{r['DebitAmount']:.2f}", f"{r['CreditAmount']:.2f}")
    return out


@dataclass
class World:
    """One of each resource the simulator serves, created over the API (`populate`)."""

    company: Company
    item: dict[str, Any]
    customer: dict[str, Any]
    article: dict[str, Any]
    project: dict[str, Any]
    draft: dict[str, Any]
    invoice: dict[str, Any]
    voucher: dict[str, Any]
    ledger_item: dict[str, Any]
    attachment: dict[str, Any]
    link: dict[str, Any]


def populate(api: httpx.Client) -> World:
    """Create a cost center item, customer, article, project, draft, invoice, voucher,
    ledger item with voucher, attachment and partner resource link."""
    co = Company(api)
    item = co.item(1, "STHLM")
    customer = co.customer(EmailAddress="a@example.com", InvoiceCountryCode="SE")
    article = co.article(price=99.5)
    project = ok(
        api.post(
            "/projects",
            json={"Number": "P1", "Name": "Event", "Status": 1, "CustomerId": customer["Id"]},
        )
    )
    draft = ok(
        api.post(
            "/customerinvoicedrafts",
            json=draft_body(
                customer, [row(article, 2, CostCenterItemId1=item["Id"]), text_row("x")]
            ),
        )
    )
    invoice = ok(api.post("/customerinvoices", json=draft_body(customer, [row(article)])))
    voucher = ok(api.post("/vouchers", json=voucher_body([(1930, 10, None), (3001, None, 10)])))
    ledger_item = ok(
        api.post(
            "/customerledgeritems/customerledgeritemswithvoucher",
            json={
                "CustomerId": customer["Id"],
                "InvoiceNumber": 5,
                "CurrencyCode": "SEK",
                "IsCreditInvoice": False,
                "TotalAmountInvoiceCurrency": 10,
                "RemainingAmountInvoiceCurrency": 10,
                "Voucher": voucher_body([(1510, 10, None), (3001, None, 10)]),
            },
        )
    )
    attachment = ok(
        api.post(
            "/attachments",
            json={"ContentType": "image/png", "FileName": "a.png", "Data": "iVBORw0KGgo="},
        )
    )
    link = ok(
        api.post(
            "/partnerresourcelinks",
            json={
                "ResourceId": customer["Id"],
                "ResourceType": 1,
                "Href": "https://x.example",
                "PartnerCompanyName": "Co",
                "PartnerSystemName": "ORND",
            },
        )
    )
    return World(
        co,
        item,
        customer,
        article,
        project,
        draft,
        invoice,
        voucher,
        ledger_item,
        attachment,
        link,
    )
