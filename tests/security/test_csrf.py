"""CSRF: cookie-authenticated writes need this server's or an allowed Origin (or Referer); bearer writes do not."""

import pytest
import requests

from tests.security.helpers import assert_error, bearer_headers


def targets(account_id):
    record = "/Account/" + account_id
    return [
        ("POST", "/Account", {"Content-Type": "application/json"}, b'{"Name": "csrf"}'),
        ("PATCH", record, {"Content-Type": "application/json"}, b'{"Description": "csrf"}'),
        ("PUT", record, {"Content-Type": "application/json"}, b'{"Description": "csrf"}'),
        ("DELETE", record, {}, None),
        ("POST", record, {"X-HTTP-Method-Override": "DELETE"}, None),
        ("POST", record, {"Content-Type": "application/x-www-form-urlencoded"}, b"_method=DELETE"),
        ("PATCH", "/Account/ExtId__c/csrf", {"Content-Type": "application/json"}, b'{"Name": "csrf"}'),
        ("DELETE", "/Account/ExtId__c/csrf", {}, None),
        ("POST", "/apex/echo", {"Content-Type": "text/plain"}, b"csrf"),
        ("PUT", "/apex/echo", {"Content-Type": "text/plain"}, b"csrf"),
        ("PATCH", "/apex/echo", {"Content-Type": "text/plain"}, b"csrf"),
        ("DELETE", "/apex/echo", {}, None),
        ("POST", "/logout", {"Content-Type": "application/x-www-form-urlencoded"}, b""),
    ]


def hostile_headers(own):
    port = int(own.rsplit(":", 1)[1])
    return [
        {},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": ""},
        {"Origin": "http://app.test:8123.evil.example"},
        {"Origin": "http://app.test"},
        {"Origin": "https://app.test:8123"},
        {"Origin": "http://app.test:8124"},
        {"Origin": "https://example.test"},
        {"Origin": "https://evilexample.test"},
        {"Origin": "http://x.example.test"},
        {"Origin": "https://x.example.test.evil.example"},
        {"Origin": own + ".evil.example"},
        {"Origin": "http://127.0.0.1:%d" % (port + 1)},
        {"Origin": "http://localhost:%d" % port},
        {"Origin": own + "/"},
        {"Origin": own + ", https://evil.example"},
        {"Origin": "https://evil.example", "Referer": own + "/demo"},
        {"Referer": "https://evil.example/page"},
        {"Referer": "not a url"},
        {"Referer": own + ".evil.example/page"},
        {"Referer": "//evil.example/" + own},
        {"Origin": "", "Referer": "https://evil.example/"},
    ]


HOSTILE_IDS = [
    "none", "evil", "null", "empty", "suffix", "no-port", "other-scheme", "other-port", "bare-wildcard-domain",
    "look-alike", "http-for-https", "wildcard-suffix", "own-suffix", "own-other-port", "own-other-host",
    "own-with-slash", "list", "evil-origin-own-referer", "evil-referer", "garbage-referer", "own-suffix-referer",
    "protocol-relative-referer", "empty-origin-evil-referer",
]


@pytest.mark.parametrize("index", range(len(HOSTILE_IDS)), ids=HOSTILE_IDS)
def test_cookie_write_without_trusted_origin_refused(proxy, sandbox, sealed, account_id, index):
    origin_headers = hostile_headers(proxy.url)[index]
    for method, path, headers, body in targets(account_id):
        sandbox.reset_calls()
        all_headers = dict(headers, Cookie="tornsf_session=" + sealed, **origin_headers)

        response = requests.request(method, proxy.url + path, data=body, headers=all_headers, timeout=30)

        assert_error(response, 403, "csrf_rejected")
        assert "tornsf_session" not in response.headers.get("Set-Cookie", ""), (method, path)
        assert sandbox.calls()["total"] == 0, (method, path)


def trusted_headers(own):
    return [
        {"Origin": own},
        {"Origin": own.upper().replace("HTTP://", "http://")},
        {"Origin": "http://app.test:8123"},
        {"Origin": "https://a.example.test"},
        {"Origin": "https://deep.a.example.test:443"},
        {"Referer": own + "/demo?x=1"},
        {"Referer": "https://a.example.test/page"},
    ]


@pytest.mark.parametrize("index", range(7))
def test_cookie_write_with_trusted_origin_reaches_salesforce(proxy, sandbox, sealed, index):
    origin_headers = trusted_headers(proxy.url)[index]
    sandbox.reset_calls()

    response = requests.post(proxy.url + "/apex/echo", data=b"ok", timeout=30,
                             headers=dict(origin_headers, Cookie="tornsf_session=" + sealed,
                                          **{"Content-Type": "text/plain"}))

    assert response.status_code == 200, response.text
    assert sandbox.count("POST", "/services/apexrest/echo") == 1


@pytest.mark.parametrize("origin_headers", [{}, {"Origin": "https://evil.example"}, {"Referer": "https://evil.example/"},
                                            {"Origin": "null"}])
def test_bearer_writes_are_not_affected(proxy, sandbox, sealed, origin_headers):
    created = requests.post(proxy.url + "/Account", json={"Name": "bearer write"}, timeout=30,
                            headers=bearer_headers(sealed, **origin_headers))
    assert created.status_code in (200, 201), created.text
    record_id = created.json()["Id"]

    patched = requests.patch(proxy.url + "/Account/" + record_id, json={"Description": "x"}, timeout=30,
                             headers=bearer_headers(sealed, **origin_headers))
    deleted = requests.delete(proxy.url + "/Account/" + record_id, timeout=30,
                              headers=bearer_headers(sealed, **origin_headers))

    assert patched.status_code < 300, patched.text
    assert deleted.status_code < 300, deleted.text
    assert sandbox.count("DELETE", "/services/data/v62.0/sobjects/Account/" + record_id) == 1


def test_cookie_and_foreign_origin_still_read(proxy, sandbox, sealed, account_id):
    # Safe methods are not state-changing: they pass, but get no CORS headers for a foreign origin.
    response = requests.get(proxy.url + "/Account/" + account_id, timeout=30,
                            headers={"Cookie": "tornsf_session=" + sealed, "Origin": "https://evil.example"})

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
