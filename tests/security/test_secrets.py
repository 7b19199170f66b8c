"""Secrets: a full session at DEBUG leaves no token, code, secret, password or cookie in the logs or responses.

One proxy runs with LOG_LEVEL=DEBUG through web and password logins, a
failed login, CRUD, Apex, a refresh, upstream errors, hostile requests and
logout.  Every response is kept; afterwards the proxy's whole log and every
response body are searched for each secret value seen on the way, and the
bodies for stack traces and server paths.
"""

import json
import urllib.parse

import pytest
import requests

from tests.fixtures.proxy import DEMO_PASSWORD, TEST_COOKIE_SECRET, password_login
from tests.security.helpers import SALESFORCE_SHAPES, assert_no_leak, bearer_headers, test_sealer
from tests.security.test_oauth_state import Login

WRONG_PASSWORD = "wrong-Pa55word-value"
CLIENT_SECRET = "tornsf-sandbox-secret"


class Recorder:
    """Send requests and keep every response."""

    def __init__(self, proxy):
        self.proxy = proxy
        self.responses = []

    def __call__(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        response = requests.request(method, self.proxy.url + path, **kwargs)
        self.responses.append(response)
        return response


def renewed_value(response, fallback):
    if "X-Tornsf-Session" in response.headers:
        return response.headers["X-Tornsf-Session"]
    cookie = response.cookies.get("tornsf_session")
    return cookie.strip('"') if cookie else fallback


@pytest.mark.slow
def test_full_session_at_debug_leaks_nothing(proxy_factory, sandbox):
    proxy = proxy_factory(environ={"LOG_LEVEL": "DEBUG"})
    send = Recorder(proxy)
    secrets = {"client secret": CLIENT_SECRET, "cookie secret": TEST_COOKIE_SECRET, "password": DEMO_PASSWORD,
               "wrong password": WRONG_PASSWORD}
    sealer = test_sealer()

    # Web-server flow.
    login = Login(proxy)
    secrets.update(code=login.code, state=login.state, nonce_cookie=login.cookie, verifier=login.nonce["v"],
                   nonce=login.nonce["n"])
    callback = send("GET", "/login/callback", params={"code": login.code, "state": login.state},
                    headers={"Cookie": "tornsf_oauth=" + login.cookie})
    assert callback.status_code == 302, callback.text
    web = callback.cookies.get("tornsf_session").strip('"')
    web_session, _ = sealer.open(web)
    secrets.update(web_cookie=web, web_access=web_session.access_token, web_refresh=web_session.refresh_token)
    cookie = {"Cookie": "tornsf_session=" + web, "Origin": proxy.url}

    # Password flow, JSON and form, and failed logins.
    password = password_login(proxy.url).json()["session"]
    password_session, _ = sealer.open(password)
    secrets.update(password_sealed=password, password_access=password_session.access_token)
    assert send("POST", "/login/password", json={"username": "demo@example.com", "password": WRONG_PASSWORD},
                headers={"Accept": "application/json"}).status_code == 401
    assert send("POST", "/login/password", data={"username": "demo@example.com", "password": WRONG_PASSWORD},
                headers={"Origin": proxy.url}).status_code == 401
    assert send("GET", "/login/callback", params={"code": "stolen-code-value", "state": login.state}).status_code == 400
    bearer = bearer_headers(password)

    # CRUD and queries, with the cookie and with the bearer value.
    for auth in (cookie, bearer):
        created = send("POST", "/Account", json={"Name": "secrets test"}, headers=dict(auth, **SALESFORCE_SHAPES))
        assert created.status_code == 201, created.text
        record = "/Account/" + created.json()["id"]
        assert send("GET", record, headers=auth).status_code == 200
        assert send("PATCH", record, json={"Description": "x"}, headers=auth).status_code < 300
        assert send("GET", "/Account", params={"q": "SELECT Id, Name FROM Account LIMIT 3"},
                    headers=auth).status_code == 200
        assert send("DELETE", record, headers=auth).status_code < 300

    # Apex.
    assert send("GET", "/apex/echo/x", params={"a": "b"}, headers=bearer).status_code == 200
    assert send("POST", "/apex/echo", data=b"body", headers=dict(bearer, **{"Content-Type": "text/plain"})
                ).status_code == 200
    send("GET", "/apex/error", headers=bearer)

    # Refresh, for the cookie and for a bearer client of the web session.
    sandbox.expire_tokens()
    refreshed = send("GET", "/Account", params={"q": "SELECT Id FROM Account LIMIT 1"}, headers=cookie)
    assert refreshed.status_code == 200, refreshed.text
    web2 = renewed_value(refreshed, web)
    assert web2 != web
    secrets.update(web_cookie_2=web2, web_access_2=sealer.open(web2)[0].access_token)
    sandbox.expire_tokens()
    refreshed_bearer = send("GET", "/login/whoami", headers=bearer_headers(web2))
    assert refreshed_bearer.status_code == 200
    web3 = renewed_value(refreshed_bearer, web2)
    secrets.update(web_bearer_3=web3, web_access_3=sealer.open(web3)[0].access_token)

    # Upstream errors.
    for knob in ("fail_503", "request_limit_exceeded", "truncate_json", "always_401"):
        sandbox.set_knobs(**{knob: True})
        assert send("GET", "/Account", params={"q": "SELECT Id FROM Account"}, headers=bearer_headers(web3)
                    ).status_code >= 400
        sandbox.reset_knobs()
    assert send("GET", "/login/whoami", headers=bearer).status_code == 401  # expired, no refresh token

    # Hostile requests.
    hostile = [
        ("GET", "/Account", {"headers": {"Cookie": "tornsf_session=" + web[:-4]}}),
        ("GET", "/Account", {"headers": bearer_headers("garbage")}),
        ("GET", "/Account/%FF", {"headers": bearer_headers(web3)}),
        ("GET", "/Account?q=%FF%FE", {"headers": bearer_headers(web3)}),
        ("GET", "/Account", {"headers": dict(bearer_headers(web3), **{"X-Model-Dialect": "../../etc/passwd"})}),
        ("GET", "/Account?dialect=%3Cscript%3E", {"headers": bearer_headers(web3)}),
        ("POST", "/login/password", {"data": b"\xff\xfe{", "headers": {"Content-Type": "application/json"}}),
        ("POST", "/login/password", {"json": {"username": ["x"], "password": {"a": 1}}}),
        ("POST", "/login/password", {"json": [1, 2]}),
        ("POST", "/Account", {"data": b"{", "headers": dict(bearer_headers(web3), **{"Content-Type": "application/json"})}),
        ("POST", "/Account", {"data": b"{}", "headers": dict(bearer_headers(web3),
                                                            **{"Content-Type": "application/json; charset=bogus"})}),
        ("PATCH", "/Account/001000000000001AAA", {"json": {"Name": {"nested": [1]}}, "headers": bearer_headers(web3)}),
        ("GET", "/Account", {"params": {"maxFetch": "9" * 40}, "headers": bearer_headers(web3)}),
        ("GET", "/Account", {"params": {"sort": "-" * 500, "limit": "-1"}, "headers": bearer_headers(web3)}),
        ("BREW", "/Account", {"headers": bearer_headers(web3)}),
        ("HEAD", "/no/such/route/x", {}),
        ("GET", "/session", {"headers": {"Cookie": "tornsf_session=" + web3}}),
        ("GET", "/login", {"params": {"app_url": "//evil.example", "login_server": "x"}}),
        ("OPTIONS", "/Account", {"headers": {"Origin": "https://evil.example",
                                             "Access-Control-Request-Method": "DELETE"}}),
    ]
    for method, path, kwargs in hostile:
        response = send(method, path, **kwargs)
        assert response.status_code < 500 or response.status_code in (502, 503, 504), (path, response.text)

    # Logout.
    assert send("POST", "/logout", headers=cookie).status_code in (200, 303)
    assert send("POST", "/logout", headers=bearer_headers(web3)).status_code == 200

    log = proxy.log_text()
    assert "[D " in log, "LOG_LEVEL=DEBUG wrote no DEBUG line"
    for name, value in secrets.items():
        assert value and len(value) >= 8, name
        assert value not in log, "the log shows the %s" % name
        for encoded in {urllib.parse.quote(value, safe=""), json.dumps(value)[1:-1]}:
            assert encoded not in log, "the log shows the %s, encoded" % name

    raw_tokens = {name: secrets[name] for name in secrets if "access" in name or "refresh" in name
                  or name in ("client secret", "cookie secret", "verifier", "password", "wrong password")}
    for response in send.responses:
        assert_no_leak(response.text, "%s %s" % (response.request.method, response.request.url))
        visible = response.text + json.dumps(dict(response.headers))
        for name, value in raw_tokens.items():
            assert value not in visible, "%s %s shows the %s" % (response.request.method, response.url, name)


def test_log_level_setting_is_checked(proxy_factory):
    with pytest.raises(RuntimeError) as failure:
        proxy_factory(environ={"LOG_LEVEL": "CHATTY"})

    assert "LOG_LEVEL" in str(failure.value)
