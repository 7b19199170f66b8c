"""Command line: start every server on loopback, run all scenarios, print the Markdown table."""

import argparse
import contextlib
import json
import logging
import os
import shlex
import sys
import time

from bench import client, processes, report, scenarios
from bench.loadgen import TOOLS, choose_tool
from bench.nginx import nginx_binary, start_nginx

logger = logging.getLogger("bench")

PLOT_NAME = "throughput-latency.png"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", dest="size", action="store_const", const="quick",
                       help="shorter loads and a 3-point sweep (about 1 minute)")
    sizes.add_argument("--tiny", dest="size", action="store_const", const="tiny",
                       help="smallest sizes, for the smoke test (a few seconds per scenario)")
    parser.set_defaults(size="full")
    parser.add_argument("--out", default="bench/out",
                        help="directory for results.json, report.md, the plot and server logs "
                             "(default: bench/out)")
    parser.add_argument("--loadgen", choices=TOOLS, default="auto",
                        help="load generator: wrk, or the Node one in bench/loadgen.js (default: wrk if installed)")
    parser.add_argument("--no-pin", dest="pin", action="store_false",
                        help="do not pin servers to CPU 0 and clients to the other CPUs")
    return parser.parse_args(argv)


def cpu_sets(pin):
    """Return (server CPUs, client CPUs): servers under test get CPU 0, everything else the rest."""
    cpus = sorted(os.sched_getaffinity(0))
    if not pin or len(cpus) < 2:
        return None, None
    return {cpus[0]}, set(cpus[1:])


def proxy_target(proxy):
    session_value = client.proxy_login(proxy.url)
    return scenarios.Target("tornsf", proxy, scenarios.RECORD_PATH, client.bearer_headers(session_value))


def run_pinned_scenarios(stack, out_dir, sizes, tool, server_cpus, client_cpus, results):
    """Scenarios 0 to 4: one upstream, servers pinned apart from the clients when possible."""
    upstream = stack.enter_context(closing(processes.start_upstream(
        out_dir, cpus=client_cpus, rows=sizes.query_rows, page_size=sizes.page_size)))
    results["ceiling"] = scenarios.load_generator_ceiling(upstream, sizes, client_cpus, tool)

    hello = stack.enter_context(closing(processes.start_hello(out_dir, cpus=server_cpus)))
    proxy = stack.enter_context(closing(processes.start_proxy(out_dir, upstream.url, cpus=server_cpus)))
    tornsf = proxy_target(proxy)
    targets = [scenarios.Target("hello-world", hello, scenarios.RECORD_PATH, {}), tornsf]

    nginx = start_nginx(out_dir, upstream.url, client.upstream_token(upstream.url), cpus=server_cpus)
    if nginx is not None:
        stack.enter_context(closing(nginx))
        targets.append(scenarios.Target("nginx", nginx, scenarios.RECORD_PATH, {}))

    results["overhead"] = scenarios.per_request_overhead(targets, sizes, client_cpus, tool)
    hello.stop()

    cpu_limit = results["overhead"]["tornsf"]["rps"]
    results["slow_upstream"] = scenarios.slow_upstream(upstream, tornsf, sizes, client_cpus, tool, cpu_limit)
    results["sweep"] = scenarios.concurrency_sweep(upstream, [tornsf] + targets[2:], sizes, client_cpus, tool)
    results["refresh_storm"] = scenarios.refresh_storm(upstream, proxy, sizes)
    proxy.stop()

    # A fresh worker, so its memory baseline is not raised by the loads above.
    query_proxy = stack.enter_context(closing(processes.start_proxy(
        out_dir, upstream.url, cpus=server_cpus, name="proxy-query")))
    results["huge_query"] = scenarios.huge_query(upstream, query_proxy, sizes)
    query_proxy.stop()
    upstream.stop()


def run_scaling(stack, out_dir, sizes, tool, results):
    """Scenario 5: nothing pinned, so two workers can use both CPUs."""
    upstream = stack.enter_context(closing(processes.start_upstream(out_dir)))
    results["scaling"] = {}
    for workers in (1, 2):
        proxy = stack.enter_context(closing(processes.start_proxy(
            out_dir, upstream.url, processes=workers, name=f"proxy-{workers}-workers")))
        results["scaling"][str(workers)] = scenarios.worker_scaling(proxy_target(proxy), sizes, None, tool)
        proxy.stop()
    upstream.stop()


@contextlib.contextmanager
def closing(service):
    """Stop a service when the run ends, also after an error. Calling stop() twice is harmless."""
    try:
        yield service
    finally:
        service.stop()


def write_outputs(out_dir, command, results, rows):
    table = report.markdown_table(rows)
    plot_path = os.path.join(out_dir, PLOT_NAME)
    plotted = report.plot_sweep(results["sweep"], plot_path)
    plot_line = f"![Throughput and p99 latency against concurrency]({PLOT_NAME})" if plotted else \
        "No plot: matplotlib is not installed (pip install -e '.[bench]')."

    document = "\n\n".join([
        f"Command: `{command}`",
        "Machine:\n\n" + report.machine_markdown(results["machine"]),
        table,
        "Concurrency sweep (upstream latency "
        f"{results['sweep']['latency_ms']} ms, 1 worker):\n\n" + report.sweep_table(results["sweep"]),
        plot_line,
    ]) + "\n"
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as report_file:
        report_file.write(document)
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as json_file:
        json.dump({"command": command, "results": results,
                   "rows": [row.__dict__ for row in rows]}, json_file, indent=2)
    return table


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)

    sizes = scenarios.SIZES[args.size]
    tool = choose_tool(args.loadgen)
    server_cpus, client_cpus = cpu_sets(args.pin)
    command = "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    results = {"size": args.size, "sizes": sizes.__dict__,
               "pinning": {"servers": sorted(server_cpus or []), "clients": sorted(client_cpus or [])},
               "machine": report.machine_info("wrk" if tool == "wrk" else "node bench/loadgen.js",
                                              nginx_binary())}

    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        run_pinned_scenarios(stack, out_dir, sizes, tool, server_cpus, client_cpus, results)
        run_scaling(stack, out_dir, sizes, tool, results)
    results["elapsed_s"] = time.monotonic() - started
    results["process_groups"] = list(processes.STARTED_GROUPS)

    rows = report.build_rows(results)
    print(write_outputs(out_dir, command, results, rows))
    logger.info("done in %.0f s; report, raw figures, plot and server logs are in %s",
                results["elapsed_s"], out_dir)
    # A missed target is a finding shown in the table, not a failure of the runner.
    return 0
