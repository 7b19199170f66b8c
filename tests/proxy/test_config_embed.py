"""Mounting the proxy's routes inside another Tornado application."""

import asyncio
import threading

import requests
import tornado.httpserver
import tornado.netutil
import tornado.web

import tornsf
from tests.fixtures.proxy import DEMO_PASSWORD, DEMO_USERNAME, TEST_COOKIE_SECRET
from tornsf.app import application_settings
from tornsf.config import load_settings


class HelloHandler(tornado.web.RequestHandler):
    def get(self):
        self.write({"hello": "world"})


def serve_in_thread(app):
    """Run ``app`` on a free loopback port in a daemon thread; return its URL and a stop function."""
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    port = sockets[0].getsockname()[1]
    ready = threading.Event()
    state = {}

    async def main():
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets(sockets)
        state["stop"] = asyncio.Event()
        state["loop"] = asyncio.get_running_loop()
        ready.set()
        await state["stop"].wait()
        server.stop()
        await server.close_all_connections()

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    ready.wait(10)

    def stop():
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(10)

    return "http://127.0.0.1:%d" % port, stop


def test_routes_mount_in_host_app(sandbox_server):
    settings = load_settings("dev", {
        "SALESFORCE_CLIENT_ID": "tornsf-sandbox",
        "SALESFORCE_CLIENT_SECRET": "tornsf-sandbox-secret",
        "SALESFORCE_LOGIN_URL": sandbox_server.url,
        "SALESFORCE_ALLOWED_HOSTS": "127.0.0.1",
        "COOKIE_SECRET": TEST_COOKIE_SECRET,
    })
    app = tornado.web.Application([(r"/hello", HelloHandler)] + tornsf.routes(settings),
                                  **application_settings(settings))
    url, stop = serve_in_thread(app)
    try:
        login = requests.post(url + "/login/password", json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD},
                              timeout=30)
        hello = requests.get(url + "/hello", timeout=30)
        whoami = requests.get(url + "/login/whoami", headers={"Authorization": "Bearer " + login.json()["session"]},
                              timeout=30)
    finally:
        stop()

    assert hello.json() == {"hello": "world"}
    assert login.status_code == 200
    assert whoami.json()["username"] == DEMO_USERNAME


def test_make_app_carries_settings():
    settings = load_settings("dev", {"SALESFORCE_CLIENT_ID": "c", "SALESFORCE_CLIENT_SECRET": "s"})

    app = tornsf.make_app(settings)

    assert app.settings["tornsf"] is settings
    assert app.settings["salesforce"] is None
    assert app.settings["cookie_secret"] == dict(settings.cookie_secrets)
