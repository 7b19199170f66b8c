"""Conversion of field values between JSON request bodies, SQLite and JSON responses.

Stored forms: booleans as 0/1, dates as ``YYYY-MM-DD``, datetimes as UTC text in
Salesforce's output form ``2021-11-06T17:38:40.000+0000`` (fixed width, so text order
is time order), numbers as SQLite numbers, everything else as text.
"""

import datetime
import json
import math
import re

from tornsf.sandbox import ids
from tornsf.sandbox.errors import ApiError
from tornsf.sandbox.schema import NUMBER_TYPES, Field

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def format_datetime(moment: datetime.datetime) -> str:
    """Format an aware datetime as Salesforce does: UTC, milliseconds, offset without colon."""
    moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (moment.microsecond // 1000)


def now_text() -> str:
    return format_datetime(datetime.datetime.now(datetime.timezone.utc))


def parse_datetime(text: str) -> datetime.datetime | None:
    """Parse an ISO 8601 datetime as Salesforce accepts it; None if ``text`` is not one.

    A value without an offset is taken as UTC.
    """
    match = _DATETIME_RE.match(text)
    if not match:
        return None
    day, hour, minute, second, fraction, offset = match.groups()
    try:
        date = datetime.date.fromisoformat(day)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        zone = datetime.timezone.utc
        if offset and offset != "Z":
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            zone = datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        return datetime.datetime(date.year, date.month, date.day, int(hour), int(minute), int(second or 0),
                                 micro, tzinfo=zone)
    except ValueError:
        return None


def parse_date(text: str) -> datetime.date | None:
    if not _DATE_RE.match(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    if isinstance(value, (int, float)):
        return "VALUE_NUMBER_INT" if isinstance(value, int) else "VALUE_NUMBER_FLOAT"
    if isinstance(value, dict):
        return "START_OBJECT"
    if isinstance(value, list):
        return "START_ARRAY"
    return "VALUE_STRING"


def _cannot_deserialize(kind: str, value) -> ApiError:
    shown = value if isinstance(value, str) else json.dumps(value)
    return ApiError(
        400, "JSON_PARSER_ERROR",
        "Cannot deserialize instance of %s from %s value %s or request may be missing a required field"
        % (kind, _json_type(value), shown),
    )


def _to_number(field: Field, value):
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise _cannot_deserialize("double" if field.type != "int" else "int", value)
    if isinstance(value, str):
        try:
            value = float(value) if field.type != "int" else int(value)
        except ValueError:
            raise _cannot_deserialize("double" if field.type != "int" else "int", value) from None
    _check_range(field, value)
    if field.type == "int":
        if isinstance(value, float) and not value.is_integer():
            raise _cannot_deserialize("int", value)
        return int(value)
    return float(value)


def _check_range(field: Field, value) -> None:
    """Raise NUMBER_OUTSIDE_VALID_RANGE for a value with more integer digits than the field holds."""
    # Salesforce int fields hold 9 digits; other number fields precision - scale.
    digits = 9 if field.type == "int" else (field.precision - field.scale if field.precision else 18)
    if not math.isfinite(value) or abs(value) >= 10 ** digits:
        raise ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                       "%s: value outside of valid range on numeric field: %s" % (field.label, str(value)[:40]),
                       [field.name])


def _to_text(field: Field, value) -> str:
    if isinstance(value, (dict, list)):
        raise _cannot_deserialize("string", value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    if field.type == "email" and text and not _EMAIL_RE.match(text):
        raise ApiError(400, "INVALID_EMAIL_ADDRESS", "%s: invalid email address: %s" % (field.label, text),
                       [field.name])
    if field.length and len(text) > field.length:
        raise ApiError(
            400, "STRING_TOO_LONG",
            "%s: data value too large: %s (max length=%d)" % (field.label, text[:40], field.length),
            [field.name],
        )
    return text


def _to_boolean(value) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return int(value.lower() == "true")
    raise _cannot_deserialize("boolean", value)


def to_stored(field: Field, value, references):
    """Convert one JSON value for ``field`` to its stored form, raising ApiError if invalid.

    ``references`` checks reference values: ``key_prefix(sobject_name)`` and
    ``exists(sobject_name, id18)``.
    """
    if value is None:
        return None

    if field.type == "boolean":
        return _to_boolean(value)

    if field.type in NUMBER_TYPES:
        return _to_number(field, value)

    if field.type == "date":
        day = parse_date(value) if isinstance(value, str) else None
        if day is None:
            moment = parse_datetime(value) if isinstance(value, str) else None
            if moment is None:
                raise _cannot_deserialize("date", value)
            day = moment.date()
        return day.isoformat()

    if field.type == "datetime":
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None:
            raise _cannot_deserialize("datetime", value)
        return format_datetime(moment)

    if field.type == "reference":
        return _to_reference(field, value, references)

    return _to_text(field, value)


def _to_reference(field: Field, value, references):
    if value == "":
        return None

    id18 = ids.normalize_id(value) if isinstance(value, str) else None
    target = field.reference_to[0]
    label = field.label[:-3] if field.label.endswith(" ID") else field.label
    if id18 is None:
        raise ApiError(400, "MALFORMED_ID", "%s: id value of incorrect type: %s" % (label, value), [field.name])

    if not id18.startswith(references.key_prefix(target)):
        raise ApiError(
            400, "FIELD_INTEGRITY_EXCEPTION", "%s: id value of incorrect type: %s" % (label, value), [field.name]
        )

    if not references.exists(target, id18):
        raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [field.name])
    return id18


def to_json(field: Field, stored):
    """Convert a stored value to the value a response carries."""
    if stored is None:
        return None
    if field.type == "boolean":
        return bool(stored)
    if field.type in ("double", "currency", "percent"):
        return float(stored)
    return stored
