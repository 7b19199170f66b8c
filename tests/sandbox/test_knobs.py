"""Fault knobs, the call log, token expiry and Sforce-Limit-Info of the sandbox org, over HTTP."""

import json
import re
import time

import pytest
import requests

from tornsf.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

from .conftest import API, Api, password_login
from .test_oauth import web_login


def usage(response) -> int:
    match = re.fullmatch(r"api-usage=(\d+)/15000", response.headers["Sforce-Limit-Info"])
    assert match, response.headers["Sforce-Limit-Info"]
    return int(match.group(1))


def test_limit_info_counts_calls(api):
    first = usage(api.get("/sobjects/"))
    second = usage(api.query("SELECT Id FROM Account LIMIT 1"))
    third = usage(api.get("/sobjects/Account/describe"))
    assert second == first + 1
    assert third == first + 2


def test_limit_info_is_on_error_responses(api):
    response = api.get("/sobjects/Account/001000000000000")
    assert response.status_code == 404
    assert usage(response) > 0


def test_limit_info_is_on_401(sandbox):
    response = requests.get(sandbox.url + API + "/sobjects/")
    assert response.status_code == 401
    assert "Sforce-Limit-Info" in response.headers


def test_limits_resource(api):
    limits = api.get("/limits").json()
    assert limits["DailyApiRequests"]["Max"] == 15000
    assert 0 <= limits["DailyApiRequests"]["Remaining"] < 15000


def test_knobs_read_and_change(sandbox):
    knobs = requests.get(sandbox.url + "/_sandbox/knobs").json()
    assert knobs == {"token_lifetime": None, "latency_ms": 0, "fail_503": False, "request_limit_exceeded": False,
                     "rotate_refresh_tokens": False, "refuse_refresh": False, "truncate_json": False,
                     "always_401": False}
    changed = requests.patch(sandbox.url + "/_sandbox/knobs", json={"latency_ms": 5}).json()
    assert changed["latency_ms"] == 5
    assert requests.post(sandbox.url + "/_sandbox/reset-knobs").json()["latency_ms"] == 0


@pytest.mark.parametrize("body", [{"nope": 1}, {"fail_503": "yes"}, {"token_lifetime": -1}, [1]])
def test_invalid_knob_change_is_400(sandbox, body):
    response = requests.patch(sandbox.url + "/_sandbox/knobs", json=body)
    assert response.status_code == 400
    assert response.json()["error"]


def test_token_lifetime_expires_tokens(api, sandbox):
    sandbox.set_knobs(token_lifetime=0.5)
    fresh = Api(sandbox.url, password_login(sandbox.url)["access_token"])
    assert fresh.get("/sobjects/").status_code == 200
    time.sleep(0.8)
    response = fresh.get("/sobjects/")
    assert response.status_code == 401
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_expire_tokens_expires_existing_only(api, sandbox):
    assert api.get("/sobjects/").status_code == 200
    sandbox.expire_tokens()
    assert api.get("/sobjects/").status_code == 401
    assert Api(sandbox.url, password_login(sandbox.url)["access_token"]).get("/sobjects/").status_code == 200


def test_refresh_after_expiry_gives_working_token(sandbox):
    tokens = web_login(sandbox)
    sandbox.expire_tokens()
    assert Api(sandbox.url, tokens["access_token"]).get("/sobjects/").status_code == 401
    refreshed = requests.post(sandbox.url + "/services/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET}).json()
    assert Api(sandbox.url, refreshed["access_token"]).get("/sobjects/").status_code == 200


def test_latency_delays_responses(api, sandbox):
    sandbox.set_knobs(latency_ms=300)
    started = time.monotonic()
    assert api.get("/sobjects/").status_code == 200
    assert time.monotonic() - started >= 0.28


def test_fail_503_returns_html(api, sandbox):
    sandbox.set_knobs(fail_503=True)
    for response in (api.get("/sobjects/"), requests.post(sandbox.url + "/services/oauth2/token", data={})):
        assert response.status_code == 503
        assert response.headers["Content-Type"].startswith("text/html")
        assert "<html>" in response.text


def test_request_limit_exceeded(api, sandbox):
    sandbox.set_knobs(request_limit_exceeded=True)
    response = api.query("SELECT Id FROM Account")
    assert response.status_code == 403
    assert response.json() == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


def test_always_401_rejects_fresh_tokens(sandbox):
    sandbox.set_knobs(always_401=True)
    fresh = Api(sandbox.url, password_login(sandbox.url)["access_token"])
    response = fresh.get("/sobjects/")
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_truncate_json_cuts_body(api, sandbox):
    sandbox.set_knobs(truncate_json=True)
    response = api.query("SELECT Id, Name FROM Account LIMIT 5")
    assert response.status_code == 200
    assert response.text.startswith('{"totalSize":5')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_refuse_refresh(sandbox):
    tokens = web_login(sandbox)
    sandbox.set_knobs(refuse_refresh=True)
    response = requests.post(sandbox.url + "/services/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_call_log_records_requests(api, sandbox):
    sandbox.reset_calls()
    api.query("SELECT Id FROM Account WHERE Name = 'Müller'")
    api.post("/sobjects/Account/", data='{"Name": "Logged ü"}'.encode(), headers={"Content-Type": "application/json"})
    calls = sandbox.calls()
    assert calls["total"] == 2
    assert calls["by_endpoint"] == {"GET /services/data/v62.0/query": 1, "POST /services/data/v62.0/sobjects/Account/": 1}
    query_entry, create_entry = calls["log"]
    assert query_entry["method"] == "GET"
    assert query_entry["query"].startswith("q=SELECT")
    assert "%C3%BC" in query_entry["query"]
    assert query_entry["headers"]["Authorization"] == "<redacted>"
    assert create_entry["body"] == '{"Name": "Logged ü"}'
    assert create_entry["seq"] == query_entry["seq"] + 1


def test_call_log_counts_token_calls(sandbox):
    password_login(sandbox.url)
    assert sandbox.count("POST", "/services/oauth2/token") == 1
    assert "grant_type=password" in sandbox.calls()["log"][0]["body"]


def test_admin_calls_are_not_counted(sandbox):
    sandbox.calls()
    requests.get(sandbox.url + "/_sandbox/knobs")
    assert sandbox.calls()["total"] == 0


def test_reset_calls_empties_log(api, sandbox):
    api.get("/sobjects/")
    sandbox.reset_calls()
    assert sandbox.calls() == {"total": 0, "by_endpoint": {}, "log": []}


def test_private_org_starts_with_knobs(sandbox_factory):
    org = sandbox_factory(seed=None, token_lifetime=30, rotate_refresh_tokens=True)
    knobs = requests.get(org.url + "/_sandbox/knobs").json()
    assert knobs["token_lifetime"] == 30
    assert knobs["rotate_refresh_tokens"] is True
    org.set_knobs(rotate_refresh_tokens=False)
    org.reset_knobs()
    assert requests.get(org.url + "/_sandbox/knobs").json()["rotate_refresh_tokens"] is True
