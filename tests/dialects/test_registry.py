"""Unit tests of dialect loading at start-up and per-request selection."""

import sys
import textwrap
import types

import pytest
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

from dialects.base import Dialect, DialectError
from dialects.registry import BUILTIN_DIALECTS, DialectLoadError, load_dialects, select_dialect


def settings(dialects=(), default_dialect="clay"):
    return types.SimpleNamespace(dialects=tuple(dialects), default_dialect=default_dialect)


def request(uri="/accounts", **headers):
    return HTTPServerRequest(start_line=RequestStartLine("GET", uri, "HTTP/1.1"), headers=HTTPHeaders({"Host": "127.0.0.1", **headers}))


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """A folder on sys.path where a test writes a plug-in module and its package metadata."""
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [name for name in sys.modules if name.startswith("tornsf_test_plugin")]:
        del sys.modules[name]


def write_module(folder, source):
    (folder / "tornsf_test_plugin.py").write_text(textwrap.dedent(source))


def test_builtins_load_by_short_name():
    registry = load_dialects(settings())

    assert sorted(registry) == sorted(BUILTIN_DIALECTS)
    for name, dialect in registry.items():
        assert isinstance(dialect, Dialect)
        assert dialect.name == name


def test_dotted_path_dialect_loads(plugin_dir):
    write_module(plugin_dir, """
        from dialects.base import Dialect
        class Shout(Dialect):
            name = "shout"
    """)

    registry = load_dialects(settings(["tornsf_test_plugin:Shout"]))
    assert registry["shout"].name == "shout"

    registry = load_dialects(settings(["tornsf_test_plugin.Shout"]))
    assert "shout" in registry


def test_entry_point_dialect_loads(plugin_dir):
    write_module(plugin_dir, """
        from dialects.base import Dialect
        class Quiet(Dialect):
            pass
    """)
    info = plugin_dir / "tornsf_test_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tornsf-test-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[tornsf.dialects]\nquiet = tornsf_test_plugin:Quiet\n")

    registry = load_dialects(settings())

    assert registry["quiet"].name == "quiet"


@pytest.mark.parametrize("source, path, fragment", [
    ("", "tornsf_test_plugin:Missing", "has no attribute"),
    ("", "no_such_module_here:Thing", "No module named"),
    ("class NotADialect: name = 'x'", "tornsf_test_plugin:NotADialect", "neither"),
    ("from dialects.base import Dialect\nclass Nameless(Dialect): pass", "tornsf_test_plugin:Nameless", "name"),
    ("from dialects.base import Dialect\nclass Clash(Dialect): name = 'backbone'", "tornsf_test_plugin:Clash",
     "both register"),
    ("from dialects.base import Dialect\nclass Broken(Dialect):\n    name = 'broken'\n"
     "    def record(self, ctx, record, raw=None): return {'not': 'a reply'}",
     "tornsf_test_plugin:Broken", "start-up check"),
    ("raise RuntimeError('boom at import')", "tornsf_test_plugin:X", "boom at import"),
])
def test_bad_dialect_stops_loading(plugin_dir, source, path, fragment):
    write_module(plugin_dir, source)

    with pytest.raises(DialectLoadError) as caught:
        load_dialects(settings([path]))

    assert str(caught.value).startswith("DIALECTS: ")
    assert fragment in str(caught.value)
    assert caught.value.setting == "DIALECTS"


def test_unknown_default_names_setting():
    with pytest.raises(DialectLoadError) as caught:
        load_dialects(settings(default_dialect="nope"))

    assert str(caught.value).startswith("DEFAULT_DIALECT: ")
    assert "backbone" in str(caught.value)


def test_selection_header_then_argument_then_default():
    registry = load_dialects(settings())

    assert select_dialect(request(**{"X-Model-Dialect": "Backbone"}), registry, "clay").name == "backbone"
    assert select_dialect(request(**{"x-model-dialect": "EMBER"}), registry, "clay").name == "ember"
    assert select_dialect(request("/accounts?dialect=jsonapi"), registry, "clay").name == "jsonapi"
    assert select_dialect(request("/accounts?dialect=jsonapi", **{"X-Model-Dialect": "ember"}), registry,
                          "clay").name == "ember"
    assert select_dialect(request(), registry, "clay").name == "clay"
    assert select_dialect(request(), registry, "Salesforce").name == "salesforce"


def test_unknown_dialect_is_400_listing_names():
    registry = load_dialects(settings())

    with pytest.raises(DialectError) as caught:
        select_dialect(request(**{"X-Model-Dialect": "spine"}), registry, "clay")

    assert caught.value.problem.status == 400
    assert caught.value.problem.code == "unknown_dialect"
    for name in BUILTIN_DIALECTS:
        assert name in caught.value.problem.message
    assert "spine" in caught.value.problem.message
