"""Posting to Visma exactly once: a run composes the three parts, each its own module.

A run, per Visma company (entity):

1. **recover** (`recovery.Recovery`): every row still `sent` from an earlier run is looked
   up in Visma by its tag, after the requests in flight have settled: `confirmed`, or
   `pending` again. A company out of reach is left alone this run (`companies.Companies`).
2. **plan** (`planning.Planner`, no Visma client): the window's documents, their customers
   and corrections, or the periodisation vouchers due, become outbox rows (one commit: a
   plan that breaks is rolled back whole).
3. **send** (`sending.Sender`): each sendable row (customers, then reversals, then documents,
   then vouchers), `sent` committed before the request, then `confirmed` with Visma's ids,
   or `failed` with Visma's message.

Why this is exactly once: a row is only ever sent from `pending`/`would_post`/`failed`
(states in which Visma provably does not hold it: never sent, superseded before sending, or
refused), and every path out of `sent` other than `confirmed` goes through a look-up in
Visma by the row's unique tag. A dry run sends nothing: it has no client at all, and only
plans.
"""

import time
from collections.abc import Callable, Mapping
from datetime import date

import duckdb

from ornd_visma.mapping import Mapping as BooksMapping
from ornd_visma.posting.companies import Companies
from ornd_visma.posting.outbox import Outbox, is_invoice_mode, is_voucher, loads
from ornd_visma.posting.planning import (
    OPEN_END,
    Planner,
    parse_voucher_document_id,
    voucher_document_id,
)
from ornd_visma.posting.recovery import SETTLE_S, Recovery
from ornd_visma.posting.sending import VOUCHER_PARAMS, Hook, Sender, SimulatedCrash
from ornd_visma.posting.summary import Summary
from ornd_visma.visma.client import VismaClient


class Poster:
    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        mapping: BooksMapping,
        clients: Mapping[str, VismaClient] | None = None,
        *,
        dry_run: bool = False,
        run_id: str | None = None,
        hook: Hook | None = None,
        preview_limit: int = 5,
        settle_s: float = SETTLE_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not dry_run and clients is None:
            raise ValueError("a real run needs a Visma client per entity")
        self.conn = conn
        self.mapping = mapping
        self.dry_run = dry_run
        self.outbox = Outbox(conn, run_id)
        self.summary = Summary(dry_run)
        self.companies = Companies({} if dry_run else dict(clients or {}), self.summary)
        for client in self.companies.clients.values():
            client.on_exchange = self.outbox.record
        self.planner = Planner(
            self.outbox, mapping, self.summary, dry_run=dry_run, preview_limit=preview_limit
        )
        self.recovery = Recovery(
            self.outbox, self.companies, self.summary, settle_s=settle_s, sleep=sleep
        )
        self.sender = Sender(self.outbox, self.companies, self.summary, hook=hook)

    def run(self, start: date, end: date | None) -> Summary:
        """Post the documents with business dates in [start, end) (end None: open-ended),
        and finish any document row an earlier run left unsent."""

        def plan() -> None:
            self.planner.plan_documents(start, end or OPEN_END)
            self.planner.plan_customer_updates()

        return self._run(plan, vouchers=False)

    def run_vouchers(self, until: date) -> Summary:
        """Post the periodisation vouchers due by `until` (`Planner.plan_vouchers`)."""
        return self._run(lambda: self.planner.plan_vouchers(until), vouchers=True)

    def _run(self, plan: Callable[[], None], *, vouchers: bool) -> Summary:
        self.companies.probe()
        if not self.dry_run:
            for entity in self.companies.reachable:
                self.recovery.recover(entity)
        # planning is one commit, rolled back if it breaks; its rows go in in bulk
        with self.outbox.transaction(), self.outbox.bulk():
            plan()
        if not self.dry_run:
            for entity in self.companies.reachable:
                self.sender.send(entity, vouchers=vouchers)
        self.outbox.flush()
        return self.summary


__all__ = [
    "VOUCHER_PARAMS",
    "Poster",
    "SimulatedCrash",
    "Summary",
    "is_invoice_mode",
    "is_voucher",
    "loads",
    "parse_voucher_document_id",
    "voucher_document_id",
]
