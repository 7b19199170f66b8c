"""Check and encode every piece of client input that becomes part of a Salesforce URL.

Each check works on decoded text, one path segment at a time, and either
rejects the value or returns it percent-encoded as exactly one segment.  So
``..``, encoded slashes, ``?``, ``#`` and backslashes can neither change the
path nor add query parameters.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Iterable

# Salesforce API names: a letter, then letters, digits and underscores, at most
# 80 characters in all (custom suffixes such as __c, __mdt and __r included).
API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,79}\Z")

# A path segment that names an SObject: an API name, or a spelling that client
# libraries derive from one with dashes (kitsu's and Ember JSON:API's
# ``contact-roles``).  It is only matched against describe global, never sent.
SOBJECT_SEGMENT = re.compile(r"[A-Za-z](?:[A-Za-z0-9_-]{0,78}[A-Za-z0-9_])?\Z")

# Record ids: 15 case-sensitive characters, or 18 with the case-insensitive suffix.
RECORD_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?\Z")

# A field reference in ``?fields=``: an API name, optionally through relationships.
FIELD_PATH = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,79}(?:\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}\Z")

# A query locator path from Salesforce (``nextRecordsUrl``): the next page of a
# query, ``/services/data/v62.0/query/01gRM000000kLmn-2000``.  Salesforce
# serves queryAll's pages under /query/ too, and /queryAll/ is accepted as well.
# No other resource matches, so a cursor can never fetch another API.
LOCATOR_PATH = re.compile(r"/services/data/v[0-9]{2,3}\.[0-9]/(?:query|queryAll)/[A-Za-z0-9][A-Za-z0-9_\-]*\Z")

# Characters kept as they are inside one encoded Apex path segment: RFC 3986
# unreserved characters, ``:``, ``@`` and the sub-delimiters other than ``;``.
# Everything else, ``/`` ``?`` ``#`` ``%`` and ``;`` included, is
# percent-encoded.  Servers such as Tomcat and Jetty read ``;`` as the start
# of path parameters and turn ``..;`` into ``..``.
_SEGMENT_SAFE = "-._~!$&'()*+,=:@"

_FORBIDDEN_IN_SEGMENT = set("/\\?#")

# External id fields are Text (at most 255 characters), Email, Number or
# Auto Number, so no external id value is longer than this.
MAX_EXTERNAL_ID_LENGTH = 255


class PathError(ValueError):
    """Client input that cannot become part of a Salesforce URL; maps to a 400."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def sobject_name(value: str) -> str:
    """Return ``value`` if it is a valid SObject API name, else raise PathError."""
    if not API_NAME.match(value):
        raise PathError(
            "invalid_sobject",
            "%r is not a valid SObject name: use the API name, a letter followed by up to 79 "
            "letters, digits or underscores (Account, Invoice__c)." % _clip(value),
        )
    return value


def sobject_segment(value: str) -> str:
    """Return ``value`` if it can name an SObject in a proxy path (``Account``, ``contact-roles``), else raise PathError."""
    if not SOBJECT_SEGMENT.match(value):
        raise PathError(
            "invalid_sobject",
            "%r is not a valid SObject name: use the API name or its plural, a letter followed by up to "
            "79 letters, digits, underscores or inner dashes (Account, contact-roles)." % _clip(value),
        )
    return value


def field_name(value: str) -> str:
    """Return ``value`` if it is a valid field API name, else raise PathError."""
    if not API_NAME.match(value):
        raise PathError(
            "invalid_field",
            "%r is not a valid field name: use the API name, a letter followed by up to 79 "
            "letters, digits or underscores (Name, External_Id__c)." % _clip(value),
        )
    return value


def record_id(value: str) -> str:
    """Return ``value`` if it is a 15- or 18-character record id, else raise PathError."""
    if not RECORD_ID.match(value):
        raise PathError(
            "invalid_id",
            "%r is not a valid record id: Salesforce ids are 15 or 18 letters and digits "
            "(001D000000IqhSLIAZ)." % _clip(value),
        )
    return value


def field_list(value: str) -> str:
    """Check a comma-separated ``fields`` argument and return it normalized (no blanks)."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise PathError("invalid_fields", "The fields argument is empty: list field names separated by commas.")

    for name in names:
        if not FIELD_PATH.match(name):
            raise PathError(
                "invalid_fields",
                "%r in the fields argument is not a valid field name: use API names separated "
                "by commas (Name,Industry)." % _clip(name),
            )
    return ",".join(names)


def external_id_value(value: str) -> str:
    """Check a decoded external-id value and return it encoded as one path segment."""
    _check_segment(value, "external id value", "invalid_external_id")
    if len(value) > MAX_EXTERNAL_ID_LENGTH:
        raise PathError(
            "invalid_external_id",
            "The external id value is %d characters long; external id fields hold at most %d: "
            "check the value." % (len(value), MAX_EXTERNAL_ID_LENGTH),
        )
    return urllib.parse.quote(value, safe="")


def apex_path(raw_path: str) -> str:
    """Check an Apex REST path as sent by the client (still percent-encoded) and re-encode it.

    ``raw_path`` is the part after ``/apex/``.  Each segment is decoded once,
    checked, and encoded again, so the result has exactly as many segments as
    the client meant and no query or fragment.
    """
    if not raw_path:
        raise PathError("invalid_apex_path", "The Apex path is empty: call /apex/<urlMapping>, for example /apex/echo.")

    encoded = []
    for raw_segment in raw_path.split("/"):
        segment = _decode_segment(raw_segment)
        _check_segment(segment, "Apex path segment", "invalid_apex_path")
        if segment.startswith(".."):
            # Some servers turn ``..;`` into ``..`` when they strip path parameters.
            raise PathError(
                "invalid_apex_path",
                "The Apex path segment %r starts with '..', which a server on the way could read as a dot "
                "segment: remove it." % _clip(segment),
            )
        encoded.append(urllib.parse.quote(segment, safe=_SEGMENT_SAFE))
    return "/".join(encoded)


def locator_path(value: str) -> str:
    """Return a query locator path (``nextRecordsUrl``) if it is safe to follow, else raise PathError."""
    if not LOCATOR_PATH.match(value):
        raise PathError(
            "invalid_cursor",
            "%r is not a query cursor: pass the nextRecordsUrl of an earlier response unchanged, "
            "a path such as /services/data/v62.0/query/01gRM000000kLmn-2000." % _clip(value),
        )
    return value


def encode_query(pairs: Iterable[tuple[bytes, bytes]]) -> str:
    """Encode decoded query arguments again, byte for byte, as ``name=value&...``."""
    return "&".join(
        urllib.parse.quote(name, safe="") + "=" + urllib.parse.quote(value, safe="") for name, value in pairs
    )


def _decode_segment(raw_segment: str) -> str:
    try:
        return urllib.parse.unquote_to_bytes(raw_segment).decode("utf-8")
    except UnicodeDecodeError:
        raise PathError(
            "invalid_apex_path",
            "The Apex path segment %r is not valid UTF-8 once decoded: percent-encode UTF-8 text." % _clip(raw_segment),
        ) from None


def _check_segment(segment: str, what: str, code: str) -> None:
    if segment in ("", ".", ".."):
        raise PathError(
            code,
            "The %s %r is empty or a dot segment, which would change the path: remove it." % (what, segment),
        )

    bad = [char for char in segment if char in _FORBIDDEN_IN_SEGMENT or ord(char) < 32 or ord(char) == 127]
    if bad:
        raise PathError(
            code,
            "The %s %r contains %r, which may not appear in one path segment, not even "
            "percent-encoded: remove it." % (what, _clip(segment), bad[0]),
        )


def _clip(value: str, limit: int = 100) -> str:
    return value if len(value) <= limit else value[:limit] + "..."
