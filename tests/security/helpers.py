"""Shared tools of the attack suites: exact raw requests, error checks and leak scans."""

from __future__ import annotations

import dataclasses
import http.client
import json
import re
import urllib.parse
from typing import Any, Optional

import requests

from tests.fixtures.proxy import REPO_ROOT, TEST_COOKIE_SECRET, password_login
from tests.helpers import sealer_for
from tornsf.session import SessionSealer

API = "/services/data/v62.0"
SALESFORCE_SHAPES = {"X-Model-Dialect": "salesforce"}

# What a response body must never show: a stack trace or a file of the server.
LEAK_PATTERNS = [
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"File \"[^\"]+\", line \d+"),
    re.compile(r"site-packages|dist-packages|/usr/lib/python"),
    re.compile(re.escape(str(REPO_ROOT))),
    re.compile(r"\b[\w/]+\.py\b"),
    re.compile(r"/tmp/tornsf-"),
]


@dataclasses.dataclass
class RawResponse:
    """A response read with ``http.client``, shaped like the parts of ``requests.Response`` the tests use."""

    status_code: int
    headers: Any
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


def raw_request(url: str, method: str, path: str, headers: Optional[dict] = None, body: Optional[bytes] = None,
                timeout: float = 30) -> RawResponse:
    """Send ``path`` exactly as given (no normalization of dot segments or escapes) and read the response."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return RawResponse(response.status, response.headers, response.read())
    finally:
        connection.close()


def bearer_headers(sealed: str, **extra: str) -> dict:
    return {"Authorization": "Bearer " + sealed, **extra}


def new_bearer(proxy_url: str) -> str:
    response = password_login(proxy_url)
    assert response.status_code == 200, response.text
    return response.json()["session"]


def test_sealer() -> SessionSealer:
    """The sealer of the test proxies (same COOKIE_SECRET), for reading and forging sealed values."""
    return sealer_for(TEST_COOKIE_SECRET)


test_sealer.__test__ = False  # a helper, not a test


def assert_no_leak(text: str, where: str = "response") -> None:
    for pattern in LEAK_PATTERNS:
        match = pattern.search(text)
        assert match is None, "%s shows %r: %s" % (where, match.group(0), text[:500])


def assert_error(response: Any, status: int, code: Optional[str] = None) -> dict:
    """Check a proxy error in the default dialect: status, JSON body, code, a message, no leak."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert_no_leak(response.text)
    body = response.json()
    assert isinstance(body, dict) and body.get("message"), body
    if code is not None:
        assert body["error"] == code, body
    return body


def first_account_id(proxy_url: str, sealed: str) -> str:
    response = requests.get(proxy_url + "/Account", params={"q": "SELECT Id FROM Account ORDER BY Name LIMIT 1"},
                            headers=bearer_headers(sealed, **SALESFORCE_SHAPES), timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["records"][0]["Id"]


def data_calls(sandbox) -> list[dict]:
    """The call log entries of the data and Apex APIs (describe calls included)."""
    return [entry for entry in sandbox.calls()["log"] if entry["path"].startswith("/services/")]
