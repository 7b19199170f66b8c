"""Session cookies: every damaged, foreign, expired or oversized value gets 401 and is cleared; rotation; logout."""

import base64
import dataclasses
import json
import re
import time
import urllib.parse

import pytest
import requests
import tornado.web

from tests.fixtures.proxy import TEST_COOKIE_SECRET
from tests.helpers import flip, sealer_for
from tests.proxy.test_refresh import web_bearer
from tests.security.helpers import assert_error, bearer_headers, new_bearer, test_sealer
from tornsf.config import key_version_for
from tornsf.session import _fernet_for

OTHER_SECRET = "another-secret-0123456789abcdef0123456789abcdef"
NEW_SECRET = "rotated-secret-0123456789abcdef0123456789abcdef"


def seal_raw(plain, secret=TEST_COOKIE_SECRET, name="tornsf_session", signed_age=0.0, fernet_age=0.0,
             key_version=None):
    """Seal ``plain`` bytes the way the proxy does, with control over every part."""
    token = _fernet_for(secret).encrypt_at_time(plain, int(time.time() - fernet_age))
    raw = base64.urlsafe_b64decode(token)
    version = key_version_for(secret) if key_version is None else key_version
    return tornado.web.create_signed_value({version: secret}, name, raw, version=2, key_version=version,
                                           clock=lambda: time.time() - signed_age).decode()


def damaged(sealed):
    session, _ = test_sealer().open(sealed)
    plain = json.dumps(session.to_payload()).encode()
    version = key_version_for(TEST_COOKIE_SECRET)
    return {
        "flip-first": flip(sealed, 0),
        "flip-key-version": flip(sealed, 5),
        "flip-middle": flip(sealed, len(sealed) // 2),
        "flip-signature": flip(sealed, len(sealed) - 2),
        "truncate-half": sealed[: len(sealed) // 2],
        "truncate-one": sealed[:-1],
        "append": sealed + "A",
        "doubled": sealed + sealed,
        "empty": "",
        "garbage": "garbage",
        "version-1-format": "c2Vzc2lvbg==|1700000000|" + "0" * 64,
        "unknown-key-version": re.sub(r"^2\|\d+:(\d+)\|", lambda m: "2|%d:%d|" % (
            len(str(int(m.group(1)) + 1)), int(m.group(1)) + 1), sealed),
        "other-secret": seal_raw(plain, secret=OTHER_SECRET),
        "other-secret-same-key-version": seal_raw(plain, secret=OTHER_SECRET, key_version=version),
        "other-cookie-name": seal_raw(plain, name="tornsf_oauth"),
        "signed-not-encrypted": tornado.web.create_signed_value(
            {version: TEST_COOKIE_SECRET}, "tornsf_session", plain, key_version=version).decode(),
        "expired-signature": seal_raw(plain, signed_age=13 * 3600),
        "expired-encryption": seal_raw(plain, fernet_age=13 * 3600),
        "no-access-token": seal_raw(json.dumps(dict(session.to_payload(), a="")).encode()),
        "not-json": seal_raw(b"not json"),
        "oversized": sealed + "A" * (4000 - len(sealed)),
    }


DAMAGES = ["flip-first", "flip-key-version", "flip-middle", "flip-signature", "truncate-half", "truncate-one",
           "append", "doubled", "empty", "garbage", "version-1-format", "unknown-key-version", "other-secret",
           "other-secret-same-key-version", "other-cookie-name", "signed-not-encrypted", "expired-signature",
           "expired-encryption", "no-access-token", "not-json", "oversized"]


def cleared(response):
    header = response.headers.get("Set-Cookie", "")
    return "tornsf_session=" in header and ("Max-Age=0" in header or "expires=" in header.lower())


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_cookie_gets_401_and_is_cleared(proxy, sandbox, sealed, account_id, damage):
    value = damaged(sealed)[damage]
    sandbox.reset_calls()

    for method, path in (("GET", "/Account/" + account_id), ("GET", "/apex/echo"), ("GET", "/login/whoami"),
                         ("PATCH", "/Account/" + account_id)):
        response = requests.request(method, proxy.url + path, json={"Description": "x"} if method == "PATCH" else None,
                                    headers={"Cookie": "tornsf_session=" + value, "Origin": proxy.url}, timeout=30)
        if damage == "empty":
            assert response.status_code == 401, response.text
            continue
        assert_error(response, 401, "session_invalid")
        assert cleared(response), response.headers

    assert sandbox.calls()["total"] == 0


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_bearer_gets_401(proxy, sandbox, sealed, account_id, damage):
    value = damaged(sealed)[damage]
    sandbox.reset_calls()

    response = requests.get(proxy.url + "/Account/" + account_id, headers=bearer_headers(value), timeout=30)

    assert response.status_code == 401, response.text
    assert "X-Tornsf-Session" not in response.headers
    assert sandbox.calls()["total"] == 0


def test_session_older_than_max_age_gets_401(proxy_factory, sandbox):
    short = proxy_factory(environ={"SESSION_MAX_AGE": "2"})
    value = new_bearer(short.url)
    assert requests.get(short.url + "/login/whoami", headers=bearer_headers(value), timeout=30).status_code == 200
    time.sleep(3.5)
    sandbox.reset_calls()

    response = requests.get(short.url + "/login/whoami", headers={"Cookie": "tornsf_session=" + value}, timeout=30)

    assert_error(response, 401, "session_invalid")
    assert cleared(response)
    assert sandbox.calls()["total"] == 0


def test_key_rotation_reissues_under_the_new_secret(proxy, proxy_factory, sandbox, account_id):
    old_value = new_bearer(proxy.url)
    rotated = proxy_factory(environ={"COOKIE_SECRET": NEW_SECRET, "COOKIE_SECRET_OLD": TEST_COOKIE_SECRET})

    response = requests.get(rotated.url + "/Account/" + account_id, headers={"Cookie": "tornsf_session=" + old_value},
                            timeout=30)

    assert response.status_code == 200, response.text
    reissued = response.cookies.get("tornsf_session").strip('"')
    assert reissued != old_value
    assert sealer_for(NEW_SECRET).open(reissued)[1] is False  # current under the new secret alone
    with pytest.raises(Exception):
        sealer_for(TEST_COOKIE_SECRET).open(reissued)
    assert sealer_for(NEW_SECRET).open(reissued)[0].access_token == test_sealer().open(old_value)[0].access_token

    # The new value works on the rotated proxy, and a proxy with only the old secret rejects it.
    again = requests.get(rotated.url + "/Account/" + account_id, headers={"Cookie": "tornsf_session=" + reissued},
                         timeout=30)
    assert again.status_code == 200
    assert "tornsf_session" not in again.headers.get("Set-Cookie", "")
    assert requests.get(proxy.url + "/Account/" + account_id, headers=bearer_headers(reissued),
                        timeout=30).status_code == 401

    bearer = requests.get(rotated.url + "/Account/" + account_id, headers=bearer_headers(old_value), timeout=30)
    assert bearer.status_code == 200
    assert sealer_for(NEW_SECRET).open(bearer.headers["X-Tornsf-Session"])[1] is False


def test_cookie_of_a_retired_secret_refused(proxy_factory, proxy, sandbox, account_id):
    old_value = new_bearer(proxy.url)
    retired = proxy_factory(environ={"COOKIE_SECRET": NEW_SECRET})
    sandbox.reset_calls()

    response = requests.get(retired.url + "/Account/" + account_id, headers={"Cookie": "tornsf_session=" + old_value},
                            timeout=30)

    assert_error(response, 401, "session_invalid")
    assert cleared(response)
    assert sandbox.calls()["total"] == 0


def test_logout_revokes_the_refresh_token_upstream(proxy, sandbox):
    value = web_bearer(proxy.url)
    session, _ = test_sealer().open(value)
    assert session.refresh_token
    sandbox.reset_calls()

    response = requests.post(proxy.url + "/logout", headers={"Cookie": "tornsf_session=" + value,
                                                             "Origin": proxy.url, "Accept": "application/json"},
                             timeout=30)

    assert response.status_code == 200
    assert response.json() == {"logged_out": True, "revoked": True}
    assert cleared(response)
    revokes = [entry for entry in sandbox.calls()["log"] if entry["path"] == "/services/oauth2/revoke"]
    assert [dict(urllib.parse.parse_qsl(entry["body"]))["token"] for entry in revokes] == [session.refresh_token]

    # The sealed value still opens, but Salesforce no longer honours its tokens.
    after = requests.get(proxy.url + "/Account?q=SELECT+Id+FROM+Account+LIMIT+1", headers=bearer_headers(value),
                         timeout=30)
    assert_error(after, 401, "session_expired")
    refused = requests.post(sandbox.url + "/services/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": session.refresh_token, "client_id": "tornsf-sandbox",
        "client_secret": "tornsf-sandbox-secret"}, timeout=30)
    assert refused.status_code == 400


def test_logout_of_password_session_revokes_access_token(proxy, sandbox):
    value = new_bearer(proxy.url)
    session, _ = test_sealer().open(value)
    sandbox.reset_calls()

    response = requests.post(proxy.url + "/logout", headers=bearer_headers(value), timeout=30)

    assert response.json()["revoked"] is True
    revokes = [entry for entry in sandbox.calls()["log"] if entry["path"] == "/services/oauth2/revoke"]
    assert [dict(urllib.parse.parse_qsl(entry["body"]))["token"] for entry in revokes] == [session.access_token]
    after = requests.get(proxy.url + "/login/whoami", headers=bearer_headers(value), timeout=30)
    assert after.status_code == 401
