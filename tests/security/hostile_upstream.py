"""A Salesforce stand-in whose responses each test chooses, for attacks that need a hostile upstream.

It serves the password grant, the identity URL, describe global, the query
resource and Apex REST on 127.0.0.1.  Tests put canned responses in
``HostileUpstream.apex`` (by Apex path) and ``HostileUpstream.pages`` (by a
marker word in the SOQL, or by query locator).  Anything not configured
gets Salesforce's 404 ``NOT_FOUND`` array.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, Optional

import tornado.httpserver
import tornado.netutil
import tornado.web

ORG_ID = "00D000000000001AAA"
USER_ID = "005000000000001AAA"
ACCESS_TOKEN = ORG_ID[:15] + "!HOSTILEaccessTOKEN.0123456789"
NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]


class _Handler(tornado.web.RequestHandler):
    def initialize(self, upstream: "HostileUpstream") -> None:
        self.upstream = upstream

    def check_xsrf_cookie(self) -> None:
        pass

    def send_json(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json;charset=UTF-8")
        self.finish(json.dumps(value))


class _Token(_Handler):
    def post(self) -> None:
        base = self.upstream.url
        self.send_json({
            "access_token": ACCESS_TOKEN,
            "refresh_token": "HOSTILErefresh0123456789",
            "instance_url": base,
            "id": "%s/id/%s/%s" % (base, ORG_ID, USER_ID),
            "token_type": "Bearer",
            "issued_at": "1700000000000",
            **self.upstream.token_overrides,
        })


class _Identity(_Handler):
    def get(self, org_id: str, user_id: str) -> None:
        self.send_json({"user_id": user_id, "organization_id": org_id, "username": "hostile@example.com"})


class _DescribeGlobal(_Handler):
    def get(self) -> None:
        self.send_json({"sobjects": [{"name": "Account", "labelPlural": "Accounts", "queryable": True}]})


class _Query(_Handler):
    def get(self, locator: str = "") -> None:
        key = locator or next((word for word in self.upstream.pages if word in self.get_argument("q", "")), None)
        page = self.upstream.pages.get(key) if key else None
        if page is None:
            self.send_json({"totalSize": 0, "done": True, "records": []})
        elif isinstance(page, bytes):
            self.set_header("Content-Type", "application/json;charset=UTF-8")
            self.finish(page)
        else:
            self.send_json(page)


class _Apex(_Handler):
    async def get(self, path: str) -> None:
        canned = self.upstream.apex.get(path)
        if canned is None:
            self.send_json(NOT_FOUND, 404)
            return

        status, headers, body = canned
        self.set_status(status)
        self.clear_header("Content-Type")
        for name, value in headers.items():
            self.set_header(name, value)
        if callable(body):
            await body(self)
        else:
            self.finish(body)

    post = put = patch = delete = get


class HostileUpstream:
    """The stand-in on a free loopback port, run by its own event loop in a daemon thread."""

    def __init__(self) -> None:
        self.url = ""
        # Apex path -> (status, headers, body bytes or an async function of the handler).
        self.apex: dict[str, tuple[int, dict[str, str], Any]] = {}
        # SOQL marker word or query locator -> page (a dict, or raw bytes sent as JSON).
        self.pages: dict[str, Any] = {}
        # Members that replace those of the token response.
        self.token_overrides: dict[str, Any] = {}
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._server: Optional[tornado.httpserver.HTTPServer] = None

    def start(self) -> "HostileUpstream":
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait(10)
        return self

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        args = {"upstream": self}
        app = tornado.web.Application([
            (r"/services/oauth2/token", _Token, args),
            (r"/id/([^/]+)/([^/]+)", _Identity, args),
            (r"/services/data/v[0-9.]+/sobjects/?", _DescribeGlobal, args),
            (r"/services/data/v[0-9.]+/query/?", _Query, args),
            (r"/services/data/v[0-9.]+/query/([^/]+)", _Query, args),
            (r"/services/apexrest/(.*)", _Apex, args),
        ])
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self.url = "http://127.0.0.1:%d" % sockets[0].getsockname()[1]
        ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
