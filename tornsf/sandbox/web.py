"""Base request handlers of the sandbox org: call counting, fault knobs, auth and error bodies."""

import asyncio
import json
import logging

import tornado.web

from tornsf.sandbox import errors
from tornsf.sandbox.errors import ApiError, OAuthError
from tornsf.sandbox.org import API_VERSIONS, SandboxOrg

log = logging.getLogger(__name__)

_UNAVAILABLE_PAGE = (
    "<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>"
    "<h1>Service Unavailable</h1><p>The server is temporarily unable to service your request due to "
    "maintenance downtime or capacity problems. Please try again later.</p></body></html>"
)


class Unavailable(Exception):
    """Raised while the ``fail_503`` knob is on."""


def encode_json(document) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class SandboxHandler(tornado.web.RequestHandler):
    """Base of every ``/services`` and ``/id`` handler: counts the call and applies the knobs."""

    # Value of the Allow header when a method is not supported here.
    ALLOWED = "GET"

    def initialize(self, org: SandboxOrg):
        self.org = org

    async def prepare(self):
        self.org.calls.record(self.request)
        knobs = self.org.knobs
        if knobs.latency_ms:
            await asyncio.sleep(knobs.latency_ms / 1000)
        if knobs.fail_503:
            raise Unavailable()

    def send_json(self, document, status: int = 200):
        self.set_status(status)
        self.set_header("Content-Type", "application/json;charset=UTF-8")
        self.finish(encode_json(document))

    def send_no_content(self):
        self.set_status(204)
        self.finish()

    def log_exception(self, typ, value, tb):
        if isinstance(value, (ApiError, OAuthError, Unavailable)):
            return
        super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs):
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, Unavailable):
            self.set_status(503)
            self.set_header("Content-Type", "text/html;charset=UTF-8")
            self.finish(_UNAVAILABLE_PAGE)
            return
        if isinstance(error, OAuthError):
            self.set_status(error.status)
            self.set_header("Content-Type", "application/json;charset=UTF-8")
            self.set_header("Cache-Control", "no-cache,must-revalidate,max-age=0,no-store,private")
            self.finish(encode_json({"error": error.error, "error_description": error.description}))
            return
        self.write_api_error(self.to_api_error(status_code, error))

    def to_api_error(self, status_code: int, error) -> ApiError:
        if isinstance(error, ApiError):
            return error
        if status_code == 405:
            return errors.method_not_allowed(self.request.method, self.ALLOWED)
        if status_code == 404:
            return errors.not_found()
        if isinstance(error, tornado.web.HTTPError) and status_code < 500:
            return ApiError(status_code, "INVALID_REQUEST", error.log_message or self._reason)
        return ApiError(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if "
                        "you contact support: %d (sandbox)" % id(error))

    def write_api_error(self, error: ApiError):
        self.set_status(error.status)
        for name, value in error.headers.items():
            self.set_header(name, value)
        self.set_header("Content-Type", "application/json;charset=UTF-8")
        self.finish(encode_json(error.body()))


class DataHandler(SandboxHandler):
    """Base of ``/services/data/vNN.N/...`` and ``/services/apexrest/...``: token check and usage count."""

    def set_default_headers(self):
        if hasattr(self, "org"):
            self.set_header("Sforce-Limit-Info", self.org.limit_info())

    async def prepare(self):
        await super().prepare()
        self.org.api_usage += 1
        self.set_header("Sforce-Limit-Info", self.org.limit_info())
        self.check_version()
        self.token = self.authenticate()

        knobs = self.org.knobs
        if knobs.always_401:
            raise errors.invalid_session()
        if knobs.request_limit_exceeded:
            raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        self.apply_method_override()

    def apply_method_override(self):
        """Apply Salesforce's method override, ``POST ...?_HttpMethod=PATCH`` (also DELETE, GET, HEAD).

        Clients that can only send GET and POST use it. The parameter name is case-sensitive.
        """
        override = self.get_query_argument("_HttpMethod", None)
        if override is None or self.request.method != "POST":
            return
        if override not in ("PATCH", "DELETE", "GET", "HEAD"):
            raise errors.method_not_allowed(override, self.ALLOWED)
        self.request.method = override

    def head(self, *args, **kwargs):
        # Tornado drops the body of HEAD responses, so GET's work gives HEAD's headers.
        return self.get(*args, **kwargs)

    def check_version(self):
        version = self.path_kwargs.get("version")
        if version is not None and version not in API_VERSIONS:
            raise errors.not_found()

    def authenticate(self):
        """Return the record of the request's access token, or raise 401 INVALID_SESSION_ID."""
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not token.strip():
            raise errors.invalid_session()
        record = self.org.tokens.check_access(token.strip(), self.org.knobs.token_lifetime)
        if record is None:
            raise errors.invalid_session()
        return record

    def send_json(self, document, status: int = 200):
        """Send JSON, cut in the middle while the ``truncate_json`` knob is on."""
        body = encode_json(document)
        if self.org.knobs.truncate_json:
            body = body[:max(1, len(body) // 2)]
        self.set_status(status)
        self.set_header("Content-Type", "application/json;charset=UTF-8")
        self.finish(body)

    def json_body(self):
        """Parse the request body as JSON, raising JSON_PARSER_ERROR the way Salesforce does."""
        content_type = self.request.headers.get("Content-Type", "application/json").split(";")[0].strip().lower()
        if content_type not in ("application/json", "", "text/json"):
            raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE",
                           "MediaType of '%s' is not supported by this resource" % content_type)
        text = self.request.body.decode("utf-8", errors="replace")
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ApiError(400, "JSON_PARSER_ERROR", "%s at [line:%d, column:%d]"
                           % (_describe_json_error(error, text), error.lineno, error.colno)) from None
        except RecursionError:
            raise ApiError(400, "JSON_PARSER_ERROR", "Maximum nesting depth exceeded at [line:1, column:1]") from None
        except ValueError as error:
            # Python's limit on the digits of an integer (4300).
            raise ApiError(400, "JSON_PARSER_ERROR", "Number value too large: %s" % str(error)[:60]) from None


def _describe_json_error(error: json.JSONDecodeError, text: str) -> str:
    if error.pos >= len(text):
        return "Unexpected end-of-input: expected close marker for OBJECT"
    char = text[error.pos]
    return "Unexpected character ('%s' (code %d)): %s" % (char, ord(char), error.msg.lower())


class NotFoundHandler(SandboxHandler):
    """Unmatched paths: Salesforce's NOT_FOUND array under ``/services``, a plain 404 elsewhere."""

    async def prepare(self):
        if self.request.path.startswith("/services/"):
            await super().prepare()
        raise tornado.web.HTTPError(404)

    def write_error(self, status_code: int, **kwargs):
        if self.request.path.startswith("/services/"):
            super().write_error(status_code, **kwargs)
        else:
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            self.finish("Not found\n")
