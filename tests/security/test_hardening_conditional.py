"""Conditional request headers reach Salesforce on record routes, and 304 and 412 come back intact."""

import pytest
import requests

from tests.security.helpers import API, bearer_headers, data_calls

CONDITIONAL = ("If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since")


def etag_of(proxy, sealed, account_id):
    response = requests.get(proxy.url + "/Account/" + account_id, headers=bearer_headers(sealed), timeout=30)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def sent_headers(sandbox, method):
    entries = [entry for entry in data_calls(sandbox)
               if entry["method"] == method and entry["path"].startswith(API + "/sobjects/Account/")]
    assert entries, sandbox.calls()
    return {name.lower(): value for name, value in entries[-1]["headers"].items()}


@pytest.mark.parametrize("dialect", ["clay", "salesforce", "backbone", "ember", "jsonapi"])
def test_if_none_match_gives_empty_304(proxy, sealed, account_id, dialect):
    etag = etag_of(proxy, sealed, account_id)
    headers = bearer_headers(sealed, **{"If-None-Match": etag, "X-Model-Dialect": dialect})
    if dialect == "jsonapi":
        headers["Accept"] = "application/vnd.api+json"

    response = requests.get(proxy.url + "/Account/" + account_id, headers=headers, timeout=30)

    assert response.status_code == 304
    assert response.content == b""


def test_conditional_headers_forwarded_on_read(proxy, sandbox, sealed, account_id):
    sandbox.reset_calls()
    headers = bearer_headers(sealed, **{
        "If-None-Match": '"other"', "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT",
    })

    response = requests.get(proxy.url + "/Account/" + account_id, headers=headers, timeout=30)

    assert response.status_code == 200
    sent = sent_headers(sandbox, "GET")
    assert sent["if-none-match"] == '"other"'
    assert sent["if-modified-since"] == "Mon, 01 Jan 2001 00:00:00 GMT"


def test_stale_if_match_update_gets_412(proxy, sandbox, sealed, account_id):
    sandbox.reset_calls()
    headers = bearer_headers(sealed, **{"If-Match": '"stale-etag"', "Content-Type": "application/json",
                                        "X-Model-Dialect": "salesforce"})

    response = requests.patch(proxy.url + "/Account/" + account_id, json={"Description": "lost update"},
                              headers=headers, timeout=30)

    assert response.status_code == 412, response.text
    assert sent_headers(sandbox, "PATCH")["if-match"] == '"stale-etag"'
    record = requests.get(proxy.url + "/Account/" + account_id, headers=bearer_headers(sealed), timeout=30).json()
    assert record.get("Description") != "lost update"


def test_current_if_match_update_succeeds(proxy, sealed, account_id):
    etag = etag_of(proxy, sealed, account_id)
    headers = bearer_headers(sealed, **{"If-Match": etag, "Content-Type": "application/json",
                                        "X-Model-Dialect": "salesforce"})

    response = requests.patch(proxy.url + "/Account/" + account_id, json={"Description": "checked update"},
                              headers=headers, timeout=30)

    assert response.status_code == 204, response.text
    assert etag_of(proxy, sealed, account_id) != etag


def test_cors_preflight_lists_conditional_headers(proxy):
    response = requests.options(proxy.url + "/Account", headers={
        "Origin": "http://app.test:8123", "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "if-match"}, timeout=30)

    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    for name in CONDITIONAL:
        assert name.lower() in allowed
