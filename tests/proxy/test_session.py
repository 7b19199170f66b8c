"""The sealed session: unreadable, small, rotatable, and rejected when damaged."""

import base64
import time

import pytest
import requests
import tornado.web

from tests.fixtures.proxy import TEST_COOKIE_SECRET, password_login
from tests.helpers import sealer_for, whoami
from tornsf.config import key_version_for
from tornsf.session import SalesforceSession

NEW_SECRET = "rotated-cookie-secret-fedcba9876543210fedcba9876543210"


def cookie_value(response):
    header = response.headers["Set-Cookie"]
    assert header.startswith("tornsf_session=")
    return header.split(";")[0].split("=", 1)[1].strip('"')


def test_cookie_hides_tokens(proxy):
    response = password_login(proxy.url)
    sealed = cookie_value(response)
    session, _ = sealer_for(TEST_COOKIE_SECRET).open(sealed)

    payload = base64.b64decode(sealed.split("|")[4].split(":", 1)[1])
    for secret in (session.access_token, session.access_token[:20], session.access_token.split("!")[1][:16]):
        assert secret not in sealed
        assert secret.encode() not in payload
    assert b"instance" not in payload
    assert session.org_id.encode() not in payload


def test_cookie_attributes_in_dev(proxy):
    header = password_login(proxy.url).headers["Set-Cookie"]

    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Max-Age=43200" in header
    assert "Secure" not in header


def test_realistic_session_fits_in_cookie():
    session = SalesforceSession(
        access_token="00D5g000004ABCD!" + "A" * 96,
        refresh_token="5Aep861" + "x" * 80,
        instance_url="https://very-long-company-name-with-many-words--fullcopy.sandbox.my.salesforce.com",
        login_url="https://very-long-company-name-with-many-words--fullcopy.sandbox.my.salesforce.com",
        id_url="https://test.salesforce.com/id/00D5g000004ABCDEAA/0055g00000ABCDEFAA",
        user_id="0055g00000ABCDEFAA",
        org_id="00D5g000004ABCDEAA",
        username="first.middle.lastname@very-long-company-name.example.com.fullcopy",
        issued_at="1708058728442",
        flow="web",
        created=int(time.time()),
    )
    assert len(session.access_token) == 112
    assert len(session.refresh_token) == 87

    sealed = sealer_for(TEST_COOKIE_SECRET).seal(session)
    set_cookie = "tornsf_session=\"%s\"; HttpOnly; Max-Age=43200; Path=/; SameSite=None; Secure" % sealed

    assert len(set_cookie) < 4096
    assert sealer_for(TEST_COOKIE_SECRET).open(sealed)[0] == session


def test_real_cookie_under_4_kb(proxy):
    header = password_login(proxy.url).headers["Set-Cookie"]

    assert len(header) < 4096


def test_bearer_value_works(proxy, bearer):
    assert whoami(proxy, sealed=bearer).status_code == 200


@pytest.mark.parametrize("damage", ["flip", "truncate", "oversize", "garbage", "empty_value"])
def test_damaged_cookie_rejected_and_cleared(proxy, sandbox, damage):
    sealed = cookie_value(password_login(proxy.url))
    sandbox.reset_calls()
    if damage == "flip":
        index = len(sealed) - 80
        bad = sealed[:index] + ("A" if sealed[index] != "A" else "B") + sealed[index + 1:]
    elif damage == "truncate":
        bad = sealed[: len(sealed) // 2]
    elif damage == "oversize":
        bad = sealed + "A" * 4000
    elif damage == "garbage":
        bad = "not-a-session"
    else:
        bad = sealed.rsplit("|", 1)[0] + "|"

    response = whoami(proxy, cookie=bad)

    assert response.status_code == 401
    assert response.json()["error"] == "session_invalid"
    cleared = response.headers["Set-Cookie"]
    assert cleared.startswith("tornsf_session=")
    assert "Max-Age=0" in cleared or "expires=" in cleared.lower()
    assert sandbox.calls()["total"] == 0


def test_tampered_bearer_rejected(proxy, bearer):
    bad = bearer[:-3] + ("000" if not bearer.endswith("000") else "111")

    response = whoami(proxy, sealed=bad)

    assert response.status_code == 401
    assert response.json()["error"] == "session_invalid"


def test_session_from_other_secret_rejected(proxy, bearer):
    session, _ = sealer_for(TEST_COOKIE_SECRET).open(bearer)
    foreign = sealer_for(NEW_SECRET).seal(session)

    response = whoami(proxy, cookie=foreign)

    assert response.status_code == 401
    assert "tornsf_session=" in response.headers["Set-Cookie"]


def test_resigned_value_with_other_secret_rejected(proxy, bearer):
    # Same Fernet payload, valid Tornado signature under a secret the proxy does not know.
    raw = base64.b64decode(bearer.split("|")[4].split(":", 1)[1])
    version = key_version_for(TEST_COOKIE_SECRET)
    forged = tornado.web.create_signed_value({version: NEW_SECRET}, "tornsf_session", raw, key_version=version)

    response = whoami(proxy, sealed=forged.decode())

    assert response.status_code == 401


@pytest.mark.slow
def test_expired_session_rejected(proxy_factory):
    short = proxy_factory(environ={"SESSION_MAX_AGE": "2"})
    sealed = password_login(short.url).json()["session"]
    assert whoami(short, sealed=sealed).status_code == 200

    time.sleep(3.5)
    response = whoami(short, cookie=sealed)

    assert response.status_code == 401
    assert response.json()["error"] == "session_invalid"


@pytest.mark.slow
def test_rotation_accepts_old_secret_and_reissues(proxy, proxy_factory):
    old_cookie = cookie_value(password_login(proxy.url))
    rotated = proxy_factory(environ={"COOKIE_SECRET": NEW_SECRET, "COOKIE_SECRET_OLD": TEST_COOKIE_SECRET})

    response = whoami(rotated, cookie=old_cookie)

    assert response.status_code == 200
    new_cookie = cookie_value(response)
    assert tornado.web.get_signature_key_version(new_cookie) == key_version_for(NEW_SECRET)
    assert tornado.web.get_signature_key_version(old_cookie) == key_version_for(TEST_COOKIE_SECRET)
    assert whoami(rotated, cookie=new_cookie).status_code == 200
    assert whoami(proxy, cookie=new_cookie).status_code == 401


@pytest.mark.slow
def test_rotation_reissues_bearer_in_header(proxy, bearer, proxy_factory):
    rotated = proxy_factory(environ={"COOKIE_SECRET": NEW_SECRET, "COOKIE_SECRET_OLD": TEST_COOKIE_SECRET})

    response = whoami(rotated, sealed=bearer)

    assert response.status_code == 200
    renewed = response.headers["X-Tornsf-Session"]
    assert tornado.web.get_signature_key_version(renewed) == key_version_for(NEW_SECRET)
    assert "Set-Cookie" not in response.headers


def test_dev_session_page_hides_tokens(proxy, bearer):
    response = requests.get(proxy.url + "/session", headers={"Authorization": "Bearer " + bearer}, timeout=30)

    assert response.status_code == 200
    body = response.json()
    session, _ = sealer_for(TEST_COOKIE_SECRET).open(bearer)
    assert body["access_token"] == {"present": True, "length": len(session.access_token), "prefix": "00D"}
    assert session.access_token not in response.text
    assert body["username"] == "demo@example.com"


@pytest.mark.slow
def test_prod_hides_dev_pages(proxy_factory):
    prod = proxy_factory(env="prod")
    sealed = password_login(prod.url).json()["session"]
    bearer = {"Authorization": "Bearer " + sealed}

    assert requests.get(prod.url + "/session", headers=bearer, timeout=30).status_code == 404
    assert requests.get(prod.url + "/login/password", timeout=30).status_code == 404
    assert requests.get(prod.url + "/login/whoami", headers=bearer, timeout=30).status_code == 200
    header = password_login(prod.url).headers["Set-Cookie"]
    assert "Secure" in header
    assert "SameSite=None" in header


def test_bearer_post_needs_no_origin(proxy, sandbox, bearer):
    response = requests.post(proxy.url + "/logout", headers={"Authorization": "Bearer " + bearer}, timeout=30)

    assert response.status_code == 200
    assert response.json()["revoked"] is True
    assert sandbox.count("POST", "/services/oauth2/revoke") == 1


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://app.test:8124"])
def test_cookie_post_from_foreign_origin_rejected(proxy, sandbox, login, origin):
    login.headers["Origin"] = origin

    response = login.post(proxy.url + "/logout", timeout=30)

    assert response.status_code == 403
    assert response.json()["error"] == "csrf_rejected"
    assert sandbox.count("POST", "/services/oauth2/revoke") == 0


def test_cookie_post_with_referer_of_allowed_origin(proxy, sandbox, login):
    del login.headers["Origin"]
    login.headers["Referer"] = "https://deep.sub.example.test/page?x=1"

    response = login.post(proxy.url + "/logout", headers={"Accept": "application/json"}, timeout=30)

    assert response.status_code == 200
    assert sandbox.count("POST", "/services/oauth2/revoke") == 1


def test_oversized_body_rejected_before_read(proxy, login):
    response = login.post(proxy.url + "/login/password", data=b"x" * (1048576 + 10),
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)

    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


def test_oversized_chunked_body_rejected(proxy, login):
    def chunks():
        for _ in range(40):
            yield b"y" * 65536

    try:
        response = login.post(proxy.url + "/login/password", data=chunks(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
    except requests.ConnectionError:
        pytest.fail("the proxy closed the connection without answering 413")

    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
