"""The browser module ``/tornsf.js`` and the ``/demo`` page that uses it.

``/tornsf.js`` is served to any page (it is public code; the data routes do
the access control) with an ETag and a cache lifetime.  ``/tornsf.js?v=<hash>``,
the URL that :func:`module_url` builds, is cached as immutable for a year.
"""

from __future__ import annotations

import pathlib
from typing import Any

import tornado.web

from dialects.base import dump_json
from tornsf.errors import ProxyError
from tornsf.handlers.base import BaseHandler

STATIC_DIR = pathlib.Path(__file__).resolve().parent.parent / "static"
MODULE_FILE = "tornsf.js"

# Apps write the unversioned URL in their import statements.  A day's
# lifetime lets a proxy upgrade reach browsers within a day, and after that
# the ETag turns each revalidation into a 304.
MODULE_MAX_AGE = 86400
VERSIONED_MAX_AGE = 365 * 86400


@tornado.web.stream_request_body
class ModuleHandler(tornado.web.StaticFileHandler):
    """Serve ``tornsf.js`` as a JavaScript module that pages on any origin may import."""

    # Other methods get 405 from the headers alone.  Streaming keeps a request
    # body out of memory: without it Tornado buffers up to the server's body
    # limit (far above MAX_BODY_BYTES) before the handler can refuse it.
    SUPPORTED_METHODS = ("GET", "HEAD")

    def data_received(self, chunk: bytes) -> None:
        """Discard a body sent with GET or HEAD; the module needs none."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Report errors in the proxy's JSON shape instead of Tornado's HTML page."""
        if status_code == 405:
            code, message = "method_not_allowed", "%s is not allowed on /tornsf.js: use GET." % self.request.method
        elif status_code == 404:
            code, message = "not_found", "No such file."
        else:
            code, message = "http_%d" % status_code, "The module could not be served (HTTP %d)." % status_code
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(dump_json({"error": code, "message": message}))

    def get_content_type(self) -> str:
        # RFC 9239 names text/javascript; mimetypes varies between systems.
        return "text/javascript; charset=UTF-8"

    def get_cache_time(self, path: str, modified: Any, mime_type: str) -> int:
        return VERSIONED_MAX_AGE if "v" in self.request.arguments else MODULE_MAX_AGE

    def set_extra_headers(self, path: str) -> None:
        # StaticFileHandler sets only "max-age=N"; "public" lets shared caches store the file too.
        cache_control = "public, max-age=%d" % self.get_cache_time(path, None, "")
        if "v" in self.request.arguments:
            cache_control += ", immutable"
        self.set_header("Cache-Control", cache_control)

        # Module scripts are fetched in CORS mode, without cookies.
        self.set_header("Access-Control-Allow-Origin", "*")
        self.set_header("X-Content-Type-Options", "nosniff")


def module_url() -> str:
    """Return the path of the module with its content hash, for pages served by the proxy."""
    version = ModuleHandler.get_version({"static_path": str(STATIC_DIR)}, MODULE_FILE)
    return "/%s?v=%s" % (MODULE_FILE, version)


class DemoHandler(BaseHandler):
    """Render the demo page, which lists, creates, edits and deletes Accounts with the module.

    The route exists in prod too, so that ``/demo`` is a 404 there and never
    reaches the data routes as an SObject name.
    """

    # The page runs an inline module script that calls the data routes.
    content_security_policy = None

    def get_template_path(self) -> str:
        return str(STATIC_DIR)

    def get(self) -> None:
        if not demo_enabled(self.tornsf):
            raise ProxyError(404, "not_found", "The /demo page is only served with --env dev or --sandbox.")

        self.set_header("Cache-Control", "no-cache")
        self.render("demo.html", module_url=module_url())


def demo_enabled(settings) -> bool:
    return settings.env == "dev" or settings.sandbox


def static_routes(settings) -> list:
    """Return the routes of the module and of the demo page."""
    return [
        (r"/(tornsf\.js)", ModuleHandler, {"path": str(STATIC_DIR)}),
        (r"/demo", DemoHandler),
    ]
