"""Account records carry an ETag and honour If-Match and If-None-Match; other objects ignore them."""

import pytest
import requests

from tests.sandbox.conftest import API, password_login


@pytest.fixture
def api(sandbox):
    token = password_login(sandbox.url)
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + token["access_token"]
    yield token["instance_url"] + API, session
    session.close()


def first_id(base, http, sobject):
    response = http.get(base + "/query", params={"q": "SELECT Id FROM %s LIMIT 1" % sobject}, timeout=30)
    return response.json()["records"][0]["Id"]


def test_account_etag_and_304(api):
    base, http = api
    url = base + "/sobjects/Account/" + first_id(base, http, "Account")

    first = http.get(url, timeout=30)
    again = http.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=30)

    assert first.headers["ETag"].startswith('"')
    assert again.status_code == 304
    assert again.content == b""


def test_account_if_match_mismatch_412(api):
    base, http = api
    url = base + "/sobjects/Account/" + first_id(base, http, "Account")

    response = http.patch(url, json={"Description": "x"}, headers={"If-Match": '"stale"'}, timeout=30)

    assert response.status_code == 412
    assert response.json()[0]["errorCode"] == "PRECONDITION_FAILED"


def test_account_update_changes_etag(api):
    base, http = api
    url = base + "/sobjects/Account/" + first_id(base, http, "Account")
    etag = http.get(url, timeout=30).headers["ETag"]

    update = http.patch(url, json={"Description": "etag test"}, headers={"If-Match": etag}, timeout=30)
    again = http.patch(url, json={"Description": "etag test 2"}, headers={"If-None-Match": update.headers["ETag"]},
                       timeout=30)

    assert update.status_code == 204
    assert update.headers["ETag"] != etag
    assert again.status_code == 412


def test_contact_has_no_etag(api):
    base, http = api
    url = base + "/sobjects/Contact/" + first_id(base, http, "Contact")

    plain = http.get(url, timeout=30)
    conditional = http.get(url, headers={"If-None-Match": "*", "If-Match": '"stale"'}, timeout=30)

    assert "ETag" not in plain.headers
    assert conditional.status_code == 200
