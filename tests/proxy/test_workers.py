"""Forked workers: a killed worker is replaced, SIGTERM drains requests, nothing is left behind."""

import os
import signal
import threading
import time

import pytest
import requests

from tests.fixtures.proxy import password_login
from tests.helpers import alive, connection_refused, port_of, wait_for


class Poller(threading.Thread):
    """Request /healthz on fresh connections until stopped; record pids and failures."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url
        self.stopped = threading.Event()
        self.pids = []
        self.failures = 0

    def run(self):
        while not self.stopped.is_set():
            try:
                response = requests.get(self.url + "/healthz", timeout=5)
                self.pids.append(response.json()["pid"])
            except requests.RequestException:
                self.failures += 1
            time.sleep(0.01)


@pytest.mark.slow
def test_killed_worker_replaced_while_others_serve(proxy_factory):
    proxy = proxy_factory(processes=2)
    before = proxy.worker_pids()
    assert len(before) == 2
    poller = Poller(proxy.url)
    poller.start()
    time.sleep(0.5)

    os.kill(before[0], signal.SIGKILL)
    killed_at = len(poller.pids)
    new_pids = []

    def replacement_running():
        # One /proc snapshot per check: two reads can disagree while the
        # parent reaps the killed worker and forks its replacement.
        pids = proxy.worker_pids()
        fresh = set(pids) - set(before)
        if len(pids) == 2 and before[0] not in pids and fresh:
            new_pids.append(fresh.pop())
            return True
        return False

    replaced = wait_for(replacement_running, 15)
    new_pid = new_pids[0] if new_pids else None
    served_by_new = wait_for(lambda: new_pid in poller.pids, 15)
    poller.stopped.set()
    poller.join()

    assert replaced, proxy.log_text()
    assert served_by_new, proxy.log_text()
    assert before[1] in poller.pids[killed_at:]
    # Only requests the killed worker had accepted may fail; the poller
    # sends one at a time, so a second failure would come from elsewhere.
    assert poller.failures <= 1, proxy.log_text()
    assert "killed by signal 9, restarting" in proxy.log_text()


@pytest.mark.slow
def test_sigterm_drains_slow_request(proxy_factory, sandbox):
    proxy = proxy_factory(processes=2)
    sealed = password_login(proxy.url).json()["session"]
    workers = proxy.worker_pids()
    port = port_of(proxy)
    sandbox.set_knobs(latency_ms=3000)
    results = {}

    def slow_request():
        started = time.monotonic()
        response = requests.get(proxy.url + "/login/whoami", headers={"Authorization": "Bearer " + sealed}, timeout=30)
        results["status"] = response.status_code
        results["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow_request)
    thread.start()
    time.sleep(1.0)
    proxy.signal(signal.SIGTERM)

    # New connections are refused while the slow request finishes.
    assert wait_for(lambda: connection_refused(port), 5)
    thread.join(30)
    code = proxy.wait(30)

    assert results["status"] == 200
    assert results["seconds"] >= 2.5
    assert code == 0
    assert not any(alive(pid) for pid in workers)
    assert connection_refused(port)
    log = proxy.log_text()
    assert "1 requests in flight" in log
    assert "All workers stopped" in log


@pytest.mark.slow
def test_sigterm_grace_limits_drain(proxy_factory, sandbox):
    proxy = proxy_factory(processes=1, environ={"SHUTDOWN_GRACE": "1"})
    sealed = password_login(proxy.url).json()["session"]
    workers = proxy.worker_pids()
    sandbox.set_knobs(latency_ms=8000)
    errors = []

    def slow_request():
        try:
            requests.get(proxy.url + "/login/whoami", headers={"Authorization": "Bearer " + sealed}, timeout=30)
        except requests.RequestException as exc:
            errors.append(exc)

    thread = threading.Thread(target=slow_request)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    proxy.signal(signal.SIGTERM)
    code = proxy.wait(20)
    elapsed = time.monotonic() - started
    thread.join(30)

    assert code == 0
    assert elapsed < 6
    assert len(errors) == 1
    assert not any(alive(pid) for pid in workers)
    assert "still running after 1 s" in proxy.log_text()


@pytest.mark.slow
def test_repeated_crashes_stop_everything(proxy_factory):
    proxy = proxy_factory(processes=2, args=["--max-restarts", "1"])
    first = proxy.worker_pids()
    os.kill(first[0], signal.SIGKILL)

    def replacement_running():
        # One /proc snapshot per check, because the parent may reap and fork between two reads.
        pids = proxy.worker_pids()
        return len(pids) == 2 and first[0] not in pids

    assert wait_for(replacement_running, 15)
    second = proxy.worker_pids()

    os.kill(second[0], signal.SIGKILL)
    code = proxy.wait(40)

    assert code == 1
    assert not any(alive(pid) for pid in set(first + second))
    assert connection_refused(port_of(proxy))
    assert "stopping every worker" in proxy.log_text()


def test_healthz_reports_worker(proxy):
    response = requests.get(proxy.url + "/healthz", timeout=30)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["pid"] in proxy.worker_pids()
    assert body["worker"] == 0


@pytest.mark.slow
def test_repeated_crashes_back_off(proxy_factory):
    proxy = proxy_factory(processes=1)

    killed = []
    for _ in range(4):
        assert wait_for(lambda: [pid for pid in proxy.worker_pids() if pid not in killed], 15)
        victim = [pid for pid in proxy.worker_pids() if pid not in killed][0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)

    assert "restarts after repeated crashes: waiting" in proxy.log_text()
    assert wait_for(lambda: requests.get(proxy.url + "/healthz", timeout=5).status_code == 200, 15)
