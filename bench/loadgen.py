"""Closed-loop HTTP load: wrk when installed, else the Node generator in bench/loadgen.js."""

import dataclasses
import json
import math
import os
import shutil
import subprocess

from bench.processes import BENCH_DIR, pin_to


@dataclasses.dataclass
class LoadResult:
    """Figures of one load run, with latencies in milliseconds."""

    tool: str
    connections: int
    requests: int
    duration_s: float
    errors: dict
    latency_ms: dict

    @property
    def rps(self):
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def error_count(self):
        return sum(self.errors.values())


TOOLS = ("auto", "wrk", "node")


def choose_tool(preference="auto"):
    """Return "wrk" or "node". "auto" picks wrk when it is on PATH."""
    if preference == "auto":
        return "wrk" if shutil.which("wrk") else "node"
    if preference == "wrk" and not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk): use --loadgen node")
    return preference


def run_load(url, connections, duration_s, headers=None, cpus=None, timeout_s=10, tool="auto"):
    """Send GET url from `connections` keep-alive connections for duration_s seconds."""
    headers = headers or {}
    tool = choose_tool(tool)
    if tool == "wrk":
        # wrk takes whole seconds. One thread is enough, and the runner leaves the other CPUs to the servers.
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, math.ceil(duration_s))}s",
                f"--timeout={timeout_s}s", "-s", os.path.join(BENCH_DIR, "wrk_report.lua")]
        for name, value in headers.items():
            argv += ["-H", f"{name}: {value}"]
        argv.append(url)
    else:
        argv = ["node", os.path.join(BENCH_DIR, "loadgen.js"), url, str(connections),
                str(duration_s), str(timeout_s)]
        argv += [f"{name}: {value}" for name, value in headers.items()]

    completed = subprocess.run(
        argv, capture_output=True, text=True, timeout=duration_s + timeout_s + 30,
        preexec_fn=pin_to(cpus), check=False,
    )
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            summary = json.loads(line[len("BENCH_JSON "):])
            return LoadResult(
                tool=tool,
                connections=connections,
                requests=summary["requests"],
                duration_s=summary["duration_s"],
                errors=summary["errors"],
                latency_ms=summary["latency_ms"],
            )
    raise RuntimeError(
        f"{argv[0]} printed no summary (exit status {completed.returncode}): "
        f"{completed.stderr.strip() or completed.stdout.strip()}"
    )
