"""Upstream faults: each sandbox fault gives the right status and a JSON error saying what to do; the worker lives on."""

import concurrent.futures
import dataclasses
import socket
import time

import pytest
import requests

from tests.fixtures.proxy import password_login
from tests.proxy.test_refresh import web_bearer
from tests.security.helpers import assert_error, bearer_headers, first_account_id, new_bearer, test_sealer

API = "/services/data/v62.0"
QUERY = "/Account?q=SELECT+Id,Name+FROM+Account"


def routes(account_id):
    record = "/Account/" + account_id
    return [
        ("GET", QUERY, None),
        ("GET", QUERY + "&autoFetch=true", None),
        ("GET", record, None),
        ("GET", record + "?fields=Name", None),
        ("POST", "/Account", {"Name": "fault"}),
        ("PATCH", record, {"Description": "fault"}),
        ("DELETE", "/Account/001000000000001AAA", None),
        ("GET", "/apex/hello", None),
        ("POST", "/apex/echo", {"a": 1}),
    ]


def salesforce_error(response, status, code):
    """Check an error that Salesforce described: the default dialect keeps Salesforce's list of errors."""
    if isinstance(response.json(), dict):
        return assert_error(response, status, code)
    assert response.status_code == status, response.text
    errors = response.json()
    assert errors[0]["errorCode"] == code, errors
    assert errors[0]["message"], errors
    return errors[0]


def still_serving(proxy, sealed, pid):
    health = requests.get(proxy.url + "/healthz", timeout=10)
    assert health.status_code == 200
    assert health.json()["pid"] == pid
    assert requests.get(proxy.url + QUERY, headers=bearer_headers(sealed), timeout=30).status_code == 200


FAULTS = [
    # knob, status, error code, words of advice
    ("fail_503", 503, "salesforce_unavailable", "Retry later"),
    ("request_limit_exceeded", 403, "REQUEST_LIMIT_EXCEEDED", "retry later"),
]


@pytest.mark.parametrize("knob, status, code, advice", FAULTS)
def test_fault_maps_to_status_on_every_route(proxy, sandbox, sealed, account_id, knob, status, code, advice):
    pid = requests.get(proxy.url + "/healthz", timeout=10).json()["pid"]
    sandbox.set_knobs(**{knob: True})

    for method, path, body in routes(account_id):
        response = requests.request(method, proxy.url + path, json=body, headers=bearer_headers(sealed), timeout=30)
        error = salesforce_error(response, status, code)
        assert advice in error["message"], (path, error)
        if knob == "request_limit_exceeded":
            assert "Sforce-Limit-Info" in response.headers, path

    sandbox.reset_knobs()
    still_serving(proxy, sealed, pid)


def test_truncated_json_is_a_bad_gateway(proxy, sandbox, sealed, account_id):
    pid = requests.get(proxy.url + "/healthz", timeout=10).json()["pid"]
    sandbox.set_knobs(truncate_json=True)

    for method, path, body in routes(account_id)[:5]:
        response = requests.request(method, proxy.url + path, json=body, headers=bearer_headers(sealed), timeout=30)
        error = assert_error(response, 502, "bad_upstream_response")
        assert "Retry" in error["message"]

    sandbox.reset_knobs()
    still_serving(proxy, sealed, pid)


@pytest.mark.slow
def test_slow_upstream_times_out_within_the_limit(proxy_factory, sandbox):
    impatient = proxy_factory(environ={"UPSTREAM_TIMEOUT": "1"})
    value = new_bearer(impatient.url)
    record = first_account_id(impatient.url, value)
    pid = requests.get(impatient.url + "/healthz", timeout=10).json()["pid"]
    sandbox.set_knobs(latency_ms=2500)

    for method, path, body in (("GET", QUERY, None), ("GET", "/Account/" + record, None),
                               ("POST", "/apex/echo", {"a": 1}), ("GET", "/login/whoami", None)):
        started = time.monotonic()
        response = requests.request(method, impatient.url + path, json=body, headers=bearer_headers(value),
                                    timeout=30)
        assert time.monotonic() - started < 2.4, path
        assert response.status_code in (502, 504), (path, response.text)
        error = assert_error(response, response.status_code)
        assert "UPSTREAM_TIMEOUT" in error["message"] or "timeout" in error["message"].lower(), (path, error)

    login = password_login(impatient.url)
    assert_error(login, 504, "salesforce_timeout")
    sandbox.reset_knobs()
    still_serving(impatient, value, pid)


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refused_connection_is_unreachable(proxy, sandbox, sealed, account_id):
    session, _ = test_sealer().open(sealed)
    dead = test_sealer().seal(dataclasses.replace(session, instance_url="http://127.0.0.1:%d" % closed_port()))
    pid = requests.get(proxy.url + "/healthz", timeout=10).json()["pid"]

    for method, path, body in routes(account_id):
        response = requests.request(method, proxy.url + path, json=body, headers=bearer_headers(dead), timeout=30)
        error = assert_error(response, 502, "salesforce_unreachable")
        assert "retry" in error["message"].lower()

    still_serving(proxy, sealed, pid)


def test_login_while_salesforce_is_down(proxy, sandbox):
    sandbox.set_knobs(fail_503=True)

    response = password_login(proxy.url)

    assert_error(response, 503, "salesforce_unavailable")
    assert "tornsf_session" not in response.headers.get("Set-Cookie", "")


def test_expired_session_without_refresh_token(proxy, sandbox, account_id):
    value = new_bearer(proxy.url)
    sandbox.expire_tokens()
    sandbox.reset_calls()

    response = requests.get(proxy.url + "/Account/" + account_id, headers=bearer_headers(value), timeout=30)

    error = assert_error(response, 401, "session_expired")
    assert "/login" in error["message"]
    assert sandbox.count("POST", "/services/oauth2/token") == 0
    assert sandbox.count("GET", API) == 1


def test_refused_refresh_asks_to_log_in_again(proxy, sandbox, account_id):
    value = web_bearer(proxy.url)
    sandbox.set_knobs(refuse_refresh=True)
    sandbox.expire_tokens()
    sandbox.reset_calls()

    response = requests.get(proxy.url + "/Account/" + account_id, headers=bearer_headers(value), timeout=30)

    error = assert_error(response, 401, "session_expired")
    assert "/login" in error["message"]
    assert "invalid_grant" in error["message"]
    assert sandbox.count("POST", "/services/oauth2/token") == 1
    assert sandbox.count("GET", API) == 1
    assert "X-Tornsf-Session" not in response.headers


@pytest.mark.parametrize("method, path, body", [("GET", QUERY, None), ("POST", "/Account", {"Name": "x"}),
                                                ("GET", "/apex/hello", None)])
def test_second_401_after_refresh_does_not_loop(proxy, sandbox, method, path, body):
    value = web_bearer(proxy.url)
    sandbox.set_knobs(always_401=True)
    sandbox.reset_calls()

    started = time.monotonic()
    response = requests.request(method, proxy.url + path, json=body, headers=bearer_headers(value), timeout=30)

    assert_error(response, 401, "session_expired")
    assert time.monotonic() - started < 10
    # One call, one refresh, one retry: nothing more.
    assert sandbox.count("POST", "/services/oauth2/token") == 1
    assert sandbox.calls()["total"] == 3


@pytest.mark.slow
def test_concurrent_401s_stay_bounded(proxy, sandbox):
    value = web_bearer(proxy.url)
    sandbox.set_knobs(always_401=True, latency_ms=50)
    sandbox.reset_calls()

    def one(_):
        return requests.get(proxy.url + QUERY, headers=bearer_headers(value), timeout=60).status_code

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(one, range(10)))

    assert statuses == [401] * 10
    assert sandbox.count("POST", "/services/oauth2/token") <= 11
    assert sandbox.count("GET", API + "/query") <= 30
    sandbox.reset_knobs()
    assert requests.get(proxy.url + "/healthz", timeout=10).status_code == 200
