"""Judge the raw figures against the targets and render the Markdown table and the plot."""

import dataclasses
import datetime
import os
import platform
import re
import shutil
import subprocess

MET, MISSED, INFO = "met", "missed", "info"
MB = 1024  # kB per MB, for VmRSS figures


@dataclasses.dataclass
class Row:
    scenario: str
    measure: str
    figure: str
    target: str = "-"
    status: str = INFO


def judged(condition):
    return MET if condition else MISSED


def rate(figures):
    return f"{figures['rps']:,.0f} req/s"


def cpu(figures):
    value = figures.get("cpu_us_per_request")
    return f"{value:,.0f} µs CPU/req" if value else "CPU n/a"


def overhead_rows(results):
    figures = results["overhead"]
    hello, tornsf = figures["hello-world"], figures["tornsf"]
    rows = [
        Row("1. Per-request overhead", "hello-world, 1 worker", f"{rate(hello)}, {cpu(hello)}"),
        Row("1. Per-request overhead", "tornsf GET /Account/<id>, 1 worker",
            f"{rate(tornsf)}, {cpu(tornsf)}, p99 {tornsf['latency_ms']['p99']:.1f} ms, "
            f"{tornsf['errors']} errors"),
    ]
    forwarder = figures["tornado-forwarder"]
    rows.append(Row("1. Per-request overhead", "plain Tornado + curl forwarder (reference), 1 worker",
                    f"{rate(forwarder)}, {cpu(forwarder)}"))
    if "nginx" in figures:
        nginx = figures["nginx"]
        rows.append(Row("1. Per-request overhead", "nginx reverse proxy (reference), 1 worker",
                        f"{rate(nginx)}, {cpu(nginx)}"))
    else:
        rows.append(Row("1. Per-request overhead", "nginx reverse proxy (reference)", "0 (nginx not installed)"))

    ratio = tornsf["rps"] / hello["rps"] if hello["rps"] else 0.0
    rows.append(Row("1. Per-request overhead", "tornsf / hello-world throughput",
                    f"{ratio:.0%}", ">= 60%", judged(ratio >= 0.60 and tornsf["errors"] == 0)))
    if hello.get("cpu_us_per_request") and tornsf.get("cpu_us_per_request"):
        cpu_ratio = hello["cpu_us_per_request"] / tornsf["cpu_us_per_request"]
        rows.append(Row("1. Per-request overhead", "hello-world / tornsf CPU per request",
                        f"{cpu_ratio:.0%}"))
    upstream = figures["upstream"]
    rows.append(Row("1. Per-request overhead", "upstream TCP connections opened (all servers, all rounds)",
                    f"{upstream['connections_opened']:,} for {upstream['requests']:,} requests"))
    if forwarder["rps"]:
        rows.append(Row("1. Per-request overhead", "tornsf / plain forwarder throughput",
                        f"{tornsf['rps'] / forwarder['rps']:.0%}"))
    return rows


def slow_upstream_rows(results):
    figures = results["slow_upstream"]
    latency_ms = figures["latency_target_ms"]
    share = figures["rps"] / figures["ideal_rps"] if figures["ideal_rps"] else 0.0
    p99 = figures["latency_ms"]["p99"]
    if figures["cpu_limit_rps"] < figures["concurrency_limit_rps"]:
        limit = "CPU limit: 1 s / tornsf's least CPU time per request in 1."
    else:
        limit = f"{figures['connections']} / {latency_ms} ms"
    jittered = figures["jittered"]
    label = f"{figures['connections']} clients, upstream {latency_ms} ms, 1 worker"
    return [
        Row("2. Slow upstream", f"throughput, {label}",
            f"{rate(figures)} = {share:.0%} of ideal {figures['ideal_rps']:,.0f} ({limit}), {cpu(figures)}",
            ">= 90% of ideal", judged(share >= 0.90)),
        Row("2. Slow upstream", "p99 latency", f"{p99:,.0f} ms", f"< {2.5 * latency_ms:,.0f} ms",
            judged(p99 < 2.5 * latency_ms)),
        Row("2. Slow upstream", "errors", f"{figures['errors']} of {figures['requests']:,}", "0",
            judged(figures["errors"] == 0)),
        Row("2. Slow upstream", f"same with latency {latency_ms} ± {jittered['jitter_ms']} ms (uniform)",
            f"{rate(jittered)} = {jittered['rps'] / figures['ideal_rps']:.0%} of ideal, "
            f"p99 {jittered['latency_ms']['p99']:,.0f} ms, {jittered['errors']} errors, {cpu(jittered)}"),
    ]


def huge_query_rows(results):
    figures = results["huge_query"]
    download = figures["download"]
    growth_mb = figures["rss_growth_kb"] / MB
    first_page_ms = figures["direct_first_page_s"] * 1000
    first_byte_ms = download["first_byte_s"] * 1000
    ratio = download["total_s"] / figures["direct_sum_s"]
    page_ms = figures["direct_sum_s"] / figures["pages"] * 1000
    interval = f"{figures['page_interval_ms']:,.0f} ms" if figures["page_interval_ms"] else "one page only"
    label = f"{figures['rows']:,} records in {figures['pages']} pages of {figures['page_latency_ms']} ms"
    return [
        Row("3. Huge query", f"records streamed, {label}", f"{download['markers']:,} (status {download['status']})",
            f"{figures['rows']:,}", judged(download["status"] == 200 and download["markers"] == figures["rows"])),
        Row("3. Huge query", "worker peak RSS growth", f"{growth_mb:.1f} MB", "< 64 MB", judged(growth_mb < 64)),
        Row("3. Huge query", "time to first byte",
            f"{first_byte_ms:,.0f} ms (first page straight from upstream: {first_page_ms:,.0f} ms)",
            "<= first page + 100 ms", judged(first_byte_ms <= first_page_ms + 100)),
        Row("3. Huge query", "total time",
            f"{download['total_s']:.2f} s = {ratio:.2f}x the upstream pages' {figures['direct_sum_s']:.2f} s",
            "<= 1.2x", judged(ratio <= 1.2)),
        Row("3. Huge query", "worker CPU; median time between page requests",
            f"{figures['worker_cpu_s']:.2f} s; {interval} (a page straight from upstream: {page_ms:,.0f} ms); "
            f"{figures['gzip_pages']} of {figures['pages']} pages sent gzip-compressed"),
    ]


def refresh_storm_rows(results):
    figures = results["refresh_storm"]
    requests = figures["requests"]
    return [
        Row("4. Refresh storm", f"refresh calls upstream, {requests} concurrent requests on one expired session",
            f"{figures['refresh_calls']}", "exactly 1", judged(figures["refresh_calls"] == 1)),
        Row("4. Refresh storm", "requests succeeded",
            f"{figures['succeeded']} of {requests} in {figures['elapsed_s'] * 1000:,.0f} ms",
            f"{requests}", judged(figures["succeeded"] == requests)),
    ]


def scaling_rows(results):
    figures = results["scaling"]
    one, two = figures["1"], figures["2"]
    factor = two["rps"] / one["rps"] if one["rps"] else 0.0
    label = f"GET /Account/<id>, {one['connections']} connections"
    return [
        Row("5. Workers", f"1 worker, {label}", f"{rate(one)}, {cpu(one)}"),
        Row("5. Workers", f"2 workers, {label}", f"{rate(two)}, {cpu(two)}, {factor:.2f}x one worker"),
    ]


def ceiling_rows(results):
    figures = results["ceiling"]
    return [Row("0. Load generator", f"{results['machine']['load_generator']} straight to the stand-in",
                f"{rate(figures)}, stand-in {cpu(figures)}")]


def build_rows(results):
    rows = []
    for builder in (ceiling_rows, overhead_rows, slow_upstream_rows, huge_query_rows,
                    refresh_storm_rows, scaling_rows):
        rows += builder(results)
    return rows


def markdown_table(rows):
    lines = ["| Scenario | Measure | Figure | Target | Result |", "|---|---|---|---|---|"]
    for row in rows:
        cells = [row.scenario, row.measure, row.figure, row.target, row.status]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def sweep_table(sweep):
    names = list(sweep["points"])
    header = "| Concurrency | " + " | ".join(f"{name} req/s | {name} p99 ms" for name in names) + \
        " | ideal req/s |"
    lines = [header, "|---" * (2 * len(names) + 2) + "|"]
    for index, connections in enumerate(point["connections"] for point in sweep["points"][names[0]]):
        cells = [str(connections)]
        for name in names:
            point = sweep["points"][name][index]
            cells += [f"{point['rps']:,.0f}", f"{point['latency_ms']['p99']:,.0f}"]
        cells.append(f"{connections / (sweep['latency_ms'] / 1000):,.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def command_version(argv, pattern=r"[\d.]+"):
    if not shutil.which(argv[0]) and not os.path.exists(argv[0]):
        return "not installed"
    completed = subprocess.run(argv, capture_output=True, text=True, check=False)
    match = re.search(pattern, completed.stdout + completed.stderr)
    return match.group(0) if match else "unknown"


def machine_info(load_generator, nginx_binary):
    import pycurl
    import tornado

    cpu_model = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as loadavg:
        load = " ".join(loadavg.read().split()[:3])

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "load_average_at_start": load,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "tornado": tornado.version,
        "pycurl": pycurl.version,
        "node": command_version(["node", "--version"]),
        "load_generator": load_generator,
        "wrk": command_version(["wrk", "--version"]),
        "nginx": command_version([nginx_binary or "nginx", "-v"], r"nginx/[\d.]+"),
    }


def machine_markdown(machine):
    return "\n".join(f"- {name.replace('_', ' ')}: {value}" for name, value in machine.items())


def plot_sweep(sweep, path):
    """Save throughput and p99 latency against concurrency as a PNG. Return False without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, (throughput_axes, latency_axes) = pyplot.subplots(1, 2, figsize=(10, 4), dpi=80)
    connections = [point["connections"] for point in next(iter(sweep["points"].values()))]
    latency_s = sweep["latency_ms"] / 1000
    throughput_axes.plot(connections, [c / latency_s for c in connections], "k:", label="ideal (clients / latency)")
    for name, points in sweep["points"].items():
        throughput_axes.plot(connections, [p["rps"] for p in points], "o-", label=name)
        latency_axes.plot(connections, [p["latency_ms"]["p99"] for p in points], "o-", label=name)
    latency_axes.axhline(2.5 * sweep["latency_ms"], color="r", linestyle="--", label="p99 target")

    throughput_axes.set(xscale="log", yscale="log", xlabel="concurrent clients", ylabel="requests/s",
                        title=f"Throughput, upstream latency {sweep['latency_ms']} ms")
    latency_axes.set(xscale="log", xlabel="concurrent clients", ylabel="p99 latency (ms)",
                     title="p99 latency")
    latency_axes.set_ylim(bottom=0)
    for axes in (throughput_axes, latency_axes):
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
    return True
