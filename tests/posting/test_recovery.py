"""Recovery on its own: the rows left `sent`, looked up in (a stand-in for) Visma by their
tag, confirmed or pending again, after the requests in flight have settled."""

import contextlib
from datetime import timedelta

import duckdb
import pytest

from ornd_visma.posting.outbox import Outbox, now
from ornd_visma.posting.recovery import Recovery
from ornd_visma.posting.summary import Summary
from ornd_visma.visma.client import VismaUnavailable

LEDGER = {
    "CustomerNumber": "c1",
    "InvoiceNumber": 10000001,
    "Voucher": {"VoucherDate": "2026-06-10", "VoucherText": "[ornd L-d1-1]", "Rows": []},
}
VOUCHER = {"VoucherDate": "2026-05-31", "VoucherText": "[ornd V-v-1]", "Rows": []}
INVOICE = {"CustomerNumber": "c1", "OurReference": "[ornd I-d2-1]", "InvoiceDate": "2026-06-10",
           "Rows": []}  # fmt: skip


class Client:
    def __init__(self) -> None:
        self.tags: list[str] = []

    @contextlib.contextmanager
    def tagged(self, tag):
        self.tags.append(tag)
        yield


class Directory:
    """What Visma holds, by (look-up, outbox key); `down` makes every look-up fail."""

    def __init__(self, held: dict, down: bool = False) -> None:
        self.held, self.down, self.asked = held, down, []

    def _find(self, what, key):
        self.asked.append((what, key))
        if self.down:
            raise VismaUnavailable("connection refused")
        return self.held.get((what, key))

    def find_voucher(self, key):
        return self._find("voucher", key)

    def find_ledger_item(self, key):
        return self._find("ledger_item", key)

    def find_invoice(self, key):
        return self._find("invoice", key)

    def find_draft(self, key):
        return self._find("draft", key)


class Companies:
    def __init__(self, directory: Directory) -> None:
        self.the_client, self.the_directory = Client(), directory

    def client(self, entity):
        return self.the_client

    def directory(self, entity):
        return self.the_directory


@pytest.fixture
def box():
    conn = duckdb.connect()
    outbox = Outbox(conn)
    customer = {"CustomerNumber": "c1"}
    for key, kind, payload in (("L-d1-1", "ledger_item", LEDGER), ("V-v-1", "voucher", VOUCHER),
                               ("I-d2-1", "invoice", INVOICE),
                               ("C-main-c1-1", "customer", customer)):  # fmt: skip
        outbox.insert(key, kind=kind, entity="main", document_id=key.split("-")[-2],
                      revision="1", payload=payload, state="pending")  # fmt: skip
        outbox.mark_sent(key)
    # sent an hour ago: long settled
    conn.execute("UPDATE posting.outbox SET last_sent_at = ?", [now() - timedelta(hours=1)])
    yield outbox
    conn.close()


def recover(box, directory, **kwargs) -> tuple[Summary, list[float]]:
    summary, slept = Summary(False), []
    Recovery(box, Companies(directory), summary, sleep=slept.append, **kwargs).recover("main")
    return summary, slept


def states(box) -> dict[str, tuple]:
    return {
        k: (s, v, vv, n)
        for k, s, v, vv, n in box.conn.execute(
            "SELECT outbox_key, state, visma_id, visma_voucher_id, visma_number "
            "FROM posting.outbox ORDER BY 1"
        ).fetchall()
    }


def test_found_rows_are_confirmed_with_visma_ids_the_others_go_back_to_pending(box):
    directory = Directory({
        ("ledger_item", "L-d1-1"): {"Id": "item-1", "VoucherId": "vo-1"},
        ("voucher", "V-v-1"): {"Id": "vo-2", "NumberAndNumberSeries": "A12"},
    })  # fmt: skip
    summary, slept = recover(box, directory)
    assert states(box) == {
        "C-main-c1-1": ("pending", None, None, None),  # sending a customer starts with a look-up
        "I-d2-1": ("pending", None, None, None),  # neither invoice nor draft in Visma
        "L-d1-1": ("confirmed", "item-1", "vo-1", "10000001"),  # its own InvoiceNumber
        "V-v-1": ("confirmed", "vo-2", "vo-2", "A12"),
    }
    assert summary.recovered == 2 and slept == []
    assert ("voucher", "V-v-1") in directory.asked
    assert not any(key == "C-main-c1-1" for _, key in directory.asked)


def test_an_invoice_whose_draft_arrived_keeps_the_draft_to_convert(box):
    directory = Directory({("draft", "I-d2-1"): {"Id": "draft-9"}})
    recover(box, directory)
    row = box.get("I-d2-1")
    assert (row.state, row.visma_draft_id) == ("pending", "draft-9")


def test_an_invoice_found_is_confirmed_with_visma_s_number(box):
    directory = Directory({("invoice", "I-d2-1"): {"Id": "inv-1", "VoucherId": "vo-3",
                                                   "InvoiceNumber": 7}})  # fmt: skip
    recover(box, directory)
    assert states(box)["I-d2-1"] == ("confirmed", "inv-1", "vo-3", "7")


def test_visma_out_of_reach_leaves_the_rows_sent_and_unresolved(box):
    summary, _ = recover(box, Directory({}, down=True))
    assert {s for s, *_ in states(box).values() if s != "pending"} == {"sent"}
    assert box.get("C-main-c1-1").state == "pending"  # no look-up needed
    assert sorted(k for k, _ in summary.unresolved) == ["I-d2-1", "L-d1-1", "V-v-1"]


def test_it_waits_until_the_newest_send_has_settled(box):
    box.conn.execute("UPDATE posting.outbox SET last_sent_at = ? WHERE outbox_key = 'V-v-1'",
                     [now() - timedelta(seconds=4)])  # fmt: skip
    _, slept = recover(box, Directory({}), settle_s=10.0)
    # sent 4 s ago, settled 10 s after: about 6 s to wait (less the test's own time)
    assert len(slept) == 1 and 5.0 < slept[0] <= 6.0
