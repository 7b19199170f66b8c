"""Apex REST classes of the second stand-in, behaving as Salesforce documents Apex REST.

- ``InvoiceTotals`` (``/InvoiceTotals/*``, GET): a non-void method whose
  result is serialized as JSON with null members left out.
- ``Echo`` (``/echo``, GET, POST, PATCH, DELETE): POST and PATCH declare the
  parameters ``message`` and ``count``, so the body's top-level keys are
  deserialized into them and an unknown key is a ``JSON_PARSER_ERROR``.
- ``Plain`` (``/plain``, GET): a void method that writes ``text/plain`` and
  sets status 202 itself.
- ``Rejecting`` (``/rejecting``, POST): a void method that returns 409 with
  its own JSON object.
- ``Failing`` (``/failing``, GET): an unhandled exception, 500 ``APEX_ERROR``.

Any other path is 404 ``NOT_FOUND`` ``Could not find a match for URL``; a
verb a class does not define is 405.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, Callable

from tests.conformance.org import Org

JSON_TYPE = "application/json;charset=UTF-8"


@dataclasses.dataclass
class ApexResult:
    status: int
    body: bytes
    content_type: str = JSON_TYPE


def _json(value: Any, status: int = 200) -> ApexResult:
    return ApexResult(status, json.dumps(value, separators=(",", ":")).encode("utf-8"))


def _error(status: int, code: str, message: str) -> ApexResult:
    return _json([{"errorCode": code, "message": message}], status)


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_drop_nulls(item) for item in value]
    return value


def invoice_totals(org: Org, method: str, rest: str, params: dict[str, list[bytes]], body: bytes) -> ApexResult:
    invoices = [record for record in org.records["Invoice__c"].values()
                if not rest or (record.get("Account__c") or "")[:15] == rest[:15]]
    amounts = [record["Amount__c"] for record in invoices if record.get("Amount__c") is not None]
    return _json(_drop_nulls({
        "accountId": rest or None,
        "count": len(invoices),
        "total": sum(amounts) if amounts else None,
        "currency": (params.get("currency") or [b"EUR"])[-1].decode("utf-8"),
    }))


def echo(org: Org, method: str, rest: str, params: dict[str, list[bytes]], body: bytes) -> ApexResult:
    decoded = {name: values[-1].decode("utf-8") for name, values in params.items()}
    if method in ("GET", "DELETE"):
        return _json({"method": method, "params": decoded})

    try:
        arguments = json.loads(body or b"{}")
    except ValueError:
        return _error(400, "JSON_PARSER_ERROR", "Unexpected character: was expecting a JSON value")
    if not isinstance(arguments, dict):
        return _error(400, "JSON_PARSER_ERROR", "Unexpected parameter encountered during deserialization")
    for name in arguments:
        if name not in ("message", "count"):
            return _error(400, "JSON_PARSER_ERROR",
                          "Unexpected parameter encountered during deserialization: %s at [line:1, column:%d]"
                          % (name, 2 + len(name)))
    return _json(_drop_nulls({"method": method, "message": arguments.get("message"),
                              "count": arguments.get("count"), "params": decoded or None}))


def plain(org: Org, method: str, rest: str, params: dict[str, list[bytes]], body: bytes) -> ApexResult:
    return ApexResult(202, "Accepted by Apex: ünïcode ✓".encode("utf-8"), "text/plain;charset=UTF-8")


def rejecting(org: Org, method: str, rest: str, params: dict[str, list[bytes]], body: bytes) -> ApexResult:
    return _json({"accepted": False, "reason": "duplicate order"}, 409)


def failing(org: Org, method: str, rest: str, params: dict[str, list[bytes]], body: bytes) -> ApexResult:
    return _error(500, "APEX_ERROR", "System.NullPointerException: Attempt to de-reference a null object\n\n"
                  "Class.Failing.doGet: line 7, column 1")


Handler = Callable[[Org, str, str, dict[str, list[bytes]], bytes], ApexResult]

# urlMapping (case-sensitive), whether it ends in a wildcard, and the verbs it defines.
CLASSES: list[tuple[str, bool, dict[str, Handler]]] = [
    ("InvoiceTotals", True, {"GET": invoice_totals}),
    ("echo", False, {"GET": echo, "POST": echo, "PATCH": echo, "DELETE": echo}),
    ("plain", False, {"GET": plain}),
    ("rejecting", False, {"POST": rejecting}),
    ("failing", False, {"GET": failing}),
]


def dispatch(org: Org, method: str, path: str, params: dict[str, list[bytes]], body: bytes,
             content_type: str) -> ApexResult:
    for mapping, wildcard, verbs in CLASSES:
        pattern = re.escape(mapping) + ("(?:/(.*))?" if wildcard else "()")
        match = re.fullmatch(pattern, path)
        if not match:
            continue
        handler = verbs.get(method)
        if handler is None:
            return _error(405, "METHOD_NOT_ALLOWED",
                          "HTTP Method '%s' not allowed. Allowed are %s" % (method, ",".join(sorted(verbs))))
        return handler(org, method, match.group(1) or "", params, body)
    return _error(404, "NOT_FOUND", "Could not find a match for URL")
