"""The base of every proxy handler: session, CSRF, CORS, body limit and errors.

Handlers stream the request body (``stream_request_body``) so that ``prepare``
runs on the headers alone: a body over ``MAX_BODY_BYTES`` is rejected with
413 before it is read, and a rejected origin costs no body read.  Once the
whole body has arrived it is in ``self.request.body`` as usual, with form
fields parsed into ``self.request.arguments``.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from typing import Any, Optional

import tornado.web
from tornado import httputil

from dialects.base import Dialect, DialectError, Problem, Reply, RequestContext, dump_json
from tornsf.config import Settings
from tornsf.errors import ProxyError, UpstreamError
from tornsf.log import redact_uri
from tornsf.security import host_header_allowed, normalize_origin, origin_allowed, url_origin
from tornsf.session import COOKIE_NAME, SalesforceSession, SessionError, SessionSealer

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# Request headers a cross-origin client may send, listed in preflight responses.
CORS_ALLOW_HEADERS = (
    "Content-Type",
    "Authorization",
    "X-Model-Dialect",
    "X-Requested-With",
    "X-HTTP-Method-Override",
    "Sforce-Query-Options",
    "Sforce-Auto-Assign",
    "Sforce-Call-Options",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
)
CORS_ALLOW_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
# Response headers a cross-origin client may read.
CORS_EXPOSE_HEADERS = "Sforce-Limit-Info, X-Tornsf-Session, X-Total-Count, Link, Location, ETag, X-Request-Id"
# Chromium caps preflight caching at two hours.
CORS_MAX_AGE = "7200"

# The proxy's JSON responses need no scripts, styles or frames: a body that a
# browser ends up rendering anyway can load nothing and cannot be framed.
DATA_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"

SESSION_HEADER = "X-Tornsf-Session"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

_HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "login_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


class RequestTracker:
    """Count the requests a worker is serving, so shutdown can wait for them."""

    def __init__(self) -> None:
        self.active = 0


@tornado.web.stream_request_body
class BaseHandler(tornado.web.RequestHandler):
    """Common behaviour of the proxy's handlers; see the module docstring."""

    # True on handlers guarded by other means (the OAuth callback checks the
    # signed state against its nonce cookie).
    csrf_exempt = False

    # Sent on every response of the handler; None on pages that run scripts.
    content_security_policy: Optional[str] = DATA_CONTENT_SECURITY_POLICY

    def __init__(self, application: tornado.web.Application, request: httputil.HTTPServerRequest, **kwargs: Any):
        self.upstream_calls = 0
        self.auth_method: Optional[str] = None
        self._sf_session: Optional[SalesforceSession] = None
        self._sf_session_loaded = False
        self._dialect: Optional[Dialect] = None
        self._body_parts: list[bytes] = []
        self._body_size = 0
        # Why a form body could not be parsed, reported when a handler reads it.
        self._form_error: Optional[str] = None
        self._tracked = False
        self.request_id = self._make_request_id(request)
        super().__init__(application, request, **kwargs)

        tracker = application.settings.get("tornsf_tracker")
        if tracker is not None:
            tracker.active += 1
            self._tracked = True

    # -- collaborators ---------------------------------------------------

    @property
    def tornsf(self) -> Settings:
        return self.application.settings["tornsf"]

    @property
    def salesforce(self) -> Any:
        """The worker's ``SalesforceClient``, created on first use after the fork."""
        client = self.application.settings.get("salesforce")
        if client is None:
            from tornsf.salesforce.client import SalesforceClient

            client = SalesforceClient(self.tornsf, self.application.settings.get("tornsf_refresh_dir"))
            self.application.settings["salesforce"] = client
        return client

    @property
    def sealer(self) -> SessionSealer:
        return self.application.settings["tornsf_sealer"]

    @staticmethod
    def _make_request_id(request: httputil.HTTPServerRequest) -> str:
        # Heroku's router and many load balancers send one; keep it if it is sane.
        incoming = request.headers.get("X-Request-Id", "")
        return incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex[:16]

    # -- request life cycle ------------------------------------------------

    def set_default_headers(self) -> None:
        # Responses differ by dialect, which the X-Model-Dialect header selects.
        self.set_header("Vary", "Origin, X-Model-Dialect")
        self.set_header("X-Request-Id", self.request_id)
        # Browsers must render a body only as its declared type, never guess HTML in it.
        self.set_header("X-Content-Type-Options", "nosniff")
        if self.content_security_policy:
            self.set_header("Content-Security-Policy", self.content_security_policy)

        origin = self.request.headers.get("Origin")
        if origin and origin_allowed(origin, self.tornsf.origins):
            self.set_header("Access-Control-Allow-Origin", origin)
            self.set_header("Access-Control-Allow-Credentials", "true")
            self.set_header("Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS)

    def options(self, *args: Any, **kwargs: Any) -> None:
        """Respond to a CORS preflight. Origins outside ``ORIGINS`` get no CORS headers."""
        origin = self.request.headers.get("Origin")
        if origin and origin_allowed(origin, self.tornsf.origins):
            self.set_header("Access-Control-Allow-Methods", CORS_ALLOW_METHODS)
            self.set_header("Access-Control-Allow-Headers", ", ".join(CORS_ALLOW_HEADERS))
            self.set_header("Access-Control-Max-Age", CORS_MAX_AGE)
        self.set_status(204)

    def prepare(self) -> None:
        """Check origin and body size from the headers, before any body is read."""
        self.check_host()
        self.auth_method = self._detect_auth_method()
        if self.request.method == "OPTIONS":
            return

        self.check_csrf()
        self._check_body_size()

        # The body is complete when this future resolves; its callbacks run in
        # the order they were added, so this one runs before the HTTP method.
        body_future = getattr(self.request, "_body_future", None)
        if body_future is not None:
            body_future.add_done_callback(self._finish_body)

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return

        self._body_size += len(chunk)
        if self._body_size > self.tornsf.max_body_bytes:
            # A chunked body has no Content-Length, so the limit is checked here.
            error = self._body_too_large_error()
            self.send_error(error.status, exc_info=(type(error), error, None))
            return
        self._body_parts.append(chunk)

    def _finish_body(self, future: Any) -> None:
        if future.cancelled() or future.exception() is not None:
            return

        body = b"".join(self._body_parts)
        self._body_parts = []
        self.request.body = body
        content_type = self.request.headers.get("Content-Type", "")
        if body and (
            content_type.startswith("application/x-www-form-urlencoded") or content_type.startswith("multipart/form-data")
        ):
            try:
                httputil.parse_body_arguments(
                    content_type, body, self.request.body_arguments, self.request.files, self.request.headers
                )
            except httputil.HTTPInputError as exc:
                # This runs as a future callback, where an exception would only
                # be logged: the handler reports it when it reads the form.
                logger.debug("Malformed form body (%s), request id %s", exc, self.request_id)
                self._form_error = str(exc)
                return
            for name, values in self.request.body_arguments.items():
                self.request.arguments.setdefault(name, []).extend(values)

    def decode_argument(self, value: bytes, name: Optional[str] = None) -> str:
        """Decode a query argument or path segment as UTF-8; other bytes get a 400 naming the argument."""
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            if name is None:
                what = "The request path"
            else:
                what = "The query argument %s" % name[:50].encode("unicode_escape").decode("ascii")
            raise ProxyError(
                400,
                "invalid_argument",
                "%s is not UTF-8 text once percent-decoded: percent-encode arguments and paths as UTF-8." % what,
            ) from None

    def get_argument(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._check_form_body()
        return super().get_argument(name, *args, **kwargs)

    def get_body_argument(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._check_form_body()
        return super().get_body_argument(name, *args, **kwargs)

    def _check_form_body(self) -> None:
        if self._form_error is not None:
            raise ProxyError(
                400,
                "invalid_body",
                "The form body is malformed (%s): send application/x-www-form-urlencoded or JSON." % self._form_error,
            )

    def finish(self, chunk: Any = None) -> Any:
        self._untrack()
        return super().finish(chunk)

    def on_connection_close(self) -> None:
        self._untrack()
        super().on_connection_close()

    def _untrack(self) -> None:
        if self._tracked:
            self._tracked = False
            self.application.settings["tornsf_tracker"].active -= 1

    # -- origin checks -----------------------------------------------------

    def check_host(self) -> None:
        """Reject a request whose ``Host`` header does not name this proxy.

        The proxy's own origin comes from ``Host``, so a foreign host name
        that resolves here (DNS rebinding) would otherwise count as this
        server for the CSRF check.  Dev accepts loopback names and
        ``PROXY_HOSTS``; prod checks only when ``PROXY_HOSTS`` or
        ``SALESFORCE_REDIRECT_URL`` names the proxy.
        """
        settings = self.tornsf
        host = self.request.headers.get("Host", "")
        any_host = settings.is_prod and not settings.proxy_hosts
        if host_header_allowed(host, settings.proxy_hosts, any_host=any_host):
            return

        if not host.strip():
            raise ProxyError(400, "invalid_host", "The request has no Host header: send the proxy's host name.")
        raise ProxyError(
            400,
            "invalid_host",
            "The Host header %r does not name this proxy: reach it by 127.0.0.1 or localhost, or add the "
            "host name to PROXY_HOSTS." % host[:100],
        )

    @property
    def own_origin(self) -> Optional[str]:
        """The origin of this server as the client reached it."""
        return normalize_origin("%s://%s" % (self.request.protocol, self.request.host))

    def origin_trusted(self, origin: Optional[str]) -> bool:
        """Return True for this server's own origin and for origins in ``ORIGINS``."""
        if not origin:
            return False
        normalized = normalize_origin(origin)
        if normalized is not None and normalized == self.own_origin:
            return True
        return origin_allowed(origin, self.tornsf.origins)

    def request_origin(self) -> Optional[str]:
        """Return the ``Origin`` header, else the origin of ``Referer``, else None."""
        origin = self.request.headers.get("Origin")
        if origin:
            return origin
        referer = self.request.headers.get("Referer")
        if referer:
            return url_origin(referer) or "invalid"
        return None

    def check_csrf(self) -> None:
        """Reject a state-changing request that a browser may have sent for another site.

        Tornado's ``cross_origin_protection`` setting is not used: it runs before
        authentication, so it cannot exempt bearer clients, and it lets a request
        without ``Origin`` through even when a session cookie authenticates it.
        """
        if self.request.method in SAFE_METHODS or self.csrf_exempt or self.auth_method == "bearer":
            return

        origin = self.request_origin()
        if origin is not None:
            if not self.origin_trusted(origin):
                raise ProxyError(
                    403,
                    "csrf_rejected",
                    "Requests from origin %s are not allowed: add it to ORIGINS, or call from this server's pages."
                    % origin[:100],
                )
            return

        if self.auth_method == "cookie":
            raise ProxyError(
                403,
                "csrf_rejected",
                "A request authenticated by the session cookie must carry an Origin or Referer header of "
                "this server or of an origin in ORIGINS; clients without cookies can use Authorization: Bearer.",
            )

    def _check_body_size(self) -> None:
        length = self.request.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > self.tornsf.max_body_bytes:
            raise self._body_too_large_error()

    def _body_too_large_error(self) -> ProxyError:
        return ProxyError(
            413,
            "body_too_large",
            "The request body is larger than %d bytes (MAX_BODY_BYTES): send less data per request."
            % self.tornsf.max_body_bytes,
        )

    # -- session -----------------------------------------------------------

    def _detect_auth_method(self) -> Optional[str]:
        authorization = self.request.headers.get("Authorization", "")
        if authorization[:7].lower() == "bearer ":
            return "bearer"
        if self.get_cookie(COOKIE_NAME) is not None:
            return "cookie"
        return None

    def get_sf_session(self) -> Optional[SalesforceSession]:
        """Return the session from the bearer value or the cookie, or None.

        An invalid, tampered or expired value raises a 401 ``session_invalid``
        (and a bad cookie is cleared).  A value sealed under the previous
        secret is re-issued under the current one.
        """
        if self._sf_session_loaded:
            return self._sf_session
        self._sf_session_loaded = True

        if self.auth_method == "bearer":
            value = self.request.headers.get("Authorization", "")[7:].strip()
        elif self.auth_method == "cookie":
            value = self.get_cookie(COOKIE_NAME) or ""
        else:
            return None

        try:
            session, stale = self.sealer.open(value)
        except SessionError as exc:
            logger.info("Rejected %s session (%s), request id %s", self.auth_method, exc, self.request_id)
            if self.auth_method == "cookie":
                self.clear_session_cookie()
            raise ProxyError(
                401, "session_invalid", "The session is invalid or has expired: log in again at /login."
            ) from None

        self._sf_session = session
        if stale:
            self.store_sf_session(session)
        return session

    def require_sf_session(self) -> SalesforceSession:
        """Return the session, or raise a 401 ``login_required`` pointing to /login."""
        session = self.get_sf_session()
        if session is None:
            raise ProxyError(
                401,
                "login_required",
                "Log in first: open /login in a browser, or POST username and password to /login/password "
                "and send the returned session as Authorization: Bearer.",
            )
        return session

    def store_sf_session(self, session: SalesforceSession) -> str:
        """Seal ``session`` and send it back: a new cookie, or ``X-Tornsf-Session`` for bearer clients."""
        value = self.sealer.seal(session)
        self._sf_session = session
        self._sf_session_loaded = True

        if self.auth_method == "bearer":
            self.set_header(SESSION_HEADER, value)
        else:
            self.set_session_cookie(value)
        return value

    def _cookie_attributes(self) -> dict[str, Any]:
        # Apps on other origins call the proxy with credentials, which needs
        # SameSite=None, and browsers accept that only with Secure.
        secure = self.tornsf.is_prod or self.request.protocol == "https"
        return {"path": "/", "secure": secure, "samesite": "None" if secure else "Lax"}

    def set_session_cookie(self, value: str) -> None:
        self.set_cookie(
            COOKIE_NAME, value, max_age=self.tornsf.session_max_age, httponly=True, **self._cookie_attributes()
        )

    def clear_session_cookie(self) -> None:
        self.clear_cookie(COOKIE_NAME, httponly=True, **self._cookie_attributes())

    # -- dialects and replies ------------------------------------------------

    @property
    def dialect(self) -> Dialect:
        """The response dialect of this request."""
        if self._dialect is None:
            registry = self.application.settings.get("tornsf_dialects")
            if registry is None:
                self._dialect = Dialect()
            else:
                from dialects.registry import select_dialect

                self._dialect = select_dialect(self.request, registry, self.tornsf.default_dialect)
        return self._dialect

    def default_dialect(self) -> Dialect:
        """Return the DEFAULT_DIALECT dialect, which renders errors of the dialect choice itself."""
        registry = self.application.settings.get("tornsf_dialects") or {}
        return registry.get(self.tornsf.default_dialect.lower()) or Dialect()

    @property
    def base_path(self) -> str:
        """The data routes' prefix this request came through ("" or ``API_PREFIX``)."""
        prefix = self.tornsf.api_prefix
        if prefix and (self.request.path == prefix or self.request.path.startswith(prefix + "/")):
            return prefix
        return ""

    def request_context(self, sobject: Optional[str] = None, record_id: Optional[str] = None, path_segment: str = "") -> RequestContext:
        arguments = {
            name: [self.decode_argument(value, name=name) for value in values]
            for name, values in self.request.query_arguments.items()
        }
        return RequestContext(
            method=self.request.method or "GET",
            sobject=sobject,
            path_segment=path_segment,
            record_id=record_id,
            arguments=arguments,
            headers=self.request.headers,
            base_path=self.base_path,
        )

    def send_reply(self, reply: Reply) -> None:
        """Write a dialect's reply: status, headers, then the body (not finished)."""
        self.set_status(reply.status)
        for name, value in reply.headers.items():
            self.set_header(name, value)
        if reply.body and reply.status not in (204, 304):
            self.write(reply.body)

    def write_json(self, value: Any, status: int = 200) -> None:
        """Write the proxy's own JSON response (login, identity, health)."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.write(dump_json(value))

    # -- errors --------------------------------------------------------------

    def _problem_for(self, status_code: int, exc: Optional[BaseException]) -> Problem:
        problem = getattr(exc, "problem", None)
        if isinstance(problem, Problem):
            return problem

        if isinstance(exc, tornado.web.HTTPError) or exc is None:
            code = _HTTP_ERROR_CODES.get(status_code, "http_%d" % status_code)
            message = httputil.responses.get(status_code, "Error")
            if isinstance(exc, tornado.web.HTTPError) and exc.log_message and status_code < 500:
                message = exc.log_message % exc.args if exc.args else exc.log_message
            if status_code >= 500:
                code = "internal_error"
                message = "The proxy failed to handle this request; the request id is %s." % self.request_id
            return Problem(status_code, [{"errorCode": code, "message": message, "fields": []}], source="proxy")

        return Problem(
            500,
            [
                {
                    "errorCode": "internal_error",
                    "message": "The proxy failed to handle this request; the request id is %s." % self.request_id,
                    "fields": [],
                }
            ],
            source="proxy",
        )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Render any error through the dialect; never a stack trace."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        problem = self._problem_for(status_code, exc)

        try:
            dialect = self.dialect
        except Exception:  # the dialect choice itself was the error
            dialect = self.default_dialect()
        try:
            context: Optional[RequestContext] = self.request_context()
        except Exception:
            context = None

        reply = dialect.error(context, problem)
        self.set_status(reply.status)
        for name, value in reply.headers.items():
            self.set_header(name, value)
        self.set_header("Cache-Control", "no-store")
        self.finish(reply.body)

    def _request_summary(self) -> str:
        # Tornado's own warnings quote this; secret query parameters must not reach them.
        return "%s %s (%s)" % (self.request.method, redact_uri(self.request.uri or ""), self.request.remote_ip)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, (ProxyError, UpstreamError, DialectError)):
            problem = value.problem
            level = logging.WARNING if problem.status >= 500 else logging.DEBUG
            logger.log(level, "%d %s: %s (request id %s)", problem.status, problem.code, problem.message, self.request_id)
            return
        if isinstance(value, tornado.web.HTTPError):
            super().log_exception(typ, value, tb)
            return
        logger.error(
            "Unexpected error in %s %s, request id %s",
            self.request.method,
            self.request.path,
            self.request_id,
            exc_info=(typ, value, tb),
        )


class NotFoundHandler(BaseHandler):
    """Return the proxy's JSON 404 for paths that match no route."""

    def prepare(self) -> None:
        super().prepare()
        if self.request.method != "OPTIONS":
            raise ProxyError(404, "not_found", "No route matches %s: see / for the routes." % self.request.path[:200])

