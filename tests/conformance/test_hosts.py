"""Host layouts of the second stand-in other than the default one.

Here the login server is ``localhost`` and the instance ``127.0.0.1``.  A
spare instance on ``127.0.0.3`` is the host an org moves to.  After such a
migration Salesforce names the new instance in the next token response, so
the proxy must send that refresh's retry and every later call there.
"""

from __future__ import annotations

import pytest
import requests

from tests.conformance.conftest import conformance_environ, password_login, web_login
from tests.conformance.upstream import UpstreamServer
from tests.fixtures.proxy import start_proxy

SOQL = {"q": "SELECT Id FROM Account LIMIT 1"}


@pytest.fixture(scope="module")
def moving_upstream():
    server = UpstreamServer(login_host="localhost", instance_host="127.0.0.1", spare_instance_host="127.0.0.3")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def moving_proxy(moving_upstream):
    environ = conformance_environ(moving_upstream, SALESFORCE_ALLOWED_HOSTS="localhost,127.0.0.1,127.0.0.3")
    process = start_proxy(moving_upstream.login_url, environ=environ)
    yield process
    process.stop()


def test_login_on_localhost_login_server(moving_proxy, moving_upstream):
    session = web_login(moving_proxy.url)

    described = session.get(moving_proxy.url + "/session", timeout=30).json()

    assert described["login_url"] == moving_upstream.login_url
    assert described["login_url"].startswith("http://localhost:")
    assert described["id_url"].startswith(moving_upstream.login_url + "/id/")
    assert described["instance_url"] == moving_upstream.instance_url


def test_password_login_on_localhost(moving_proxy):
    response = password_login(moving_proxy.url)

    assert response.status_code == 200, response.text
    assert response.json()["identity"]["login_url"].startswith("http://localhost:")


def test_denied_authorization(moving_proxy, moving_upstream):
    moving_upstream.deny_authorization = True
    try:
        response = requests.get(moving_proxy.url + "/login", timeout=30)
    finally:
        moving_upstream.deny_authorization = False

    assert response.status_code == 401
    assert response.json()["error"] == "login_failed"
    assert "access_denied" in response.json()["message"]


# Last in this module: it moves the module's org to the spare instance for good.
def test_refresh_moves_to_new_instance(moving_proxy, moving_upstream):
    session = web_login(moving_proxy.url)
    assert session.get(moving_proxy.url + "/Account", params=SOQL, timeout=30).status_code == 200

    moving_upstream.move_instance()
    moving_upstream.org.expire_access_tokens()
    moving_upstream.reset_calls()
    retried = session.get(moving_proxy.url + "/Account", params=SOQL, timeout=30)
    later = session.get(moving_proxy.url + "/apex/echo", timeout=30)

    assert retried.status_code == 200, retried.text
    assert later.status_code == 200, later.text
    hosts = [call["host"] for call in moving_upstream.calls() if not call["path"].startswith(("/id/", "/services/oauth2"))]
    # The first call still used the old instance and got 401; everything after the refresh went to the new one.
    assert hosts[0] == "instance"
    assert set(hosts[1:]) == {"spare"}
    described = session.get(moving_proxy.url + "/session", timeout=30).json()
    assert described["instance_url"] == moving_upstream.spare_instance_url
