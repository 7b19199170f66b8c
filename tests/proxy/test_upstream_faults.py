"""Upstream faults through the running proxy: each gives the right status and a JSON error saying what to do."""

import dataclasses
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import pytest
import requests

from tests.fixtures.proxy import REPO_ROOT, TEST_COOKIE_SECRET, password_login, start_proxy
from tests.proxy.test_refresh import web_bearer
from tornsf.config import load_settings
from tornsf.session import SessionSealer

SALESFORCE_SHAPES = {"X-Model-Dialect": "salesforce"}
RECORD = "/Account/001000000000001AAA"
QUERY = "/Account?q=SELECT+Id,Name+FROM+Account"


def auth(sealed):
    return dict(SALESFORCE_SHAPES, Authorization="Bearer " + sealed)


def get(proxy, sealed, path):
    return requests.get(proxy.url + path, headers=auth(sealed), timeout=60)


def first_account(proxy, sealed):
    response = get(proxy, sealed, "/Account?q=SELECT+Id+FROM+Account+LIMIT+1")
    assert response.status_code == 200, response.text
    return "/Account/" + response.json()["records"][0]["Id"]


def assert_proxy_error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert body["message"]
    assert "Traceback" not in response.text


@pytest.mark.parametrize("path", [QUERY, RECORD, "/apex/echo"])
def test_html_503_is_unavailable(proxy, sandbox, bearer, path):
    sandbox.set_knobs(fail_503=True)

    response = get(proxy, bearer, path)

    assert_proxy_error(response, 503, "salesforce_unavailable")
    assert "Retry later" in response.json()["message"]


@pytest.mark.parametrize("path", [QUERY, RECORD])
def test_request_limit_keeps_403(proxy, sandbox, bearer, path):
    sandbox.set_knobs(request_limit_exceeded=True)

    response = get(proxy, bearer, path)

    assert response.status_code == 403
    error = response.json()[0]
    assert error["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert "retry later" in error["message"]
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_truncated_json_is_bad_gateway(proxy, sandbox, bearer):
    record = first_account(proxy, bearer)
    sandbox.set_knobs(truncate_json=True)

    for path in (QUERY, record, "/apex/echo"):
        assert_proxy_error(get(proxy, bearer, path), 502, "bad_upstream_response")

    sandbox.reset_knobs()
    assert get(proxy, bearer, record).status_code == 200


@pytest.mark.slow
def test_slow_salesforce_times_out(proxy_factory, sandbox):
    impatient = proxy_factory(environ={"UPSTREAM_TIMEOUT": "1"})
    sealed = password_login(impatient.url).json()["session"]
    sandbox.set_knobs(latency_ms=3000)

    started = time.monotonic()
    response = get(impatient, sealed, QUERY)
    elapsed = time.monotonic() - started

    assert_proxy_error(response, 504, "salesforce_timeout")
    assert "UPSTREAM_TIMEOUT" in response.json()["message"]
    assert elapsed < 2.9
    sandbox.reset_knobs()
    assert get(impatient, sealed, QUERY).status_code == 200


@pytest.fixture
def own_sandbox_process():
    """A sandbox org in its own process, so that stopping it closes its sockets."""
    url_file = pathlib.Path(tempfile.mkdtemp(prefix="tornsf-sandbox-")) / "url"
    process = subprocess.Popen(
        [sys.executable, "-m", "tornsf.sandbox", "--port", "0", "--url-file", str(url_file)],
        cwd=str(REPO_ROOT), env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not (url_file.exists() and url_file.read_text().strip()):
        assert process.poll() is None, "the sandbox process exited"
        assert time.monotonic() < deadline, "the sandbox process did not start"
        time.sleep(0.1)
    yield process, url_file.read_text().strip()
    if process.poll() is None:
        process.kill()
        process.wait()


def test_stopped_salesforce_is_unreachable(own_sandbox_process):
    process, url = own_sandbox_process
    proxy = start_proxy(url, environ={"UPSTREAM_TIMEOUT": "10"})
    try:
        sealed = password_login(proxy.url).json()["session"]
        assert get(proxy, sealed, QUERY).status_code == 200

        process.kill()
        process.wait()
        response = get(proxy, sealed, QUERY)

        assert_proxy_error(response, 502, "salesforce_unreachable")
        assert requests.get(proxy.url + "/healthz", timeout=10).status_code == 200
    finally:
        proxy.stop()


def reseal(sealed, **changes):
    """Return ``sealed`` with session fields changed, sealed under the test proxy's secret."""
    environ = {"SALESFORCE_CLIENT_ID": "c", "SALESFORCE_CLIENT_SECRET": "s", "COOKIE_SECRET": TEST_COOKIE_SECRET}
    sealer = SessionSealer(load_settings("dev", environ))
    session, _ = sealer.open(sealed)
    return sealer.seal(dataclasses.replace(session, **changes))


def test_instance_outside_allowed_hosts_refused(proxy, sandbox, bearer):
    # A loopback address that SALESFORCE_ALLOWED_HOSTS does not list.
    sealed = reseal(bearer, instance_url="http://127.0.0.2:9")
    sandbox.reset_calls()

    for path in (QUERY, RECORD, "/apex/echo"):
        assert_proxy_error(get(proxy, sealed, path), 403, "host_not_allowed")
    assert sandbox.calls()["total"] == 0


def test_login_server_outside_allowed_hosts_refused(proxy, sandbox):
    sealed = reseal(web_bearer(proxy.url), login_url="http://127.0.0.2:9")
    sandbox.expire_tokens()
    sandbox.reset_calls()

    response = get(proxy, sealed, QUERY)

    assert_proxy_error(response, 403, "host_not_allowed")
    assert sandbox.count("POST", "/services/oauth2/token") == 0
