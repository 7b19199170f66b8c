"""Admin endpoints under ``/_sandbox/`` for tests: knobs, call log, token expiry.

They accept requests from loopback clients only and are never counted as calls.
Requests that change state must not come from a web page of another origin:
browsers send ``Origin`` with every cross-origin POST (form posts included),
so a page the developer happens to open cannot expire tokens or set knobs.
"""

import ipaddress
import json
import logging

import tornado.web

from tornsf.sandbox.web import encode_json

log = logging.getLogger(__name__)


class AdminHandler(tornado.web.RequestHandler):
    def initialize(self, org):
        self.org = org

    def prepare(self):
        try:
            loopback = ipaddress.ip_address(self.request.remote_ip).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise tornado.web.HTTPError(403, "admin endpoints accept requests from loopback clients only")

        if self.request.method not in ("GET", "HEAD", "OPTIONS") and self._from_foreign_page():
            log.warning("Rejected %s %s from a web page (Origin %s)", self.request.method, self.request.path,
                        self.request.headers.get("Origin", "")[:100])
            raise tornado.web.HTTPError(403, "admin endpoints reject requests from web pages of other origins")

    def _from_foreign_page(self):
        origin = self.request.headers.get("Origin")
        fetch_site = self.request.headers.get("Sec-Fetch-Site")
        own_origin = "%s://%s" % (self.request.protocol, self.request.host)
        return (origin is not None and origin != own_origin) or fetch_site not in (None, "same-origin", "none")

    def send_json(self, document, status: int = 200):
        self.set_status(status)
        self.set_header("Content-Type", "application/json;charset=UTF-8")
        self.finish(encode_json(document))

    def write_error(self, status_code: int, **kwargs):
        self.send_json({"error": self._reason}, status_code)


class CallsHandler(AdminHandler):
    def get(self):
        self.send_json(self.org.calls.as_dict())

    def delete(self):
        self.org.calls.reset()
        self.set_status(204)


class KnobsHandler(AdminHandler):
    def get(self):
        self.send_json(self.org.knobs.as_dict())

    def patch(self):
        try:
            changes = json.loads(self.request.body or b"{}")
            if not isinstance(changes, dict):
                raise ValueError("the body must be a JSON object of knob names and values")
            self.org.knobs.update(changes)
        except ValueError as error:
            self.send_json({"error": str(error)}, 400)
            return
        log.info("knobs changed: %s", changes)
        self.send_json(self.org.knobs.as_dict())


class ResetKnobsHandler(AdminHandler):
    def post(self):
        self.org.reset_knobs()
        self.send_json(self.org.knobs.as_dict())


class ExpireTokensHandler(AdminHandler):
    def post(self):
        self.org.tokens.expire_all()
        log.info("every access token issued so far is now expired")
        self.set_status(204)


def admin_routes(org) -> list:
    args = {"org": org}
    return [
        (r"/_sandbox/calls", CallsHandler, args),
        (r"/_sandbox/knobs", KnobsHandler, args),
        (r"/_sandbox/reset-knobs", ResetKnobsHandler, args),
        (r"/_sandbox/expire-tokens", ExpireTokensHandler, args),
    ]
