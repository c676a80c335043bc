"""Stable keys: the outbox key of a document revision, the tag that carries it into Visma,
the Visma `CustomerNumber` of an OfficeRnD customer and the integer `InvoiceNumber` of an
OfficeRnD document number.

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
* **InvoiceNumber** (an integer in Visma): the digits of OfficeRnD's number, leading zeros
  dropped: `000123-STH` → 123, `CN00012-STH` → 12 (with `IsCreditInvoice`). OfficeRnD numbers
  per location, so two locations of one Visma company can share a number; Visma does not
  enforce uniqueness of ledger item numbers (the simulator's decision, reference §1.12), and
  our look-ups never rely on it (the tag decides). A number without digits gets the first
  9 digits of the sha256 of the number.
"""

import hashlib
import re

_HEX24 = re.compile(r"^[0-9a-fA-F]{24}$")
_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,14}$")
_DIGITS = re.compile(r"\d+")
TAG_PREFIX = "[ornd "
MAX_INVOICE_NUMBER = 2_147_483_647


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


def invoice_number(number: str) -> int:
    digits = "".join(_DIGITS.findall(number or ""))
    if digits and int(digits) <= MAX_INVOICE_NUMBER:
        return int(digits)
    return int(hashlib.sha256((number or "").encode()).hexdigest(), 16) % 10**9


def sha(value: bytes | str) -> str:
    return hashlib.sha256(value.encode() if isinstance(value, str) else value).hexdigest()
