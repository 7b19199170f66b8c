"""Ember Data models for Salesforce custom objects, in Chromium, against the ember dialect.

The second Salesforce stand-in has the custom objects Invoice__c (auto-number
Name, a currency, a date, a boolean, a read-only formula and an Account__c
lookup) and Contact_Role__c.  Ember models named ``invoice`` and
``contact-role`` reach them as ``/invoices`` and ``/contactRoles``, with
attributes such as ``amountC`` and a ``belongsTo`` named ``accountC``.  The
page authenticates with a sealed session in ``Authorization: Bearer``.
"""

import json
import pathlib
import re
import urllib.parse
import uuid

import pytest

pytestmark = pytest.mark.slow

SCRIPT = pathlib.Path(__file__).resolve().parent / "ember_data.js"
INVOICE_ID = re.compile(r"^a0B[A-Za-z0-9]{15}$")
CONTACT_ROLE_ID = re.compile(r"^a0C[A-Za-z0-9]{15}$")
SOBJECTS = "/services/data/v62.0/sobjects/"


@pytest.fixture(scope="module")
def run(run_node, custom_objects_proxy, custom_objects_upstream, custom_objects_bearer, ember_pages):
    """The page's report and the stand-in instance's call log, from one Chromium run."""
    run_id = uuid.uuid4().hex[:8]
    port = urllib.parse.urlsplit(custom_objects_proxy.url).port
    report = run_node(SCRIPT, env={
        "SCENARIO": "customObjects", "PROXY_URL": "http://proxy.app.test:%d" % port,
        "APP_URL": ember_pages.origin, "BEARER": custom_objects_bearer, "RUN_ID": run_id,
    }, timeout=240)
    return {"report": report, "calls": custom_objects_upstream.calls("instance"), "run_id": run_id}


def value_of(run, name):
    step = run["report"]["scenario"][name]
    assert step["ok"], "the %s step failed in the page: %r" % (name, step.get("error"))
    return step["value"]


def only_request(run, method, path, query=""):
    found = [r for r in run["report"]["requests"] if (r["method"], r["path"], r["query"]) == (method, path, query)]
    assert len(found) == 1, "expected one %s %s%s, got %d" % (method, path, query, len(found))
    return found[0]


def only_call(run, method, path):
    found = [call for call in run["calls"] if call["method"] == method and call["path"] == path]
    assert len(found) == 1, "expected one %s %s upstream, got %d" % (method, path, len(found))
    return found[0]


def invoice_id(run):
    created = value_of(run, "createInvoice")
    assert INVOICE_ID.match(created["id"] or ""), created
    return created["id"]


def test_requests_carry_bearer_session(run):
    requests = run["report"]["requests"]

    assert len(requests) >= 10
    for request in requests:
        assert request["headers"].get("authorization", "").startswith("Bearer "), request["path"]
        assert request["headers"].get("x-model-dialect") == "ember", request["path"]


def test_invoice_model_posts_to_invoices(run):
    created = value_of(run, "createInvoice")
    post = only_request(run, "POST", "/invoices")
    sent = json.loads(post["body"])

    assert post["status"] == 201
    assert list(sent) == ["invoice"]
    assert sent["invoice"]["dueDateC"] == "2025-03-31T00:00:00.000Z"
    assert sent["invoice"]["accountC"] == value_of(run, "createAccount")["id"]
    assert list(json.loads(post["responseBody"])) == ["invoice"]
    assert INVOICE_ID.match(created["id"])
    assert created["isNew"] is False


def test_invoice_create_reads_server_values(run):
    created = value_of(run, "createInvoice")

    assert created["name"].startswith("INV-")
    assert created["totalWithTaxC"] == 120
    assert created["paidC"] is False
    assert created["dueDateC"] == "2025-03-31T00:00:00.000Z"
    assert created["accountId"] == value_of(run, "createAccount")["id"]


def test_invoice_create_sends_api_names_and_a_date(run):
    call = only_call(run, "POST", SOBJECTS + "Invoice__c")

    assert json.loads(call["body"]) == {
        "Amount__c": 100, "Due_Date__c": "2025-03-31", "Paid__c": False,
        "Account__c": value_of(run, "createAccount")["id"],
    }


def test_invoice_update_drops_read_only_fields(run):
    record_id = invoice_id(run)
    updated = value_of(run, "updateInvoice")
    put = only_request(run, "PUT", "/invoices/" + record_id)
    patch = only_call(run, "PATCH", SOBJECTS + "Invoice__c/" + record_id)

    assert set(json.loads(put["body"])["invoice"]) == {
        "name", "amountC", "dueDateC", "paidC", "totalWithTaxC", "accountC"}
    assert json.loads(patch["body"]) == {
        "Amount__c": 250, "Due_Date__c": "2025-03-31", "Paid__c": True,
        "Account__c": value_of(run, "createAccount")["id"],
    }
    assert updated["totalWithTaxC"] == 300
    assert updated["hasDirtyAttributes"] is False


def test_invoice_query_by_lookup(run):
    listed = value_of(run, "queryInvoices")
    request = only_request(run, "GET", "/invoices", "?accountC=" + value_of(run, "createAccount")["id"])

    assert request["status"] == 200
    assert listed["ids"] == [invoice_id(run)]
    assert listed["meta"]["totalSize"] == 1


def test_invoice_find_loads_lookup(run):
    found = value_of(run, "findInvoice")

    assert found["sameRecord"] is True
    assert found["amountC"] == 250
    assert found["paidC"] is True
    assert found["accountName"] == "Ember invoices %s" % run["run_id"]


def test_contact_role_model_uses_camel_case_path(run):
    created = value_of(run, "createContactRole")
    post = only_request(run, "POST", "/contactRoles")
    listed = value_of(run, "findAllContactRoles")
    list_body = json.loads(only_request(run, "GET", "/contactRoles")["responseBody"])

    assert list(json.loads(post["body"])) == ["contactRole"]
    assert list(json.loads(post["responseBody"])) == ["contactRole"]
    assert CONTACT_ROLE_ID.match(created["id"])
    assert created["roleC"] == "Champion"
    assert set(list_body) == {"contactRoles", "meta"}
    assert created["id"] in listed["ids"]
    assert json.loads(only_call(run, "POST", SOBJECTS + "Contact_Role__c")["body"]) == {
        "Name": "Ember role %s" % run["run_id"], "Role__c": "Champion"}


def test_destroy_record_deletes_custom_objects(run):
    assert value_of(run, "destroy") == {"isDeleted": [True, True, True]}
    assert only_call(run, "DELETE", SOBJECTS + "Invoice__c/" + invoice_id(run))
    assert only_call(run, "DELETE", SOBJECTS + "Contact_Role__c/" + value_of(run, "createContactRole")["id"])
