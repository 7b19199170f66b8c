"""Expired sessions against the second stand-in: refreshes go to the login host, retries to the instance.

Expired access tokens get 401 ``INVALID_SESSION_ID`` on data and Apex calls
and 403 ``Bad_OAuth_Token`` on the identity URL.  Refresh responses carry no
refresh token, so the proxy must keep the one it has.
"""

from __future__ import annotations

import requests

from tests.conformance.conftest import web_login

SOQL = {"q": "SELECT Id FROM Account LIMIT 1"}


def _refreshes(upstream) -> list[dict]:
    return [call for call in upstream.calls() if call["path"] == "/services/oauth2/token"
            and "grant_type=refresh_token" in call["body"]]


def test_expired_session_refreshes_at_login_host(sf_proxy, upstream):
    session = web_login(sf_proxy.url)
    upstream.org.expire_access_tokens()
    upstream.reset_calls()

    response = session.get(sf_proxy.url + "/Account", params=SOQL, timeout=30)

    assert response.status_code == 200, response.text
    refreshes = _refreshes(upstream)
    assert len(refreshes) == 1
    assert refreshes[0]["host"] == "login"
    data_calls = [call for call in upstream.calls() if call["path"].startswith("/services/data/")]
    assert len(data_calls) >= 2
    assert {call["host"] for call in data_calls} == {"instance"}
    assert "Set-Cookie" in response.headers


def test_refresh_keeps_refresh_token(sf_proxy, upstream):
    session = web_login(sf_proxy.url)

    for _ in range(2):
        upstream.org.expire_access_tokens()
        response = session.get(sf_proxy.url + "/Account", params=SOQL, timeout=30)
        assert response.status_code == 200, response.text

    described = session.get(sf_proxy.url + "/session", timeout=30).json()
    assert described["refresh_token"]["present"] is True
    assert described["instance_url"] == upstream.instance_url


def test_bearer_gets_renewed_session_header(sf_proxy, upstream):
    session = web_login(sf_proxy.url)
    # Tornado quotes the cookie value, which the cookie jar keeps.
    sealed = session.cookies.get("tornsf_session").strip('"')
    upstream.org.expire_access_tokens()

    response = requests.get(sf_proxy.url + "/Account", params=SOQL, headers={"Authorization": "Bearer " + sealed},
                            timeout=30)

    assert response.status_code == 200, response.text
    renewed = response.headers["X-Tornsf-Session"]
    assert renewed != sealed
    again = requests.get(sf_proxy.url + "/Account", params=SOQL, headers={"Authorization": "Bearer " + renewed},
                         timeout=30)
    assert again.status_code == 200


def test_whoami_refreshes_on_identity_403(sf_proxy, upstream):
    session = web_login(sf_proxy.url)
    upstream.org.expire_access_tokens()
    upstream.reset_calls()

    response = session.get(sf_proxy.url + "/login/whoami", timeout=30)

    assert response.status_code == 200, response.text
    assert response.json()["username"]
    identity_calls = [call for call in upstream.calls() if call["path"].startswith("/id/")]
    assert len(identity_calls) == 2
    assert len(_refreshes(upstream)) == 1


def test_apex_call_refreshes(sf_proxy, upstream):
    session = web_login(sf_proxy.url)
    upstream.org.expire_access_tokens()
    upstream.reset_calls()

    response = session.get(sf_proxy.url + "/apex/echo", params={"x": "1"}, timeout=30)

    assert response.status_code == 200, response.text
    assert response.json() == {"method": "GET", "params": {"x": "1"}}
    assert len(_refreshes(upstream)) == 1


def test_password_session_expiry_asks_for_login(sf_proxy, sf_bearer, upstream):
    upstream.org.expire_access_tokens()
    upstream.reset_calls()

    response = requests.get(sf_proxy.url + "/Account", params=SOQL, headers={"Authorization": "Bearer " + sf_bearer},
                            timeout=30)

    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"
    assert _refreshes(upstream) == []


def test_password_whoami_expiry_asks_for_login(sf_proxy, sf_bearer, upstream):
    upstream.org.expire_access_tokens()

    response = requests.get(sf_proxy.url + "/login/whoami", headers={"Authorization": "Bearer " + sf_bearer},
                            timeout=30)

    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"
