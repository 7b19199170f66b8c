"""OAuth state: every damaged, expired, replayed, foreign or missing state or nonce cookie gets 400, no token call."""

import base64
import hashlib
import json
import time
import urllib.parse

import pytest
import requests
import tornado.web

from tests.fixtures.proxy import TEST_COOKIE_SECRET
from tests.helpers import flip
from tests.proxy.test_auth import start_login, submit_sandbox_form
from tests.security.helpers import assert_error
from tornsf.config import key_version_for

KEY_VERSION = key_version_for(TEST_COOKIE_SECRET)
OTHER_SECRET = "another-secret-0123456789abcdef0123456789abcdef"


def sign(name, value, secret=TEST_COOKIE_SECRET, age=0.0):
    secrets = {key_version_for(secret): secret}
    return tornado.web.create_signed_value(secrets, name, value, key_version=key_version_for(secret),
                                           clock=lambda: time.time() - age).decode()


def nonce_hash(nonce):
    return base64.urlsafe_b64encode(hashlib.sha256(nonce.encode()).digest()).rstrip(b"=").decode()


class Login:
    """One browser's started login: the callback's code and state, and the browser's nonce cookie."""

    def __init__(self, proxy):
        self.browser = requests.Session()
        authorize_url, self.params = start_login(proxy, self.browser)
        callback = submit_sandbox_form(self.browser, authorize_url)
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
        self.code = query["code"]
        self.state = query["state"]
        self.cookie = self.browser.cookies.get("tornsf_oauth", path="/login").strip('"')
        self.nonce = json.loads(tornado.web.decode_signed_value(
            {KEY_VERSION: TEST_COOKIE_SECRET}, "tornsf_oauth", self.cookie, max_age_days=1))

    def state_payload(self):
        return json.loads(tornado.web.decode_signed_value(
            {KEY_VERSION: TEST_COOKIE_SECRET}, "tornsf_state", self.state, max_age_days=1))


def case_missing_state(login, proxy):
    return None, login.cookie


def case_empty_state(login, proxy):
    return "", login.cookie


def case_garbage_state(login, proxy):
    return "not-a-state", login.cookie


def case_flipped_signature(login, proxy):
    return flip(login.state, len(login.state) - 3), login.cookie


def case_flipped_payload(login, proxy):
    return flip(login.state, len(login.state) // 2), login.cookie


def case_truncated_state(login, proxy):
    return login.state[:-10], login.cookie


def case_state_of_other_browser(login, proxy):
    return Login(proxy).state, login.cookie


def case_state_signed_with_other_secret(login, proxy):
    return sign("tornsf_state", json.dumps(login.state_payload()), secret=OTHER_SECRET), login.cookie


def case_expired_state(login, proxy):
    return sign("tornsf_state", json.dumps(login.state_payload()), age=11 * 60), login.cookie


def case_state_for_other_nonce(login, proxy):
    payload = dict(login.state_payload(), h=nonce_hash("someone-else"))
    return sign("tornsf_state", json.dumps(payload)), login.cookie


def case_state_that_is_not_json(login, proxy):
    return sign("tornsf_state", "not json"), login.cookie


def case_state_without_fields(login, proxy):
    return sign("tornsf_state", json.dumps({"a": ""})), login.cookie


def case_nonce_cookie_as_state(login, proxy):
    return login.cookie, login.state


def case_missing_nonce_cookie(login, proxy):
    return login.state, None


def case_tampered_nonce_cookie(login, proxy):
    return login.state, flip(login.cookie, len(login.cookie) - 3)


def case_expired_nonce_cookie(login, proxy):
    return login.state, sign("tornsf_oauth", json.dumps(login.nonce), age=11 * 60)


def case_nonce_cookie_with_other_secret(login, proxy):
    return login.state, sign("tornsf_oauth", json.dumps(login.nonce), secret=OTHER_SECRET)


def case_nonce_cookie_of_other_browser(login, proxy):
    return login.state, Login(proxy).cookie


def case_garbage_nonce_cookie(login, proxy):
    return login.state, "garbage|value"


def case_nonce_cookie_not_json(login, proxy):
    return login.state, sign("tornsf_oauth", "[1, 2]")


CASES = [value for name, value in sorted(globals().items()) if name.startswith("case_")]


@pytest.mark.parametrize("case", CASES, ids=[case.__name__[5:] for case in CASES])
def test_bad_state_or_nonce_gets_400_without_token_call(proxy, sandbox, case):
    login = Login(proxy)
    state, cookie = case(login, proxy)
    sandbox.reset_calls()
    params = {"code": login.code}
    if state is not None:
        params["state"] = state
    headers = {"Cookie": "tornsf_oauth=" + cookie} if cookie is not None else {}

    for method in ("GET", "POST"):
        if method == "GET":
            response = requests.get(proxy.url + "/login/callback", params=params, headers=headers,
                                    allow_redirects=False, timeout=30)
        else:
            response = requests.post(proxy.url + "/login/callback", data=params, headers=headers,
                                     allow_redirects=False, timeout=30)

        assert_error(response, 400, "invalid_state")
        assert "tornsf_session=" not in response.headers.get("Set-Cookie", "").replace("tornsf_session=;", "")
    assert sandbox.count("POST", "/services/oauth2/token") == 0


def test_replayed_callback_gets_400_without_token_call(proxy, sandbox):
    login = Login(proxy)
    callback = proxy.url + "/login/callback?" + urllib.parse.urlencode({"code": login.code, "state": login.state})
    assert login.browser.get(callback, timeout=30).status_code == 200
    assert not login.browser.cookies.get("tornsf_oauth", path="/login")
    sandbox.reset_calls()

    for _ in range(3):
        replay = login.browser.get(callback, allow_redirects=False, timeout=30)
        assert_error(replay, 400, "invalid_state")

    assert sandbox.count("POST", "/services/oauth2/token") == 0


def test_error_callback_with_bad_state_is_a_state_error(proxy, sandbox):
    response = requests.get(proxy.url + "/login/callback", params={"error": "access_denied", "state": "x"},
                            allow_redirects=False, timeout=30)

    assert_error(response, 400, "invalid_state")
    assert sandbox.calls()["total"] == 0


def test_pkce_verifier_from_another_login_fails(proxy, sandbox):
    login = Login(proxy)
    # A nonce cookie with this login's nonce but another verifier: the state
    # matches, so the code is exchanged, and Salesforce refuses the verifier.
    forged = sign("tornsf_oauth", json.dumps({"n": login.nonce["n"], "v": Login(proxy).nonce["v"]}))
    sandbox.reset_calls()

    response = requests.get(proxy.url + "/login/callback", params={"code": login.code, "state": login.state},
                            headers={"Cookie": "tornsf_oauth=" + forged}, allow_redirects=False, timeout=30)

    assert_error(response, 401, "login_failed")
    assert "tornsf_session=2" not in response.headers.get("Set-Cookie", "")
    sent = [entry for entry in sandbox.calls()["log"] if entry["path"] == "/services/oauth2/token"]
    assert len(sent) == 1
    assert dict(urllib.parse.parse_qsl(sent[0]["body"]))["code_verifier"] != login.nonce["v"]


def test_verifier_never_leaves_the_browser_cookie(proxy, sandbox):
    login = Login(proxy)
    challenge = login.params["code_challenge"]

    assert login.nonce["v"] not in login.state
    assert login.nonce["v"] not in json.dumps(login.params)
    assert challenge == base64.urlsafe_b64encode(hashlib.sha256(login.nonce["v"].encode()).digest()).rstrip(
        b"=").decode()
    assert login.params["code_challenge_method"] == "S256"
