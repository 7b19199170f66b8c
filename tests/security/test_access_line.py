"""Access lines skip the log filter's second pass because their request part is redacted first."""

import logging
import urllib.parse

import pytest
import requests

from tests.security.helpers import bearer_headers
from tornsf.log import REDACTED_MARK, RedactionFilter, redacted_request_line

ACCESS_TOKEN = "00D000000000001!AQ0AQFakeAccessTokenForTheLogTest.value_123"
SEALED = "2|1:0|10:1700000000|14:tornsf_session|40:" + "QUJD" * 10 + "|" + "ab12" * 16

# Secrets a URI can carry, in places the query-name rule alone does not cover.
SECRET_URIS = [
    ("/Account/" + ACCESS_TOKEN, ACCESS_TOKEN.split("!")[1]),
    ("/Account?x=" + ACCESS_TOKEN, ACCESS_TOKEN.split("!")[1]),
    ("/Account?x=Authorization:SecretAuthValue42", "SecretAuthValue42"),
    ("/Account?cookie=tornsf_session=SecretCookieValue42", "SecretCookieValue42"),
    ("/Account?x=" + SEALED, "QUJDQUJD"),
    ("/Account?x=" + urllib.parse.quote(SEALED, safe=""), "QUJDQUJD"),
    ("/Account?Password=SecretPasswordValue42", "SecretPasswordValue42"),
    ("/Account?a=1&refresh_token=SecretRefreshValue42", "SecretRefreshValue42"),
]


@pytest.fixture(scope="module")
def info_proxy(sandbox_server):
    from tests.fixtures.proxy import start_proxy

    process = start_proxy(sandbox_server.url, environ={"LOG_LEVEL": "INFO"})
    yield process
    process.stop()


def filtered_text(name, msg, args, **extra):
    record = logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    assert RedactionFilter().filter(record) is True
    return record.getMessage()


@pytest.mark.parametrize("uri, secret", SECRET_URIS)
def test_request_line_is_redacted_every_time(uri, secret):
    first = redacted_request_line("GET", uri)
    second = redacted_request_line("GET", uri)

    assert secret not in first
    assert second == first
    assert first.startswith("GET /Account")


def test_long_request_line_is_redacted_too():
    uri = "/Account?pad=" + "x" * 2000 + "&y=" + ACCESS_TOKEN

    assert ACCESS_TOKEN.split("!")[1] not in redacted_request_line("GET", uri)


def test_method_is_redacted_with_the_uri():
    assert "SecretMethodValue42" not in redacted_request_line("AUTHORIZATION=SecretMethodValue42", "/Account")


def test_mark_is_honoured_only_on_access_records():
    text = "GET /Account/" + ACCESS_TOKEN

    assert ACCESS_TOKEN not in filtered_text("tornsf.handlers.data", "%s", (text,), **{REDACTED_MARK: True})
    assert ACCESS_TOKEN not in filtered_text("tornsf.access", "%s", (text,))
    assert filtered_text("tornsf.access", "%s", ("GET /Account",), **{REDACTED_MARK: True}) == "GET /Account"


@pytest.mark.parametrize("uri, secret", SECRET_URIS)
def test_access_line_of_the_proxy_shows_no_secret(info_proxy, bearer, uri, secret):
    before = len(info_proxy.log_text())

    for _ in range(2):
        requests.get(info_proxy.url + uri, headers=bearer_headers(bearer), timeout=30)
        requests.get(info_proxy.url + "/healthz", timeout=30)
    log = info_proxy.log_text()[before:]

    assert log.count(" GET /Account") >= 2, log[-2000:]
    assert secret not in log, log[-2000:]
