"""The per-worker HTTP client that makes every call to Salesforce.

One ``SalesforceClient`` exists per worker process, created after the fork: it
owns a ``CurlAsyncHTTPClient`` with ``MAX_CLIENTS`` handles (connections are
kept alive and reused by libcurl) and the single-flight refresh registry.
Every data call goes to the session's own ``instance_url`` under
``/services/data/`` or ``/services/apexrest/``; nothing else can be reached
through ``fetch``.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any, Mapping, Optional

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest, HTTPResponse

from tornsf.errors import UpstreamError
from tornsf.salesforce.errors import is_transport_failure, proxy_problem, transport_problem
from tornsf.salesforce.refresh import RefreshRegistry

logger = logging.getLogger(__name__)

USER_AGENT = "tornsf"

# Path prefixes of the only Salesforce resources a session may call.
DATA_PREFIX = "/services/data/"
APEX_PREFIX = "/services/apexrest/"
_ALLOWED_PREFIXES = (DATA_PREFIX, APEX_PREFIX)


def quiet_curl_logger() -> None:
    """Keep ``tornado.curl_httpclient`` at INFO or above.

    At DEBUG it turns on libcurl's verbose mode and logs every request line and
    header, ``Authorization: Bearer`` included.
    """
    curl_logger = logging.getLogger("tornado.curl_httpclient")
    if curl_logger.level < logging.INFO:
        curl_logger.setLevel(logging.INFO)


class SalesforceClient:
    """HTTP access to Salesforce for one worker: data calls, token calls and refreshes."""

    def __init__(self, settings: Any, refresh_dir: Optional[str] = None):
        """``refresh_dir`` is the private directory the workers share refresh results in, or None."""
        self.settings = settings
        quiet_curl_logger()

        # configure() only affects instances created afterwards, and
        # AsyncHTTPClient() returns a cached per-loop instance that may predate
        # it, so this client asks for its own instance with force_instance.
        AsyncHTTPClient.configure("tornado.curl_httpclient.CurlAsyncHTTPClient", max_clients=settings.max_clients)
        self.http = AsyncHTTPClient(
            force_instance=True,
            defaults={
                "connect_timeout": float(settings.upstream_timeout),
                "request_timeout": float(settings.upstream_timeout),
                "decompress_response": True,
                "follow_redirects": False,
                "user_agent": USER_AGENT,
                "allow_nonstandard_methods": True,
            },
        )
        shared = None
        if refresh_dir:
            from tornsf.salesforce.shared_refresh import SharedRefreshes
            from tornsf.session import SessionSealer

            shared = SharedRefreshes(refresh_dir, SessionSealer(settings), float(settings.upstream_timeout) + 5.0)
        self.refreshes = RefreshRegistry(self, shared)

    def close(self) -> None:
        self.http.close()

    # -- URLs ---------------------------------------------------------------

    def data_path(self, *segments: str) -> str:
        """Return ``/services/data/vXX.X/<segments>``; segments must already be encoded."""
        return "%sv%s/%s" % (DATA_PREFIX, self.settings.api_version, "/".join(segments))

    def host_allowed(self, url: str) -> bool:
        from tornsf.security import salesforce_host_allowed

        return salesforce_host_allowed(url, self.settings.allowed_hosts)

    def origin_of(self, url: str, what: str) -> str:
        """Return ``scheme://host[:port]`` of an allowed Salesforce URL, else raise UpstreamError."""
        parts = urllib.parse.urlsplit(url or "")
        if not parts.scheme or not parts.netloc or not self.host_allowed(url):
            raise UpstreamError(
                proxy_problem(
                    403,
                    "host_not_allowed",
                    "The %s %r is not an allowed Salesforce host. Log in again at /login, or add the "
                    "host to SALESFORCE_ALLOWED_HOSTS if it really is a Salesforce server." % (what, url),
                )
            )
        return "%s://%s" % (parts.scheme, parts.netloc)

    def instance_url_for(self, session: Any, path: str, query: str = "") -> str:
        """Build the absolute URL of ``path`` on the session's own instance."""
        if not path.startswith(_ALLOWED_PREFIXES):
            raise ValueError("path outside the Salesforce data and Apex REST resources: %r" % path)

        url = self.origin_of(session.instance_url, "Salesforce instance") + path
        return url + "?" + query if query else url

    # -- calls --------------------------------------------------------------

    async def fetch(
        self,
        session: Any,
        method: str,
        path: str,
        query: str = "",
        body: Optional[bytes] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> HTTPResponse:
        """Call ``path`` on the session's instance with its access token.

        Returns every HTTP response, errors included; raises UpstreamError when
        no response arrived (refused connection, timeout, broken transfer).
        """
        request_headers = {"Accept": "application/json"}
        request_headers.update(headers or {})
        request_headers["Authorization"] = "Bearer " + session.access_token

        if method in ("POST", "PUT", "PATCH") and body is None:
            body = b""
        if method in ("GET", "HEAD"):
            body = None

        request = HTTPRequest(
            self.instance_url_for(session, path, query),
            method=method,
            headers=request_headers,
            body=body,
        )
        return await self.send(request)

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request`` and return its response, raising UpstreamError on transport failures."""
        try:
            response = await self.http.fetch(request, raise_error=False)
        except HTTPClientError as exc:
            # raise_error=False still raises when no response arrived (curl
            # errors and queue timeouts, all with code 599).
            logger.warning("%s %s failed: %s", request.method, _loggable_url(request.url), exc)
            raise UpstreamError(transport_problem(exc)) from None

        if is_transport_failure(response):
            logger.warning("%s %s failed: %s", request.method, _loggable_url(request.url), response.error)
            raise UpstreamError(transport_problem(response.error))
        return response


def _loggable_url(url: str) -> str:
    """Return ``url`` without its query string, which may carry SOQL with personal data."""
    return url.split("?", 1)[0]
