"""A small SOQL evaluator for the second Salesforce stand-in.

It covers the SOQL that clients and the proxy send.  ``SELECT`` takes fields,
parent fields (``Account.Name``) or ``COUNT()``, and ``FROM`` one object.
``WHERE`` takes ``AND``, ``OR``, ``NOT``, parentheses, comparison operators,
``LIKE``, ``IN`` and ``NOT IN``.  ``ORDER BY`` takes ``ASC``/``DESC`` and
``NULLS FIRST``/``LAST``, followed by ``LIMIT`` and ``OFFSET``.  Keywords, object names
and field names are case-insensitive, string comparisons too, as in
Salesforce.  Errors raise ``SoqlError`` with Salesforce's error codes.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable, Optional

from tests.conformance import schema

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))"
    r"|(?P<date>\d{4}-\d{2}-\d{2})|(?P<number>[+-]?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<op>!=|<=|>=|<>|=|<|>|\(|\)|,))"
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}
_KEYWORDS = {"select", "from", "where", "and", "or", "not", "in", "like", "order", "by", "asc", "desc",
             "nulls", "first", "last", "limit", "offset", "null", "true", "false"}


class SoqlError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclasses.dataclass
class Token:
    kind: str
    text: str
    value: Any = None


@dataclasses.dataclass
class Query:
    sobject: str
    fields: list[str]
    count: bool
    where: Optional[Callable[[dict[str, Any]], bool]]
    order: list[tuple[str, bool, bool]]
    limit: Optional[int]
    offset: int


def tokenize(text: str) -> list[Token]:
    tokens = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise SoqlError("MALFORMED_QUERY", "unexpected token: '%s'" % text[position:].strip()[:20])
        kind = match.lastgroup
        raw = match.group(kind)
        value: Any = raw
        if kind == "string":
            value = re.sub(r"\\(.)", lambda escape: _ESCAPES.get(escape.group(1), escape.group(1)), raw[1:-1])
        elif kind == "number":
            value = float(raw) if "." in raw else int(raw)
        elif kind == "name" and raw.lower() in _KEYWORDS:
            kind = "keyword"
            value = raw.lower()
        tokens.append(Token(kind, raw, value))
        position = match.end()
    return tokens


class Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.position = 0
        self.fields: dict[str, dict[str, Any]] = {}
        self.sobject = ""

    # -- token helpers -------------------------------------------------------

    def peek(self) -> Optional[Token]:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise SoqlError("MALFORMED_QUERY", "unexpected end of query")
        self.position += 1
        return token

    def accept(self, keyword: str) -> bool:
        token = self.peek()
        if token is not None and token.kind in ("keyword", "op") and token.value == keyword:
            self.position += 1
            return True
        return False

    def expect(self, keyword: str) -> None:
        if not self.accept(keyword):
            token = self.peek()
            raise SoqlError("MALFORMED_QUERY", "unexpected token: '%s'" % (token.text if token else "end of query"))

    # -- grammar -------------------------------------------------------------

    def parse(self) -> Query:
        self.expect("select")
        count, raw_fields = self._select_list()
        self.expect("from")
        name = self.take()
        self.sobject = schema.canonical_object(name.text) or ""
        if not self.sobject:
            raise SoqlError("INVALID_TYPE", "sObject type '%s' is not supported." % name.text)
        self.fields = schema.field_map(self.sobject)
        fields = [self.field_name(raw) for raw in raw_fields]

        where = self._condition() if self.accept("where") else None
        order = self._order_by() if self.accept("order") else []
        limit = self._integer() if self.accept("limit") else None
        offset = self._integer() if self.accept("offset") else 0
        if self.peek() is not None:
            raise SoqlError("MALFORMED_QUERY", "unexpected token: '%s'" % self.peek().text)
        return Query(self.sobject, fields, count, where, order, limit, offset)

    def _select_list(self) -> tuple[bool, list[str]]:
        token = self.take()
        if token.kind == "name" and token.text.lower() == "count" and self.accept("("):
            self.expect(")")
            return True, []

        names = [token.text]
        while self.accept(","):
            names.append(self.take().text)
        return False, names

    def field_name(self, raw: str) -> str:
        head, dot, rest = raw.partition(".")
        if dot:
            for field in self.fields.values():
                if (field.get("relationshipName") or "").lower() == head.lower():
                    return field["relationshipName"] + "." + rest
        elif raw.lower() in self.fields:
            return self.fields[raw.lower()]["name"]
        raise SoqlError(
            "INVALID_FIELD",
            "\n%s\n       ^\nERROR at Row:1:Column:8\nNo such column '%s' on entity '%s'. If you are attempting "
            "to use a custom field, be sure to append the '__c' after the custom field name. Please reference "
            "your WSDL or the describe call for the appropriate names." % (raw, raw, self.sobject),
        )

    def _integer(self) -> int:
        token = self.take()
        if token.kind != "number" or not isinstance(token.value, int):
            raise SoqlError("MALFORMED_QUERY", "unexpected token: '%s'" % token.text)
        return token.value

    def _order_by(self) -> list[tuple[str, bool, bool]]:
        self.expect("by")
        terms = []
        while True:
            name = self.field_name(self.take().text)
            descending = self.accept("desc")
            if not descending:
                self.accept("asc")

            # Nulls sort first in ascending and last in descending order unless the query says otherwise.
            nulls_last = descending
            if self.accept("nulls"):
                nulls_last = self.accept("last")
                if not nulls_last:
                    self.expect("first")
            terms.append((name, descending, nulls_last))
            if not self.accept(","):
                return terms

    def _condition(self) -> Callable[[dict[str, Any]], bool]:
        left = self._conjunction()
        while self.accept("or"):
            right = self._conjunction()
            left = (lambda a, b: lambda record: a(record) or b(record))(left, right)
        return left

    def _conjunction(self) -> Callable[[dict[str, Any]], bool]:
        left = self._negation()
        while self.accept("and"):
            right = self._negation()
            left = (lambda a, b: lambda record: a(record) and b(record))(left, right)
        return left

    def _negation(self) -> Callable[[dict[str, Any]], bool]:
        if self.accept("not"):
            inner = self._negation()
            return lambda record: not inner(record)
        if self.accept("("):
            inner = self._condition()
            self.expect(")")
            return inner
        return self._comparison()

    def _comparison(self) -> Callable[[dict[str, Any]], bool]:
        name = self.field_name(self.take().text)
        negate = self.accept("not")
        if self.accept("in"):
            self.expect("(")
            values = [self._literal()]
            while self.accept(","):
                values.append(self._literal())
            self.expect(")")
            wanted = [_comparable(value) for value in values]
            return lambda record: (_comparable(lookup(record, name)) in wanted) != negate
        if self.accept("like"):
            regex = _like_regex(self._literal())
            return lambda record: bool(regex.match(str(lookup(record, name) or ""))) != negate

        operator = self.take()
        if operator.kind != "op":
            raise SoqlError("MALFORMED_QUERY", "unexpected token: '%s'" % operator.text)
        value = _comparable(self._literal())
        return lambda record: _compare(_comparable(lookup(record, name)), operator.text, value)

    def _literal(self) -> Any:
        token = self.take()
        if token.kind in ("string", "number"):
            return token.value
        if token.kind in ("date", "datetime"):
            return token.text
        if token.kind == "keyword" and token.value in ("true", "false"):
            return token.value == "true"
        if token.kind == "keyword" and token.value == "null":
            return None
        raise SoqlError("MALFORMED_QUERY", "unexpected token: '%s'" % token.text)


def _like_regex(pattern: str) -> re.Pattern:
    """Translate a LIKE pattern (``%`` any run, ``_`` one character) into a case-insensitive regex."""
    parts = []
    for char in pattern:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE | re.DOTALL)


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        # Date-time values compare by instant; Salesforce stores them in UTC.
        match = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:Z|\+0000|\+00:00)$", value)
        return match.group(1) if match else value.lower()
    return value


def _compare(left: Any, operator: str, right: Any) -> bool:
    if operator == "=":
        return left == right
    if operator in ("!=", "<>"):
        return left != right
    if left is None or right is None:
        return False
    try:
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[operator]
    except TypeError:
        return False


def lookup(record: dict[str, Any], name: str) -> Any:
    value: Any = record
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def parse(text: str) -> Query:
    return Parser(text).parse()


def run(query: Query, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the records that ``query`` selects, sorted and windowed, before field selection."""
    rows = [record for record in records if query.where is None or query.where(record)]
    for name, descending, nulls_last in reversed(query.order):
        present = [row for row in rows if lookup(row, name) is not None]
        missing = [row for row in rows if lookup(row, name) is None]
        present.sort(key=lambda row: _comparable(lookup(row, name)), reverse=descending)
        rows = present + missing if nulls_last else missing + present
    rows = rows[query.offset:]
    if query.limit is not None:
        rows = rows[:query.limit]
    return rows
