"""A second, independent Salesforce stand-in, written from Salesforce's REST and OAuth documentation.

It differs from the sandbox org wherever Salesforce allows variation, so that
tests run against it catch a proxy that depends on the sandbox's choices:

- the login server (127.0.0.1 by default) and the instance (127.0.0.2) are
  different hosts.  OAuth endpoints and the identity URL exist only on the
  login host, the data and Apex REST APIs only on the instance;
- only the web-server flow gets a refresh token, and refresh responses never
  carry one.  ``issued_at`` is a string of milliseconds, and every token
  response has a ``signature``;
- every JSON response is ``application/json;charset=UTF-8`` and sets a
  ``BrowserId`` cookie, responses are gzipped only when the request asks,
  data responses carry ``Sforce-Limit-Info``, and 204 responses have no
  ``Content-Type``;
- query locators look like ``01gXXXXXXXXXXXXXXX-2000``, every page repeats
  ``totalSize``, and ``PUT`` on a record is 405;
- errors about sessions, queries and missing records have no ``fields``
  key; an expired token gets 401 on data calls and 403 on the identity URL.

Every request is recorded with the host it reached (``login`` or
``instance``) in ``UpstreamServer.calls()``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import logging
import threading
import time
import urllib.parse
from typing import Any, Optional

import tornado.httpserver
import tornado.netutil
import tornado.web

from tests.conformance import apex, records, schema, soql
from tests.conformance.org import CLIENT_ID, ORG_ID, USER_ID, USERNAME, ApiError, Cursor, OAuthFailure, Org

logger = logging.getLogger("tornsf.tests.conformance")

JSON_TYPE = "application/json;charset=UTF-8"
API_LIMIT = 15000
APP_LIMIT = 5000
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
_VERSION = r"v(\d{2,3}\.\d)"


class StandInHandler(tornado.web.RequestHandler):
    """Common steps: call log, JSON bodies, cookies and Salesforce's error arrays."""

    def initialize(self, server: "UpstreamServer", host_role: str) -> None:
        self.server = server
        self.org = server.org
        self.host_role = host_role

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", JSON_TYPE)
        # Salesforce sets this cookie on its own domain; a proxy must never pass it on.
        self.set_header("Set-Cookie", "BrowserId=Bw%s; Path=/; Max-Age=31536000" % int(time.time()))

    def prepare(self) -> None:
        self.server.record_call(self.host_role, self.request)

    def compute_etag(self) -> None:
        # Salesforce sends ETag only on Account rows; nothing here promises one.
        return None

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, (ApiError, OAuthFailure)):
            return
        super().log_exception(typ, value, tb)

    def send_json(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(value, separators=(",", ":")).encode("utf-8"))

    async def send_json_chunked(self, value: Any) -> None:
        """Send ``value`` in two flushed parts, so the response uses chunked transfer encoding as Salesforce's do."""
        body = json.dumps(value, separators=(",", ":")).encode("utf-8")
        middle = len(body) // 2
        self.write(body[:middle])
        await self.flush()
        self.finish(body[middle:])

    def send_empty(self, status: int = 204) -> None:
        self.set_status(status)
        self.clear_header("Content-Type")
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        self.set_header("Content-Type", JSON_TYPE)
        if isinstance(exc, ApiError):
            for name, value in exc.headers.items():
                self.set_header(name, value)
            self.finish(json.dumps(exc.errors, separators=(",", ":")).encode("utf-8"))
        elif isinstance(exc, OAuthFailure):
            self.finish(json.dumps(exc.body, separators=(",", ":")).encode("utf-8"))
        else:
            self.finish(json.dumps([{"message": "An unexpected error occurred. Please include this ErrorId if "
                                                "you contact support: 1843-0", "errorCode": "UNKNOWN_EXCEPTION"}]))

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, (ApiError, OAuthFailure)):
            status_code = exc.status
        elif isinstance(exc, tornado.web.HTTPError) and exc.status_code == 404:
            exc = ApiError(404, "NOT_FOUND", "The requested resource does not exist")
            kwargs["exc_info"] = (ApiError, exc, None)
        super().send_error(status_code, **kwargs)

    def json_body(self) -> Any:
        content_type = self.request.headers.get("Content-Type", "")
        if self.request.body and not content_type.startswith("application/json"):
            raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE",
                           "MediaType of '%s' is not supported by this resource" % content_type)
        try:
            return json.loads(self.request.body or b"null")
        except ValueError:
            raise ApiError(400, "JSON_PARSER_ERROR", "Unexpected character ('%s' (code %d)): expected a valid value "
                           "at [line:1, column:1]" % (self.request.body[:1].decode("latin-1"),
                                                      self.request.body[0])) from None


# -- login host ------------------------------------------------------------------


class AuthorizeHandler(StandInHandler):
    """``GET /services/oauth2/authorize``: the user is already logged in and has approved the app."""

    def get(self) -> None:
        redirect_uri = self.get_query_argument("redirect_uri", "")
        host = urllib.parse.urlsplit(redirect_uri).hostname or ""
        if self.get_query_argument("client_id", "") != CLIENT_ID or host not in ("127.0.0.1", "localhost"):
            self.set_header("Content-Type", "text/html;charset=UTF-8")
            self.set_status(400)
            self.finish("<html><body>error=invalid_client_id or redirect_uri_mismatch</body></html>")
            return

        query = {"state": self.get_query_argument("state", "")}
        if self.server.deny_authorization:
            query.update(error="access_denied", error_description="end-user denied authorization")
        elif self.get_query_argument("response_type", "") != "code":
            query.update(error="unsupported_response_type", error_description="response type not supported")
        else:
            query["code"] = self.org.issue_code(redirect_uri, self.get_query_argument("code_challenge", None))
        separator = "&" if "?" in redirect_uri else "?"
        self.clear_header("Content-Type")
        self.redirect(redirect_uri + separator + urllib.parse.urlencode(query))


class TokenHandler(StandInHandler):
    """``POST /services/oauth2/token``: form-encoded grants, JSON responses."""

    def post(self) -> None:
        if not self.request.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            raise OAuthFailure("unsupported_grant_type", "grant type not supported")
        field = lambda name: self.get_body_argument(name, None)  # noqa: E731

        with self.org.lock:
            self.org.check_client(field("client_id"), field("client_secret"))
            grant = field("grant_type")
            refresh_token = None
            if grant == "authorization_code":
                self.org.redeem_code(field("code") or "", field("redirect_uri"), field("code_verifier"))
                refresh_token = self.org.issue_refresh_token()
                access_token = self.org.issue_access_token(refresh_token)
            elif grant == "password":
                self.org.check_password(field("username"), field("password"))
                access_token = self.org.issue_access_token(None)
            elif grant == "refresh_token":
                access_token = self.org.refresh(field("refresh_token"))
            else:
                raise OAuthFailure("unsupported_grant_type", "grant type not supported")

        id_url = "%s/id/%s/%s" % (self.server.login_url, ORG_ID, USER_ID)
        issued_at = str(int(time.time() * 1000))
        token = {
            "access_token": access_token,
            "signature": self.org.signature(id_url, issued_at),
            "scope": "refresh_token api id" if refresh_token else "api id",
            "instance_url": self.server.instance_url,
            "id": id_url,
            "token_type": "Bearer",
            "issued_at": issued_at,
        }
        if grant != "password":
            # The app's scopes include openid, so web-server and refresh responses carry a
            # signed ID token of one to two kilobytes, which must not end up in the session cookie.
            token["scope"] += " openid"
            token["id_token"] = id_token(id_url, issued_at)
        if refresh_token:
            token["refresh_token"] = refresh_token
        self.set_header("Cache-Control", "no-cache,must-revalidate,max-age=0,no-store,private")
        self.send_json(token)


def id_token(id_url: str, issued_at: str) -> str:
    """Return a JWT-shaped ID token (header, claims, signature) of realistic size; nothing verifies it."""
    header = {"kid": "240", "typ": "JWT", "alg": "RS256"}
    claims = {"at_hash": secrets.token_urlsafe(16), "sub": id_url, "aud": CLIENT_ID, "iss": id_url.split("/id/")[0],
              "exp": int(issued_at) // 1000 + 300, "iat": int(issued_at) // 1000,
              "custom_attributes": {"region": "EMEA"}, "email": "ada@conformance.example.org",
              "name": "Ada Lovelace", "preferred_username": USERNAME, "zoneinfo": "Europe/London"}
    parts = [json.dumps(header).encode(), json.dumps(claims).encode(), secrets.token_bytes(256)]
    return ".".join(base64.urlsafe_b64encode(part).rstrip(b"=").decode("ascii") for part in parts)


class RevokeHandler(StandInHandler):
    """``POST /services/oauth2/revoke`` (and the ``GET ?token=`` form): 200 with an empty body."""

    def post(self) -> None:
        with self.org.lock:
            self.org.revoke(self.get_argument("token", None))
        self.set_status(200)
        self.clear_header("Content-Type")
        self.finish()

    get = post


class IdentityHandler(StandInHandler):
    """``GET /id/<org id>/<user id>``: 403 ``Bad_OAuth_Token`` for an expired or unknown token."""

    def get(self, org_id: str, user_id: str) -> None:
        authorization = self.request.headers.get("Authorization", "")
        token = authorization[7:] if authorization.startswith("Bearer ") else self.get_query_argument("oauth_token", "")
        if not self.org.token_valid(token):
            self.set_status(403)
            self.set_header("Content-Type", "text/plain;charset=UTF-8")
            self.finish("Bad_OAuth_Token")
            return
        if (org_id, user_id) != (ORG_ID, USER_ID):
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")

        rest = self.server.instance_url + "/services/data/v{version}/"
        self.send_json({
            "id": "%s/id/%s/%s" % (self.server.login_url, ORG_ID, USER_ID), "asserted_user": True,
            "user_id": USER_ID, "organization_id": ORG_ID, "username": USERNAME, "nick_name": "ada1843",
            "display_name": "Ada Lovelace", "email": "ada@conformance.example.org", "email_verified": True,
            "first_name": "Ada", "last_name": "Lovelace", "timezone": "Europe/London",
            "photos": {"picture": self.server.instance_url + "/profilephoto/005/F",
                       "thumbnail": self.server.instance_url + "/profilephoto/005/T"},
            "addr_street": None, "addr_city": None, "addr_state": None, "addr_country": "GB", "addr_zip": None,
            "mobile_phone": None, "mobile_phone_verified": False, "is_lightning_login_user": False,
            "status": {"created_date": None, "body": None},
            "urls": {"rest": rest, "sobjects": rest + "sobjects/", "query": rest + "query/",
                     "profile": self.server.instance_url + "/" + USER_ID},
            "active": True, "user_type": "STANDARD", "language": "en_US", "locale": "en_GB", "utcOffset": 0,
            "last_modified_date": "2024-01-31T12:00:00Z", "is_app_installed": True,
        })


class WrongHostHandler(StandInHandler):
    """Anything else: Salesforce's 404 array."""

    def prepare(self) -> None:
        super().prepare()
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")


# -- instance host ---------------------------------------------------------------


class DataHandler(StandInHandler):
    """Base of the REST data API resources: bearer check and ``Sforce-Limit-Info``."""

    version = ""

    def prepare(self) -> None:
        super().prepare()
        authorization = self.request.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not self.org.token_valid(token.strip()):
            raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")

        with self.org.lock:
            self.org.api_usage += 1
            self.set_header("Sforce-Limit-Info", "api-usage=%d/%d; per-app-api-usage=%d/%d(appName=tornsf-conformance)"
                            % (self.org.api_usage, API_LIMIT, self.org.api_usage, APP_LIMIT))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ApiError) and exc.errors == INVALID_SESSION:
            # Exactly the body Salesforce sends for an expired session.
            self.set_header("Content-Type", JSON_TYPE)
            self.finish(json.dumps(INVALID_SESSION, separators=(",", ":")).encode("utf-8"))
            return
        super().write_error(status_code, **kwargs)

    def sobject(self, name: str) -> str:
        canonical = schema.canonical_object(name)
        if canonical is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return canonical


class VersionsHandler(StandInHandler):
    """``GET /services/data/``: no authentication, no limit header."""

    def get(self) -> None:
        self.send_json([{"label": "Spring '24", "url": "/services/data/v60.0", "version": "60.0"},
                        {"label": "Summer '24", "url": "/services/data/v61.0", "version": "61.0"},
                        {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}])


class ResourcesHandler(DataHandler):
    def get(self, version: str) -> None:
        base = "/services/data/v%s/" % version
        self.send_json({name: base + name for name in ("sobjects", "query", "queryAll", "search", "limits",
                                                         "recent", "composite")}
                       | {"identity": "%s/id/%s/%s" % (self.server.login_url, ORG_ID, USER_ID)})


class DescribeGlobalHandler(DataHandler):
    def get(self, version: str) -> None:
        self.send_json(schema.describe_global(version))


class DescribeHandler(DataHandler):
    def get(self, version: str, name: str) -> None:
        self.send_json(schema.describe_sobject(self.sobject(name), version))


class SObjectHandler(DataHandler):
    """``/sobjects/<Type>/``: POST creates; GET returns basic information."""

    def post(self, version: str, name: str) -> None:
        record_id = records.create(self.org, self.sobject(name), self.json_body())
        self.send_json({"id": record_id, "success": True, "errors": []}, 201)

    def get(self, version: str, name: str) -> None:
        sobject = self.sobject(name)
        describe = schema.describe_sobject(sobject, version)
        self.send_json({"objectDescribe": {key: value for key, value in describe.items()
                                           if key not in ("fields", "childRelationships")}, "recentItems": []})


class RecordHandler(DataHandler):
    """``/sobjects/<Type>/<id>``: GET, PATCH (204) and DELETE (204); PUT gets 405."""

    def get(self, version: str, name: str, record_id: str) -> None:
        sobject = self.sobject(name)
        record = self.org.find(sobject, record_id)
        fields_argument = self.get_query_argument("fields", None)
        if fields_argument is None:
            names = records.full_field_names(sobject)
        else:
            names = [self._field(sobject, item.strip()) for item in fields_argument.split(",") if item.strip()]
            names = [name for name in names if name != "Id"] + ["Id"]
        self.send_json(records.render(self.org, sobject, record, names, version))

    def _field(self, sobject: str, name: str) -> str:
        try:
            return soql_field(sobject, name)
        except soql.SoqlError as exc:
            raise ApiError(400, exc.code, exc.message) from None

    def patch(self, version: str, name: str, record_id: str) -> None:
        records.update(self.org, self.sobject(name), record_id, self.json_body())
        self.send_empty()

    def delete(self, version: str, name: str, record_id: str) -> None:
        records.delete(self.org, self.sobject(name), record_id)
        self.send_empty()

    def put(self, version: str, name: str, record_id: str) -> None:
        raise ApiError(405, "METHOD_NOT_ALLOWED", "HTTP Method 'PUT' not allowed. Allowed are HEAD,GET,PATCH,DELETE",
                       headers={"Allow": "HEAD,GET,PATCH,DELETE"})

    def post(self, version: str, name: str, record_id: str) -> None:
        raise ApiError(405, "METHOD_NOT_ALLOWED", "HTTP Method 'POST' not allowed. Allowed are HEAD,GET,PATCH,DELETE",
                       headers={"Allow": "HEAD,GET,PATCH,DELETE"})


class ExternalIdHandler(DataHandler):
    """``/sobjects/<Type>/<external id field>/<value>``: GET, upsert by PATCH, and DELETE."""

    def _matches(self, version: str, name: str, field_name: str, value: str) -> tuple[str, str, list[dict]]:
        sobject = self.sobject(name)
        field = schema.field_map(sobject).get(field_name.lower())
        if field is None or not field["idLookup"] or field["name"] == "Id":
            raise ApiError(404, "NOT_FOUND", "Provided external ID field does not exist or is not accessible: "
                           + field_name)
        found = [record for record in self.org.records[sobject].values() if record.get(field["name"]) == value]
        return sobject, field["name"], found

    def _single(self, version: str, sobject: str, found: list[dict]) -> dict:
        if not found:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        if len(found) > 1:
            raise MultipleChoices([records.attributes(sobject, record["Id"], version)["url"] for record in found])
        return found[0]

    def get(self, version: str, name: str, field_name: str, value: str) -> None:
        sobject, _field, found = self._matches(version, name, field_name, value)
        record = self._single(version, sobject, found)
        self.send_json(records.render(self.org, sobject, record, records.full_field_names(sobject), version))

    def patch(self, version: str, name: str, field_name: str, value: str) -> None:
        sobject, field, found = self._matches(version, name, field_name, value)
        body = self.json_body()
        if isinstance(body, dict) and any(key.lower() == field.lower() for key in body):
            raise ApiError(400, "INVALID_FIELD", "The field %s must not be in the body of an upsert by it" % field)

        if not found:
            record_id = records.create(self.org, sobject, {**(body or {}), field: value})
            self.send_json({"id": record_id, "success": True, "errors": [], "created": True}, 201)
            return
        record = self._single(version, sobject, found)
        records.update(self.org, sobject, record["Id"], body)
        # Before API version 46.0, an upsert that updates returns 204 without a body.
        if float(version) < 46.0:
            self.send_empty()
            return
        self.send_json({"id": record["Id"], "success": True, "errors": [], "created": False})

    def delete(self, version: str, name: str, field_name: str, value: str) -> None:
        sobject, _field, found = self._matches(version, name, field_name, value)
        records.delete(self.org, sobject, self._single(version, sobject, found)["Id"])
        self.send_empty()


class MultipleChoices(ApiError):
    """300: an external id value that matches several records; the body lists their URLs."""

    def __init__(self, urls: list[str]):
        super().__init__(300, "MULTIPLE_CHOICES", "multiple matches")
        self.errors = urls


def soql_field(sobject: str, name: str) -> str:
    """Return the canonical name of field ``name`` of ``sobject``, or raise SoqlError INVALID_FIELD."""
    parser = soql.Parser("SELECT Id FROM " + sobject)
    parser.sobject = sobject
    parser.fields = schema.field_map(sobject)
    return parser.field_name(name)


class QueryHandler(DataHandler):
    """``/query`` and ``/queryAll`` with ``q``; pages of at most the org's page size."""

    async def get(self, version: str, resource: str) -> None:
        text = self.get_query_argument("q", None)
        if not text:
            raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
        try:
            query = soql.parse(text)
        except soql.SoqlError as exc:
            raise ApiError(400, exc.code, exc.message) from None

        with self.org.lock:
            rows = soql.run(query, list(self.org.records[query.sobject].values()))
            rendered = [] if query.count else [
                records.render(self.org, query.sobject, row, query.fields, version) for row in rows
            ]
        cursor = Cursor(rendered, len(rows), self._page_size(), version)
        await self.send_json_chunked(self.server.page(cursor, 0))

    def _page_size(self) -> int:
        # Sforce-Query-Options batchSize is a hint between 200 and 2000; this org may return fewer rows.
        options = self.request.headers.get("Sforce-Query-Options", "")
        batch = 2000
        for option in options.split(","):
            name, _, value = option.strip().partition("=")
            if name.strip().lower() == "batchsize" and value.strip().isdigit():
                batch = max(200, min(2000, int(value)))
        return min(batch, self.org.page_size)


class QueryMoreHandler(DataHandler):
    """``/query/<locator>-<offset>``: the next page of an earlier query."""

    async def get(self, version: str, locator: str, offset: str) -> None:
        cursor = self.org.cursors.get(locator)
        if cursor is None or int(offset) > len(cursor.rows):
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        await self.send_json_chunked(self.server.page(cursor, int(offset), locator))


class ApexHandler(DataHandler):
    """``/services/apexrest/<urlMapping>``: the classes in ``apex.py``."""

    def prepare(self) -> None:
        StandInHandler.prepare(self)
        authorization = self.request.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not self.org.token_valid(token.strip()):
            raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")

    async def _run(self, path: str) -> None:
        result = apex.dispatch(self.org, self.request.method, path, self.request.query_arguments, self.request.body,
                               self.request.headers.get("Content-Type", ""))
        self.set_status(result.status)
        if result.content_type:
            self.set_header("Content-Type", result.content_type)
        else:
            self.clear_header("Content-Type")
        self.finish(result.body)

    get = post = put = patch = delete = _run


class UpstreamServer:
    """The stand-in's hosts (login, instance, optional spare instance), each with its own HTTP server.

    All servers run on one IOLoop in a daemon thread.
    """

    def __init__(self, page_size: int = 2000, login_host: str = "127.0.0.1", instance_host: str = "127.0.0.2",
                 spare_instance_host: Optional[str] = None):
        self.org = Org(page_size=page_size)
        self.login_host = login_host
        self.instance_host = instance_host
        self.spare_instance_host = spare_instance_host
        self.login_url = ""
        self.instance_url = ""
        self.spare_instance_url = ""
        # The authorize page redirects back with error=access_denied, as when the user clicks Deny.
        self.deny_authorization = False
        self._calls: list[dict[str, Any]] = []
        self._calls_lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._servers: list[tornado.httpserver.HTTPServer] = []

    # -- applications --------------------------------------------------------------

    def login_app(self) -> tornado.web.Application:
        args = {"server": self, "host_role": "login"}
        return tornado.web.Application([
            (r"/services/oauth2/authorize", AuthorizeHandler, args),
            (r"/services/oauth2/token", TokenHandler, args),
            (r"/services/oauth2/revoke", RevokeHandler, args),
            (r"/id/(00D[A-Za-z0-9]+)/(005[A-Za-z0-9]+)", IdentityHandler, args),
            (r"/.*", WrongHostHandler, args),
        ], compress_response=True)

    def instance_app(self, host_role: str = "instance") -> tornado.web.Application:
        args = {"server": self, "host_role": host_role}
        data = r"/services/data/" + _VERSION
        return tornado.web.Application([
            (r"/services/data/?", VersionsHandler, args),
            (data + r"/?", ResourcesHandler, args),
            (data + r"/sobjects/?", DescribeGlobalHandler, args),
            (data + r"/sobjects/(\w+)/describe/?", DescribeHandler, args),
            (data + r"/sobjects/(\w+)/?", SObjectHandler, args),
            (data + r"/sobjects/(\w+)/([^/]+)/?", RecordHandler, args),
            (data + r"/sobjects/(\w+)/(\w+)/([^/]+)", ExternalIdHandler, args),
            (data + r"/(query|queryAll)/?", QueryHandler, args),
            (data + r"/query/(01g[A-Za-z0-9]{15})-(\d+)", QueryMoreHandler, args),
            (r"/services/apexrest/(.+)", ApexHandler, args),
            (r"/.*", WrongHostHandler, args),
        ], compress_response=True)

    # -- call log -----------------------------------------------------------------

    def record_call(self, host_role: str, request: Any) -> None:
        headers = {name: value for name, value in request.headers.get_all()}
        if "Authorization" in headers:
            headers["Authorization"] = headers["Authorization"].split(" ")[0] + " <redacted>"
        with self._calls_lock:
            self._calls.append({
                "host": host_role, "method": request.method, "path": request.path, "query": request.query,
                "headers": headers, "body": request.body.decode("utf-8", "replace"),
            })

    def calls(self, host: Optional[str] = None) -> list[dict[str, Any]]:
        with self._calls_lock:
            return [call for call in self._calls if host is None or call["host"] == host]

    def reset_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()

    # -- query pages ----------------------------------------------------------------

    def page(self, cursor: Cursor, offset: int, locator: Optional[str] = None) -> dict[str, Any]:
        """Return the page of ``cursor`` that starts at ``offset``, registering a locator if more follow."""
        end = offset + cursor.page_size
        result: dict[str, Any] = {"totalSize": cursor.total_size, "done": end >= len(cursor.rows),
                                  "records": cursor.rows[offset:end]}
        if end < len(cursor.rows):
            with self.org.lock:
                if locator is None:
                    locator = "01g" + "".join(self.org.random.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789abcdef")
                                              for _ in range(15))
                    self.org.cursors[locator] = cursor
            result["nextRecordsUrl"] = "/services/data/v%s/query/%s-%d" % (cursor.version, locator, end)
        return result

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> "UpstreamServer":
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            try:
                self._listen()
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()

        threading.Thread(target=run, name="conformance-upstream", daemon=True).start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def move_instance(self) -> None:
        """Name the spare instance in every later token response, as after an org migration."""
        self.instance_url = self.spare_instance_url

    def _listen(self) -> None:
        hosts = [(self.login_host, self.login_app(), "login_url"),
                 (self.instance_host, self.instance_app(), "instance_url")]
        if self.spare_instance_host:
            hosts.append((self.spare_instance_host, self.instance_app("spare"), "spare_instance_url"))
        for host, app, attribute in hosts:
            sockets = tornado.netutil.bind_sockets(0, host)
            server = tornado.httpserver.HTTPServer(app)
            server.add_sockets(sockets)
            self._servers.append(server)
            setattr(self, attribute, "http://%s:%d" % (host, sockets[0].getsockname()[1]))

    def stop(self) -> None:
        if self._loop is None:
            return

        def shutdown() -> None:
            for server in self._servers:
                server.stop()
            self._loop.stop()

        self._loop.call_soon_threadsafe(shutdown)
