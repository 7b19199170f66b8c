"""Third-party dialects: an installed entry point and a DIALECTS dotted path, used through a real proxy.

The plug-in is the "write your own dialect" example of the README, written to
a temporary folder with the package metadata that ``pip install`` would leave.
"""

import os
import textwrap

import pytest
import requests

from tests.fixtures.proxy import REPO_ROOT

ENVELOPE_SOURCE = '''
"""Wrap every response in {"ok": ..., "data": ...} for our in-house front end."""

from dialects.base import Dialect, JSON_TYPE, Reply, dump_json, strip_attributes


class EnvelopeDialect(Dialect):
    name = "envelope"
    wants_record_after_write = True       # re-read records after create and update

    def _reply(self, status, data, ok=True):
        return Reply(status, dump_json({"ok": ok, "data": data}), {"Content-Type": JSON_TYPE})

    def record(self, ctx, record, raw=None):
        return self._reply(200, strip_attributes(record))

    def created(self, ctx, result, record):
        return self._reply(201, strip_attributes(record) if record else {"Id": result["id"]})

    def updated(self, ctx, record_id, record):
        return self._reply(200, strip_attributes(record) if record else {"Id": record_id})

    def deleted(self, ctx, record_id):
        return self._reply(200, {"Id": record_id})

    def list_start(self, ctx, info):
        prefix = b'{"ok":true,"total":%d,"data":[' % info.total_size
        return Reply(200, prefix, {"Content-Type": JSON_TYPE, "X-Total-Count": str(info.total_size)})

    def list_record(self, ctx, record, index):
        return (b"," if index else b"") + dump_json(strip_attributes(record))

    def list_end(self, ctx, info):
        return b'],"returned":%d,"done":%s}' % (info.returned, b"true" if info.done else b"false")

    def error(self, ctx, problem):
        return self._reply(problem.status, problem.errors, ok=False)
'''

TERSE_SOURCE = '''
from mycompany_dialects.envelope import EnvelopeDialect


class TerseDialect(EnvelopeDialect):
    name = "terse"
    wants_record_after_write = False
'''


@pytest.fixture
def plugin_path(tmp_path):
    """A folder laid out like site-packages after installing the plug-in package."""
    package = tmp_path / "mycompany_dialects"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "envelope.py").write_text(textwrap.dedent(ENVELOPE_SOURCE))
    (package / "terse.py").write_text(textwrap.dedent(TERSE_SOURCE))

    info = tmp_path / "mycompany_dialects-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mycompany-dialects\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[tornsf.dialects]\nenvelope = mycompany_dialects.envelope:EnvelopeDialect\n")
    return str(tmp_path)


def test_plugin_dialects_serve_requests(proxy_factory, plugin_path, bearer):
    proxy = proxy_factory(environ={
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), plugin_path]),
        "DIALECTS": "mycompany_dialects.terse:TerseDialect",
        "DEFAULT_DIALECT": "terse",
    })
    http = requests.Session()
    http.headers["Authorization"] = "Bearer " + bearer

    created = http.post(proxy.url + "/accounts", json={"Name": "Envelope Co", "Industry": "Media"},
                        headers={"X-Model-Dialect": "Envelope"}, timeout=30)
    assert created.status_code == 201, created.text
    assert created.json()["ok"] is True
    record = created.json()["data"]
    assert record["Name"] == "Envelope Co"
    assert "CreatedDate" in record
    assert "attributes" not in record

    listed = http.get(proxy.url + "/accounts", params={"Name": "Envelope Co", "fields": "Name"},
                      headers={"X-Model-Dialect": "envelope"}, timeout=30)
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"ok": True, "total": 1, "data": [{"Id": record["Id"], "Name": "Envelope Co"}],
                             "returned": 1, "done": True}

    # No header: DEFAULT_DIALECT names the DIALECTS plug-in, which does not re-read.
    updated = http.patch(proxy.url + "/accounts/" + record["Id"], json={"Phone": "555"}, timeout=30)
    assert updated.status_code == 200, updated.text
    assert updated.json() == {"ok": True, "data": {"Id": record["Id"]}}

    missing = http.get(proxy.url + "/widgets", timeout=30)
    assert missing.status_code == 404
    assert missing.json()["ok"] is False
    assert missing.json()["data"][0]["errorCode"] == "unknown_sobject"

    deleted = http.delete(proxy.url + "/accounts/" + record["Id"], timeout=30)
    assert deleted.json() == {"ok": True, "data": {"Id": record["Id"]}}

    unknown = http.get(proxy.url + "/accounts", headers={"X-Model-Dialect": "nope"}, timeout=30)
    assert unknown.status_code == 400
    assert "envelope" in unknown.json()["data"][0]["message"]
    assert "terse" in unknown.json()["data"][0]["message"]


@pytest.mark.parametrize("environ, fragment", [
    ({"DIALECTS": "mycompany_dialects.terse:Missing"}, "DIALECTS: cannot load 'mycompany_dialects.terse:Missing'"),
    ({"DIALECTS": "no_such_package.dialect:Thing"}, "No module named 'no_such_package'"),
    ({"DEFAULT_DIALECT": "spine"}, "DEFAULT_DIALECT: 'spine' is not a loaded dialect"),
])
def test_bad_dialect_setting_stops_start(proxy_factory, plugin_path, environ, fragment):
    with pytest.raises(RuntimeError) as caught:
        proxy_factory(environ={"PYTHONPATH": os.pathsep.join([str(REPO_ROOT), plugin_path]), **environ})

    assert fragment in str(caught.value)
