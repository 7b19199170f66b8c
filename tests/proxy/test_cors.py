"""CORS: allowed origins (exact and wildcard) get credentials; every other origin gets nothing."""

import pytest
import requests

ALLOWED = [
    "http://app.test:8123",
    "https://a.example.test",
    "https://deep.sub.domain.example.test",
]
REJECTED = [
    "http://app.test",
    "https://app.test:8123",
    "http://app.test:8124",
    "https://example.test",
    "http://a.example.test",
    "https://a.example.test:8443",
    "https://evilexample.test",
    "https://example.test.evil.net",
    "https://a.example.test.evil.net",
    "https://a.example.test@evil.net",
    "null",
    "https://evil.example",
]
REQUIRED_REQUEST_HEADERS = ["Content-Type", "Authorization", "X-Model-Dialect", "X-Requested-With",
                            "Sforce-Query-Options", "Sforce-Auto-Assign", "Sforce-Call-Options"]
REQUIRED_EXPOSED = ["Sforce-Limit-Info", "X-Tornsf-Session", "X-Total-Count", "Link", "Location", "ETag"]

CORS_HEADERS = ["Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
                "Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age"]


def header_list(value):
    return [item.strip().lower() for item in value.split(",")]


@pytest.mark.parametrize("origin", ALLOWED)
def test_allowed_origin_echoed_with_credentials(proxy, bearer, origin):
    response = requests.get(proxy.url + "/login/whoami",
                            headers={"Origin": origin, "Authorization": "Bearer " + bearer}, timeout=30)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "origin" in header_list(response.headers["Vary"])
    exposed = header_list(response.headers["Access-Control-Expose-Headers"])
    for name in REQUIRED_EXPOSED:
        assert name.lower() in exposed


@pytest.mark.parametrize("origin", REJECTED)
def test_other_origin_gets_no_cors_headers(proxy, origin):
    response = requests.get(proxy.url + "/healthz", headers={"Origin": origin}, timeout=30)

    assert response.status_code == 200
    for name in CORS_HEADERS:
        assert name not in response.headers
    assert "origin" in header_list(response.headers["Vary"])


@pytest.mark.parametrize("origin", ALLOWED)
def test_preflight_allowed(proxy, sandbox, origin):
    response = requests.options(
        proxy.url + "/Account/001000000000001AAA",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "content-type,authorization,x-model-dialect",
        },
        timeout=30,
    )

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    methods = header_list(response.headers["Access-Control-Allow-Methods"])
    for method in ("get", "post", "put", "patch", "delete"):
        assert method in methods
    allowed = header_list(response.headers["Access-Control-Allow-Headers"])
    for name in REQUIRED_REQUEST_HEADERS:
        assert name.lower() in allowed
    assert int(response.headers["Access-Control-Max-Age"]) >= 600
    assert sandbox.calls()["total"] == 0


@pytest.mark.parametrize("origin", REJECTED)
def test_preflight_other_origin(proxy, origin):
    response = requests.options(
        proxy.url + "/Account",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        timeout=30,
    )

    for name in CORS_HEADERS:
        assert name not in response.headers


def test_cors_headers_on_errors(proxy):
    response = requests.get(proxy.url + "/login/whoami", headers={"Origin": "https://x.example.test"}, timeout=30)

    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "https://x.example.test"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_preflight_on_login_routes(proxy):
    response = requests.options(
        proxy.url + "/login/password",
        headers={"Origin": "http://app.test:8123", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
        timeout=30,
    )

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://app.test:8123"


def test_allowed_origin_cookie_post_accepted(proxy, sandbox, login):
    login.headers["Origin"] = "https://app.example.test"

    response = login.post(proxy.url + "/logout", headers={"Accept": "application/json"}, timeout=30)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.test"
