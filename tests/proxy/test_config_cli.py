"""The command line with --sandbox: banner, working curl example, and clean stop of both servers."""

import re
import shutil
import subprocess

import pytest

import requests

from tests.fixtures.proxy import ProxyProcess, password_login, proxy_environ
from tests.helpers import alive


@pytest.mark.slow
def test_sandbox_flag_prints_working_curl_example(tmp_path):
    environ = proxy_environ("http://127.0.0.1:9")
    for name in ("SALESFORCE_LOGIN_URL", "SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET", "SALESFORCE_ALLOWED_HOSTS"):
        environ.pop(name)
    proxy = ProxyProcess(environ, ["--env", "dev", "--sandbox", "--host", "127.0.0.1", "--port", "0",
                                   "--processes", "1"])
    try:
        children = proxy.worker_pids()
        banner = proxy.log_text()
        commands = [line.strip() for line in banner.splitlines() if line.strip().startswith("curl ")]

        assert "demo@example.com" in banner
        assert "demo1234" in banner
        assert proxy.url + "/login" in banner
        assert len(children) == 2
        assert len(commands) == 2
        assert shutil.which("curl"), "curl is needed to run the printed example"

        login = subprocess.run(commands[0], shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=30)
        query = subprocess.run(commands[1], shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=30)

        assert login.returncode == 0
        assert (tmp_path / "cookies.txt").exists()
        assert query.returncode == 0
        assert re.search(r'"Name"\s*:', query.stdout), query.stdout
    finally:
        code = proxy.stop()

    assert code == 0
    assert not any(alive(pid) for pid in children)


@pytest.mark.slow
def test_dev_ephemeral_secret_shared_by_workers(proxy_factory):
    proxy = proxy_factory(processes=2, environ={"COOKIE_SECRET": ""})
    sealed = password_login(proxy.url).json()["session"]

    pids = set()
    for _ in range(40):
        response = requests.get(proxy.url + "/login/whoami", headers={"Authorization": "Bearer " + sealed}, timeout=30)
        assert response.status_code == 200
        pids.add(requests.get(proxy.url + "/healthz", timeout=30).json()["pid"])

    assert len(pids) == 2
    assert "COOKIE_SECRET is not set" in proxy.log_text()
