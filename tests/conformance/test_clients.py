"""kitsu 11.1.0 and clay-model 0.0.9, run by Node against the real proxy and the sandbox org.

kitsu is set up as the README recommends (``resourceCase: 'none'``).  clay-model
uses a connector that sends the requests of the proxy-era connector
(clay-model-salesforce-api 0.0.x, not on npm) to a proxy started with
``API_PREFIX=/api``, with the session cookie and Origin a browser would add.
"""

from __future__ import annotations

import json
import pathlib
import uuid

import pytest
import requests

from tests.fixtures.proxy import DEMO_PASSWORD, DEMO_USERNAME

NODE_DIR = pathlib.Path(__file__).resolve().parents[1] / "node"
APP_ORIGIN = "http://app.test:8123"


@pytest.fixture(scope="module")
def kitsu_run(proxy, run_node):
    from tests.fixtures.proxy import password_login

    bearer = password_login(proxy.url).json()["session"]
    name = "Kitsu %s" % uuid.uuid4().hex[:8]
    return name, run_node(NODE_DIR / "conformance_kitsu.js", {"PROXY_URL": proxy.url, "BEARER": bearer, "NAME": name})


def test_kitsu_post(kitsu_run):
    name, out = kitsu_run

    assert out["create"]["status"] == 201
    assert len(out["create"]["id"]) == 18
    assert out["create"]["type"] == "accounts"
    assert out["create"]["name"] == name
    assert out["create"]["city"] == "Zürich"
    assert out["create"]["hasCreatedDate"] is True
    assert out["create"]["hasSalesforceAttributes"] is False
    assert out["create"]["request"]["url"] == "accounts"


def test_kitsu_get_by_id(kitsu_run):
    name, out = kitsu_run

    assert out["get"]["status"] == 200
    assert out["get"]["id"] == out["create"]["id"]
    assert out["get"]["name"] == name
    assert out["get"]["url"] == "accounts/" + out["create"]["id"]


def test_kitsu_filter_and_sort(kitsu_run):
    name, out = kitsu_run

    assert out["list"]["names"] == [name + " B", name]
    assert out["list"]["meta"] == {"totalSize": 2, "returnedSize": 2, "done": True}
    assert "filter%5BIndustry%5D=Energy" in out["list"]["uri"]
    assert "sort=-Name" in out["list"]["uri"]
    assert out["paged"] == {"length": 1, "hasNext": True}


def test_kitsu_patch(kitsu_run):
    name, out = kitsu_run

    assert out["patch"]["status"] == 200
    assert out["patch"]["name"] == name + " renamed"
    assert out["patch"]["phone"] == "555-0199"
    # Attributes kitsu did not send keep their values.
    assert out["patch"]["city"] == "Zürich"
    assert out["patch"]["request"]["url"] == "accounts/" + out["create"]["id"]


def test_kitsu_error_and_delete(kitsu_run):
    _name, out = kitsu_run

    assert out["error"]["status"] == 422
    assert out["error"]["errors"][0]["code"] == "REQUIRED_FIELD_MISSING"
    assert out["error"]["errors"][0]["source"] == {"pointer": "/data/attributes/Name"}
    assert out["delete"]["status"] == 204
    # kitsu sends a body with DELETE.
    assert out["delete"]["request"]["data"]["data"]["id"] == out["create"]["id"]
    assert out["gone"]["status"] == 404
    assert out["opportunities"] == {"thrown": False}


def test_kitsu_default_case_mangles_ids(kitsu_run):
    _name, out = kitsu_run

    # The reason the README recommends resourceCase: 'none'.
    assert out["defaultCase"]["status"] == 400
    assert out["defaultCase"]["url"] != "accounts/" + out["create"]["id"]
    assert "-" in out["defaultCase"]["url"].split("/")[1]


@pytest.fixture(scope="module")
def clay_proxy(sandbox_server):
    from tests.fixtures.proxy import start_proxy

    process = start_proxy(sandbox_server.url, environ={"API_PREFIX": "/api"})
    yield process
    process.stop()


@pytest.fixture(scope="module")
def clay_run(clay_proxy, sandbox_server, run_node):
    browser = requests.Session()
    login = browser.post(clay_proxy.url + "/login/password",
                         data={"username": DEMO_USERNAME, "password": DEMO_PASSWORD}, allow_redirects=False,
                         timeout=30)
    assert login.status_code == 303, login.text
    cookie = "tornsf_session=" + browser.cookies.get("tornsf_session")
    name = "Clay %s" % uuid.uuid4().hex[:8]
    requests.delete(sandbox_server.url + "/_sandbox/calls", timeout=30)

    out = run_node(NODE_DIR / "conformance_clay.js",
                   {"PROXY_URL": clay_proxy.url + "/api", "COOKIE": cookie, "ORIGIN": APP_ORIGIN, "NAME": name})

    log = requests.get(sandbox_server.url + "/_sandbox/calls", timeout=30).json()["log"]
    yield name, out, log
    for record_id in out["ids"]:
        browser.delete(clay_proxy.url + "/api/Account/" + record_id, headers={"Origin": APP_ORIGIN}, timeout=30)


def _salesforce_calls(log: list[dict], method: str, fragment: str) -> list[dict]:
    return [call for call in log if call["method"] == method and fragment in call["path"]]


def test_clay_create_reads_id(clay_run):
    name, out, log = clay_run

    assert out["create"]["request"]["body"] == json.dumps({"Name": name, "Industry": "Energy"}, separators=(",", ":"))
    assert len(out["create"]["id"]) == 18
    assert out["create"]["storedName"] == name
    # The create response carries the fresh record, which the model merges.
    assert out["create"]["storedCreatedDate"] is True
    creates = _salesforce_calls(log, "POST", "/sobjects/Account")
    assert len(creates) == 3


def test_clay_update_sends_changed_fields(clay_run):
    _name, out, log = clay_run
    record_id = out["create"]["id"]

    assert out["update"]["request"]["method"] == "PUT"
    assert out["update"]["request"]["body"] == '{"Phone":"555-0142"}'
    patches = _salesforce_calls(log, "PATCH", "/sobjects/Account/" + record_id)
    assert [json.loads(call["body"]) for call in patches] == [{"Phone": "555-0142"}]
    assert out["update"]["phone"] == "555-0142"


def test_clay_query_with_raw_soql(clay_run):
    name, out, log = clay_run

    assert " from Account where Name like '" in out["query"]["request"]["url"]
    assert out["query"]["length"] == 2
    assert out["query"]["names"] == [name, name + " B"]
    assert out["query"]["phones"] == ["555-0142", "555-0000"]
    assert out["query"]["stored"] == ["555-0142", "555-0000"]
    assert out["read"]["phone"] == "555-0000"


def test_clay_error_rejects(clay_run):
    _name, out, _log = clay_run

    assert out["error"]["status"] == 400
    assert out["error"]["code"] == "REQUIRED_FIELD_MISSING"
    # clay-model drops the failed record from its store.
    assert out["error"]["leftLocally"] == 0


def test_clay_destroy_put_changes_nothing(clay_run):
    name, out, log = clay_run
    record_id = out["create"]["id"]

    assert out["destroy"]["request"] == {
        "method": "PUT", "url": out["update"]["request"]["url"], "body": None,
    }
    assert out["destroy"]["existsLocally"] is False
    # As with the original proxy, the bodiless PUT reaches no Salesforce write.
    writes = [call for call in log if call["method"] in ("PATCH", "DELETE") and record_id in call["path"]]
    assert len(writes) == 1
    assert out["afterDestroy"]["names"] == [name, name + " B"]
