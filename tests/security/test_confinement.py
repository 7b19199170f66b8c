"""Confinement: hostile names, ids, external-id values, Apex paths and hosts never steer an upstream call.

Every rejected request is checked against the sandbox's call log (zero calls),
and every accepted one must reach exactly the expected upstream path and query.
Paths go out through ``http.client`` so that dot segments and escapes reach the
proxy exactly as written here.
"""

import dataclasses
import json
import urllib.parse

import pytest
import requests

from tests.fixtures.proxy import DEMO_PASSWORD, DEMO_USERNAME, start_proxy
from tests.proxy.test_refresh import web_bearer
from tests.security.helpers import (
    API,
    assert_error,
    bearer_headers,
    data_calls,
    first_account_id,
    raw_request,
    test_sealer,
)
from tornsf.sandbox import SandboxServer

Q = "?q=SELECT+Id+FROM+Account"
ID = "001000000000001AAA"
LONG_NAME = "A" * 81

REJECTED = [
    # SObject names
    ("GET", "/.." + Q, "invalid_sobject"),
    ("GET", "/%2e%2e" + Q, "invalid_sobject"),
    ("GET", "/Account%2F.." + Q, "invalid_sobject"),
    ("GET", "/Account%2f..%2fquery" + Q, "invalid_sobject"),
    ("GET", "/Account%5C.." + Q, "invalid_sobject"),
    ("GET", "/Account%3Fq%3DSELECT" + Q, "invalid_sobject"),
    ("GET", "/Account%23frag" + Q, "invalid_sobject"),
    ("GET", "/Acc%00ount" + Q, "invalid_sobject"),
    ("GET", "/Account%0D%0ASet-Cookie:%20x=1" + Q, "invalid_sobject"),
    ("GET", "/Account%252F.." + Q, "invalid_sobject"),
    ("GET", "/%EF%BC%A1ccount" + Q, "invalid_sobject"),  # fullwidth A
    ("GET", "/Acc%D0%BEunt" + Q, "invalid_sobject"),  # Cyrillic o
    ("GET", "/" + LONG_NAME + Q, "invalid_sobject"),
    ("GET", "/1Account" + Q, "invalid_sobject"),
    ("GET", "/Account.Name" + Q, "invalid_sobject"),
    ("GET", "/Account%20" + Q, "invalid_sobject"),
    ("POST", "/Account%2F..%2F..%2Fapexrest%2Fecho", "invalid_sobject"),
    ("GET", "/%2e%2e/" + ID, "invalid_sobject"),
    # record ids
    ("GET", "/Account/..", "invalid_id"),
    ("GET", "/Account/.", "invalid_id"),
    ("GET", "/Account/%2e%2e", "invalid_id"),
    ("GET", "/Account/%2E%2E%2F%2E%2E%2Fquery", "invalid_id"),
    ("GET", "/Account/001000000000001%2F..", "invalid_id"),
    ("GET", "/Account/" + ID + "%2F..%2F..%2Fquery", "invalid_id"),
    ("GET", "/Account/0010000000000011", "invalid_id"),
    ("GET", "/Account/001000000000001AAAA", "invalid_id"),
    ("GET", "/Account/001000000000001AA%3F", "invalid_id"),
    ("GET", "/Account/001000000000001AA%23", "invalid_id"),
    ("GET", "/Account/001000000000001AA%5C", "invalid_id"),
    ("GET", "/Account/001000000000001AA%00", "invalid_id"),
    ("GET", "/Account/" + "%EF%BC%90" * 15, "invalid_id"),  # fullwidth digits
    ("GET", "/Account/" + ID + "%252F", "invalid_id"),
    ("PATCH", "/Account/..%2F" + ID, "invalid_id"),
    ("DELETE", "/Account/%2e%2e%2f" + ID, "invalid_id"),
    # fields
    ("GET", "/Account/" + ID + "?fields=Name%26q%3Dx", "invalid_fields"),
    ("GET", "/Account/" + ID + "?fields=Name%2F..", "invalid_fields"),
    ("GET", "/Account/" + ID + "?fields=Name%23x", "invalid_fields"),
    ("GET", "/Account/..%2F/x", "invalid_field"),
    ("GET", "/Account/Ext%2FId__c/x", "invalid_field"),
    ("GET", "/Account/%2e%2e/x", "invalid_field"),
    # external-id values
    ("GET", "/Account/ExtId__c/..", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/.", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/%2e%2e", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/%2E", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/a%2Fb", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/a%2f..%2f..%2fquery", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/a%5Cb", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/a%3Fb%3Dc", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/a%23b", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/a%00b", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/a%0D%0Ab", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/a%09b", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/a%7Fb", "invalid_external_id"),
    ("GET", "/Account/ExtId__c/" + "x" * 256, "invalid_external_id"),
    ("PATCH", "/Account/ExtId__c/%2e%2e", "invalid_external_id"),
    ("DELETE", "/Account/ExtId__c/a%2Fb", "invalid_external_id"),
    # Apex paths
    ("GET", "/apex/..", "invalid_apex_path"),
    ("GET", "/apex/.", "invalid_apex_path"),
    ("GET", "/apex/%2e%2e/data/v62.0/query", "invalid_apex_path"),
    ("GET", "/apex/echo/..", "invalid_apex_path"),
    # Segments starting with '..' ("..;", "...") can become '..' on servers that strip path parameters.
    ("GET", "/apex/echo/...", "invalid_apex_path"),
    ("GET", "/apex/echo/%2E%2E/%2E%2E/data/v62.0/query", "invalid_apex_path"),
    ("GET", "/apex/echo%2F..%2F..%2Fdata", "invalid_apex_path"),
    ("GET", "/apex/echo%3Fq%3D1", "invalid_apex_path"),
    ("GET", "/apex/echo%23x", "invalid_apex_path"),
    ("GET", "/apex/echo%5C..", "invalid_apex_path"),
    ("GET", "/apex/echo%00", "invalid_apex_path"),
    ("GET", "/apex/echo%0D%0AX-Injected:%201", "invalid_apex_path"),
    ("GET", "/apex/echo//x", "invalid_apex_path"),
    ("GET", "/apex/", "invalid_apex_path"),
    ("GET", "/apex/%C0%AE%C0%AE/x", "invalid_apex_path"),  # overlong UTF-8 dots
    ("GET", "/apex/%FF", "invalid_apex_path"),
    ("POST", "/apex/echo/%2e%2e", "invalid_apex_path"),
    ("DELETE", "/apex/%2e%2e%2f%2e%2e%2fdata", "invalid_apex_path"),
    # query cursors
    ("GET", "/Account?cursor=/services/data/v62.0/query/../../apexrest/echo", "invalid_cursor"),
    ("GET", "/Account?cursor=%2Fservices%2Fdata%2F..%2Fapexrest%2Fecho", "invalid_cursor"),
    ("GET", "/Account?cursor=http://127.0.0.2/services/data/v62.0/query/x", "invalid_cursor"),
    ("GET", "/Account?cursor=//127.0.0.2/services/data/v62.0/query/x", "invalid_cursor"),
    ("GET", "/Account?cursor=/services/oauth2/token", "invalid_cursor"),
    ("GET", "/Account?cursor=/services/data/v62.0/query/x%3Fy%3D1", "invalid_cursor"),
    ("GET", "/Account?cursor=/services/data/v62.0/query/x%23y", "invalid_cursor"),
    ("GET", "/Account?cursor=/services/data/v62.0/query/x%5Cy", "invalid_cursor"),
    ("GET", "/Account?cursor=..%2F..%2Fapexrest", "invalid_cursor"),
]


@pytest.mark.parametrize("method, path, code", REJECTED)
def test_hostile_path_rejected_without_upstream_call(proxy, sandbox, sealed, method, path, code):
    body = b"{}" if method in ("POST", "PATCH", "PUT") else None
    headers = bearer_headers(sealed, **({"Content-Type": "application/json"} if body else {}))
    sandbox.reset_calls()

    response = raw_request(proxy.url, method, path, headers, body)

    assert_error(response, 400, code)
    assert sandbox.calls()["total"] == 0


ACCEPTED = [
    # (request path, upstream path, upstream query)
    ("/Account/ExtId__c/%252F", "/sobjects/Account/ExtId__c/%252F", ""),
    ("/Account/ExtId__c/%252e%252e", "/sobjects/Account/ExtId__c/%252e%252e", ""),
    ("/Account/ExtId__c/%2500", "/sobjects/Account/ExtId__c/%2500", ""),
    ("/Account/ExtId__c/%EF%BC%8F", "/sobjects/Account/ExtId__c/%EF%BC%8F", ""),  # fullwidth solidus
    ("/Account/ExtId__c/%E2%88%95x", "/sobjects/Account/ExtId__c/%E2%88%95x", ""),  # division slash
    ("/Account/ExtId__c/...", "/sobjects/Account/ExtId__c/...", ""),
    ("/Account/ExtId__c/a%20b%2Bc", "/sobjects/Account/ExtId__c/a%20b%2Bc", ""),
    ("/Account/ExtId__c/a;b=c", "/sobjects/Account/ExtId__c/a%3Bb%3Dc", ""),
    ("/Account/ExtId__c/%E6%9D%B1%E4%BA%AC", "/sobjects/Account/ExtId__c/%E6%9D%B1%E4%BA%AC", ""),
    ("/Account/ExtId__c/" + "x" * 255, "/sobjects/Account/ExtId__c/" + "x" * 255, ""),
    ("/apex/echo/%252F..%252F", "echo/%252F..%252F", ""),
    ("/apex/echo/a%2520b", "echo/a%2520b", ""),
    ("/apex/echo/%EF%BC%8F%EF%BC%8E%EF%BC%8E", "echo/%EF%BC%8F%EF%BC%8E%EF%BC%8E", ""),
    ("/apex/echo/a:b@c", "echo/a:b@c", ""),
    ("/apex/echo/Z%C3%BCrich", "echo/Z%C3%BCrich", ""),
    ("/apex/echo/" + "y" * 4000, "echo/" + "y" * 4000, ""),
    ("/apex/echo?a=%26b%3Dc&x=%23", "echo", "a=%26b%3Dc&x=%23"),
    ("/apex/echo?%3F=%3F&next=/services/oauth2/token", "echo", "%3F=%3F&next=%2Fservices%2Foauth2%2Ftoken"),
]


@pytest.mark.parametrize("path, upstream, query", ACCEPTED)
def test_accepted_path_reaches_exactly_one_upstream_path(proxy, sandbox, sealed, path, upstream, query):
    expected = ("/services/apexrest/" if path.startswith("/apex/") else API) + upstream
    sandbox.reset_calls()

    response = raw_request(proxy.url, "GET", path, bearer_headers(sealed))

    assert response.status_code in (200, 404), response.text[:300]
    calls = [entry for entry in data_calls(sandbox) if not _is_describe(entry["path"])]
    assert [(entry["path"], entry["query"]) for entry in calls] == [(expected, query)]


def test_record_fields_reach_upstream_as_one_query_argument(proxy, sandbox, sealed):
    record_id = first_account_id(proxy.url, sealed)
    sandbox.reset_calls()

    response = raw_request(proxy.url, "GET", "/Account/%s?fields=Name,Industry" % record_id, bearer_headers(sealed))

    assert response.status_code == 200, response.text
    calls = [entry for entry in data_calls(sandbox) if not _is_describe(entry["path"])]
    assert len(calls) == 1
    assert calls[0]["path"] == API + "/sobjects/Account/" + record_id
    assert urllib.parse.parse_qs(calls[0]["query"]) == {"fields": ["Name,Industry"]}


def test_soql_with_url_syntax_stays_one_query_argument(proxy, sandbox, sealed):
    soql = "SELECT Id FROM Account WHERE Name = 'a&b=c#d?e/../f%2F' LIMIT 1"
    sandbox.reset_calls()

    response = requests.get(proxy.url + "/Account", params={"q": soql}, headers=bearer_headers(sealed), timeout=30)

    assert response.status_code == 200, response.text
    calls = [entry for entry in data_calls(sandbox) if not _is_describe(entry["path"])]
    assert [entry["path"] for entry in calls] == [API + "/query"]
    assert urllib.parse.parse_qs(calls[0]["query"]) == {"q": [soql]}


def test_url_over_header_limit_makes_no_call(proxy, sandbox, sealed):
    sandbox.reset_calls()

    try:
        response = raw_request(proxy.url, "GET", "/apex/" + "a" * 70000, bearer_headers(sealed))
    except (ConnectionError, OSError, Exception) as exc:  # the server may close without an answer
        response = exc
    if not isinstance(response, Exception):
        assert 400 <= response.status_code < 500

    assert sandbox.calls()["total"] == 0
    assert requests.get(proxy.url + "/healthz", timeout=10).status_code == 200


def _is_describe(path):
    return path in (API + "/sobjects", API + "/sobjects/") or path.endswith("/describe")


# -- hosts ---------------------------------------------------------------------


@pytest.fixture
def foreign_org():
    """A sandbox org on 127.0.0.2, a loopback address outside SALESFORCE_ALLOWED_HOSTS.

    If a host check failed, the proxy would reach this server and its call
    log would show it; no request can leave loopback either way.
    """
    server = SandboxServer(seed=None, host="127.0.0.2").start()
    yield server
    server.stop()


def foreign_calls(server):
    return requests.get(server.url + "/_sandbox/calls", timeout=10).json()["total"]


def test_token_response_with_foreign_instance_refused(sandbox_factory, foreign_org):
    org = sandbox_factory()
    org.org.base_url = foreign_org.url  # the token response now names the foreign instance
    proxy = start_proxy(org.url)
    try:
        org.reset_calls()
        client = requests.Session()
        response = client.post(proxy.url + "/login/password", json={"username": DEMO_USERNAME,
                               "password": DEMO_PASSWORD}, headers={"Accept": "application/json"}, timeout=30)

        assert_error(response, 502)
        assert "session" not in response.json()
        assert not client.cookies.get("tornsf_session")
        assert org.calls()["by_endpoint"] == {"POST /services/oauth2/token": 1}
        assert foreign_calls(foreign_org) == 0
    finally:
        proxy.stop()


def test_refresh_response_with_foreign_instance_refused(sandbox_factory, foreign_org):
    org = sandbox_factory()
    proxy = start_proxy(org.url)
    try:
        sealed = web_bearer(proxy.url)
        org.org.base_url = foreign_org.url
        org.expire_tokens()
        org.reset_calls()

        response = requests.get(proxy.url + "/Account" + Q, headers=bearer_headers(sealed), timeout=30)

        assert response.status_code in (401, 502), response.text
        assert_error(response, response.status_code)
        assert "X-Tornsf-Session" not in response.headers
        assert org.count("POST", "/services/oauth2/token") == 1
        assert org.count("GET", "/services/data/") == 1  # the first, rejected attempt only
        assert foreign_calls(foreign_org) == 0
    finally:
        proxy.stop()


HOSTILE_LOGIN_SERVERS = [
    "https://login.salesforce.com.evil.example",
    "https://evil.example/login.salesforce.com",
    "https://evil.example/.salesforce.com",
    "https://login.salesforce.com@evil.example",
    "https://login.salesforce.com%40evil.example",
    "https://login.salesforce.com\\@evil.example",
    "https://login.salesforce.com%2F@evil.example",
    "http://login.salesforce.com",
    "https://evilsalesforce.com",
    "https://salesforce.com.evil.example",
    "https://login.salesforce.com:8443",
    "https:login.salesforce.com",
    "//login.salesforce.com",
    "javascript:alert(1)",
    "https://login.salesforce.com\t.evil.example",
    "https://login.salesforce.com\u3002evil.example",
    "https://xn--login-salesforce.evil.example",
    "http://127.0.0.2:1",
    "http://localhost.evil.example",
    "ftp://login.salesforce.com",
]


@pytest.mark.parametrize("server", HOSTILE_LOGIN_SERVERS)
def test_hostile_login_server_refused_on_login(proxy, sandbox, server):
    response = requests.get(proxy.url + "/login", params={"login_server": server}, allow_redirects=False, timeout=30)

    assert_error(response, 400, "login_server_rejected")
    assert "Location" not in response.headers
    assert sandbox.calls()["total"] == 0


def test_foreign_login_server_gets_no_password(proxy, sandbox, foreign_org):
    for body in ({"login_server": foreign_org.url}, {"login_server": foreign_org.url + "/services/oauth2/token"}):
        response = requests.post(proxy.url + "/login/password", headers={"Accept": "application/json"}, timeout=30,
                                 json=dict(body, username=DEMO_USERNAME, password=DEMO_PASSWORD))
        assert_error(response, 400, "login_server_rejected")

    form = requests.post(proxy.url + "/login/password", data={"username": DEMO_USERNAME, "password": DEMO_PASSWORD,
                         "login_server": foreign_org.url}, headers={"Origin": proxy.url}, timeout=30)
    assert form.status_code == 400
    assert foreign_calls(foreign_org) == 0
    assert sandbox.calls()["total"] == 0


@pytest.mark.parametrize("field", ["instance_url", "login_url", "id_url"])
def test_sealed_session_with_foreign_host_calls_nothing(proxy, sandbox, sealed, foreign_org, field):
    session, _ = test_sealer().open(sealed)
    forged = test_sealer().seal(dataclasses.replace(session, **{field: foreign_org.url + "/id/00D/005"
                                                               if field == "id_url" else foreign_org.url}))
    sandbox.expire_tokens()
    sandbox.reset_calls()

    for method, path in (("GET", "/Account" + Q), ("GET", "/apex/echo"), ("GET", "/login/whoami"),
                         ("POST", "/logout")):
        response = requests.request(method, proxy.url + path, headers=bearer_headers(forged), timeout=30)
        assert response.status_code in (200, 401, 403, 502), response.text
        if response.status_code == 200:
            # Logout answers 200; revocation goes to the login server only, never to a foreign one.
            assert path == "/logout"
            assert json.loads(response.text)["revoked"] is (field != "login_url")

    assert foreign_calls(foreign_org) == 0
