"""``/login/whoami`` renews sessions exactly as the data routes do."""

from tests.helpers import whoami
from tests.proxy.test_refresh import get_accounts, refresh_grants, web_bearer


def test_whoami_refreshes_expired_session(proxy_factory, sandbox):
    proxy = proxy_factory()
    sealed = web_bearer(proxy.url)
    sandbox.expire_tokens()

    response = whoami(proxy, sealed)

    assert response.status_code == 200, response.text
    assert response.json()["username"] == "demo@example.com"
    assert "X-Tornsf-Session" in response.headers
    assert len(refresh_grants(sandbox)) == 1


def test_whoami_refreshes_after_expired_reused_renewal(proxy_factory, sandbox):
    proxy = proxy_factory()
    old = web_bearer(proxy.url)
    sandbox.expire_tokens()
    # A data call renews the session; the worker keeps that renewal for requests still sending the old value.
    assert get_accounts(proxy, old).status_code == 200
    sandbox.expire_tokens()

    response = whoami(proxy, old)

    assert response.status_code == 200, response.text
    assert response.json()["username"] == "demo@example.com"
    assert "X-Tornsf-Session" in response.headers
    assert len(refresh_grants(sandbox)) == 2
    renewed = response.headers["X-Tornsf-Session"]
    assert whoami(proxy, renewed).status_code == 200


def test_whoami_without_refresh_token_expires(proxy, sandbox):
    from tests.security.helpers import new_bearer

    sealed = new_bearer(proxy.url)
    sandbox.expire_tokens()

    response = whoami(proxy, sealed)

    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"
