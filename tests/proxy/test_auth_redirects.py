"""Where the proxy may send the browser after login: itself or an allowed origin, nothing else."""

import pytest
import requests

from tests.fixtures.proxy import DEMO_PASSWORD, DEMO_USERNAME

HOSTILE = [
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "http:/evil.example",
    "https://evil.example/",
    "https://evil.example\\@app.test:8123",
    "http://app.test:8123@evil.example/",
    "http://user:pass@app.test:8123/",
    "http://app.test:8123.evil.example/",
    "http://app.test.evil.example:8123/",
    "https://example.test.evil.net/",
    "https://evilexample.test/",
    "https://a.example.test.evil.net/",
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "%252F%252Fevil.example",
    "https%3A%2F%2Fevil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "\x00//evil.example",
    "//evil.example%00.app.test",
    "evil.example",
    "ftp://app.test:8123/",
    "http://[::1]:1/",
    "https://\u3002evil.example",
    "https://evil\u3002example",
]

SAFE = [
    "/",
    "/app/#/records?id=1",
    "/login/whoami",
    "http://app.test:8123/",
    "http://app.test:8123/path?x=1#frag",
    "HTTP://APP.TEST:8123/upper",
    "https://x.example.test/",
    "https://deep.sub.example.test/a",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_app_url_rejected(proxy, target):
    response = requests.get(proxy.url + "/login", params={"app_url": target}, allow_redirects=False, timeout=30)

    assert response.status_code == 400
    assert response.json()["error"] == "redirect_rejected"
    assert "Location" not in response.headers


@pytest.mark.parametrize("target", SAFE)
def test_safe_app_url_accepted(proxy, sandbox_server, target):
    response = requests.get(proxy.url + "/login", params={"app_url": target}, allow_redirects=False, timeout=30)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(sandbox_server.url + "/services/oauth2/authorize?")


def test_own_absolute_url_accepted(proxy):
    response = requests.get(proxy.url + "/login", params={"app_url": proxy.url + "/x"}, allow_redirects=False)

    assert response.status_code == 302


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "javascript:alert(1)"])
def test_password_form_app_url_rejected_before_login(proxy, sandbox, target):
    response = requests.post(
        proxy.url + "/login/password",
        data={"username": DEMO_USERNAME, "password": DEMO_PASSWORD, "app_url": target},
        headers={"Origin": proxy.url},
        allow_redirects=False,
        timeout=30,
    )

    assert response.status_code == 400
    assert response.json()["error"] == "redirect_rejected"
    assert sandbox.count("POST", "/services/oauth2/token") == 0


def test_password_form_lands_on_app_url(proxy):
    response = requests.post(
        proxy.url + "/login/password",
        data={"username": DEMO_USERNAME, "password": DEMO_PASSWORD, "app_url": "https://z.example.test/done"},
        headers={"Origin": proxy.url},
        allow_redirects=False,
        timeout=30,
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "https://z.example.test/done"


@pytest.mark.slow
def test_final_url_used_without_app_url(proxy_factory):
    proxy = proxy_factory(environ={"SALESFORCE_FINAL_URL": "http://app.test:8123/welcome"})

    response = requests.post(
        proxy.url + "/login/password",
        data={"username": DEMO_USERNAME, "password": DEMO_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "http://app.test:8123/welcome"
