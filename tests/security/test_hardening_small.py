"""Smaller hardening findings: favicon, HEAD, module errors, Ember root keys, oversized upstream bodies."""

import pytest
import requests

from tests.fixtures.proxy import password_login, start_proxy
from tests.security.helpers import (
    API,
    assert_error,
    bearer_headers,
    data_calls,
)
from tests.security.hostile_upstream import HostileUpstream

EMBER = {"X-Model-Dialect": "ember", "Content-Type": "application/json"}


def test_favicon_is_quiet_404(proxy, sandbox):
    sandbox.reset_calls()
    before = len(proxy.log_text())

    response = requests.get(proxy.url + "/favicon.ico", timeout=30)

    assert response.status_code == 404
    assert "invalid_sobject" not in response.text
    assert "max-age" in response.headers["Cache-Control"]
    assert data_calls(sandbox) == []
    assert "/favicon.ico" not in proxy.log_text()[before:]


def test_head_on_record(proxy, sealed, account_id):
    response = requests.head(proxy.url + "/Account/" + account_id, headers=bearer_headers(sealed), timeout=30)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.content == b""


def test_head_on_list(proxy, sealed):
    response = requests.head(proxy.url + "/Account", params={"q": "SELECT Id FROM Account"},
                             headers=bearer_headers(sealed), timeout=30)

    assert response.status_code == 200
    assert int(response.headers["X-Total-Count"]) > 0
    assert response.content == b""


def test_head_on_external_id(proxy, sealed):
    response = requests.head(proxy.url + "/Account/Name/no-such-name", headers=bearer_headers(sealed), timeout=30)

    assert response.status_code == 404
    assert response.content == b""


@pytest.mark.parametrize("method", ["DELETE", "POST", "PUT", "PATCH"])
def test_module_other_methods_get_json_405(proxy, method):
    response = requests.request(method, proxy.url + "/tornsf.js", timeout=30)

    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("key", ["contact", "contacts", "opportunity", "record"])
def test_ember_foreign_root_key_rejected(proxy, sandbox, sealed, key):
    sandbox.reset_calls()
    response = requests.post(proxy.url + "/accounts", json={key: {"name": "Wrong Model"}},
                             headers=bearer_headers(sealed, **EMBER), timeout=30)

    assert response.status_code == 400, response.text
    assert "account" in response.text
    assert not [entry for entry in data_calls(sandbox) if entry["method"] == "POST"]


@pytest.mark.parametrize("path, key", [("/accounts", "account"), ("/Account", "account"), ("/accounts", "accounts"),
                                       ("/Account", "Account")])
def test_ember_matching_root_key_accepted(proxy, sealed, path, key):
    response = requests.post(proxy.url + path, json={key: {"name": "Root Key " + key}},
                             headers=bearer_headers(sealed, **EMBER), timeout=30)

    assert response.status_code == 201, response.text
    record_id = response.json()["account"]["id"]
    requests.delete(proxy.url + "/Account/" + record_id, headers=bearer_headers(sealed), timeout=30)


async def huge_body(handler):
    chunk = b"A" * (1024 * 1024)
    handler.write(b'"')
    for _ in range(101):
        handler.write(chunk)
        await handler.flush()
    handler.finish(b'"')


@pytest.fixture(scope="module")
def upstream():
    server = HostileUpstream().start()
    server.apex["huge"] = (200, {"Content-Type": "application/json"}, huge_body)
    yield server
    server.stop()


def test_foreign_identity_url_message(upstream):
    proxy = start_proxy(upstream.url)
    upstream.token_overrides["id"] = "https://evil.example.com/id/00D000000000001AAA/005000000000001AAA"
    try:
        response = password_login(proxy.url)

        body = assert_error(response, 502, "instance_rejected")
        assert "returned an identity URL (id) outside" in body["message"]
    finally:
        upstream.token_overrides.clear()
        proxy.stop()


@pytest.mark.slow
def test_oversized_upstream_body_reported(upstream):
    proxy = start_proxy(upstream.url)
    try:
        sealed = password_login(proxy.url).json()["session"]
        response = requests.get(proxy.url + "/apex/huge", headers=bearer_headers(sealed), timeout=60)

        body = assert_error(response, 502, "upstream_response_too_large")
        assert "connect" not in body["message"]
    finally:
        proxy.stop()
