"""Host header checks against DNS rebinding, and the dev-only GET /login/password from foreign pages."""

import pytest
import requests

from tests.fixtures.proxy import DEMO_PASSWORD, DEMO_USERNAME, start_proxy
from tests.helpers import port_of
from tests.security.helpers import assert_error, raw_request
from tornsf.config import load_settings
from tornsf.errors import StartupError

REBIND_HOST = "rebind.attacker.example"


@pytest.fixture(scope="module")
def dev_proxy(sandbox_server):
    process = start_proxy(sandbox_server.url, environ={
        "SALESFORCE_USERNAME": DEMO_USERNAME,
        "SALESFORCE_PASSWORD": DEMO_PASSWORD,
        "PROXY_HOSTS": "proxy.example.test,*.apps.example.test:8443",
    })
    yield process
    process.stop()


@pytest.fixture(scope="module")
def prod_proxy(sandbox_server):
    process = start_proxy(sandbox_server.url, env="prod")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def prod_named_proxy(sandbox_server):
    process = start_proxy(sandbox_server.url, env="prod", environ={
        "SALESFORCE_REDIRECT_URL": "https://proxy.example.test/login/callback",
    })
    yield process
    process.stop()


def get(proxy, path, host, **headers):
    return raw_request(proxy.url, "GET", path, headers={"Host": host, **headers})


def test_rebound_host_cannot_log_in(dev_proxy):
    host = "%s:%d" % (REBIND_HOST, port_of(dev_proxy))
    response = get(dev_proxy, "/login/password", host, Accept="application/json")

    assert_error(response, 400, "invalid_host")
    assert "set-cookie" not in {name.lower() for name in response.headers}


def test_rebound_host_fails_csrf_origin(dev_proxy):
    host = "%s:%d" % (REBIND_HOST, port_of(dev_proxy))
    response = raw_request(dev_proxy.url, "POST", "/logout",
                           headers={"Host": host, "Origin": "http://" + host, "Cookie": "tornsf_session=x"})

    assert_error(response, 400, "invalid_host")


@pytest.mark.parametrize("path", ["/healthz", "/Account", "/apex/echo", "/login"])
def test_rebound_host_rejected_everywhere(dev_proxy, path):
    response = get(dev_proxy, path, REBIND_HOST)

    assert_error(response, 400, "invalid_host")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.2", "[::1]", "app.localhost"])
def test_loopback_hosts_accepted(dev_proxy, host):
    response = get(dev_proxy, "/healthz", "%s:%d" % (host, port_of(dev_proxy)))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("host", ["proxy.example.test", "proxy.example.test:5000", "a.apps.example.test:8443"])
def test_listed_hosts_accepted(dev_proxy, host):
    response = get(dev_proxy, "/healthz", host)

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("host", ["apps.example.test:8443", "a.apps.example.test:8444", "example.test",
                                  "proxy.example.test.evil.example", "localhost.evil.example",
                                  "127.0.0.1.evil.example"])
def test_lookalike_hosts_rejected(dev_proxy, host):
    response = get(dev_proxy, "/healthz", host)

    assert_error(response, 400, "invalid_host")


def test_empty_host_rejected(dev_proxy):
    response = get(dev_proxy, "/healthz", "")

    assert_error(response, 400, "invalid_host")


def test_empty_host_gets_no_callback_url(prod_proxy):
    response = get(prod_proxy, "/login", "")

    assert_error(response, 400, "invalid_host")


def test_prod_without_names_accepts_any_host(prod_proxy):
    response = get(prod_proxy, "/healthz", "proxy.example.com")

    assert response.status_code == 200, response.text


def test_prod_checks_redirect_url_host(prod_named_proxy):
    assert get(prod_named_proxy, "/healthz", "proxy.example.test").status_code == 200
    assert_error(get(prod_named_proxy, "/healthz", "other.example.test"), 400, "invalid_host")


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_password_get_from_foreign_page_rejected(dev_proxy, site):
    response = requests.get(dev_proxy.url + "/login/password", headers={"Sec-Fetch-Site": site},
                            allow_redirects=False, timeout=30)

    assert_error(response, 403, "cross_site_login")
    assert "tornsf_session" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("site", ["none", "same-origin"])
def test_password_get_typed_in_still_works(dev_proxy, site):
    response = requests.get(dev_proxy.url + "/login/password", headers={"Sec-Fetch-Site": site},
                            allow_redirects=False, timeout=30)

    assert response.status_code == 303, response.text
    assert "tornsf_session=" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("value", ["*.com", "*.test", "https://proxy.example.com", "proxy.example.com/path",
                                   "proxy.example.com:port"])
def test_proxy_hosts_setting_rejects_bad_entries(value):
    environ = {"SALESFORCE_CLIENT_ID": "c", "SALESFORCE_CLIENT_SECRET": "s", "PROXY_HOSTS": value}

    with pytest.raises(StartupError, match="PROXY_HOSTS"):
        load_settings("dev", environ)
