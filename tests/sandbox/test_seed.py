"""Seed data of the sandbox org, read back over HTTP."""

import time

import pytest

from tornsf.sandbox import SandboxServer

from .conftest import Api, password_login


def test_demo_has_a_few_dozen_of_each(api):
    for sobject, minimum in (("Account", 30), ("Contact", 60), ("Opportunity", 40)):
        total = api.query("SELECT COUNT() FROM %s" % sobject).json()["totalSize"]
        assert total >= minimum, sobject


def test_demo_has_non_ascii_names(api):
    names = {record["Name"] for record in api.records("SELECT Name FROM Account")}
    assert "Müller & Söhne GmbH" in names
    assert "大阪テクノロジー株式会社" in names
    assert "Ελληνικά Τρόφιμα Α.Ε." in names


def test_demo_has_nulls(api):
    assert api.records("SELECT Id FROM Account WHERE Industry = null")
    assert api.records("SELECT Id FROM Account WHERE AnnualRevenue = null")
    assert api.records("SELECT Id FROM Contact WHERE AccountId = null")


def test_demo_has_dates_and_currency(api):
    opportunity = api.records("SELECT CloseDate, Amount, Probability, ExpectedRevenue FROM Opportunity "
                              "WHERE Amount != null AND StageName = 'Negotiation/Review' LIMIT 1")[0]
    assert len(opportunity["CloseDate"]) == 10
    assert isinstance(opportunity["Amount"], float)
    assert opportunity["ExpectedRevenue"] == pytest.approx(opportunity["Amount"] * 0.9)
    contact = api.records("SELECT Birthdate FROM Contact WHERE Birthdate != null LIMIT 1")[0]
    assert contact["Birthdate"][4] == "-"


def test_demo_has_parent_links(api):
    children = api.records("SELECT Name, Parent.Name FROM Account WHERE ParentId != null ORDER BY Name")
    assert len(children) >= 3
    assert all(child["Parent"]["attributes"]["type"] == "Account" for child in children)
    assert {"Name": "大阪テクノロジー株式会社", "Parent": "Acme Corporation"} in [
        {"Name": child["Name"], "Parent": child["Parent"]["Name"]} for child in children]


def test_demo_is_deterministic(sandbox_factory):
    first = sandbox_factory(seed="demo")
    second = sandbox_factory(seed="demo")
    soql = "SELECT Id, Name, AnnualRevenue, CreatedDate FROM Account ORDER BY Name"
    records = [Api(org.url, password_login(org.url)["access_token"]).records(soql) for org in (first, second)]
    assert records[0] == records[1]


@pytest.mark.slow
def test_large_seed_creates_100000_accounts_quickly():
    started = time.perf_counter()
    server = SandboxServer(seed="large:100000").start()
    elapsed = time.perf_counter() - started
    try:
        api = Api(server.url, password_login(server.url)["access_token"])
        assert api.query("SELECT COUNT() FROM Account").json()["totalSize"] == 100000
        last = api.records("SELECT Name FROM Account ORDER BY Name DESC LIMIT 1")[0]
        assert last["Name"] == "Account 100000"
    finally:
        server.stop()
    # The requirement is "well under 10 seconds"; about 1.5 s was measured on a shared 2-core machine.
    assert elapsed < 8, "seeding 100,000 Accounts took %.1f s" % elapsed


def test_sqlite_file_keeps_records(tmp_path, sandbox_factory):
    path = str(tmp_path / "org.sqlite")
    first = sandbox_factory(seed="demo", db=path)
    api = Api(first.url, password_login(first.url)["access_token"])
    record_id = api.post("/sobjects/Account/", json={"Name": "Kept on disk"}).json()["id"]
    first.stop()

    second = sandbox_factory(seed="demo", db=path)
    api = Api(second.url, password_login(second.url)["access_token"])
    assert api.get("/sobjects/Account/" + record_id).json()["Name"] == "Kept on disk"
    assert api.query("SELECT COUNT() FROM Account WHERE Name = 'Acme Corporation'").json()["totalSize"] == 1
