"""Load and leaks: 20,000 requests at concurrency 200, three rounds, zero errors, flat worker memory.

The load comes from a Node script (tests/faults/load.js) so that the client
costs little CPU next to the proxy's two workers and the sandbox org.  The
figures are printed (run pytest with -s to see them).
"""

import json
import pathlib
import shutil
import subprocess

import pytest

from tests.security.helpers import first_account_id, new_bearer

SCRIPT = pathlib.Path(__file__).with_name("load.js")
ROUNDS = 3
REQUESTS = 20000
CONCURRENCY = 200
# Growth allowed between the first and the last round, per worker.
MAX_GROWTH_KB = 12 * 1024


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def run_load(url, authorization, total, deadline_ms):
    environment = {"URL": url, "TOTAL": str(total), "CONCURRENCY": str(CONCURRENCY),
                   "AUTHORIZATION": authorization, "DEADLINE_MS": str(deadline_ms), "PATH": "/usr/bin:/bin"}
    node = shutil.which("node")
    assert node, "Node.js is required for the load test"
    finished = subprocess.run([node, str(SCRIPT)], env=environment, capture_output=True, text=True,
                              timeout=deadline_ms / 1000 + 60)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_twenty_thousand_requests_three_rounds_flat_memory(proxy_factory, sandbox):
    proxy = proxy_factory(processes=2, environ={"LOG_LEVEL": "WARNING"})
    value = new_bearer(proxy.url)
    url = proxy.url + "/Account/" + first_account_id(proxy.url, value)
    authorization = "Bearer " + value
    workers = proxy.worker_pids()
    assert len(workers) == 2

    warm = run_load(url, authorization, 2000, 30000)
    assert warm["statuses"] == {"200": 2000}, warm
    memory = [{pid: rss_kb(pid) for pid in workers}]
    rounds = []
    for number in range(ROUNDS):
        # A round takes 15 to 40 s on two shared cores; 75 s at most keeps the test
        # under pytest's 300 s timeout even on a busy machine.
        result = run_load(url, authorization, REQUESTS, 75000)
        rounds.append(result)
        memory.append({pid: rss_kb(pid) for pid in workers})
        print("\nround %d: %d requests in %.1f s (%.0f/s), p50 %.1f ms, p99 %.1f ms, max %.1f ms, "
              "statuses %s, errors %s, worker VmRSS kB %s" % (
                  number + 1, result["total"], result["seconds"], result["rps"], result["p50_ms"],
                  result["p99_ms"], result["max_ms"], result["statuses"], result["errors"], memory[-1]))
        assert result["total"] == REQUESTS, "round %d stopped at the time limit: %s" % (number + 1, result)
        assert result["errors"] == {}, result
        assert result["statuses"] == {"200": REQUESTS}, result

    print("worker VmRSS kB after warm-up and each round: %s" % memory)
    assert proxy.worker_pids() == workers, "a worker died under load"
    for pid in workers:
        growth = memory[-1][pid] - memory[1][pid]
        assert growth < MAX_GROWTH_KB, "worker %d grew by %d kB from round 1 to round %d: %s" % (
            pid, growth, ROUNDS, memory)
