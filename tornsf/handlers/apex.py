"""Apex REST routes: ``/apex/<path>`` to ``/services/apexrest/<path>`` with every method.

The path is checked and re-encoded segment by segment, query arguments are
re-encoded from their decoded bytes, and the body and its Content-Type pass
through unchanged.  Apex responses go to the dialect's ``apex`` as they are,
then ``confine_apex_reply`` keeps a browser from running them as a page of
the proxy's origin.  Errors that Salesforce itself raises (no such mapping,
an unhandled exception, an HTML outage page) go to the dialect's ``error``.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

from tornado.httpclient import HTTPResponse

from dialects.base import Reply

from tornsf.errors import ProxyError, UpstreamError
from tornsf.handlers.base import BaseHandler
from tornsf.handlers.upstream import UpstreamMixin
from tornsf.salesforce import paths
from tornsf.salesforce.client import APEX_PREFIX
from tornsf.salesforce.errors import bad_response_problem, decode_json, response_problem

logger = logging.getLogger(__name__)

# Request headers an Apex method may depend on, passed through as sent.
_PASSED_HEADERS = ("Content-Type", "Accept")

# An Apex response runs in a sandbox without scripts, plugins, forms or
# frames even when a browser opens it as a page.
APEX_CONTENT_SECURITY_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"
# Media types a browser does not run as a document.  XML can carry XHTML
# script, so it is safe only under the policy above and nosniff.
_INERT_MEDIA_TYPES = ("application/json", "text/plain")
_XML_MEDIA_TYPES = ("application/xml", "text/xml")


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
        reply = self.dialect.apex(ctx, response.code, response.headers, response.body or b"")
        self.send_reply(confine_apex_reply(reply))

    def _query(self) -> str:
        """Re-encode the query arguments from their decoded bytes.

        Arguments that are not UTF-8 never get here: ``request_context``
        rejects them with 400, as Apex reads parameters as text.
        """
        pairs = urllib.parse.parse_qsl(self.request.query, keep_blank_values=True, encoding="latin-1")
        return paths.encode_query((name.encode("latin-1"), value.encode("latin-1")) for name, value in pairs)

    def _passed_headers(self) -> dict[str, str]:
        headers = {}
        for name in _PASSED_HEADERS:
            value = self.request.headers.get(name)
            if value is not None:
                headers[name] = value
        return headers


def confine_apex_reply(reply: Reply) -> Reply:
    """Keep an Apex response from running as a page of the proxy's origin; the body is unchanged.

    An Apex method can return any Content-Type, and an HTML or SVG page from
    the proxy's origin would pass its CSRF check and use the session cookie.
    So every Apex reply gets a sandboxing Content-Security-Policy.  A body
    without a type is labelled ``application/octet-stream``, because Tornado
    would send text/html.  A type other than JSON, plain text or XML is sent
    as an attachment, which browsers download instead of rendering.
    """
    headers = {name: value for name, value in reply.headers.items() if name.lower() != "content-type"}
    content_type = next((value for name, value in reply.headers.items() if name.lower() == "content-type"), "")
    media_type = content_type.split(";")[0].strip().lower()

    if not media_type and reply.body:
        content_type = "application/octet-stream"
    if content_type:
        headers["Content-Type"] = content_type
    headers["Content-Security-Policy"] = APEX_CONTENT_SECURITY_POLICY
    if reply.body and not _is_inert(media_type):
        headers["Content-Disposition"] = "attachment"
    return Reply(reply.status, reply.body, headers)


def _is_inert(media_type: str) -> bool:
    """Return True for JSON, plain text and plain XML (not XHTML or SVG, which are documents)."""
    json_type = media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))
    return json_type or media_type in _INERT_MEDIA_TYPES or media_type in _XML_MEDIA_TYPES


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
