"""Demo Apex REST services under ``/services/apexrest/``.

Mappings are matched case-sensitively, as Apex ``urlMapping`` values are:

- ``/echo`` and ``/echo/*`` (every method): returns what it received, including the raw
  body and query string, so callers can check what reached the org byte for byte.
- ``/hello`` (GET): a JSON string greeting the user.
- ``/accounts/<id>/summary`` (GET): an Account with its Contact count and open pipeline.
- ``/status/<code>`` (every method): replies with that status, like an Apex method that
  sets ``RestContext.response.statusCode``; codes Apex does not allow give a 500.
- ``/text`` (GET): a ``text/plain`` body, from an Apex method that writes ``responseBody``.
- ``/error`` (GET): an unhandled exception, returned as 500 ``APEX_ERROR``.
"""

import json
import logging
import re
import urllib.parse

from tornsf.sandbox import errors, ids
from tornsf.sandbox.errors import ApiError
from tornsf.sandbox.web import DataHandler

log = logging.getLogger(__name__)

# Status codes an Apex REST method may set on its response.
ALLOWED_STATUS = frozenset({200, 201, 202, 204, 206, 300, 301, 302, 304, 400, 401, 403, 404, 405, 406, 409, 410,
                            412, 413, 414, 415, 417, 500, 503})
ALL_METHODS = "GET,POST,PUT,PATCH,DELETE"


class ApexHandler(DataHandler):
    """Dispatch ``/services/apexrest/<mapping>`` to the demo services."""

    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "DELETE", "PATCH", "PUT")

    def initialize(self, org):
        super().initialize(org)
        self.services = [
            (re.compile(r"echo(?:/.*)?"), ALL_METHODS, self.echo),
            (re.compile(r"hello"), "GET", self.hello),
            (re.compile(r"accounts/([^/]+)/summary"), "GET", self.account_summary),
            (re.compile(r"status/(\d{3})"), ALL_METHODS, self.status),
            (re.compile(r"text"), "GET", self.text),
            (re.compile(r"error"), "GET", self.error),
        ]

    async def dispatch(self, path):
        for pattern, allowed, service in self.services:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            method = "GET" if self.request.method == "HEAD" else self.request.method
            if method not in allowed.split(","):
                raise errors.method_not_allowed(self.request.method, allowed)
            service(*match.groups())
            return
        raise ApiError(404, "NOT_FOUND", "Could not find a match for URL")

    get = head = post = put = patch = delete = dispatch

    def echo(self):
        raw_body = self.request.body.decode("utf-8", errors="replace")
        try:
            body = json.loads(raw_body) if raw_body.strip() else None
        except (ValueError, RecursionError):
            # Not JSON, nested too deeply or with a number too long for Python: only rawBody shows it.
            body = None

        params = {}
        for name, value in urllib.parse.parse_qsl(self.request.query, keep_blank_values=True):
            params[name] = value
        self.send_json({
            "method": self.request.method,
            "path": self.request.path,
            "params": params,
            "body": body,
            "rawBody": raw_body,
            "rawQuery": self.request.query,
            "contentType": self.request.headers.get("Content-Type"),
        })

    def hello(self):
        user = self.org.user()
        self.send_json("Hello, %s!" % user["Name"])

    def account_summary(self, account_id):
        account_type = self.org.schema.get("Account")
        id18 = ids.normalize_id(account_id)
        account = self.org.store.get(account_type, id18) if id18 else None
        if account is None or account["IsDeleted"]:
            raise ApiError(404, "NOT_FOUND", "No Account with id %s" % account_id)

        db = self.org.store.db
        contacts = db.execute('SELECT count(*) FROM "sobject_Contact" WHERE "AccountId" = ? AND "IsDeleted" = 0',
                              (id18,)).fetchone()[0]
        pipeline = db.execute(
            'SELECT coalesce(sum("Amount"), 0) FROM "sobject_Opportunity" WHERE "AccountId" = ? AND "IsDeleted" = 0 '
            'AND "StageName" NOT IN (\'Closed Won\', \'Closed Lost\')', (id18,)).fetchone()[0]
        self.send_json({"accountId": id18, "name": account["Name"], "contactCount": contacts,
                        "openPipeline": float(pipeline)})

    def status(self, code):
        code = int(code)
        if code not in ALLOWED_STATUS:
            raise ApiError(500, "APEX_ERROR", "System.StringException: Invalid status code for HTTP response: %d"
                           % code)
        if code in (204, 304):
            self.set_status(code)
            self.finish()
            return
        self.send_json({"status": code, "method": self.request.method}, status=code)

    def text(self):
        self.set_header("Content-Type", "text/plain;charset=UTF-8")
        self.finish("plain text from Apex, ünïcödé included\n")

    def error(self):
        raise ApiError(500, "APEX_ERROR", "System.NullPointerException: Attempt to de-reference a null object\n\n"
                       "Class.DemoErrorService.doGet: line 7, column 1")


def apex_routes(org) -> list:
    return [(r"/services/apexrest/(?P<path>.*)", ApexHandler, {"org": org})]
