"""Scale-out: two proxy instances (two workers each) behind nginx, sharing COOKIE_SECRET.

A session made on one instance works on the other, a refresh on either is
seen by both (the session lives in the cookie), and a rolling restart with
SIGTERM while load runs loses no request at the client.  nginx (Debian's
``nginx-light``) runs in the foreground from a temporary prefix on loopback.
"""

import grp
import os
import pathlib
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from tests.fixtures.proxy import DEMO_PASSWORD, DEMO_USERNAME, start_proxy
from tests.helpers import free_port
from tests.proxy.test_refresh import web_login
from tests.security.helpers import bearer_headers, first_account_id, new_bearer

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

CONFIG = """
daemon off;
master_process on;
worker_processes 1;
{user}
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream tornsf {{
        # max_fails=0: an instance that is restarting is retried, never marked down.
        server 127.0.0.1:{port_a} max_fails=0;
        server 127.0.0.1:{port_b} max_fails=0;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://tornsf;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            # Retry idempotent requests on another instance when one refuses or drops the connection.
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


class Nginx:
    """nginx in front of two loopback ports, from its own prefix, pid file and error log."""

    def __init__(self, port_a, port_b):
        self.prefix = pathlib.Path(tempfile.mkdtemp(prefix="tornsf-nginx-"))
        self.port = free_port()
        # The user directive matters only when nginx starts as root (as in CI): keep the
        # workers on the same account, so they can use the temporary prefix.
        user = ""
        if os.geteuid() == 0:
            user = "user %s %s;" % (pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name)
        config = self.prefix / "nginx.conf"
        config.write_text(CONFIG.format(user=user, prefix=self.prefix, port=self.port, port_a=port_a, port_b=port_b))
        self.output = open(self.prefix / "output.log", "wb")
        self.process = subprocess.Popen([NGINX, "-p", str(self.prefix), "-c", str(config), "-e",
                                         str(self.prefix / "error.log")], stdout=self.output, stderr=subprocess.STDOUT)
        self.url = "http://127.0.0.1:%d" % self.port
        deadline = time.monotonic() + 15
        while True:
            assert self.process.poll() is None, "nginx exited: %s" % self.logs()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not listen: %s" % self.logs()
                time.sleep(0.05)

    def logs(self):
        text = ""
        for name in ("output.log", "error.log"):
            path = self.prefix / name
            if path.exists():
                text += path.read_text(errors="replace")[-3000:]
        return text

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()
        shutil.rmtree(self.prefix, ignore_errors=True)


class Cluster:
    def __init__(self, sandbox_url):
        self.sandbox_url = sandbox_url
        self.ports = [free_port(), free_port()]
        self.instances = [self.start(0), self.start(1)]
        self.nginx = Nginx(*self.ports)

    def start(self, index):
        return start_proxy(self.sandbox_url, processes=2, args=["--port", str(self.ports[index])])

    def restart(self, index):
        instance = self.instances[index]
        instance.signal(signal.SIGTERM)
        assert instance.wait(40) == 0, instance.log_text()[-2000:]
        instance.stop()
        self.instances[index] = self.start(index)

    def stop(self):
        self.nginx.stop()
        for instance in self.instances:
            instance.stop()


@pytest.fixture
def cluster(sandbox_server):
    assert os.path.exists(NGINX), "nginx-light is required for the scale-out test"
    cluster = Cluster(sandbox_server.url)
    yield cluster
    cluster.stop()


def cookie_value(response):
    return response.cookies.get("tornsf_session").strip('"')


@pytest.mark.slow
def test_session_shared_between_instances(cluster, sandbox):
    a, b = cluster.instances
    login = requests.post(a.url + "/login/password", data={"username": DEMO_USERNAME, "password": DEMO_PASSWORD},
                          headers={"Origin": a.url}, allow_redirects=False, timeout=30)
    assert login.status_code == 303
    value = cookie_value(login)

    for target in (a.url, b.url, cluster.nginx.url):
        response = requests.get(target + "/login/whoami", headers={"Cookie": "tornsf_session=" + value}, timeout=30)
        assert response.status_code == 200, target
        assert response.json()["username"] == DEMO_USERNAME, target

    # The web-server flow through nginx: /login and /login/callback may reach different instances.
    for _ in range(2):
        browser = web_login(cluster.nginx.url)
        for target in (a.url, b.url):
            sealed = browser.cookies.get("tornsf_session").strip('"')
            assert requests.get(target + "/login/whoami", headers=bearer_headers(sealed),
                                timeout=30).status_code == 200


@pytest.mark.slow
def test_refresh_on_either_instance_is_seen_by_both(cluster, sandbox):
    a, b = cluster.instances
    browser = web_login(a.url)
    value = browser.cookies.get("tornsf_session").strip('"')
    query = "/Account?q=SELECT+Id+FROM+Account+LIMIT+1"

    for refresher, other in ((b, a), (a, b)):
        sandbox.expire_tokens()
        sandbox.reset_calls()
        refreshed = requests.get(refresher.url + query, headers={"Cookie": "tornsf_session=" + value}, timeout=30)
        assert refreshed.status_code == 200, refreshed.text
        renewed = cookie_value(refreshed)
        assert renewed != value
        assert sandbox.count("POST", "/services/oauth2/token") == 1

        used = requests.get(other.url + query, headers={"Cookie": "tornsf_session=" + renewed}, timeout=30)
        assert used.status_code == 200
        assert "tornsf_session" not in used.headers.get("Set-Cookie", "")
        assert sandbox.count("POST", "/services/oauth2/token") == 1
        value = renewed


class Load(threading.Thread):
    def __init__(self, url, headers):
        super().__init__(daemon=True)
        self.url = url
        self.headers = headers
        self.stop = threading.Event()
        self.outcomes = []

    def run(self):
        client = requests.Session()
        while not self.stop.is_set():
            try:
                outcome = client.get(self.url, headers=self.headers, timeout=60).status_code
            except requests.RequestException as exc:
                outcome = type(exc).__name__
            self.outcomes.append(outcome)
        client.close()


@pytest.mark.slow
def test_rolling_restart_loses_no_request(cluster, sandbox):
    value = new_bearer(cluster.nginx.url)
    url = cluster.nginx.url + "/Account/" + first_account_id(cluster.nginx.url, value)
    sandbox.set_knobs(latency_ms=20)
    load = [Load(url, bearer_headers(value)) for _ in range(6)]
    for thread in load:
        thread.start()

    old_pids = {instance.pid for instance in cluster.instances}
    time.sleep(1.0)
    for index in (0, 1):
        cluster.restart(index)
        time.sleep(1.0)
    for thread in load:
        thread.stop.set()
    for thread in load:
        thread.join(60)

    outcomes = [outcome for thread in load for outcome in thread.outcomes]
    failures = [outcome for outcome in outcomes if outcome != 200]
    retried = (cluster.nginx.prefix / "error.log").read_text(errors="replace").count("while connecting to upstream")
    print("\nrolling restart: %d requests through nginx, %d failed, %d connections to a stopped instance retried"
          % (len(outcomes), len(failures), retried))
    assert failures == [], (failures[:10], cluster.nginx.logs()[-2000:])
    assert len(outcomes) > 100
    assert retried > 0, "no request met a stopped instance, so the restart was not tested"
    assert not old_pids & {instance.pid for instance in cluster.instances}

    # Both new instances take traffic.
    sandbox.reset_knobs()
    pids = {requests.get(cluster.nginx.url + "/healthz", timeout=10).json()["pid"] for _ in range(20)}
    workers = {instance.pid: set(instance.worker_pids()) for instance in cluster.instances}
    assert all(pids & children for children in workers.values()), (pids, workers)
