"""The sandbox org's Tornado application and a server that runs it on its own thread."""

import asyncio
import logging
import os
import threading

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web

from tornsf.sandbox.admin import admin_routes
from tornsf.sandbox.apex import apex_routes
from tornsf.sandbox.data import data_routes
from tornsf.sandbox.oauth import oauth_routes
from tornsf.sandbox.org import SandboxOrg
from tornsf.sandbox.web import NotFoundHandler

log = logging.getLogger(__name__)
access_log = logging.getLogger("tornsf.sandbox.access")

TEMPLATE_PATH = os.path.join(os.path.dirname(__file__), "templates")


def _log_request(handler: tornado.web.RequestHandler) -> None:
    status = handler.get_status()
    if status < 400:
        level = logging.DEBUG
    elif status < 500:
        # Client errors are routine here because tests provoke them on purpose.
        level = logging.INFO
    else:
        level = logging.WARNING
    if access_log.isEnabledFor(level):
        access_log.log(level, "%d %s %s %.1fms", status, handler.request.method, handler.request.path,
                       1000 * handler.request.request_time())


def make_app(org: SandboxOrg) -> tornado.web.Application:
    """Build the application that serves ``org``: OAuth, data API, Apex REST and admin routes."""
    routes = oauth_routes(org) + data_routes(org) + apex_routes(org) + admin_routes(org)
    return tornado.web.Application(
        routes,
        template_path=TEMPLATE_PATH,
        default_handler_class=NotFoundHandler,
        default_handler_args={"org": org},
        log_function=_log_request,
        # Like Salesforce, gzip responses only for clients that send Accept-Encoding: gzip.
        compress_response=True,
    )


class SandboxServer:
    """A sandbox org on 127.0.0.1 with its own IOLoop in a daemon thread.

    Example::

        server = SandboxServer(seed="demo", token_lifetime=60).start()
        print(server.url)  # http://127.0.0.1:40123
        server.stop()

    Args:
        seed: ``"demo"``, ``"large:N"`` or None.
        db: SQLite file, or None for memory.
        host, port: where to listen; port 0 picks a free port.
        **knobs: initial fault knobs (see :class:`tornsf.sandbox.knobs.Knobs`).
    """

    def __init__(self, seed: str | None = "demo", db: str | None = None, host: str = "127.0.0.1", port: int = 0,
                 **knobs):
        self.seed = seed
        self.db = db
        self.host = host
        self.port = port
        self.knobs = knobs
        self.url = None
        self.org = None
        self._loop = None
        self._thread = None
        self._ready = threading.Event()
        self._error = None

    def start(self, timeout: float = 60) -> "SandboxServer":
        """Start serving and return self once the port is bound; raise if start-up fails."""
        self._thread = threading.Thread(target=self._run, name="sandbox-org", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the sandbox org did not start within %s s" % timeout)
        if self._error is not None:
            raise RuntimeError("the sandbox org failed to start: %s" % self._error) from self._error
        return self

    def _run(self):
        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            self._loop = tornado.ioloop.IOLoop.current()
            self.org = SandboxOrg(self.seed, self.db, **self.knobs)
            sockets = tornado.netutil.bind_sockets(self.port, self.host)
            server = tornado.httpserver.HTTPServer(make_app(self.org), xheaders=False)
            server.add_sockets(sockets)
            port = sockets[0].getsockname()[1]
            host = "[%s]" % self.host if ":" in self.host else self.host
            self.url = self.org.base_url = "http://%s:%d" % (host, port)
        except Exception as error:  # start-up errors are re-raised in start() on the caller's thread
            self._error = error
            self._ready.set()
            return

        self._ready.set()
        try:
            self._loop.start()
        finally:
            server.stop()
            self.org.close()
            self._loop.close(all_fds=True)

    def stop(self, timeout: float = 10) -> None:
        """Stop the IOLoop and wait for the thread to finish."""
        if self._loop is not None and self._thread.is_alive():
            self._loop.add_callback(self._loop.stop)
            self._thread.join(timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
