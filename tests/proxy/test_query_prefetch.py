"""Streamed lists fetch the next page while writing the current one, and only pages the response needs."""

import socket
import time
import urllib.parse

import pytest
import requests

from tests.fixtures.proxy import password_login, start_proxy
from tests.fixtures.sandbox import SandboxClient
from tornsf.sandbox import SandboxServer

API = "/services/data/v62.0"
PAGE_SIZE = 200
ACCOUNTS = 1000


@pytest.fixture(scope="module")
def org():
    """A private sandbox org with 1,000 Accounts and a proxy in front of it."""
    sandbox = SandboxClient(SandboxServer(seed="large:%d" % ACCOUNTS).start())
    proxy = start_proxy(sandbox.url)
    yield sandbox, proxy
    proxy.stop()
    sandbox.stop()


@pytest.fixture
def large(org):
    sandbox, proxy = org
    sandbox.reset_knobs()
    response = password_login(proxy.url)
    assert response.status_code == 200, response.text
    sandbox.reset_calls()
    yield sandbox, proxy, response.json()["session"]
    sandbox.reset_knobs()


def headers(sealed):
    return {"Authorization": "Bearer " + sealed, "X-Model-Dialect": "salesforce",
            "Sforce-Query-Options": "batchSize=%d" % PAGE_SIZE}


def page_calls(sandbox):
    return [entry for entry in sandbox.calls()["log"] if entry["path"].startswith(API + "/query")]


def settled_page_calls(sandbox, wait=1.0):
    """Page calls once no more arrive: a stray prefetch would show up within ``wait`` seconds."""
    count = len(page_calls(sandbox))
    while True:
        time.sleep(wait)
        latest = len(page_calls(sandbox))
        if latest == count:
            return latest
        count = latest


def autofetch(proxy, sealed, max_fetch, soql="SELECT Id FROM Account"):
    return requests.get(proxy.url + "/Account", params={"q": soql, "autoFetch": "true", "maxFetch": str(max_fetch)},
                        headers=headers(sealed), timeout=60)


@pytest.mark.parametrize("max_fetch, pages", [(200, 1), (400, 2), (401, 3), (599, 3), (600, 3), (1000, 5)])
def test_only_needed_pages_are_fetched(large, max_fetch, pages):
    sandbox, proxy, sealed = large
    sandbox.set_knobs(latency_ms=50)

    response = autofetch(proxy, sealed, max_fetch)

    body = response.json()
    assert response.status_code == 200
    assert len(body["records"]) == min(max_fetch, ACCOUNTS)
    assert len({record["Id"] for record in body["records"]}) == len(body["records"])
    assert settled_page_calls(sandbox, wait=0.5) == pages


def test_records_arrive_in_upstream_order(large):
    sandbox, proxy, sealed = large
    soql = "SELECT Id, Name FROM Account ORDER BY Name"
    pages = []
    next_url = None
    while True:
        params = {"cursor": next_url} if next_url else {"q": soql}
        body = requests.get(proxy.url + "/Account", params=params, headers=headers(sealed), timeout=60).json()
        pages.extend(record["Id"] for record in body["records"])
        next_url = body.get("nextRecordsUrl")
        if not next_url:
            break

    streamed = autofetch(proxy, sealed, ACCOUNTS, soql).json()

    assert [record["Id"] for record in streamed["records"]] == pages
    assert streamed["returnedSize"] == ACCOUNTS
    assert streamed["done"] is True


@pytest.mark.slow
def test_at_most_one_page_is_fetched_ahead(large):
    sandbox, proxy, sealed = large
    sandbox.set_knobs(latency_ms=1500)

    response = requests.get(proxy.url + "/Account", params={"q": "SELECT Id FROM Account", "autoFetch": "true",
                                                            "maxFetch": "600"},
                            headers=headers(sealed), timeout=60, stream=True)
    chunks = response.iter_content(chunk_size=None)
    first = next(chunks)
    # The first page has reached the client and the second is on its way (1.5 s per page):
    # the third must wait until the second has arrived.
    calls_at_first_byte = len(page_calls(sandbox))
    rest = b"".join(chunks)

    assert first.startswith(b'{"totalSize":1000')
    assert calls_at_first_byte == 2
    assert (first + rest).count(b'"Id"') == 600
    assert settled_page_calls(sandbox, wait=0.5) == 3


@pytest.mark.slow
def test_client_leaving_cancels_the_prefetch_quietly(large):
    sandbox, proxy, sealed = large
    sandbox.set_knobs(latency_ms=700)
    before = len(proxy.log_text())
    host, port = urllib.parse.urlsplit(proxy.url).netloc.split(":")
    query = urllib.parse.urlencode({"q": "SELECT Id FROM Account", "autoFetch": "true"})

    with socket.create_connection((host, int(port)), timeout=30) as client:
        client.sendall(("GET /Account?%s HTTP/1.1\r\nHost: %s:%s\r\nAuthorization: Bearer %s\r\n"
                        "X-Model-Dialect: salesforce\r\nSforce-Query-Options: batchSize=%d\r\n\r\n"
                        % (query, host, port, sealed, PAGE_SIZE)).encode())
        assert client.recv(65536).startswith(b"HTTP/1.1 200")

    calls = settled_page_calls(sandbox, wait=1.5)
    log = proxy.log_text()[before:]

    assert calls < ACCOUNTS // PAGE_SIZE
    assert "never retrieved" not in log
    assert "Traceback" not in log
    assert "was destroyed but it is pending" not in log
    sandbox.reset_knobs()
    assert autofetch(proxy, sealed, 10).status_code == 200


@pytest.mark.slow
def test_failed_prefetch_breaks_the_response_quietly(large):
    sandbox, proxy, sealed = large
    sandbox.set_knobs(latency_ms=700)
    before = len(proxy.log_text())

    response = requests.get(proxy.url + "/Account", params={"q": "SELECT Id FROM Account", "autoFetch": "true"},
                            headers=headers(sealed), timeout=60, stream=True)
    chunks = response.iter_content(chunk_size=None)
    next(chunks)
    sandbox.set_knobs(fail_503=True)

    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for _ in chunks:
            pass
    deadline = time.monotonic() + 10
    while "Closing a streamed list" not in proxy.log_text()[before:] and time.monotonic() < deadline:
        time.sleep(0.1)
    log = proxy.log_text()[before:]

    assert "Closing a streamed list" in log
    assert "never retrieved" not in log
    assert "Traceback" not in log
