"""The benchmark scenarios. Each returns its raw figures as a dict, and report.py judges them."""

import dataclasses
import logging
import statistics
import time
import urllib.parse

from bench import client, procstat
from bench.loadgen import run_load

logger = logging.getLogger(__name__)

RECORD_PATH = "/Account/" + client.RECORD_ID
UPSTREAM_RECORD_PATH = "/services/data/v62.0/sobjects/Account/" + client.RECORD_ID
QUERY_MARKER = b"Bench Account "


@dataclasses.dataclass(frozen=True)
class Sizes:
    """Load sizes of one run, with durations in seconds and latencies in milliseconds."""

    duration_s: float
    # Scenario 2 runs longer: at 200 ms per request each connection completes only 5
    # requests a second, and connection set-up must not dominate the figure.
    slow_duration_s: float
    warmup_s: float
    rounds: int
    overhead_connections: int
    slow_connections: int
    slow_latency_ms: int
    # A second scenario 2 run draws each latency from latency +- jitter, which keeps the
    # closed-loop clients from moving in lockstep waves.
    slow_jitter_ms: int
    sweep: tuple
    query_rows: int
    page_size: int
    page_latency_ms: int
    storm_requests: int
    storm_latency_ms: int
    refresh_latency_ms: int
    scaling_connections: int


SIZES = {
    "full": Sizes(
        duration_s=5, slow_duration_s=15, warmup_s=1, rounds=2, overhead_connections=32, slow_connections=400,
        slow_latency_ms=200, slow_jitter_ms=50, sweep=(1, 10, 50, 100, 200, 400), query_rows=100_000, page_size=2000,
        page_latency_ms=20, storm_requests=200, storm_latency_ms=20, refresh_latency_ms=100,
        scaling_connections=64,
    ),
    "quick": Sizes(
        duration_s=2, slow_duration_s=6, warmup_s=1, rounds=1, overhead_connections=32, slow_connections=400,
        slow_latency_ms=200, slow_jitter_ms=50, sweep=(1, 50, 400), query_rows=100_000, page_size=2000,
        page_latency_ms=20, storm_requests=200, storm_latency_ms=20, refresh_latency_ms=100,
        scaling_connections=64,
    ),
    # A few seconds in all: only proves that every scenario still runs end to end.
    "tiny": Sizes(
        duration_s=1, slow_duration_s=1, warmup_s=0, rounds=1, overhead_connections=8, slow_connections=20,
        slow_latency_ms=50, slow_jitter_ms=10, sweep=(1, 10), query_rows=6000, page_size=2000, page_latency_ms=5,
        storm_requests=20, storm_latency_ms=5, refresh_latency_ms=50, scaling_connections=8,
    ),
}


@dataclasses.dataclass
class Target:
    """A server under load: its base URL, the path to GET, headers and its CPU-using processes."""

    name: str
    service: object
    path: str
    headers: dict

    @property
    def url(self):
        return self.service.url + self.path


def measure_load(target, sizes, connections, cpus, tool, duration_s=None):
    """Run one load and return its figures plus the target's CPU microseconds per request."""
    pids = target.service.worker_pids()
    cpu_before = procstat.total_cpu_seconds(pids)
    result = run_load(target.url, connections, duration_s or sizes.duration_s,
                      headers=target.headers, cpus=cpus, tool=tool)
    cpu_used = procstat.total_cpu_seconds(pids) - cpu_before

    figures = {
        "connections": connections,
        "requests": result.requests,
        "rps": result.rps,
        "errors": result.error_count,
        "error_kinds": result.errors,
        "latency_ms": result.latency_ms,
        "cpu_s": cpu_used,
        "cpu_us_per_request": cpu_used / result.requests * 1e6 if result.requests else None,
        "workers": len(pids),
    }
    logger.info("%s c=%d: %.0f req/s, p99 %.1f ms, %d errors, %s us CPU/request", target.name,
                connections, figures["rps"], result.latency_ms["p99"], figures["errors"],
                f"{figures['cpu_us_per_request']:.0f}" if figures["cpu_us_per_request"] else "-")
    return figures


def warm_up(target, sizes, connections, cpus, tool):
    if sizes.warmup_s:
        run_load(target.url, connections, sizes.warmup_s, headers=target.headers, cpus=cpus, tool=tool)


def settle(sizes):
    """Wait until the upstream calls that a finished load left in flight have ended.

    wrk closes its connections when its time is up, but the proxy still completes the
    upstream calls of those requests, and that work would land in the next measurement.
    """
    time.sleep(2 * sizes.slow_latency_ms / 1000 + 0.2)


def best_of(runs):
    """Return the run with the highest throughput: other load on a shared machine only lowers it."""
    return max(runs, key=lambda run: run["rps"])


def load_generator_ceiling(upstream, sizes, cpus, tool):
    """Load the stand-in directly: the ceiling that every proxied figure must stay well under."""
    token = client.upstream_token(upstream.url)
    target = Target("stand-in", upstream, UPSTREAM_RECORD_PATH, {"Authorization": f"Bearer {token}"})
    warm_up(target, sizes, sizes.overhead_connections, cpus, tool)
    return measure_load(target, sizes, sizes.overhead_connections, cpus, tool)


def per_request_overhead(upstream, targets, sizes, cpus, tool):
    """Scenario 1: the same GET through hello-world, tornsf and nginx, alternating in rounds."""
    runs = {target.name: [] for target in targets}
    for target in targets:
        warm_up(target, sizes, sizes.overhead_connections, cpus, tool)
    stats_before = client.upstream_admin(upstream.url, "GET", "/_stats")

    for _ in range(sizes.rounds):
        for target in targets:
            runs[target.name].append(measure_load(target, sizes, sizes.overhead_connections, cpus, tool))
    stats_after = client.upstream_admin(upstream.url, "GET", "/_stats")

    figures = {name: best_of(name_runs) | {"rounds": name_runs} for name, name_runs in runs.items()}
    # Every server keeps its upstream connections open between requests, so all rounds together
    # should open about as many connections as there are clients, not one per request.
    figures["upstream"] = {
        "connections_opened": stats_after["connections_opened"] - stats_before["connections_opened"],
        "requests": stats_after["total"] - stats_before["total"],
    }
    return figures


def slow_upstream(upstream, proxy_target, sizes, cpus, tool, cpu_limit_rps):
    """Scenario 2: many clients waiting on a slow upstream through one worker."""
    client.upstream_admin(upstream.url, "PATCH", "/_knobs", {"latency_ms": sizes.slow_latency_ms})
    warm_up(proxy_target, sizes, sizes.slow_connections, cpus, tool)
    settle(sizes)
    client.upstream_admin(upstream.url, "DELETE", "/_stats")

    figures = measure_load(proxy_target, sizes, sizes.slow_connections, cpus, tool,
                           duration_s=sizes.slow_duration_s)
    figures["upstream_max_in_flight"] = client.upstream_admin(upstream.url, "GET", "/_stats")["max_in_flight"]
    figures["latency_target_ms"] = sizes.slow_latency_ms
    figures["concurrency_limit_rps"] = sizes.slow_connections / (sizes.slow_latency_ms / 1000)
    figures["cpu_limit_rps"] = cpu_limit_rps
    figures["ideal_rps"] = min(figures["concurrency_limit_rps"], cpu_limit_rps)

    client.upstream_admin(upstream.url, "PATCH", "/_knobs", {"latency_jitter_ms": sizes.slow_jitter_ms})
    settle(sizes)
    figures["jittered"] = measure_load(proxy_target, sizes, sizes.slow_connections, cpus, tool,
                                       duration_s=sizes.slow_duration_s)
    figures["jittered"]["jitter_ms"] = sizes.slow_jitter_ms
    client.upstream_admin(upstream.url, "PATCH", "/_knobs", {"latency_jitter_ms": 0})
    return figures


def concurrency_sweep(upstream, targets, sizes, cpus, tool):
    """Throughput and p99 against concurrency with the slow upstream, for the plot."""
    client.upstream_admin(upstream.url, "PATCH", "/_knobs", {"latency_ms": sizes.slow_latency_ms})
    points = {target.name: [] for target in targets}
    for connections in sizes.sweep:
        for target in targets:
            settle(sizes)
            points[target.name].append(measure_load(target, sizes, connections, cpus, tool))
    return {"latency_ms": sizes.slow_latency_ms, "points": points}


def refresh_storm(upstream, proxy, sizes):
    """Scenario 4: many concurrent requests on one expired session share one refresh."""
    settle(sizes)
    client.upstream_admin(upstream.url, "PATCH", "/_knobs", {
        "latency_ms": sizes.storm_latency_ms, "token_latency_ms": sizes.refresh_latency_ms,
    })
    session_value = client.proxy_login(proxy.url)
    client.upstream_admin(upstream.url, "POST", "/_expire")
    client.upstream_admin(upstream.url, "DELETE", "/_stats")

    outcome = client.concurrent_gets(proxy.url + RECORD_PATH, client.bearer_headers(session_value),
                                     sizes.storm_requests)
    stats = client.upstream_admin(upstream.url, "GET", "/_stats")
    client.upstream_admin(upstream.url, "PATCH", "/_knobs", {"latency_ms": 0, "token_latency_ms": 0})

    outcome.update({
        "requests": sizes.storm_requests,
        "succeeded": outcome["statuses"].get(200, 0),
        "refresh_calls": stats["grants"].get("refresh_token", 0),
        "upstream_calls": stats["by_endpoint"],
    })
    return outcome


def huge_query(upstream, proxy, sizes):
    """Scenario 3: autoFetch over every page, timing the first byte and sampling worker memory."""
    soql = f"SELECT Id, Name, Industry FROM Account LIMIT {sizes.query_rows}"
    client.upstream_admin(upstream.url, "PATCH", "/_knobs", {
        "latency_ms": 0, "page_latency_ms": sizes.page_latency_ms,
    })

    # Baseline: the same pages fetched straight from the stand-in, one after another.
    page_times = client.fetch_pages_directly(upstream.url, client.upstream_token(upstream.url), soql)

    session_value = client.proxy_login(proxy.url)
    headers = client.bearer_headers(session_value)
    query = urllib.parse.urlencode({"q": soql, "autoFetch": "true", "maxFetch": sizes.query_rows})
    warm_query = urllib.parse.urlencode({"q": "SELECT Id, Name, Industry FROM Account LIMIT 10"})
    warm = client.timed_download(f"{proxy.url}/Account?{warm_query}", headers, QUERY_MARKER)
    if warm["status"] != 200:
        raise RuntimeError(f"warm-up query through the proxy failed with status {warm['status']}")

    worker = proxy.worker_pids()[0]
    time.sleep(0.2)
    client.upstream_admin(upstream.url, "DELETE", "/_stats")
    before = procstat.memory_kb(worker)
    cpu_before = procstat.cpu_seconds(worker)
    with procstat.RssSampler(worker) as sampler:
        download = client.timed_download(f"{proxy.url}/Account?{query}", headers, QUERY_MARKER)
    worker_cpu_s = procstat.cpu_seconds(worker) - cpu_before
    after = procstat.memory_kb(worker)
    query_stats = client.upstream_admin(upstream.url, "GET", "/_stats")
    requested_ms = query_stats["page_requested_ms"]
    client.upstream_admin(upstream.url, "PATCH", "/_knobs", {"page_latency_ms": None})

    # VmHWM is the peak since the worker started, so it only counts when this request raised it.
    peak_kb = sampler.peak_kb
    if after["VmHWM"] > before["VmHWM"]:
        peak_kb = max(peak_kb, after["VmHWM"])
    return {
        "rows": sizes.query_rows,
        "pages": len(page_times),
        "page_latency_ms": sizes.page_latency_ms,
        "direct_first_page_s": page_times[0],
        "direct_sum_s": sum(page_times),
        "download": download,
        "worker_cpu_s": worker_cpu_s,
        "gzip_pages": query_stats["gzip_responses"],
        # How long the proxy took from one page request to the next, as the stand-in saw it.
        "page_interval_ms": statistics.median(
            later - earlier for earlier, later in zip(requested_ms, requested_ms[1:])) if len(requested_ms) > 1 else None,
        "rss_before_kb": before["VmRSS"],
        "hwm_before_kb": before["VmHWM"],
        "rss_peak_sampled_kb": sampler.peak_kb,
        "hwm_after_kb": after["VmHWM"],
        "rss_samples": sampler.samples,
        "rss_growth_kb": peak_kb - before["VmRSS"],
    }


def worker_scaling(proxy_target, sizes, cpus, tool):
    """Scenario 5: one record GET with a fast upstream, for one proxy configuration."""
    warm_up(proxy_target, sizes, sizes.scaling_connections, cpus, tool)
    runs = [measure_load(proxy_target, sizes, sizes.scaling_connections, cpus, tool)
            for _ in range(sizes.rounds)]
    return best_of(runs)
