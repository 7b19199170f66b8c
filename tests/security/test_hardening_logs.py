"""Sealed sessions in URLs never reach the DEBUG log, in any encoding; the proxy's own messages stay readable."""

import urllib.parse

import pytest
import requests

from tests.security.helpers import bearer_headers, new_bearer, raw_request


@pytest.fixture(scope="module")
def debug_proxy(sandbox_server):
    from tests.fixtures.proxy import start_proxy

    process = start_proxy(sandbox_server.url, environ={"LOG_LEVEL": "DEBUG"})
    yield process
    process.stop()


@pytest.fixture(scope="module")
def sealed(debug_proxy):
    return new_bearer(debug_proxy.url)


def encodings(sealed):
    return {
        "raw": sealed,
        "quoted": urllib.parse.quote(sealed, safe=""),
        "quoted-plus": urllib.parse.quote_plus(sealed),
        "lower-hex": urllib.parse.quote(sealed, safe="").lower(),
    }


def secret_parts(sealed):
    """The pieces of a sealed value that identify it: the encrypted payload and the signature."""
    payload = sealed.split("|")[4].split(":", 1)[1]
    return [payload[:40], urllib.parse.quote(payload[:40], safe=""), sealed.rsplit("|", 1)[1]]


@pytest.mark.parametrize("encoding", ["raw", "quoted", "quoted-plus", "lower-hex"])
@pytest.mark.parametrize("name", ["x", "session", "token"])
def test_sealed_value_in_query_redacted(debug_proxy, sealed, encoding, name):
    value = encodings(sealed)[encoding]
    # %FE makes Tornado itself log a warning that quotes the request line.
    path = "/apex/echo?bad=%FE&" + name + "=" + value
    before = len(debug_proxy.log_text())

    response = raw_request(debug_proxy.url, "GET", path, headers={"Authorization": "Bearer " + sealed})
    assert response.status_code == 400
    requests.get(debug_proxy.url + "/healthz", params={name: sealed}, timeout=30)
    log = debug_proxy.log_text()[before:]

    assert "/apex/echo" in log
    for part in secret_parts(sealed):
        assert part not in log, log[-3000:]


def test_sealed_value_on_access_line_redacted(debug_proxy, sealed):
    before = len(debug_proxy.log_text())
    response = requests.get(debug_proxy.url + "/Account", params={"q": "SELECT Id FROM Account LIMIT 1", "s": sealed},
                            headers=bearer_headers(sealed), timeout=30)
    assert response.status_code == 200, response.text
    log = debug_proxy.log_text()[before:]

    assert "GET /Account?" in log
    for part in secret_parts(sealed):
        assert part not in log, log[-3000:]


def test_rejected_bearer_message_readable(debug_proxy):
    before = len(debug_proxy.log_text())
    response = requests.get(debug_proxy.url + "/Account/001000000000001AAA", headers=bearer_headers("not-a-session"),
                            timeout=30)
    assert response.status_code == 401
    log = debug_proxy.log_text()[before:]

    assert "Rejected bearer session" in log, log[-2000:]
