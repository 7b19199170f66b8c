"""``python -m tornsf.sandbox`` run as a separate process."""

import pathlib
import subprocess
import sys
import time

import pytest
import requests

from tornsf.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME


def wait_for_file(path: pathlib.Path, process: subprocess.Popen, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        assert process.poll() is None, "the sandbox process exited early"
        time.sleep(0.05)
    raise AssertionError("the sandbox process wrote no URL file within %s s" % timeout)


@pytest.fixture
def sandbox_process(tmp_path):
    url_file = tmp_path / "url"
    process = subprocess.Popen(
        [sys.executable, "-m", "tornsf.sandbox", "--port", "0", "--url-file", str(url_file), "--seed", "demo",
         "--token-lifetime", "600"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    url = wait_for_file(url_file, process)
    yield process, url
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


def test_cli_serves_and_prints_credentials(sandbox_process):
    process, url = sandbox_process
    assert url.startswith("http://127.0.0.1:")

    token = requests.post(url + "/services/oauth2/token", data={
        "grant_type": "password", "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
        "username": DEMO_USERNAME, "password": DEMO_PASSWORD}).json()
    assert token["instance_url"] == url
    assert requests.get(url + "/_sandbox/knobs").json()["token_lifetime"] == 600

    process.terminate()
    stdout, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert url in stdout
    for credential in (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERNAME, DEMO_PASSWORD):
        assert credential in stdout


def test_cli_rejects_unknown_seed(tmp_path):
    result = subprocess.run([sys.executable, "-m", "tornsf.sandbox", "--port", "0", "--seed", "huge"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "unknown seed 'huge'" in result.stderr
