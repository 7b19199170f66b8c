"""Golden tests: every dialect and operation through the running proxy against the sandbox org.

Each dialect runs the same scenario (create, read, update by PUT and PATCH, a
list without SOQL, a SOQL query, Apex, delete, and each kind of error).  The
responses are normalized (record ids become ``<id1>``, ``<id2>`` in order of
appearance, timestamps ``<datetime>``) and compared with
``golden/<dialect>.json``.  Set ``TORNSF_UPDATE_GOLDEN=1`` to rewrite those
files after an intended change, then review the diff.
"""

import json
import os
import pathlib
import re

import pytest
import requests

GOLDEN_DIR = pathlib.Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("TORNSF_UPDATE_GOLDEN") == "1"

# Record ids of the sandbox's key prefixes (Account, Contact, User, Opportunity, Organization).
_RECORD_ID = re.compile(r"(?<![A-Za-z0-9])(?:001|003|005|006|00D)[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?(?![A-Za-z0-9])")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})")
_RECORDED_HEADERS = ("Content-Type", "X-Total-Count", "Link", "Location")

DIALECTS = ("salesforce", "clay", "backbone", "ember", "jsonapi")
COLLECTION = {"salesforce": "/Account", "clay": "/Account", "backbone": "/accounts", "ember": "/accounts",
              "jsonapi": "/accounts"}
CONTENT_TYPE = {"ember": "application/json; charset=utf-8", "jsonapi": "application/vnd.api+json"}


class Normalizer:
    """Replace ids and timestamps with stable placeholders, numbering ids across one scenario."""

    def __init__(self):
        self.ids = {}

    def text(self, value):
        def number(match):
            return self.ids.setdefault(match.group(0), "<id%d>" % (len(self.ids) + 1))

        return _DATETIME.sub("<datetime>", _RECORD_ID.sub(number, value))

    def response(self, response):
        recorded = {"status": response.status_code}
        for name in _RECORDED_HEADERS:
            if name in response.headers:
                recorded[name] = self.text(response.headers[name])

        text = self.text(response.text)
        try:
            recorded["body"] = json.loads(text) if text else None
        except ValueError:
            recorded["body"] = text
        return recorded


def record_body(dialect, fields, record_id=None):
    """Return a create or update body as each library sends it."""
    if dialect == "ember":
        return {"account": {key[:1].lower() + key[1:]: value for key, value in fields.items()}}
    if dialect == "jsonapi":
        resource = {"type": "accounts", "attributes": fields}
        if record_id:
            resource["id"] = record_id
        return {"data": resource}
    return fields


def list_arguments(dialect, name):
    if dialect == "jsonapi":
        return {"filter[Name]": name, "fields[accounts]": "Name,Industry", "sort": "-Name"}
    return {"Name": name, "fields": "Name,Industry", "sort": "-Name"}


def run_scenario(proxy_url, bearer, dialect):
    """Run every operation with ``dialect`` and return the normalized responses by operation."""
    http = requests.Session()
    http.headers.update({"Authorization": "Bearer " + bearer, "X-Model-Dialect": dialect})
    if dialect == "jsonapi":
        http.headers["Accept"] = "application/vnd.api+json"
    content_type = {"Content-Type": CONTENT_TYPE.get(dialect, "application/json")}
    normalize = Normalizer()
    collection = proxy_url + COLLECTION[dialect]
    name = "Golden %s" % dialect
    out = {}

    def send(operation, method, url, body=None, headers=None, **kwargs):
        data = json.dumps(body).encode() if body is not None else None
        response = http.request(method, url, data=data, headers={**content_type, **(headers or {})}, timeout=30,
                                **kwargs)
        out[operation] = normalize.response(response)
        return response

    # Leftovers of an interrupted earlier run would change the list results.
    stale = requests.get(proxy_url + "/Account", params={"Name": [name, name + " 2"], "fields": "Id"}, timeout=30,
                         headers={"Authorization": "Bearer " + bearer, "X-Model-Dialect": "salesforce"})
    for record in stale.json()["records"]:
        requests.delete(proxy_url + "/Account/" + record["Id"], headers={"Authorization": "Bearer " + bearer},
                        timeout=30)

    created = send("create", "POST", collection,
                   record_body(dialect, {"Name": name, "Industry": "Energy", "BillingCity": "Zürich"}))
    assert created.status_code in (200, 201), created.text
    record_id = {value: key for key, value in normalize.ids.items()}["<id1>"]
    record_url = "%s/%s" % (collection, record_id)

    send("one", "GET", record_url, params={"fields": "Name,Industry,BillingCity"})
    send("update_put", "PUT", record_url, record_body(dialect, {
        "Name": name + " 2", "CreatedDate": "2020-01-01T00:00:00.000+0000", "IsDeleted": False,
        **({"Id": record_id, "attributes": {"type": "Account"}} if dialect in ("salesforce", "clay", "backbone") else {}),
    }, record_id))
    send("update_patch", "PATCH", record_url, record_body(dialect, {"Phone": "555-0100"}, record_id))
    send("list", "GET", collection, params=list_arguments(dialect, name + " 2"))
    send("query", "GET", collection, params={"q": "SELECT Id, Name, Industry FROM Account WHERE Name = '%s 2'" % name})
    send("apex", "GET", proxy_url + "/apex/hello")
    send("delete", "DELETE", record_url)

    send("error_not_found", "GET", record_url)
    send("error_validation", "POST", collection, record_body(dialect, {"Industry": "Energy"}))
    send("error_unknown_sobject", "GET", proxy_url + "/widgets")
    send("error_invalid_filter", "GET", collection,
         params={"filter[NoSuchField]" if dialect == "jsonapi" else "NoSuchField": "x"})
    send("error_malformed_query", "GET", collection, params={"q": "SELEKT Id FROM Account"})
    send("error_apex", "GET", proxy_url + "/apex/error")
    out["error_login_required"] = normalize.response(
        requests.get(record_url, headers={"X-Model-Dialect": dialect}, timeout=30))
    if dialect == "jsonapi":
        send("error_unsupported_media_type", "POST", collection, record_body(dialect, {"Name": name}),
             headers={"Content-Type": "application/vnd.api+json; charset=utf-8"})
        send("error_not_acceptable", "GET", collection, params={"Name": name},
             headers={"Accept": 'application/vnd.api+json; ext="https://example.test/ext"'})
    return out


@pytest.mark.parametrize("dialect", DIALECTS)
def test_dialect_golden(proxy, bearer, dialect):
    actual = run_scenario(proxy.url, bearer, dialect)
    path = GOLDEN_DIR / ("%s.json" % dialect)

    if UPDATE:
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))

    assert sorted(actual) == sorted(expected)
    for operation in expected:
        assert actual[operation] == expected[operation], operation
