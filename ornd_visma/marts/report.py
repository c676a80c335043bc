"""The monthly MRR report for finance, attached to the month's voucher in Visma, so it is
there where finance works.

* **The report** is one PNG (Visma takes image/png, jpeg, tiff or pdf): the month's MRR
  waterfall over a table of the KPIs per location and in total.
* **The month's voucher** is the deferral voucher the posting stage booked for the month
  (`posting.outbox`: kind `voucher`, `document_id` `deferred:<entity>:<YYYY-MM>`, confirmed,
  Visma's id in `visma_id`), else the month's release voucher (`released:…`). No confirmed
  voucher, no attachment: `month_voucher` answers None and nothing is sent.
* **Visma's API**: `POST /attachments` (base64 `Data`) uploads, `POST /attachmentlinks`
  (`DocumentType` 3 = Voucher) links the upload to an existing voucher.
* **Exactly once.** The file name carries the month and the report's content hash
  (`mrr-report-2026-10-<sha12>.png`). `marts.report_attachments` records every link made;
  before uploading, Visma's attachments are listed (matched ones too) and one with the same
  name is reused, so a crash between upload and record uploads nothing twice. A report whose
  figures changed is a new file, linked beside the old one (Visma does not let a linked
  attachment be deleted).
"""

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb
from matplotlib.figure import Figure

from ornd_visma.marts import charts
from ornd_visma.marts.comments import apply_comments
from ornd_visma.warehouse.tables import table_exists

VOUCHER_DOCUMENT_TYPE = 3
CONTENT_TYPE = "image/png"
LOG_DDL = """
CREATE TABLE IF NOT EXISTS marts.report_attachments (
    month DATE NOT NULL,
    entity VARCHAR NOT NULL,
    voucher_id VARCHAR NOT NULL,
    attachment_id VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    attached_at TIMESTAMP NOT NULL,
    PRIMARY KEY (entity, voucher_id, file_name)
)
"""
KPI_COLUMNS = (
    ("customers", "customers"),
    ("mrr", "MRR"),
    ("customer_churn_rate", "churn"),
    ("net_mrr_churn_rate", "net MRR churn"),
    ("nrr", "NRR"),
    ("arpa", "ARPA"),
)


RATES = {"customer_churn_rate", "net_mrr_churn_rate", "nrr"}


def _cell(column: str, value) -> str:
    if value is None:
        return "–"
    if column in RATES:
        return f"{value * 100:.1f} %"
    if isinstance(value, int):
        return str(value)
    return f"{value:,.2f}".replace(",", " ")


def report_png(conn: duckdb.DuckDBPyConnection, month: date) -> bytes:
    """The MRR report of `month`: the waterfall over the KPI table."""
    rows = conn.execute(
        f"""
        SELECT coalesce(l.name, 'All locations'), {", ".join(f"k.{c}" for c, _ in KPI_COLUMNS)}
        FROM marts.kpis_monthly AS k LEFT JOIN staging.locations AS l ON l.id = k.location
        WHERE k.month = ? ORDER BY k.scope, l.name
        """,
        [month],
    ).fetchall()
    figure = Figure(figsize=(9, 6.5))
    top, bottom = figure.subfigures(2, 1, height_ratios=(3, 1.2))
    ax = top.add_subplot()
    charts.draw_waterfall(ax, charts.waterfall_steps(conn, month), month)
    table_ax = bottom.add_subplot()
    table_ax.axis("off")
    table = table_ax.table(
        cellText=[
            [name, *(_cell(c, v) for (c, _), v in zip(KPI_COLUMNS, values, strict=True))]
            for name, *values in rows
        ],
        colLabels=["", *(label for _, label in KPI_COLUMNS)],
        loc="upper center",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table_ax.set_title(f"KPIs {month:%B %Y} (SEK a month, without VAT)", fontsize=9)
    return charts.png(figure, tight=True)  # drawn once a month


def report_file_name(month: date, png: bytes) -> str:
    return f"mrr-report-{month:%Y-%m}-{hashlib.sha256(png).hexdigest()[:12]}.png"


def month_voucher(conn: duckdb.DuckDBPyConnection, month: date, entity: str) -> str | None:
    """Visma's id of the month's confirmed deferral (else release) voucher, or None."""
    if not table_exists(conn, "posting.outbox"):
        return None
    rows = conn.execute(
        """
        SELECT visma_id FROM posting.outbox
        WHERE kind = 'voucher' AND state = 'confirmed' AND entity = $entity
          AND visma_id IS NOT NULL AND document_id IN ($deferred, $released)
        ORDER BY document_id = $deferred DESC, confirmed_at DESC
        LIMIT 1
        """,
        {
            "entity": entity,
            "deferred": f"deferred:{entity}:{month:%Y-%m}",
            "released": f"released:{entity}:{month:%Y-%m}",
        },
    ).fetchall()
    return rows[0][0] if rows else None


def ensure_log(conn: duckdb.DuckDBPyConnection) -> None:
    """`marts.report_attachments`, created (and commented) if missing."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS marts")
    conn.execute(LOG_DDL)
    apply_comments(conn, ["report_attachments"])


@dataclass(frozen=True)
class Attached:
    voucher_id: str
    attachment_id: str
    file_name: str
    uploaded: bool  # False: an earlier upload of the same file was reused
    linked: bool  # False: it was linked already (recorded)


def attach_report(
    conn: duckdb.DuckDBPyConnection,
    client,
    *,
    month: date,
    entity: str,
    voucher_id: str,
    png: bytes,
) -> Attached:
    """Upload `png` and link it to the voucher, once (`client`: a `VismaClient`)."""
    ensure_log(conn)
    name = report_file_name(month, png)
    done = conn.execute(
        "SELECT attachment_id FROM marts.report_attachments "
        "WHERE entity = ? AND voucher_id = ? AND file_name = ?",
        [entity, voucher_id, name],
    ).fetchall()
    if done:
        return Attached(voucher_id, done[0][0], name, uploaded=False, linked=False)

    def find() -> dict | None:
        listed = client.list_all("/attachments", {"includeMatched": "true"})
        return next((a for a in listed if a.get("FileName") == name), None)

    existing = find()
    if existing is None:
        body = {
            "ContentType": CONTENT_TYPE,
            "FileName": name,
            "Data": base64.b64encode(png).decode("ascii"),
            "Comment": f"MRR report {month:%Y-%m} (ornd-visma)",
        }
        attachment = client.post("/attachments", body, find_existing=find)
    else:
        attachment = existing
    if str(attachment.get("DocumentId") or "").lower() != voucher_id.lower():
        client.post(
            "/attachmentlinks",
            {
                "DocumentId": voucher_id,
                "DocumentType": VOUCHER_DOCUMENT_TYPE,
                "AttachmentIds": [attachment["Id"]],
            },
        )
    conn.execute(
        "INSERT INTO marts.report_attachments VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            month,
            entity,
            voucher_id,
            attachment["Id"],
            name,
            hashlib.sha256(png).hexdigest(),
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )
    return Attached(voucher_id, attachment["Id"], name, uploaded=existing is None, linked=True)
