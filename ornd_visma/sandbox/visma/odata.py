"""OData v4 `$filter` and `$orderby` over the list items, as eAccounting's lists take them.

A small recursive-descent parser:

    expr    := and_expr ("or" and_expr)*
    and     := unary ("and" unary)*
    unary   := "not" unary | compare
    compare := operand (("eq"|"ne"|"gt"|"ge"|"lt"|"le") operand)?
    operand := "-" operand | "(" expr ")" | literal | function "(" args ")" | Property["/"Sub]

Literals: 'text' (quote doubled inside), numbers, true/false/null, GUIDs written bare
(`CustomerId eq 3f1c0d2e-...`), dates and DateTimes (`2016-12-31`, `2016-12-31T23:59:59.00Z`).
Functions: startswith, endswith, contains, length, tolower, toupper, trim, indexof, concat,
year, month, day, hour, minute, second.

Checked before any row is read, as the API does: unknown properties (the item schema of the
operation in the OpenAPI document), unknown functions, syntax, and operand types that cannot
be compared (a number against a text, a DateTime against a number ...) → 6000; a literal that
looks like a DateTime but is not one → 6001. Leniency (decision): a GUID property may also be
compared with a quoted string, case-insensitively.

Comparison semantics: strings case-sensitive (OData's), anything compared with null by
gt/ge/lt/le is false, `eq null` matches missing/null values, DateTimes without an offset are
UTC. `$orderby` takes `Prop [asc|desc]` lists; nulls sort first ascending.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ornd_visma.sandbox.visma.errors import INVALID_INPUT, QUERY_PARAMETER, VismaError
from ornd_visma.sandbox.visma.spec import parse_date_time

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)
    | (?P<datetime>\d{4}-\d{1,2}-\d{1,2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?(?![\w-]))
    | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?(?![\w.]))
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<punct>[(),/-])
    )""",
    re.X,
)
COMPARE = {"eq", "ne", "gt", "ge", "lt", "le"}
KEYWORDS = COMPARE | {"and", "or", "not", "true", "false", "null"}
# function -> (argument kinds, result kind)
FUNCTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "startswith": (("string", "string"), "bool"),
    "endswith": (("string", "string"), "bool"),
    "contains": (("string", "string"), "bool"),
    "indexof": (("string", "string"), "number"),
    "concat": (("string", "string"), "string"),
    "length": (("string",), "number"),
    "tolower": (("string",), "string"),
    "toupper": (("string",), "string"),
    "trim": (("string",), "string"),
    "year": (("datetime",), "number"),
    "month": (("datetime",), "number"),
    "day": (("datetime",), "number"),
    "hour": (("datetime",), "number"),
    "minute": (("datetime",), "number"),
    "second": (("datetime",), "number"),
}


def _bad(message: str) -> VismaError:
    return VismaError(QUERY_PARAMETER, f"Invalid query parameter: {message}")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    at: int


def tokenize(text: str) -> list[Token]:
    tokens, at = [], 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if not match or match.end() == at:
            raise _bad(f"unexpected character at position {at} in $filter '{text}'")
        kind = match.lastgroup or "?"
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        at = match.end()
    return tokens


# --- AST: tuples ("lit", value, kind) ("prop", name, kind) ("neg", node, kind)
#          ("cmp", op, left, right) ("and", l, r) ("or", l, r) ("not", node)
#          ("call", name, [args], kind)


def kind_of(node: tuple) -> str:
    if node[0] in ("cmp", "and", "or", "not"):
        return "bool"
    return node[-1]


class _Parser:
    def __init__(self, text: str, properties: dict[str, tuple[set[str], str | None]]) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.properties = properties

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise _bad(f"unexpected end of $filter '{self.text}'")
        self.pos += 1
        return token

    def word(self, *words: str) -> bool:
        token = self.peek()
        if token and token.kind == "name" and token.text in words:
            self.pos += 1
            return True
        return False

    def punct(self, char: str) -> bool:
        token = self.peek()
        if token and token.kind == "punct" and token.text == char:
            self.pos += 1
            return True
        return False

    def expect(self, char: str) -> None:
        if not self.punct(char):
            token = self.peek()
            found = f"'{token.text}'" if token else "the end"
            raise _bad(f"expected '{char}' but found {found} in $filter '{self.text}'")

    def parse(self) -> tuple:
        node = self.expr()
        if self.peek() is not None:
            raise _bad(f"unexpected '{self.peek().text}' in $filter '{self.text}'")
        if kind_of(node) != "bool":
            raise _bad(f"$filter '{self.text}' is not a condition")
        return node

    def expr(self) -> tuple:
        node = self.and_expr()
        while self.word("or"):
            node = ("or", self._bool(node), self._bool(self.and_expr()))
        return node

    def and_expr(self) -> tuple:
        node = self.unary()
        while self.word("and"):
            node = ("and", self._bool(node), self._bool(self.unary()))
        return node

    def unary(self) -> tuple:
        if self.word("not"):
            return ("not", self._bool(self.unary()))
        return self.compare()

    def compare(self) -> tuple:
        left = self.operand()
        token = self.peek()
        if token and token.kind == "name" and token.text in COMPARE:
            self.pos += 1
            right = self.operand()
            _check_comparable(token.text, left, right)
            return ("cmp", token.text, left, right)
        return left

    def _bool(self, node: tuple) -> tuple:
        if kind_of(node) != "bool":
            raise _bad(f"'and'/'or'/'not' need conditions in $filter '{self.text}'")
        return node

    def operand(self) -> tuple:
        token = self.take()
        if token.kind == "punct":
            if token.text == "(":
                node = self.expr()
                self.expect(")")
                return node
            if token.text == "-":
                inner = self.operand()
                if kind_of(inner) != "number":
                    raise _bad(f"'-' needs a number in $filter '{self.text}'")
                if inner[0] == "lit":
                    return ("lit", -inner[1], "number")
                return ("neg", inner, "number")
            raise _bad(f"unexpected '{token.text}' in $filter '{self.text}'")
        if token.kind == "string":
            return ("lit", token.text[1:-1].replace("''", "'"), "string")
        if token.kind == "guid":
            return ("lit", token.text.lower(), "guid")
        if token.kind == "datetime":
            moment = parse_date_time(token.text)
            if moment is None:
                raise VismaError(
                    INVALID_INPUT, f"Invalid DateTime '{token.text}'; use yyyy-MM-ddTHH:mm:ss.FFZ"
                )
            return ("lit", _aware(moment), "datetime")
        if token.kind == "number":
            text = token.text.rstrip("mMdDfFlL")
            try:
                return ("lit", Decimal(text), "number")
            except InvalidOperation as exc:  # pragma: no cover - the regex admits numbers only
                raise _bad(f"bad number {token.text}") from exc
        name = token.text
        if name in ("true", "false"):
            return ("lit", name == "true", "bool")
        if name == "null":
            return ("lit", None, "null")
        if name in KEYWORDS:
            raise _bad(f"unexpected '{name}' in $filter '{self.text}'")
        if self.punct("("):
            return self.call(name)
        return self.property(name)

    def call(self, name: str) -> tuple:
        if name not in FUNCTIONS:
            raise _bad(f"unknown function '{name}' in $filter '{self.text}'")
        wanted, result = FUNCTIONS[name]
        args = []
        if not self.punct(")"):
            args.append(self.expr())
            while self.punct(","):
                args.append(self.expr())
            self.expect(")")
        if len(args) != len(wanted):
            raise _bad(f"{name}() takes {len(wanted)} arguments")
        for arg, kind in zip(args, wanted, strict=True):
            actual = kind_of(arg)
            if actual != kind and not (kind == "string" and actual == "guid"):
                raise _bad(f"{name}() needs a {kind}, got a {actual}")
        return ("call", name, args, result)

    def property(self, name: str) -> tuple:
        if name not in self.properties:
            raise _bad(f"Could not find a property named '{name}' on the listed type")
        kinds, fmt = self.properties[name]
        if self.punct("/"):
            sub = self.take()
            if "object" not in kinds or sub.kind != "name":
                raise _bad(f"'{name}' has no sub-properties")
            return ("prop", f"{name}/{sub.text}", "any")
        if "boolean" in kinds:
            kind = "bool"
        elif kinds & {"number", "integer"}:
            kind = "number"
        elif "string" in kinds and fmt == "uuid":
            kind = "guid"
        elif "string" in kinds and fmt == "date-time":
            kind = "datetime"
        elif "string" in kinds:
            kind = "string"
        else:
            raise _bad(f"'{name}' cannot be used in a $filter")
        return ("prop", name, kind)


def _check_comparable(op: str, left: tuple, right: tuple) -> None:
    a, b = kind_of(left), kind_of(right)
    if "null" in (a, b) or "any" in (a, b) or a == b:
        return
    if {a, b} == {"guid", "string"}:
        return
    raise _bad(f"operand types {a} and {b} cannot be compared with '{op}'")


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class Filter:
    text: str
    tree: tuple

    def __call__(self, item: Mapping[str, Any]) -> bool:
        return bool(_eval(self.tree, item))


def parse_filter(text: str, properties: dict[str, tuple[set[str], str | None]]) -> Filter:
    if not text.strip():
        raise _bad("empty $filter")
    return Filter(text, _Parser(text, properties).parse())


def _value(item: Mapping[str, Any], name: str, kind: str) -> Any:
    value: Any = item
    for part in name.split("/"):
        value = value.get(part) if isinstance(value, Mapping) else None
    if value is None:
        return None
    if kind == "datetime" and isinstance(value, str):
        moment = parse_date_time(value)
        return _aware(moment) if moment else None
    if kind == "guid" and isinstance(value, str):
        return value.lower()
    if kind == "number" and isinstance(value, float):
        return Decimal(repr(value))
    return value


def _eval(node: tuple, item: Mapping[str, Any]) -> Any:
    tag = node[0]
    if tag == "lit":
        return node[1]
    if tag == "prop":
        return _value(item, node[1], node[2])
    if tag == "neg":
        value = _eval(node[1], item)
        return None if value is None else -value
    if tag == "and":
        return bool(_eval(node[1], item)) and bool(_eval(node[2], item))
    if tag == "or":
        return bool(_eval(node[1], item)) or bool(_eval(node[2], item))
    if tag == "not":
        return not _eval(node[1], item)
    if tag == "cmp":
        return _compare(node[1], _eval(node[2], item), _eval(node[3], item))
    if tag == "call":
        return _call(node[1], [_eval(arg, item) for arg in node[2]])
    raise AssertionError(tag)  # pragma: no cover


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str) and _looks_like_guid(left, right):
        left, right = left.lower(), right.lower()
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    if left is None or right is None:
        return False
    try:
        if op == "gt":
            return left > right
        if op == "ge":
            return left >= right
        if op == "lt":
            return left < right
        return left <= right
    except TypeError:
        return False


_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _looks_like_guid(left: str, right: str) -> bool:
    return bool(_GUID.fullmatch(left) and _GUID.fullmatch(right))


def _call(name: str, args: list[Any]) -> Any:
    if any(arg is None for arg in args):
        return False if FUNCTIONS[name][1] == "bool" else None
    if name == "startswith":
        return args[0].startswith(args[1])
    if name == "endswith":
        return args[0].endswith(args[1])
    if name == "contains":
        return args[1] in args[0]
    if name == "indexof":
        return Decimal(args[0].find(args[1]))
    if name == "concat":
        return args[0] + args[1]
    if name == "length":
        return Decimal(len(args[0]))
    if name == "tolower":
        return args[0].lower()
    if name == "toupper":
        return args[0].upper()
    if name == "trim":
        return args[0].strip()
    return Decimal(getattr(args[0], name))


def parse_orderby(
    text: str, properties: dict[str, tuple[set[str], str | None]]
) -> list[tuple[str, str, bool]]:
    """`Prop [asc|desc], ...` → [(property, kind, descending)]."""
    keys = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise _bad(f"invalid $orderby '{text}'")
        name = words[0]
        if name not in properties:
            raise _bad(f"Could not find a property named '{name}' on the listed type")
        node = _Parser(name, properties).property(name)
        keys.append((name, node[2], len(words) == 2 and words[1] == "desc"))
    return keys


def sort_items(
    items: list[dict[str, Any]], keys: list[tuple[str, str, bool]]
) -> list[dict[str, Any]]:
    result = list(items)
    for name, kind, descending in reversed(keys):

        def key(item: dict[str, Any], name: str = name, kind: str = kind) -> tuple:
            value = _value(item, name, kind)
            return (value is not None, value if value is not None else 0)

        result.sort(key=key, reverse=descending)
    return result
