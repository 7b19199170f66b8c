"""Real client libraries, run by Node, against the running proxy and the sandbox org.

Backbone 1.6.1 uses the backbone dialect with only ``Backbone.ajax`` replaced
by a fetch call; devour-client 3.2.0 uses the jsonapi dialect unchanged.
"""

import pathlib
import uuid

import pytest

NODE_DIR = pathlib.Path(__file__).resolve().parents[1] / "node"


@pytest.mark.slow
def test_backbone_models_and_collections(proxy, bearer, run_node):
    name = "Backbone %s" % uuid.uuid4().hex[:8]

    out = run_node(NODE_DIR / "dialect_backbone.js", {"PROXY_URL": proxy.url, "BEARER": bearer, "NAME": name})

    assert out["create"]["ok"] is True
    assert out["create"]["method"] == "POST"
    assert out["create"]["isNew"] is False
    assert len(out["create"]["id"]) == 18
    assert out["create"]["hasCreatedDate"] is True
    assert out["create"]["hasAttributes"] is False

    assert out["fetch"] == {"ok": True, "name": name, "industry": "Energy", "lowerId": out["create"]["id"]}

    assert out["update"]["ok"] is True
    assert out["update"]["method"] == "PUT"
    # The PUT carried read-only fields back; the proxy dropped them instead of failing.
    assert "CreatedDate" in out["update"]["sentKeys"]
    assert "Id" in out["update"]["sentKeys"]
    assert out["update"]["phone"] == "555-0100"

    assert out["patch"]["ok"] is True
    assert out["patch"]["method"] == "PATCH"
    assert out["patch"]["body"] == {"BillingCity": "Zürich"}
    assert out["patch"]["city"] == "Zürich"
    assert out["patch"]["phone"] == "555-0100"

    assert out["query"] == {"ok": True, "length": 1, "names": [name], "ids": [out["create"]["id"]], "total": "1"}

    assert out["filter"]["ok"] is True
    assert out["filter"]["ids"] == [out["create"]["id"]]
    assert out["filter"]["phone"] == ["555-0100"]
    assert out["filter"]["total"] == "1"

    assert out["error"]["ok"] is False
    assert out["error"]["status"] == 400
    assert out["error"]["event"] == 400
    assert out["error"]["isNew"] is True
    assert out["error"]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"

    assert out["destroy"] == {"ok": True, "method": "DELETE", "status": 204}
    assert out["gone"] == {"ok": False, "status": 404}

    # Backbone.emulateHTTP and emulateJSON: writes arrive as POST with the JSON in a form field.
    assert out["emulated"] == {"created": True, "isNew": False, "saved": True, "phone": "555-0111",
                               "putSentAs": "POST", "deleted": True, "deleteSentAs": "POST", "goneStatus": 404}


@pytest.mark.slow
def test_devour_jsonapi_client(proxy, bearer, run_node):
    name = "Devour %s" % uuid.uuid4().hex[:8]

    out = run_node(NODE_DIR / "dialect_jsonapi.js", {"PROXY_URL": proxy.url, "BEARER": bearer, "NAME": name})

    assert len(out["create"]["id"]) == 18
    assert out["create"]["type"] == "Accounts"
    assert out["create"]["name"] == name
    assert out["create"]["hasCreatedDate"] is True

    assert out["find"]["id"] == out["create"]["id"]
    assert out["find"]["name"] == name
    assert out["find"]["city"] == "Zürich"

    assert out["findAll"]["names"] == [name + " B", name]
    assert out["findAll"]["meta"] == {"totalSize": 2, "returnedSize": 2, "done": True}
    assert out["findAll"]["links"]["next"] is None

    assert out["paged"]["length"] == 1
    assert "page%5Boffset%5D=1" in out["paged"]["next"]

    assert out["update"] == {"name": name + " updated", "phone": "555-0101", "city": "Zürich"}

    assert out["error"]["thrown"] is True
    assert out["error"]["errors"]["Name"]["detail"].startswith("Required fields are missing")

    # devour keys errors without a pointer by their index.
    assert out["destroy"]["findAfterwards"] == {"0": {"title": "Not found",
                                                      "detail": "The requested resource does not exist"}}
    assert out["cleanup"] is True
