"""Contract tests of the ember dialect with the exact payloads of Ember Data's RESTAdapter.

Ember Data needs an Ember build to run, so these tests send exactly what the
RESTAdapter and RESTSerializer send in fetch mode.  That is ``Content-Type:
application/json; charset=utf-8`` and no ``Accept``, root keys from the
camelized model name, and PUT with every declared attribute on update, with
``null`` for empty ones.  The responses are checked against what the
RESTSerializer reads.
"""

import uuid

import pytest
import requests


@pytest.fixture
def ember(proxy, bearer):
    http = requests.Session()
    http.headers.update({"Authorization": "Bearer " + bearer, "X-Model-Dialect": "ember"})
    yield http
    http.close()


def send(http, method, url, payload=None):
    headers = {"Content-Type": "application/json; charset=utf-8"} if payload is not None else {}
    return http.request(method, url, json=payload, headers=headers, timeout=30)


def unique_name(label):
    return "Ember %s %s" % (label, uuid.uuid4().hex[:8])


def test_account_lifecycle(proxy, ember):
    name = unique_name("account")

    created = send(ember, "POST", proxy.url + "/accounts", {"account": {
        "name": name, "phone": None, "billingCity": "Paris", "industry": "Energy", "numberOfEmployees": None,
    }})
    assert created.status_code == 201, created.text
    account = created.json()["account"]
    assert set(created.json()) == {"account"}
    record_id = account["id"]
    assert len(record_id) == 18
    assert account["name"] == name
    assert account["billingCity"] == "Paris"
    assert "createdDate" in account
    assert "attributes" not in account
    assert "Id" not in account

    found = send(ember, "GET", "%s/accounts/%s" % (proxy.url, record_id))
    assert found.status_code == 200
    assert found.json()["account"]["id"] == record_id
    assert found.json()["account"]["industry"] == "Energy"

    # Update: PUT with every declared attribute, read-only ones included.
    declared = dict(found.json()["account"])
    del declared["id"]
    declared.update({"name": name + " renamed", "phone": "555-0199"})
    updated = send(ember, "PUT", "%s/accounts/%s" % (proxy.url, record_id), {"account": declared})
    assert updated.status_code == 200, updated.text
    assert updated.json()["account"]["name"] == name + " renamed"
    assert updated.json()["account"]["phone"] == "555-0199"
    assert updated.json()["account"]["billingCity"] == "Paris"

    deleted = send(ember, "DELETE", "%s/accounts/%s" % (proxy.url, record_id))
    assert deleted.status_code == 204
    assert deleted.content == b""

    gone = send(ember, "GET", "%s/accounts/%s" % (proxy.url, record_id))
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["status"] == "404"


def test_find_all_and_query(proxy, ember):
    name = unique_name("query")
    ids = []
    for city in ("Lyon", "Nice"):
        response = send(ember, "POST", proxy.url + "/accounts",
                        {"account": {"name": name, "billingCity": city, "industry": "Media"}})
        assert response.status_code == 201, response.text
        ids.append(response.json()["account"]["id"])

    # store.query('account', {filter: {name}, sort: 'billingCity'}): keys sorted, brackets encoded.
    listed = ember.get(proxy.url + "/accounts", params={"filter[name]": name, "sort": "-billingCity"}, timeout=30)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert list(body) == ["accounts", "meta"]
    assert [account["billingCity"] for account in body["accounts"]] == ["Nice", "Lyon"]
    assert body["meta"]["totalSize"] == 2
    assert body["meta"]["returnedSize"] == 2
    assert body["meta"]["done"] is True
    assert listed.headers["X-Total-Count"] == "2"

    # coalesceFindRequests: GET /accounts?ids[]=a&ids[]=b
    many = ember.get(proxy.url + "/accounts", params={"ids[]": ids}, timeout=30)
    assert many.status_code == 200, many.text
    assert sorted(account["id"] for account in many.json()["accounts"]) == sorted(ids)

    # findAll with no arguments lists recent records with the default fields.
    every = ember.get(proxy.url + "/accounts", timeout=30)
    assert every.status_code == 200
    assert every.json()["meta"]["totalSize"] >= 2
    assert "billingCity" in every.json()["accounts"][0]

    for record_id in ids:
        assert send(ember, "DELETE", "%s/accounts/%s" % (proxy.url, record_id)).status_code == 204


def test_plural_paths_and_dates(proxy, ember):
    account = send(ember, "POST", proxy.url + "/accounts", {"account": {"name": unique_name("parent")}})
    assert account.status_code == 201, account.text
    account_id = account.json()["account"]["id"]

    # attr('date') serializes a full ISO timestamp; the proxy keeps the date part.
    opportunity = send(ember, "POST", proxy.url + "/opportunities", {"opportunity": {
        "name": unique_name("deal"), "stageName": "Prospecting", "closeDate": "2031-01-31T00:00:00.000Z",
        "amount": 1200, "account": account_id,
    }})
    assert opportunity.status_code == 201, opportunity.text
    body = opportunity.json()
    assert list(body) == ["opportunity"]
    assert body["opportunity"]["closeDate"] == "2031-01-31"
    assert body["opportunity"]["accountId"] == account_id

    contacts = send(ember, "GET", proxy.url + "/contacts?accountId=" + account_id)
    assert contacts.status_code == 200, contacts.text
    assert contacts.json() == {"contacts": [], "meta": {"totalSize": 0, "returnedSize": 0, "done": True}}

    assert send(ember, "DELETE", proxy.url + "/accounts/" + account_id).status_code == 204


def test_validation_error_is_422_with_pointer(proxy, ember):
    response = send(ember, "POST", proxy.url + "/accounts", {"account": {"name": None, "billingCity": "Paris"}})

    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert errors[0]["source"] == {"pointer": "/data/attributes/name"}
    assert errors[0]["status"] == "422"
    assert errors[0]["code"] == "REQUIRED_FIELD_MISSING"
    assert "Name" in errors[0]["detail"]


def test_unwrapped_body_is_rejected(proxy, ember):
    response = send(ember, "POST", proxy.url + "/accounts", {"name": "no root key"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_body"
    assert '{"account"' in response.json()["errors"][0]["detail"]


def test_unknown_model_path_is_404(proxy, ember):
    response = send(ember, "GET", proxy.url + "/widgets")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "unknown_sobject"
