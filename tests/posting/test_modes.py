"""Invoice mode (Visma issues the invoices from drafts with articles) and several Visma
companies (locations mapped to different entities, each with its own credentials)."""

from datetime import date
from decimal import Decimal

from ornd_visma.mapping import SANDBOX_MAPPING, Mapping, load_mapping
from ornd_visma.posting.poster import Poster
from ornd_visma.sandbox.visma import VismaOptions, inspect_state
from tests.posting.books import Line
from tests.posting.conftest import make_client
from tests.sandbox.visma_fixtures import harness

D = Decimal
JUNE = (date(2026, 6, 1), date(2026, 7, 1))
ARTICLES = {"MEMBERSHIP": "Tjänster 25 %", "OFFICE": "Tjänster momsfri"}


def invoice_mapping() -> Mapping:
    base = load_mapping(SANDBOX_MAPPING)
    return base.model_copy(update={"posting_mode": "invoices"})


def make_articles(client) -> None:
    codings = {c["Name"]: c["Id"] for c in client.list_all("/articleaccountcodings")}
    unit = client.list_all("/units")[0]["Id"]
    for number, coding in ARTICLES.items():
        client.post("/articles", {"Number": number, "Name": number, "IsActive": True,
                                  "CodingId": codings[coding], "UnitId": unit})  # fmt: skip


def test_invoice_mode_posts_invoices_from_drafts_and_corrects_with_a_credit_invoice(
    books, sim, tmp_path
):
    mapping = invoice_mapping()
    # 1000.00 at 25 % + 333.33 exempt = 1583.33 → 1583.00 (rounding -0.33)
    office = Line(3911, D("333.33"), D(0), article="OFFICE")
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("1000.00")), office])
    books.document("d2", "CN00001-STH", "c1", date(2026, 6, 12), [Line(3001, D("200.00"))],
                   credit=True)  # fmt: skip
    with make_client(sim, tmp_path / "tokens") as client:
        make_articles(client)
        summary = Poster(books.conn, mapping, {"main": client}).run(*JUNE)
        assert summary.failed == []
        invoices = sorted(inspect_state(sim.state_dir)["invoices"], key=lambda i: i["InvoiceDate"])
        seen = [(i["IsCreditInvoice"], i["TotalAmount"], i["TotalVatAmount"]) for i in invoices]
        assert seen == [(False, 1583.0, 250.0), (True, -250.0, -50.0)]
        assert all(i["OurReference"].startswith("[ornd I-") for i in invoices)
        # the invoice changes: 1000.00 → 1100.00 (VAT 275.00, total 1708.33 → 1708.00)
        books.document("d1", "000001-STH", "c1", date(2026, 6, 10),
                       [Line(3001, D("1100.00")), office])  # fmt: skip
        summary = Poster(books.conn, mapping, {"main": client}).run(*JUNE)
        assert summary.failed == []
    invoices = inspect_state(sim.state_dir)["invoices"]
    assert sorted(i["TotalAmount"] for i in invoices) == [-1583.0, -250.0, 1583.0, 1708.0]
    accounts = inspect_state(sim.state_dir)["totals"]["accounts"]
    # receivable: 1708.00 - 250.00; revenue 3001: 1100.00 - 200.00
    assert accounts["1510"]["balance"] == 1458.0
    assert accounts["3001"]["balance"] == -900.0


def test_locations_of_different_entities_post_to_their_own_company(books, tmp_path):
    base = load_mapping(SANDBOX_MAPPING).model_dump()
    base["entities"] = {"main": {"env_prefix": "VISMA"}, "west": {"env_prefix": "VISMA_GBG"}}
    base["locations"]["GBG"] = {"entity": "west", "cost_center_item": "GBG"}
    mapping = Mapping.model_validate(base)
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    books.document("d2", "000001-GBG", "c1", date(2026, 6, 10),
                   [Line(3001, D("40.00"), location="GBG")], entity="west")  # fmt: skip
    with (
        harness(tmp_path / "sth", VismaOptions()) as sth,
        harness(tmp_path / "gbg", VismaOptions()) as gbg,
        make_client(sth, tmp_path / "tokens", entity="main") as main_client,
        make_client(gbg, tmp_path / "tokens", entity="west") as west_client,
    ):
        summary = Poster(books.conn, mapping, {"main": main_client, "west": west_client}).run(*JUNE)
        assert summary.failed == []
        main_state, west_state = inspect_state(sth.state_dir), inspect_state(gbg.state_dir)
    # each company holds its own document (125.00 and 50.00) and its own copy of the customer
    assert [i["TotalAmountInvoiceCurrency"] for i in main_state["ledger_items"]] == [125.0]
    assert [i["TotalAmountInvoiceCurrency"] for i in west_state["ledger_items"]] == [50.0]
    assert main_state["counts"]["customers"] == west_state["counts"]["customers"] == 1
    # each entity keeps its own rotating token
    assert (tmp_path / "tokens" / "visma-tokens" / "main.json").exists()
    assert (tmp_path / "tokens" / "visma-tokens" / "west.json").exists()


def test_invoice_mode_reconciles_through_the_invoices_vouchers(books, sim, tmp_path):
    from ornd_visma.posting.reconcile import reconcile

    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("1000.00"))])
    with make_client(sim, tmp_path / "tokens") as client:
        make_articles(client)
        Poster(books.conn, invoice_mapping(), {"main": client}).run(*JUNE)
        result = reconcile(books.conn, *JUNE, {"main": client}, skip_accounts={1510, 3740})
    assert result.mismatches == [] and result.missing == []
    (row,) = result.rows
    assert (row["visma_net"], row["visma_vat"]) == (D("1000.00"), D("250.00"))


def test_a_restarted_sandbox_is_consented_again(tmp_path):
    """The token store outlives a sandbox restarted on fresh state: the stored refresh token
    means nothing to the new simulator, and the sandbox client consents again by itself."""
    with harness(tmp_path / "one") as first, make_client(first, tmp_path / "tokens") as c:
        c.get("/companysettings")
    with harness(tmp_path / "two") as second, make_client(second, tmp_path / "tokens") as c:
        c._bearer(force=True)
        assert c.get("/companysettings")
