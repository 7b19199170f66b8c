"""The dialect layer through the running proxy: selection, what reaches Salesforce, and paging.

The sandbox's call log shows the exact requests the proxy made, so these tests
check the SOQL built from filters and the bodies sent on save, not only the
responses.
"""

import json
import urllib.parse
import uuid

import pytest
import requests

from tests.fixtures.proxy import password_login, start_proxy


def client(bearer, dialect=None):
    http = requests.Session()
    http.headers["Authorization"] = "Bearer " + bearer
    if dialect:
        http.headers["X-Model-Dialect"] = dialect
    return http


def logged(sandbox, method, path_part):
    """Return the sandbox's log entries of ``method`` calls whose path contains ``path_part``."""
    return [entry for entry in sandbox.calls()["log"] if entry["method"] == method and path_part in entry["path"]]


def soql_sent(sandbox):
    entries = [entry for entry in logged(sandbox, "GET", "/query") if entry["query"]]
    assert entries, "no query reached the sandbox"
    return urllib.parse.parse_qs(entries[-1]["query"])["q"][0]


@pytest.fixture
def account(proxy, bearer):
    """A fresh Account created through the salesforce dialect, deleted after the test."""
    http = client(bearer, "salesforce")
    name = "Dialect %s" % uuid.uuid4().hex[:8]
    response = http.post(proxy.url + "/Account", json={"Name": name, "Industry": "Energy", "NumberOfEmployees": 42},
                         timeout=30)
    assert response.status_code == 201, response.text
    record = {"Id": response.json()["id"], "Name": name}
    yield record
    http.delete(proxy.url + "/Account/" + record["Id"], timeout=30)


def test_selection_by_header_argument_and_default(proxy, bearer, account):
    http = client(bearer)
    url = "%s/accounts/%s" % (proxy.url, account["Id"])

    by_header = http.get(url, headers={"X-Model-Dialect": "BackBone"}, timeout=30)
    assert by_header.json()["id"] == account["Id"]
    assert "attributes" not in by_header.json()

    by_argument = http.get(url, params={"dialect": "ember"}, timeout=30)
    assert by_argument.json()["account"]["id"] == account["Id"]

    header_wins = http.get(url, params={"dialect": "ember"}, headers={"X-Model-Dialect": "jsonapi"}, timeout=30)
    assert header_wins.json()["data"]["id"] == account["Id"]

    # Without either, DEFAULT_DIALECT (clay) returns the raw record.
    default = http.get(url, timeout=30)
    assert default.json()["attributes"]["type"] == "Account"
    assert "X-Model-Dialect" in default.headers["Vary"]


def test_unknown_dialect_lists_names(proxy, bearer):
    response = client(bearer, "spine").get(proxy.url + "/accounts", timeout=30)

    assert response.status_code == 400
    assert response.json()["error"] == "unknown_dialect"
    for name in ("salesforce", "clay", "backbone", "ember", "jsonapi"):
        assert name in response.json()["message"]


def test_cors_preflight_allows_dialect_header(proxy):
    response = requests.options(proxy.url + "/accounts", timeout=30, headers={
        "Origin": "http://app.test:8123", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "x-model-dialect, content-type"})

    assert response.status_code == 204
    assert "X-Model-Dialect" in response.headers["Access-Control-Allow-Headers"]


def test_filters_become_escaped_typed_soql(proxy, bearer, sandbox, account):
    http = client(bearer, "backbone")

    response = http.get(proxy.url + "/accounts", timeout=30, params={
        "Name": account["Name"], "numberofemployees": "42", "Industry": ["Energy", "Banking"], "fields": "Name"})
    assert response.status_code == 200, response.text
    assert [record["Id"] for record in response.json()] == [account["Id"]]
    assert soql_sent(sandbox) == (
        "SELECT Id, Name FROM Account WHERE Name = '%s' AND NumberOfEmployees = 42 "
        "AND Industry IN ('Energy', 'Banking') ORDER BY LastModifiedDate DESC, Id DESC" % account["Name"])

    injected = http.get(proxy.url + "/accounts", params={"Name": "x' OR Name != 'y", "fields": "Name"}, timeout=30)
    assert injected.status_code == 200
    assert injected.json() == []
    assert "Name = 'x\\' OR Name != \\'y'" in soql_sent(sandbox)


def test_filter_values_are_checked_by_type(proxy, bearer, sandbox):
    http = client(bearer, "backbone")
    sandbox.reset_calls()

    response = http.get(proxy.url + "/accounts", params={"NumberOfEmployees": "1 OR Id != null"}, timeout=30)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_filter"
    assert "NumberOfEmployees" in response.json()["message"]
    assert logged(sandbox, "GET", "/query") == []


def test_default_list_is_most_recent_first(proxy, bearer, account):
    response = client(bearer, "backbone").get(proxy.url + "/accounts", timeout=30)

    assert response.status_code == 200
    records = response.json()
    assert records[0]["Id"] == account["Id"]
    dates = [record["LastModifiedDate"] for record in records]
    assert dates == sorted(dates, reverse=True)
    assert "BillingCity" in records[0]
    assert int(response.headers["X-Total-Count"]) == len(records)


def test_put_becomes_cleaned_patch(proxy, bearer, sandbox, account):
    http = client(bearer, "backbone")
    url = "%s/accounts/%s" % (proxy.url, account["Id"])
    fetched = http.get(url, timeout=30).json()
    sandbox.reset_calls()

    fetched["Phone"] = "555-0123"
    response = http.put(url, json=fetched, timeout=30)

    assert response.status_code == 200, response.text
    assert response.json()["Phone"] == "555-0123"
    patches = logged(sandbox, "PATCH", "/sobjects/Account/")
    assert len(patches) == 1
    sent = json.loads(patches[0]["body"])
    assert sent["Phone"] == "555-0123"
    for read_only in ("Id", "id", "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted", "CreatedById"):
        assert read_only not in sent
    assert logged(sandbox, "PUT", "/sobjects/") == []


def test_two_keys_for_one_field_rejected(proxy, bearer, account):
    response = client(bearer, "backbone").patch(
        "%s/accounts/%s" % (proxy.url, account["Id"]), json={"Phone": "1", "phone": "2"}, timeout=30)

    assert response.status_code == 400
    assert response.json()["error"] == "duplicate_field"


def test_clay_bodiless_put_changes_nothing(proxy, bearer, sandbox, account):
    sandbox.reset_calls()

    response = client(bearer).put("%s/Account/%s" % (proxy.url, account["Id"]), timeout=30)

    assert response.status_code == 200, response.text
    assert response.json() == {"Id": account["Id"]}
    assert logged(sandbox, "PATCH", "/sobjects/") == []
    assert logged(sandbox, "DELETE", "/sobjects/") == []


def test_clay_query_and_create(proxy, bearer):
    http = client(bearer)
    name = "Clay %s" % uuid.uuid4().hex[:8]

    created = http.post(proxy.url + "/Account", json={"Name": name}, timeout=30)
    assert created.status_code == 200, created.text
    record_id = created.json()["Id"]
    assert created.json()["Name"] == name

    soql = "select Id, Name from Account where Name = '%s'" % name
    listed = http.get(proxy.url + "/Account", params={"query": soql, "autoFetch": "true", "maxFetch": "500",
                                                      "login_server": "login.salesforce.com"}, timeout=30)
    assert listed.status_code == 200, listed.text
    assert [record["Id"] for record in listed.json()] == [record_id]
    assert listed.json()[0]["attributes"]["type"] == "Account"

    assert http.delete(proxy.url + "/Account/" + record_id, timeout=30).status_code == 204


@pytest.fixture(scope="module")
def large_org():
    """A private sandbox org with 450 Accounts and a proxy in front of it."""
    from tornsf.sandbox import SandboxServer

    server = SandboxServer(seed="large:450").start()
    proxy = start_proxy(server.url)
    response = password_login(proxy.url)
    assert response.status_code == 200, response.text
    yield proxy, response.json()["session"]
    proxy.stop()
    server.stop()


BATCH_200 = {"Sforce-Query-Options": "batchSize=200"}


@pytest.mark.slow
def test_backbone_follows_link_header(large_org):
    proxy, bearer = large_org
    http = client(bearer, "backbone")
    url = proxy.url + "/accounts?fields=Name"
    seen = []
    pages = 0

    while url:
        response = http.get(url, headers=BATCH_200, timeout=30)
        assert response.status_code == 200, response.text
        assert response.headers["X-Total-Count"] == "450"
        seen += [record["Id"] for record in response.json()]
        pages += 1
        url = response.links.get("next", {}).get("url")
        if url:
            url = urllib.parse.urljoin(proxy.url, url)

    assert pages == 3
    assert len(seen) == len(set(seen)) == 450


@pytest.mark.slow
def test_autofetch_streams_every_page_without_link(large_org):
    proxy, bearer = large_org

    response = client(bearer, "backbone").get(proxy.url + "/accounts", params={"fields": "Name", "autoFetch": "true"},
                                              headers=BATCH_200, timeout=60)

    assert response.status_code == 200
    assert len(response.json()) == 450
    assert "Link" not in response.headers


@pytest.mark.slow
def test_jsonapi_and_ember_next_links(large_org):
    proxy, bearer = large_org

    first = client(bearer, "jsonapi").get(proxy.url + "/accounts", params={"fields[accounts]": "Name"},
                                          headers=BATCH_200, timeout=30)
    assert first.status_code == 200, first.text
    assert first.json()["meta"] == {"totalSize": 450, "returnedSize": 200, "done": False}
    second = client(bearer, "jsonapi").get(urllib.parse.urljoin(proxy.url, first.json()["links"]["next"]),
                                           headers=BATCH_200, timeout=30)
    assert second.status_code == 200, second.text
    assert len(second.json()["data"]) == 200
    assert not {item["id"] for item in first.json()["data"]} & {item["id"] for item in second.json()["data"]}

    ember = client(bearer, "ember").get(proxy.url + "/accounts", params={"fields": "Name"}, headers=BATCH_200,
                                        timeout=30)
    assert ember.json()["meta"]["done"] is False
    assert ember.json()["meta"]["next"].startswith("/accounts?cursor=")

    windowed = client(bearer, "jsonapi").get(proxy.url + "/accounts", timeout=30, params={
        "fields[accounts]": "Name", "sort": "Name", "page[size]": "10", "page[offset]": "20"})
    assert windowed.status_code == 200, windowed.text
    assert len(windowed.json()["data"]) == 10
    assert "page%5Boffset%5D=30" in windowed.json()["links"]["next"]


def test_jsonapi_aggregate_rows_get_ids(proxy, bearer):
    http = client(bearer, "jsonapi")
    http.headers["Accept"] = "application/vnd.api+json"

    response = http.get(proxy.url + "/Account", params={"q": "SELECT COUNT(Id) FROM Account"}, timeout=30)

    assert response.status_code == 200, response.text
    rows = response.json()["data"]
    assert len(rows) == 1
    assert rows[0]["id"] == "row-0"
    assert rows[0]["attributes"]["expr0"] > 0
