"""Queries that span pages of the second stand-in (three records a page, ``01g...-<offset>`` locators)."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.conformance.conftest import PAGE_SIZE, password_login

RECORD_COUNT = 8


@pytest.fixture(scope="module")
def tagged(sf_proxy):
    """Create ``RECORD_COUNT`` Accounts sharing a unique BillingCountry; yield the bearer and the tag."""
    bearer = password_login(sf_proxy.url).json()["session"]
    headers = {"Authorization": "Bearer " + bearer, "X-Model-Dialect": "salesforce"}
    tag = "Tag" + uuid.uuid4().hex[:8]
    ids = []
    for number in range(RECORD_COUNT):
        response = requests.post(sf_proxy.url + "/Account", json={"Name": "%s %02d" % (tag, number),
                                                                  "BillingCountry": tag},
                                 headers=headers, timeout=30)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    yield bearer, tag
    for record_id in ids:
        requests.delete(sf_proxy.url + "/Account/" + record_id, headers=headers, timeout=30)


def _soql(tag: str) -> str:
    return "SELECT Id, Name FROM Account WHERE BillingCountry = '%s' ORDER BY Name" % tag


def _query_calls(upstream) -> list[dict]:
    return [call for call in upstream.calls() if "/query" in call["path"]]


def test_autofetch_follows_every_page(sf_proxy, upstream, tagged):
    bearer, tag = tagged
    upstream.reset_calls()

    response = requests.get(sf_proxy.url + "/Account", params={"q": _soql(tag), "autoFetch": "true"},
                            headers={"Authorization": "Bearer " + bearer, "X-Model-Dialect": "clay"}, timeout=30)

    assert response.status_code == 200, response.text
    assert [record["Name"] for record in response.json()] == ["%s %02d" % (tag, n) for n in range(RECORD_COUNT)]
    assert response.headers["X-Total-Count"] == str(RECORD_COUNT)
    calls = _query_calls(upstream)
    assert len(calls) == 3
    assert all(call["host"] == "instance" for call in calls)
    # The pages after the first are the nextRecordsUrl paths, unchanged and without parameters.
    for call in calls[1:]:
        assert call["path"].startswith("/services/data/v62.0/query/01g")
        assert call["query"] == ""


def test_maxfetch_stops_inside_a_page(sf_proxy, upstream, tagged):
    bearer, tag = tagged
    upstream.reset_calls()

    response = requests.get(sf_proxy.url + "/Account",
                            params={"q": _soql(tag), "autoFetch": "true", "maxFetch": "4"},
                            headers={"Authorization": "Bearer " + bearer, "X-Model-Dialect": "salesforce"},
                            timeout=30)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totalSize"] == RECORD_COUNT
    assert body["returnedSize"] == 4
    assert body["done"] is False
    assert len(_query_calls(upstream)) == 2


def test_first_page_links_next_cursor(sf_proxy, tagged):
    bearer, tag = tagged
    headers = {"Authorization": "Bearer " + bearer, "X-Model-Dialect": "jsonapi", "Accept": "application/vnd.api+json"}

    first = requests.get(sf_proxy.url + "/accounts", params={"q": _soql(tag)}, headers=headers, timeout=30)
    assert first.status_code == 200, first.text
    assert len(first.json()["data"]) == PAGE_SIZE
    assert first.json()["meta"]["totalSize"] == RECORD_COUNT
    next_link = first.json()["links"]["next"]
    assert "page%5Bcursor%5D=01g" in next_link

    second = requests.get(sf_proxy.url + next_link, headers=headers, timeout=30)
    assert second.status_code == 200, second.text
    names = [resource["attributes"]["Name"] for resource in second.json()["data"]]
    assert names == ["%s %02d" % (tag, n) for n in range(PAGE_SIZE, 2 * PAGE_SIZE)]
    # Each Salesforce page repeats the overall totalSize.
    assert second.json()["meta"]["totalSize"] == RECORD_COUNT


def test_backbone_link_header_continues(sf_proxy, tagged):
    bearer, tag = tagged
    headers = {"Authorization": "Bearer " + bearer, "X-Model-Dialect": "backbone"}

    names = []
    url = sf_proxy.url + "/accounts?" + requests.compat.urlencode({"q": _soql(tag)})
    while url:
        page = requests.get(url, headers=headers, timeout=30)
        assert page.status_code == 200, page.text
        names += [record["Name"] for record in page.json()]
        url = page.links.get("next", {}).get("url")
        url = sf_proxy.url + url if url and url.startswith("/") else url

    assert names == ["%s %02d" % (tag, n) for n in range(RECORD_COUNT)]


def test_list_without_soql_filters_and_sorts(sf_proxy, tagged):
    bearer, tag = tagged

    response = requests.get(sf_proxy.url + "/accounts",
                            params={"BillingCountry": tag, "sort": "-Name", "fields": "Name", "autoFetch": "true"},
                            headers={"Authorization": "Bearer " + bearer, "X-Model-Dialect": "ember"}, timeout=30)

    assert response.status_code == 200, response.text
    names = [record["name"] for record in response.json()["accounts"]]
    assert names == ["%s %02d" % (tag, n) for n in reversed(range(RECORD_COUNT))]
    assert response.json()["meta"]["totalSize"] == RECORD_COUNT


def test_default_list_selects_every_plain_field(sf_proxy, upstream, tagged):
    bearer, tag = tagged
    upstream.reset_calls()

    response = requests.get(sf_proxy.url + "/accounts", params={"BillingCountry": tag, "limit": "2"},
                            headers={"Authorization": "Bearer " + bearer, "X-Model-Dialect": "backbone"}, timeout=30)

    assert response.status_code == 200, response.text
    assert len(response.json()) == 2
    first = response.json()[0]
    assert first["BillingCountry"] == tag
    assert "AnnualRevenue" in first
    # The compound address is left out of lists; its parts are there.
    assert "BillingAddress" not in first


def test_count_query(sf_proxy, tagged):
    bearer, tag = tagged

    response = requests.get(sf_proxy.url + "/Account",
                            params={"q": "SELECT COUNT() FROM Account WHERE BillingCountry = '%s'" % tag},
                            headers={"Authorization": "Bearer " + bearer, "X-Model-Dialect": "salesforce"},
                            timeout=30)

    assert response.status_code == 200, response.text
    assert response.json()["totalSize"] == RECORD_COUNT
    assert response.json()["records"] == []


def test_soql_plus_sign_survives(sf_proxy, upstream, tagged):
    bearer, tag = tagged
    upstream.reset_calls()

    response = requests.get(sf_proxy.url + "/Account",
                            params={"q": "SELECT Id FROM Account WHERE CreatedDate > 2020-01-01T00:00:00+00:00 "
                                         "AND BillingCountry = '%s'" % tag},
                            headers={"Authorization": "Bearer " + bearer, "X-Model-Dialect": "salesforce"},
                            timeout=30)

    assert response.status_code == 200, response.text
    assert response.json()["totalSize"] == RECORD_COUNT
    assert "%2B00%3A00" in _query_calls(upstream)[0]["query"]


def test_query_headers_reach_instance(sf_proxy, upstream, tagged):
    bearer, tag = tagged
    upstream.reset_calls()

    response = requests.get(sf_proxy.url + "/Account", params={"q": _soql(tag)},
                            headers={"Authorization": "Bearer " + bearer, "X-Model-Dialect": "clay",
                                     "Sforce-Query-Options": "batchSize=200"}, timeout=30)

    assert response.status_code == 200, response.text
    call = _query_calls(upstream)[0]
    assert call["headers"]["Sforce-Query-Options"] == "batchSize=200"
    # Salesforce compresses responses only for clients that ask.
    assert "gzip" in call["headers"]["Accept-Encoding"]
