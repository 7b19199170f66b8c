"""Build SOQL for lists asked for without SOQL (``GET /Account?Industry=Energy``).

Nothing the client sends is spliced into the query as written.  Field names
must match the object's describe and are emitted in their canonical form.
Each value becomes a literal of the field's type: a quoted, escaped string,
a checked number, boolean, date, date-time or id, or ``null``.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from dialects.base import DialectError, ListRequest
from dialects.fields import FieldIndex

# Salesforce rejects an OFFSET above 2,000 with NUMBER_OUTSIDE_VALID_RANGE.
MAX_OFFSET = 2000
# LIMIT takes an Apex Integer.
MAX_LIMIT = 2**31 - 1
# The largest values of Salesforce's int and long fields, and the maximum
# number of integer digits in a number, currency or percent field (precision 18).
MAX_INT = 2**31 - 1
MAX_LONG = 2**63 - 1
MAX_NUMBER_DIGITS = 18

# Compound and binary fields cannot be selected alongside the others usefully
# (address/location repeat their component fields; base64 needs its own call).
_SKIPPED_TYPES = frozenset({"address", "location", "base64", "complexvalue"})

_NUMBER_TYPES = frozenset({"double", "currency", "percent"})
_INTEGER_TYPES = frozenset({"int", "long"})
_ID_TYPES = frozenset({"id", "reference"})

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# ASCII digits only: \d would also match other scripts' digits.
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)(Z|[+\- ]\d{2}:?\d{2})$")
_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z?$")
_RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")

_STRING_ESCAPES = {
    "\\": "\\\\", "'": "\\'", '"': '\\"',
    "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
}

# The literal that stands for NULL in a filter value, for every field type.
NULL_VALUE = "null"


def quote_string(value: str) -> str:
    """Return ``value`` as a SOQL string literal, with quotes, backslashes and controls escaped."""
    return "'" + "".join(_STRING_ESCAPES.get(char, char) for char in value) + "'"


def _invalid_value(field: Mapping[str, Any], value: str, expected: str) -> DialectError:
    return DialectError(
        400, "invalid_filter",
        "The value '%s' for %s is not a valid %s." % (value, field["name"], expected),
        fields=[field["name"]],
    )


def _datetime_literal(field: Mapping[str, Any], value: str) -> str:
    match = _DATETIME.match(value)
    if not match:
        raise _invalid_value(field, value, "date-time (2024-01-31T12:00:00Z)")

    stamp, zone = match.groups()
    if zone != "Z":
        # A '+' left unencoded in a query string arrives as a space.
        sign = "+" if zone[0] in "+ " else "-"
        digits = zone[1:].replace(":", "")
        zone = "%s%s:%s" % (sign, digits[:2], digits[2:])
    return stamp + zone


def soql_literal(field: Mapping[str, Any], value: str) -> str:
    """Return ``value`` (text from a query string) as a SOQL literal of the field's type."""
    field_type = field.get("type", "string")

    if value == NULL_VALUE:
        return "null"
    if field_type == "boolean":
        if value.lower() not in ("true", "false"):
            raise _invalid_value(field, value, "boolean (true or false)")
        return value.lower()
    if field_type in _INTEGER_TYPES:
        if not _INTEGER.match(value):
            raise _invalid_value(field, value, "whole number")
        maximum = MAX_INT if field_type == "int" else MAX_LONG
        # The length check first: int() rejects text of more than 4300 digits.
        digits = value.lstrip("+-").lstrip("0")
        if len(digits) > len(str(maximum)) or int(digits or "0") > maximum:
            raise _invalid_value(field, value[:40], "whole number from -%d to %d" % (maximum, maximum))
        return ("-" if value.startswith("-") and digits else "") + (digits or "0")
    if field_type in _NUMBER_TYPES:
        if not _DECIMAL.match(value):
            raise _invalid_value(field, value, "number")
        if len(value.lstrip("+-").split(".")[0].lstrip("0")) > MAX_NUMBER_DIGITS:
            raise _invalid_value(field, value[:40], "number of at most %d digits before the decimal point"
                                 % MAX_NUMBER_DIGITS)
        return value
    if field_type == "date":
        if not _DATE.match(value):
            raise _invalid_value(field, value, "date (YYYY-MM-DD)")
        return value
    if field_type == "datetime":
        return _datetime_literal(field, value)
    if field_type == "time":
        if not _TIME.match(value):
            raise _invalid_value(field, value, "time (HH:MM:SS.sssZ)")
        return value
    if field_type in _ID_TYPES:
        if not _RECORD_ID.match(value):
            raise _invalid_value(field, value, "record id (15 or 18 letters and digits)")
        return quote_string(value)
    return quote_string(value)


def _select_field(index: FieldIndex, name: str, code: str, purpose: str) -> tuple[str, Mapping[str, Any]]:
    """Return the canonical SOQL name of ``name`` and its describe entry.

    ``Owner.Name`` is accepted when ``Owner`` is a parent relationship of the
    object.  The part after the dot is only checked to be an identifier,
    because the parent's describe is not at hand.
    """
    head, dot, rest = name.partition(".")
    if dot:
        parent = index.parent_relationship(head)
        parts = rest.split(".")
        if parent is not None and all(_IDENTIFIER.match(part) for part in parts):
            return parent["relationshipName"] + "." + rest, {"name": name, "type": "string"}
    else:
        field = index.field(name)
        if field is not None:
            return field["name"], field

    raise DialectError(
        400, code,
        "%s has no field named '%s' to %s." % (index.sobject or "The object", name, purpose),
        fields=[name],
    )


def _where_clause(index: FieldIndex, filters: list[tuple[str, str]]) -> str:
    grouped: dict[str, tuple[Mapping[str, Any], list[str]]] = {}
    for name, value in filters:
        soql_name, field = _select_field(index, name, "invalid_filter", "filter on")
        if "." not in soql_name and field.get("filterable") is False:
            raise DialectError(400, "invalid_filter", "%s.%s cannot be filtered on." % (index.sobject, soql_name), fields=[name])
        try:
            literal = soql_literal(field, value)
        except DialectError as exc:
            exc.problem.errors[0]["fields"] = [name]
            raise
        grouped.setdefault(soql_name, (field, []))[1].append(literal)

    conditions = []
    for soql_name, (_field, literals) in grouped.items():
        values = list(dict.fromkeys(literals))
        others = [value for value in values if value != "null"]
        parts = []
        if len(others) == 1:
            parts.append("%s = %s" % (soql_name, others[0]))
        elif others:
            parts.append("%s IN (%s)" % (soql_name, ", ".join(others)))
        if "null" in values:
            parts.append("%s = null" % soql_name)
        conditions.append(parts[0] if len(parts) == 1 else "(%s)" % " OR ".join(parts))
    return " AND ".join(conditions)


def _order_clause(index: FieldIndex, order_by: list[tuple[str, bool]]) -> str:
    terms = []
    for name, descending in order_by:
        soql_name, field = _select_field(index, name, "invalid_sort", "sort by")
        if "." not in soql_name and field.get("sortable") is False:
            raise DialectError(400, "invalid_sort", "%s.%s cannot be sorted on." % (index.sobject, soql_name), fields=[name])
        terms.append(soql_name + (" DESC" if descending else " ASC"))
    return ", ".join(terms)


def default_fields(index: FieldIndex) -> list[str]:
    """Return every field a record read returns, minus compound and binary fields.

    Lists carry the same fields as a single record, so a model filled from a
    list and saved back does not blank the fields a shorter list left out.
    """
    return [field["name"] for field in index.fields if field.get("type") not in _SKIPPED_TYPES]


def default_order(index: FieldIndex) -> list[tuple[str, bool]]:
    """Return the most recent records first, with ``Id`` breaking ties for stable offsets."""
    for name in ("LastModifiedDate", "CreatedDate"):
        field = index.field(name)
        if field is not None and field.get("sortable", True):
            return [(name, True), ("Id", True)]
    return [("Id", True)]


def _select_list(index: FieldIndex, requested: list[str]) -> list[str]:
    if not requested:
        names = default_fields(index)
    else:
        names = [_select_field(index, name, "invalid_field_list", "select")[0] for name in requested]

    if "Id" not in names:
        names.insert(0, "Id")
    return list(dict.fromkeys(names))


def _check_window(request: ListRequest) -> None:
    if request.limit is not None and not 1 <= request.limit <= MAX_LIMIT:
        raise DialectError(
            400, "invalid_limit",
            "The limit must be a whole number from 1 to %d, not %s." % (MAX_LIMIT, str(request.limit)[:40]),
            parameter="limit",
        )
    if request.offset is not None and not 0 <= request.offset <= MAX_OFFSET:
        raise DialectError(
            400, "invalid_offset",
            "The offset must be a whole number from 0 to %d (Salesforce's maximum OFFSET), not %s."
            % (MAX_OFFSET, str(request.offset)[:40]),
            parameter="offset",
        )


def build_list_soql(describe: Mapping[str, Any], request: ListRequest, index: Optional[FieldIndex] = None) -> str:
    """Return the SOQL for ``request`` on the object that ``describe`` describes.

    Without fields, filters or sort it selects ``default_fields`` ordered by
    ``default_order``.  Raises DialectError 400 for an unknown, unfilterable or
    unsortable field, a value that does not fit its field's type, or a bad
    limit or offset.
    """
    index = index or FieldIndex(describe)
    _check_window(request)

    soql = "SELECT %s FROM %s" % (", ".join(_select_list(index, request.fields)), index.sobject)
    if request.filters:
        soql += " WHERE " + _where_clause(index, request.filters)
    soql += " ORDER BY " + _order_clause(index, request.order_by or default_order(index))
    if request.limit is not None:
        # NOTE: with LIMIT, Salesforce's totalSize (and so X-Total-Count) counts
        # the rows returned, not every match; a COUNT() query would cost a call.
        soql += " LIMIT %d" % request.limit
    if request.offset:
        soql += " OFFSET %d" % request.offset
    return soql
