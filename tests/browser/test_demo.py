"""The /demo page in real Chromium: sign in, list, create, edit and delete Accounts."""

import json
import uuid

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(run_browser, sandbox_proxy):
    run_id = uuid.uuid4().hex[:8]
    report = run_browser("browser_demo.js", sandbox_proxy, RUN_ID=run_id)
    return {"report": report, "calls": sandbox_proxy.sandbox_calls()["log"], "name": "Demo %s Ærø" % run_id}


def test_demo_asks_to_sign_in_first(demo):
    assert demo["report"]["signedOutVisible"] is True


def test_demo_lists_seeded_accounts(demo):
    report = demo["report"]

    assert report["signedInVisible"] is True
    assert report["username"] == "demo@example.com"
    assert report["error"] == ""
    assert len(report["names"]) >= 10


def test_demo_creates_account(demo):
    report = demo["report"]

    assert report["createdId"].startswith("001")
    assert report["createdCells"][:2] == [demo["name"], "Energy"]


def test_demo_edit_sends_changed_field(demo):
    report = demo["report"]
    patches = [
        json.loads(call["body"]) for call in demo["calls"]
        if call["method"] == "PATCH" and call["path"].endswith("/Account/" + report["createdId"])
    ]

    assert report["editedCells"][:3] == [demo["name"], "Energy", "555-0123"]
    assert report["errorAfterEdit"] == ""
    assert patches == [{"Phone": "555-0123"}]


def test_demo_deletes_account(demo):
    report = demo["report"]

    assert demo["name"] not in report["namesAfterDelete"]
    assert demo["name"] not in report["namesAfterReload"]
    assert len(report["namesAfterReload"]) >= 10
