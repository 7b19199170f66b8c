"""Forked worker processes with graceful shutdown.

The parent binds the listening sockets, then ``tornado.process.fork_processes``
starts the workers and replaces any that die.  Each worker runs its own
asyncio loop and ``HTTPServer`` on the inherited sockets.

Shutdown: SIGTERM or SIGINT to the parent is forwarded as SIGTERM to every
worker.  A worker stops accepting connections, waits up to ``SHUTDOWN_GRACE``
seconds for the requests in flight, closes its connections and exits 0, so
``fork_processes`` sees clean exits and the parent exits after the last one.
A worker that has not exited a few seconds after the grace period is killed.

Crashes: the parent notes every child death in a SIGCHLD handler, and a
worker forked after repeated crashes waits before serving (doubling up to
``MAX_BACKOFF`` seconds).  When ``fork_processes`` gives up after
``max_restarts`` restarts, the parent stops every worker and returns 1.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from typing import Callable, Iterable, Optional

import tornado.ioloop
import tornado.netutil
import tornado.process
import tornado.web
from tornado.httpserver import HTTPServer

from tornsf.config import Settings

logger = logging.getLogger(__name__)

LISTEN_BACKLOG = 1024

DEFAULT_MAX_RESTARTS = 100
CRASH_WINDOW = 60.0
MAX_BACKOFF = 10.0
# Seconds a worker may take past SHUTDOWN_GRACE before the parent kills it.
KILL_MARGIN = 5
# Tornado's default request body limit. The handlers reject bodies over
# MAX_BODY_BYTES with 413 before this limit applies.
SERVER_MAX_BODY = 100 * 1024 * 1024


class _ParentState:
    """State shared by the parent's signal handlers and the workers it forks."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.shutting_down = False
        self.crash_times: collections.deque[float] = collections.deque(maxlen=32)
        self.keep_pids: set[int] = set()
        self.grace = 25.0
        self.sockets: list = []


_state = _ParentState()


def child_pids(parent_pid: int) -> list[int]:
    """Return the ids of the live processes whose parent is ``parent_pid`` (Linux ``/proc``)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the command name: state, then the parent pid.
        if int(fields[1]) == parent_pid and fields[0] != b"Z":
            pids.append(int(entry))
    return pids


def _signal_workers(signum: int) -> list[int]:
    pids = [pid for pid in child_pids(_state.pid) if pid not in _state.keep_pids]
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass
    return pids


def _on_parent_stop_signal(signum: int, frame: object) -> None:
    if _state.shutting_down:
        return
    _state.shutting_down = True

    # No worker will be forked any more, so the parent's copies of the
    # listening sockets can go: once every worker has stopped accepting,
    # new connections are refused instead of waiting in the backlog.
    for sock in _state.sockets:
        sock.close()

    pids = _signal_workers(signal.SIGTERM)
    logger.info("Received %s: stopping %d workers", signal.Signals(signum).name, len(pids))
    signal.alarm(int(_state.grace) + KILL_MARGIN)


def _on_parent_alarm(signum: int, frame: object) -> None:
    pids = _signal_workers(signal.SIGKILL)
    if pids:
        logger.error("Workers %s did not stop within the shutdown grace period: killed them", pids)


def _on_child_exit(signum: int, frame: object) -> None:
    if not _state.shutting_down:
        _state.crash_times.append(time.monotonic())



def _install_parent_handlers(grace: float) -> None:
    _state.grace = grace
    signal.signal(signal.SIGTERM, _on_parent_stop_signal)
    signal.signal(signal.SIGINT, _on_parent_stop_signal)
    signal.signal(signal.SIGALRM, _on_parent_alarm)
    signal.signal(signal.SIGCHLD, _on_child_exit)


def _reset_child_handlers() -> None:
    signal.alarm(0)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)


def _restart_delay() -> float:
    """Return how long a worker forked after repeated crashes should wait before serving."""
    now = time.monotonic()
    recent = [moment for moment in _state.crash_times if now - moment < CRASH_WINDOW]
    if len(recent) < 3:
        return 0.0
    return min(MAX_BACKOFF, 0.5 * 2 ** (len(recent) - 3))


def _stop_all_workers(grace: float) -> None:
    """Stop every worker after ``fork_processes`` gave up: SIGTERM, wait, then SIGKILL."""
    _state.shutting_down = True
    _signal_workers(signal.SIGTERM)

    deadline = time.monotonic() + grace + KILL_MARGIN
    while time.monotonic() < deadline:
        remaining = [pid for pid in child_pids(_state.pid) if pid not in _state.keep_pids]
        if not remaining:
            break
        _reap()
        time.sleep(0.1)
    _signal_workers(signal.SIGKILL)
    _reap()


def _reap() -> None:
    for pid in child_pids(_state.pid):
        if pid in _state.keep_pids:
            continue
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def serve(
    settings: Settings,
    app: tornado.web.Application,
    on_listening: Optional[Callable[[int], None]] = None,
    keep_pids: Iterable[int] = (),
    max_restarts: int = DEFAULT_MAX_RESTARTS,
) -> int:
    """Bind, fork the workers and supervise them; return the parent's exit code.

    Workers never return from here: they exit with ``os._exit`` when they
    stop.  ``keep_pids`` are children of the parent that are not workers (the
    sandbox org), which shutdown leaves to the caller.
    """
    # Tornado's default backlog of 128 overflowed when hundreds of clients
    # connected at once, so the kernel made them retry after 1 s.  The kernel
    # still caps the value at net.core.somaxconn.
    sockets = tornado.netutil.bind_sockets(settings.port, settings.host or None, backlog=LISTEN_BACKLOG)
    port = sockets[0].getsockname()[1]
    if on_listening is not None:
        on_listening(port)

    # Workers share session refreshes through a private directory (mode 0700,
    # from mkdtemp) that exists before the fork; see tornsf.salesforce.shared_refresh.
    refresh_dir = None
    if (settings.processes or os.cpu_count() or 1) > 1:
        refresh_dir = tempfile.mkdtemp(prefix="tornsf-refresh-")
        app.settings["tornsf_refresh_dir"] = refresh_dir
    parent_pid = os.getpid()
    try:
        return _fork_and_supervise(settings, app, sockets, keep_pids, max_restarts)
    finally:
        # Workers leave with os._exit; the check keeps one that failed otherwise away from the directory.
        if refresh_dir is not None and os.getpid() == parent_pid:
            shutil.rmtree(refresh_dir, ignore_errors=True)


def _fork_and_supervise(settings: Settings, app: tornado.web.Application, sockets: list, keep_pids: Iterable[int],
                        max_restarts: int) -> int:
    _state.pid = os.getpid()
    _state.keep_pids = set(keep_pids)
    _state.sockets = sockets
    _install_parent_handlers(settings.shutdown_grace)

    try:
        task_id = tornado.process.fork_processes(settings.processes, max_restarts=max_restarts)
    except RuntimeError as exc:
        logger.error("%s: workers crashed %d times; stopping every worker and exiting", exc, max_restarts + 1)
        _stop_all_workers(settings.shutdown_grace)
        return 1
    except SystemExit as exc:
        # fork_processes exits the parent once every worker has exited cleanly.
        logger.info("All workers stopped")
        return int(exc.code or 0)

    _run_child(settings, app, sockets, task_id)
    return 0  # not reached


def _run_child(settings: Settings, app: tornado.web.Application, sockets: list, task_id: int) -> None:
    _reset_child_handlers()
    if _state.shutting_down:
        # Forked as a replacement while the parent was stopping.
        os._exit(0)

    delay = _restart_delay()
    if delay:
        logger.warning("Worker %d restarts after repeated crashes: waiting %.1f s before serving", task_id, delay)
        time.sleep(delay)

    code = 0
    try:
        asyncio.run(_serve_worker(settings, app, sockets, task_id))
    except Exception:
        logger.exception("Worker %d failed", task_id)
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # os._exit: the parent's atexit handlers and cleanup belong to the parent.
    os._exit(code)


async def _serve_worker(settings: Settings, app: tornado.web.Application, sockets: list, task_id: int) -> None:
    server = HTTPServer(
        app,
        xheaders=settings.trust_proxy_headers,
        max_body_size=max(SERVER_MAX_BODY, settings.max_body_bytes + 1),
        # Also the time allowed for sending the request headers.
        idle_connection_timeout=settings.idle_timeout,
        body_timeout=settings.body_timeout,
    )
    server.add_sockets(sockets)
    logger.info("Worker %d (pid %d) serving", task_id, os.getpid())

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    # A worker whose parent died (SIGKILL) must not keep the port.
    parent = _state.pid
    watchdog = tornado.ioloop.PeriodicCallback(lambda: os.getppid() != parent and stop.set(), 1000)
    watchdog.start()

    await stop.wait()
    watchdog.stop()
    await _drain(server, app, settings.shutdown_grace, task_id)


async def _drain(server: HTTPServer, app: tornado.web.Application, grace: float, task_id: int) -> None:
    server.stop()
    tracker = app.settings["tornsf_tracker"]
    logger.info("Worker %d stopping: %d requests in flight, waiting up to %.0f s", task_id, tracker.active, grace)

    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while tracker.active > 0 and loop.time() < deadline:
        await asyncio.sleep(0.05)
    if tracker.active > 0:
        logger.warning("Worker %d: %d requests still running after %.0f s; closing them", task_id, tracker.active, grace)

    try:
        await asyncio.wait_for(server.close_all_connections(), timeout=2.0)
    except asyncio.TimeoutError:
        logger.warning("Worker %d: connections did not close in time", task_id)

    client = app.settings.get("salesforce")
    if client is not None:
        client.close()
    logger.info("Worker %d stopped", task_id)
