"""Command line: start every server on loopback, run all scenarios, print the Markdown table."""

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import time

from bench import client, processes, report, scenarios
from bench.loadgen import TOOLS, choose_tool
from bench.nginx import nginx_binary, start_nginx

logger = logging.getLogger("bench")

PLOT_NAME = "throughput-latency.png"
RESULTS_START = "<!-- results:start (written by python -m bench --results) -->"
RESULTS_END = "<!-- results:end -->"


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
    parser.add_argument("--results", metavar="FILE",
                        help="also write the report into FILE between its results markers and copy the plot "
                             "next to it (for bench/RESULTS.md)")
    parser.add_argument("--loadgen", choices=TOOLS, default="auto",
                        help="load generator: wrk, or the Node one in bench/loadgen.js (default: wrk if installed)")
    parser.add_argument("--proxy-source", default=processes.REPO_DIR, metavar="DIR",
                        help="checkout to run the proxy from, to compare two versions (default: this one)")
    parser.add_argument("--no-pin", dest="pin", action="store_false",
                        help="do not pin servers to CPU 0 and clients to the other CPUs")
    return parser.parse_args(argv)


def cpu_sets(pin):
    """Return (server CPUs, client CPUs): servers under test get CPU 0, everything else the rest."""
    cpus = sorted(os.sched_getaffinity(0))
    if not pin or len(cpus) < 2:
        return None, None
    return {cpus[0]}, set(cpus[1:])


@dataclasses.dataclass
class Run:
    """Settings shared by the scenarios of one run."""

    out_dir: str
    sizes: scenarios.Sizes
    tool: str
    server_cpus: object
    client_cpus: object
    proxy_source: str

    def start_proxy(self, upstream, **options):
        return processes.start_proxy(self.out_dir, upstream.url, source_dir=self.proxy_source, **options)


def proxy_version(source_dir):
    """Return the checkout and commit the proxy runs from. "+changes" marks uncommitted edits."""
    def git(*arguments):
        completed = subprocess.run(["git", "-C", source_dir, *arguments], capture_output=True, text=True,
                                   check=False)
        return completed.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no", "--", "tornsf", "dialects"):
        commit += "+changes"
    return {"source": source_dir, "commit": commit}


def proxy_target(proxy):
    session_value = client.proxy_login(proxy.url)
    return scenarios.Target("tornsf", proxy, scenarios.RECORD_PATH, client.bearer_headers(session_value))


def start_baselines(stack, run, upstream):
    """Start hello-world, the plain Tornado forwarder and nginx, and return their load targets."""
    token = client.upstream_token(upstream.url)
    hello = stack.enter_context(closing(processes.start_hello(run.out_dir, cpus=run.server_cpus)))
    forwarder = stack.enter_context(closing(processes.start_hello(
        run.out_dir, cpus=run.server_cpus, upstream_url=upstream.url, token=token, name="forwarder")))
    targets = [
        scenarios.Target("hello-world", hello, scenarios.RECORD_PATH, {}),
        scenarios.Target("tornado-forwarder", forwarder, scenarios.RECORD_PATH, {}),
    ]

    nginx = start_nginx(run.out_dir, upstream.url, token, cpus=run.server_cpus)
    if nginx is not None:
        stack.enter_context(closing(nginx))
        targets.append(scenarios.Target("nginx", nginx, scenarios.RECORD_PATH, {}))
    return targets


def run_pinned_scenarios(stack, run, results):
    """Scenarios 0 to 4: one upstream, servers pinned apart from the clients when possible."""
    sizes, cpus = run.sizes, run.client_cpus
    upstream = stack.enter_context(closing(processes.start_upstream(
        run.out_dir, cpus=cpus, rows=sizes.query_rows, page_size=sizes.page_size)))
    results["ceiling"] = scenarios.load_generator_ceiling(upstream, sizes, cpus, run.tool)

    proxy = stack.enter_context(closing(run.start_proxy(upstream, cpus=run.server_cpus)))
    tornsf = proxy_target(proxy)
    baselines = start_baselines(stack, run, upstream)
    results["overhead"] = scenarios.per_request_overhead(upstream, [tornsf] + baselines, sizes, cpus,
                                                             run.tool)
    for baseline in baselines[:2]:
        baseline.service.stop()

    # The worker's CPU limit is one CPU second divided by its CPU time per request. Measured
    # throughput would also count the moments other jobs on the machine held the CPU.
    cpu_limit = 1e6 / min(run["cpu_us_per_request"] for run in results["overhead"]["tornsf"]["rounds"])
    results["slow_upstream"] = scenarios.slow_upstream(upstream, tornsf, sizes, cpus, run.tool, cpu_limit)
    results["sweep"] = scenarios.concurrency_sweep(upstream, [tornsf] + baselines[2:], sizes, cpus, run.tool)
    results["refresh_storm"] = scenarios.refresh_storm(upstream, proxy, sizes)
    proxy.stop()

    # A fresh worker, so its memory baseline is not raised by the loads above.
    query_proxy = stack.enter_context(closing(run.start_proxy(
        upstream, cpus=run.server_cpus, name="proxy-query")))
    results["huge_query"] = scenarios.huge_query(upstream, query_proxy, sizes)
    query_proxy.stop()
    upstream.stop()


def run_scaling(stack, run, results):
    """Scenario 5: nothing pinned, so two workers can use both CPUs."""
    upstream = stack.enter_context(closing(processes.start_upstream(run.out_dir)))
    results["scaling"] = {}
    for workers in (1, 2):
        proxy = stack.enter_context(closing(run.start_proxy(
            upstream, processes=workers, name=f"proxy-{workers}-workers")))
        results["scaling"][str(workers)] = scenarios.worker_scaling(proxy_target(proxy), run.sizes, None, run.tool)
        proxy.stop()
    upstream.stop()


@contextlib.contextmanager
def closing(service):
    """Stop a service when the run ends, also after an error. Calling stop() twice is harmless."""
    try:
        yield service
    finally:
        service.stop()


def update_results_file(path, document, plot_path):
    """Replace the text between the results markers of path (appending them if missing)."""
    text = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as results_file:
            text = results_file.read()

    block = f"{RESULTS_START}\n\n{document}\n{RESULTS_END}"
    if RESULTS_START in text and RESULTS_END in text:
        before = text.split(RESULTS_START, 1)[0]
        after = text.split(RESULTS_END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + ("\n\n" if text else "") + block + "\n"
    with open(path, "w", encoding="utf-8") as results_file:
        results_file.write(text)

    target = os.path.join(os.path.dirname(os.path.abspath(path)), PLOT_NAME)
    if plot_path and os.path.abspath(plot_path) != target:
        shutil.copyfile(plot_path, target)


def write_outputs(out_dir, command, results, rows, results_path=None):
    table = report.markdown_table(rows)
    plot_path = os.path.join(out_dir, PLOT_NAME)
    plotted = report.plot_sweep(results["sweep"], plot_path)
    plot_line = f"![Throughput and p99 latency against concurrency]({PLOT_NAME})" if plotted else \
        "No plot: matplotlib is not installed (pip install -e '.[bench]')."

    document = "\n\n".join([
        f"Command: `{command}`",
        f"Proxy: commit {results['proxy']['commit']}",
        "Machine:\n\n" + report.machine_markdown(results["machine"]),
        table,
        "Concurrency sweep (upstream latency "
        f"{results['sweep']['latency_ms']} ms, 1 worker):\n\n" + report.sweep_table(results["sweep"]),
        plot_line,
    ]) + "\n"
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as report_file:
        report_file.write(document)
    if results_path:
        update_results_file(results_path, document, plot_path if plotted else None)
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
    run = Run(out_dir, sizes, tool, server_cpus, client_cpus, os.path.abspath(args.proxy_source))
    command = "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    results = {"size": args.size, "sizes": sizes.__dict__, "proxy": proxy_version(run.proxy_source),
               "pinning": {"servers": sorted(server_cpus or []), "clients": sorted(client_cpus or [])},
               "machine": report.machine_info("wrk" if tool == "wrk" else "node bench/loadgen.js",
                                              nginx_binary())}

    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        run_pinned_scenarios(stack, run, results)
        run_scaling(stack, run, results)
    results["elapsed_s"] = time.monotonic() - started
    results["process_groups"] = list(processes.STARTED_GROUPS)

    rows = report.build_rows(results)
    print(write_outputs(out_dir, command, results, rows, args.results))
    logger.info("done in %.0f s; report, raw figures, plot and server logs are in %s",
                results["elapsed_s"], out_dir)
    # A missed target is a finding shown in the table, not a failure of the runner.
    return 0
