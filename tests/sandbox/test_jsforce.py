"""jsforce, a Salesforce client written by others, works against the sandbox org unchanged."""

import pathlib

import pytest

from tornsf.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME

from .test_oauth import REDIRECT_URI, web_login

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "node" / "sandbox_jsforce.js"
ACCOUNTS = 650


@pytest.fixture(scope="module")
def jsforce_run(run_node):
    """Run the jsforce script once against a private org with 650 Accounts."""
    from tests.fixtures.sandbox import SandboxClient
    from tornsf.sandbox import SandboxServer

    org = SandboxClient(SandboxServer(seed="large:%d" % ACCOUNTS).start())
    tokens = web_login(org)
    result = run_node(SCRIPT, env={
        "SANDBOX_URL": org.url, "CLIENT_ID": DEMO_CLIENT_ID, "CLIENT_SECRET": DEMO_CLIENT_SECRET,
        "USERNAME": DEMO_USERNAME, "PASSWORD": DEMO_PASSWORD, "REDIRECT_URI": REDIRECT_URI,
        "WEB_ACCESS_TOKEN": tokens["access_token"], "WEB_REFRESH_TOKEN": tokens["refresh_token"],
    })
    calls = org.calls()
    org.stop()
    return result, calls, org.url


@pytest.mark.slow
def test_jsforce_password_login(jsforce_run):
    result, calls, url = jsforce_run
    assert result["login"]["instanceUrl"] == url
    assert result["login"]["userId"].startswith("005")
    assert result["login"]["orgId"].startswith("00D")
    assert calls["by_endpoint"]["POST /services/oauth2/token"] >= 1


@pytest.mark.slow
def test_jsforce_query_auto_fetches_pages(jsforce_run):
    result, calls, _ = jsforce_run
    query = result["query"]
    assert query["totalSize"] == ACCOUNTS
    assert query["fetched"] == ACCOUNTS
    assert query["done"] is True
    assert query["first"] == "Account 000001"
    assert query["last"] == "Account %06d" % ACCOUNTS
    assert query["fetches"] >= 3
    more_pages = sum(n for endpoint, n in calls["by_endpoint"].items() if "/query/01g" in endpoint)
    assert more_pages >= 2


@pytest.mark.slow
def test_jsforce_record_crud(jsforce_run):
    crud = jsforce_run[0]["crud"]
    assert crud["created"]["success"] is True
    assert crud["created"]["id"].startswith("001")
    assert crud["retrievedName"] == "jsforce Ünïcode"
    assert crud["retrievedType"] == "Account"
    assert crud["updated"]["success"] is True
    assert crud["industryAfterUpdate"] == "Energy"
    assert crud["destroyed"]["success"] is True
    assert crud["retrieveAfterDelete"] == "NOT_FOUND"


@pytest.mark.slow
def test_jsforce_apex_calls(jsforce_run):
    apex = jsforce_run[0]["apex"]
    assert apex["hello"] == "Hello, Demo User!"
    assert apex["echo"]["method"] == "POST"
    assert apex["echo"]["params"] == {"city": "München"}
    assert apex["echo"]["body"] == {"greeting": "grüß dich"}


@pytest.mark.slow
def test_jsforce_identity(jsforce_run):
    assert jsforce_run[0]["identity"]["username"] == DEMO_USERNAME


@pytest.mark.slow
def test_jsforce_refreshes_after_expiry(jsforce_run):
    result, calls, _ = jsforce_run
    refresh = result["refresh"]
    assert refresh["expireStatus"] == 204
    assert refresh["countBefore"] == ACCOUNTS
    assert refresh["countAfter"] == ACCOUNTS
    assert refresh["refreshes"] == 1
    assert refresh["newTokenDiffers"] is True
    assert refresh["tokenShape"] is True
    refresh_bodies = [entry["body"] for entry in calls["log"]
                      if entry["path"] == "/services/oauth2/token" and "grant_type=refresh_token" in entry["body"]]
    assert len(refresh_bodies) == 1
