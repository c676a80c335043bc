"""Reading an OfficeRnD record's raw JSON (a staging `payload`) for a Visma payload: every
value through one typed accessor, so that a value of a type no schema checked (a company
name that is the number 12345, an address that is a list, a VAT number that is `true`) is
read or refused with a reason naming the record and the field, and never assumed.

* `text(*keys)`: a string as it is (cleaning and cutting are `fit`'s, where the payload
  enters the outbox, so the outbox row can say what changed); a whole number or a Decimal (the
  outbox reads JSON numbers as Decimal) as its digits, `12345` → `"12345"`: what someone
  typed into a text field and the API sent as a number. An object, a list, `true`/`false` or
  a string that is not Unicode (a lone surrogate) is refused: a reason, and the value counts
  as missing. With several keys, the first whose text is not blank (after
  `ornd_visma.text.clean_text`) wins, as `a or b` did: a blank billing name gives way to the
  name.
* `section(*keys)`: a nested object as `Fields` of its own (its reasons name the path, e.g.
  `billingDetails.billingAddress.city`); missing, null, `""` or `{}` gives way to the next
  key, and none gives an empty one; anything else but an object (a list, even empty) is
  refused.

Every key given is read, also those after the one that wins: a wrong type in any field the
value could come from is a reason. A record with a list where a name should be is wrong
somewhere, and which of its fields OfficeRnD meant is not ours to guess.

A refused value is always a reason (`problems`): the payload builder returns them and the
planner holds the record's documents with them. The choice is to hold, not to leave the
field out: a VAT number or an address Visma would get wrong is worse than a document that
waits for OfficeRnD to be fixed. The readers are `ornd_visma.validation.coerce`'s (`field`,
`read("str")`), with `true`/`false` refused first (coerce's text reader takes them).
"""

from decimal import Decimal
from typing import Any

from ornd_visma.text import clean_text
from ornd_visma.validation.coerce import Unreadable, field, read


def kind_of(value: Any) -> str:
    """What a JSON value is, for a reason: `a list`, `an object`, `true/false`, ..."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int | float | Decimal):
        return "a number"
    return f"a {type(value).__name__}"


class Fields:
    """The typed view of one record (or a nested object of it); `problems` collects the
    reasons of every value refused, shared with its sections."""

    def __init__(
        self,
        record: Any,
        label: str,
        *,
        path: str = "",
        problems: list[str] | None = None,
    ) -> None:
        self.label = label  # names the record: `company 6a66c9b000f03cbb66eb2c44`
        self.path = path
        self.problems = [] if problems is None else problems
        if record is not None and not isinstance(record, dict):
            self._refuse(path or "the record", f"is {kind_of(record)}, not an object")
            record = None
        self.record: dict = record or {}

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _refuse(self, name: str, why: str) -> None:
        self.problems.append(f"{self.label}: {name} {why}")

    def text(self, *keys: str) -> str:
        """The first non-blank text of `keys` (module docstring); "" when none has one."""
        values = [self._text(key) for key in keys]
        return next((value for value in values if clean_text(value)), "")

    def _text(self, key: str) -> str:
        value = field(self.record, key)
        if isinstance(value, bool):
            self._refuse(self._name(key), "is true/false, not text")
            return ""
        try:
            text = read("str", value)
        except Unreadable:
            self._refuse(self._name(key), f"is {kind_of(value)}, not text")
            return ""
        if text is None:
            return ""
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            self._refuse(self._name(key), "is not valid Unicode text")
            return ""
        return text

    def section(self, *keys: str) -> "Fields":
        """The first non-empty object of `keys`, as Fields; an empty one when none is."""
        found = [self._section(key) for key in keys]
        return next(
            (f for f in found if f.record),
            Fields(None, self.label, path=self._name(keys[0]), problems=self.problems),
        )

    def _section(self, key: str) -> "Fields":
        value = field(self.record, key)
        if value is None or value == "" or value == {}:
            value = None
        elif not isinstance(value, dict):
            self._refuse(self._name(key), f"is {kind_of(value)}, not an object")
            value = None
        return Fields(value, self.label, path=self._name(key), problems=self.problems)
