"""Small tools shared by test modules: processes, ports, polling, sealed sessions and whoami."""

import os
import socket
import time
import urllib.parse

import requests

from tornsf.config import load_settings
from tornsf.session import SessionSealer


def alive(pid):
    """Return whether process ``pid`` runs: a zombie (exited, not yet reaped) counts as dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False

    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_for(condition, timeout, interval=0.05):
    """Call ``condition`` every ``interval`` seconds until it is true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def free_port():
    """Return a loopback TCP port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_of(proxy):
    return urllib.parse.urlsplit(proxy.url).port


def connection_refused(port):
    """Return whether a TCP connection to ``port`` on 127.0.0.1 is refused."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def sealer_for(secret, old=None, max_age=None):
    """Build the sealer a dev proxy with this COOKIE_SECRET, COOKIE_SECRET_OLD and SESSION_MAX_AGE uses."""
    environ = {"SALESFORCE_CLIENT_ID": "c", "SALESFORCE_CLIENT_SECRET": "s", "COOKIE_SECRET": secret}
    if old:
        environ["COOKIE_SECRET_OLD"] = old
    if max_age:
        environ["SESSION_MAX_AGE"] = str(max_age)
    return SessionSealer(load_settings("dev", environ))


def flip(value, index):
    """Return ``value`` with the character at ``index`` replaced by another one."""
    return value[:index] + ("A" if value[index] != "A" else "B") + value[index + 1:]


def whoami(proxy, sealed=None, cookie=None):
    """GET /login/whoami with ``sealed`` as a bearer token or ``cookie`` as the session cookie."""
    headers = {"Authorization": "Bearer " + sealed} if sealed else {}
    cookies = {"tornsf_session": cookie} if cookie else {}
    return requests.get(proxy.url + "/login/whoami", headers=headers, cookies=cookies, timeout=30)


def start_private_org(accounts, environ=None):
    """Start a sandbox org seeded with ``accounts`` Accounts and a proxy in front of it.

    Returns ``(sandbox, proxy)``; the caller stops both.
    """
    from tests.fixtures.proxy import start_proxy
    from tests.fixtures.sandbox import SandboxClient
    from tornsf.sandbox import SandboxServer

    sandbox = SandboxClient(SandboxServer(seed="large:%d" % accounts).start())
    proxy = start_proxy(sandbox.url, environ=environ)
    return sandbox, proxy


def reset_and_log_in(sandbox, proxy):
    """Reset the org's knobs and call log and return a fresh password-flow sealed session."""
    from tests.fixtures.proxy import password_login

    sandbox.reset_knobs()
    response = password_login(proxy.url)
    assert response.status_code == 200, response.text
    sandbox.reset_calls()
    return response.json()["session"]
