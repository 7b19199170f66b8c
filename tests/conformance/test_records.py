"""Create, read, update and delete in every dialect against the second stand-in.

The stand-in returns 204 without a Content-Type for PATCH and DELETE, 405 for
PUT, and 18-character ids with their checksum.  It rejects read-only fields
on writes.  So each dialect must send PATCH with writable fields only and
build its own success bodies.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.conformance.org import id18

JSONAPI = "application/vnd.api+json"


def _headers(bearer: str, dialect: str, **extra: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + bearer, "X-Model-Dialect": dialect, **extra}


def _unique(prefix: str) -> str:
    return "%s %s" % (prefix, uuid.uuid4().hex[:8])


def _record_calls(upstream, method: str) -> list[dict]:
    return [call for call in upstream.calls("instance") if call["method"] == method and "/sobjects/" in call["path"]]


def _assert_checksum(record_id: str) -> None:
    assert len(record_id) == 18
    assert id18(record_id[:15]) == record_id


def test_salesforce_dialect_crud(sf_proxy, sf_bearer, upstream):
    headers = _headers(sf_bearer, "salesforce")
    name = _unique("Raw")

    created = requests.post(sf_proxy.url + "/Account", json={"Name": name}, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    record_id = created.json()["id"]
    assert created.json()["success"] is True
    _assert_checksum(record_id)

    read = requests.get(sf_proxy.url + "/Account/" + record_id, headers=headers, timeout=30)
    assert read.status_code == 200
    assert read.json()["attributes"]["type"] == "Account"
    assert read.json()["Name"] == name
    assert read.headers["Sforce-Limit-Info"].startswith("api-usage=")

    upstream.reset_calls()
    updated = requests.patch(sf_proxy.url + "/Account/" + record_id, json={"Phone": "555-0100"}, headers=headers,
                             timeout=30)
    assert updated.status_code == 204
    assert updated.content == b""
    assert [call["method"] for call in _record_calls(upstream, "PATCH")] == ["PATCH"]

    deleted = requests.delete(sf_proxy.url + "/Account/" + record_id, headers=headers, timeout=30)
    assert deleted.status_code == 204
    assert deleted.content == b""

    gone = requests.get(sf_proxy.url + "/Account/" + record_id, headers=headers, timeout=30)
    assert gone.status_code == 404
    assert gone.json()[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_clay_dialect_crud(sf_proxy, sf_bearer, upstream):
    headers = _headers(sf_bearer, "clay")
    name = _unique("Clay")

    created = requests.post(sf_proxy.url + "/Account", json={"Name": name, "Industry": "Energy"}, headers=headers,
                            timeout=30)
    assert created.status_code == 200, created.text
    record_id = created.json()["Id"]
    _assert_checksum(record_id)
    assert created.json()["Industry"] == "Energy"

    upstream.reset_calls()
    updated = requests.put(sf_proxy.url + "/Account/" + record_id, json={"Phone": "555-0101"}, headers=headers,
                           timeout=30)
    assert updated.status_code == 200, updated.text
    assert updated.json() == {"Id": record_id}
    assert [call["method"] for call in _record_calls(upstream, "PUT")] == []
    assert [call["body"] for call in _record_calls(upstream, "PATCH")] == ['{"Phone":"555-0101"}']

    listed = requests.get(sf_proxy.url + "/Account", params={"query": "SELECT Id, Phone FROM Account WHERE Name = '%s'"
                                                              % name}, headers=headers, timeout=30)
    assert listed.status_code == 200
    assert [record["Phone"] for record in listed.json()] == ["555-0101"]

    deleted = requests.delete(sf_proxy.url + "/Account/" + record_id, headers=headers, timeout=30)
    assert deleted.status_code < 300


def test_backbone_dialect_saves_what_it_read(sf_proxy, sf_bearer, upstream):
    headers = _headers(sf_bearer, "backbone")
    name = _unique("Backbone")

    created = requests.post(sf_proxy.url + "/accounts", json={"Name": name, "BillingCity": "Zürich"},
                            headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    model = created.json()
    assert model["id"] == model["Id"]
    assert model["BillingAddress"]["city"] == "Zürich"
    assert "attributes" not in model

    # A full-model PUT carries Id, system fields and the compound address back.
    model["Phone"] = "555-0102"
    upstream.reset_calls()
    saved = requests.put(sf_proxy.url + "/accounts/" + model["Id"], json=model, headers=headers, timeout=30)
    assert saved.status_code == 200, saved.text
    assert saved.json()["Phone"] == "555-0102"
    assert saved.json()["LastModifiedDate"] > model["LastModifiedDate"]
    patches = _record_calls(upstream, "PATCH")
    assert len(patches) == 1
    for read_only in ("Id", "CreatedDate", "BillingAddress", "SystemModstamp", "IsDeleted"):
        assert '"%s"' % read_only not in patches[0]["body"]

    deleted = requests.delete(sf_proxy.url + "/accounts/" + model["Id"], headers=headers, timeout=30)
    assert deleted.status_code == 204


def test_ember_dialect_custom_object(sf_proxy, sf_bearer):
    headers = _headers(sf_bearer, "ember")

    created = requests.post(sf_proxy.url + "/invoiceCs", json={"invoiceC": {"amountC": 100, "dueDateC":
                                                                             "2025-03-01T00:00:00.000Z"}},
                            headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    invoice = created.json()["invoiceC"]
    _assert_checksum(invoice["id"])
    assert invoice["name"].startswith("INV-")
    assert invoice["dueDateC"] == "2025-03-01"
    assert invoice["totalWithTaxC"] == 120.0

    # Ember sends every attribute back, the auto number and the formula included.
    invoice["amountC"] = 200
    updated = requests.put(sf_proxy.url + "/invoiceCs/" + invoice["id"], json={"invoiceC": invoice},
                           headers=headers, timeout=30)
    assert updated.status_code == 200, updated.text
    assert updated.json()["invoiceC"]["totalWithTaxC"] == 240.0

    listed = requests.get(sf_proxy.url + "/invoiceCs", params={"filter[amountC]": "200"}, headers=headers,
                          timeout=30)
    assert listed.status_code == 200, listed.text
    assert invoice["id"] in [item["id"] for item in listed.json()["invoiceCs"]]

    deleted = requests.delete(sf_proxy.url + "/invoiceCs/" + invoice["id"], headers=headers, timeout=30)
    assert deleted.status_code == 204


def test_jsonapi_dialect_crud(sf_proxy, sf_bearer):
    headers = _headers(sf_bearer, "jsonapi", **{"Content-Type": JSONAPI, "Accept": JSONAPI})
    name = _unique("JSON:API")

    created = requests.post(sf_proxy.url + "/contact-roles", data=_jsonapi_body("contact-roles", {"Name": name,
                                                                                                   "Role__c": "Buyer"}),
                            headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    assert created.headers["Content-Type"] == JSONAPI
    resource = created.json()["data"]
    assert resource["type"] == "contact-roles"
    assert resource["attributes"]["Role__c"] == "Buyer"
    assert created.headers["Location"] == "/contact-roles/" + resource["id"]

    updated = requests.patch(sf_proxy.url + "/contact-roles/" + resource["id"],
                             data=_jsonapi_body("contact-roles", {"Role__c": "Champion"}, resource["id"]),
                             headers=headers, timeout=30)
    assert updated.status_code == 200, updated.text
    assert updated.json()["data"]["attributes"]["Role__c"] == "Champion"
    assert updated.json()["data"]["attributes"]["Name"] == name

    deleted = requests.delete(sf_proxy.url + "/contact-roles/" + resource["id"], headers=headers, timeout=30)
    assert deleted.status_code == 204

    gone = requests.get(sf_proxy.url + "/contact-roles/" + resource["id"], headers=headers, timeout=30)
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["code"] == "ENTITY_IS_DELETED"


def _jsonapi_body(resource_type: str, attributes: dict, resource_id: str = None) -> bytes:
    import json

    data = {"type": resource_type, "attributes": attributes}
    if resource_id:
        data["id"] = resource_id
    return json.dumps({"data": data}).encode("utf-8")


@pytest.mark.parametrize("record_id_length", [15, 18])
def test_read_by_15_or_18_character_id(sf_proxy, sf_bearer, record_id_length):
    headers = _headers(sf_bearer, "backbone")
    created = requests.post(sf_proxy.url + "/Account", json={"Name": _unique("Id form")}, headers=headers, timeout=30)
    record_id = created.json()["Id"]

    read = requests.get(sf_proxy.url + "/Account/" + record_id[:record_id_length], headers=headers, timeout=30)

    assert read.status_code == 200, read.text
    assert read.json()["Id"] == record_id
    requests.delete(sf_proxy.url + "/Account/" + record_id, headers=headers, timeout=30)


def test_selected_fields_keep_id(sf_proxy, sf_bearer):
    headers = _headers(sf_bearer, "ember")
    created = requests.post(sf_proxy.url + "/accounts", json={"account": {"name": _unique("Fields"), "phone": "1"}},
                            headers=headers, timeout=30)
    record_id = created.json()["account"]["id"]

    read = requests.get(sf_proxy.url + "/accounts/" + record_id, params={"fields": "name,phone"}, headers=headers,
                        timeout=30)

    assert read.status_code == 200, read.text
    assert read.json()["account"]["id"] == record_id
    assert read.json()["account"]["phone"] == "1"
    requests.delete(sf_proxy.url + "/accounts/" + record_id, headers=headers, timeout=30)


def test_ember_contact_with_parent_and_date(sf_proxy, sf_bearer):
    headers = _headers(sf_bearer, "ember")
    account = requests.post(sf_proxy.url + "/accounts", json={"account": {"name": _unique("Parent")}},
                            headers=headers, timeout=30).json()["account"]

    created = requests.post(sf_proxy.url + "/contacts", json={"contact": {
        "firstName": "Grace", "lastName": "Hopper", "name": "ignored full name",
        "birthdate": "1906-12-09T00:00:00.000Z", "account": account["id"],
    }}, headers=headers, timeout=30)

    assert created.status_code == 201, created.text
    contact = created.json()["contact"]
    assert contact["name"] == "Grace Hopper"
    assert contact["birthdate"] == "1906-12-09"
    assert contact["accountId"] == account["id"]
    requests.delete(sf_proxy.url + "/contacts/" + contact["id"], headers=headers, timeout=30)
    requests.delete(sf_proxy.url + "/accounts/" + account["id"], headers=headers, timeout=30)


def test_jsonapi_relationship_sets_reference(sf_proxy, sf_bearer):
    headers = _headers(sf_bearer, "jsonapi", **{"Content-Type": JSONAPI, "Accept": JSONAPI})
    account_id = requests.post(sf_proxy.url + "/Account", json={"Name": _unique("Related")},
                               headers=_headers(sf_bearer, "salesforce"), timeout=30).json()["id"]
    body = {"data": {"type": "invoices", "attributes": {"Amount__c": 5},
                     "relationships": {"Account__r": {"data": {"type": "accounts", "id": account_id}}}}}

    created = requests.post(sf_proxy.url + "/invoices", json=body, headers=headers, timeout=30)

    assert created.status_code == 201, created.text
    assert created.json()["data"]["attributes"]["Account__c"] == account_id
    requests.delete(sf_proxy.url + "/invoices/" + created.json()["data"]["id"], headers=headers, timeout=30)
