"""Ember Data's RESTAdapter, RESTSerializer and Store in Chromium, against the ember dialect.

One Chromium run (``ember_data.js``) logs in through the sandbox org's form,
opens ``page/index.html`` on the app's origin and runs ``app/scenario.js``:
findAll, query, findRecord, create, update, invalid saves, a contact that
belongsTo an account, and destroyRecord, all through the real library.  The
tests below check the page's report, the requests the library sent to the
proxy, and the calls the proxy made to the sandbox org.
"""

import json
import pathlib
import re
import urllib.parse
import uuid

import pytest

from tests.browser.conftest import PASSWORD, USERNAME

pytestmark = pytest.mark.slow

SCRIPT = pathlib.Path(__file__).resolve().parent / "ember_data.js"
ACCOUNT_ID = re.compile(r"^001[A-Za-z0-9]{15}$")
CONTACT_ID = re.compile(r"^003[A-Za-z0-9]{15}$")
SOBJECTS = "/services/data/v62.0/sobjects/"

# Every Account attribute the model declares, as API names, except CreatedDate, which is not writable.
ACCOUNT_WRITABLE = {"Name", "Phone", "BillingCity", "Industry", "NumberOfEmployees"}


@pytest.fixture(scope="module")
def run(run_node, ember_proxy, ember_pages):
    """The page's report and the sandbox org's call log, from one Chromium run."""
    run_id = uuid.uuid4().hex[:8]
    report = run_node(SCRIPT, env={
        "SCENARIO": "sandbox", "PROXY_URL": ember_proxy.browser_url, "APP_URL": ember_pages.origin,
        "SF_USERNAME": USERNAME, "SF_PASSWORD": PASSWORD, "RUN_ID": run_id,
    }, timeout=240)
    return {"report": report, "calls": ember_proxy.sandbox_calls()["log"], "run_id": run_id}


def value_of(run, name):
    step = run["report"]["scenario"][name]
    assert step["ok"], "the %s step failed in the page: %r" % (name, step.get("error"))
    return step["value"]


def error_of(run, name):
    step = run["report"]["scenario"][name]
    assert not step["ok"], "the %s step resolved with %r, expected a rejection" % (name, step.get("value"))
    return step["error"]


def requests_to(run, method, path):
    """The page's requests to the proxy with this method and path (query string aside)."""
    return [r for r in run["report"]["requests"] if r["method"] == method and r["path"] == path]


def only_request(run, method, path, **match):
    candidates = requests_to(run, method, path)
    found = [r for r in candidates if all(r[key] == value for key, value in match.items())]
    assert len(found) == 1, "expected one %s %s with %r among %r" % (
        method, path, match, [(r["query"], r["status"]) for r in candidates])
    return found[0]


def query_of(request):
    return urllib.parse.parse_qs(request["query"].lstrip("?"))


def sandbox_calls(run, method, path):
    return [call for call in run["calls"] if call["method"] == method and call["path"] == path]


def account_id(run):
    created = value_of(run, "create")
    assert ACCOUNT_ID.match(created["id"] or ""), created
    return created["id"]


def test_login_lands_on_ember_page(run, ember_pages):
    assert run["report"]["landedOn"].startswith(ember_pages.origin + "/index.html")


def test_requests_carry_dialect_and_cookie(run):
    requests = run["report"]["requests"]

    assert len(requests) >= 15
    for request in requests:
        assert request["headers"].get("x-model-dialect") == "ember", request
        assert "tornsf_session=" in request["headers"].get("cookie", ""), request


def test_payload_keys_match_models(run):
    messages = [message["text"] for message in run["report"]["console"]]

    assert not [text for text in messages if "no model was found" in text]
    assert not [m for m in run["report"]["console"] if m["type"] == "pageerror"]


def test_belongs_to_fetches_account(run):
    loaded = value_of(run, "loadRelated")
    contacts = json.loads(only_request(run, "GET", "/contacts", query="?limit=10&sort=lastName")["responseBody"])
    contact = next(record for record in contacts["contacts"] if record["id"] == loaded["contactId"])
    fetch = only_request(run, "GET", "/accounts/" + loaded["accountId"])

    assert contact["accountId"] == loaded["accountId"]
    assert ACCOUNT_ID.match(loaded["accountId"])
    assert loaded["loadedId"] == loaded["accountId"]
    assert loaded["loadedName"] == json.loads(fetch["responseBody"])["account"]["name"]
    assert loaded["loadedName"]


def test_find_all_loads_accounts(run):
    listed = value_of(run, "findAll")
    request = only_request(run, "GET", "/accounts", query="")
    body = json.loads(request["responseBody"])

    assert listed["count"] > 1
    assert listed["count"] == body["meta"]["totalSize"]
    assert len(set(listed["ids"])) == listed["count"]
    assert all(ACCOUNT_ID.match(record_id) for record_id in listed["ids"])
    assert all(isinstance(name, str) and name for name in listed["names"])
    assert len(listed["industries"]) > 2


def test_query_with_filter_object(run):
    listed = value_of(run, "queryFilter")
    request = only_request(run, "GET", "/accounts", query="?filter%5Bindustry%5D=Energy")

    assert request["status"] == 200
    assert listed["industries"] == ["Energy"]
    assert 0 < listed["count"] < value_of(run, "findAll")["count"]
    assert listed["meta"] == {"totalSize": listed["count"], "returnedSize": listed["count"], "done": True}


def test_query_with_array_and_sort(run):
    listed = value_of(run, "queryPlain")
    requests = [r for r in requests_to(run, "GET", "/accounts") if "sort" in query_of(r)]

    assert len(requests) == 1
    assert query_of(requests[0]) == {"industry[]": ["Energy", "Banking"], "sort": ["-createdDate"]}
    assert set(listed["industries"]) == {"Energy", "Banking"}
    assert listed["count"] > value_of(run, "queryFilter")["count"]
    assert listed["createdDates"] == sorted(listed["createdDates"], reverse=True)
    assert listed["meta"]["totalSize"] == listed["count"]


def test_create_returns_fresh_id(run):
    created = value_of(run, "create")
    request = only_request(run, "POST", "/accounts", status=201)

    assert ACCOUNT_ID.match(created["id"])
    assert created["isNew"] is False
    assert created["hasDirtyAttributes"] is False
    assert created["name"] == "Ember account %s" % run["run_id"]
    assert created["billingCity"] == "Paris"
    assert created["numberOfEmployees"] == 12
    assert created["createdDate"].startswith("20")
    assert json.loads(request["body"])["account"]["name"] == created["name"]


def test_create_sends_createable_fields(run):
    calls = [c for c in sandbox_calls(run, "POST", SOBJECTS + "Account") if "Ember account" in c["body"]]

    assert len(calls) == 1
    body = json.loads(calls[0]["body"])
    assert set(body) == ACCOUNT_WRITABLE
    assert body["Name"] == "Ember account %s" % run["run_id"]


def test_find_record_reloads_record(run):
    record_id = account_id(run)
    found = value_of(run, "findRecord")

    assert found["sameRecord"] is True
    assert found["id"] == record_id
    assert found["industry"] == "Energy"
    assert found["createdDate"] == value_of(run, "create")["createdDate"]
    assert len(requests_to(run, "GET", "/accounts/" + record_id)) >= 2


def test_update_patches_writable_fields(run):
    record_id = account_id(run)
    updated = value_of(run, "update")
    put = only_request(run, "PUT", "/accounts/" + record_id, status=200)
    patches = [c for c in sandbox_calls(run, "PATCH", SOBJECTS + "Account/" + record_id)
               if json.loads(c["body"])["Name"] is not None]

    # Ember sends the whole record, the read-only createdDate included.
    assert set(json.loads(put["body"])["account"]) == {
        "name", "phone", "billingCity", "industry", "numberOfEmployees", "createdDate"}
    assert len(patches) == 1
    body = json.loads(patches[0]["body"])
    assert set(body) == ACCOUNT_WRITABLE
    assert body["Name"] == "Ember account %s renamed" % run["run_id"]
    assert body["Phone"] == "555-0199"
    assert updated["hasDirtyAttributes"] is False


def test_update_is_stored(run):
    found = value_of(run, "findAfterUpdate")

    assert found["name"] == "Ember account %s renamed" % run["run_id"]
    assert found["phone"] == "555-0199"


def test_invalid_create_errors_on_name(run):
    outcome = value_of(run, "invalidCreate")
    request = only_request(run, "POST", "/accounts", status=422)

    assert outcome["rejection"]["isAdapterError"] is True
    assert outcome["rejection"]["message"] == "The adapter rejected the commit because it was invalid"
    assert outcome["isValid"] is False
    assert outcome["isNew"] is True
    assert outcome["errorCount"] == 1
    assert outcome["baseErrors"] == []
    assert len(outcome["nameErrors"]) == 1
    assert outcome["nameErrors"][0]["attribute"] == "name"
    assert "Name" in outcome["nameErrors"][0]["message"]
    assert json.loads(request["body"])["account"]["name"] is None


def test_invalid_update_errors_on_name(run):
    outcome = value_of(run, "invalidUpdate")
    only_request(run, "PUT", "/accounts/" + account_id(run), status=422)

    assert outcome["isValid"] is False
    assert [error["attribute"] for error in outcome["nameErrors"]] == ["name"]
    assert outcome["errorCount"] == 1
    assert outcome["nameAfterRollback"] == "Ember account %s renamed" % run["run_id"]


def test_contact_saves_belongs_to_account(run):
    created = value_of(run, "createContact")

    post = only_request(run, "POST", "/contacts", status=201)

    assert CONTACT_ID.match(created["id"])
    assert created["isNew"] is False
    assert created["name"] == "Ada Ember %s" % run["run_id"]
    # The belongsTo relationship goes out and comes back as accountId.
    assert json.loads(post["body"])["contact"]["accountId"] == account_id(run)
    assert created["accountId"] == account_id(run)
    assert created["relatedIsSameRecord"] is True


def test_query_contacts_by_account(run):
    listed = value_of(run, "queryContacts")
    request = only_request(run, "GET", "/contacts", query="?accountId=" + account_id(run))

    assert request["status"] == 200
    assert listed["ids"] == [value_of(run, "createContact")["id"]]
    assert listed["lastNames"] == ["Ember %s" % run["run_id"]]
    assert listed["accountIds"] == [account_id(run)]
    assert listed["meta"]["totalSize"] == 1


def test_contact_update_drops_name(run):
    contact_id = value_of(run, "createContact")["id"]
    updated = value_of(run, "updateContact")
    put = only_request(run, "PUT", "/contacts/" + contact_id)
    patches = sandbox_calls(run, "PATCH", SOBJECTS + "Contact/" + contact_id)

    assert json.loads(put["body"])["contact"]["name"] == "Ada Ember %s" % run["run_id"]
    assert len(patches) == 1
    assert json.loads(patches[0]["body"]) == {
        "FirstName": "Grace", "LastName": "Ember %s" % run["run_id"], "AccountId": account_id(run)}
    assert updated["name"] == "Grace Ember %s" % run["run_id"]


def test_destroy_record_deletes_records(run):
    record_id = account_id(run)
    contact_id = value_of(run, "createContact")["id"]

    assert value_of(run, "destroyContact")["isDeleted"] is True
    assert value_of(run, "destroy") == {"id": record_id, "isDeleted": True}
    assert only_request(run, "DELETE", "/accounts/" + record_id)["status"] == 204
    assert only_request(run, "DELETE", "/contacts/" + contact_id)["status"] == 204
    assert len(sandbox_calls(run, "DELETE", SOBJECTS + "Account/" + record_id)) == 1
    assert len(sandbox_calls(run, "DELETE", SOBJECTS + "Contact/" + contact_id)) == 1


def test_deleted_record_is_not_found(run):
    error = error_of(run, "findDeleted")
    request = requests_to(run, "GET", "/accounts/" + account_id(run))[-1]

    assert error["isAdapterError"] is True
    assert request["status"] == 404
    assert [item["status"] for item in error["errors"]] == ["404"]
