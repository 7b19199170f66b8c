"""Logs at DEBUG through a full login carry no token, code, password, cookie or session value."""

import urllib.parse

import pytest
import requests

from tests.fixtures.proxy import DEMO_PASSWORD, TEST_COOKIE_SECRET, password_login
from tests.proxy.test_auth import start_login, submit_sandbox_form
from tornsf.config import load_settings
from tornsf.session import SessionSealer


@pytest.mark.slow
def test_debug_logs_hold_no_secrets(proxy_factory):
    proxy = proxy_factory(environ={"LOG_LEVEL": "DEBUG"})
    sealer = SessionSealer(load_settings("dev", {"SALESFORCE_CLIENT_ID": "c", "SALESFORCE_CLIENT_SECRET": "s",
                                                  "COOKIE_SECRET": TEST_COOKIE_SECRET}))

    browser = requests.Session()
    authorize_url, params = start_login(proxy, browser)
    callback = submit_sandbox_form(browser, authorize_url)
    assert browser.get(callback, timeout=30).status_code == 200
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))["code"]
    web_sealed = browser.cookies.get("tornsf_session").strip('"')
    web_session, _ = sealer.open(web_sealed)

    password_sealed = password_login(proxy.url).json()["session"]
    password_session, _ = sealer.open(password_sealed)
    assert password_login(proxy.url, password="wrong-secret-pw").status_code == 401
    bearer = {"Authorization": "Bearer " + password_sealed}
    assert requests.get(proxy.url + "/login/whoami", headers=bearer, timeout=30).status_code == 200
    assert requests.post(proxy.url + "/logout", headers=bearer, timeout=30).status_code == 200
    log = proxy.log_text()

    assert "DEBUG" in log or "[D " in log
    secrets = [code, web_sealed, password_sealed, web_session.access_token, password_session.access_token,
               web_session.refresh_token, DEMO_PASSWORD, "wrong-secret-pw", "tornsf-sandbox-secret",
               TEST_COOKIE_SECRET, params["state"]]
    for secret in secrets:
        assert secret and secret not in log
