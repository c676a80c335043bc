"""Periodisation vouchers in the simulated Visma: deferrals, releases, accruals of income
billed in arrears (upplupna intäkter) and their reversals carry no VAT code; an accrual lands
in its month of service and converges as later invoices arrive; K2 operators turn it off; the
SIE export has the same vouchers. The books are hand-made documents with their service days;
the schedule, deferrals and accruals are built from them by the books' own functions, so what
Visma holds per account and month is checked from invoice to voucher."""

from datetime import date
from decimal import Decimal

import pytest

from ornd_visma.books.revenue import (
    build_revenue_accruals,
    build_revenue_deferrals,
    build_revenue_schedule,
)
from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting import payloads, sie
from ornd_visma.posting.keys import key_in
from ornd_visma.posting.poster import Poster, SimulatedCrash
from ornd_visma.posting.reconcile import reconcile
from ornd_visma.sandbox.visma import inspect_state
from tests.posting.books import Line
from tests.posting.conftest import make_client

D = Decimal
PRINTING = 3041  # the sandbox mapping's printing account (25 %, VAT code 10)
OCT_USE = (date(2026, 10, 10), date(2026, 10, 20))


@pytest.fixture
def mapping():
    return load_mapping(SANDBOX_MAPPING)


def printing(net: str, served=OCT_USE) -> Line:
    return Line(PRINTING, D(net), served=served, recognition="point", article="PRINTING")


def post(books, sim, tmp_path, mapping, until: date, **kwargs) -> None:
    """The books rebuilt from the documents, then a posting run and a voucher run, as the
    `posting/outbox` and `posting/deferral_vouchers` assets do."""
    build_revenue_schedule(books.conn, date(2000, 1, 1), None)
    build_revenue_deferrals(books.conn)
    build_revenue_accruals(books.conn)
    # The document run settles a crashed voucher run's `sent` rows too, so it waits as long.
    settle = {k: v for k, v in kwargs.items() if k == "settle_s"}
    with make_client(sim, tmp_path / "tokens") as client:
        summary = Poster(books.conn, mapping, {"main": client}, **settle).run(
            date(2000, 1, 1), None
        )
        assert summary.failed == []
        summary = Poster(books.conn, mapping, {"main": client}, **kwargs).run_vouchers(until)
        assert summary.failed == [] and summary.unresolved == []


def state(sim) -> dict:
    return inspect_state(sim.state_dir)


def balances(sim, month: str) -> dict[str, float]:
    """Debit minus credit per account in the month (revenue negative)."""
    months = state(sim)["totals"]["accounts_by_month"]
    return {a: v["balance"] for a, v in months.get(month, {}).items() if v["balance"]}


def periodisation(sim) -> list[dict]:
    return [v for v in state(sim)["vouchers"] if "1510" not in str(v["Rows"])]


# -- payloads ---------------------------------------------------------------------------------


def test_accrual_voucher_and_its_reversal():
    rows = [{"account": PRINTING, "cost_center_item_1": "STH", "cost_center_item_2": None,
             "accrued": D("500.00"), "reversed": D("0.00")}]  # fmt: skip
    october = payloads.accrual_voucher(rows, kind="accrued", month=date(2026, 10, 1),
                                       accrued_income=1790, key="k", entity="main")  # fmt: skip
    # the last day of October: debit accrued income 500.00, credit printing 500.00 at STH
    assert october["VoucherDate"] == "2026-10-31"
    assert [(r["AccountNumber"], r.get("DebitAmount"), r.get("CreditAmount"),
             r.get("CostCenterShortName1")) for r in october["Rows"]] == [
        (PRINTING, None, D("500.00"), "STH"), (1790, D("500.00"), None, None)]  # fmt: skip
    assert all("VatCodeId" not in r for r in october["Rows"])
    assert key_in(october["VoucherText"]) == "k"
    rows[0].update(accrued=D("0.00"), reversed=D("500.00"))
    november = payloads.accrual_voucher(rows, kind="accrual_reversed", month=date(2026, 11, 1),
                                        accrued_income=1790, key="k2", entity="main")  # fmt: skip
    # the first day of the invoice's month, the other way
    assert november["VoucherDate"] == "2026-11-01"
    assert [(r["AccountNumber"], r.get("DebitAmount"), r.get("CreditAmount"))
            for r in november["Rows"]] == [(PRINTING, D("500.00"), None),
                                           (1790, None, D("500.00"))]  # fmt: skip
    # a month whose rows move nothing has no voucher
    nothing = payloads.accrual_voucher(rows, kind="accrued", month=date(2026, 11, 1),
                                       accrued_income=1790, key="k3", entity="main")  # fmt: skip
    assert nothing is None
    with pytest.raises(ValueError, match="accrued or accrual_reversed"):
        payloads.accrual_voucher(rows, kind="deferred", month=date(2026, 11, 1),
                                 accrued_income=1790, key="k3", entity="main")  # fmt: skip


# -- in Visma ---------------------------------------------------------------------------------


def test_printing_billed_in_arrears_lands_in_october(books, sim, tmp_path, mapping):
    # printing used 10-20 Oct, invoiced on 1 Nov: net 500.00, VAT 25 % = 125.00, total 625.00
    books.document("d1", "000001-STH", "c1", date(2026, 11, 1), [printing("500.00")])
    post(books, sim, tmp_path, mapping, until=date(2026, 11, 2))
    # October: the accrual on 31 Oct, debit 1790 500.00 / credit printing 500.00
    assert balances(sim, "2026-10") == {"1790": 500.0, str(PRINTING): -500.0}
    # November: the ledger item (1510 625.00 / printing 500.00 / 2611 125.00) and the
    # accrual's reversal on 1 Nov (printing 500.00 / 1790 500.00): printing 0
    assert balances(sim, "2026-11") == {"1510": 625.0, "1790": -500.0, "2611": -125.0}
    dated = {v["VoucherDate"][:10]: v for v in periodisation(sim)}
    assert set(dated) == {"2026-10-31", "2026-11-01"}
    assert all(r["VatCodeId"] is None for v in dated.values() for r in v["Rows"])
    # the VAT return's view: base 500.00 and VAT 125.00 in November, with the invoice; the
    # accrual moved no base into October
    assert state(sim)["totals"]["vat_codes_by_month"] == {
        "2026-11": {"10": {"base": 500.0, "vat": 125.0}}
    }
    # a second run posts nothing
    with make_client(sim, tmp_path / "tokens") as client:
        again = Poster(books.conn, mapping, {"main": client}).run_vouchers(date(2026, 11, 2))
    assert again.sent == 0 and len(state(sim)["vouchers"]) == 3


def test_no_accrual_before_its_months_are_due(books, sim, tmp_path, mapping):
    books.document("d1", "000001-STH", "c1", date(2026, 11, 1), [printing("500.00")])
    # on 31 Oct October has not ended and November has not started: nothing is due
    post(books, sim, tmp_path, mapping, until=date(2026, 10, 31))
    assert periodisation(sim) == []


def test_with_accruals_off_the_fee_stays_in_the_invoice_month(books, sim, tmp_path, mapping):
    books.document("d1", "000001-STH", "c1", date(2026, 11, 1), [printing("500.00")])
    k2 = mapping.model_copy(update={"accrue_income": False})
    post(books, sim, tmp_path, k2, until=date(2026, 11, 2))
    assert periodisation(sim) == []
    assert balances(sim, "2026-10") == {}
    assert balances(sim, "2026-11") == {"1510": 625.0, str(PRINTING): -500.0, "2611": -125.0}


def test_turning_accruals_off_reverses_those_posted(books, sim, tmp_path, mapping):
    books.document("d1", "000001-STH", "c1", date(2026, 11, 1), [printing("500.00")])
    post(books, sim, tmp_path, mapping, until=date(2026, 11, 2))
    k2 = mapping.model_copy(update={"accrue_income": False})
    post(books, sim, tmp_path, k2, until=date(2026, 11, 2))
    # each accrual voucher reversed on its own date: October 0, November the invoice's 500.00
    assert balances(sim, "2026-10") == {}
    assert balances(sim, "2026-11") == {"1510": 625.0, str(PRINTING): -500.0, "2611": -125.0}
    assert len(periodisation(sim)) == 4
    assert all(r["VatCodeId"] is None for v in periodisation(sim) for r in v["Rows"])


def test_a_later_invoice_corrects_the_accrual_and_content_may_come_back(
    books, sim, tmp_path, mapping
):
    books.document("d1", "000001-STH", "c1", date(2026, 11, 1), [printing("500.00")])
    post(books, sim, tmp_path, mapping, until=date(2026, 11, 2))
    # the bill run of 26 Nov bills printing used on 25 Oct: 200.00 (VAT 50.00)
    books.document("d2", "000002-STH", "c1", date(2026, 11, 26),
                   [printing("200.00", (date(2026, 10, 25), date(2026, 10, 25)))])  # fmt: skip
    post(books, sim, tmp_path, mapping, until=date(2026, 11, 27))
    # October's accrual of 500.00 reversed (31 Oct) and posted anew as 500.00 + 200.00
    assert balances(sim, "2026-10") == {"1790": 700.0, str(PRINTING): -700.0}
    # November: receivables 625.00 + 250.00, VAT 125.00 + 50.00; printing 700.00 - 700.00
    assert balances(sim, "2026-11") == {"1510": 875.0, "1790": -700.0, "2611": -175.0}
    # and the invoice of 26 Nov is credited in full on 28 Nov: the accruals are 500.00 again,
    # the very content posted first and since reversed; it is posted again under its own key
    books.document("d3", "CN00001-STH", "c1", date(2026, 11, 28),
                   [printing("200.00", (date(2026, 10, 25), date(2026, 10, 25)))],
                   credit=True)  # fmt: skip
    post(books, sim, tmp_path, mapping, until=date(2026, 11, 29))
    assert balances(sim, "2026-10") == {"1790": 500.0, str(PRINTING): -500.0}
    # November: 1510 875.00 - 250.00 = 625.00, VAT 175.00 - 50.00 = 125.00
    assert balances(sim, "2026-11") == {"1510": 625.0, "1790": -500.0, "2611": -125.0}
    keys = [key_in(v["VoucherText"]) for v in state(sim)["vouchers"]]
    assert len(keys) == len(set(keys))  # every voucher once
    assert all(r["VatCodeId"] is None for v in periodisation(sim) for r in v["Rows"])
    assert state(sim)["totals"]["vat_codes_by_month"] == {
        "2026-11": {"10": {"base": 500.0, "vat": 125.0}}
    }
    # the voucher reversals are no document's: the reconciliation of the documents still holds
    with make_client(sim, tmp_path / "tokens") as client:
        result = reconcile(books.conn, date(2026, 10, 1), date(2026, 12, 1), {"main": client},
                           skip_accounts={1510, 3740})  # fmt: skip
    assert result.mismatches == [] and result.duplicates == []


def test_a_voided_invoice_takes_its_accrual_with_it(books, sim, tmp_path, mapping):
    books.document("d1", "000001-STH", "c1", date(2026, 11, 1), [printing("500.00")])
    post(books, sim, tmp_path, mapping, until=date(2026, 11, 2))
    books.remove("d1")
    post(books, sim, tmp_path, mapping, until=date(2026, 11, 2))
    assert balances(sim, "2026-10") == {}
    assert balances(sim, "2026-11") == {}


def test_a_crash_after_sending_a_voucher_reversal_is_recovered(books, sim, tmp_path, mapping):
    books.document("d1", "000001-STH", "c1", date(2026, 11, 1), [printing("500.00")])
    post(books, sim, tmp_path, mapping, until=date(2026, 11, 2))
    books.document("d2", "000002-STH", "c1", date(2026, 11, 26),
                   [printing("200.00", (date(2026, 10, 25), date(2026, 10, 25)))])  # fmt: skip

    def crash(point: str, key: str) -> None:
        if point == "after_send" and key.startswith("R-"):
            raise SimulatedCrash(key)

    with pytest.raises(SimulatedCrash):
        post(books, sim, tmp_path, mapping, until=date(2026, 11, 27), hook=crash)
    post(books, sim, tmp_path, mapping, until=date(2026, 11, 27), settle_s=0)
    keys = [key_in(v["VoucherText"]) for v in state(sim)["vouchers"]]
    assert len(keys) == len(set(keys))
    assert balances(sim, "2026-10") == {"1790": 700.0, str(PRINTING): -700.0}


def test_a_deferral_moves_no_vat_base_a_default_flag_voucher_would(books, sim, tmp_path, mapping):
    # June's desk invoiced on 20 May: 1000.00 at 25 % (VAT 250.00), served 1-30 June
    june = (date(2026, 6, 1), date(2026, 6, 30))
    books.document(
        "d1", "000001-STH", "c1", date(2026, 5, 20), [Line(3001, D("1000.00"), served=june)]
    )
    post(books, sim, tmp_path, mapping, until=date(2026, 6, 15))
    # revenue: May 1000.00 - 1000.00 deferred (to 2970) = 0, June released 1000.00
    assert balances(sim, "2026-05") == {"1510": 1250.0, "2611": -250.0, "2970": -1000.0}
    assert balances(sim, "2026-06") == {"2970": 1000.0, "3001": -1000.0}
    # base and VAT both in May, with the invoice
    by_month = state(sim)["totals"]["vat_codes_by_month"]
    assert by_month == {"2026-05": {"10": {"base": 1000.0, "vat": 250.0}}}
    # the same deferral posted with Visma's default flags: 3001 brings code 10 along, and
    # May's base drops to 1000.00 - 1000.00 = 0 while its VAT stays 250.00
    deferral = next(v for v in periodisation(sim) if v["VoucherDate"].startswith("2026-05-31"))
    with make_client(sim, tmp_path / "tokens") as client:
        client.post("/vouchers", {
            "VoucherDate": "2026-05-31", "VoucherText": "default flags",
            "Rows": [{k: r[k] for k in ("AccountNumber", "DebitAmount", "CreditAmount",
                                         "CostCenterItemId1") if r.get(k)}
                     for r in deferral["Rows"]]})  # fmt: skip
    assert state(sim)["totals"]["vat_codes_by_month"]["2026-05"]["10"] == {
        "base": 0.0,
        "vat": 250.0,
    }


def test_the_sie_export_has_the_accrual_vouchers(books, sim, tmp_path, mapping):
    books.document("d1", "000001-STH", "c1", date(2026, 11, 1), [printing("500.00")])
    post(books, sim, tmp_path, mapping, until=date(2026, 11, 2))
    found = sie.vouchers(books.conn, date(2026, 10, 1), date(2026, 11, 30), "main")
    by_date = {v["VoucherDate"]: v for v in found if "1510" not in str(v["Rows"])}
    assert set(by_date) == {"2026-10-31", "2026-11-01"}
    october = {r["AccountNumber"]: (r.get("DebitAmount"), r.get("CreditAmount"))
               for r in by_date["2026-10-31"]["Rows"]}  # fmt: skip
    assert october == {1790: (D("500.00"), None), PRINTING: (None, D("500.00"))}
    # October alone: the accrual, nothing of November's
    only_october = sie.vouchers(books.conn, date(2026, 10, 1), date(2026, 10, 31), "main")
    assert [v["VoucherDate"] for v in only_october] == ["2026-10-31"]
