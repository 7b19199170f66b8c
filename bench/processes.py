"""Start, watch and stop the processes of a benchmark run, all on 127.0.0.1."""

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from bench import procstat

logger = logging.getLogger(__name__)

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

# Process group ids of every server started in this run, reported so a run can be checked
# for leftovers.
STARTED_GROUPS = []


def free_port():
    """Return a TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pin_to(cpus):
    """Return a preexec_fn that restricts the child (and its children) to a CPU set."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def wait_for_http(url, timeout=STARTUP_TIMEOUT, process=None):
    """Poll url until it returns any HTTP status. Raise RuntimeError if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server process exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not respond within {timeout:.0f} s")


class Service:
    """A server process started by the runner, with its log file and worker processes."""

    def __init__(self, name, argv, log_path, env=None, cpus=None, cwd=REPO_DIR, capture_stdout=False):
        self.name = name
        self.log_path = log_path
        self.url = None
        self._log = open(log_path, "wb")
        logger.info("starting %s: %s", name, " ".join(argv))
        self.process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            # Only a start-up line is read from stdout. Everything else goes to the log, so a
            # server that writes much output cannot block on a full pipe.
            stdout=subprocess.PIPE if capture_stdout else self._log,
            stderr=self._log,
            preexec_fn=pin_to(cpus),
            # A process group lets stop() reach forked workers too.
            start_new_session=True,
        )
        STARTED_GROUPS.append(self.process.pid)

    @property
    def pid(self):
        return self.process.pid

    def worker_pids(self):
        """Return the forked worker processes, or the process itself when it serves alone."""
        return procstat.child_pids(self.pid) or [self.pid]

    def read_stdout_line(self, timeout=STARTUP_TIMEOUT):
        """Return the first stdout line, which the stand-in prints with its URL once listening."""
        deadline = time.monotonic() + timeout
        os.set_blocking(self.process.stdout.fileno(), False)
        buffer = b""
        while time.monotonic() < deadline:
            chunk = self.process.stdout.read()
            if chunk:
                buffer += chunk
                if b"\n" in buffer:
                    return buffer.split(b"\n", 1)[0].decode()
            elif self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"{self.name} printed no start-up line: see {self.log_path}")

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as log_file:
            return log_file.read()

    def stop(self):
        """Send SIGTERM to the whole process group, then SIGKILL after STOP_TIMEOUT."""
        if self.process.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop within %.0f s; killing it", self.name, STOP_TIMEOUT)
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT)
            except ProcessLookupError:
                pass
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()


def start_upstream(out_dir, cpus=None, **options):
    """Start the Node Salesforce stand-in. options are its command-line flags, such as latency_ms=200."""
    argv = ["node", os.path.join(BENCH_DIR, "upstream.js"), "--port", "0"]
    for name, value in options.items():
        argv += ["--" + name.replace("_", "-"), str(value)]

    service = Service("upstream", argv, os.path.join(out_dir, "upstream.log"), cpus=cpus,
                      capture_stdout=True)
    service.url = json.loads(service.read_stdout_line())["url"]
    return service


def start_hello(out_dir, processes=1, cpus=None, upstream_url=None, token=None, name="hello"):
    """Start a minimal Tornado server: hello-world, or a plain forwarder with upstream_url."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.hello", "--port", str(port), "--processes", str(processes)]
    if upstream_url:
        argv += ["--upstream", upstream_url, "--token", token]
    service = Service(name, argv, os.path.join(out_dir, f"{name}.log"), cpus=cpus)
    service.url = f"http://127.0.0.1:{port}"
    wait_for_http(service.url + "/", process=service.process)
    return service


def proxy_environment(upstream_url, max_clients):
    """Return the environment for a production proxy that trusts the loopback stand-in."""
    env = dict(os.environ)
    env.update({
        "SALESFORCE_LOGIN_URL": upstream_url,
        "SALESFORCE_ALLOWED_HOSTS": "127.0.0.1",
        "SALESFORCE_CLIENT_ID": "bench-client",
        "SALESFORCE_CLIENT_SECRET": "bench-client-secret",
        "SALESFORCE_REDIRECT_URL": "http://127.0.0.1/login/callback",
        "COOKIE_SECRET": "bench-cookie-secret-" + "0" * 32,
        "MAX_CLIENTS": str(max_clients),
        "MAX_FETCH": "100000",
        "PYTHONUNBUFFERED": "1",
    })

    # Settings from a developer's .env must not leak into the measured configuration.
    for name in ("WEB_CONCURRENCY", "API_PREFIX", "DIALECTS", "DEFAULT_DIALECT", "UPSTREAM_TIMEOUT"):
        env.pop(name, None)
    return env


def start_proxy(out_dir, upstream_url, processes=1, max_clients=1000, cpus=None, name="proxy",
                source_dir=REPO_DIR):
    """Start `python -m tornsf --env prod` against the stand-in and wait for /healthz.

    source_dir is the checkout the proxy runs from, so two versions can be compared.
    """
    port = free_port()
    argv = [sys.executable, "-m", "tornsf", "--env", "prod", "--port", str(port),
            "--processes", str(processes)]
    service = Service(name, argv, os.path.join(out_dir, f"{name}.log"),
                      env=proxy_environment(upstream_url, max_clients), cpus=cpus, cwd=source_dir)
    service.url = f"http://127.0.0.1:{port}"
    wait_for_http(service.url + "/healthz", process=service.process)
    wait_for_workers(service, processes)
    return service


def wait_for_workers(service, processes, timeout=STARTUP_TIMEOUT):
    """Wait until a forking server has all its workers, so CPU and memory readings cover them."""
    if processes <= 1:
        return
    deadline = time.monotonic() + timeout
    while len(procstat.child_pids(service.pid)) < processes:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{service.name} did not fork {processes} workers within {timeout:.0f} s")
        time.sleep(0.05)
