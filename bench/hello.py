"""Minimal Tornado server: the per-request baseline that the proxy is compared with.

It binds and forks the way `python -m tornsf` does (bind_sockets, fork_processes, one
HTTPServer per worker) and answers `GET /Account/<id>` with a short constant JSON body,
so the difference from the proxy is the proxy's own work per request.
"""

import argparse
import asyncio

import tornado.httpserver
import tornado.netutil
import tornado.process
import tornado.web

BODY = b'{"id": "001000000000001AAA", "name": "Hello, world"}'


class HelloHandler(tornado.web.RequestHandler):
    def get(self, record_id=None):
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.write(BODY)


def make_app():
    return tornado.web.Application([
        (r"/", HelloHandler),
        (r"/Account/(\w+)", HelloHandler),
    ])


async def serve(sockets):
    server = tornado.httpserver.HTTPServer(make_app(), xheaders=True)
    server.add_sockets(sockets)
    await asyncio.Event().wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    parser.add_argument("--processes", type=int, default=1, help="worker processes to fork")
    args = parser.parse_args()

    sockets = tornado.netutil.bind_sockets(args.port, address="127.0.0.1")
    tornado.process.fork_processes(args.processes)
    asyncio.run(serve(sockets))


if __name__ == "__main__":
    main()
