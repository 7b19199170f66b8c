"""Apex path segments with ';' or a leading '..', and query arguments that are not UTF-8."""

import pytest

from tests.security.helpers import assert_error, bearer_headers, data_calls, raw_request


@pytest.mark.parametrize("path", [
    "/apex/echo/..;/..;/data/v62.0/limits",
    "/apex/echo/..%3B/..%3B/data/v62.0/limits",
    "/apex/echo/...",
    "/apex/echo/..x",
    "/apex/..;/data/v62.0/limits",
])
def test_apex_dotdot_prefixed_segment_rejected(proxy, sandbox, sealed, path):
    sandbox.reset_calls()
    response = raw_request(proxy.url, "GET", path, headers=bearer_headers(sealed))

    assert_error(response, 400, "invalid_apex_path")
    assert data_calls(sandbox) == []


@pytest.mark.parametrize("path, sent", [
    ("/apex/echo/a;b", "/services/apexrest/echo/a%3Bb"),
    ("/apex/echo/a%3Bb", "/services/apexrest/echo/a%3Bb"),
    ("/apex/echo/x;jsessionid=1", "/services/apexrest/echo/x%3Bjsessionid=1"),
])
def test_apex_semicolon_percent_encoded(proxy, sandbox, sealed, path, sent):
    sandbox.reset_calls()
    response = raw_request(proxy.url, "GET", path, headers=bearer_headers(sealed))

    assert response.status_code == 200, response.text
    assert data_calls(sandbox)[-1]["path"] == sent


@pytest.mark.parametrize("path, name", [
    ("/apex/echo?x=%FE", "x"),
    ("/apex/echo?ok=1&bad=%C3%28", "bad"),
    ("/Account?q=SELECT+Id+FROM+Account&Name=%FF", "Name"),
    ("/Account/001000000000001AAA?fields=%FE", "fields"),
])
def test_non_utf8_argument_named_in_error(proxy, sandbox, sealed, path, name):
    sandbox.reset_calls()
    response = raw_request(proxy.url, "GET", path, headers=bearer_headers(sealed))

    body = assert_error(response, 400, "invalid_argument")
    assert name in body["message"]
    assert "UTF-8" in body["message"]
    assert "\\x" not in body["message"]
    assert "b'" not in body["message"]
    # Describe calls may come first; no query, record or Apex call may.
    describe = ("/sobjects/", "/describe")
    assert [entry for entry in data_calls(sandbox) if not entry["path"].endswith(describe)] == []


def test_non_utf8_path_segment_is_400(proxy, sealed):
    response = raw_request(proxy.url, "GET", "/Account/%FE", headers=bearer_headers(sealed))

    body = assert_error(response, 400, "invalid_argument")
    assert "UTF-8" in body["message"]
    assert "b'" not in body["message"]
