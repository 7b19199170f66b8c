"""SOQL over HTTP against the sandbox org: results, relationships, filters, ordering and paging."""

import pytest

from .conftest import Api, password_login


def test_query_result_shape(api):
    body = api.query("SELECT Id, Name FROM Account LIMIT 3").json()
    assert list(body) == ["totalSize", "done", "records"]
    assert body["totalSize"] == 3
    assert body["done"] is True
    record = body["records"][0]
    assert list(record) == ["attributes", "Id", "Name"]
    assert record["attributes"]["type"] == "Account"
    assert record["attributes"]["url"] == "/services/data/v62.0/sobjects/Account/" + record["Id"]


def test_keywords_and_names_ignore_case(api):
    records = api.records("select id, NAME from account where NAME = 'acme corporation'")
    assert len(records) == 1
    assert list(records[0]) == ["attributes", "Id", "Name"]
    assert records[0]["Name"] == "Acme Corporation"


def test_parent_relationship_is_nested(api):
    records = api.records("SELECT Name, Account.Name, Account.Owner.Name FROM Contact WHERE Account.Name = "
                          "'Acme Corporation' LIMIT 1")
    account = records[0]["Account"]
    assert account["attributes"]["type"] == "Account"
    assert account["attributes"]["url"].startswith("/services/data/v62.0/sobjects/Account/001")
    assert account["Name"] == "Acme Corporation"
    assert account["Owner"]["attributes"]["type"] == "User"
    assert account["Owner"]["Name"] == "Demo User"


def test_empty_parent_relationship_is_null(api):
    records = api.records("SELECT Name, Account.Name FROM Contact WHERE AccountId = null")
    assert records
    assert all(record["Account"] is None for record in records)


def test_count_puts_total_in_total_size(api):
    body = api.query("SELECT COUNT() FROM Account WHERE Name LIKE 'A%'").json()
    assert body["records"] == []
    assert body["done"] is True
    expected = len(api.records("SELECT Id FROM Account WHERE Name LIKE 'A%'"))
    assert body["totalSize"] == expected
    assert expected > 0


def test_malformed_query(api):
    response = api.query("SELECT Id FRM Account")
    assert response.status_code == 400
    error = response.json()[0]
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert "ERROR at Row:1:Column:11" in error["message"]


def test_unknown_field_is_invalid_field(api):
    response = api.query("SELECT Id, Bogus FROM Account")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Bogus' on entity 'Account'" in response.json()[0]["message"]


def test_unknown_object_is_invalid_type(api):
    response = api.query("SELECT Id FROM Nope")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_TYPE"


def test_missing_q_is_malformed(api):
    response = api.get("/query")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "MALFORMED_QUERY"


@pytest.fixture(scope="module")
def large(sandbox_server):
    """A private org with 4500 Accounts, for paging."""
    from tornsf.sandbox import SandboxServer

    server = SandboxServer(seed="large:4500").start()
    yield Api(server.url, password_login(server.url)["access_token"])
    server.stop()


def test_query_pages_with_next_records_url(large):
    first = large.query("SELECT Id, Name FROM Account ORDER BY Name").json()
    assert first["totalSize"] == 4500
    assert first["done"] is False
    assert len(first["records"]) == 2000
    locator_path = first["nextRecordsUrl"]
    assert locator_path.startswith("/services/data/v62.0/query/01g")
    assert locator_path.endswith("-2000")

    second = large.get(locator_path).json()
    third = large.get(second["nextRecordsUrl"]).json()
    assert second["totalSize"] == 4500
    assert third["done"] is True
    assert "nextRecordsUrl" not in third
    names = [record["Name"] for page in (first, second, third) for record in page["records"]]
    assert names == ["Account %06d" % number for number in range(1, 4501)]


def test_batch_size_header_sets_page_size(large):
    response = large.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=500"})
    body = response.json()
    assert len(body["records"]) == 500
    assert body["nextRecordsUrl"].endswith("-500")
    pages = 1
    while not body["done"]:
        body = large.get(body["nextRecordsUrl"]).json()
        pages += 1
    assert pages == 9


def test_batch_size_below_minimum_is_raised_to_200(large):
    body = large.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=10"}).json()
    assert len(body["records"]) == 200


def test_unknown_locator_is_invalid_query_locator(api):
    response = api.get("/query/01gXXXXXXXXXXXXXXX-2000")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
