"""Minimal Tornado servers: the per-request baselines that the proxy is compared with.

They bind and fork the way `python -m tornsf` does (bind_sockets, fork_processes, one
HTTPServer per worker). Without --upstream, `GET /Account/<id>` returns a short constant
JSON body ("hello-world"). With --upstream and --token, it forwards the GET to the
Salesforce stand-in through CurlAsyncHTTPClient and returns the body: the least work any
Tornado proxy does per request.
"""

import argparse
import asyncio

import tornado.httpclient
import tornado.httpserver
import tornado.netutil
import tornado.process
import tornado.web

BODY = b'{"id": "001000000000001AAA", "name": "Hello, world"}'


class HelloHandler(tornado.web.RequestHandler):
    def get(self, record_id=None):
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.write(BODY)


class ForwardHandler(tornado.web.RequestHandler):
    def initialize(self, http_client, upstream_url, token):
        self.http_client = http_client
        self.upstream_url = upstream_url
        self.token = token

    async def get(self, record_id):
        response = await self.http_client.fetch(
            f"{self.upstream_url}/services/data/v62.0/sobjects/Account/{record_id}",
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
            raise_error=False,
        )
        self.set_status(response.code)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.write(response.body or b"")


def make_app(upstream_url=None, token=None):
    if upstream_url is None:
        return tornado.web.Application([
            (r"/", HelloHandler),
            (r"/Account/(\w+)", HelloHandler),
        ])

    # Created in the worker, after the fork, like the proxy's own client.
    tornado.httpclient.AsyncHTTPClient.configure("tornado.curl_httpclient.CurlAsyncHTTPClient", max_clients=1000)
    http_client = tornado.httpclient.AsyncHTTPClient(force_instance=True)
    forward = {"http_client": http_client, "upstream_url": upstream_url, "token": token}
    return tornado.web.Application([
        (r"/", HelloHandler),
        (r"/Account/(\w+)", ForwardHandler, forward),
    ])


async def serve(sockets, upstream_url, token):
    server = tornado.httpserver.HTTPServer(make_app(upstream_url, token), xheaders=True)
    server.add_sockets(sockets)
    await asyncio.Event().wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    parser.add_argument("--processes", type=int, default=1, help="worker processes to fork")
    parser.add_argument("--upstream", help="base URL of the Salesforce stand-in to forward to")
    parser.add_argument("--token", help="access token sent to the stand-in with --upstream")
    args = parser.parse_args()
    if bool(args.upstream) != bool(args.token):
        parser.error("--upstream and --token go together")

    sockets = tornado.netutil.bind_sockets(args.port, address="127.0.0.1")
    tornado.process.fork_processes(args.processes)
    asyncio.run(serve(sockets, args.upstream, args.token))


if __name__ == "__main__":
    main()
