"""Streamed lists fetch the next page while writing the current one, and only pages the response needs."""

import json
import socket
import time
import urllib.parse

import pytest
import requests

from tests.fixtures.proxy import password_login, start_proxy
from tests.fixtures.sandbox import SandboxClient
from tests.helpers import reset_and_log_in, start_private_org
from tornsf.sandbox import SandboxServer

API = "/services/data/v62.0"
PAGE_SIZE = 200
ACCOUNTS = 1000


@pytest.fixture(scope="module")
def org():
    """A private sandbox org with 1,000 Accounts and a proxy in front of it."""
    sandbox, proxy = start_private_org(ACCOUNTS)
    yield sandbox, proxy
    proxy.stop()
    sandbox.stop()


@pytest.fixture
def large(org):
    sandbox, proxy = org
    yield sandbox, proxy, reset_and_log_in(sandbox, proxy)
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


# -- the page after the next, requested before the next page is decoded ------------------

def compact_page(total, records, next_urls=(), done=None):
    """A page in Salesforce's compact form; several next URLs repeat the key (the decoded page keeps the last)."""
    head = '{"totalSize":%d,"done":%s' % (total, "false" if next_urls else "true")
    for url in next_urls:
        head += ',"nextRecordsUrl":"%s"' % url
    return (head + ',"records":' + json.dumps(records, separators=(",", ":")) + "}").encode()


def rows(tag, count):
    return [{"attributes": {"type": "Account"}, "Id": "001%s%09dAAA" % (tag, n), "Name": "%s %d" % (tag, n)}
            for n in range(count)]


class RecordingPages(dict):
    """The hostile upstream's pages, recording which keys were requested."""

    def __init__(self, *args):
        super().__init__(*args)
        self.requested = []

    def get(self, key, default=None):
        self.requested.append(key)
        return super().get(key, default)


@pytest.fixture(scope="module")
def chained():
    from tests.security.hostile_upstream import HostileUpstream

    server = HostileUpstream().start()
    locator = API + "/query/"
    server.pages = RecordingPages({
        "CHAINED": compact_page(12, rows("AAA", 3), [locator + "01gCHAIN-3"]),
        # Read ahead, the first key names the decoy; decoded, the page names the real successor.
        "01gCHAIN-3": compact_page(12, rows("BBB", 3), [locator + "01gDECOY-6", locator + "01gCHAIN-6"]),
        "01gDECOY-6": compact_page(12, rows("DDD", 3), [locator + "01gDECOY-9"]),
        "01gCHAIN-6": compact_page(12, rows("CCC", 3), [locator + "01gCHAIN-9"]),
        "01gCHAIN-9": compact_page(12, rows("EEE", 3)),
    })
    proxy = start_proxy(server.url)
    sealed = password_login(proxy.url).json()["session"]
    yield server, proxy, sealed
    proxy.stop()
    server.stop()


def chained_list(chained, **params):
    server, proxy, sealed = chained
    server.pages.requested.clear()
    response = requests.get(proxy.url + "/Account", params={"q": "SELECT Id FROM Account WHERE Name = 'CHAINED'",
                                                            "autoFetch": "true", **params},
                            headers={"Authorization": "Bearer " + sealed, "X-Model-Dialect": "salesforce"},
                            timeout=30)
    time.sleep(0.3)
    return response, server.pages.requested


def test_page_read_ahead_is_kept_only_when_the_decoded_page_agrees(chained):
    response, requested = chained_list(chained)

    names = [record["Name"].split()[0] for record in response.json()["records"]]
    assert response.status_code == 200
    assert names == ["AAA"] * 3 + ["BBB"] * 3 + ["CCC"] * 3 + ["EEE"] * 3
    assert response.json()["done"] is True
    # Reading the second page ahead requested the decoy, which was then dropped.
    assert "01gDECOY-6" in requested
    assert "01gDECOY-9" not in requested
    assert requested.count("01gCHAIN-6") == 1


def test_no_read_ahead_near_max_fetch(chained):
    response, requested = chained_list(chained, maxFetch="9")

    assert len(response.json()["records"]) == 9
    assert "01gDECOY-6" not in requested
    assert "01gCHAIN-9" not in requested


@pytest.fixture(scope="module")
def big_org():
    """5,000 Accounts, so that pages of 2,000 leave room for reading ahead."""
    sandbox = SandboxClient(SandboxServer(seed="large:5000").start())
    proxy = start_proxy(sandbox.url)
    sealed = password_login(proxy.url).json()["session"]
    yield sandbox, proxy, sealed
    proxy.stop()
    sandbox.stop()


@pytest.mark.parametrize("max_fetch, pages", [(2000, 1), (4000, 2), (4001, 3), (10000, 3)])
def test_reading_ahead_fetches_only_needed_pages(big_org, max_fetch, pages):
    sandbox, proxy, sealed = big_org
    sandbox.reset_calls()

    response = requests.get(proxy.url + "/Account", params={"q": "SELECT Id FROM Account", "autoFetch": "true",
                                                            "maxFetch": str(max_fetch)},
                            headers={"Authorization": "Bearer " + sealed, "X-Model-Dialect": "salesforce"},
                            timeout=60)

    body = response.json()
    assert len(body["records"]) == min(max_fetch, 5000)
    assert len({record["Id"] for record in body["records"]}) == len(body["records"])
    assert settled_page_calls(sandbox, wait=0.5) == pages
