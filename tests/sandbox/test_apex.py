"""Apex REST demo services of the sandbox org over HTTP."""

import pytest
import requests

from tornsf.sandbox import ids


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_echo_supports_every_method(api, method):
    response = api.http.request(method, api.url("/services/apexrest/echo?name=M%C3%BCller&tag=a+b&empty="),
                                data=b'{"k": [1, "\xc3\xa9"]}', headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    echo = response.json()
    assert echo["method"] == method
    assert echo["params"] == {"name": "Müller", "tag": "a b", "empty": ""}
    assert echo["rawQuery"] == "name=M%C3%BCller&tag=a+b&empty="
    assert echo["body"] == {"k": [1, "é"]}
    assert echo["rawBody"] == '{"k": [1, "é"]}'
    assert echo["contentType"] == "application/json"


def test_echo_keeps_non_json_body_raw(api):
    echo = api.post("/services/apexrest/echo", data="plain words", headers={"Content-Type": "text/plain"}).json()
    assert echo["body"] is None
    assert echo["rawBody"] == "plain words"


def test_echo_accepts_sub_paths(api):
    echo = api.get("/services/apexrest/echo/a/b").json()
    assert echo["path"] == "/services/apexrest/echo/a/b"


def test_hello_returns_json_string(api):
    response = api.get("/services/apexrest/hello")
    assert response.status_code == 200
    assert response.json() == "Hello, Demo User!"


def test_hello_rejects_post(api):
    response = api.post("/services/apexrest/hello", json={})
    assert response.status_code == 405
    assert response.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_account_summary(api):
    account = api.records("SELECT Id FROM Account WHERE Name = 'Acme Corporation'")[0]
    summary = api.get("/services/apexrest/accounts/%s/summary" % account["Id"]).json()
    assert summary["name"] == "Acme Corporation"
    assert summary["contactCount"] >= 1
    assert isinstance(summary["openPipeline"], float)


def test_account_summary_unknown_id(api):
    response = api.get("/services/apexrest/accounts/%s/summary" % ids.make_id("001", 999999))
    assert response.status_code == 404


@pytest.mark.parametrize("code", [201, 400, 404, 503])
def test_status_service_sets_status(api, code):
    response = api.post("/services/apexrest/status/%d" % code)
    assert response.status_code == code
    assert response.json()["status"] == code


def test_status_service_204_has_no_body(api):
    response = api.delete("/services/apexrest/status/204")
    assert response.status_code == 204
    assert response.content == b""


def test_status_service_rejects_disallowed_code(api):
    response = api.get("/services/apexrest/status/418")
    assert response.status_code == 500
    assert response.json()[0]["errorCode"] == "APEX_ERROR"


def test_text_service_returns_plain_text(api):
    response = api.get("/services/apexrest/text")
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "ünïcödé" in response.text


def test_error_service_returns_apex_error(api):
    response = api.get("/services/apexrest/error")
    assert response.status_code == 500
    assert response.json()[0]["errorCode"] == "APEX_ERROR"
    assert "System.NullPointerException" in response.json()[0]["message"]


def test_unknown_apex_path_is_not_found(api):
    response = api.get("/services/apexrest/nothing/here")
    assert response.status_code == 404
    assert response.json() == [{"message": "Could not find a match for URL", "errorCode": "NOT_FOUND"}]


def test_apex_mapping_is_case_sensitive(api):
    assert api.get("/services/apexrest/Echo").status_code == 404


def test_apex_needs_a_token(sandbox):
    response = requests.get(sandbox.url + "/services/apexrest/echo")
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_apex_response_carries_limit_info(api):
    assert api.get("/services/apexrest/hello").headers["Sforce-Limit-Info"].startswith("api-usage=")
