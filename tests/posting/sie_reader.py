"""A strict SIE 4B reader for the tests: it reads a file as the strictest importer would and
raises SieReadError, naming the line and the rule, for anything SIE 4B does not allow.

Written from SIE filformat 4B (type 4I, vouchers, is what the export writes), stricter than
the format where the product promises more:

* **Bytes**: CP437 (`#FORMAT PC8`), so non-ASCII bytes that happen to form UTF-8 are taken
  for a UTF-8 file mislabelled PC8. Every line ends in CRLF, the last one too; no other CR
  or LF, no control byte (0x00–0x1F, 0x7F; a tab neither: the export separates fields by
  spaces), no CP437 0xFF (a no-break space).
* **Lines**: one record each: `#LABEL field ...`, or `{` / `}` around a voucher's rows; no
  empty line. Fields are separated by spaces; a quoted field is `"..."` in which `\\"` is a
  quote and `\\\\` a backslash, and any other backslash is an error; a `"` inside an
  unquoted field is an error; after a closing quote comes a space, `}` or the line's end.
  An object list is `{dim "object" dim "object" ...}`, not nested.
* **Records** (every label is checked; an unknown one is an error): `#FLAGGA` first, then
  the identification records (`#FORMAT PC8`, `#SIETYP 4`, `#PROGRAM`, `#GEN`, `#FNAMN`,
  `#ORGNR NNNNNN-NNNN`, `#ADRESS`, `#VALUTA`, `#RAR`), each once (`#RAR` once per year), then
  the chart (`#KONTO`, `#KTYP` of a declared account, `#DIM`, `#OBJEKT` of a declared
  dimension), then only vouchers: `#VER series number date text`, a `{` line, `#TRANS
  account {objects} amount [date] [text]` lines, a `}` line.
* **Meaning**: dates are real YYYYMMDD dates; amounts `-?digits[.d[d]]`; the `#RAR`s are
  0, -1, … without gaps, each ending the day before the next-newer one starts; every voucher
  date inside a `#RAR`; each voucher's rows add up to zero; every `#TRANS` account declared
  by `#KONTO`, every object declared by `#OBJEKT` of a declared `#DIM`; series and number
  never twice in one fiscal year; every text field at most `max_text` characters.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

ORDER = {  # label -> group; records must come in ascending group order
    "#FLAGGA": 0,
    "#FORMAT": 1, "#SIETYP": 1, "#PROGRAM": 1, "#GEN": 1, "#FNAMN": 1, "#ORGNR": 1,
    "#ADRESS": 1, "#VALUTA": 1, "#RAR": 1,
    "#KONTO": 2, "#KTYP": 2, "#DIM": 2, "#OBJEKT": 2,
    "#VER": 3, "#TRANS": 3,
}  # fmt: skip
ONCE = {"#FLAGGA", "#FORMAT", "#SIETYP", "#PROGRAM", "#GEN", "#FNAMN", "#ORGNR", "#ADRESS",
        "#VALUTA"}  # fmt: skip
REQUIRED = ("#FLAGGA", "#FORMAT", "#SIETYP", "#PROGRAM", "#GEN", "#FNAMN", "#ORGNR", "#RAR")
AMOUNT = re.compile(r"^-?\d+(\.\d{1,2})?$")
ACCOUNT = re.compile(r"^[1-9]\d{3,}$")
ORGNR = re.compile(r"^\d{6}-\d{4}$")
INTEGER = re.compile(r"^-?\d+$")


class SieReadError(AssertionError):
    """The file breaks a rule; the message names the line and the rule."""


@dataclass(frozen=True)
class Field:
    text: str
    quoted: bool


@dataclass(frozen=True)
class ObjectList:
    items: tuple[Field, ...]


@dataclass
class Trans:
    account: int
    objects: tuple[tuple[int, str], ...]
    amount: Decimal
    text: str


@dataclass
class Voucher:
    series: str
    number: int
    day: date
    text: str
    rows: list[Trans] = field(default_factory=list)


@dataclass
class SieFile:
    program: tuple[str, str] = ("", "")
    generated: date | None = None
    company: str = ""
    org_nr: str = ""
    address: tuple[str, ...] | None = None
    currency: str | None = None
    years: dict[int, tuple[date, date]] = field(default_factory=dict)
    accounts: dict[int, str] = field(default_factory=dict)
    account_types: dict[int, str] = field(default_factory=dict)
    dimensions: dict[int, str] = field(default_factory=dict)
    objects: dict[tuple[int, str], str] = field(default_factory=dict)
    vouchers: list[Voucher] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


def read_sie(data: bytes, *, max_text: int = 100) -> SieFile:
    """The file `data`, read strictly (module docstring); raises SieReadError."""
    text = _decode(data)
    reader = _Reader(max_text)
    for number, line in enumerate(text[:-2].split("\r\n"), start=1):
        reader.line(number, line)
    return reader.finish()


def _decode(data: bytes) -> str:
    if not data.endswith(b"\r\n"):
        raise SieReadError("the file does not end with CRLF")
    for i, byte in enumerate(data):
        if byte == 0x0D and data[i + 1 : i + 2] != b"\n":
            raise SieReadError(f"byte {i}: a CR not followed by LF")
        if byte == 0x0A and data[i - 1 : i] != b"\r":
            raise SieReadError(f"byte {i}: an LF not preceded by CR")
        if (byte < 0x20 and byte not in (0x0D, 0x0A)) or byte == 0x7F:
            raise SieReadError(f"byte {i}: control character 0x{byte:02x}")
        if byte == 0xFF:
            raise SieReadError(f"byte {i}: 0xFF (a no-break space in CP437)")
    if any(b >= 0x80 for b in data):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise SieReadError("the file is UTF-8, not CP437 (#FORMAT PC8)")
    return data.decode("cp437")


def tokenize(line: str, where: str) -> list[Field | ObjectList]:
    """The fields of one record line after its label."""
    out: list[Field | ObjectList] = []
    inner: list[Field] | None = None
    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if char == " ":
            i += 1
            continue
        if char == "{":
            if inner is not None:
                raise SieReadError(f"{where}: an object list inside an object list")
            inner, i = [], i + 1
            continue
        if char == "}":
            if inner is None:
                raise SieReadError(f"{where}: '}}' without '{{'")
            out.append(ObjectList(tuple(inner)))
            inner, i = None, i + 1
            continue
        if char == '"':
            buf, j = [], i + 1
            while True:
                if j >= n:
                    raise SieReadError(f"{where}: a quoted field is not closed")
                if line[j] == "\\":
                    if j + 1 < n and line[j + 1] in '"\\':
                        buf.append(line[j + 1])
                        j += 2
                        continue
                    raise SieReadError(f"{where}: a backslash not before '\"' or '\\\\'")
                if line[j] == '"':
                    j += 1
                    break
                buf.append(line[j])
                j += 1
            if j < n and line[j] not in " }":
                raise SieReadError(f"{where}: {line[j]!r} right after a closing quote")
            token = Field("".join(buf), True)
            i = j
        else:
            j = i
            while j < n and line[j] not in ' {}"':
                j += 1
            if j < n and line[j] == '"':
                raise SieReadError(f"{where}: a quote inside an unquoted field")
            token = Field(line[i:j], False)
            i = j
        (inner if inner is not None else out).append(token)
    if inner is not None:
        raise SieReadError(f"{where}: an object list is not closed")
    return out


def _day(token: Field | ObjectList, where: str) -> date:
    if not isinstance(token, Field) or not re.fullmatch(r"\d{8}", token.text):
        raise SieReadError(f"{where}: {token!r} is not a YYYYMMDD date")
    try:
        return date(int(token.text[:4]), int(token.text[4:6]), int(token.text[6:]))
    except ValueError as error:
        raise SieReadError(f"{where}: {token.text} is not a date") from error


def _int(token: Field | ObjectList, where: str) -> int:
    if not isinstance(token, Field) or not INTEGER.match(token.text):
        raise SieReadError(f"{where}: {token!r} is not an integer")
    return int(token.text)


class _Reader:
    def __init__(self, max_text: int) -> None:
        self.max_text = max_text
        self.sie = SieFile()
        self.group = -1
        self.voucher: Voucher | None = None
        self.block = "none"  # none, head (after #VER), rows (after '{')
        self.numbers: set[tuple[int, str, int]] = set()  # (#RAR year, series, number)

    def _text(self, token: Field | ObjectList, where: str, what: str) -> str:
        if not isinstance(token, Field):
            raise SieReadError(f"{where}: {what} must be a field, not an object list")
        if len(token.text) > self.max_text:
            raise SieReadError(f"{where}: {what} has {len(token.text)} characters (> "
                               f"{self.max_text})")  # fmt: skip
        return token.text

    def line(self, number: int, raw: str) -> None:
        where = f"line {number}"
        line = raw.lstrip(" ")
        if not line:
            raise SieReadError(f"{where}: an empty line")
        if line in ("{", "}"):
            return self._brace(line, where)
        match = re.match(r"#[A-Z]+(?= |$)", line)
        if not match:
            raise SieReadError(f"{where}: {raw[:40]!r} is not a record (#LABEL ...)")
        label = match.group(0)
        if label not in ORDER:
            raise SieReadError(f"{where}: unknown label {label}")
        if self.block == "head":
            raise SieReadError(f"{where}: {label} where the '{{' of the #VER should be")
        if (self.block == "rows") != (label == "#TRANS"):
            state = "inside" if self.block == "rows" else "outside"
            raise SieReadError(f"{where}: {label} {state} a voucher's rows")
        if ORDER[label] < self.group:
            raise SieReadError(f"{where}: {label} after the records that must follow it")
        if label != "#FLAGGA" and not self.sie.labels:
            raise SieReadError(f"{where}: the first record must be #FLAGGA")
        if label in ONCE and label in self.sie.labels:
            raise SieReadError(f"{where}: a second {label}")
        self.group = ORDER[label]
        self.sie.labels.append(label)
        fields = tokenize(line[len(label) :], where)
        getattr(self, "_" + label[1:].lower())(fields, f"{where} ({label})")

    def _brace(self, brace: str, where: str) -> None:
        if brace == "{":
            if self.block != "head":
                raise SieReadError(f"{where}: '{{' not right after a #VER")
            self.block = "rows"
            return
        if self.block != "rows":
            raise SieReadError(f"{where}: '}}' outside a voucher")
        voucher = self.voucher
        assert voucher is not None
        if not voucher.rows:
            raise SieReadError(f"{where}: voucher {voucher.series} {voucher.number} has no rows")
        total = sum((r.amount for r in voucher.rows), Decimal(0))
        if total != 0:
            raise SieReadError(f"{where}: voucher {voucher.series} {voucher.number} does not "
                               f"balance (rows add up to {total})")  # fmt: skip
        self.block = "none"

    def _arity(self, fields: list, where: str, least: int, most: int) -> None:
        if not least <= len(fields) <= most:
            raise SieReadError(f"{where}: {len(fields)} fields, not {least}–{most}")

    # -- identification ---------------------------------------------------------------------

    def _flagga(self, fields: list, where: str) -> None:
        self._arity(fields, where, 1, 1)
        if _int(fields[0], where) not in (0, 1):
            raise SieReadError(f"{where}: the flag must be 0 or 1")

    def _format(self, fields: list, where: str) -> None:
        self._arity(fields, where, 1, 1)
        if not isinstance(fields[0], Field) or fields[0].text != "PC8":
            raise SieReadError(f"{where}: the format must be PC8")

    def _sietyp(self, fields: list, where: str) -> None:
        self._arity(fields, where, 1, 1)
        if _int(fields[0], where) != 4:
            raise SieReadError(f"{where}: a file with vouchers is type 4")

    def _program(self, fields: list, where: str) -> None:
        self._arity(fields, where, 2, 2)
        self.sie.program = (self._text(fields[0], where, "the program"),
                            self._text(fields[1], where, "the version"))  # fmt: skip

    def _gen(self, fields: list, where: str) -> None:
        self._arity(fields, where, 1, 2)
        self.sie.generated = _day(fields[0], where)

    def _fnamn(self, fields: list, where: str) -> None:
        self._arity(fields, where, 1, 1)
        self.sie.company = self._text(fields[0], where, "the company name")
        if not self.sie.company:
            raise SieReadError(f"{where}: the company name is empty")

    def _orgnr(self, fields: list, where: str) -> None:
        self._arity(fields, where, 1, 3)
        text = self._text(fields[0], where, "the organisation number")
        if not ORGNR.match(text):
            raise SieReadError(f"{where}: {text!r} is not NNNNNN-NNNN")
        self.sie.org_nr = text

    def _adress(self, fields: list, where: str) -> None:
        self._arity(fields, where, 4, 4)
        self.sie.address = tuple(self._text(f, where, "an address field") for f in fields)

    def _valuta(self, fields: list, where: str) -> None:
        self._arity(fields, where, 1, 1)
        code = self._text(fields[0], where, "the currency")
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise SieReadError(f"{where}: {code!r} is not a currency code")
        self.sie.currency = code

    def _rar(self, fields: list, where: str) -> None:
        self._arity(fields, where, 3, 3)
        index, start, end = _int(fields[0], where), _day(fields[1], where), _day(fields[2], where)
        if index > 0 or index in self.sie.years:
            raise SieReadError(f"{where}: year {index} is not 0, -1, … or comes twice")
        if end < start:
            raise SieReadError(f"{where}: the year ends before it starts")
        self.sie.years[index] = (start, end)

    # -- chart ------------------------------------------------------------------------------

    def _account(self, token: Field | ObjectList, where: str) -> int:
        if not isinstance(token, Field) or not ACCOUNT.match(token.text):
            raise SieReadError(f"{where}: {token!r} is not an account number")
        return int(token.text)

    def _konto(self, fields: list, where: str) -> None:
        self._arity(fields, where, 2, 2)
        account = self._account(fields[0], where)
        if account in self.sie.accounts:
            raise SieReadError(f"{where}: account {account} declared twice")
        name = self._text(fields[1], where, "the account name")
        if not name:
            raise SieReadError(f"{where}: account {account} has an empty name")
        self.sie.accounts[account] = name

    def _ktyp(self, fields: list, where: str) -> None:
        self._arity(fields, where, 2, 2)
        account = self._account(fields[0], where)
        if account not in self.sie.accounts:
            raise SieReadError(f"{where}: #KTYP of undeclared account {account}")
        kind = self._text(fields[1], where, "the account type")
        if kind not in ("T", "S", "K", "I"):
            raise SieReadError(f"{where}: account type {kind!r} is not T, S, K or I")
        self.sie.account_types[account] = kind

    def _dim(self, fields: list, where: str) -> None:
        self._arity(fields, where, 2, 2)
        dim = _int(fields[0], where)
        if dim < 1 or dim in self.sie.dimensions:
            raise SieReadError(f"{where}: dimension {dim} is not positive or comes twice")
        self.sie.dimensions[dim] = self._text(fields[1], where, "the dimension name")

    def _objekt(self, fields: list, where: str) -> None:
        self._arity(fields, where, 3, 3)
        dim = _int(fields[0], where)
        if dim not in self.sie.dimensions:
            raise SieReadError(f"{where}: object of undeclared dimension {dim}")
        ident = self._text(fields[1], where, "the object number")
        if not ident or (dim, ident) in self.sie.objects:
            raise SieReadError(f"{where}: object {ident!r} is empty or declared twice")
        self.sie.objects[(dim, ident)] = self._text(fields[2], where, "the object name")

    # -- vouchers ---------------------------------------------------------------------------

    def _ver(self, fields: list, where: str) -> None:
        self._arity(fields, where, 3, 6)
        series = self._text(fields[0], where, "the series")
        number = _int(fields[1], where)
        day = _day(fields[2], where)
        year = next((i for i, (a, b) in self.sie.years.items() if a <= day <= b), None)
        if year is None:
            raise SieReadError(f"{where}: voucher date {day} is in no #RAR")
        if number < 1 or (year, series, number) in self.numbers:
            raise SieReadError(f"{where}: voucher number {series} {number} is not positive "
                               f"or comes twice in #RAR {year}")  # fmt: skip
        self.numbers.add((year, series, number))
        text = self._text(fields[3], where, "the voucher text") if len(fields) > 3 else ""
        self.voucher = Voucher(series, number, day, text)
        self.sie.vouchers.append(self.voucher)
        self.block = "head"

    def _trans(self, fields: list, where: str) -> None:
        self._arity(fields, where, 3, 7)
        account = self._account(fields[0], where)
        if account not in self.sie.accounts:
            raise SieReadError(f"{where}: account {account} is not declared by #KONTO")
        if not isinstance(fields[1], ObjectList):
            raise SieReadError(f"{where}: the second field must be the object list {{...}}")
        items = fields[1].items
        if len(items) % 2:
            raise SieReadError(f"{where}: the object list has an odd number of fields")
        objects = []
        for dim_token, ident_token in zip(items[::2], items[1::2], strict=True):
            dim = _int(dim_token, where)
            if (dim, ident_token.text) not in self.sie.objects:
                raise SieReadError(f"{where}: object {ident_token.text!r} of dimension {dim} is "
                                   "not declared by #OBJEKT")  # fmt: skip
            objects.append((dim, ident_token.text))
        token = fields[2]
        if not isinstance(token, Field) or token.quoted or not AMOUNT.match(token.text):
            raise SieReadError(f"{where}: {token!r} is not an amount")
        if len(fields) > 3 and fields[3] != Field("", True):
            _day(fields[3], where)
        text = self._text(fields[4], where, "the row text") if len(fields) > 4 else ""
        assert self.voucher is not None
        self.voucher.rows.append(Trans(account, tuple(objects), Decimal(token.text), text))

    # -- the end ----------------------------------------------------------------------------

    def finish(self) -> SieFile:
        if self.block != "none":
            raise SieReadError("the file ends inside a voucher")
        missing = [label for label in REQUIRED if label not in self.sie.labels]
        if missing:
            raise SieReadError(f"missing {', '.join(missing)}")
        years = self.sie.years
        if sorted(years) != list(range(-len(years) + 1, 1)):
            raise SieReadError(f"the #RAR years {sorted(years)} are not 0, -1, … without gaps")
        for index in range(-1, -len(years), -1):
            if years[index][1] + timedelta(days=1) != years[index + 1][0]:
                raise SieReadError(f"#RAR {index} does not end the day before #RAR "
                                   f"{index + 1} starts")  # fmt: skip
        if not self.sie.vouchers:
            raise SieReadError("no #VER")
        return self.sie
