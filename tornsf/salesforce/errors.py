"""Turn Salesforce responses and transport failures into Problems.

Salesforce errors keep Salesforce's status and error codes.  Failures that
Salesforce did not describe in its own JSON (HTML pages, cut-off bodies,
refused connections, timeouts) become the proxy's own codes, with a message
that states what happened and what to do next.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Optional

import pycurl
from tornado.httpclient import HTTPResponse

from dialects.base import Problem

logger = logging.getLogger(__name__)

# curl error numbers that mean Salesforce could not be reached at all.
_UNREACHABLE_ERRORS = {
    pycurl.E_COULDNT_RESOLVE_PROXY,
    pycurl.E_COULDNT_RESOLVE_HOST,
    pycurl.E_COULDNT_CONNECT,
    pycurl.E_SSL_CONNECT_ERROR,
    pycurl.E_PEER_FAILED_VERIFICATION,
    pycurl.E_GOT_NOTHING,
    pycurl.E_SEND_ERROR,
}

# curl error numbers that mean the response started but arrived broken.
_BROKEN_RESPONSE_ERRORS = {
    pycurl.E_PARTIAL_FILE,
    pycurl.E_RECV_ERROR,
    pycurl.E_BAD_CONTENT_ENCODING,
    # libcurl's CURLE_WEIRD_SERVER_REPLY (8), which pycurl names after its old FTP meaning.
    pycurl.E_FTP_WEIRD_SERVER_REPLY,
}

# Statuses that Salesforce's infrastructure sends with an HTML page when an
# instance is down, in maintenance or unreachable from its edge.
_UNAVAILABLE_STATUSES = {502, 503, 504}

LIMIT_ADVICE = (
    "Salesforce rejects API calls once the org's rolling 24-hour API allocation "
    "or its concurrent long-running request limit is used up: retry later, and "
    "watch the Sforce-Limit-Info response header."
)


def proxy_problem(status: int, code: str, message: str) -> Problem:
    """Build a Problem raised by the proxy itself (not by Salesforce)."""
    return Problem(status=status, errors=[{"errorCode": code, "message": message, "fields": []}], source="proxy")


def transport_problem(error: BaseException) -> Problem:
    """Map a failure to get any HTTP response from Salesforce (curl error, queue timeout)."""
    errno = getattr(error, "errno", None)

    if errno == pycurl.E_OPERATION_TIMEDOUT or (errno is None and "timeout" in str(error).lower()):
        return proxy_problem(
            504,
            "salesforce_timeout",
            "Salesforce did not answer within the proxy's upstream timeout (UPSTREAM_TIMEOUT). "
            "Retry the request; if it keeps timing out, narrow the query or raise UPSTREAM_TIMEOUT.",
        )

    if "max_body_size" in str(error):
        return proxy_problem(
            502,
            "upstream_response_too_large",
            "The response from Salesforce was larger than the proxy accepts (%s), so it was dropped. "
            "Ask for less data per call, such as fewer records or fields." % error,
        )

    if errno in _BROKEN_RESPONSE_ERRORS:
        return proxy_problem(
            502,
            "bad_upstream_response",
            "The response from Salesforce was cut off or malformed (%s). Retry the request." % error,
        )

    if errno not in _UNREACHABLE_ERRORS:
        logger.warning("Unexpected transport error from Salesforce: %s", error)
    return proxy_problem(
        502,
        "salesforce_unreachable",
        "The proxy could not connect to Salesforce (%s). Check that the instance is up and "
        "reachable from the proxy, then retry." % error,
    )


def is_transport_failure(response: HTTPResponse) -> bool:
    """Return True when ``response`` carries no HTTP response from Salesforce (code 599)."""
    return response.code == 599


def decode_json(body: Optional[bytes]) -> Any:
    """Decode a Salesforce JSON body; raise ValueError when it is not JSON."""
    if not body:
        raise ValueError("empty body")
    return json.loads(body)


def bad_response_problem(detail: str) -> Problem:
    """Build the 502 for a Salesforce response the proxy cannot use."""
    return proxy_problem(
        502,
        "bad_upstream_response",
        "Salesforce sent a response the proxy cannot use (%s). Retry the request; if it persists, "
        "check the instance's status." % detail,
    )


def _normalize_error(item: Any) -> dict[str, Any]:
    """Give one Salesforce error item the ``{message, errorCode, fields}`` shape."""
    if not isinstance(item, dict):
        return {"message": str(item), "errorCode": "UNKNOWN_ERROR", "fields": []}

    normalized = dict(item)
    code = item.get("errorCode") or item.get("statusCode") or item.get("error") or "UNKNOWN_ERROR"
    message = item.get("message") or item.get("error_description") or ""
    normalized["errorCode"] = str(code)
    normalized["message"] = str(message)
    normalized.setdefault("fields", [])
    return normalized


def _with_advice(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Append what to do to error codes whose Salesforce message does not say it."""
    for error in errors:
        if error["errorCode"] == "REQUEST_LIMIT_EXCEEDED" and LIMIT_ADVICE not in error["message"]:
            error["message"] = (error["message"].rstrip() + " " + LIMIT_ADVICE).strip()
    return errors


def _describe_multiple_choices(value: Any) -> Problem:
    """Turn Salesforce's 300 list of matching records into an error the client can act on."""
    matches = value if isinstance(value, list) else []
    message = (
        "The external id value matches %d records, so Salesforce cannot pick one. Use a record id "
        "or a unique external id value. Matches: %s" % (len(matches), ", ".join(map(str, matches)))
    )
    return Problem(status=300, errors=[{"errorCode": "MULTIPLE_CHOICES", "message": message, "fields": []}])


def response_problem(response: HTTPResponse) -> Problem:
    """Map a Salesforce HTTP error response (status 300 or more) to a Problem."""
    status = response.code
    content_type = response.headers.get("Content-Type", "")

    try:
        value = decode_json(response.body)
    except ValueError:
        value = None

    if value is None:
        return _non_json_problem(status, content_type)

    if status == 300:
        return _describe_multiple_choices(value)

    if isinstance(value, list) and value:
        errors = [_normalize_error(item) for item in value]
    elif isinstance(value, dict):
        errors = [_normalize_error(value)]
    else:
        return _non_json_problem(status, content_type)

    return Problem(status=status, errors=_with_advice(errors))


def _non_json_problem(status: int, content_type: str) -> Problem:
    """Map an error response whose body is not Salesforce's JSON (HTML pages, empty bodies)."""
    if status in _UNAVAILABLE_STATUSES:
        return proxy_problem(
            status,
            "salesforce_unavailable",
            "Salesforce is unavailable (HTTP %d with a %s body, typically maintenance or an outage). "
            "Retry later." % (status, content_type or "non-JSON"),
        )

    return bad_response_problem("HTTP %d with a %s body instead of JSON" % (status, content_type or "non-JSON"))


class OAuthError(Exception):
    """An OAuth error object from a Salesforce token, revoke or identity endpoint.

    ``error`` is Salesforce's code (``invalid_grant``, ``invalid_client``, ...),
    ``description`` its ``error_description`` and ``status`` the HTTP status.
    """

    def __init__(self, error: str, description: str, status: int):
        super().__init__("%s: %s" % (error, description))
        self.error = error
        self.description = description
        self.status = status
