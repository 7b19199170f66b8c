"""Apex REST routes: ``/apex/<path>`` to ``/services/apexrest/<path>`` with every method.

The path is checked and re-encoded segment by segment, query arguments are
re-encoded from their decoded bytes, and the body and its Content-Type pass
through unchanged.  Apex responses go to the dialect's ``apex`` as they are.
Errors that Salesforce itself raises (no such mapping, an unhandled
exception, an HTML outage page) go to the dialect's ``error``.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

from tornado.httpclient import HTTPResponse

from tornsf.errors import ProxyError, UpstreamError
from tornsf.handlers.base import BaseHandler
from tornsf.handlers.upstream import UpstreamMixin
from tornsf.salesforce import paths
from tornsf.salesforce.client import APEX_PREFIX
from tornsf.salesforce.errors import bad_response_problem, decode_json, response_problem

logger = logging.getLogger(__name__)

# Request headers an Apex method may depend on, passed through as sent.
_PASSED_HEADERS = ("Content-Type", "Accept")


class ApexHandler(UpstreamMixin, BaseHandler):
    """Forward any method on ``/apex/<path>`` to the session's Apex REST services."""

    def initialize(self, prefix: str = "") -> None:
        self.route_prefix = prefix + "/apex/"

    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        # Path arguments (name None) are not used: forward() checks the raw
        # path, and reports text that is not UTF-8 with its own message.
        if name is None:
            return value.decode("latin-1")
        return super().decode_argument(value, name)

    async def get(self, _path: str) -> None:
        await self.forward()

    post = put = patch = delete = get

    async def forward(self) -> None:
        # Tornado decodes the path argument, which would turn %2F into a
        # segment separator; the checks work on the raw path instead.
        raw_path = self.request.path[len(self.route_prefix):]
        try:
            apex_path = paths.apex_path(raw_path)
        except paths.PathError as exc:
            raise ProxyError(400, exc.code, exc.message) from None

        ctx = self.request_context(sobject=None, record_id=None, path_segment=apex_path)
        self.dialect.check_request(ctx)

        body = self.request.body if self.request.method not in ("GET", "HEAD") else None
        response = await self.call_salesforce(
            self.request.method,
            APEX_PREFIX + apex_path,
            self._query(),
            body=body,
            headers=self._passed_headers(),
            check=False,
        )

        if _is_salesforce_error(response):
            raise UpstreamError(response_problem(response))
        if _is_broken_json(response):
            raise UpstreamError(bad_response_problem("an Apex response labelled JSON that is not valid JSON"))
        self.send_reply(self.dialect.apex(ctx, response.code, response.headers, response.body or b""))

    def _query(self) -> str:
        """Re-encode the query arguments from their decoded bytes, non-UTF-8 bytes included."""
        pairs = urllib.parse.parse_qsl(self.request.query, keep_blank_values=True, encoding="latin-1")
        return paths.encode_query((name.encode("latin-1"), value.encode("latin-1")) for name, value in pairs)

    def _passed_headers(self) -> dict[str, str]:
        headers = {}
        for name in _PASSED_HEADERS:
            value = self.request.headers.get(name)
            if value is not None:
                headers[name] = value
        return headers


def _is_salesforce_error(response: HTTPResponse) -> bool:
    """Tell Salesforce's own errors from what an Apex method chose to return.

    Salesforce reports its errors as a JSON array of ``errorCode`` objects and
    outages as HTML pages with a 5xx status.  An Apex method's own 4xx or 5xx
    response with any other body passes through unchanged.
    """
    if response.code < 400:
        return False

    content_type = response.headers.get("Content-Type", "").lower()
    try:
        value = decode_json(response.body)
    except ValueError:
        return response.code >= 500 and (content_type.startswith("text/html") or not response.body)

    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) and "errorCode" in item for item in value)


def _is_broken_json(response: HTTPResponse) -> bool:
    """Return True for a JSON-typed body that does not parse, such as one cut off in transit."""
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not response.body or not (media_type == "application/json" or media_type.endswith("+json")):
        return False
    try:
        decode_json(response.body)
    except ValueError:
        return True
    return False


def apex_routes(settings: Any) -> list[tuple]:
    """Return the Apex REST routes, under ``API_PREFIX`` and at the root."""
    prefix = (settings.api_prefix or "").rstrip("/")
    prefixes = [prefix, ""] if prefix else [""]
    return [(p + r"/apex/(.*)", ApexHandler, {"prefix": p}) for p in prefixes]
