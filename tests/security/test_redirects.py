"""Redirects after login go only to this server or an allowed origin; every other target gets 400."""

import pytest
import requests

from tests.fixtures.proxy import DEMO_PASSWORD, DEMO_USERNAME
from tests.security.helpers import assert_error

HOSTILE = [
    "//evil.example", "///evil.example", "////evil.example/x", "/\\evil.example", "\\\\evil.example",
    "\\/evil.example", "/\\/evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
    " //evil.example", "//evil.example\\@app.test:8123",
    "https:evil.example", "http:evil.example", "https:/evil.example", "http:\\\\evil.example", "https:\\evil.example",
    "http://evil.example", "https://evil.example/", "HTTPS://EVIL.EXAMPLE",
    "http://app.test:8123@evil.example", "http://app.test:8123@evil.example/", "http://user:pw@app.test:8123/",
    "http://evil.example\\@app.test:8123", "http://evil.example%40app.test:8123/",
    "http://app.test:8123.evil.example", "http://app.test.evil.example:8123", "http://app.test:8124/",
    "https://app.test:8123/", "http://app.test/", "https://example.test/", "https://evilexample.test/",
    "https://a.example.test.evil.example/", "http://a.example.test/", "https://a.example.test:8443/",
    "https://a.example.test\u3002evil.example/", "https://\uff45vil.example/", "https://a\u200b.example.test/",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "javascript://app.test:8123/%0Aalert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
    "%2F%2Fevil.example", "%2f%2fevil.example", "/%2F%2Fevil.example", "%252F%252Fevil.example",
    "/%5Cevil.example", "/%09/evil.example", "/%0D%0ASet-Cookie:%20x=1", "%68ttp://evil.example",
    "http%3A%2F%2Fevil.example", "http://[::1]:8123/", "http://0x7f.1:8123/", "evil.example", "evil.example/path",
    "./evil", "../evil", "?next=evil", "#frag", "http:///evil.example", "ftp://app.test:8123/",
]

SAFE = ["/", "/app", "/app/?x=1#frag", "/app/../other", "http://app.test:8123/#/home", "http://APP.test:8123/x",
        "https://a.example.test/", "https://b.a.example.test:443/p?q=1", "http://app.test:8123#@evil.example"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_login_target_rejected(proxy, sandbox, target):
    response = requests.get(proxy.url + "/login", params={"app_url": target}, allow_redirects=False, timeout=30)

    assert_error(response, 400, "redirect_rejected")
    assert "Location" not in response.headers
    assert "tornsf_oauth" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("target", HOSTILE[:20] + HOSTILE[38:48])
def test_hostile_target_rejected_before_password_login(proxy, sandbox, target):
    form = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD, "app_url": target}

    response = requests.post(proxy.url + "/login/password", data=form, headers={"Origin": proxy.url},
                             allow_redirects=False, timeout=30)
    dev_get = requests.get(proxy.url + "/login/password", params={"app_url": target}, allow_redirects=False,
                           timeout=30)

    assert_error(response, 400, "redirect_rejected")
    assert dev_get.status_code == 400
    assert "Location" not in dev_get.headers
    assert sandbox.count("POST", "/services/oauth2/token") == 0


@pytest.mark.parametrize("target", HOSTILE[:12] + HOSTILE[38:42])
def test_hostile_logout_target_rejected(proxy, sandbox, target):
    response = requests.post(proxy.url + "/logout", data={"app_url": target}, headers={"Origin": proxy.url},
                             allow_redirects=False, timeout=30)

    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize("target", SAFE)
def test_safe_target_accepted_exactly(proxy, sandbox, target):
    form = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD, "app_url": target}

    response = requests.post(proxy.url + "/login/password", data=form, headers={"Origin": proxy.url},
                             allow_redirects=False, timeout=30)

    assert response.status_code == 303, response.text
    assert response.headers["Location"] == target
