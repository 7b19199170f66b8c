"""Build the Ember page and serve it, with proxies that list the page's origin in ORIGINS.

``npm ci`` runs when ``node_modules`` is missing or was installed from another
``package-lock.json``.  The bundle is rebuilt on every run, which takes about a second.
"""

from __future__ import annotations

import fcntl
import functools
import os
import pathlib
import shutil
import subprocess

import pytest

from tests.browser.conftest import PageServer, _QuietHandler, start_dev_proxy
from tests.conformance.conftest import conformance_environ, password_login
from tests.conformance.upstream import UpstreamServer
from tests.fixtures.proxy import start_proxy

EMBER_DIR = pathlib.Path(__file__).resolve().parent
PAGE_DIR = EMBER_DIR / "page"
BUNDLE = PAGE_DIR / "dist" / "ember-app.js"


def _install_node_modules() -> None:
    lock = EMBER_DIR / "package-lock.json"
    stamp = EMBER_DIR / "node_modules" / ".tornsf-lock"
    if stamp.exists() and stamp.read_bytes() == lock.read_bytes():
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=EMBER_DIR, check=True)
    stamp.write_bytes(lock.read_bytes())


def _build_bundle() -> None:
    # Build beside the bundle and rename, so a page being served never gets half a file.
    partial = BUNDLE.with_name("ember-app.%d.js" % os.getpid())
    subprocess.run(["node", "build.mjs", str(partial)], cwd=EMBER_DIR, check=True)
    os.replace(partial, BUNDLE)


@pytest.fixture(scope="session")
def ember_bundle() -> pathlib.Path:
    """Install the pinned Ember packages if needed, bundle the app and return the bundle's path."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js and npm are required to build the Ember Data page: install them first.")

    BUNDLE.parent.mkdir(parents=True, exist_ok=True)
    # Test runs started at the same time in this checkout take turns to install and build.
    with open(BUNDLE.parent / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _install_node_modules()
        _build_bundle()

    assert BUNDLE.stat().st_size > 100_000, "the Ember bundle is unexpectedly small"
    return BUNDLE


@pytest.fixture(scope="session")
def ember_pages(ember_bundle):
    """Serve ``tests/ember/page`` as ``http://app.test:<port>``."""
    server = PageServer("app.test")
    # PageServer serves the browser tests' pages; point its handler at this folder instead.
    server.server.RequestHandlerClass = functools.partial(_QuietHandler, directory=str(PAGE_DIR))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ember_proxy(ember_pages, tmp_path_factory):
    """``python -m tornsf --env dev --sandbox`` with the demo seed and the Ember page's origin in ORIGINS."""
    proxy = start_dev_proxy(tmp_path_factory.mktemp("ember-proxy"), ember_pages.origin, "demo")
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def custom_objects_upstream():
    """The second Salesforce stand-in, whose org has the Invoice__c and Contact_Role__c custom objects."""
    server = UpstreamServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def custom_objects_proxy(custom_objects_upstream, ember_pages):
    """A dev proxy in front of ``custom_objects_upstream``, with the Ember page's origin in ORIGINS."""
    environ = conformance_environ(custom_objects_upstream, ORIGINS=ember_pages.origin, PROXY_HOSTS="proxy.app.test")
    process = start_proxy(custom_objects_upstream.login_url, environ=environ)
    yield process
    process.stop()


@pytest.fixture(scope="session")
def custom_objects_bearer(custom_objects_proxy) -> str:
    """A sealed password-flow session on ``custom_objects_proxy``, for ``Authorization: Bearer``."""
    response = password_login(custom_objects_proxy.url)
    assert response.status_code == 200, response.text
    return response.json()["session"]
