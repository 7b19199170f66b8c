"""Logging set-up: one access line per request and a filter that removes secrets.

The proxy handles Salesforce tokens, authorization codes, passwords and its
own sealed sessions.  None of them may reach a log line, whichever logger
wrote it, so the redaction filter sits on the output handler and rewrites
every record.  ``tornado.curl_httpclient`` is held at INFO or above because
at DEBUG it switches libcurl to verbose mode, which logs request headers
including ``Authorization``.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
import urllib.parse

import tornado.log
import tornado.process
import tornado.web

access_log = logging.getLogger("tornsf.access")

# Set on access records whose text ``log_request`` built from redacted parts:
# the filter passes them unchanged.
REDACTED_MARK = "tornsf_redacted"

# Request lines (method and URI) up to this long have their redacted form
# remembered: most requests repeat a recent path, and redaction runs every
# pattern of ``_REDACTIONS``.
MAX_REMEMBERED_LINE_LENGTH = 1024

# Query or form parameter names whose values are secrets.
SECRET_NAMES = re.compile(
    r"^(?:code|state|password|passwd|token|access_token|refresh_token|id_token|client_secret|"
    r"code_verifier|secret|session|sid|assertion|signature)$",
    re.IGNORECASE,
)

_REDACTIONS = [
    # Authorization header values and bearer tokens anywhere.
    (re.compile(r"(?i)(authorization\s*[:=]\s*)([^\r\n,;]+)"), r"\1[redacted]"),
    # The lookahead spares prose such as "bearer session": tokens are never one lower-case word.
    (re.compile(r"(?i)(bearer(?:\s+|%20|\+))(?![a-z]+\b)[^\s,;\"'&]+"), r"\1[redacted]"),
    # Cookie headers and our session cookie.
    (re.compile(r"(?i)((?:set-)?cookie\s*[:=]\s*)([^\r\n]+)"), r"\1[redacted]"),
    (re.compile(r"(tornsf_[a-z_]+=)[^\s;,&\"']+"), r"\1[redacted]"),
    # Sealed values (Tornado signed value, version 2: ``2|<n>:<key version>|<n>:<time>|<n>:<name>|...``),
    # as they are and percent-encoded in a URL.
    (
        re.compile(
            r"(?i)\b2(?:\||%7C)[0-9]+(?::|%3A)[0-9]+(?:\||%7C)[0-9]+(?::|%3A)[0-9]+(?:\||%7C)[0-9]+(?::|%3A)"
            r"tornsf_[a-z_]+(?:\||%7C)[^\s\"',;&]+"
        ),
        "[redacted session]",
    ),
    # key=value and "key": "value" pairs whose key names a secret.
    (
        re.compile(
            r"(?i)\b((?:access_token|refresh_token|id_token|client_secret|code_verifier|password|code|state|"
            r"assertion|signature)=)[^&\s\"',;]+"
        ),
        r"\1[redacted]",
    ),
    (
        re.compile(
            r"(?i)(\"(?:access_token|refresh_token|id_token|client_secret|code_verifier|password|code|state|"
            r"signature|session)\"\s*:\s*\")[^\"]*"
        ),
        r"\1[redacted]",
    ),
    # Salesforce access tokens: the 15-character org id, "!", then the token.
    (re.compile(r"(?i)\b00D[A-Za-z0-9]{12,15}(?:!|%21)[A-Za-z0-9._\-%]+"), "[redacted token]"),
]


def redact(text: str) -> str:
    """Return ``text`` with tokens, cookies, passwords and codes replaced."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactionFilter(logging.Filter):
    """Rewrite each record's message, exception text and stack text through ``redact``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _built_redacted(record):
            return True

        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None

        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _built_redacted(record: logging.LogRecord) -> bool:
    # Access lines are built by ``log_request`` from numbers and an already
    # redacted request line, and carry no exception or stack text.
    return (
        record.name == access_log.name
        and getattr(record, REDACTED_MARK, False) is True
        and not record.exc_info
        and not record.stack_info
    )


def redact_uri(uri: str) -> str:
    """Return the request path with the values of secret query parameters replaced."""
    path, sep, query = uri.partition("?")
    if not sep:
        return path

    pairs = []
    for pair in query.split("&"):
        name, equals, value = pair.partition("=")
        if equals and SECRET_NAMES.match(urllib.parse.unquote_plus(name)):
            value = "[redacted]"
        pairs.append(name + equals + value)
    return path + "?" + "&".join(pairs)


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Write the access line: status, method, path, time, upstream calls, worker."""
    status = handler.get_status()
    if getattr(handler, "access_log_quiet", False):
        level = logging.DEBUG
    elif status < 400:
        level = logging.INFO
    elif status < 500:
        level = logging.WARNING
    else:
        level = logging.ERROR

    if not access_log.isEnabledFor(level):
        return

    request = handler.request
    worker = tornado.process.task_id()
    access_log.log(
        level,
        "%d %s %.1fms upstream=%d worker=%s",
        status,
        redacted_request_line(request.method or "", request.uri or ""),
        1000.0 * request.request_time(),
        int(getattr(handler, "upstream_calls", 0)),
        "-" if worker is None else int(worker),
        extra={REDACTED_MARK: True},
    )


def redacted_request_line(method: str, uri: str) -> str:
    """Return ``method uri`` as the access line shows it, with every redaction applied."""
    if len(method) + len(uri) > MAX_REMEMBERED_LINE_LENGTH:
        return _redact_request_line(method, uri)
    return _remembered_request_line(method, uri)


@functools.lru_cache(maxsize=1024)
def _remembered_request_line(method: str, uri: str) -> str:
    return _redact_request_line(method, uri)


def _redact_request_line(method: str, uri: str) -> str:
    return redact(method + " " + redact_uri(uri))


def configure_logging(level: str = "INFO") -> None:
    """Send all logs to stderr with Tornado's formatter, through the redaction filter."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)

    output = logging.StreamHandler(sys.stderr)
    output.setFormatter(tornado.log.LogFormatter(color=False))
    output.addFilter(RedactionFilter())
    root.addHandler(output)
    root.setLevel(getattr(logging, level, logging.INFO))

    curl_logger = logging.getLogger("tornado.curl_httpclient")
    curl_logger.setLevel(max(logging.INFO, root.level))

