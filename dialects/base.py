"""The contract between the proxy's handlers and a response dialect.

A dialect reshapes requests and responses for one front-end model library.
It does no I/O: the handlers make every Salesforce call and hand the results
to the dialect, which returns status, headers and body bytes.  List responses
stream: ``list_start`` once, ``list_record`` per record as pages arrive, then
``list_end``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Mapping, Optional


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
    """What is known about a list response when it starts and when it ends."""

    sobject: Optional[str]
    # Salesforce's ``totalSize``: how many records match the query.
    total_size: int
    # Records written so far; final in ``list_end``.
    returned: int = 0
    # The relative ``nextRecordsUrl`` still to fetch, or None when done.
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

    def __init__(self, status: int, code: str, message: str, fields: Optional[list[str]] = None):
        super().__init__(message)
        self.problem = Problem(
            status=status,
            errors=[{"errorCode": code, "message": message, "fields": fields or []}],
            source="proxy",
        )


JSON_TYPE = "application/json; charset=UTF-8"


def dump_json(value: Any) -> bytes:
    """Serialize ``value`` compactly as UTF-8 JSON, keeping non-ASCII text as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Dialect:
    """Base class of every dialect.  Subclasses override what differs.

    The defaults here produce Salesforce's own shapes, so the ``salesforce``
    dialect is this class with a name.
    """

    name = ""
    # Re-read the record after create and update and pass it to
    # ``created``/``updated``, for libraries that expect the fresh record.
    wants_record_after_write = False

    # -- requests ---------------------------------------------------------

    def check_request(self, ctx: RequestContext) -> None:
        """Reject a request this dialect cannot serve by raising DialectError."""

    def parse_record_body(self, ctx: RequestContext, body: bytes) -> dict[str, Any]:
        """Decode a create or update body into a flat ``{field: value}`` dict."""
        if not body.strip():
            raise DialectError(400, "missing_body", "The request body is empty: send a JSON object of field values.")
        try:
            value = json.loads(body)
        except ValueError as exc:
            raise DialectError(400, "invalid_json", "The request body is not valid JSON: %s." % exc) from None
        if not isinstance(value, dict):
            raise DialectError(400, "invalid_body", "The request body must be a JSON object of field values.")
        return value

    def parse_list_request(self, ctx: RequestContext) -> ListRequest:
        """Turn query arguments into a ListRequest (plain ``Field=value`` filters)."""
        raise NotImplementedError

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
        """Return status, headers and the body prefix of a list response."""
        prefix = b'{"totalSize":%d,"records":[' % info.total_size
        return Reply(200, prefix, {"Content-Type": JSON_TYPE})

    def list_record(self, ctx: RequestContext, record: dict[str, Any], index: int) -> bytes:
        """Render one record of a list; ``index`` counts from 0 across pages."""
        return (b"," if index else b"") + dump_json(record)

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
