"""Command line: ``python -m tornsf.sandbox --port N [--seed demo|large:N] [--db FILE] ...``."""

import argparse
import asyncio
import logging
import signal
import sys

import tornado.httpserver
import tornado.ioloop
import tornado.netutil

from tornsf.sandbox.org import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME, SandboxOrg
from tornsf.sandbox.server import make_app

log = logging.getLogger("tornsf.sandbox")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tornsf.sandbox",
                                     description="Run a Salesforce-compatible sandbox org on this machine.")
    parser.add_argument("--port", type=int, default=8900, help="TCP port to listen on; 0 picks a free one "
                        "(default: 8900)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--seed", default="demo", help="records to create at start: 'demo', 'large:N' (N Accounts) "
                        "or 'none' (default: demo)")
    parser.add_argument("--db", default=None, help="SQLite file to keep records in (default: memory only)")
    parser.add_argument("--token-lifetime", type=float, default=None, metavar="SECONDS",
                        help="access tokens expire this many seconds after issue (default: never)")
    parser.add_argument("--latency-ms", type=float, default=0, metavar="N",
                        help="delay added to every /services request, in milliseconds (default: 0)")
    parser.add_argument("--rotate-refresh-tokens", action="store_true",
                        help="return a new refresh token on every refresh and invalidate the old one")
    parser.add_argument("--url-file", default=None, metavar="PATH",
                        help="write the base URL to this file once listening")
    parser.add_argument("--log-level", default="INFO", help="logging level (default: INFO)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    knobs = {"latency_ms": args.latency_ms, "rotate_refresh_tokens": args.rotate_refresh_tokens}
    if args.token_lifetime is not None:
        knobs["token_lifetime"] = args.token_lifetime
    try:
        org = SandboxOrg(None if args.seed == "none" else args.seed, args.db, **knobs)
    except ValueError as error:
        print("error: %s" % error, file=sys.stderr)
        return 2

    return asyncio.run(serve(org, args))


async def serve(org: SandboxOrg, args: argparse.Namespace) -> int:
    sockets = tornado.netutil.bind_sockets(args.port, args.host)
    server = tornado.httpserver.HTTPServer(make_app(org))
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    host = "[%s]" % args.host if ":" in args.host else args.host
    org.base_url = "http://%s:%d" % (host, port)

    print("Sandbox org listening on %s" % org.base_url)
    print("  login URL:     %s" % org.base_url)
    print("  client id:     %s" % DEMO_CLIENT_ID)
    print("  client secret: %s" % DEMO_CLIENT_SECRET)
    print("  username:      %s" % DEMO_USERNAME)
    print("  password:      %s" % DEMO_PASSWORD, flush=True)
    if args.url_file:
        with open(args.url_file, "w", encoding="utf-8") as url_file:
            url_file.write(org.base_url)

    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    await stopped.wait()

    log.info("stopping")
    server.stop()
    org.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
