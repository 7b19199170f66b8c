"""Compare proxy versions: `python -m bench.compare [--rounds N] DIR [DIR ...]`.

Each DIR is a checkout (or a copy of its `tornsf` and `dialects` folders) to run the
proxy from. Rounds alternate between the versions, so all of them see the same
background load, and the table gives the minimum and median of the rounds: on a shared
machine other load only ever adds CPU time, so the minimum is the least disturbed figure.
Two measurements: the record GET of scenario 1 (32 connections, fast upstream) and the
huge query of scenario 3 (a fresh worker per round).
"""

import argparse
import contextlib
import logging
import os
import statistics
import sys
import tempfile

from bench import client, processes, scenarios
from bench.runner import closing, cpu_sets


def per_request_rounds(stack, out_dir, sources, rounds, server_cpus, client_cpus):
    """Return {source: [(requests/s, CPU µs/request), ...]} for the record GET."""
    sizes = scenarios.SIZES["full"]
    upstream = stack.enter_context(closing(processes.start_upstream(out_dir, cpus=client_cpus)))
    targets = {}
    for index, source in enumerate(sources):
        proxy = stack.enter_context(closing(processes.start_proxy(
            out_dir, upstream.url, cpus=server_cpus, source_dir=source, name=f"proxy-{index}")))
        session_value = client.proxy_login(proxy.url)
        targets[source] = scenarios.Target(source, proxy, scenarios.RECORD_PATH, client.bearer_headers(session_value))
        scenarios.warm_up(targets[source], sizes, sizes.overhead_connections, client_cpus, "auto")

    results = {source: [] for source in sources}
    for _ in range(rounds):
        for source in sources:
            figures = scenarios.measure_load(targets[source], sizes, sizes.overhead_connections, client_cpus,
                                             "auto", duration_s=2)
            results[source].append((figures["rps"], figures["cpu_us_per_request"]))
    upstream.stop()
    return results


def query_rounds(stack, out_dir, sources, rounds, server_cpus, client_cpus):
    """Return {source: [huge_query figures, ...]}, each round on a fresh worker."""
    sizes = scenarios.SIZES["full"]
    upstream = stack.enter_context(closing(processes.start_upstream(
        out_dir, cpus=client_cpus, rows=sizes.query_rows, page_size=sizes.page_size)))
    results = {source: [] for source in sources}
    for _ in range(rounds):
        for index, source in enumerate(sources):
            with closing(processes.start_proxy(out_dir, upstream.url, cpus=server_cpus, source_dir=source,
                                               name=f"query-{index}")) as proxy:
                results[source].append(scenarios.huge_query(upstream, proxy, sizes))
    upstream.stop()
    return results


def min_median(values):
    return f"{min(values):,.0f} / {statistics.median(values):,.0f}"


def print_tables(per_request, queries):
    print("| Version | CPU µs/request, min / median | req/s, max / median |")
    print("|---|---|---|")
    for source, rounds in per_request.items():
        rates = [rate for rate, _ in rounds]
        cpu = [cpu_us for _, cpu_us in rounds]
        print(f"| {source} | {min_median(cpu)} | {max(rates):,.0f} / {statistics.median(rates):,.0f} |")

    print()
    print("| Version | total / upstream page times, median | ms between page requests, median "
          "| worker CPU s, median | RSS growth MB, max |")
    print("|---|---|---|---|---|")
    for source, rounds in queries.items():
        ratio = statistics.median(r["download"]["total_s"] / r["direct_sum_s"] for r in rounds)
        interval = statistics.median(r["page_interval_ms"] for r in rounds)
        cpu = statistics.median(r["worker_cpu_s"] for r in rounds)
        growth = max(r["rss_growth_kb"] for r in rounds) / 1024
        print(f"| {source} | {ratio:.2f}x | {interval:.0f} | {cpu:.2f} | {growth:.1f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="+", metavar="DIR", help="checkouts to run the proxy from")
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds per measurement (default 6)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    sources = [os.path.abspath(source) for source in args.sources]
    server_cpus, client_cpus = cpu_sets(True)
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as out_dir, contextlib.ExitStack() as stack:
        per_request = per_request_rounds(stack, out_dir, sources, args.rounds, server_cpus, client_cpus)
        queries = query_rounds(stack, out_dir, sources, max(1, args.rounds // 2), server_cpus, client_cpus)
    print_tables(per_request, queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
