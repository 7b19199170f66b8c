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


@pytest.fixture
def probe(api):
    """Three Accounts with known values, tagged by a unique Description, and a query helper for them."""
    tag = "probe-%s" % api.post("/sobjects/Account/", json={"Name": "tag"}).json()["id"]
    rows = [
        {"Name": "Ärger O'Brien", "Industry": "Banking", "NumberOfEmployees": 10, "AnnualRevenue": 100.5},
        {"Name": "50% off_sale", "Industry": None, "NumberOfEmployees": 20, "AnnualRevenue": None},
        {"Name": "back\\slash", "Industry": "Energy", "NumberOfEmployees": None, "AnnualRevenue": 300.0},
    ]
    for row in rows:
        assert api.post("/sobjects/Account/", json=dict(row, Description=tag)).status_code == 201

    def names(condition: str, order: str = "ORDER BY Name") -> list:
        soql = "SELECT Name FROM Account WHERE Description = '%s' AND (%s) %s" % (tag, condition, order)
        response = api.query(soql)
        assert response.status_code == 200, response.text
        return [record["Name"] for record in response.json()["records"]]

    return names


@pytest.mark.parametrize("condition, expected", [
    ("NumberOfEmployees = 10", ["Ärger O'Brien"]),
    ("NumberOfEmployees != 10", ["50% off_sale", "back\\slash"]),
    ("NumberOfEmployees <> 10", ["50% off_sale", "back\\slash"]),
    ("NumberOfEmployees < 20", ["Ärger O'Brien"]),
    ("NumberOfEmployees <= 20", ["50% off_sale", "Ärger O'Brien"]),
    ("NumberOfEmployees > 10", ["50% off_sale"]),
    ("NumberOfEmployees >= 10", ["50% off_sale", "Ärger O'Brien"]),
    ("AnnualRevenue = 100.5", ["Ärger O'Brien"]),
    ("Industry = null", ["50% off_sale"]),
    ("Industry != null", ["back\\slash", "Ärger O'Brien"]),
    ("Industry != 'Banking'", ["50% off_sale", "back\\slash"]),
    ("Industry IN ('Banking', 'Energy')", ["back\\slash", "Ärger O'Brien"]),
    ("Industry NOT IN ('Banking')", ["50% off_sale", "back\\slash"]),
    ("Industry IN ('Banking', null)", ["50% off_sale", "Ärger O'Brien"]),
    ("Name = 'ärger o\\'brien'", ["Ärger O'Brien"]),
    ("Name LIKE 'ÄR%'", ["Ärger O'Brien"]),
    ("Name LIKE '50\\% off\\_%'", ["50% off_sale"]),
    ("Name LIKE '50_ %'", ["50% off_sale"]),
    ("Name LIKE 'back\\\\%'", ["back\\slash"]),
    ("Name = 'back\\\\slash'", ["back\\slash"]),
    ("NOT Industry = 'Banking'", ["50% off_sale", "back\\slash"]),
    ("NOT (Industry = 'Banking' OR Industry = 'Energy')", ["50% off_sale"]),
    ("(Industry = 'Banking' OR NumberOfEmployees = 20) AND AnnualRevenue != null", ["Ärger O'Brien"]),
    ("IsDeleted = false", ["50% off_sale", "back\\slash", "Ärger O'Brien"]),
    ("IsDeleted = TRUE", []),
    ("CreatedDate > 2020-01-01T00:00:00Z", ["50% off_sale", "back\\slash", "Ärger O'Brien"]),
    ("CreatedDate < 2020-01-01T00:00:00+02:00", []),
    ("CreatedDate = TODAY", ["50% off_sale", "back\\slash", "Ärger O'Brien"]),
    ("CreatedDate = LAST_N_DAYS:2", ["50% off_sale", "back\\slash", "Ärger O'Brien"]),
    ("CreatedDate < YESTERDAY", []),
])
def test_where_operators(probe, condition, expected):
    # ORDER BY Name folds ASCII case only; Salesforce documents sorting English-locale text by the
    # upper-cased UTF-8 value, which also puts "Ä" after "B".
    assert probe(condition) == expected


@pytest.mark.parametrize("order, expected", [
    ("ORDER BY NumberOfEmployees", ["back\\slash", "Ärger O'Brien", "50% off_sale"]),
    ("ORDER BY NumberOfEmployees NULLS LAST", ["Ärger O'Brien", "50% off_sale", "back\\slash"]),
    ("ORDER BY NumberOfEmployees DESC", ["back\\slash", "50% off_sale", "Ärger O'Brien"]),
    ("ORDER BY NumberOfEmployees DESC NULLS LAST", ["50% off_sale", "Ärger O'Brien", "back\\slash"]),
    ("ORDER BY Industry DESC, Name", ["50% off_sale", "back\\slash", "Ärger O'Brien"]),
    ("ORDER BY Name LIMIT 2", ["50% off_sale", "back\\slash"]),
    ("ORDER BY Name LIMIT 2 OFFSET 1", ["back\\slash", "Ärger O'Brien"]),
    ("ORDER BY Name DESC", ["Ärger O'Brien", "back\\slash", "50% off_sale"]),
])
def test_order_limit_offset(probe, order, expected):
    assert probe("Name != null", order) == expected


def test_date_field_filters(api):
    records = api.records("SELECT CloseDate FROM Opportunity WHERE CloseDate >= 2024-03-10 AND CloseDate < 2024-03-20")
    assert records
    assert all("2024-03-10" <= record["CloseDate"] < "2024-03-20" for record in records)


def test_id_filter_accepts_15_characters(api):
    record = api.records("SELECT Id FROM Account LIMIT 1")[0]
    assert api.records("SELECT Id FROM Account WHERE Id = '%s'" % record["Id"][:15]) == [record]


def test_relationship_filter_and_order(api):
    records = api.records("SELECT Name, Account.Name FROM Opportunity WHERE Account.Industry != null "
                          "ORDER BY Account.Name, Name LIMIT 5")
    account_names = [record["Account"]["Name"] for record in records]
    assert account_names == sorted(account_names, key=str.lower)


def test_from_alias(api):
    records = api.records("SELECT a.Name FROM Account a WHERE a.Name = 'Acme Corporation'")
    assert records[0]["Name"] == "Acme Corporation"


def test_aggregate_functions(api):
    record = api.records("SELECT COUNT(Id), MIN(NumberOfEmployees) fewest, SUM(AnnualRevenue) FROM Account")[0]
    assert record["attributes"] == {"type": "AggregateResult"}
    assert record["expr0"] >= 30
    assert isinstance(record["fewest"], int)
    assert isinstance(record["expr1"], float)


def test_count_with_limit(api):
    assert api.query("SELECT COUNT() FROM Account LIMIT 4").json()["totalSize"] == 4


def test_count_must_stand_alone(api):
    response = api.query("SELECT COUNT(), Name FROM Account")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "MALFORMED_QUERY"


@pytest.mark.parametrize("soql, code", [
    ("SELECT FROM Account", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE Name = 'open", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE Name = 'a' AND Industry = 'b' OR Type = 'c'", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account LIMIT many", "MALFORMED_QUERY"),
    ("SELECT Id, Id FROM Account", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account; DELETE FROM Account", "MALFORMED_QUERY"),
    ("SELECT Owner.Bogus FROM Account", "INVALID_FIELD"),
    ("SELECT Nope.Name FROM Account", "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE Bogus = 1", "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE NumberOfEmployees = 'ten'", "INVALID_QUERY_FILTER_OPERATOR"),
    ("SELECT Id FROM Account WHERE CreatedDate = 2024-01-01", "INVALID_QUERY_FILTER_OPERATOR"),
    ("SELECT Id FROM Account WHERE Id = 'not-an-id'", "INVALID_QUERY_FILTER_OPERATOR"),
    ("SELECT Id FROM Account WHERE Name = '\\q'", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE Name = 'a\\_b'", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"),
])
def test_bad_soql_is_rejected(api, soql, code):
    response = api.query(soql)
    assert response.status_code == 400, response.text
    assert response.json()[0]["errorCode"] == code


def test_sql_text_in_literals_is_only_data(api):
    before = api.query("SELECT COUNT() FROM Account").json()["totalSize"]
    doubled_quote = api.query("SELECT Id FROM Account WHERE Name = 'x'' OR 1=1 --'")
    assert doubled_quote.status_code == 400
    records = api.records("SELECT Id FROM Account WHERE Name = 'x\\' OR \\'1\\'=\\'1'")
    assert records == []
    response = api.query('SELECT Id FROM Account WHERE Name = "x" OR 1=1')
    assert response.status_code == 400
    assert api.query("SELECT COUNT() FROM Account").json()["totalSize"] == before


def test_query_all_includes_deleted(api):
    record_id = api.post("/sobjects/Account/", json={"Name": "Soon deleted"}).json()["id"]
    api.delete("/sobjects/Account/" + record_id)
    soql = "SELECT Id, IsDeleted FROM Account WHERE Id = '%s'" % record_id
    assert api.records(soql) == []
    deleted = api.get("/queryAll", params={"q": soql}).json()["records"]
    assert [record["IsDeleted"] for record in deleted] == [True]


def test_deleting_account_deletes_its_contacts(api):
    account_id = api.post("/sobjects/Account/", json={"Name": "Parent to delete"}).json()["id"]
    contact_id = api.post("/sobjects/Contact/", json={"LastName": "Child", "AccountId": account_id}).json()["id"]
    api.delete("/sobjects/Account/" + account_id)
    assert api.get("/sobjects/Contact/" + contact_id).status_code == 404


def test_query_all_pages_stay_under_query_path(large):
    large.delete("/sobjects/Account/" + large.records("SELECT Id FROM Account LIMIT 1")[0]["Id"])
    body = large.get("/queryAll", params={"q": "SELECT Id, IsDeleted FROM Account"}).json()
    assert body["totalSize"] == 4500
    assert body["nextRecordsUrl"].startswith("/services/data/v62.0/query/")
    rest = large.get(body["nextRecordsUrl"]).json()
    flags = [record["IsDeleted"] for record in body["records"] + rest["records"]]
    assert flags.count(True) == 1


def test_pages_follow_caller_version(large):
    body = large.get("/services/data/v45.0/query", params={"q": "SELECT Id FROM Account"}).json()
    assert body["nextRecordsUrl"].startswith("/services/data/v45.0/query/")
    assert body["records"][0]["attributes"]["url"].startswith("/services/data/v45.0/sobjects/Account/")


def test_locator_with_offset_past_end_is_invalid(large):
    body = large.query("SELECT Id FROM Account").json()
    locator = body["nextRecordsUrl"].rsplit("/", 1)[1].split("-")[0]
    response = large.get("/query/%s-99999" % locator)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_large_page_is_gzipped_when_asked(large):
    soql = "SELECT Id, Name FROM Account LIMIT 300"
    zipped = large.query(soql, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert len(zipped.json()["records"]) == 300
    plain = large.query(soql, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.json() == zipped.json()


def test_negated_date_range_includes_nulls(api):
    dated = api.query("SELECT COUNT() FROM Contact WHERE Birthdate < TODAY").json()["totalSize"]
    others = api.query("SELECT COUNT() FROM Contact WHERE NOT Birthdate < TODAY").json()["totalSize"]
    undated = api.query("SELECT COUNT() FROM Contact WHERE Birthdate = null").json()["totalSize"]
    total = api.query("SELECT COUNT() FROM Contact").json()["totalSize"]
    assert undated > 0
    assert dated + others == total
