"""SIE4 export: the vouchers the outbox holds for a date range, as a file a Swedish accounting
system imports (for operators who book by hand instead of through the API).

Decisions (SIE filformat 4B; the file is what 4B calls type 4I, vouchers without balances,
"bokföringsorder" from a subsystem; `#SIETYP 4`, conventionally named `*.si`):
* **Encoding and lines**: CP437 (`#FORMAT PC8`), each record one line ending in CRLF, fields
  separated by one space.
* **Records**: `#FLAGGA 0`, `#FORMAT PC8`, `#SIETYP 4`, `#PROGRAM`, `#GEN <today>`, `#FNAMN`,
  `#ORGNR`, `#ADRESS` (when Visma gives one), `#VALUTA SEK` (the outbox posts SEK only), the
  `#RAR`s, a `#KONTO` (and `#KTYP` where BAS decides it) per account the vouchers use,
  `#DIM 1 "Kostnadsställe"` and `#DIM 2 "Kostnadsbärare"` with an `#OBJEKT` per cost center
  item used (the ShortName is both the object number and its name), then the vouchers. The
  company, its fiscal years and the account names: ornd_visma.posting.sie_company.
* **`#RAR`**: year 0 is the fiscal year of the newest exported voucher, -1 the one before,
  and so on back to the year of the oldest voucher, none skipped; so every voucher date is
  inside a `#RAR`, and an export of one year's vouchers has exactly `#RAR 0`.
* **Vouchers**: `#VER <series> <number> <date> "<text>"`, then `{`, the rows, `}`. Series `A`
  unless told (1–10 letters or digits); numbers from posting.sie_numbers (unique per fiscal
  year and series, stable across exports). The text is the VoucherText, its outbox tag
  `[ornd <key>]` kept whole at the end however long the rest is, so a voucher is traced back.
* **Rows**: `#TRANS <account> {<dim> "<object>" ...} <amount> "" "<text>"`: debit positive,
  credit negative, two decimals with a point; cost centers as objects of dimensions 1 and
  2; no transaction date (the voucher's applies); the row's TransactionText. A voucher whose
  rows do not add up to zero, or an amount with more than two decimals, is refused.
* **Text fields** (names, texts, object numbers) are always quoted, cleaned by
  `ornd_visma.text.clean_text` (no control character, line break, tab or bidi mark survives),
  made CP437 by `to_charset`, and cut to `TEXT_MAX` characters: SIE 4B sets no length, the
  importers do (Visma's TransactionText takes 100). Inside the quotes `"` is written `\\"` as
  4B says, and a backslash `\\\\`, so a text ending in a backslash cannot swallow its closing
  quote in a reader that takes `\\` as the escape.
* **What is exported**: the vouchers of ledger items (SIE has no customer ledger: the
  receivable is the 1510 row), reversals and deferral vouchers, in every state but
  superseded, held and skipped. A file and the API are alternatives: importing a file for
  vouchers also posted through the API books them twice.
* **Refused, with one line and nothing written**: a reversed range, an output directory that
  does not exist, a bad series, no voucher in the range, an account without a name, a
  voucher outside Visma's fiscal years, a company without name or organisation number.
"""

import os
import re
import tempfile
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from ornd_visma import __version__
from ornd_visma.posting import sie_numbers
from ornd_visma.posting.bas import account_type
from ornd_visma.posting.keys import key_in, tag
from ornd_visma.posting.outbox import ensure_schema, loads
from ornd_visma.posting.sie_company import Company, SieError
from ornd_visma.text import clean_text, to_charset

EXPORTED_STATES = ("would_post", "pending", "sent", "confirmed", "failed")
ENCODING = "cp437"
TEXT_MAX = 100
SERIES = re.compile(r"^[A-Za-z0-9]{1,10}$")
DIMENSIONS = {1: "Kostnadsställe", 2: "Kostnadsbärare"}
CENT = Decimal("0.01")


def sie_text(value: object, max_len: int = TEXT_MAX) -> str:
    """`value` cleaned, in CP437, at most `max_len` characters (not yet quoted)."""
    return clean_text(to_charset(clean_text(value), ENCODING), max_len)


def quote(value: object, max_len: int = TEXT_MAX) -> str:
    """A quoted SIE field holding `value` (module docstring, "Text fields")."""
    text = sie_text(value, max_len)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def voucher_text(text: object, max_len: int = TEXT_MAX) -> str:
    """The quoted `#VER` text: the VoucherText cut to `max_len`, its outbox tag kept whole."""
    raw = clean_text(text)
    key = key_in(raw)
    if key is None:
        return quote(raw, max_len)
    mark = sie_text(tag(key), max_len)
    head = sie_text(raw.replace(tag(key), " "), max(max_len - len(mark) - 1, 0))
    return quote(f"{head} {mark}" if head else mark, max_len)


def _named(voucher: dict) -> str:
    """How a message names a voucher: its outbox key, else the start of its text (one line)."""
    text = clean_text(voucher.get("VoucherText"))
    return f"voucher {key_in(text) or clean_text(text, 60)!r} of {voucher.get('VoucherDate')}"


def _amount(row: dict, where: str) -> Decimal:
    try:
        value = Decimal(row.get("DebitAmount") or 0) - Decimal(row.get("CreditAmount") or 0)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise SieError(f"{where}: the amount of account {row.get('AccountNumber')} is not a "
                       "number") from error  # fmt: skip
    if not value.is_finite():
        raise SieError(f"{where}: the amount of account {row.get('AccountNumber')} is {value}")
    if value != value.quantize(CENT):
        raise SieError(f"{where}: amount {value} on account {row.get('AccountNumber')} has "
                       "more than two decimals")  # fmt: skip
    return value.quantize(CENT) + 0  # + 0: never "-0.00"


def _account(row: dict, where: str) -> int:
    text = str(row.get("AccountNumber", ""))
    if not text.isdigit() or int(text) <= 0:
        raise SieError(f"{where}: account {text!r} is not an account number")
    return int(text)


def voucher_date(voucher: dict) -> date:
    try:
        return date.fromisoformat(str(voucher.get("VoucherDate", ""))[:10])
    except ValueError as error:
        raise SieError(f"{_named(voucher)}: the VoucherDate is not a date") from error


def _objects(row: dict) -> list[tuple[int, str]]:
    found = []
    for slot in DIMENSIONS:
        name = row.get(f"CostCenterShortName{slot}")
        if name:
            if not sie_text(name):
                raise SieError(f"cost center item {name!r} (dimension {slot}) has no visible "
                               "characters")  # fmt: skip
            found.append((slot, sie_text(name)))
    return found


def sie4(
    voucher_list: list[dict],
    *,
    company: Company | str,
    generated: date,
    series: str = "A",
    numbers: Sequence[int] | None = None,
    start: date | None = None,  # unused: the #RARs follow the vouchers' dates (kept for callers)
) -> str:
    """The SIE4 text of `voucher_list` (in that order), numbered `numbers` (default 1, 2, …).

    `company` is the Company, or only its name (then the BAS account names, calendar years
    and no `#ORGNR`). Raises SieError for what cannot be written (module docstring)."""
    if isinstance(company, str):
        company = Company(name=company)
    if not voucher_list:
        raise SieError("no vouchers to write")
    if not SERIES.match(series):
        raise SieError(f"series {series!r} must be 1 to 10 letters or digits")
    numbers = list(numbers) if numbers is not None else list(range(1, len(voucher_list) + 1))
    if len(numbers) != len(voucher_list):
        raise SieError(f"{len(numbers)} numbers for {len(voucher_list)} vouchers")
    days = [voucher_date(v) for v in voucher_list]
    years = company.years_back(min(days), max(days))
    lines = [
        "#FLAGGA 0",
        "#FORMAT PC8",
        "#SIETYP 4",
        f"#PROGRAM {quote('ornd-visma')} {quote(__version__)}",
        f"#GEN {generated:%Y%m%d}",
        f"#FNAMN {quote(company.name)}",
    ]
    if not sie_text(company.name):
        raise SieError(f"the company name {company.name!r} has no visible characters")
    if company.org_nr:
        lines.append(f"#ORGNR {company.org_nr}")
    if company.address:
        lines.append("#ADRESS " + " ".join(quote(part) for part in company.address))
    lines.append("#VALUTA SEK")
    lines += [f"#RAR {-i} {y.start:%Y%m%d} {y.end:%Y%m%d}" for i, y in enumerate(years)]
    rows = [(_named(voucher), row) for voucher in voucher_list for row in voucher.get("Rows") or []]
    for number in sorted({_account(row, where) for where, row in rows}):
        lines.append(f"#KONTO {number} {quote(company.account_name(number))}")
        if account_type(number):
            lines.append(f"#KTYP {number} {account_type(number)}")
    lines += [f"#DIM {slot} {quote(name)}" for slot, name in DIMENSIONS.items()]
    objects = sorted({obj for _, row in rows for obj in _objects(row)})
    lines += [f"#OBJEKT {slot} {quote(name)} {quote(name)}" for slot, name in objects]
    order = sorted(range(len(voucher_list)), key=lambda i: (days[i], numbers[i]))
    for i in order:
        lines += _voucher(voucher_list[i], series, numbers[i], days[i])
    return "\r\n".join(lines) + "\r\n"


def _voucher(voucher: dict, series: str, number: int, day: date) -> list[str]:
    where = _named(voucher)
    rows = voucher.get("Rows") or []
    if not rows:
        raise SieError(f"{where} has no rows")
    text = voucher_text(voucher.get("VoucherText"))
    lines = [f"#VER {quote(series)} {number} {day:%Y%m%d} {text}", "{"]
    total = Decimal(0)
    for row in rows:
        amount = _amount(row, where)
        total += amount
        dims = " ".join(f"{slot} {quote(name)}" for slot, name in _objects(row))
        text = quote(row.get("TransactionText") or "")
        lines.append(f'   #TRANS {_account(row, where)} {{{dims}}} {amount:.2f} "" {text}')
    if total != 0:
        raise SieError(f"{where} does not balance: its rows add up to {total}, not 0")
    lines.append("}")
    return lines


def keyed_vouchers(
    conn: duckdb.DuckDBPyConnection, start: date, end: date, entity: str
) -> list[tuple[str, dict]]:
    """(outbox key, voucher body) of the outbox rows of `entity` dated in [start, end], by
    voucher date, then as the outbox made them."""
    marks = ", ".join("?" for _ in EXPORTED_STATES)
    rows = conn.execute(
        f"""SELECT outbox_key, payload FROM posting.outbox
            WHERE kind <> 'customer' AND entity = ? AND state IN ({marks})
              AND business_date BETWEEN ? AND ?
            ORDER BY business_date, created_at, outbox_key""",
        [entity, *EXPORTED_STATES, start, end],
    ).fetchall()
    out = []
    for key, text in rows:
        payload = loads(text)
        voucher = payload.get("Voucher", payload)
        if "Rows" in voucher and "VoucherDate" in voucher:
            out.append((key, voucher))
    return sorted(out, key=lambda kv: str(kv[1]["VoucherDate"])[:10])


def vouchers(conn: duckdb.DuckDBPyConnection, start: date, end: date, entity: str) -> list[dict]:
    """The voucher bodies of the outbox rows of `entity` dated in [start, end]."""
    return [voucher for _, voucher in keyed_vouchers(conn, start, end, entity)]


def check_request(start: date, end: date, series: str, out: Path) -> None:
    """Refuse a request that cannot succeed before anything is read, asked or numbered."""
    if start > end:
        raise SieError(f"--from {start} is after --to {end}")
    if not SERIES.match(series):
        raise SieError(f"--series {series!r} must be 1 to 10 letters or digits")
    out = Path(out)
    if out.is_dir():
        raise SieError(f"--out {out} is a directory, not a file")
    if not out.parent.is_dir():
        raise SieError(f"the directory of --out {out} does not exist: create {out.parent} first")


def export_sie(
    conn: duckdb.DuckDBPyConnection,
    out: Path,
    start: date,
    end: date,
    entity: str,
    *,
    company: Company,
    series: str = "A",
    today: date | None = None,
) -> int:
    """Write the SIE4 file of `entity`'s vouchers dated in [start, end] and record their
    numbers; returns how many. Raises SieError, with nothing written, for what the module
    docstring lists."""
    check_request(start, end, series, out)
    found = keyed_vouchers(conn, start, end, entity)
    if not found:
        raise SieError(
            f"no vouchers of entity {entity} dated {start} to {end} in posting.outbox (states "
            f"{', '.join(EXPORTED_STATES)}): nothing to export, no file written"
        )
    dated = [(key, voucher_date(v)) for key, v in found]
    plan = [(key, day, company.fiscal_year(day)) for key, day in dated]
    ensure_schema(conn)
    conn.execute("BEGIN TRANSACTION")
    try:
        numbers = sie_numbers.assign(conn, entity, series, plan)
        text = sie4(
            [v for _, v in found],
            company=company,
            generated=today or date.today(),
            series=series,
            numbers=[numbers[key] for key, _ in found],
        )
        temp = _write_temp(Path(out), text.encode(ENCODING))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    os.replace(temp, out)
    return len(found)


def _write_temp(out: Path, data: bytes) -> Path:
    """`data` in a new file next to `out` (renamed over it once the numbers are committed)."""
    handle, name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(name, 0o644)  # mkstemp makes it 0600; the file is for others to import
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)
