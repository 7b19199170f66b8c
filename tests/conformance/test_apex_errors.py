"""Apex REST and error responses of the second stand-in, through the proxy."""

from __future__ import annotations

import pytest
import requests

from tests.conformance.org import id18


def _headers(bearer: str, dialect: str = "salesforce", **extra: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + bearer, "X-Model-Dialect": dialect, **extra}


def test_apex_get_passes_query_arguments(sf_proxy, sf_bearer, upstream):
    upstream.reset_calls()

    response = requests.get(sf_proxy.url + "/apex/echo", params={"name": "Zürich & Co", "n": "1+1"},
                            headers=_headers(sf_bearer), timeout=30)

    assert response.status_code == 200, response.text
    assert response.json() == {"method": "GET", "params": {"name": "Zürich & Co", "n": "1+1"}}
    apex_calls = [call for call in upstream.calls() if call["path"].startswith("/services/apexrest/")]
    assert [call["host"] for call in apex_calls] == ["instance"]


def test_apex_post_body_reaches_parameters(sf_proxy, sf_bearer):
    response = requests.post(sf_proxy.url + "/apex/echo", json={"message": "hello", "count": 2},
                             headers=_headers(sf_bearer), timeout=30)

    assert response.status_code == 200, response.text
    assert response.json() == {"method": "POST", "message": "hello", "count": 2}
    assert response.headers["Content-Type"].startswith("application/json")


def test_apex_unknown_parameter_is_salesforce_error(sf_proxy, sf_bearer):
    response = requests.patch(sf_proxy.url + "/apex/echo", json={"mesage": "typo"}, headers=_headers(sf_bearer),
                              timeout=30)

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_apex_wildcard_mapping(sf_proxy, sf_bearer):
    headers = _headers(sf_bearer, "backbone")
    account = requests.post(sf_proxy.url + "/Account", json={"Name": "Apex totals"}, headers=headers, timeout=30)
    account_id = account.json()["Id"]
    for amount in (10, 32.5):
        created = requests.post(sf_proxy.url + "/Invoice__c", json={"Amount__c": amount, "Account__c": account_id},
                                headers=headers, timeout=30)
        assert created.status_code == 201, created.text

    response = requests.get(sf_proxy.url + "/apex/InvoiceTotals/" + account_id, params={"currency": "CHF"},
                            headers=headers, timeout=30)

    assert response.status_code == 200, response.text
    assert response.json() == {"accountId": account_id, "count": 2, "total": 42.5, "currency": "CHF"}


def test_apex_text_response_passes_through(sf_proxy, sf_bearer):
    response = requests.get(sf_proxy.url + "/apex/plain", headers=_headers(sf_bearer, "jsonapi"), timeout=30)

    assert response.status_code == 202
    assert response.headers["Content-Type"] == "text/plain;charset=UTF-8"
    assert response.content.decode("utf-8") == "Accepted by Apex: ünïcode ✓"


def test_apex_own_error_passes_through(sf_proxy, sf_bearer):
    response = requests.post(sf_proxy.url + "/apex/rejecting", json={}, headers=_headers(sf_bearer, "ember"),
                             timeout=30)

    assert response.status_code == 409
    assert response.json() == {"accepted": False, "reason": "duplicate order"}


@pytest.mark.parametrize("dialect", ["salesforce", "clay", "backbone"])
def test_apex_unhandled_exception(sf_proxy, sf_bearer, dialect):
    response = requests.get(sf_proxy.url + "/apex/failing", headers=_headers(sf_bearer, dialect), timeout=30)

    assert response.status_code == 500
    assert response.json()[0]["errorCode"] == "APEX_ERROR"
    assert response.json()[0]["message"].startswith("System.NullPointerException")


def test_apex_unknown_mapping(sf_proxy, sf_bearer):
    response = requests.get(sf_proxy.url + "/apex/nothing/here", headers=_headers(sf_bearer, "jsonapi"), timeout=30)

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NOT_FOUND"
    assert response.json()["errors"][0]["detail"] == "Could not find a match for URL"


def test_apex_verb_not_defined(sf_proxy, sf_bearer):
    response = requests.delete(sf_proxy.url + "/apex/plain", headers=_headers(sf_bearer), timeout=30)

    assert response.status_code == 405
    assert response.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_required_field_error_per_dialect(sf_proxy, sf_bearer):
    bodies = {"salesforce": {"Phone": "1"}, "clay": {"Phone": "1"}, "backbone": {"Phone": "1"},
              "ember": {"account": {"phone": "1"}}}

    for dialect, body in bodies.items():
        response = requests.post(sf_proxy.url + "/accounts", json=body, headers=_headers(sf_bearer, dialect),
                                 timeout=30)
        if dialect == "ember":
            assert response.status_code == 422, response.text
            assert response.json()["errors"][0]["source"] == {"pointer": "/data/attributes/name"}
        else:
            assert response.status_code == 400, response.text
            assert response.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
            assert response.json()[0]["fields"] == ["Name"]


def test_error_without_fields_key(sf_proxy, sf_bearer):
    response = requests.get(sf_proxy.url + "/Account", params={"q": "SELECT Nope FROM Account"},
                            headers=_headers(sf_bearer, "ember"), timeout=30)

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "INVALID_FIELD"
    assert "No such column 'Nope'" in error["detail"]


def test_malformed_query_in_jsonapi(sf_proxy, sf_bearer):
    response = requests.get(sf_proxy.url + "/accounts", params={"q": "SELEKT Id FROM Account"},
                            headers=_headers(sf_bearer, "jsonapi"), timeout=30)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "MALFORMED_QUERY"
    assert response.json()["errors"][0]["source"] == {"parameter": "q"}


def test_unknown_record_is_404(sf_proxy, sf_bearer):
    response = requests.get(sf_proxy.url + "/Account/" + id18("001Hp00000ZZZZZ"),
                            headers=_headers(sf_bearer, "backbone"), timeout=30)

    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_unknown_object_is_404(sf_proxy, sf_bearer, upstream):
    upstream.reset_calls()

    response = requests.get(sf_proxy.url + "/Widgets", params={"q": "SELECT Id FROM Account"},
                            headers=_headers(sf_bearer), timeout=30)

    assert response.status_code == 404
    assert response.json()["error"] == "unknown_sobject"
    assert not [call for call in upstream.calls() if "/query" in call["path"]]


def test_null_key_prefix_objects_resolve(sf_proxy, sf_bearer):
    response = requests.get(sf_proxy.url + "/invoices", params={"q": "SELECT Id FROM Invoice__c LIMIT 1"},
                            headers=_headers(sf_bearer, "clay"), timeout=30)

    assert response.status_code == 200, response.text
    assert isinstance(response.json(), list)


def test_limit_info_reaches_client(sf_proxy, sf_bearer):
    response = requests.get(sf_proxy.url + "/Account", params={"q": "SELECT Id FROM Account LIMIT 1"},
                            headers=_headers(sf_bearer, "clay"), timeout=30)

    assert response.status_code == 200
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")
    assert "/15000; per-app-api-usage=" in response.headers["Sforce-Limit-Info"]
    assert response.headers["Sforce-Limit-Info"].endswith("(appName=tornsf-conformance)")
