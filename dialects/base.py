"""The contract between the proxy's handlers and a response dialect.

A dialect reshapes requests and responses for one front-end model library.
It does no I/O: the handlers make every Salesforce call and hand the results
to the dialect, which returns status, headers and body bytes.  List responses
stream: ``list_start`` once, ``list_record`` per record as pages arrive, then
``list_end``.

Besides the contract classes, this module has the helpers every dialect uses:
the common list arguments (``parse_list_arguments``), cursors made from
Salesforce's ``nextRecordsUrl`` (``cursor_from_next_url``), links back to the
proxy (``collection_path``/``record_path``) and ``strip_attributes``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from typing import Any, Mapping, Optional
from urllib.parse import quote, urlencode


@dataclasses.dataclass
class Reply:
    """An HTTP response built by a dialect."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class RequestContext:
    """The parts of the incoming request that a dialect may read."""

    method: str
    # The SObject API name resolved from the path (``Account``), or None for Apex.
    sobject: Optional[str]
    # The path segment as the client wrote it (``accounts``, ``Account``).
    path_segment: str
    record_id: Optional[str]
    # Decoded query arguments, each name mapped to all its values.
    arguments: Mapping[str, list[str]]
    # Request headers; lookups are case-insensitive (a tornado HTTPHeaders).
    headers: Mapping[str, str]
    # Absolute path prefix of the data routes (``""`` or ``"/api"``), for links.
    base_path: str = ""


@dataclasses.dataclass
class ListRequest:
    """A list of records asked for without SOQL, in Salesforce terms.

    Field names are as the client wrote them; the handler checks them against
    the object's describe and builds the SOQL.
    """

    fields: list[str] = dataclasses.field(default_factory=list)
    # (field, value) pairs that must all match (equality).
    filters: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # (field, descending) pairs.
    order_by: list[tuple[str, bool]] = dataclasses.field(default_factory=list)
    limit: Optional[int] = None
    offset: Optional[int] = None
    # An opaque cursor from an earlier list response (a query locator path).
    cursor: Optional[str] = None


@dataclasses.dataclass
class ListInfo:
    """The totals of a list response, known in part at its start and in full at its end."""

    sobject: Optional[str]
    # Salesforce's ``totalSize``: how many records match the query.
    total_size: int
    # Records written so far; final in ``list_end``.
    returned: int = 0
    # The relative ``nextRecordsUrl`` still to fetch, or None when done.  In
    # ``list_start`` the handler sets it only when it will not fetch further
    # pages itself (no autoFetch), so headers such as ``Link`` stay true.
    next_records_url: Optional[str] = None
    done: bool = True


@dataclasses.dataclass
class Problem:
    """An error to render: from Salesforce or from the proxy itself.

    ``errors`` uses Salesforce's shape: ``[{"message", "errorCode", "fields"}]``.
    For the proxy's own errors ``source`` is ``"proxy"`` and each error code is
    the proxy's (``invalid_json``, ``session_expired``, ...).
    """

    status: int
    errors: list[dict[str, Any]]
    source: str = "salesforce"

    @property
    def code(self) -> str:
        return str(self.errors[0].get("errorCode", "")) if self.errors else ""

    @property
    def message(self) -> str:
        return str(self.errors[0].get("message", "")) if self.errors else ""


class DialectError(Exception):
    """Raised by a dialect to reject a request (bad body, wrong media type)."""

    def __init__(self, status: int, code: str, message: str, fields: Optional[list[str]] = None,
                 parameter: Optional[str] = None):
        super().__init__(message)
        error: dict[str, Any] = {"errorCode": code, "message": message, "fields": fields or []}
        if parameter:
            # The query argument at fault (``filter[Name]``), for JSON:API's source.parameter.
            error["parameter"] = parameter
        self.problem = Problem(status=status, errors=[error], source="proxy")


JSON_TYPE = "application/json; charset=UTF-8"

# Request bodies nested deeper than this are rejected: records are flat, and
# deeper values would reach Python's recursion limit in the JSON codec.
MAX_JSON_DEPTH = 100
_SURROGATE = re.compile("[\ud800-\udfff]")


def dump_json(value: Any) -> bytes:
    """Serialize ``value`` compactly as UTF-8 JSON, keeping non-ASCII text as is."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (from an upstream JSON escape) has no UTF-8 form,
        # but JSON can still carry it as an escape.
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def dump_json_items(values: list[Any], first_index: int) -> bytes:
    """Serialize ``values`` as items of a JSON array that already contains ``first_index`` items.

    The bytes equal ``(b"," if index else b"") + dump_json(value)`` joined
    for each value, with one encoder call for the whole list.
    """
    if not values:
        return b""

    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    try:
        items = text.encode("utf-8")[1:-1]
    except UnicodeEncodeError:
        # dump_json escapes only the values that hold a lone surrogate.
        items = b",".join(dump_json(value) for value in values)
    return b"," + items if first_index else items


class _NotJsonConstant(ValueError):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def _refuse_constant(name: str) -> Any:
    raise _NotJsonConstant(name)


def _constant_position(text: str, name: str) -> int:
    """Return the index of the first ``name`` outside string literals in ``text``."""
    in_string = escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif in_string:
            escaped = char == "\\"
            in_string = char != '"'
        elif char == '"':
            in_string = True
        elif text.startswith(name, index):
            return index
    return 0


def load_json(body: bytes) -> Any:
    """Decode a JSON request body strictly, rejecting ``NaN`` and ``Infinity`` (not JSON in RFC 8259).

    Raises ValueError whose message gives the line, column and character of
    the error, or states that the body nests too deeply or has a lone surrogate.
    """
    try:
        value = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("arrays or objects are nested more than %d levels deep" % MAX_JSON_DEPTH) from None
    except _NotJsonConstant as exc:
        raise _constant_error(body, exc) from None
    except ValueError as exc:
        if "int_max_str_digits" not in str(exc):
            raise
        # Python's own message names an interpreter setting instead of the value.
        raise ValueError("a number has more than %d digits" % sys.get_int_max_str_digits()) from None

    _check_json_value(value)
    return value


def _constant_error(body: bytes, exc: _NotJsonConstant) -> ValueError:
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    index = _constant_position(text, exc.name)
    line = text.count("\n", 0, index) + 1
    column = index - text.rfind("\n", 0, index)
    return ValueError("%s is not a JSON value: line %d column %d (char %d)" % (exc.name, line, column, index))


def _check_json_value(value: Any) -> None:
    """Raise ValueError for nesting deeper than MAX_JSON_DEPTH or a string that is not valid Unicode.

    JSON's ``\\ud800`` escapes decode to lone surrogates, which cannot be
    encoded as UTF-8 again.  The walk uses a stack, not recursion.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise ValueError("a string contains a lone UTF-16 surrogate escape (\\ud800 to \\udfff)")
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValueError("arrays or objects are nested more than %d levels deep" % MAX_JSON_DEPTH)
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)


# Query arguments with a meaning of their own, never read as field filters
# (compared in lower case).  ``_`` is jQuery's cache buster.
RESERVED_ARGUMENTS = frozenset({
    "query", "q", "autofetch", "maxfetch", "queryall", "dialect", "login_server", "_",
    "fields", "sort", "limit", "offset", "cursor", "ids[]", "include",
})

# Salesforce error codes about the values of a record's fields: Ember and
# JSON:API clients expect them as 422 with a pointer per field.
FIELD_ERROR_CODES = frozenset({
    "REQUIRED_FIELD_MISSING", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "STRING_TOO_LONG",
    "INVALID_EMAIL_ADDRESS", "DUPLICATE_VALUE", "DUPLICATES_DETECTED",
    "INVALID_FIELD_FOR_INSERT_UPDATE", "JSON_PARSER_ERROR", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    "INVALID_TYPE_ON_FIELD_IN_RECORD", "NUMBER_OUTSIDE_VALID_RANGE", "FIELD_INTEGRITY_EXCEPTION",
    "INVALID_CROSS_REFERENCE_KEY", "FIELD_FILTER_VALIDATION_EXCEPTION", "MALFORMED_ID",
    "duplicate_field",
})

# ``filter[Name]``, and ``filter[Name][]`` or ``filter[Name][0]`` as qs and jQuery write arrays.
_FILTER_ARGUMENT = re.compile(r"^filter\[([^\]]+)\](?:\[\d*\])?$")
# ``Name[]`` or ``Name[0]``: a plain filter argument as Ember Data, jQuery and qs write arrays.
_ARRAY_ARGUMENT = re.compile(r"^([^\[\]]+)\[\d*\]$")
_QUERY_LOCATOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_NEXT_RECORDS_URL = re.compile(r"^/services/data/v\d+\.\d+/query/([^/?#]+)$")


def _integer_argument(arguments: Mapping[str, list[str]], name: str, code: str) -> Optional[int]:
    values = arguments.get(name)
    if not values:
        return None
    try:
        return int(values[-1])
    except ValueError:
        raise DialectError(
            400, code, "The %s argument must be a whole number, not '%s'." % (name, values[-1][:40]), parameter=name,
        ) from None


def _split_list(values: list[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def parse_order(values: list[str]) -> list[tuple[str, bool]]:
    """Parse ``sort=Name,-CreatedDate`` into ``[("Name", False), ("CreatedDate", True)]``."""
    return [(item[1:], True) if item.startswith("-") else (item.lstrip("+"), False) for item in _split_list(values)]


def parse_list_arguments(arguments: Mapping[str, list[str]]) -> ListRequest:
    """Read the list arguments that every dialect accepts.

    ``Field=value`` and ``filter[Field]=value`` filter by equality.  Repeat an
    argument, or write it as ``Field[]``, to accept several values;
    ``filter[id]`` and ``ids[]`` also take comma-separated ids.  ``fields=A,B``
    selects, ``sort=A,-B`` orders, ``limit`` and ``offset`` window the result,
    and ``cursor`` continues an earlier list.
    """
    request = ListRequest(
        fields=_split_list(arguments.get("fields", [])),
        order_by=parse_order(arguments.get("sort", [])),
        limit=_integer_argument(arguments, "limit", "invalid_limit"),
        offset=_integer_argument(arguments, "offset", "invalid_offset"),
        cursor=(arguments.get("cursor") or [None])[-1],
    )

    for name, values in arguments.items():
        match = _FILTER_ARGUMENT.match(name)
        if match:
            field = match.group(1)
            if field.lower() == "id":
                values = _split_list(values)
            request.filters.extend((field, value) for value in values)
        elif name == "ids[]":
            request.filters.extend(("Id", value) for value in _split_list(values))
        elif name.lower() not in RESERVED_ARGUMENTS:
            array = _ARRAY_ARGUMENT.match(name)
            request.filters.extend((array.group(1) if array else name, value) for value in values)
    return request


def cursor_from_next_url(next_records_url: Optional[str]) -> Optional[str]:
    """Return the query locator (``01gRO00000-500``) of a ``nextRecordsUrl``, or None."""
    if not next_records_url:
        return None
    match = _NEXT_RECORDS_URL.match(next_records_url)
    return match.group(1) if match else None


def next_url_from_cursor(cursor: str, api_version: str) -> str:
    """Return the Salesforce path that continues a list from ``cursor``.

    Only a bare query locator is accepted, so a client's cursor can never name
    another Salesforce resource.
    """
    if not _QUERY_LOCATOR.match(cursor):
        raise DialectError(
            400, "invalid_cursor",
            "The cursor '%s' is not one this proxy returned: use the next link of the previous list." % cursor,
            parameter="cursor",
        )
    return "/services/data/v%s/query/%s" % (api_version, cursor)


def collection_path(ctx: RequestContext) -> str:
    """Return the proxy path of the collection the client requested (``/api/accounts``)."""
    return "%s/%s" % (ctx.base_path, quote(ctx.path_segment, safe=""))


def record_path(ctx: RequestContext, record_id: str) -> str:
    return "%s/%s" % (collection_path(ctx), quote(record_id, safe=""))


def list_link(ctx: RequestContext, arguments: Mapping[str, Any]) -> str:
    """Return a link to the collection with ``arguments`` (a value or a list of values each), keeping ``dialect``."""
    query: dict[str, Any] = {}
    if ctx.arguments.get("dialect"):
        query["dialect"] = ctx.arguments["dialect"][-1]
    query.update(arguments)
    return collection_path(ctx) + "?" + urlencode(query, doseq=True)


def with_record_id(ctx: RequestContext, record: dict[str, Any]) -> dict[str, Any]:
    """Return ``record`` with the URL's id as ``Id`` when a ``fields`` selection left it out."""
    if "Id" in record or not ctx.record_id:
        return record
    return {"Id": ctx.record_id, **record}


def strip_attributes(value: Any) -> Any:
    """Return ``value`` without Salesforce's ``attributes`` members, at every depth."""
    if isinstance(value, dict):
        return {key: strip_attributes(item) for key, item in value.items() if key != "attributes"}
    if isinstance(value, list):
        return [strip_attributes(item) for item in value]
    return value


def is_field_error(ctx: Optional[RequestContext], problem: Problem) -> bool:
    """Return True when ``problem`` rejects field values of a record being written."""
    if ctx is None or ctx.method not in ("POST", "PUT", "PATCH") or problem.status != 400:
        return False
    return bool(problem.errors) and all(error.get("errorCode") in FIELD_ERROR_CODES for error in problem.errors)


class Dialect:
    """Base class of every dialect.  Subclasses override what differs.

    The defaults here produce Salesforce's own shapes, so the ``salesforce``
    dialect is this class with a name.  The registry creates one instance per
    dialect at start-up and shares it between requests, so a dialect keeps no
    per-request state.
    """

    name = ""
    # Media type of the JSON bodies this dialect writes.
    media_type = "application/json"
    content_type = JSON_TYPE
    # Re-read the record after create and update and pass it to
    # ``created``/``updated``, for libraries that expect the fresh record.
    wants_record_after_write = False

    @property
    def wants_record_after_create(self) -> bool:
        """Re-read the record after a create; defaults to ``wants_record_after_write``."""
        return self.wants_record_after_write

    @property
    def wants_record_after_update(self) -> bool:
        """Re-read the record after an update; defaults to ``wants_record_after_write``."""
        return self.wants_record_after_write

    # -- requests ---------------------------------------------------------

    def check_request(self, ctx: RequestContext) -> None:
        """Reject a request this dialect cannot serve by raising DialectError.

        Called before any Salesforce call on data and Apex routes (``ctx.sobject``
        is None for Apex); the JSON:API dialect checks media types here.
        """

    def parse_record_body(self, ctx: RequestContext, body: bytes) -> dict[str, Any]:
        """Decode a create or update body into a flat ``{field: value}`` dict.

        Keys may use any case or separators: the handler then maps them to API
        names and drops unwritable fields with the object's describe.
        """
        if not body.strip():
            raise DialectError(400, "missing_body", "The request body is empty: send a JSON object of field values.")
        try:
            value = load_json(body)
        except ValueError as exc:
            raise DialectError(400, "invalid_json", "The request body is not valid JSON: %s." % exc) from None
        if not isinstance(value, dict):
            raise DialectError(400, "invalid_body", "The request body must be a JSON object of field values.")
        return value

    def parse_list_request(self, ctx: RequestContext) -> ListRequest:
        """Turn query arguments into a ListRequest; see ``parse_list_arguments``.

        Called for ``GET /<SObject>`` without ``q``, ``query`` or ``cursor``.
        A ListRequest with a ``cursor`` continues an earlier list instead.
        """
        return parse_list_arguments(ctx.arguments)

    # -- responses --------------------------------------------------------

    def record(self, ctx: RequestContext, record: dict[str, Any], raw: Optional[bytes] = None) -> Reply:
        """Render one retrieved record; ``raw`` is Salesforce's body when unchanged."""
        return Reply(200, raw if raw is not None else dump_json(record), {"Content-Type": JSON_TYPE})

    def created(self, ctx: RequestContext, result: dict[str, Any], record: Optional[dict[str, Any]]) -> Reply:
        """Render a create: ``result`` is Salesforce's ``{"id", "success", "errors"}``."""
        return Reply(201, dump_json(result), {"Content-Type": JSON_TYPE})

    def updated(self, ctx: RequestContext, record_id: str, record: Optional[dict[str, Any]]) -> Reply:
        return Reply(204)

    def deleted(self, ctx: RequestContext, record_id: str) -> Reply:
        return Reply(204)

    def list_start(self, ctx: RequestContext, info: ListInfo) -> Reply:
        """Return status, headers and the body prefix of a list response.

        Every dialect sends Salesforce's ``totalSize`` as ``X-Total-Count``.
        """
        prefix = b'{"totalSize":%d,"records":[' % info.total_size
        return Reply(200, prefix, {"Content-Type": JSON_TYPE, "X-Total-Count": str(info.total_size)})

    def list_record(self, ctx: RequestContext, record: dict[str, Any], index: int) -> bytes:
        """Render one record of a list; ``index`` counts from 0 across pages."""
        return (b"," if index else b"") + dump_json(record)

    def list_records(self, ctx: RequestContext, records: list[dict[str, Any]], first_index: int) -> bytes:
        """Render consecutive records of a list, the first at ``first_index``.

        The result equals ``list_record`` for each record, joined.  While a
        dialect keeps this class's ``list_record``, which writes records as
        Salesforce sent them, the whole page is serialized in one call.
        """
        if type(self).list_record is Dialect.list_record:
            return dump_json_items(records, first_index)
        return b"".join([self.list_record(ctx, record, first_index + offset) for offset, record in enumerate(records)])

    def list_end(self, ctx: RequestContext, info: ListInfo) -> bytes:
        tail: dict[str, Any] = {"returnedSize": info.returned, "done": info.done}
        if info.next_records_url:
            tail["nextRecordsUrl"] = info.next_records_url
        return b"]," + dump_json(tail)[1:]

    def apex(self, ctx: RequestContext, status: int, headers: Mapping[str, str], body: bytes) -> Reply:
        """Render an Apex REST result; by default its status, type and bytes pass through."""
        out = {}
        if "Content-Type" in headers:
            out["Content-Type"] = headers["Content-Type"]
        return Reply(status, body, out)

    def error(self, ctx: Optional[RequestContext], problem: Problem) -> Reply:
        """Render an error: Salesforce's array for upstream errors, ``{error, message}`` for ours."""
        if problem.source == "proxy":
            body = dump_json({"error": problem.code, "message": problem.message})
        else:
            body = dump_json(problem.errors)
        return Reply(problem.status, body, {"Content-Type": JSON_TYPE})
