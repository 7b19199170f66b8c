"""Records by external id against the second stand-in.

From API 46.0 on, an upsert that updates returns 200 with
``{"id", "success", "errors", "created": false}`` instead of an empty 204,
and a value that matches several records gets 300 with their URLs.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

EXTERNAL = "/Account/AccountNumber__c/"


def _headers(bearer: str, dialect: str, **extra: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + bearer, "X-Model-Dialect": dialect, **extra}


def _upsert_body(dialect: str, fields: dict) -> dict:
    if dialect == "ember":
        return {"account": {key.lower(): value for key, value in fields.items()}}
    if dialect == "jsonapi":
        return {"data": {"type": "accounts", "attributes": fields}}
    return fields


@pytest.mark.parametrize("dialect", ["salesforce", "clay", "backbone", "ember", "jsonapi"])
def test_upsert_creates_then_updates(sf_proxy, sf_bearer, upstream, dialect):
    number = "AN %s+%s" % (dialect, uuid.uuid4().hex[:6])
    url = sf_proxy.url + EXTERNAL + requests.utils.quote(number, safe="")
    media_type = "application/vnd.api+json" if dialect == "jsonapi" else "application/json"
    headers = _headers(sf_bearer, dialect, **{"Content-Type": media_type})

    created = requests.patch(url, data=json.dumps(_upsert_body(dialect, {"Name": "Upsert " + number})),
                             headers=headers, timeout=30)
    assert created.status_code in (200, 201), created.text

    upstream.reset_calls()
    updated = requests.patch(url, data=json.dumps(_upsert_body(dialect, {"Phone": "555-0177"})), headers=headers,
                             timeout=30)
    assert updated.status_code in (200, 204), updated.text
    upserts = [call for call in upstream.calls() if call["method"] == "PATCH"]
    assert len(upserts) == 1
    assert "AccountNumber__c" not in upserts[0]["body"]

    read = requests.get(url, headers=_headers(sf_bearer, "salesforce"), timeout=30)
    assert read.status_code == 200, read.text
    assert read.json()["Phone"] == "555-0177"
    assert read.json()["AccountNumber__c"] == number

    deleted = requests.delete(url, headers=headers, timeout=30)
    assert deleted.status_code < 300


def test_upsert_update_returns_record_id(sf_proxy, sf_bearer):
    number = "AN-" + uuid.uuid4().hex[:8]
    url = sf_proxy.url + EXTERNAL + number
    first = requests.patch(url, json={"Name": "Upsert id"}, headers=_headers(sf_bearer, "salesforce"), timeout=30)
    record_id = first.json()["id"]

    clay = requests.patch(url, json={"Phone": "1"}, headers=_headers(sf_bearer, "clay"), timeout=30)
    backbone = requests.patch(url, json={"Phone": "2"}, headers=_headers(sf_bearer, "backbone"), timeout=30)

    assert first.status_code == 201
    assert first.json()["created"] is True
    assert clay.status_code == 200
    assert clay.json() == {"Id": record_id}
    assert backbone.status_code == 200
    assert backbone.json()["Id"] == record_id
    assert backbone.json()["Phone"] == "2"
    requests.delete(url, headers=_headers(sf_bearer, "salesforce"), timeout=30)


def test_external_id_matching_several_records(sf_proxy, sf_bearer):
    number = "AN-dup-" + uuid.uuid4().hex[:6]
    headers = _headers(sf_bearer, "salesforce")
    ids = [requests.post(sf_proxy.url + "/Account", json={"Name": "Dup %d" % n, "AccountNumber__c": number},
                         headers=headers, timeout=30).json()["id"] for n in range(2)]

    response = requests.get(sf_proxy.url + EXTERNAL + number, headers=headers, timeout=30)

    assert response.status_code == 300
    assert response.json()[0]["errorCode"] == "MULTIPLE_CHOICES"
    for record_id in ids:
        assert record_id in response.json()[0]["message"]
        requests.delete(sf_proxy.url + "/Account/" + record_id, headers=headers, timeout=30)


def test_unknown_external_id_field(sf_proxy, sf_bearer):
    response = requests.get(sf_proxy.url + "/Account/Phone/555", headers=_headers(sf_bearer, "jsonapi"), timeout=30)

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NOT_FOUND"
