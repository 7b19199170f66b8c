"""The worker's cache of opened sessions keeps every check of the sealed value."""

import base64
import dataclasses
import time

import pytest
import tornado.web

from tests.fixtures.proxy import TEST_COOKIE_SECRET, password_login
from tests.helpers import flip, sealer_for, whoami
from tornsf.config import key_version_for
from tornsf.session import OPENED_CACHE_SIZE, SalesforceSession, SessionError

OTHER_SECRET = "another-cookie-secret-0123456789abcdef0123456789abcd"


def make_session(**changes):
    session = SalesforceSession(
        access_token="00D000000000001!AQ0AQ" + "t" * 80,
        refresh_token="5Aep861" + "r" * 60,
        instance_url="https://example.my.salesforce.com",
        login_url="https://login.salesforce.com",
        id_url="https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA",
        user_id="005000000000001AAA",
        org_id="00D000000000001AAA",
        username="user@example.com",
        issued_at="1700000000000",
        flow="password",
        created=int(time.time()),
    )
    return dataclasses.replace(session, **changes)


def resigned(value, secret):
    """The same encrypted payload under a valid signature made with ``secret`` and the same key version."""
    raw = base64.b64decode(value.split("|")[4].split(":", 1)[1])
    version = tornado.web.get_signature_key_version(value)
    return tornado.web.create_signed_value({version: secret}, "tornsf_session", raw, key_version=version).decode()


def test_second_open_returns_cached_session():
    sealer = sealer_for(TEST_COOKIE_SECRET)
    sealed = sealer.seal(make_session())

    first, _ = sealer.open(sealed)
    second, _ = sealer.open(sealed)

    assert second is first
    assert first == make_session(created=first.created)


def test_cached_session_is_immutable():
    sealer = sealer_for(TEST_COOKIE_SECRET)
    session, _ = sealer.open(sealer.seal(make_session()))

    with pytest.raises(dataclasses.FrozenInstanceError):
        session.access_token = "00D000000000001!changed"
    assert sealer.open(sealer.seal(session))[0].access_token.startswith("00D000000000001!AQ0AQ")


@pytest.mark.slow
def test_cached_session_expires_on_time():
    sealer = sealer_for(TEST_COOKIE_SECRET, max_age=2)
    sealed = sealer.seal(make_session())
    assert sealer.open(sealed)[0].user_id == "005000000000001AAA"

    time.sleep(1.0)
    assert sealer.open(sealed)[0].user_id == "005000000000001AAA"
    time.sleep(2.1)

    with pytest.raises(SessionError):
        sealer.open(sealed)


@pytest.mark.parametrize("where", ["signature", "payload", "timestamp"])
def test_tampered_value_rejected_after_caching(where):
    sealer = sealer_for(TEST_COOKIE_SECRET)
    sealed = sealer.seal(make_session())
    sealer.open(sealed)

    if where == "signature":
        bad = flip(sealed, len(sealed) - 3)
    elif where == "payload":
        bad = flip(sealed, len(sealed) - 80)
    else:
        bad = sealed.replace("|10:1", "|10:2", 1)
    assert bad != sealed

    with pytest.raises(SessionError):
        sealer.open(bad)
    assert sealer.open(sealed)[0].org_id == "00D000000000001AAA"


def test_resigned_value_rejected_after_caching():
    sealer = sealer_for(TEST_COOKIE_SECRET)
    sealed = sealer.seal(make_session())
    sealer.open(sealed)

    with pytest.raises(SessionError):
        sealer.open(resigned(sealed, OTHER_SECRET))


def test_old_secret_value_still_resealed():
    old_sealed = sealer_for(TEST_COOKIE_SECRET).seal(make_session())
    rotated = sealer_for(OTHER_SECRET, old=TEST_COOKIE_SECRET)

    first = rotated.open(old_sealed)
    second = rotated.open(old_sealed)

    assert first[1] is True
    assert second[1] is True
    assert second[0] is first[0]
    assert tornado.web.get_signature_key_version(rotated.seal(first[0])) == key_version_for(OTHER_SECRET)


def test_retired_secret_value_rejected():
    old_sealed = sealer_for(TEST_COOKIE_SECRET).seal(make_session())
    rotated = sealer_for(OTHER_SECRET, old=TEST_COOKIE_SECRET)
    rotated.open(old_sealed)

    # A worker started after COOKIE_SECRET_OLD was removed.
    retired = sealer_for(OTHER_SECRET)

    with pytest.raises(SessionError):
        retired.open(old_sealed)


def test_cache_stays_bounded():
    sealer = sealer_for(TEST_COOKIE_SECRET)
    first = sealer.seal(make_session(username="first@example.com"))
    sealer.open(first)
    session = make_session()

    for _ in range(OPENED_CACHE_SIZE):
        sealer.open(sealer.seal(session))

    assert len(sealer._opened) == OPENED_CACHE_SIZE
    # The oldest entry was dropped, and its value still opens by the full checks.
    reopened, _ = sealer.open(first)
    assert reopened.username == "first@example.com"


def test_proxy_rejects_tampered_bearer_after_caching(proxy, sandbox):
    sealed = password_login(proxy.url).json()["session"]
    assert whoami(proxy, sealed).status_code == 200
    assert whoami(proxy, sealed).status_code == 200

    for bad in (flip(sealed, len(sealed) - 3), flip(sealed, len(sealed) - 80), resigned(sealed, OTHER_SECRET)):
        response = whoami(proxy, bad)
        assert response.status_code == 401
        assert response.json()["error"] == "session_invalid"
    assert whoami(proxy, sealed).status_code == 200


@pytest.mark.slow
def test_proxy_rejects_cached_bearer_once_expired(proxy_factory):
    short = proxy_factory(environ={"SESSION_MAX_AGE": "3"})
    sealed = password_login(short.url).json()["session"]
    assert whoami(short, sealed).status_code == 200
    assert whoami(short, sealed).status_code == 200

    time.sleep(4.0)
    response = whoami(short, sealed)

    assert response.status_code == 401
    assert response.json()["error"] == "session_invalid"
