"""Apex REST through the running proxy: every method, exact bytes, path checks and error pass-through."""

import http.client
import json
import urllib.parse

import pytest
import requests

SALESFORCE_SHAPES = {"X-Model-Dialect": "salesforce"}


def auth(sealed, **headers):
    return dict(SALESFORCE_SHAPES, Authorization="Bearer " + sealed, **headers)


def raw_get(base_url, path, headers):
    """GET ``path`` exactly as written: requests would remove dot segments before sending."""
    parts = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_every_method_reaches_apex(proxy, sandbox, bearer, method):
    body = '{"greeting": "grüß dich", "n": 1}'.encode("utf-8") if method != "GET" else None

    response = requests.request(method, proxy.url + "/apex/echo/items", data=body,
                                headers=auth(bearer, **{"Content-Type": "application/json"}), timeout=30)

    echo = response.json()
    assert response.status_code == 200
    assert echo["method"] == method
    assert echo["path"] == "/services/apexrest/echo/items"
    if body is not None:
        assert echo["rawBody"].encode("utf-8") == body
        assert echo["contentType"] == "application/json"


def test_path_segments_are_reencoded(proxy, sandbox, bearer):
    sandbox.reset_calls()

    response = requests.get(proxy.url + "/apex/echo/caf%C3%A9/a%20b/x+y/%7Euser", headers=auth(bearer), timeout=30)

    assert response.status_code == 200
    assert response.json()["path"] == "/services/apexrest/echo/caf%C3%A9/a%20b/x+y/~user"
    assert sandbox.calls()["log"][-1]["path"] == "/services/apexrest/echo/caf%C3%A9/a%20b/x+y/~user"


def test_query_arguments_arrive_byte_for_byte(proxy, sandbox, bearer):
    sandbox.reset_calls()
    raw = "name=%C3%A9t%C3%A9%20%E5%8C%97&plus=a%2Bb&amp=x%26y%3Dz&empty=&repeat=1&repeat=2"

    response = requests.get(proxy.url + "/apex/echo?" + raw, headers=auth(bearer), timeout=30)

    assert response.status_code == 200
    assert response.json()["params"]["name"] == "été 北"
    assert response.json()["params"]["plus"] == "a+b"
    assert response.json()["params"]["amp"] == "x&y=z"
    assert sandbox.calls()["log"][-1]["query"] == raw


def test_body_and_content_type_pass_through(proxy, sandbox, bearer):
    body = "id;name\n1;Zoë\n".encode("utf-8")

    response = requests.post(proxy.url + "/apex/echo", data=body,
                             headers=auth(bearer, **{"Content-Type": "text/csv; charset=utf-8"}), timeout=30)

    assert response.status_code == 200
    assert response.json()["rawBody"].encode("utf-8") == body
    assert response.json()["contentType"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    [
        "/apex/",
        "/apex/echo/..",
        "/apex/echo/../../data/v62.0/query",
        "/apex/echo/%2E%2E/x",
        "/apex/echo/.",
        "/apex/echo/a%2Fb",
        "/apex/echo/a%3Fq=1",
        "/apex/echo/a%23frag",
        "/apex/echo/a%5Cb",
        "/apex/echo/a%00b",
        "/apex/echo/a%0D%0AX-Injected:%201",
        "/apex/echo//x",
        "/apex/echo/",
        "/apex/echo/%FF",
    ],
)
def test_invalid_apex_path_makes_no_call(proxy, sandbox, bearer, path):
    sandbox.reset_calls()

    status, body = raw_get(proxy.url, path, auth(bearer))

    assert status == 400
    assert json.loads(body)["error"] == "invalid_apex_path"
    assert sandbox.calls()["total"] == 0


def test_text_response_passes_unchanged(proxy, sandbox, bearer):
    response = requests.get(proxy.url + "/apex/text", headers=auth(bearer), timeout=30)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.content == "plain text from Apex, ünïcödé included\n".encode("utf-8")


def test_apex_status_and_body_kept(proxy, sandbox, bearer):
    not_found = requests.get(proxy.url + "/apex/status/404", headers=auth(bearer), timeout=30)
    no_content = requests.delete(proxy.url + "/apex/status/204", headers=auth(bearer), timeout=30)

    assert not_found.status_code == 404
    assert not_found.json() == {"status": 404, "method": "GET"}
    assert no_content.status_code == 204
    assert no_content.content == b""


def test_salesforce_errors_keep_status_and_code(proxy, sandbox, bearer):
    unhandled = requests.get(proxy.url + "/apex/error", headers=auth(bearer), timeout=30)
    unmapped = requests.get(proxy.url + "/apex/no-such-service", headers=auth(bearer), timeout=30)
    wrong_method = requests.post(proxy.url + "/apex/hello", json={}, headers=auth(bearer), timeout=30)

    assert unhandled.status_code == 500
    assert unhandled.json()[0]["errorCode"] == "APEX_ERROR"
    assert unmapped.status_code == 404
    assert unmapped.json()[0]["errorCode"] == "NOT_FOUND"
    assert wrong_method.status_code == 405
    assert json.dumps(wrong_method.json())
