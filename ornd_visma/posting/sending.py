"""Sending: the only code that writes to Visma. Each sendable row of a company (customers,
then reversals, then documents, then vouchers; `Outbox.in_state`) has its names resolved to
Visma's ids (`Directory`: the customer, cost center items, articles, terms of payment), is
marked `sent` (committed before the request), is POSTed (a customer known to Visma is PUT),
and is `confirmed` with Visma's ids. The client's retries look the document up in Visma
first (`find_existing`), so a request Visma stored before the connection dropped is not sent
twice.

* Visma refusing a row marks it `failed` with Visma's message; the run goes on with the
  others. A document whose customer is not in Visma fails naming the customer row's state.
* Visma out of reach leaves the row `sent` (recovery asks next run); after
  `STOP_AFTER_UNAVAILABLE` rows in a row meet an unreachable Visma the company stops for
  this run.
* A row dated in a period Visma has locked is moved to the first open day first
  (`dating.dated`), and the outbox keeps the payload as sent.
* Periodisation vouchers and their reversals go with `useDefaultVatCodes=false`
  (`VOUCHER_PARAMS`).

A row is only ever sent from `pending`/`would_post`/`failed`: states in which Visma provably
does not hold it (never sent, superseded before sending, refused).
"""

from collections.abc import Callable
from dataclasses import replace

from ornd_visma.posting import dating
from ornd_visma.posting.companies import Companies
from ornd_visma.posting.outbox import SENDABLE, Outbox, Row, is_invoice_mode, is_voucher
from ornd_visma.posting.summary import Summary
from ornd_visma.visma.client import VismaApiError, VismaUnavailable

LEDGER_PATH = "/customerledgeritems/customerledgeritemswithvoucher"
STOP_AFTER_UNAVAILABLE = 3
# Sent with every periodisation voucher and its reversal: with the default (true) Visma gives
# each row its account's VAT code, so a deferral on 3001 would move the VAT report's base of
# code 10 into the month of service while the VAT itself stays with the invoice. With false
# and no VatCodeId on the rows, the vouchers carry no VAT code (faktureringsmetoden: base and
# VAT both follow the invoice).
VOUCHER_PARAMS = {"useDefaultVatCodes": "false"}


class SimulatedCrash(BaseException):
    """Raised by test hooks to stop a run dead at a chosen point (nothing catches it)."""


Hook = Callable[[str, str], None]  # (point, outbox key); points: before_send, after_send


class Sender:
    def __init__(
        self,
        outbox: Outbox,
        companies: Companies,
        summary: Summary,
        *,
        hook: Hook | None = None,
    ) -> None:
        self.outbox = outbox
        self.companies = companies
        self.summary = summary
        self.hook = hook or (lambda point, key: None)

    def send(self, entity: str, vouchers: bool | None = None) -> None:
        """Send the entity's sendable rows: all, or only vouchers / only the others."""
        unavailable = 0
        client = self.companies.client(entity)
        for row in self.outbox.in_state(SENDABLE, entity):
            if vouchers is not None and is_voucher(row) != vouchers:
                continue
            before = client.requests
            try:
                with client.tagged(row.outbox_key):
                    self.send_row(row)
                unavailable = 0
            except VismaApiError as error:
                self.outbox.fail(row.outbox_key, error.error_code, str(error))
                self.summary.failed.append((row.outbox_key, row.document_number, str(error)))
            except VismaUnavailable as error:
                self.outbox.unresolved(row.outbox_key, str(error))
                self.summary.unresolved.append((row.outbox_key, str(error)))
                unavailable += 1
                if unavailable >= STOP_AFTER_UNAVAILABLE:
                    break
            finally:
                self.summary.requests += client.requests - before

    def send_row(self, row: Row) -> None:
        """Send one row and record Visma's answer (raises what the client raises)."""
        if row.kind != "customer":
            moved = dating.dated(row.payload, self.companies.locked_to.get(row.entity))
            if moved is not None:  # its period is locked in Visma: the first open day
                self.outbox.redate(row.outbox_key, moved)
                row = replace(row, payload=moved)
        if row.kind == "customer":
            self._send_customer(row)
        elif is_voucher(row):
            self._send_voucher(row)
        elif is_invoice_mode(row):
            self._send_invoice(row)
        else:
            self._send_ledger_item(row)
        self.summary.confirmed += 1

    def _mark_sent(self, key: str) -> None:
        self.outbox.mark_sent(key)
        self.summary.sent += 1
        self.hook("before_send", key)

    def _send_customer(self, row: Row) -> None:
        d = self.companies.directory(row.entity)
        client = self.companies.client(row.entity)
        key, number = row.outbox_key, row.payload["CustomerNumber"]
        existing = row.visma_id or self.outbox.confirmed_customer(row.entity, number)
        if existing is None:
            found = d.find_customer(number)
            existing = found["Id"] if found else None
        body = {**row.payload, "TermsOfPaymentId": d.terms_id()}
        self._mark_sent(key)
        if existing:
            result = client.put(f"/customers/{existing}", body)
        else:
            result = client.post("/customers", body, find_existing=lambda: d.find_customer(number))
        self.hook("after_send", key)
        d.customer_id(number, result["Id"])
        self.outbox.confirm(key, result["Id"], number=number)

    def _send_voucher(self, row: Row) -> None:
        """A periodisation voucher or its reversal: no VAT codes."""
        d = self.companies.directory(row.entity)
        key = row.outbox_key
        body = d.resolve(row.payload, None)
        self._mark_sent(key)
        result = self.companies.client(row.entity).post(
            "/vouchers", body, VOUCHER_PARAMS, find_existing=lambda: d.find_voucher(key)
        )
        self.hook("after_send", key)
        self.outbox.confirm(key, result["Id"], result["Id"], result.get("NumberAndNumberSeries"))

    def _send_invoice(self, row: Row) -> None:
        """An invoice draft (or a credit draft reversing one), converted to an invoice with our
        totals as the validation body; a draft already in Visma is only converted."""
        d = self.companies.directory(row.entity)
        client = self.companies.client(row.entity)
        key = row.outbox_key
        body = d.resolve(row.payload, self._customer_id(row))
        validation = row.payload.get("Validation")
        self._mark_sent(key)
        draft_id = row.visma_draft_id
        if not draft_id:
            draft = client.post(
                "/customerinvoicedrafts", body, find_existing=lambda: d.find_draft(key)
            )
            draft_id = draft["Id"]
            self.outbox.mark_draft(key, draft_id)
        result = client.post(
            f"/customerinvoicedrafts/{draft_id}/convert",
            validation,
            find_existing=lambda: d.find_invoice(key),
        )
        self.hook("after_send", key)
        self.outbox.confirm(
            key, result["Id"], result.get("VoucherId"), str(result.get("InvoiceNumber"))
        )

    def _send_ledger_item(self, row: Row) -> None:
        d = self.companies.directory(row.entity)
        key = row.outbox_key
        body = d.resolve(row.payload, self._customer_id(row))
        self._mark_sent(key)
        result = self.companies.client(row.entity).post(
            LEDGER_PATH, body, find_existing=lambda: d.find_ledger_item(key)
        )
        self.hook("after_send", key)
        self.outbox.confirm(
            key, result.get("Id"), result.get("VoucherId"), str(row.payload.get("InvoiceNumber"))
        )

    def _customer_id(self, row: Row) -> str:
        """Visma's id of the row's customer; a refusal naming the customer row when Visma
        has none."""
        number = row.payload["CustomerNumber"]
        d = self.companies.directory(row.entity)
        known = d.known_customer(number) or self.outbox.confirmed_customer(row.entity, number)
        ident = d.customer_id(number, known)
        if ident is None:
            failure = self.outbox.customer_failure(row.entity, number)
            detail = f" (customer row {failure[0]}: {failure[1]})" if failure else ""
            raise VismaApiError(0, None, f"customer {number} is not in Visma{detail}")
        return ident
