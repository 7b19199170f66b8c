"""A tokenizer and recursive-descent parser for the SOQL subset the sandbox org runs.

Supported: ``SELECT`` field lists with parent relationship paths (``Account.Owner.Name``),
``COUNT()`` and the aggregates COUNT/MIN/MAX/SUM/AVG without GROUP BY, ``FROM`` with an
optional alias, ``WHERE`` with ``= != <> < > <= >= LIKE IN NOT IN``, ``AND``/``OR``/``NOT``
and parentheses, ``ORDER BY`` with ``ASC``/``DESC`` and ``NULLS FIRST``/``LAST``, ``LIMIT``
and ``OFFSET``. Keywords and names match in any letter case. Errors carry Salesforce's
``ERROR at Row:R:Column:C`` text.
"""

import dataclasses
import re

from tornsf.sandbox.errors import ApiError

KEYWORDS = frozenset({
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "NULL", "TRUE", "FALSE", "ORDER", "BY",
    "ASC", "DESC", "NULLS", "FIRST", "LAST", "LIMIT", "OFFSET", "GROUP", "HAVING", "WITH", "FOR", "USING",
    "INCLUDES", "EXCLUDES", "TYPEOF",
})
AGGREGATES = frozenset({"COUNT", "MIN", "MAX", "SUM", "AVG", "COUNT_DISTINCT"})
COMPARISONS = frozenset({"=", "!=", "<>", "<", ">", "<=", ">="})

_TOKEN_RE = re.compile(r"""
    (?P<space>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\w:]))
  | (?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?![\w.]))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<op>!=|<>|<=|>=|[=<>(),.:])
""", re.VERBOSE | re.DOTALL)

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


@dataclasses.dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "ident" else self.text


@dataclasses.dataclass(frozen=True)
class FieldPath:
    """A possibly dotted field name as written, e.g. ``('Account', 'Name')``."""

    parts: tuple
    token: Token

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclasses.dataclass(frozen=True)
class Aggregate:
    function: str
    field: FieldPath | None
    alias: str | None
    token: Token


@dataclasses.dataclass(frozen=True)
class Literal:
    """A literal value. ``kind``: string, number, null, boolean, date, datetime or date_literal."""

    kind: str
    value: object
    token: Token
    like_pattern: str | None = None


@dataclasses.dataclass(frozen=True)
class Comparison:
    field: FieldPath
    operator: str
    value: Literal


@dataclasses.dataclass(frozen=True)
class InList:
    field: FieldPath
    negated: bool
    values: tuple


@dataclasses.dataclass(frozen=True)
class BoolOp:
    operator: str
    items: tuple


@dataclasses.dataclass(frozen=True)
class Not:
    item: object


@dataclasses.dataclass(frozen=True)
class OrderItem:
    field: FieldPath
    descending: bool
    nulls_first: bool


@dataclasses.dataclass(frozen=True)
class Query:
    text: str
    select: tuple
    count_only: bool
    sobject: Token
    alias: str | None
    where: object
    order_by: tuple
    limit: int | None
    offset: int | None


def soql_error(code: str, text: str, position: int, message: str) -> ApiError:
    """Build an error whose message points at ``position`` of the query the way Salesforce does."""
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    row = text.count("\n", 0, position) + 1
    column = position - line_start + 1
    pointer = " " * (column - 1) + "^"
    return ApiError(400, code, "\n%s\n%s\nERROR at Row:%d:Column:%d\n%s" % (line, pointer, row, column, message))


def tokenize(text: str) -> list:
    """Split SOQL into tokens, raising MALFORMED_QUERY on characters outside the grammar."""
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None:
            if text[position] == "'":
                raise soql_error("MALFORMED_QUERY", text, position, "line 1:%d no viable alternative at character "
                                 "'''" % position)
            raise soql_error("MALFORMED_QUERY", text, position, "unexpected token: '%s'" % text[position])
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup, match.group(), position))
        position = match.end()
    tokens.append(Token("eof", "", len(text)))
    return tokens


def decode_string(token: Token, text: str) -> tuple:
    """Decode a quoted SOQL string; return (value or None, LIKE pattern).

    The value is None when the string contains ``\\%`` or ``\\_``, which SOQL allows in LIKE
    patterns only. In the pattern, literal backslashes, ``%`` and ``_`` stay escaped.
    """
    body = token.text[1:-1]
    value = []
    pattern = []
    like_only = False
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            value.append(char)
            pattern.append(char)
            index += 1
            continue

        escaped = body[index + 1]
        lowered = escaped.lower() if escaped in "NRTBF" else escaped
        if escaped in "%_":
            like_only = True
            pattern.append("\\" + escaped)
        elif lowered in _ESCAPES:
            value.append(_ESCAPES[lowered])
            pattern.append("\\\\" if lowered == "\\" else _ESCAPES[lowered])
        else:
            raise soql_error("MALFORMED_QUERY", text, token.position + index + 1,
                             "Invalid string literal '%s'. Illegal character sequence '\\%s' in string literal."
                             % (body, escaped))
        index += 2
    return (None if like_only else "".join(value)), "".join(pattern)


# SOQL numbers: LIMIT and the n of LAST_N_DAYS:n are Apex Integers,
# other whole numbers Longs.  Larger literals are rejected as malformed.
MAX_INTEGER = 2**31 - 1
MAX_LONG = 2**63 - 1
# NOT and parentheses nested deeper than this are rejected, so parsing and
# evaluating a condition stays far from Python's recursion limit.
MAX_CONDITION_DEPTH = 100


class Parser:
    """Parse one SOQL statement into a :class:`Query`."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, *words) -> bool:
        return self.current.kind == "ident" and self.current.upper in words

    def at_op(self, *ops) -> bool:
        return self.current.kind == "op" and self.current.text in ops

    def error(self, token: Token | None = None, message: str | None = None) -> ApiError:
        token = token or self.current
        if message is None:
            shown = token.text if token.kind != "eof" else "<EOF>"
            message = "unexpected token: '%s'" % shown if token.kind == "op" else "unexpected token: %s" % shown
        return soql_error("MALFORMED_QUERY", self.text, token.position, message)

    def expect_word(self, word: str) -> Token:
        if not self.at(word):
            raise self.error()
        return self.advance()

    def expect_op(self, op: str) -> Token:
        if not self.at_op(op):
            raise self.error()
        return self.advance()

    def parse(self) -> Query:
        self.expect_word("SELECT")
        select, count_only = self.parse_select_list()
        self.expect_word("FROM")
        sobject, alias = self.parse_from()
        where = self.parse_where()
        order_by = self.parse_order_by()
        limit = self.parse_integer_clause("LIMIT")
        offset = self.parse_integer_clause("OFFSET")
        if self.current.kind != "eof":
            raise self.error()
        return Query(self.text, tuple(select), count_only, sobject, alias, where, tuple(order_by), limit, offset)

    def parse_select_list(self) -> tuple:
        items = [self.parse_select_item()]
        while self.at_op(","):
            self.advance()
            items.append(self.parse_select_item())

        count_only = any(isinstance(item, Aggregate) and item.function == "COUNT" and item.field is None
                         for item in items)
        if count_only and len(items) > 1:
            raise self.error(items[0].token if isinstance(items[0], Aggregate) else items[0].token,
                             "COUNT() must be the only element in the SELECT list.")
        return items, count_only

    def parse_select_item(self):
        token = self.current
        if self.at_op("("):
            raise self.error(message="Subqueries in the SELECT list are not supported by the sandbox org.")
        if self.at("TYPEOF"):
            raise self.error(message="TYPEOF is not supported by the sandbox org.")
        if token.kind == "ident" and token.upper in AGGREGATES and self.tokens[self.index + 1].text == "(":
            return self.parse_aggregate()
        if token.kind != "ident" or token.upper in ("FROM",):
            raise self.error()
        return self.parse_field_path()

    def parse_aggregate(self) -> Aggregate:
        token = self.advance()
        self.expect_op("(")
        field = None
        if not self.at_op(")"):
            field = self.parse_field_path()
        elif token.upper != "COUNT":
            raise self.error()
        self.expect_op(")")

        alias = None
        if field is not None and self.current.kind == "ident" and self.current.upper not in KEYWORDS:
            alias = self.advance().text
        return Aggregate(token.upper, field, alias, token)

    def parse_field_path(self) -> FieldPath:
        token = self.current
        if token.kind != "ident":
            raise self.error()
        parts = [self.advance().text]
        while self.at_op("."):
            self.advance()
            if self.current.kind != "ident":
                raise self.error()
            parts.append(self.advance().text)
        return FieldPath(tuple(parts), token)

    def parse_from(self) -> tuple:
        if self.current.kind != "ident":
            raise self.error()
        sobject = self.advance()

        alias = None
        if self.current.kind == "ident" and self.current.upper not in KEYWORDS:
            alias = self.advance().text
        if self.at("GROUP", "HAVING", "WITH", "FOR", "USING"):
            raise self.error(message="%s is not supported by the sandbox org." % self.current.upper)
        return sobject, alias

    def parse_where(self):
        if not self.at("WHERE"):
            return None
        self.advance()
        return self.parse_condition()

    def parse_condition(self):
        """Parse AND/OR chains; SOQL requires parentheses to mix the two."""
        items = [self.parse_unary()]
        operator = None
        while self.at("AND", "OR"):
            if operator is not None and self.current.upper != operator:
                raise self.error()
            operator = self.advance().upper
            items.append(self.parse_unary())
        return items[0] if operator is None else BoolOp(operator, tuple(items))

    def parse_unary(self):
        if not (self.at("NOT") or self.at_op("(")):
            return self.parse_comparison()

        self.depth += 1
        if self.depth > MAX_CONDITION_DEPTH:
            raise self.error(message="The condition nests NOT or parentheses more than %d levels deep."
                             % MAX_CONDITION_DEPTH)
        if self.at("NOT"):
            self.advance()
            result = Not(self.parse_unary())
        else:
            self.advance()
            result = self.parse_condition()
            self.expect_op(")")
        self.depth -= 1
        return result

    def parse_comparison(self):
        field = self.parse_field_path()

        if self.at("NOT") and self.tokens[self.index + 1].upper == "IN":
            self.advance()
            self.advance()
            return InList(field, True, self.parse_value_list())
        if self.at("IN"):
            self.advance()
            return InList(field, False, self.parse_value_list())
        if self.at("LIKE"):
            self.advance()
            return Comparison(field, "LIKE", self.parse_literal())
        if self.at("INCLUDES", "EXCLUDES"):
            raise self.error(message="%s is not supported by the sandbox org." % self.current.upper)
        if self.current.kind == "op" and self.current.text in COMPARISONS:
            operator = self.advance().text
            return Comparison(field, "!=" if operator == "<>" else operator, self.parse_literal())
        raise self.error()

    def parse_value_list(self) -> tuple:
        self.expect_op("(")
        if self.at("SELECT"):
            raise self.error(message="Semi-join subqueries are not supported by the sandbox org.")
        values = [self.parse_literal()]
        while self.at_op(","):
            self.advance()
            values.append(self.parse_literal())
        self.expect_op(")")
        return tuple(values)

    def parse_literal(self) -> Literal:
        token = self.current
        if token.kind == "string":
            self.advance()
            value, pattern = decode_string(token, self.text)
            return Literal("string", value, token, pattern)
        if token.kind == "number":
            self.advance()
            # Leading zeros go first: int() rejects text of more than 4300 digits.
            sign = "-" if token.text.startswith("-") else ""
            whole, dot, fraction = token.text.lstrip("+-").partition(".")
            whole = whole.lstrip("0") or "0"
            if len(whole) > len(str(MAX_LONG)) or (not dot and int(whole) > MAX_LONG):
                raise self.error(token, "The number %s is outside the valid range of a Long." % token.text[:40])
            number = float(sign + whole + dot + fraction) if dot else int(sign + whole)
            return Literal("number", number, token)
        if token.kind in ("date", "datetime"):
            self.advance()
            return Literal(token.kind, token.text, token)
        if token.kind == "ident":
            return self.parse_word_literal()
        raise self.error()

    def parse_word_literal(self) -> Literal:
        token = self.advance()
        word = token.upper
        if word == "NULL":
            return Literal("null", None, token)
        if word in ("TRUE", "FALSE"):
            return Literal("boolean", word == "TRUE", token)
        if self.at_op(":"):
            self.advance()
            if self.current.kind != "number" or not self.current.text.isdigit():
                raise self.error()
            return Literal("date_literal", (word, self.integer(self.advance())), token)
        return Literal("date_literal", (word, None), token)

    def parse_order_by(self) -> list:
        if not self.at("ORDER"):
            return []
        self.advance()
        self.expect_word("BY")
        items = [self.parse_order_item()]
        while self.at_op(","):
            self.advance()
            items.append(self.parse_order_item())
        return items

    def parse_order_item(self) -> OrderItem:
        field = self.parse_field_path()
        descending = False
        if self.at("ASC", "DESC"):
            descending = self.advance().upper == "DESC"

        # Salesforce sorts nulls first by default in both directions.
        nulls_first = True
        if self.at("NULLS"):
            self.advance()
            if not self.at("FIRST", "LAST"):
                raise self.error()
            nulls_first = self.advance().upper == "FIRST"
        return OrderItem(field, descending, nulls_first)

    def parse_integer_clause(self, word: str) -> int | None:
        if not self.at(word):
            return None
        self.advance()
        token = self.current
        if token.kind != "number" or not token.text.isdigit():
            raise self.error()
        self.advance()
        # OFFSET has its own, smaller maximum, checked with Salesforce's error when the query runs.
        if word == "LIMIT":
            return self.integer(token)
        digits = token.text.lstrip("0") or "0"
        return int(digits) if len(digits) < 20 else MAX_LONG

    def integer(self, token: Token) -> int:
        """Return a whole-number token's value, raising MALFORMED_QUERY beyond an Integer's range."""
        digits = token.text.lstrip("0") or "0"
        if len(digits) > len(str(MAX_INTEGER)) or int(digits) > MAX_INTEGER:
            raise self.error(token, "The number %s is outside the valid range of an Integer." % token.text[:40])
        return int(digits)


def parse(text: str) -> Query:
    """Parse SOQL text, raising ApiError (MALFORMED_QUERY) when it is not valid."""
    return Parser(text).parse()
