"""Crashed workers: under load a kill -9 fails only the requests that worker held; crash loops end cleanly."""

import os
import signal
import threading
import time

import pytest
import requests

from tests.helpers import alive, connection_refused, port_of, wait_for
from tests.security.helpers import bearer_headers, first_account_id, new_bearer


def new_workers(proxy, known):
    """Return the workers not in ``known``, from one reading of /proc."""
    return [pid for pid in proxy.worker_pids() if pid not in known]


class Load(threading.Thread):
    """Send requests one after another, each on a new connection, and record each outcome."""

    def __init__(self, url, headers):
        super().__init__(daemon=True)
        self.url = url
        self.headers = dict(headers, Connection="close")
        self.stop = threading.Event()
        self.results = []  # (started, finished, status or exception name)

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                outcome = requests.get(self.url, headers=self.headers, timeout=30).status_code
            except requests.RequestException as exc:
                outcome = type(exc).__name__
            self.results.append((started, time.monotonic(), outcome))


@pytest.mark.slow
def test_kill_9_under_load_fails_only_held_requests(proxy_factory, sandbox):
    proxy = proxy_factory(processes=2)
    value = new_bearer(proxy.url)
    url = proxy.url + "/Account/" + first_account_id(proxy.url, value)
    workers = proxy.worker_pids()
    assert len(workers) == 2
    sandbox.set_knobs(latency_ms=150)  # each request is held by a worker for a while

    load = [Load(url, bearer_headers(value)) for _ in range(8)]
    for thread in load:
        thread.start()
    time.sleep(1.5)
    killed_at = time.monotonic()
    os.kill(workers[0], signal.SIGKILL)
    assert wait_for(lambda: len(new_workers(proxy, workers)) == 1, 15)
    replacement = new_workers(proxy, workers)[0]
    time.sleep(2.0)
    for thread in load:
        thread.stop.set()
    for thread in load:
        thread.join(40)

    results = [result for thread in load for result in thread.results]
    failed = [result for result in results if result[2] != 200]
    print("\nrequests under load: %d, failed when the worker died: %d" % (len(results), len(failed)))
    assert len(failed) <= len(load), failed
    for started, finished, outcome in failed:
        assert isinstance(outcome, str), "an HTTP error instead of a broken connection: %s" % outcome
        assert started < killed_at + 0.1, (started - killed_at, outcome)
        assert finished >= killed_at - 0.01, (finished - killed_at, outcome)
    assert sum(1 for started, _, outcome in results if started > killed_at + 0.5 and outcome == 200) > 10

    # The replacement takes traffic.
    sandbox.reset_knobs()
    seen = set()
    assert wait_for(lambda: seen.add(requests.get(proxy.url + "/healthz", timeout=5).json()["pid"]) or
                    replacement in seen, 20)
    assert workers[1] in proxy.worker_pids()


@pytest.mark.slow
def test_crash_loop_backs_off_then_stops_everything(proxy_factory):
    proxy = proxy_factory(processes=2, args=["--max-restarts", "4"])
    seen = set(proxy.worker_pids())
    survivor = max(seen)
    crashes = 0
    killed = set()

    while proxy.process.poll() is None and crashes < 10:
        candidates = [pid for pid in proxy.worker_pids() if pid != survivor and pid not in killed]
        if not candidates:
            time.sleep(0.05)
            continue
        victim = candidates[0]
        os.kill(victim, signal.SIGKILL)
        killed.add(victim)
        crashes += 1
        # The sibling keeps serving while its neighbour crashes.
        if crashes < 4:
            assert requests.get(proxy.url + "/healthz", timeout=10).status_code == 200
        wait_for(lambda: victim not in proxy.worker_pids() and
                 (proxy.process.poll() is not None or len(proxy.worker_pids()) == 2), 20)
        seen.update(proxy.worker_pids())

    code = proxy.wait(60)
    log = proxy.log_text()

    assert code not in (0, None)
    assert crashes == 5
    assert log.count("killed by signal 9") >= 5, log[-2000:]
    assert "restarts after repeated crashes: waiting" in log
    assert "stopping every worker" in log
    assert wait_for(lambda: not any(alive(pid) for pid in seen), 10), [pid for pid in seen if alive(pid)]
    assert connection_refused(port_of(proxy))


@pytest.mark.slow
def test_killed_parent_leaves_no_orphan(proxy_factory):
    proxy = proxy_factory(processes=2)
    workers = proxy.worker_pids()
    assert len(workers) == 2

    os.kill(proxy.pid, signal.SIGKILL)
    proxy.wait(10)

    assert wait_for(lambda: not any(alive(pid) for pid in workers), 15), [pid for pid in workers if alive(pid)]
    assert wait_for(lambda: connection_refused(port_of(proxy)), 5)
