"""Record routes through the running proxy: create, read, update, delete, external ids and input checks."""

import json
import uuid

import pytest
import requests

API = "/services/data/v62.0"
SALESFORCE_SHAPES = {"X-Model-Dialect": "salesforce"}


def auth(sealed, **headers):
    return dict(SALESFORCE_SHAPES, Authorization="Bearer " + sealed, **headers)


def unique_name(prefix="tornsf test"):
    return "%s %s" % (prefix, uuid.uuid4().hex[:10])


def create_account(proxy, sealed, fields):
    response = requests.post(proxy.url + "/Account", json=fields, headers=auth(sealed), timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def calls_to(sandbox, method, path):
    return [entry for entry in sandbox.calls()["log"] if entry["method"] == method and entry["path"] == path]


def test_record_lifecycle(proxy, sandbox, bearer):
    name = unique_name()
    record_id = create_account(proxy, bearer, {"Name": name, "Industry": "Energy"})
    url = proxy.url + "/Account/" + record_id

    read = requests.get(url, params={"fields": "Name,Industry"}, headers=auth(bearer), timeout=30)
    assert read.status_code == 200
    assert read.json()["Name"] == name
    assert read.json()["Industry"] == "Energy"

    patched = requests.patch(url, json={"Name": name + " patched"}, headers=auth(bearer), timeout=30)
    assert patched.status_code == 204
    put = requests.put(url, json={"Industry": "Retail", "Id": record_id}, headers=auth(bearer), timeout=30)
    assert put.status_code == 204

    reread = requests.get(url, headers=auth(bearer), timeout=30).json()
    assert reread["Name"] == name + " patched"
    assert reread["Industry"] == "Retail"

    deleted = requests.delete(url, headers=auth(bearer), timeout=30)
    assert deleted.status_code == 204
    gone = requests.get(url, headers=auth(bearer), timeout=30)
    assert gone.status_code == 404
    assert gone.json()[0]["errorCode"] in ("ENTITY_IS_DELETED", "NOT_FOUND")


def test_put_is_sent_as_patch(proxy, sandbox, bearer):
    record_id = create_account(proxy, bearer, {"Name": unique_name()})
    sandbox.reset_calls()

    response = requests.put(proxy.url + "/Account/" + record_id, json={"Id": record_id, "Phone": "555"},
                            headers=auth(bearer), timeout=30)

    assert response.status_code == 204
    sent = calls_to(sandbox, "PATCH", "%s/sobjects/Account/%s" % (API, record_id))
    assert len(sent) == 1
    assert json.loads(sent[0]["body"]) == {"Phone": "555"}
    assert sandbox.count("PUT", "/services/") == 0


def test_body_id_of_other_record_rejected(proxy, sandbox, bearer):
    record_id = create_account(proxy, bearer, {"Name": unique_name()})
    sandbox.reset_calls()

    response = requests.patch(proxy.url + "/Account/" + record_id, json={"Id": "001000000000001AAA", "Name": "x"},
                              headers=auth(bearer), timeout=30)

    assert response.status_code == 400
    assert response.json()["error"] == "id_mismatch"
    assert sandbox.calls()["total"] == 0


def test_non_ascii_values_round_trip(proxy, sandbox, bearer):
    name = "Zoë Ñandú 北京 \U0001F680 " + uuid.uuid4().hex[:6]
    sandbox.reset_calls()

    record_id = create_account(proxy, bearer, {"Name": name})

    sent = calls_to(sandbox, "POST", API + "/sobjects/Account")
    assert len(sent) == 1
    assert json.loads(sent[0]["body"])["Name"] == name
    read = requests.get(proxy.url + "/Account/" + record_id, headers=auth(bearer), timeout=30)
    assert read.content.decode("utf-8").count(name) == 1
    assert read.json()["Name"] == name


def test_default_dialect_reads_back_created_record(proxy, sandbox, bearer):
    name = unique_name()
    sandbox.reset_calls()

    response = requests.post(proxy.url + "/Account", json={"Name": name},
                             headers={"Authorization": "Bearer " + bearer}, timeout=30)

    assert response.status_code < 300
    body = response.json()
    assert body["Name"] == name
    record_calls = [(entry["method"], entry["path"]) for entry in sandbox.calls()["log"]
                    if entry["path"].startswith(API + "/sobjects/Account") and not entry["path"].endswith("/describe")]
    assert record_calls == [("POST", API + "/sobjects/Account"), ("GET", API + "/sobjects/Account/" + body["Id"])]


def test_invalid_json_reports_position(proxy, sandbox, bearer):
    sandbox.reset_calls()

    response = requests.post(proxy.url + "/Account", data=b'{"Name": "x",}',
                             headers=auth(bearer, **{"Content-Type": "application/json"}), timeout=30)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"
    assert "column 14" in response.json()["message"]
    assert sandbox.calls()["total"] == 0


def test_form_body_is_unsupported(proxy, sandbox, bearer):
    sandbox.reset_calls()

    response = requests.post(proxy.url + "/Account", data={"Name": "x"}, headers=auth(bearer), timeout=30)

    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert "application/json" in response.json()["message"]
    assert sandbox.calls()["total"] == 0


def test_body_over_limit_is_rejected(proxy, sandbox, bearer):
    sandbox.reset_calls()
    body = json.dumps({"Description": "x" * (1024 * 1024 + 10)})

    response = requests.post(proxy.url + "/Account", data=body,
                             headers=auth(bearer, **{"Content-Type": "application/json"}), timeout=30)

    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    assert sandbox.calls()["total"] == 0


@pytest.mark.parametrize(
    "path, code",
    [
        ("/Account-/001000000000001AAA", "invalid_sobject"),
        ("/1Account/001000000000001AAA", "invalid_sobject"),
        ("/Acc%2Fount", "invalid_sobject"),
        ("/Account/abc", "invalid_id"),
        ("/Account/001000000000001A", "invalid_id"),
        ("/Account/001000000000001%2F..", "invalid_id"),
        ("/Account/..%2F..%2Fquery", "invalid_id"),
        ("/Account/001000000000001AAA?fields=Name%2COwner%3Bx", "invalid_fields"),
        ("/Account/Ext-Id/abc", "invalid_field"),
        ("/Account/ExtId__c/a%2Fb", "invalid_external_id"),
        ("/Account/ExtId__c/%2E%2E", "invalid_external_id"),
        ("/Account/ExtId__c/a%3Fq%3Dx", "invalid_external_id"),
        ("/Account/ExtId__c/a%23b", "invalid_external_id"),
        ("/Account/ExtId__c/a%5Cb", "invalid_external_id"),
        ("/Account/ExtId__c/a%0Ab", "invalid_external_id"),
    ],
)
def test_invalid_path_makes_no_call(proxy, sandbox, bearer, path, code):
    sandbox.reset_calls()

    response = requests.get(proxy.url + path, headers=auth(bearer), timeout=30)

    assert response.status_code == 400
    assert response.json()["error"] == code
    assert sandbox.calls()["total"] == 0


def test_login_required_without_session(proxy, sandbox):
    response = requests.get(proxy.url + "/Account/001000000000001AAA", headers=SALESFORCE_SHAPES, timeout=30)

    assert response.status_code == 401
    assert response.json()["error"] == "login_required"
    assert sandbox.calls()["total"] == 0


@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
def test_external_id_value_is_one_segment(proxy, sandbox, bearer, method):
    sandbox.reset_calls()
    body = {"Name": "upsert", "ExtId__c": "ignored"} if method in ("PATCH", "PUT") else None

    response = requests.request(method, proxy.url + "/Account/ExtId__c/a b+%C3%A9@x.com", json=body,
                                headers=auth(bearer), timeout=30)

    upstream = "PATCH" if method == "PUT" else method
    sent = calls_to(sandbox, upstream, API + "/sobjects/Account/ExtId__c/a%20b%2B%C3%A9%40x.com")
    assert len(sent) == 1
    if body is not None:
        assert json.loads(sent[0]["body"]) == {"Name": "upsert"}
    if response.status_code >= 400:
        # A Salesforce error keeps Salesforce's status and code.
        assert response.json()[0]["errorCode"] in ("NOT_FOUND", "INVALID_FIELD")


def test_request_headers_reach_salesforce(proxy, sandbox, bearer):
    sandbox.reset_calls()
    headers = auth(bearer, **{
        "Sforce-Auto-Assign": "FALSE",
        "Sforce-Call-Options": "client=tornsf-test",
        "Sforce-Query-Options": "batchSize=300",
        "Connection": "keep-alive",
        "X-Forwarded-For": "10.1.2.3",
    })

    response = requests.post(proxy.url + "/Account", json={"Name": unique_name()}, headers=headers, timeout=30)

    assert response.status_code == 201
    sent = {name.lower(): value for name, value in calls_to(sandbox, "POST", API + "/sobjects/Account")[0]["headers"].items()}
    assert sent["sforce-auto-assign"] == "FALSE"
    assert sent["sforce-call-options"] == "client=tornsf-test"
    assert sent["sforce-query-options"] == "batchSize=300"
    assert sent["authorization"] == "<redacted>"
    assert "gzip" in sent["accept-encoding"]
    assert "x-forwarded-for" not in sent
    assert "cookie" not in sent


def test_response_headers_from_salesforce(proxy, sandbox, bearer):
    record_id = create_account(proxy, bearer, {"Name": unique_name()})

    response = requests.get(proxy.url + "/Account/" + record_id, headers=auth(bearer), timeout=30)

    assert response.status_code == 200
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")
    assert "Set-Cookie" not in response.headers


def test_routes_under_api_prefix(proxy_factory, sandbox):
    prefixed = proxy_factory(environ={"API_PREFIX": "/api"})
    login = requests.post(prefixed.url + "/login/password", json={"username": "demo@example.com", "password": "demo1234"},
                          headers={"Accept": "application/json"}, timeout=30)
    sealed = login.json()["session"]
    sandbox.reset_calls()

    # The worker has no describe cached yet: the id check must still come first.
    invalid = requests.get(prefixed.url + "/api/Account/abc", headers=auth(sealed), timeout=30)
    assert invalid.status_code == 400
    bad_limit = requests.get(prefixed.url + "/api/Account", params={"q": "SELECT Id FROM Account", "maxFetch": "0"},
                             headers=auth(sealed), timeout=30)
    assert bad_limit.status_code == 400
    assert sandbox.calls()["total"] == 0

    query = requests.get(prefixed.url + "/api/Account", params={"q": "SELECT Id FROM Account LIMIT 2"},
                         headers=auth(sealed), timeout=30)
    apex = requests.get(prefixed.url + "/api/apex/echo", headers=auth(sealed), timeout=30)
    bare = requests.get(prefixed.url + "/Account", params={"q": "SELECT Id FROM Account LIMIT 1"},
                        headers=auth(sealed), timeout=30)

    assert query.status_code == 200
    assert len(query.json()["records"]) == 2
    assert apex.status_code == 200
    assert apex.json()["path"] == "/services/apexrest/echo"
    assert bare.status_code == 200
