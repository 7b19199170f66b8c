"""``GET /healthz`` for load balancers and ``GET /`` for people."""

from __future__ import annotations

import html
import os

import tornado.process

from tornsf.handlers.base import BaseHandler

INDEX_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>tornsf</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:42em;margin:2em auto;padding:0 1em}}
code{{background:#f3f3f3;padding:0 .2em}}</style></head>
<body>
<h1>tornsf</h1>
<p>A proxy that gives browser apps a plain REST interface to the Salesforce REST API.
Log in once, then call <code>/&lt;SObject&gt;</code>, <code>/&lt;SObject&gt;/&lt;id&gt;</code>,
<code>/&lt;SObject&gt;?q=SOQL</code> and <code>/apex/&lt;path&gt;</code>{prefix_note}.</p>
<h2>Log in</h2>
<ul>
<li><a href="/login">Log in with Salesforce</a> (OAuth 2.0 web-server flow, recommended).</li>
<li><code>POST /login/password</code> with <code>username</code> and <code>password</code>
(username-password flow, legacy: Salesforce retires it for connected apps on 2027-02-20).</li>
<li><a href="/login/whoami">Who am I?</a> &middot; <code>POST /logout</code></li>
</ul>
{extra}
<p><a href="/healthz">/healthz</a></p>
</body>
</html>
"""

SANDBOX_NOTE = """<h2>Sandbox org</h2>
<p>This proxy talks to the local sandbox org. Log in as <code>demo@example.com</code>
with the password <code>demo1234</code>.</p>"""


class HealthHandler(BaseHandler):
    """Report that this worker serves requests; no login needed."""

    def get(self) -> None:
        self.write_json({"status": "ok", "worker": tornado.process.task_id(), "pid": os.getpid()})


class FaviconHandler(BaseHandler):
    """``/favicon.ico``, which browsers request by themselves: an empty 404 they may cache for a day."""

    access_log_quiet = True

    def get(self) -> None:
        self.set_status(404)
        self.set_header("Cache-Control", "public, max-age=86400")
        self.finish()


class IndexHandler(BaseHandler):
    """A short page about this server and how to log in."""

    # The page has an inline style sheet and no scripts.
    content_security_policy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

    def get(self) -> None:
        settings = self.tornsf
        extra = []
        if settings.sandbox:
            extra.append(SANDBOX_NOTE)
        if not settings.is_prod:
            extra.append('<p>Development pages: <a href="/session">/session</a> &middot; <a href="/demo">/demo</a></p>')
        prefix_note = " (also under <code>%s</code>)" % html.escape(settings.api_prefix) if settings.api_prefix else ""

        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.write(INDEX_PAGE.format(prefix_note=prefix_note, extra="\n".join(extra)))
