"""Forwarded headers trusted only when configured, and slow clients cut off by the server's timeouts."""

import socket
import time
import urllib.parse

import pytest

from tests.fixtures.proxy import DEMO_PASSWORD, DEMO_USERNAME, start_proxy
from tests.security.helpers import raw_request
from tornsf.config import load_settings
from tornsf.errors import StartupError

SPOOFED_IP = "203.0.113.66"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Scheme": "https", "X-Real-Ip": SPOOFED_IP,
             "X-Forwarded-For": SPOOFED_IP}


@pytest.fixture(scope="module")
def default_proxy(sandbox_server):
    process = start_proxy(sandbox_server.url, environ={"IDLE_TIMEOUT": "1", "BODY_TIMEOUT": "1"})
    yield process
    process.stop()


@pytest.fixture(scope="module")
def trusting_proxy(sandbox_server):
    process = start_proxy(sandbox_server.url, environ={"TRUST_PROXY_HEADERS": "true"})
    yield process
    process.stop()


@pytest.fixture(scope="module")
def heroku_proxy(sandbox_server):
    process = start_proxy(sandbox_server.url, environ={"DYNO": "web.1"})
    yield process
    process.stop()


def login_cookie(proxy):
    body = ("username=%s&password=%s" % (urllib.parse.quote(DEMO_USERNAME), DEMO_PASSWORD)).encode()
    headers = dict(FORWARDED, **{"Content-Type": "application/x-www-form-urlencoded"})
    response = raw_request(proxy.url, "POST", "/login/password", headers=headers, body=body)
    assert response.status_code == 303, response.text
    return next(value for name, value in response.headers.items()
                if name.lower() == "set-cookie" and value.startswith("tornsf_session="))


def test_forwarded_proto_ignored_by_default(default_proxy):
    cookie = login_cookie(default_proxy)

    assert "Secure" not in cookie
    assert "SameSite=Lax" in cookie


def test_spoofed_client_ip_not_logged(default_proxy):
    before = len(default_proxy.log_text())
    response = raw_request(default_proxy.url, "GET", "/apex/echo?x=%FE", headers=FORWARDED)
    assert response.status_code in (400, 401)
    log = default_proxy.log_text()[before:]

    assert SPOOFED_IP not in log


@pytest.mark.parametrize("fixture", ["trusting_proxy", "heroku_proxy"])
def test_forwarded_proto_trusted_when_enabled(request, fixture):
    cookie = login_cookie(request.getfixturevalue(fixture))

    assert "Secure" in cookie
    assert "SameSite=None" in cookie


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_trust_setting_rejects_other_values(value):
    environ = {"SALESFORCE_CLIENT_ID": "c", "SALESFORCE_CLIENT_SECRET": "s", "TRUST_PROXY_HEADERS": value}

    with pytest.raises(StartupError, match="TRUST_PROXY_HEADERS"):
        load_settings("dev", environ)


def closed_within(sock, seconds):
    """Return True when the server closes ``sock`` within ``seconds``."""
    sock.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not sock.recv(4096):
                return True
    except (socket.timeout, TimeoutError):
        return False
    except ConnectionResetError:
        return True
    return False


def connect(proxy):
    parts = urllib.parse.urlsplit(proxy.url)
    return socket.create_connection((parts.hostname, parts.port), timeout=5)


def test_slow_headers_cut_off(default_proxy):
    with connect(default_proxy) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")

        assert closed_within(sock, 10)


def test_slow_body_cut_off(default_proxy):
    with connect(default_proxy) as sock:
        sock.sendall(b"POST /login/password HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"username\":")

        assert closed_within(sock, 10)


def test_idle_connection_cut_off(default_proxy):
    with connect(default_proxy) as sock:
        assert closed_within(sock, 10)


def test_body_timeout_follows_body_limit():
    environ = {"SALESFORCE_CLIENT_ID": "c", "SALESFORCE_CLIENT_SECRET": "s", "MAX_BODY_BYTES": str(100 * 1024 * 1024)}

    settings = load_settings("dev", environ)

    assert settings.body_timeout > 60
    assert settings.idle_timeout == 60
