"""Upstream faults through the running proxy: each gives the right status and a JSON error saying what to do."""

import asyncio
import dataclasses
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time

import pytest
import requests
import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web

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


class _QueryPages(tornado.web.RequestHandler):
    """A Salesforce-compatible query resource whose first page links ``next_url``."""

    def initialize(self, state):
        self.state = state

    def get(self, rest):
        self.state["paths"].append(self.request.path)
        page = {"totalSize": 2, "done": rest != "", "records": [{"Id": "001000000000001AAA"}]}
        if rest == "":
            page["nextRecordsUrl"] = self.state["next_url"]
        self.set_header("Content-Type", "application/json;charset=UTF-8")
        self.finish(json.dumps(page))


class _DescribeGlobal(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "application/json;charset=UTF-8")
        self.finish({"encoding": "UTF-8", "maxBatchSize": 200,
                     "sobjects": [{"name": "Account", "label": "Account", "labelPlural": "Accounts", "queryable": True}]})


@pytest.fixture(scope="module")
def scripted_upstream():
    """A tiny Salesforce-compatible server on loopback whose next-page links a test chooses."""
    state = {"paths": [], "next_url": ""}
    ready = threading.Event()
    holder = {}

    def run():
        asyncio.set_event_loop(asyncio.new_event_loop())
        app = tornado.web.Application([
            (r"/services/data/v62\.0/sobjects/?", _DescribeGlobal),
            (r"/services/data/v62\.0/query/?(.*)", _QueryPages, {"state": state}),
        ])
        server = tornado.httpserver.HTTPServer(app)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        server.add_sockets(sockets)
        holder["url"] = "http://127.0.0.1:%d" % sockets[0].getsockname()[1]
        holder["loop"] = tornado.ioloop.IOLoop.current()
        ready.set()
        holder["loop"].start()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield holder["url"], state
    holder["loop"].add_callback(holder["loop"].stop)
    thread.join(10)


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/services/data/v62.0/query/01gX-1",
        "//evil.example/services/data/v62.0/query/01gX-1",
        "/services/apexrest/steal",
        "/services/data/v62.0/../../id/00D/005",
        "/services/data/v62.0/query/01gX-1?extra=1",
        "/services/data/v62.0/query/01gX-1#x",
        "services/data/v62.0/query/01gX-1",
    ],
)
def test_foreign_next_records_url_refused(proxy, bearer, scripted_upstream, next_url):
    url, state = scripted_upstream
    state["next_url"], state["paths"] = next_url, []
    sealed = reseal(bearer, instance_url=url)

    response = get(proxy, sealed, QUERY + "&autoFetch=true")

    assert_proxy_error(response, 502, "bad_upstream_response")
    assert state["paths"] == ["/services/data/v62.0/query"]


def test_relative_next_records_url_followed(proxy, bearer, scripted_upstream):
    url, state = scripted_upstream
    state["next_url"], state["paths"] = "/services/data/v62.0/query/01gX-1", []
    sealed = reseal(bearer, instance_url=url)

    response = get(proxy, sealed, QUERY + "&autoFetch=true")

    assert response.status_code == 200
    assert len(response.json()["records"]) == 2
    assert state["paths"] == ["/services/data/v62.0/query", "/services/data/v62.0/query/01gX-1"]
