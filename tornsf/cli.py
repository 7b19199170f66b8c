"""Command line: ``python -m tornsf --env dev|prod`` (also installed as ``tornsf``).

Settings come from ``.denv`` (dev) or ``.env`` (prod) and the environment;
options given here win.  ``--sandbox`` starts the sandbox org as a child
process and points the proxy at it with its demo connected app.
"""

from __future__ import annotations

import argparse
import logging
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Optional

from tornsf.config import load_settings, read_environment
from tornsf.errors import StartupError
from tornsf.log import configure_logging

logger = logging.getLogger(__name__)

SANDBOX_CLIENT_ID = "tornsf-sandbox"
SANDBOX_CLIENT_SECRET = "tornsf-sandbox-secret"
SANDBOX_USERNAME = "demo@example.com"
SANDBOX_PASSWORD = "demo1234"
SANDBOX_START_TIMEOUT = 30.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tornsf",
        description="Run the tornsf proxy in front of the Salesforce REST API.",
    )
    parser.add_argument("--env", choices=("dev", "prod"), required=True,
                        help="dev reads .denv and allows development pages; prod reads .env and needs COOKIE_SECRET")
    parser.add_argument("--host", help="address to listen on (HOST; default 127.0.0.1 in dev, 0.0.0.0 in prod)")
    parser.add_argument("--port", type=int, help="port to listen on (PORT; default 5000, 0 picks a free port)")
    parser.add_argument("--processes", type=int,
                        help="number of worker processes (WEB_CONCURRENCY; default 0 = one per CPU)")
    parser.add_argument("--sandbox", action="store_true",
                        help="start the local sandbox org and use it as Salesforce (dev only)")
    parser.add_argument("--sandbox-seed", default="demo", metavar="demo|large:N",
                        help="seed data of the sandbox org (default demo)")
    parser.add_argument("--max-restarts", type=int, default=100, metavar="N",
                        help="stop everything after workers crashed N times in total (default 100)")
    return parser


class SandboxProcess:
    """The sandbox org, run as ``python -m tornsf.sandbox`` on a free loopback port."""

    def __init__(self, seed: str):
        self.directory = tempfile.mkdtemp(prefix="tornsf-sandbox-")
        self.url_file = pathlib.Path(self.directory) / "url"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tornsf.sandbox", "--port", "0", "--seed", seed, "--url-file", str(self.url_file)],
            stdout=subprocess.DEVNULL,
            # Its own session: a Ctrl-C in the terminal reaches the proxy,
            # which stops the sandbox after its workers finished.
            start_new_session=True,
        )
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + SANDBOX_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise StartupError(
                    "The sandbox org exited with status %d while starting: run python -m tornsf.sandbox --port 0 "
                    "to see why." % self.process.returncode
                )
            text = self.url_file.read_text().strip() if self.url_file.exists() else ""
            if text:
                return text.rstrip("/")
            time.sleep(0.05)

        self.stop()
        raise StartupError("The sandbox org did not start within %.0f s: run python -m tornsf.sandbox --port 0 "
                           "to see why." % SANDBOX_START_TIMEOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def environ(self, environ: dict[str, str]) -> dict[str, str]:
        """Return the settings that point the proxy at this sandbox."""
        allowed = [host for host in environ.get("SALESFORCE_ALLOWED_HOSTS", "").split(",") if host.strip()]
        return {
            "SALESFORCE_LOGIN_URL": self.url,
            "SALESFORCE_CLIENT_ID": SANDBOX_CLIENT_ID,
            "SALESFORCE_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "SALESFORCE_ALLOWED_HOSTS": ",".join(allowed + ["127.0.0.1", "localhost"]),
            "SALESFORCE_USERNAME": environ.get("SALESFORCE_USERNAME") or SANDBOX_USERNAME,
            "SALESFORCE_PASSWORD": environ.get("SALESFORCE_PASSWORD") or SANDBOX_PASSWORD,
            "TORNSF_SANDBOX": "1",
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def _apply_options(args: argparse.Namespace, environ: dict[str, str]) -> None:
    if args.host is not None:
        environ["HOST"] = args.host
    if args.port is not None:
        environ["PORT"] = str(args.port)
    if args.processes is not None:
        environ["WEB_CONCURRENCY"] = str(args.processes)


def _banner(settings, port: int, sandbox: Optional[SandboxProcess]) -> str:
    host = settings.host if settings.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
    url = "http://%s:%d" % (host, port)
    workers = settings.processes or os.cpu_count() or 1
    lines = ["tornsf listening on %s (env %s, worker processes: %d)" % (url, settings.env, workers)]
    if sandbox is not None:
        lines += [
            "Sandbox org at %s; log in as %s with password %s" % (sandbox.url, SANDBOX_USERNAME, SANDBOX_PASSWORD),
            "Open %s/login in a browser (then %s/demo for the tornsf.js demo page), or use curl:" % (url, url),
            "  curl -c cookies.txt -d username=%s -d password=%s %s/login/password"
            % (SANDBOX_USERNAME, SANDBOX_PASSWORD, url),
            "  curl -b cookies.txt '%s/Account?q=SELECT+Id,Name+FROM+Account+LIMIT+5'" % url,
        ]
    return "\n".join(lines)


def _load(args: argparse.Namespace) -> tuple:
    """Start the sandbox if asked, then read the settings and build the application."""
    if args.sandbox and args.env == "prod":
        raise StartupError("--sandbox cannot be used with --env prod: the sandbox org is for development only.")
    if args.processes is not None and args.processes < 0:
        raise StartupError("--processes %d is invalid: use 0 (one per CPU) or a positive number." % args.processes)

    environ = read_environment(args.env)
    sandbox = SandboxProcess(args.sandbox_seed) if args.sandbox else None
    try:
        if sandbox is not None:
            environ.update(sandbox.environ(environ))
        _apply_options(args, environ)
        settings = load_settings(args.env, environ)
        configure_logging(settings.log_level)

        from tornsf.app import make_app

        app = make_app(settings)
    except BaseException:
        if sandbox is not None:
            sandbox.stop()
        raise
    return settings, app, sandbox


def main(argv: Optional[list[str]] = None) -> None:
    args = build_parser().parse_args(argv)
    configure_logging(os.environ.get("LOG_LEVEL", "INFO").upper())

    try:
        settings, app, sandbox = _load(args)
    except StartupError as exc:
        print("tornsf: %s" % exc, file=sys.stderr)
        sys.exit(2)

    from tornsf.workers import serve

    def on_listening(port: int) -> None:
        print(_banner(settings, port, sandbox), flush=True)

    try:
        code = serve(
            settings,
            app,
            on_listening=on_listening,
            keep_pids=[sandbox.pid] if sandbox else [],
            max_restarts=args.max_restarts,
        )
    except OSError as exc:
        print("tornsf: cannot listen on %s:%s (%s): choose another --port or PORT." % (settings.host, settings.port, exc),
              file=sys.stderr)
        code = 2
    finally:
        if sandbox is not None:
            sandbox.stop()
    sys.exit(code)
