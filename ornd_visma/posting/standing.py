"""Where the outbox stands after a run: what reached Visma during it, and everything that is
still not in Visma (held with the reason, refused with Visma's message, waiting to be sent),
for the summary `ornd-visma run` prints.

A document refused or waiting stays so until a later run posts it, so the summary lists every
such row of the outbox, not only the run's: a run that leaves documents out of Visma says so.
Customers and documents count alike (a refused customer keeps its documents out too).
"""

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from ornd_visma.text import clean_text

MESSAGE_MAX = 300


@dataclass
class Standing:
    confirmed: int = 0  # confirmed in Visma since the run began
    would_post: int = 0  # a dry run's payloads
    waiting: int = 0  # pending or sent: not in Visma yet, sent by the next run
    held: list[tuple[str, str]] = field(default_factory=list)  # (document, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (document, Visma's message)


def standing(conn: duckdb.DuckDBPyConnection, since: datetime) -> Standing:
    """The outbox's state; `since` (UTC, naive like the outbox's times) begins the run."""
    out = Standing()
    try:
        rows = conn.execute(
            """SELECT state, kind, coalesce(document_number, document_id), hold_reason,
                      error_code, error_message, confirmed_at >= ?
               FROM posting.outbox
               WHERE state IN ('confirmed', 'would_post', 'pending', 'sent', 'held', 'failed')
               ORDER BY business_date, outbox_key""",
            [since],
        ).fetchall()
    except duckdb.CatalogException:  # nothing was ever planned
        return out
    for state, kind, name, reason, code, message, confirmed_now in rows:
        label = f"{kind} {name}"
        if state == "confirmed":
            out.confirmed += bool(confirmed_now)
        elif state == "would_post":
            out.would_post += 1
        elif state in ("pending", "sent"):
            out.waiting += 1
        elif state == "held":
            out.held.append((label, clean_text(reason or "held", MESSAGE_MAX)))
        else:
            text = f"{code}: {message}" if code else message or "refused"
            out.failed.append((label, clean_text(text, MESSAGE_MAX)))
    return out


def summary_lines(s: Standing, unreachable: dict[str, str], limit: int = 20) -> list[str]:
    lines = [
        f"posted to Visma in this run: {s.confirmed}"
        + (f"; would post (dry run): {s.would_post}" if s.would_post else "")
        + (f"; waiting to be sent: {s.waiting}" if s.waiting else ""),
        f"held (not in Visma, by reason): {len(s.held)}",
        *(f"  {what}: {why}" for what, why in s.held[:limit]),
        f"refused by Visma: {len(s.failed)}",
        *(f"  {what}: {why}" for what, why in s.failed[:limit]),
    ]
    for shown, listed in ((s.held, "held"), (s.failed, "refused")):
        if len(shown) > limit:
            lines.append(f"  … {len(shown) - limit} more {listed}: see posting.outbox")
    lines += [f"Visma company {e} out of reach: {clean_text(why, MESSAGE_MAX)}"
              for e, why in sorted(unreachable.items())]  # fmt: skip
    return lines
