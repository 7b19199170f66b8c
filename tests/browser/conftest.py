"""Servers for the Chromium tests: the proxy with its sandbox org, and page servers.

The browser reaches every server through ``*.test`` host names that Chromium
maps to 127.0.0.1.  The proxy is opened as ``http://proxy.app.test:<port>``
and the allowed app page as ``http://app.test:<port>``: the two are cross-origin
but same-site, so the proxy's SameSite=Lax dev cookie goes with the app's
``fetch`` calls, as it would for ``api.example.com`` and ``app.example.com``.
``http://evil.test:<port>`` is another site, not listed in ORIGINS.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import os
import pathlib
import re
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.helpers import free_port

PAGES_DIR = pathlib.Path(__file__).resolve().parent / "pages"
NODE_DIR = pathlib.Path(__file__).resolve().parent.parent / "node"

USERNAME = "demo@example.com"
PASSWORD = "demo1234"
COOKIE_SECRET = "browser-tests-cookie-secret-0123456789abcdef"

STARTUP_TIMEOUT = 60


# Environment variables the proxy reads; tests set the ones they need.
PROXY_VARIABLES = {
    "SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET", "SALESFORCE_REDIRECT_URL", "SALESFORCE_LOGIN_URL",
    "SALESFORCE_API_VERSION", "SALESFORCE_FINAL_URL", "SALESFORCE_ALLOWED_HOSTS", "SALESFORCE_USERNAME",
    "SALESFORCE_PASSWORD", "SALESFORCE_SCOPE", "ORIGINS", "COOKIE_SECRET", "COOKIE_SECRET_OLD", "PORT", "HOST",
    "WEB_CONCURRENCY", "MAX_CLIENTS", "UPSTREAM_TIMEOUT", "MAX_FETCH", "SESSION_MAX_AGE", "API_PREFIX",
    "MAX_BODY_BYTES", "DEFAULT_DIALECT", "DIALECTS", "SHUTDOWN_GRACE", "TORNSF_SANDBOX", "LOG_LEVEL",
    "PROXY_HOSTS",
}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class PageServer:
    """Serve ``tests/browser/pages`` on a loopback port, in a daemon thread."""

    def __init__(self, host_name: str):
        handler = functools.partial(_QuietHandler, directory=str(PAGES_DIR))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.origin = "http://%s:%d" % (host_name, self.port)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclasses.dataclass
class ProxyProcess:
    """A ``python -m tornsf`` process and the URLs to reach it."""

    process: subprocess.Popen
    port: int
    # The loopback address it listens on, for requests.
    url: str
    # The same server under a host name in the app page's site, for Chromium.
    browser_url: str
    # The sandbox org started by --sandbox, else "".
    sandbox_url: str
    output: list[str]

    def sandbox_calls(self) -> dict:
        return requests.get(self.sandbox_url + "/_sandbox/calls", timeout=10).json()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _read_output(process: subprocess.Popen, lines: list[str]) -> None:
    for line in process.stdout:
        lines.append(line.rstrip("\n"))


def _wait_for_sandbox_url(process: subprocess.Popen, lines: list[str], port: int) -> str:
    """Return the sandbox org's base URL from the proxy's start-up output."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            time.sleep(0.2)
            pytest.fail("The proxy exited with %s at start-up:\n%s" % (process.returncode, "\n".join(lines)))
        urls = re.findall(r"https?://[\w.\-\[\]]+:\d+", "\n".join(lines))
        sandbox_urls = [url for url in urls if not url.endswith(":%d" % port)]
        if sandbox_urls:
            return sandbox_urls[0]
        time.sleep(0.1)
    pytest.fail("The proxy printed no sandbox URL within %d s:\n%s" % (STARTUP_TIMEOUT, "\n".join(lines)))


def _wait_until_healthy(process: subprocess.Popen, lines: list[str], url: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            time.sleep(0.2)
            pytest.fail("The proxy exited with %s at start-up:\n%s" % (process.returncode, "\n".join(lines)))
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    pytest.fail("%s/healthz did not answer 200 within %d s:\n%s" % (url, STARTUP_TIMEOUT, "\n".join(lines)))


def start_proxy(cwd: pathlib.Path, env: str, settings: dict[str, str], sandbox_seed: str = "") -> ProxyProcess:
    """Start ``python -m tornsf`` with one worker on a free loopback port.

    With ``sandbox_seed`` the proxy also starts the sandbox org with that
    seed.  Settings come from ``settings`` only: variables of the calling
    environment that the proxy reads are dropped, and ``cwd`` is an empty
    folder so that no ``.denv`` or ``.env`` file is read.
    """
    port = free_port()
    environ = {key: value for key, value in os.environ.items() if key not in PROXY_VARIABLES}
    environ.update({"HOST": "127.0.0.1", "PYTHONUNBUFFERED": "1"})
    environ.update(settings)

    command = [sys.executable, "-m", "tornsf", "--env", env, "--port", str(port), "--processes", "1"]
    if sandbox_seed:
        command += ["--sandbox", "--sandbox-seed", sandbox_seed]
    process = subprocess.Popen(
        command, cwd=cwd, env=environ, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    lines: list[str] = []
    threading.Thread(target=_read_output, args=(process, lines), daemon=True).start()

    url = "http://127.0.0.1:%d" % port
    sandbox_url = _wait_for_sandbox_url(process, lines, port) if sandbox_seed else ""
    _wait_until_healthy(process, lines, url)
    return ProxyProcess(
        process=process, port=port, url=url, browser_url="http://proxy.app.test:%d" % port,
        sandbox_url=sandbox_url, output=lines,
    )


@pytest.fixture(scope="session")
def app_pages():
    server = PageServer("app.test")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def evil_pages():
    server = PageServer("evil.test")
    yield server
    server.stop()


def start_dev_proxy(cwd: pathlib.Path, app_origin: str, seed: str) -> ProxyProcess:
    return start_proxy(
        cwd, "dev", settings={"ORIGINS": app_origin, "COOKIE_SECRET": COOKIE_SECRET, "PROXY_HOSTS": "proxy.app.test"},
        sandbox_seed=seed,
    )


@pytest.fixture(scope="session")
def sandbox_proxy(app_pages, tmp_path_factory):
    """``python -m tornsf --env dev --sandbox`` with the demo seed; only the app page's origin is in ORIGINS."""
    proxy = start_dev_proxy(tmp_path_factory.mktemp("dev-proxy"), app_pages.origin, "demo")
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def large_seed() -> int:
    """Accounts in the large sandbox org: three query pages, as Salesforce's default page is 2000 records."""
    return 4500


@pytest.fixture(scope="session")
def large_sandbox_proxy(app_pages, tmp_path_factory, large_seed):
    """Like ``sandbox_proxy``, seeded with ``large_seed`` Accounts."""
    proxy = start_dev_proxy(tmp_path_factory.mktemp("large-proxy"), app_pages.origin, "large:%d" % large_seed)
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def prod_proxy(tmp_path_factory):
    """``python -m tornsf --env prod`` with a connected app on a loopback login URL that nothing serves."""
    proxy = start_proxy(
        tmp_path_factory.mktemp("prod-proxy"), "prod",
        settings={
            "SALESFORCE_CLIENT_ID": "browser-tests-client",
            "SALESFORCE_CLIENT_SECRET": "browser-tests-client-secret",
            "SALESFORCE_LOGIN_URL": "http://127.0.0.1:9",
            "SALESFORCE_ALLOWED_HOSTS": "127.0.0.1",
            "COOKIE_SECRET": COOKIE_SECRET,
        },
    )
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def run_browser(run_node):
    """Run a Chromium script from tests/node against ``proxy``; return its JSON report."""

    def run(script: str, proxy: ProxyProcess, **env: str) -> dict:
        full_env = {
            "PROXY_URL": proxy.browser_url,
            "SANDBOX_URL": proxy.sandbox_url,
            "SF_USERNAME": USERNAME,
            "SF_PASSWORD": PASSWORD,
        }
        full_env.update(env)
        return run_node(NODE_DIR / script, env=full_env, timeout=240)

    return run
