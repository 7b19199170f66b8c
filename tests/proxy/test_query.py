"""SOQL through the running proxy: first page, streamed autoFetch, maxFetch, cursors, queryAll and encoding."""

import time
import urllib.parse
import uuid

import pytest
import requests

from tests.helpers import reset_and_log_in, start_private_org

API = "/services/data/v62.0"
SALESFORCE_SHAPES = {"X-Model-Dialect": "salesforce"}
PAGE_OF_200 = {"Sforce-Query-Options": "batchSize=200"}
LARGE_ACCOUNTS = 1000
# MAX_FETCH of the proxy on the large org, below the per-request default of 10,000.
CEILING = 800


def auth(sealed, **headers):
    return dict(SALESFORCE_SHAPES, Authorization="Bearer " + sealed, **headers)


@pytest.fixture(scope="module")
def large_org():
    """A private sandbox org with 1,000 Accounts and a proxy in front of it with MAX_FETCH=800."""
    sandbox, proxy = start_private_org(LARGE_ACCOUNTS, environ={"MAX_FETCH": str(CEILING)})
    yield sandbox, proxy
    proxy.stop()
    sandbox.stop()


@pytest.fixture
def large(large_org):
    """The large org with knobs and call log reset, its proxy, and a password-flow session."""
    sandbox, proxy = large_org
    yield sandbox, proxy, reset_and_log_in(sandbox, proxy)
    sandbox.reset_knobs()


def query(proxy, sealed, soql, headers=None, **arguments):
    return requests.get(proxy.url + "/Account", params=dict(arguments, q=soql),
                        headers=auth(sealed, **(headers or {})), timeout=120)


def page_calls(sandbox):
    return [entry for entry in sandbox.calls()["log"] if entry["path"].startswith(API + "/query")]


def test_first_page_only(large):
    sandbox, proxy, sealed = large

    response = query(proxy, sealed, "SELECT Id FROM Account", PAGE_OF_200)

    body = response.json()
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == str(LARGE_ACCOUNTS)
    assert body["totalSize"] == LARGE_ACCOUNTS
    assert len(body["records"]) == 200
    assert body["done"] is False
    assert body["nextRecordsUrl"].startswith(API + "/query/")
    assert len(page_calls(sandbox)) == 1


def test_max_fetch_cuts_first_page(large):
    sandbox, proxy, sealed = large

    response = query(proxy, sealed, "SELECT Id FROM Account", PAGE_OF_200, maxFetch="50")

    body = response.json()
    assert len(body["records"]) == 50
    assert body["returnedSize"] == 50
    assert body["done"] is False
    assert "nextRecordsUrl" not in body


def test_autofetch_streams_pages_until_max_fetch(large):
    sandbox, proxy, sealed = large

    response = query(proxy, sealed, "SELECT Id, Name FROM Account", PAGE_OF_200, autoFetch="true", maxFetch="650")

    body = response.json()
    ids = [record["Id"] for record in body["records"]]
    assert response.status_code == 200
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert response.headers["X-Total-Count"] == str(LARGE_ACCOUNTS)
    assert len(ids) == 650
    assert len(set(ids)) == 650
    assert body["returnedSize"] == 650
    assert body["done"] is False
    assert "nextRecordsUrl" not in body
    assert len(page_calls(sandbox)) == 4
    for call in page_calls(sandbox):
        assert call["headers"]["Sforce-Query-Options"] == "batchSize=200"


def test_autofetch_at_page_end_gives_cursor(large):
    sandbox, proxy, sealed = large

    first = query(proxy, sealed, "SELECT Id FROM Account ORDER BY Name", PAGE_OF_200, autoFetch="true", maxFetch="400")
    cursor = first.json()["nextRecordsUrl"]
    rest = requests.get(proxy.url + "/Account", params={"cursor": cursor},
                        headers=auth(sealed, **PAGE_OF_200), timeout=60)

    first_ids = {record["Id"] for record in first.json()["records"]}
    rest_ids = {record["Id"] for record in rest.json()["records"]}
    assert len(first_ids) == 400
    assert rest.status_code == 200
    assert len(rest_ids) == 200
    assert first_ids.isdisjoint(rest_ids)
    assert rest.json()["nextRecordsUrl"] != cursor


def test_cursor_as_bare_locator(large):
    sandbox, proxy, sealed = large
    cursor = query(proxy, sealed, "SELECT Id FROM Account", PAGE_OF_200).json()["nextRecordsUrl"]
    locator = cursor.rsplit("/", 1)[1]

    response = requests.get(proxy.url + "/Account", params={"cursor": locator},
                            headers=auth(sealed, **PAGE_OF_200), timeout=60)

    assert response.status_code == 200
    assert len(response.json()["records"]) == 200
    assert page_calls(sandbox)[-1]["path"] == cursor


def test_autofetch_is_capped_by_max_fetch_setting(large):
    sandbox, proxy, sealed = large

    default = query(proxy, sealed, "SELECT Id FROM Account", PAGE_OF_200, autoFetch="true")
    asked_more = query(proxy, sealed, "SELECT Id FROM Account", PAGE_OF_200, autoFetch="true", maxFetch="100000")

    assert len(default.json()["records"]) == CEILING
    assert len(asked_more.json()["records"]) == CEILING
    assert asked_more.json()["done"] is False


def test_autofetch_until_done(large):
    sandbox, proxy, sealed = large

    response = query(proxy, sealed, "SELECT Id FROM Account LIMIT 500", PAGE_OF_200, autoFetch="true")

    body = response.json()
    assert response.status_code == 200
    assert len(body["records"]) == 500
    assert body["returnedSize"] == 500
    assert body["done"] is True
    assert "nextRecordsUrl" not in body
    assert len(page_calls(sandbox)) == 3


@pytest.mark.parametrize("value", ["0", "-5", "many", "1.5"])
def test_invalid_max_fetch(large, value):
    sandbox, proxy, sealed = large

    response = query(proxy, sealed, "SELECT Id FROM Account", autoFetch="true", maxFetch=value)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_argument"
    assert sandbox.calls()["total"] == 0


@pytest.mark.parametrize(
    "cursor",
    [
        "https://evil.example/services/data/v62.0/query/01gX-200",
        "//evil.example/services/data/v62.0/query/01gX-200",
        "/services/data/v62.0/../../id/00D/005",
        "/services/apexrest/echo",
        "/services/data/v62.0/query/01gX-200?q=x",
        "01gX-200/../../sobjects",
    ],
)
def test_foreign_cursor_makes_no_call(large, cursor):
    sandbox, proxy, sealed = large

    response = requests.get(proxy.url + "/Account", params={"cursor": cursor}, headers=auth(sealed), timeout=30)

    assert response.status_code == 400
    assert sandbox.calls()["total"] == 0


def test_error_after_streaming_began_breaks_response(large):
    sandbox, proxy, sealed = large
    sandbox.set_knobs(latency_ms=800)

    response = requests.get(proxy.url + "/Account", params={"q": "SELECT Id FROM Account", "autoFetch": "true"},
                            headers=auth(sealed, **PAGE_OF_200), timeout=60, stream=True)
    chunks = response.iter_content(chunk_size=None)
    first = next(chunks)
    # The next page is being fetched (each upstream call takes 800 ms): make it fail.
    sandbox.set_knobs(fail_503=True)

    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for _ in chunks:
            pass
    assert response.status_code == 200
    assert first.startswith(b'{"totalSize":1000')
    deadline = time.monotonic() + 10
    while "Closing a streamed list" not in proxy.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Closing a streamed list" in proxy.log_text()

    sandbox.reset_knobs()
    assert query(proxy, sealed, "SELECT Id FROM Account LIMIT 1").status_code == 200


def test_query_all_shows_deleted_record(proxy, sandbox, bearer):
    name = "tornsf deleted %s" % uuid.uuid4().hex[:10]
    created = requests.post(proxy.url + "/Account", json={"Name": name}, headers=auth(bearer), timeout=30)
    record_id = created.json()["id"]
    assert requests.delete(proxy.url + "/Account/" + record_id, headers=auth(bearer), timeout=30).status_code == 204
    soql = "SELECT Id, IsDeleted FROM Account WHERE Name = '%s'" % name

    live = query(proxy, bearer, soql)
    everything = query(proxy, bearer, soql, queryAll="true")

    assert live.json()["totalSize"] == 0
    assert everything.json()["totalSize"] == 1
    assert everything.json()["records"][0]["Id"] == record_id
    assert everything.json()["records"][0]["IsDeleted"] is True
    assert sandbox.count("GET", API + "/queryAll") == 1


def test_soql_arrives_byte_for_byte(proxy, sandbox, bearer):
    soql = "SELECT Id, Name FROM Account WHERE Name = 'Café Olé S.A.' AND CreatedDate < 2100-01-01T00:00:00+00:00"
    sandbox.reset_calls()

    response = query(proxy, bearer, soql)

    sent = [entry for entry in sandbox.calls()["log"] if entry["path"] == API + "/query"]
    assert response.status_code == 200
    assert len(sent) == 1
    assert "Caf%C3%A9%20Ol%C3%A9" in sent[0]["query"]
    assert "%2B00%3A00" in sent[0]["query"]
    assert urllib.parse.parse_qs(sent[0]["query"])["q"] == [soql]
    assert [record["Name"] for record in response.json()["records"]] == ["Café Olé S.A."]


def test_malformed_soql_keeps_salesforce_error(proxy, sandbox, bearer):
    response = query(proxy, bearer, "SELECT Id FRM Account")

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_query_and_cursor_together_rejected(proxy, sandbox, bearer):
    sandbox.reset_calls()

    response = query(proxy, bearer, "SELECT Id FROM Account", cursor="01gX-200")

    assert response.status_code == 400
    assert sandbox.calls()["total"] == 0
