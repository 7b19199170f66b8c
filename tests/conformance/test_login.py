"""Login flows against a Salesforce whose login server and instance are different hosts."""

from __future__ import annotations

import urllib.parse

import requests

from tests.conformance import org
from tests.conformance.conftest import password_login, web_login


def _token_calls(upstream, grant: str) -> list[dict]:
    return [call for call in upstream.calls() if call["path"] == "/services/oauth2/token"
            and "grant_type=" + grant in call["body"]]


def test_web_login_lands_on_whoami(sf_proxy, upstream):
    upstream.reset_calls()

    session = web_login(sf_proxy.url)
    whoami = session.get(sf_proxy.url + "/login/whoami", timeout=30)

    assert whoami.status_code == 200, whoami.text
    identity = whoami.json()
    assert identity["user_id"] == org.USER_ID
    assert identity["org_id"] == org.ORG_ID
    assert identity["username"] == org.USERNAME
    assert identity["instance_url"] == upstream.instance_url
    assert identity["login_url"] == upstream.login_url
    assert identity["flow"] == "web"


def test_web_login_uses_login_host_for_oauth(sf_proxy, upstream):
    upstream.reset_calls()

    web_login(sf_proxy.url)

    authorize = [call for call in upstream.calls() if call["path"] == "/services/oauth2/authorize"]
    assert len(authorize) == 1
    assert authorize[0]["host"] == "login"
    query = urllib.parse.parse_qs(authorize[0]["query"])
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [org.CLIENT_ID]
    assert query["redirect_uri"] == [sf_proxy.url + "/login/callback"]

    exchanges = _token_calls(upstream, "authorization_code")
    assert len(exchanges) == 1
    assert exchanges[0]["host"] == "login"
    assert exchanges[0]["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
    identity_calls = [call for call in upstream.calls() if call["path"].startswith("/id/")]
    assert identity_calls and all(call["host"] == "login" for call in identity_calls)


def test_web_login_session_keeps_refresh_token(sf_web, sf_proxy):
    described = sf_web.get(sf_proxy.url + "/session", timeout=30).json()

    assert described["flow"] == "web"
    assert described["refresh_token"]["present"] is True
    assert described["id_url"].startswith("http://127.0.0.1:")
    assert described["instance_url"].startswith("http://127.0.0.2:")
    # Salesforce's issued_at is a string of milliseconds.
    assert len(described["issued_at"]) == 13


def test_web_login_redirects_to_app_url(sf_proxy):
    session = requests.Session()
    app_url = "http://app.test:8123/after-login"

    response = session.get(sf_proxy.url + "/login", params={"app_url": app_url}, allow_redirects=False, timeout=30)
    while response.is_redirect and not response.headers["Location"].startswith(app_url):
        response = session.get(response.headers["Location"], allow_redirects=False, timeout=30)

    assert response.status_code in (302, 303)
    assert response.headers["Location"] == app_url
    assert session.cookies.get("tornsf_session")


def test_password_login_returns_identity(sf_proxy, upstream):
    upstream.reset_calls()

    response = password_login(sf_proxy.url)

    assert response.status_code == 200, response.text
    assert response.json()["identity"]["username"] == org.USERNAME
    assert response.json()["identity"]["flow"] == "password"
    grants = _token_calls(upstream, "password")
    assert len(grants) == 1
    assert grants[0]["host"] == "login"
    assert not upstream.calls("instance")


def test_password_session_has_no_refresh_token(sf_proxy, sf_bearer):
    described = requests.get(sf_proxy.url + "/session", headers={"Authorization": "Bearer " + sf_bearer}, timeout=30)

    assert described.status_code == 200
    assert described.json()["refresh_token"]["present"] is False


def test_password_login_rejected(sf_proxy):
    body = {"username": org.USERNAME, "password": "wrong"}

    response = requests.post(sf_proxy.url + "/login/password", json=body, headers={"Accept": "application/json"},
                             timeout=30)

    assert response.status_code == 401
    assert response.json()["error"] == "login_failed"
    assert "authentication failure" in response.json()["message"]


def test_whoami_with_bearer(sf_proxy, sf_bearer):
    response = requests.get(sf_proxy.url + "/login/whoami", headers={"Authorization": "Bearer " + sf_bearer},
                            timeout=30)

    assert response.status_code == 200
    assert response.json()["display_name"] == "Ada Lovelace"
    assert response.json()["email"] == "ada@conformance.example.org"


def test_logout_revokes_on_login_host(sf_proxy, upstream):
    session = web_login(sf_proxy.url)
    upstream.reset_calls()

    response = session.post(sf_proxy.url + "/logout", headers={"Accept": "application/json"}, timeout=30)

    assert response.status_code == 200, response.text
    assert response.json() == {"logged_out": True, "revoked": True}
    revokes = [call for call in upstream.calls() if call["path"] == "/services/oauth2/revoke"]
    assert len(revokes) == 1
    assert revokes[0]["host"] == "login"
    # The refresh token went to revoke, so its access tokens are gone too.
    assert "token=5Aep861" in revokes[0]["body"]


def test_revoked_refresh_token_cannot_renew(sf_proxy, upstream):
    session = web_login(sf_proxy.url)
    cookie = session.cookies.get("tornsf_session").strip('"')
    session.post(sf_proxy.url + "/logout", headers={"Accept": "application/json"}, timeout=30)

    stale = requests.get(sf_proxy.url + "/Account", params={"q": "SELECT Id FROM Account"},
                         cookies={"tornsf_session": cookie}, timeout=30)

    assert stale.status_code == 401
    assert stale.json()["error"] == "session_expired"


def test_no_upstream_cookie_reaches_client(sf_proxy, sf_bearer):
    headers = {"Authorization": "Bearer " + sf_bearer}

    whoami = requests.get(sf_proxy.url + "/login/whoami", headers=headers, timeout=30)
    listed = requests.get(sf_proxy.url + "/Account", params={"q": "SELECT Id FROM Account"}, headers=headers,
                          timeout=30)

    assert whoami.status_code == 200
    assert listed.status_code == 200
    assert "BrowserId" not in whoami.headers.get("Set-Cookie", "")
    assert "BrowserId" not in listed.headers.get("Set-Cookie", "")


def test_password_logout_revokes_access_token(sf_proxy, sf_bearer, upstream):
    headers = {"Authorization": "Bearer " + sf_bearer}
    upstream.reset_calls()

    response = requests.post(sf_proxy.url + "/logout", headers=headers, timeout=30)
    after = requests.get(sf_proxy.url + "/Account", params={"q": "SELECT Id FROM Account"}, headers=headers,
                         timeout=30)

    assert response.json() == {"logged_out": True, "revoked": True}
    revokes = [call for call in upstream.calls() if call["path"] == "/services/oauth2/revoke"]
    assert [call["host"] for call in revokes] == ["login"]
    assert "token=00D" in revokes[0]["body"]
    # Without a refresh token the revoked session cannot be renewed.
    assert after.status_code == 401
    assert after.json()["error"] == "session_expired"


def test_session_cookie_leaves_out_id_token(sf_proxy, sf_web):
    cookie = sf_web.cookies.get("tornsf_session")
    described = sf_web.get(sf_proxy.url + "/session", timeout=30).json()

    # The token response carried an ID token of over a kilobyte; the cookie stays well below 4 KB.
    assert len(cookie) < 1800
    assert described["sealed_length"] < 1800
