"""Login flows against the sandbox org: web-server flow with PKCE and state, password flow, whoami, logout."""

import base64
import hashlib
import html.parser
import json
import time
import urllib.parse

import pytest
import requests
import tornado.web

from tests.fixtures.proxy import DEMO_PASSWORD, DEMO_USERNAME, TEST_COOKIE_SECRET, password_login
from tornsf.config import key_version_for, load_settings
from tornsf.session import SessionSealer

KEY_VERSION = key_version_for(TEST_COOKIE_SECRET)
SECRETS = {KEY_VERSION: TEST_COOKIE_SECRET}


class FormParser(html.parser.HTMLParser):
    """Collect the action and the inputs of the first form on a page."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action", "")
        if tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            self.fields[attrs["name"]] = attrs.get("value") or ""


def start_login(proxy, browser, **params):
    """GET /login and return the authorize URL's query arguments."""
    response = browser.get(proxy.url + "/login", params=params, allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    return location, dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def submit_sandbox_form(browser, authorize_url, password=DEMO_PASSWORD):
    """Fill in the sandbox's login form and return its redirect to the callback (not followed)."""
    page = browser.get(authorize_url, timeout=30)
    assert page.status_code == 200, page.text
    form = FormParser()
    form.feed(page.text)
    assert form.action is not None

    fields = dict(form.fields, username=DEMO_USERNAME, password=password, action="login")
    target = urllib.parse.urljoin(authorize_url, form.action)
    response = browser.post(target, data=fields, allow_redirects=False, timeout=30)
    assert response.status_code in (302, 303), response.text
    return response.headers["Location"]


def s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def token_calls(sandbox):
    return [entry for entry in sandbox.calls()["log"] if entry["path"] == "/services/oauth2/token"]


def nonce_cookie(browser):
    raw = browser.cookies.get("tornsf_oauth", path="/login")
    value = tornado.web.decode_signed_value(SECRETS, "tornsf_oauth", raw.strip('"'), max_age_days=1)
    return json.loads(value)


def test_web_login_through_sandbox_form(proxy, sandbox):
    browser = requests.Session()

    authorize_url, params = start_login(proxy, browser)
    callback = submit_sandbox_form(browser, authorize_url)
    landing = browser.get(callback, timeout=30)

    assert landing.status_code == 200, landing.text
    assert landing.url == proxy.url + "/login/whoami"
    assert landing.json()["username"] == DEMO_USERNAME
    assert browser.cookies.get("tornsf_session")
    assert browser.cookies.get("tornsf_oauth", path="/login") is None

    calls = token_calls(sandbox)
    assert len(calls) == 1
    body = dict(urllib.parse.parse_qsl(calls[0]["body"]))
    assert body["grant_type"] == "authorization_code"
    assert s256(body["code_verifier"]) == params["code_challenge"]
    assert body["code_verifier"] not in authorize_url


def test_authorize_redirect_carries_pkce_and_state(proxy, sandbox_server):
    location, params = start_login(proxy, requests.Session(), app_url="/somewhere")

    assert location.startswith(sandbox_server.url + "/services/oauth2/authorize?")
    assert params["response_type"] == "code"
    assert params["client_id"] == "tornsf-sandbox"
    assert params["redirect_uri"] == proxy.url + "/login/callback"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["state"]


def test_login_lands_on_app_url(proxy, sandbox):
    browser = requests.Session()
    authorize_url, _ = start_login(proxy, browser, app_url="http://app.test:8123/#/home")
    callback = submit_sandbox_form(browser, authorize_url)

    response = browser.get(callback, allow_redirects=False, timeout=30)

    assert response.status_code == 302
    assert response.headers["Location"] == "http://app.test:8123/#/home"


def test_callback_state_replay_rejected(proxy, sandbox):
    browser = requests.Session()
    authorize_url, _ = start_login(proxy, browser)
    callback = submit_sandbox_form(browser, authorize_url)
    assert browser.get(callback, timeout=30).status_code == 200

    replay = browser.get(callback, allow_redirects=False, timeout=30)

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_state"
    assert len(token_calls(sandbox)) == 1


def test_callback_without_nonce_cookie_rejected(proxy, sandbox):
    browser = requests.Session()
    authorize_url, _ = start_login(proxy, browser)
    callback = submit_sandbox_form(browser, authorize_url)

    response = requests.get(callback, allow_redirects=False, timeout=30)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_state"
    assert token_calls(sandbox) == []


@pytest.mark.parametrize("change", ["tamper", "missing", "other"])
def test_callback_bad_state_rejected(proxy, sandbox, change):
    browser = requests.Session()
    authorize_url, params = start_login(proxy, browser)
    callback = submit_sandbox_form(browser, authorize_url)
    parts = urllib.parse.urlsplit(callback)
    query = dict(urllib.parse.parse_qsl(parts.query))
    if change == "tamper":
        state = query["state"]
        query["state"] = state[:-5] + ("A" if state[-5] != "A" else "B") + state[-4:]
    elif change == "missing":
        del query["state"]
    else:
        # A valid state from another browser's login does not match this nonce.
        _, other = start_login(proxy, requests.Session())
        query["state"] = other["state"]

    response = browser.get(parts._replace(query=urllib.parse.urlencode(query)).geturl(), allow_redirects=False)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_state"
    assert token_calls(sandbox) == []


def test_callback_expired_state_rejected(proxy, sandbox):
    browser = requests.Session()
    authorize_url, _ = start_login(proxy, browser)
    callback = submit_sandbox_form(browser, authorize_url)
    nonce = nonce_cookie(browser)["n"]
    nonce_hash = base64.urlsafe_b64encode(hashlib.sha256(nonce.encode()).digest()).rstrip(b"=").decode()
    old_state = tornado.web.create_signed_value(
        SECRETS,
        "tornsf_state",
        json.dumps({"h": nonce_hash, "a": "", "l": sandbox.url}),
        clock=lambda: time.time() - 11 * 60,
        key_version=KEY_VERSION,
    ).decode()
    parts = urllib.parse.urlsplit(callback)
    query = dict(urllib.parse.parse_qsl(parts.query), state=old_state)

    response = browser.get(parts._replace(query=urllib.parse.urlencode(query)).geturl(), allow_redirects=False)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_state"
    assert token_calls(sandbox) == []


def test_pkce_verifier_mismatch_fails(proxy, sandbox):
    first = requests.Session()
    first_url, _ = start_login(proxy, first)
    first_callback = submit_sandbox_form(first, first_url)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(first_callback).query))["code"]

    # A second login's state and nonce cookie are valid together, but its
    # verifier does not match the challenge the first code was issued for.
    second = requests.Session()
    _, second_params = start_login(proxy, second)
    query = urllib.parse.urlencode({"code": code, "state": second_params["state"]})
    response = second.get(proxy.url + "/login/callback?" + query, allow_redirects=False, timeout=30)

    assert response.status_code == 401
    assert response.json()["error"] == "login_failed"
    assert len(token_calls(sandbox)) == 1
    assert "tornsf_session" not in response.headers.get("Set-Cookie", "")


def test_callback_error_from_salesforce(proxy, sandbox):
    browser = requests.Session()
    authorize_url, _ = start_login(proxy, browser)
    page = browser.get(authorize_url, timeout=30)
    form = FormParser()
    form.feed(page.text)
    target = urllib.parse.urljoin(authorize_url, form.action)
    denied = browser.post(target, data=dict(form.fields, action="deny"), allow_redirects=False, timeout=30)

    response = browser.get(denied.headers["Location"], allow_redirects=False, timeout=30)

    assert response.status_code == 401
    assert response.json()["error"] == "login_failed"
    assert "access_denied" in response.json()["message"]
    assert token_calls(sandbox) == []


@pytest.mark.parametrize("server", ["https://login.evil.example", "http://login.salesforce.com",
                                    "https://login.salesforce.com.evil.net", "http://10.1.2.3:8080", "javascript:x"])
def test_login_server_outside_allow_list_rejected(proxy, server):
    response = requests.get(proxy.url + "/login", params={"login_server": server}, allow_redirects=False, timeout=30)

    assert response.status_code == 400
    assert response.json()["error"] == "login_server_rejected"


def test_login_server_choice_used(proxy, sandbox_server):
    other = sandbox_server.url.replace("127.0.0.1", "localhost")

    location, _ = start_login(proxy, requests.Session(), login_server=other)

    assert location.startswith(other + "/services/oauth2/authorize?")


def test_password_login_json(proxy, sandbox):
    response = password_login(proxy.url)

    assert response.status_code == 200
    body = response.json()
    assert body["identity"]["username"] == DEMO_USERNAME
    assert body["identity"]["org_id"].startswith("00D")
    assert body["session"].startswith("2|")
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert sandbox.count("POST", "/services/oauth2/token") == 1


def test_password_login_form_redirects(proxy, sandbox):
    browser = requests.Session()

    response = browser.post(
        proxy.url + "/login/password",
        data={"username": DEMO_USERNAME, "password": DEMO_PASSWORD},
        headers={"Origin": proxy.url},
        allow_redirects=False,
        timeout=30,
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/login/whoami"
    assert browser.get(proxy.url + "/login/whoami", timeout=30).json()["username"] == DEMO_USERNAME


def test_password_login_failure_describes_error(proxy, sandbox):
    response = password_login(proxy.url, password="wrong-password")

    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "login_failed"
    assert "authentication failure" in body["message"]
    assert "tornsf_session" not in response.headers.get("Set-Cookie", "")


def test_password_login_needs_credentials(proxy, sandbox):
    response = requests.post(proxy.url + "/login/password", json={"username": DEMO_USERNAME}, timeout=30)

    assert response.status_code == 400
    assert response.json()["error"] == "missing_credentials"
    assert sandbox.count("POST", "/services/oauth2/token") == 0


def test_password_login_from_foreign_origin_rejected(proxy, sandbox):
    response = requests.post(
        proxy.url + "/login/password",
        data={"username": DEMO_USERNAME, "password": DEMO_PASSWORD},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
        timeout=30,
    )

    assert response.status_code == 403
    assert response.json()["error"] == "csrf_rejected"
    assert sandbox.count("POST", "/services/oauth2/token") == 0


def test_dev_password_get_uses_environment(proxy_factory, sandbox_server):
    dev = proxy_factory(environ={"SALESFORCE_USERNAME": DEMO_USERNAME, "SALESFORCE_PASSWORD": DEMO_PASSWORD})
    browser = requests.Session()

    response = browser.get(dev.url + "/login/password", allow_redirects=False, timeout=30)

    assert response.status_code == 303
    assert browser.cookies.get("tornsf_session")


def test_whoami_shows_identity_without_tokens(proxy, bearer):
    response = requests.get(proxy.url + "/login/whoami", headers={"Authorization": "Bearer " + bearer}, timeout=30)

    assert response.status_code == 200
    body = response.json()
    for field in ("user_id", "org_id", "username", "display_name", "email", "instance_url"):
        assert body[field], field
    session, _ = SessionSealer(load_settings("dev", {"SALESFORCE_CLIENT_ID": "c", "SALESFORCE_CLIENT_SECRET": "s",
                                                       "COOKIE_SECRET": TEST_COOKIE_SECRET})).open(bearer)
    assert session.access_token not in response.text
    assert "token" not in response.text


def test_whoami_without_login(proxy):
    response = requests.get(proxy.url + "/login/whoami", timeout=30)

    assert response.status_code == 401
    assert response.json()["error"] == "login_required"
    assert "/login" in response.json()["message"]


def test_logout_revokes_and_clears_cookie(proxy, sandbox, login):
    sealed = login.cookies.get("tornsf_session")

    response = login.post(proxy.url + "/logout", headers={"Accept": "application/json"}, timeout=30)

    assert response.status_code == 200
    assert response.json() == {"logged_out": True, "revoked": True}
    assert sandbox.count("POST", "/services/oauth2/revoke") == 1
    assert login.cookies.get("tornsf_session") is None
    reuse = requests.get(proxy.url + "/login/whoami", headers={"Authorization": "Bearer " + sealed.strip('"')})
    assert reuse.status_code == 401


def test_logout_without_origin_rejected_for_cookie(proxy, sandbox, login):
    del login.headers["Origin"]

    response = login.post(proxy.url + "/logout", timeout=30)

    assert response.status_code == 403
    assert response.json()["error"] == "csrf_rejected"
    assert sandbox.count("POST", "/services/oauth2/revoke") == 0


def test_access_log_hides_secrets(proxy, sandbox):
    browser = requests.Session()
    authorize_url, _ = start_login(proxy, browser)
    callback = submit_sandbox_form(browser, authorize_url)
    browser.get(callback, timeout=30)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))["code"]
    sealed = browser.cookies.get("tornsf_session").strip('"')
    password_login(proxy.url)
    time.sleep(0.3)

    log = proxy.log_text()

    assert "GET /login/callback?code=[redacted]&state=[redacted]" in log
    assert code not in log
    assert sealed not in log
    assert DEMO_PASSWORD not in log
    assert "upstream=2" in log


def test_whoami_refreshes_expired_web_session(proxy, sandbox):
    browser = requests.Session()
    authorize_url, _ = start_login(proxy, browser)
    assert browser.get(submit_sandbox_form(browser, authorize_url), timeout=30).status_code == 200
    old_cookie = browser.cookies.get("tornsf_session")
    sandbox.expire_tokens()

    response = browser.get(proxy.url + "/login/whoami", timeout=30)

    assert response.status_code == 200
    assert response.json()["username"] == DEMO_USERNAME
    assert browser.cookies.get("tornsf_session") != old_cookie
    refreshes = [entry for entry in token_calls(sandbox) if "grant_type=refresh_token" in entry["body"]]
    assert len(refreshes) == 1


def test_whoami_expired_password_session(proxy, sandbox, bearer):
    sandbox.expire_tokens()

    response = requests.get(proxy.url + "/login/whoami", headers={"Authorization": "Bearer " + bearer}, timeout=30)

    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"
