"""Fixtures that run the real proxy against the second Salesforce stand-in.

The stand-in's login server listens on 127.0.0.1 and its instance on
127.0.0.2, so the proxy must keep OAuth calls on the login host and data
calls on the instance host, as with Salesforce's login.salesforce.com and
My Domain instances.  Query pages hold at most ``PAGE_SIZE`` records, so
lists of a few records already span pages.
"""

from __future__ import annotations

from typing import Any, Optional

import pytest
import requests

from tests.conformance import org
from tests.conformance.upstream import UpstreamServer
from tests.fixtures.proxy import start_proxy

PAGE_SIZE = 3


def conformance_environ(upstream: UpstreamServer, **extra: str) -> dict[str, str]:
    environ = {
        "SALESFORCE_CLIENT_ID": org.CLIENT_ID,
        "SALESFORCE_CLIENT_SECRET": org.CLIENT_SECRET,
        "SALESFORCE_ALLOWED_HOSTS": "127.0.0.1,127.0.0.2",
    }
    environ.update(extra)
    return environ


@pytest.fixture(scope="session")
def upstream():
    server = UpstreamServer(page_size=PAGE_SIZE).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sf_proxy(upstream):
    """One dev proxy with one worker, pointed at the stand-in's login server."""
    process = start_proxy(upstream.login_url, environ=conformance_environ(upstream))
    yield process
    process.stop()


def password_login(proxy_url: str, client: Any = requests) -> requests.Response:
    body = {"username": org.USERNAME, "password": org.PASSWORD + org.SECURITY_TOKEN}
    return client.post(proxy_url + "/login/password", json=body, headers={"Accept": "application/json"}, timeout=30)


@pytest.fixture
def sf_bearer(sf_proxy) -> str:
    """A sealed password-flow session of the stand-in's user, for ``Authorization: Bearer``."""
    response = password_login(sf_proxy.url)
    assert response.status_code == 200, response.text
    return response.json()["session"]


def web_login(proxy_url: str, app_url: Optional[str] = None) -> requests.Session:
    """Log in through the web-server flow; the stand-in's authorize page approves at once."""
    session = requests.Session()
    session.headers["Origin"] = proxy_url
    params = {"app_url": app_url} if app_url else {}
    response = session.get(proxy_url + "/login", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return session


@pytest.fixture
def sf_web(sf_proxy) -> requests.Session:
    """A ``requests.Session`` logged in by the web-server flow (it has a refresh token)."""
    session = web_login(sf_proxy.url)
    yield session
    session.close()
