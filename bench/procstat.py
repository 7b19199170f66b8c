"""Per-process CPU time and memory read from Linux /proc."""

import os
import threading
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """Return the user + system CPU time of one process, in seconds."""
    with open(f"/proc/{pid}/stat") as stat_file:
        text = stat_file.read()

    # The command name in brackets may contain spaces, so split after its closing bracket.
    fields = text[text.rindex(")") + 2:].split()
    user_ticks, system_ticks = int(fields[11]), int(fields[12])
    return (user_ticks + system_ticks) / CLOCK_TICKS


def total_cpu_seconds(pids):
    return sum(cpu_seconds(pid) for pid in pids)


def memory_kb(pid):
    """Return {"VmRSS": kB, "VmHWM": kB} for one process."""
    values = {}
    with open(f"/proc/{pid}/status") as status_file:
        for line in status_file:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values


def child_pids(parent_pid):
    """Return the ids of the direct children of a process."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat_file:
                text = stat_file.read()
        except OSError:
            continue
        parent = int(text[text.rindex(")") + 2:].split()[1])
        if parent == parent_pid:
            children.append(int(entry))
    return sorted(children)


class RssSampler:
    """Sample one process's VmRSS in a background thread and keep the peak.

    Used as a context manager around the measured request. Short peaks between two
    samples can be missed, so callers also read VmHWM afterwards.
    """

    def __init__(self, pid, interval=0.005):
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self):
        while not self._stop.is_set():
            rss = memory_kb(self.pid)["VmRSS"]
            self.peak_kb = max(self.peak_kb, rss)
            self.samples += 1
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(timeout=5)
