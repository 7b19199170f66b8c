"""Property tests for everything that turns user input into Salesforce input or a trust decision.

SOQL string literals, path segments, origin matching and redirect checks are
each tried on generated input; the SOQL escaping also goes through the
sandbox org's own parser and, end to end, through the proxy to the sandbox.
"""

import re
import urllib.parse
import uuid

import pytest
import requests
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from dialects.base import DialectError, ListRequest
from dialects.soql import build_list_soql, quote_string
from tests.fixtures.proxy import DEMO_PASSWORD, DEMO_USERNAME
from tests.security.helpers import API, SALESFORCE_SHAPES, bearer_headers, new_bearer
from tornsf.salesforce import paths
from tornsf.sandbox.soql import BoolOp, Comparison, InList, Not, Parser
from tornsf.security import is_safe_redirect, origin_allowed

# -- SOQL string literals ---------------------------------------------------------

TRICKY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60) | st.text(
    alphabet="'\"\\%_ \n\r\t\b\f\u0000\u2028\u00e9e\u0301\U0001F600", max_size=30)


def literal_of(soql):
    query = Parser(soql).parse()
    return query.where.value


@settings(max_examples=500, deadline=None)
@given(TRICKY_TEXT)
@example("' OR Name != '")
@example("\\' OR Name != \\'")
@example("\\")
def test_quoted_string_parses_back_to_itself(text):
    soql = "SELECT Id FROM Account WHERE Name = %s LIMIT 1" % quote_string(text)

    literal = literal_of(soql)

    assert literal.kind == "string"
    assert literal.value == text
    # Nothing after the literal was taken from the input.
    assert Parser(soql).parse().limit == 1


@pytest.fixture(scope="module")
def direct_token(sandbox_server):
    response = requests.post(sandbox_server.url + "/services/oauth2/token", data={
        "grant_type": "password", "client_id": "tornsf-sandbox", "client_secret": "tornsf-sandbox-secret",
        "username": DEMO_USERNAME, "password": DEMO_PASSWORD}, timeout=30)
    return response.json()["access_token"]


NAME_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("'\"\\%_\t\n"),
                    max_size=40)


@pytest.mark.slow
def test_escaped_name_matches_only_itself(proxy, sandbox_server, direct_token):
    sealed = new_bearer(proxy.url)
    direct = requests.Session()
    direct.headers["Authorization"] = "Bearer " + direct_token
    proxied = requests.Session()
    proxied.headers.update(bearer_headers(sealed, **SALESFORCE_SHAPES))

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(NAME_TEXT)
    @example("x' OR Name LIKE '%")
    @example("\\' OR Id != null OR Name = \\'")
    def check(text):
        name = "p%s %s" % (uuid.uuid4().hex[:12], text)
        created = direct.post(sandbox_server.url + API + "/sobjects/Account", json={"Name": name}, timeout=30)
        assume(created.status_code == 201)  # the org's own rules on names (length, blanks) come first
        stored = direct.get(sandbox_server.url + API + "/sobjects/Account/" + created.json()["id"], timeout=30)
        stored_name = stored.json()["Name"]

        soql = "SELECT Id, Name FROM Account WHERE Name = %s" % quote_string(stored_name)
        found = proxied.get(proxy.url + "/Account", params={"q": soql}, timeout=30)

        assert found.status_code == 200, found.text
        assert [(record["Id"], record["Name"]) for record in found.json()["records"]] == [
            (created.json()["id"], stored_name)]
        direct.delete(sandbox_server.url + API + "/sobjects/Account/" + created.json()["id"], timeout=30)

    check()


# -- path segments ----------------------------------------------------------------

SEGMENT_TEXT = st.text(max_size=40) | st.text(alphabet="./\\?#%2e5cfF&= \u00a0\uff0f\u2215", max_size=12)


@settings(max_examples=1000, deadline=None)
@given(SEGMENT_TEXT)
@example("..")
@example("%2e%2e")
@example("a/../b")
def test_external_id_value_is_exactly_one_segment(value):
    try:
        encoded = paths.external_id_value(value)
    except paths.PathError:
        assert (value in ("", ".", "..") or any(char in value for char in "/\\?#")
                or any(ord(char) < 32 or ord(char) == 127 for char in value) or len(value) > 255)
        return

    assert urllib.parse.unquote(encoded) == value
    assert not set(encoded) & set("/\\?# ")
    assert encoded not in (".", "..")
    url = "https://na1.example/services/data/v62.0/sobjects/Account/Ext__c/" + encoded
    parts = urllib.parse.urlsplit(url)
    assert parts.query == ""
    assert parts.fragment == ""
    assert parts.path.rsplit("/", 1) == ["/services/data/v62.0/sobjects/Account/Ext__c", encoded]


@settings(max_examples=1000, deadline=None)
@given(st.lists(SEGMENT_TEXT, min_size=1, max_size=4), st.lists(st.booleans(), min_size=4, max_size=4))
def test_apex_path_keeps_segment_count_and_text(segments, encode_flags):
    raw = "/".join(urllib.parse.quote(segment, safe="") if flag else segment
                   for segment, flag in zip(segments, encode_flags))
    try:
        encoded = paths.apex_path(raw)
    except paths.PathError:
        return

    assert not set(encoded) & set("\\?# ")
    pieces = encoded.split("/")
    assert len(pieces) == len(raw.split("/"))
    for piece, raw_segment in zip(pieces, raw.split("/")):
        decoded = urllib.parse.unquote(piece)
        assert decoded == urllib.parse.unquote(raw_segment)
        assert decoded not in ("", ".", "..")
        assert "/" not in decoded


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=90))
def test_names_and_ids_accept_only_ascii_shapes(value):
    for check, shape in ((paths.sobject_name, r"[A-Za-z][A-Za-z0-9_]{0,79}"),
                         (paths.record_id, r"[A-Za-z0-9]{15}([A-Za-z0-9]{3})?")):
        try:
            check(value)
            accepted = True
        except paths.PathError:
            accepted = False
        assert accepted == bool(re.fullmatch(shape, value, re.ASCII)), (check.__name__, value)


# -- origins --------------------------------------------------------------------

PATTERNS = ("http://app.test:8123", "https://*.example.test")
LABEL = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?\Z")
ALLOWED_SHAPE = re.compile(r"(https://([a-z0-9-]+\.)+example\.test(:443)?|http://app\.test:8123)", re.IGNORECASE)


@settings(max_examples=1000, deadline=None)
@given(st.lists(LABEL, min_size=1, max_size=4), st.sampled_from(["", ".example.test", ".example.test.evil",
                                                                    "example.test", ".example.testx", ".test"]),
       st.sampled_from(["https", "http"]), st.sampled_from(["", ":443", ":80", ":8123", ":8443"]))
def test_wildcard_origin_matches_subdomains_only(labels, suffix, scheme, port):
    host = ".".join(labels) + suffix
    origin = "%s://%s%s" % (scheme, host, port)

    expected = (scheme == "https" and port in ("", ":443") and suffix == ".example.test")
    assert origin_allowed(origin, PATTERNS) == expected, origin


@settings(max_examples=2000, deadline=None)
@given(st.text(max_size=60) | st.builds(lambda a, b: a + b, st.sampled_from(
    ["https://a.example.test", "http://app.test:8123", "https://example.test", "http://a.example.test"]),
    st.text(max_size=12)))
def test_only_allowed_shapes_are_allowed(origin):
    if origin_allowed(origin, PATTERNS):
        assert ALLOWED_SHAPE.fullmatch(origin), origin


# -- redirects -----------------------------------------------------------------

OWN = "http://127.0.0.1:5000"
TOKENS = ["/", "//", "\\", "/\\", "http:", "https:", "javascript:", "HTTP:", "evil.example", "app.test:8123",
          "app.test", ":8123", "127.0.0.1:5000", "x.example.test", "example.test", "@", "%40", "%2F", "%2f", "%5C",
          "%252F", "%09", "?", "#", ".", "..", "\t", "\n", " ", ":", "\u3002", "\uff0e", "\uff0f", "\uff3c",
          "a", "%", "0x7f.1", "[::1]"]


def browser_origin(url):
    """The origin a browser would go to for ``url`` on a page of OWN, roughly as the URL standard parses it."""
    cleaned = url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f \r\n\t")
    cleaned = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    target = urllib.parse.urlsplit(urllib.parse.urljoin(OWN + "/page/", cleaned))
    if target.scheme not in ("http", "https"):
        return target.scheme + ":"
    host = (target.hostname or "").lower()
    port = target.port or {"http": 80, "https": 443}[target.scheme]
    default = {"http": 80, "https": 443}[target.scheme] == port
    return "%s://%s%s" % (target.scheme, host, "" if default else ":%d" % port)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=7).map("".join))
@example("/\\evil.example")
@example("http://app.test:8123@evil.example")
def test_safe_redirect_stays_on_trusted_origins(url):
    if not is_safe_redirect(url, OWN, PATTERNS):
        return

    forms = [url]
    while urllib.parse.unquote(forms[-1]) != forms[-1] and len(forms) < 4:
        forms.append(urllib.parse.unquote(forms[-1]))
    for form in forms:
        try:
            origin = browser_origin(form)
        except ValueError:  # a port or host urllib cannot parse is no trusted origin either
            pytest.fail("accepted %r, which a browser cannot parse as a trusted URL" % url)
        assert origin == OWN or origin_allowed(origin, PATTERNS), (url, form, origin)


# -- lists without SOQL -----------------------------------------------------------

FILTER_FIELDS = ["Name", "name", "AnnualRevenue", "NumberOfEmployees", "CreatedDate", "IsDeleted", "Id", "Industry"]
FILTER_VALUES = st.text(max_size=40) | st.text(alphabet="'\\ 0123456789-:.TZ,()=%_ORANDnul", max_size=30)


@pytest.fixture(scope="module")
def account_describe(sandbox_server, direct_token):
    response = requests.get(sandbox_server.url + API + "/sobjects/Account/describe",
                            headers={"Authorization": "Bearer " + direct_token}, timeout=30)
    assert response.status_code == 200
    return response.json()


def comparisons(node):
    """Return the comparisons of a parsed WHERE clause, whatever their nesting."""
    if node is None:
        return []
    if isinstance(node, (Comparison, InList)):
        return [node]
    if isinstance(node, BoolOp):
        return [item for child in node.items for item in comparisons(child)]
    if isinstance(node, Not):
        return comparisons(node.item)
    raise AssertionError("unexpected WHERE node %r" % (node,))


def test_list_filters_become_one_literal_each(account_describe):
    @settings(max_examples=1500, deadline=None)
    @given(st.sampled_from(FILTER_FIELDS), FILTER_VALUES)
    @example("Name", "x' OR Name != 'y")
    @example("AnnualRevenue", "1 OR Name != null")
    @example("CreatedDate", "2024-01-01T00:00:00Z OR Id != null")
    def check(field, value):
        try:
            soql = build_list_soql(account_describe, ListRequest(filters=[(field, value)]))
        except DialectError:
            return

        found = comparisons(Parser(soql).parse().where)
        assert len(found) == 1, soql
        assert found[0].field.text.lower() == field.lower(), soql
        if field.lower() == "name" and value != "null":
            assert found[0].value.value == value, soql

    check()
