"""Sending on its own: planned rows sent to the simulated Visma (marked sent first, then
confirmed), refusals recorded, a company out of reach given up after three rows."""

import contextlib
from datetime import date
from decimal import Decimal

import duckdb

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.companies import Companies
from ornd_visma.posting.outbox import Outbox
from ornd_visma.posting.planning import Planner
from ornd_visma.posting.sending import Sender
from ornd_visma.posting.summary import Summary
from ornd_visma.sandbox.visma import inspect_state
from ornd_visma.visma.client import VismaUnavailable
from tests.posting.books import Line
from tests.posting.conftest import make_client

D = Decimal
JUNE = (date(2026, 6, 1), date(2026, 7, 1))
MAPPING = load_mapping(SANDBOX_MAPPING)


def plan(books) -> Outbox:
    outbox = Outbox(books.conn)
    Planner(outbox, MAPPING, Summary(False)).plan_documents(*JUNE)
    return outbox


def test_rows_are_marked_sent_before_the_request_then_confirmed(books, sim, tmp_path):
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    outbox = plan(books)
    seen: list[tuple[str, str, str]] = []

    def hook(point: str, key: str) -> None:
        seen.append((point, key[0], outbox.get(key).state))

    with make_client(sim, tmp_path / "tokens") as client:
        summary = Summary(False)
        Sender(outbox, Companies({"main": client}, summary), summary, hook=hook).send("main")
    # the customer first, then the ledger item; each `sent` when its request goes out
    assert seen == [("before_send", "C", "sent"), ("after_send", "C", "sent"),
                    ("before_send", "L", "sent"), ("after_send", "L", "sent")]  # fmt: skip
    assert (summary.sent, summary.confirmed, summary.failed) == (2, 2, [])
    assert {r.state for r in outbox.in_state(("confirmed",))} == {"confirmed"}
    held = inspect_state(sim.state_dir)
    # 100.00 + 25 % = 125.00, numbered 10000000 + 1 (STH's invoices)
    assert [(i["InvoiceNumber"], i["TotalAmountInvoiceCurrency"]) for i in held["ledger_items"]
            ] == [(10000001, 125.0)]  # fmt: skip


def test_a_customer_visma_already_holds_is_updated_in_place(books, sim, tmp_path):
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    outbox = plan(books)
    with make_client(sim, tmp_path / "tokens") as client:
        summary = Summary(False)
        sender = Sender(outbox, Companies({"main": client}, summary), summary)
        sender.send("main")
        books.company("c1", "Acme Holding AB")
        Planner(outbox, MAPPING, summary).plan_customer_updates()
        sender.send("main")
    customers = inspect_state(sim.state_dir)["customers"]
    assert [(c["CustomerNumber"], c["Name"]) for c in customers] == [("c1", "Acme Holding AB")]


def test_a_document_whose_customer_is_not_in_visma_fails_naming_the_customer_row(
    books, sim, tmp_path
):
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    outbox = plan(books)
    books.conn.execute(
        "UPDATE posting.outbox SET state = 'held', error_message = 'Name is required' "
        "WHERE kind = 'customer'"
    )
    with make_client(sim, tmp_path / "tokens") as client:
        summary = Summary(False)
        Sender(outbox, Companies({"main": client}, summary), summary).send("main")
    [(key, number, message)] = summary.failed
    assert number == "000001-STH"
    assert message.endswith("customer c1 is not in Visma (customer row held: Name is required)")
    assert outbox.get(key).state == "failed"


class DownClient:
    """A Visma that never answers."""

    requests = 0

    @contextlib.contextmanager
    def tagged(self, tag):
        yield

    def post(self, *args, **kwargs):
        self.requests += 1
        raise VismaUnavailable("connection refused")


class PlainDirectory:
    def resolve(self, payload, customer_id):
        return payload


def test_a_company_out_of_reach_is_given_up_after_three_rows():
    outbox = Outbox(duckdb.connect())
    for n in range(1, 6):
        outbox.insert(f"V-v{n}-1", kind="voucher", entity="main", document_id=f"v{n}",
                      revision="1", state="pending", business_date=date(2026, 5, n),
                      payload={"VoucherDate": f"2026-05-0{n}", "VoucherText": f"[ornd V-v{n}-1]",
                               "Rows": []})  # fmt: skip
    summary = Summary(False)
    companies = Companies({"main": DownClient()}, summary)
    companies.directory = lambda entity: PlainDirectory()
    Sender(outbox, companies, summary).send("main")
    states = [outbox.get(f"V-v{n}-1").state for n in range(1, 6)]
    # three rows met no answer: left `sent` for recovery; the other two wait for the next run
    assert states == ["sent", "sent", "sent", "pending", "pending"]
    assert len(summary.unresolved) == 3 and summary.requests == 3


class RecordingClient(DownClient):
    def __init__(self) -> None:
        self.bodies: list[dict] = []

    def post(self, path, body, params=None, **kwargs):
        self.bodies.append(body)
        return {"Id": "vo-1", "NumberAndNumberSeries": "A1"}


def test_a_row_dated_in_a_locked_period_is_sent_on_the_first_open_day():
    outbox = Outbox(duckdb.connect())
    voucher = {"VoucherDate": "2026-05-31", "VoucherText": "[ornd V-v1-1]", "Rows": []}
    outbox.insert("V-v1-1", kind="voucher", entity="main", document_id="v1", revision="1",
                  state="pending", payload=voucher)  # fmt: skip
    summary, client = Summary(False), RecordingClient()
    companies = Companies({"main": client}, summary)
    companies.directory = lambda entity: PlainDirectory()
    companies.locked_to["main"] = date(2026, 6, 30)
    Sender(outbox, companies, summary).send("main")
    # locked to June 30: the first open day is July 1
    assert client.bodies[0]["VoucherDate"] == "2026-07-01"
    row = outbox.get("V-v1-1")
    assert (row.state, row.payload["VoucherDate"]) == ("confirmed", "2026-07-01")
