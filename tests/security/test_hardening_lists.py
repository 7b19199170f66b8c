"""List cursors confined to query locators, and malformed upstream list pages."""

import pytest
import requests

from tests.fixtures.proxy import start_proxy
from tests.security.helpers import API, SALESFORCE_SHAPES, assert_error, bearer_headers, data_calls, new_bearer
from tests.security.hostile_upstream import HostileUpstream

RECORD = {"attributes": {"type": "Account"}, "Id": "001000000000001AAA", "Name": "Acme"}

FOREIGN_CURSORS = [
    API + "/limits",
    API + "/sobjects/Account/describe",
    API + "/sobjects/User/005000000000001AAA",
    API + "/query",
    API + "/query/01gX-2000/extra",
    API + "/query/../limits",
    API + "/query/..%2Flimits",
    "/services/data/v62.0//query/01gX-2000",
    "/services/data/query/01gX-2000",
    "/services/apexrest/echo",
    "/services/oauth2/userinfo",
    "../limits",
]


@pytest.mark.parametrize("cursor", FOREIGN_CURSORS)
@pytest.mark.parametrize("dialect", ["clay", "salesforce", "jsonapi"])
def test_foreign_cursor_rejected(proxy, sandbox, sealed, cursor, dialect):
    sandbox.reset_calls()
    headers = bearer_headers(sealed, **{"X-Model-Dialect": dialect})
    if dialect == "jsonapi":
        headers["Accept"] = "application/vnd.api+json"
    response = requests.get(proxy.url + "/Account", params={"cursor": cursor}, headers=headers, timeout=30)

    assert response.status_code == 400, response.text[:300]
    assert "invalid_cursor" in response.text
    assert not [entry for entry in data_calls(sandbox) if "limits" in entry["path"] or "apexrest" in entry["path"]]


@pytest.fixture(scope="module")
def upstream():
    server = HostileUpstream().start()
    server.pages.update({
        "BADRECORDS": {"totalSize": 5, "done": True, "records": [1, "a", None, [1], RECORD]},
        "NORECORDS": {"totalSize": 1, "done": True},
        "RECORDSOBJECT": {"totalSize": 1, "done": True, "records": {"0": RECORD}},
        "NOTJSON": b"<html>maintenance</html>",
        "LATERBAD": {"totalSize": 3, "done": False, "nextRecordsUrl": API + "/query/01gLATER-2000",
                     "records": [RECORD]},
        "01gLATER-2000": {"totalSize": 3, "done": True, "records": [RECORD, 7]},
        "01gVALID-2000": {"totalSize": 2001, "done": True, "records": [RECORD]},
    })
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hostile_proxy(upstream):
    process = start_proxy(upstream.url)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def hostile_sealed(hostile_proxy):
    return new_bearer(hostile_proxy.url)


def list_accounts(proxy, sealed, dialect="salesforce", **params):
    headers = bearer_headers(sealed, **{"X-Model-Dialect": dialect})
    return requests.get(proxy.url + "/Account", params=params, headers=headers, timeout=30)


@pytest.mark.parametrize("marker", ["BADRECORDS", "NORECORDS", "RECORDSOBJECT", "NOTJSON"])
@pytest.mark.parametrize("dialect", ["clay", "salesforce", "backbone", "ember"])
def test_bad_first_page_is_502(hostile_proxy, hostile_sealed, marker, dialect):
    before = len(hostile_proxy.log_text())
    response = list_accounts(hostile_proxy, hostile_sealed, dialect, q="SELECT Id FROM Account WHERE Name = '%s'" % marker)

    assert response.status_code == 502, response.text[:300]
    assert "bad_upstream_response" in response.text
    assert "X-Total-Count" not in response.headers
    log = hostile_proxy.log_text()[before:]
    assert "Traceback" not in log, log


def test_bad_later_page_breaks_stream_quietly(hostile_proxy, hostile_sealed):
    before = len(hostile_proxy.log_text())

    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        list_accounts(hostile_proxy, hostile_sealed, q="SELECT Id FROM Account WHERE Name = 'LATERBAD'",
                      autoFetch="true")
    log = hostile_proxy.log_text()[before:]

    assert "Closing a streamed list after 1 records" in log, log
    assert "Traceback" not in log, log


@pytest.mark.parametrize("cursor", [API + "/query/01gVALID-2000", "01gVALID-2000", API.replace("62", "61") + "/query/01gVALID-2000"])
def test_locator_cursor_accepted(hostile_proxy, hostile_sealed, cursor):
    response = list_accounts(hostile_proxy, hostile_sealed, cursor=cursor)

    assert response.status_code == 200, response.text
    assert response.json()["records"][0]["Id"] == RECORD["Id"]
