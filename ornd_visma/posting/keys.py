"""Stable keys: the outbox key of a document revision, the tag that carries it into Visma,
the Visma `CustomerNumber` of an OfficeRnD customer and the integer `InvoiceNumber` of an
OfficeRnD document in its location's number range.

* **Outbox key** `<kind>-<OfficeRnD id>-<first 12 hex of the revision>` (customers also name
  the entity: a customer exists once per Visma company). Kinds: `L` ledger item, `I`
  invoice, `R` reversal of a posted revision, `C` customer, `V` deferral/release voucher.
* **Tag** `[ornd <key>]`, written into the `VoucherText` of every voucher we post (and the
  `OurReference` of every invoice draft). Visma has no idempotency key (reference §1.12); the
  tag is how a document is found in Visma before a retry: `GET /vouchers` with
  `$filter=contains(VoucherText,'<key>')`, then the ledger item by `VoucherId`; invoices and
  drafts by `OurReference eq '<tag>'`; customers by `CustomerNumber eq '…'`.
* **CustomerNumber** (≤16 characters in Visma): `OR` + the last 14 hex digits of the
  OfficeRnD ObjectId (the random and counter bytes; the full id is written into the
  customer's `Note`, and a collision between two customers is detected and held, never
  merged). Ids that are not ObjectIds: the id itself when ≤14 safe characters, else `OR` +
  14 characters of its sha256. Never matched by name.
* **InvoiceNumber** (an int32 in Visma, ledger mode): unique per Visma company. Each location
  numbers each series (`invoice`, `credit_note`, our `reversal`s) in its own range
  (`locations.<code>.invoice_numbers`, or the stable default; `mapping/numbering.py`):
  InvoiceNumber = the range's start + OfficeRnD's sequence number, `000101-STH` → start of
  STH's invoices + 101, `CN00012-STH` → start of STH's credit notes + 12 (with
  `IsCreditInvoice`). A number with no sequence number (no digits), or one that would pass the
  end of its range (the next range's start, or 2,147,483,647), is not posted: the document is
  held with a reason naming the number (never a hash). A reversal takes the next free number of
  its location's reversal range. OfficeRnD's number stays visible: `PaymentReferenceNumber`
  (≤50) and the `VoucherText`. Our look-ups never rely on numbers (the tag decides). In invoice
  mode Visma gives the number from its own series (read-only on `CustomerInvoiceApi`), unique
  per company by construction; OfficeRnD's number is the invoice's `YourReference`.
"""

import hashlib
import re
from collections.abc import Iterable

from ornd_visma.mapping.model import DEFAULT_SEQUENCE_PATTERN
from ornd_visma.mapping.numbering import NumberRange, next_free, sequence_number

_HEX24 = re.compile(r"^[0-9a-fA-F]{24}$")
_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,14}$")
TAG_PREFIX = "[ornd "


class InvoiceNumberError(ValueError):
    """A document cannot be given a Visma InvoiceNumber; the message names its number."""


def outbox_key(kind: str, ident: str, revision: str, entity: str | None = None) -> str:
    scope = f"{entity}-" if entity else ""
    return f"{kind}-{scope}{ident}-{revision[:12]}"


def tag(key: str) -> str:
    return f"{TAG_PREFIX}{key}]"


def key_in(text: str | None) -> str | None:
    """The outbox key tagged in a VoucherText / OurReference, if any."""
    if not text or TAG_PREFIX not in text:
        return None
    return text.split(TAG_PREFIX, 1)[1].split("]", 1)[0]


def customer_number(ornd_id: str) -> str:
    if _HEX24.match(ornd_id):
        return f"OR{ornd_id[-14:].lower()}"
    if _SAFE.match(ornd_id):
        return ornd_id
    return f"OR{hashlib.sha256(ornd_id.encode()).hexdigest()[:14]}"


def invoice_number(
    number: str | None, numbers: NumberRange, pattern: str = DEFAULT_SEQUENCE_PATTERN
) -> int:
    """The Visma InvoiceNumber of OfficeRnD's document `number` in its range: start +
    sequence number. Raises InvoiceNumberError, naming the number, when it has no sequence
    number or the sum passes the range's end."""
    sequence = sequence_number(number, pattern)
    if sequence is None:
        raise InvoiceNumberError(
            f"OfficeRnD number {number!r} has no sequence number (no match of "
            f"`numbering.sequence_pattern` {pattern!r}): Visma's InvoiceNumber is an integer"
        )
    value = numbers.start + sequence
    if value > numbers.end:
        raise InvoiceNumberError(
            f"OfficeRnD number {number!r}: {numbers.start} + {sequence} = {value} is past the "
            f"end of its range {numbers}: give the location's {numbers.series} a range of "
            "its own with room (see `ornd-visma doctor`)"
        )
    return value


def reversal_number(numbers: NumberRange, used: Iterable[int]) -> int:
    """The InvoiceNumber of a new reversal: the next free one of the location's reversal
    range, after every number `used` (the outbox's) in it."""
    value = next_free(numbers, used)
    if value > numbers.end:
        raise InvoiceNumberError(
            f"the reversal range {numbers} is full: give it a range of its own with room"
        )
    return value


def sha(value: bytes | str) -> str:
    return hashlib.sha256(value.encode() if isinstance(value, str) else value).hexdigest()
