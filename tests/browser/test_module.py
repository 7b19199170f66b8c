"""tornsf.js in real Chromium, imported by a page on another origin.

One Chromium run (``tests/node/browser_module.js``) logs in through the
sandbox org's form, then drives the module from a page on an allowed origin
and from one on an origin not in ORIGINS.  It reports every step, and the
tests below check that report and the sandbox org's call log.
"""

import json
import re
import uuid

import pytest

pytestmark = pytest.mark.slow

ID_PATTERN = re.compile(r"^001[A-Za-z0-9]{15}$")


@pytest.fixture(scope="module")
def run(run_browser, large_sandbox_proxy, app_pages, evil_pages):
    """The Chromium report, and the sandbox call log from just after the login."""
    run_id = uuid.uuid4().hex[:8]
    report = run_browser(
        "browser_module.js", large_sandbox_proxy,
        RUN_ID=run_id, APP_URL=app_pages.origin, EVIL_URL=evil_pages.origin,
    )
    calls = large_sandbox_proxy.sandbox_calls()["log"]
    return {"report": report, "calls": calls, "run_id": run_id}


def value_of(step):
    assert step["ok"], "the step failed in the page: %r" % step.get("error")
    return step["value"]


def error_of(step):
    assert not step["ok"], "the step resolved with %r, expected a rejection" % step.get("value")
    return step["error"]


def calls_to(calls, method, path_part):
    return [call for call in calls if call["method"] == method and path_part in call["path"]]


def test_login_returns_to_app_page(run, app_pages):
    assert run["report"]["landedOn"].startswith(app_pages.origin + "/module.html")


def test_session_cookie_is_lax_and_http_only(run):
    cookies = {cookie["name"]: cookie for cookie in run["report"]["cookies"]}

    assert "tornsf_session" in cookies
    assert cookies["tornsf_session"]["httpOnly"] is True
    assert cookies["tornsf_session"]["sameSite"] == "Lax"


def test_unauthenticated_call_runs_login_hook(run):
    outcome = value_of(run["report"]["beforeLogin"])

    assert outcome["hookCalls"] == 1
    assert outcome["status"] == 401


def test_whoami_returns_demo_user(run):
    identity = value_of(run["report"]["whoami"])

    assert identity["username"] == "demo@example.com"


def test_connect_defaults_to_module_origin(run, large_sandbox_proxy):
    result = value_of(run["report"]["defaultUrl"])

    assert result["url"] == large_sandbox_proxy.browser_url
    assert result["identity"]["username"] == "demo@example.com"


def test_create_returns_record_with_id(run):
    created = value_of(run["report"]["create"])

    assert ID_PATTERN.match(created["id"])
    assert created["json"]["Id"] == created["id"]
    assert created["json"]["Name"] == "Browser %s Ünïcode" % run["run_id"]
    assert created["json"]["attributes"]["type"] == "Account"
    assert created["changesAfterCreate"] == {}


def test_create_sends_given_fields(run):
    posts = [
        json.loads(call["body"]) for call in calls_to(run["calls"], "POST", "/sobjects/Account")
        if run["run_id"] in call["body"]
    ]

    assert posts == [{"Name": "Browser %s Ünïcode" % run["run_id"], "Industry": "Energy", "Phone": "555-0100"}]


def test_find_reads_requested_fields(run):
    found = value_of(run["report"]["find"])

    assert found["json"]["Name"] == "Browser %s Ünïcode" % run["run_id"]
    assert found["json"]["Industry"] == "Energy"
    assert found["json"]["Phone"] == "555-0100"
    assert found["hasSave"] is True


def test_query_auto_fetch_reads_every_page(run, large_seed):
    result = value_of(run["report"]["queryAutoFetch"])
    locator_pages = calls_to(run["calls"], "GET", "/query/")

    assert result["totalSize"] >= large_seed
    assert result["length"] == result["totalSize"]
    assert result["unique"] == result["length"]
    assert result["done"] is True
    assert ID_PATTERN.match(result["first"]["Id"])
    assert len(locator_pages) >= 2, "autoFetch must follow nextRecordsUrl"


def test_query_max_fetch_stops_early(run, large_seed):
    result = value_of(run["report"]["queryMaxFetch"])

    assert result["length"] == 2500
    assert result["totalSize"] >= large_seed
    assert result["done"] is False


def test_query_pages_without_auto_fetch(run):
    result = value_of(run["report"]["queryPages"])

    assert result["firstLength"] == 2000
    assert result["done"] is False
    assert result["hasNext"] is True
    assert result["secondLength"] == 2000
    assert result["overlap"] == 0
    assert result["secondIsRecords"] is True


def test_where_filters_sorts_and_limits(run):
    records = value_of(run["report"]["where"])["records"]
    names = [record["Name"] for record in records]

    assert 1 <= len(records) <= 5
    assert all(record["Industry"] == "Energy" for record in records)
    assert names == sorted(names)


def test_save_sends_only_changed_fields(run):
    saved = value_of(run["report"]["save"])
    record_id = value_of(run["report"]["create"])["id"]
    patches = calls_to(run["calls"], "PATCH", "/sobjects/Account/" + record_id)

    assert saved["changes"] == {"Phone": "555-0199"}
    assert saved["changesAfterSave"] == {}
    assert saved["phone"] == "555-0199"
    assert len(patches) == 1, "a second save without changes must send nothing"
    assert json.loads(patches[0]["body"]) == {"Phone": "555-0199"}


def test_save_request_from_browser_holds_changes(run):
    record_id = value_of(run["report"]["create"])["id"]
    writes = [write for write in run["report"]["browserWrites"] if write["path"] == "/Account/" + record_id]

    assert [write["method"] for write in writes] == ["PATCH"]
    assert json.loads(writes[0]["body"]) == {"Phone": "555-0199"}


def test_create_request_from_browser_holds_fields(run):
    creates = [
        json.loads(write["body"]) for write in run["report"]["browserWrites"]
        if write["path"] == "/Account" and run["run_id"] in (write["body"] or "")
    ]

    assert creates == [{"Name": "Browser %s Ünïcode" % run["run_id"], "Industry": "Energy", "Phone": "555-0100"}]


def test_apex_post_sends_body_and_arguments(run):
    echo = value_of(run["report"]["apexPost"])

    assert echo["method"] == "POST"
    assert echo["path"] == "/services/apexrest/echo"
    assert echo["body"] == {"greeting": "grüß dich"}
    assert echo["params"] == {"mode": "test"}


def test_apex_get_accepts_full_path(run):
    echo = value_of(run["report"]["apexGet"])

    assert echo["method"] == "GET"
    assert echo["path"] == "/services/apexrest/echo"
    assert echo["params"] == {"a": "1"}


def test_apex_delete_sends_no_body(run):
    echo = value_of(run["report"]["apexDel"])

    assert echo["method"] == "DELETE"
    assert echo["rawBody"] == ""


def test_delete_removes_record(run):
    error = error_of(run["report"]["delete"])
    record_id = value_of(run["report"]["create"])["id"]

    assert calls_to(run["calls"], "DELETE", "/sobjects/Account/" + record_id)
    assert error["status"] == 404
    assert error["errorCode"] == "NOT_FOUND"


def test_invalid_id_rejects_with_salesforce_error(run):
    error = error_of(run["report"]["malformedId"])

    assert error["isSalesforceError"] is True
    assert error["isError"] is True
    assert error["name"] == "SalesforceError"
    assert error["status"] == 400
    assert error["errorCode"]
    assert error["message"]


def test_where_rejects_null_filter(run):
    error = error_of(run["report"]["whereNull"])

    assert error["name"] == "TypeError"
    assert "ParentId" in error["message"]


def test_missing_required_field_names_field(run):
    error = error_of(run["report"]["requiredField"])

    assert error["status"] == 400
    assert error["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert error["fields"] == ["Name"]


def test_expired_token_refreshed_without_hook(run):
    outcome = value_of(run["report"]["refreshed"])
    refreshes = [
        call for call in calls_to(run["calls"], "POST", "/services/oauth2/token")
        if "grant_type=refresh_token" in call["body"]
    ]

    assert outcome == {"hookErrors": [], "length": 1}
    assert refreshes


def test_expired_session_runs_login_hook(run):
    outcome = value_of(run["report"]["expired"])

    assert outcome["status"] == 401
    assert outcome["hookErrors"] == [401]


def test_other_origin_imports_module(run):
    assert value_of(run["report"]["evilImport"]) == "function"


def test_other_origin_calls_are_refused(run):
    for step in ("evilWhoami", "evilCreate"):
        error = error_of(run["report"][step])
        assert error["errorCode"] == "network_error", step
        assert error["status"] == 0, step

    evil_creates = [call for call in calls_to(run["calls"], "POST", "/sobjects/Account") if "Evil" in call["body"]]
    assert evil_creates == []
