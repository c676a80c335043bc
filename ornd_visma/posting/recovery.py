"""Recovery: the rows a crashed or cut-off run left `sent` (the request went out, the answer
was never recorded: a kill between send and record, a connection dropped after Visma
accepted, a timeout), settled before anything else of their company moves.

Each is looked up in Visma by its tag once it was last sent more than `settle_s` ago (a
request that timed out, or was in flight when the process died, may still be stored by a
slow Visma; looking earlier could miss it): the run waits for that moment (at most
`settle_s`, once per company). Found: `confirmed` with Visma's ids (an invoice draft found
without its invoice keeps the draft's id, so the re-send only converts it). Not found:
`pending`, to be sent again. A customer goes straight back to `pending`: sending a customer
starts with a look-up by its number anyway. Visma unreachable: the row stays `sent`, listed
as unresolved, and the next run asks again.

Why this keeps posting exactly once: every path out of `sent` other than `confirmed` goes
through a look-up in Visma by the row's unique tag.
"""

import time
from collections.abc import Callable
from datetime import timedelta

from ornd_visma.posting.companies import Companies
from ornd_visma.posting.outbox import Outbox, Row, is_invoice_mode, is_voucher, now
from ornd_visma.posting.summary import Summary
from ornd_visma.visma.client import VismaUnavailable

# How long after its last send a `sent` row may be looked up: beyond any request Visma could
# still be processing (the client gives up after 30 s).
SETTLE_S = 35.0


class Recovery:
    def __init__(
        self,
        outbox: Outbox,
        companies: Companies,
        summary: Summary,
        *,
        settle_s: float = SETTLE_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.outbox = outbox
        self.companies = companies
        self.summary = summary
        self.settle_s = settle_s
        self._sleep = sleep

    def recover(self, entity: str) -> None:
        """Settle every `sent` row of `entity`."""
        rows = self.outbox.in_state(("sent",), entity)
        newest = max((r.last_sent_at for r in rows if r.last_sent_at), default=None)
        if newest is not None:
            wait = (newest + timedelta(seconds=self.settle_s) - now()).total_seconds()
            if wait > 0:  # a request of the crashed or timed-out run may still be in Visma's hands
                self._sleep(wait)
        for row in rows:
            try:
                with self.companies.client(entity).tagged(row.outbox_key):
                    self.settle(row)
            except VismaUnavailable as error:
                self.summary.unresolved.append((row.outbox_key, str(error)))

    def settle(self, row: Row) -> None:
        """Look one `sent` row up in Visma by its tag: confirmed, or pending again."""
        key = row.outbox_key
        if row.kind == "customer":
            self.outbox.set_state(key, "pending")  # sending a customer starts with a look-up
            return
        d = self.companies.directory(row.entity)
        if is_voucher(row):  # a periodisation voucher or its reversal
            found = d.find_voucher(key)
            if found:
                self.outbox.confirm(
                    key, found["Id"], found["Id"], found.get("NumberAndNumberSeries")
                )
        elif is_invoice_mode(row):
            found = d.find_invoice(key)
            if found:
                self.outbox.confirm(
                    key, found["Id"], found.get("VoucherId"), str(found.get("InvoiceNumber"))
                )
            elif not row.visma_draft_id and (draft := d.find_draft(key)):
                self.outbox.mark_draft(key, draft["Id"])
        else:
            found = d.find_ledger_item(key)
            if found:
                self.outbox.confirm(
                    key,
                    found.get("Id"),
                    found.get("VoucherId"),
                    str(row.payload.get("InvoiceNumber")),
                )
        if found:
            self.summary.recovered += 1
        else:
            self.outbox.set_state(key, "pending")
