"""The InvoiceNumbers of ledger mode, as planning gives them: a document's number in its
location's range (`keys.invoice_number`), refused when another document already has it in
the same Visma company, and a reversal's next free number of its location's reversal range.

`used` starts from the outbox's ledger items and reversals (every state but superseded and
skipped: a number once sent, or about to be, is taken) and grows as the run numbers more.
"""

from collections.abc import Callable

from ornd_visma.mapping import Mapping
from ornd_visma.mapping.numbering import (
    NumberRange,
    Series,
    location_key,
    number_ranges,
    series_of,
)
from ornd_visma.posting.keys import InvoiceNumberError, invoice_number, reversal_number

# (entity, InvoiceNumber) -> (document id, kind) of the row that has it
Used = dict[tuple[str, int], tuple[str, str]]


class InvoiceNumbers:
    def __init__(
        self,
        mapping: Mapping,
        location_codes: Callable[[], dict[str, str]],
        numbers_in_outbox: Callable[[], list[tuple[str, int, str, str]]],
    ) -> None:
        self.mapping = mapping
        self._ranges = number_ranges(mapping)
        self._location_codes = location_codes
        self._numbers_in_outbox = numbers_in_outbox
        self._used: Used | None = None

    def range(self, location: str | None, series: Series) -> NumberRange:
        """The range of `series` of an OfficeRnD location (by id)."""
        code = self._location_codes().get(location or "")
        key = location_key(self.mapping, code, location)
        if key is None:
            raise InvoiceNumberError(
                f"location {code or location} is not in the mapping's locations: it has no "
                "invoice number range"
            )
        return self._ranges[(key, series)]

    def used(self) -> Used:
        """Every number the outbox holds or will send, and those given this run."""
        if self._used is None:
            self._used = {}
            for entity, number, document_id, kind in self._numbers_in_outbox():
                self._used.setdefault((entity, number), (document_id, kind))
        return self._used

    def of_document(self, doc: dict) -> int:
        """The document's InvoiceNumber, unless it has none or another document has it."""
        numbers = self.range(doc["location"], series_of(doc["document_type"]))
        number = invoice_number(
            doc["document_number"], numbers, self.mapping.numbering.sequence_pattern
        )
        holder = self.used().get((doc["entity"], number))
        if holder and (holder[0] != doc["document_id"] or holder[1] == "reversal"):
            raise InvoiceNumberError(
                f"OfficeRnD number {doc['document_number']!r} gives InvoiceNumber {number}, "
                f"which the {holder[1].replace('_', ' ')} of document {holder[0]} already has "
                f"in Visma company {doc['entity']} (is OfficeRnD's numbering reset by month or "
                "year? see `ornd-visma doctor`)"
            )
        return number

    def of_reversal(self, entity: str, location: str | None) -> int:
        """The next free number of the location's reversal range in `entity`."""
        numbers = self.range(location, "reversal")
        return reversal_number(numbers, [n for (e, n) in self.used() if e == entity])

    def take(self, entity: str, number: int, document_id: str, kind: str) -> None:
        """`number` is given in `entity` to the `kind` row of `document_id`."""
        self.used()[(entity, number)] = (document_id, kind)
