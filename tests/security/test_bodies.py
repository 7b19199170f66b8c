"""Bodies and encodings: malformed JSON, oversized and unsupported bodies, and non-ASCII text end to end."""

import json
import socket
import time
import urllib.parse

import pytest
import requests

from tests.fixtures.proxy import DEMO_PASSWORD, DEMO_USERNAME, password_login, start_proxy
from tests.security.helpers import (
    API,
    SALESFORCE_SHAPES,
    assert_error,
    assert_no_leak,
    bearer_headers,
    new_bearer,
    raw_request,
)
from dialects.soql import quote_string

LIMIT = 10000
JSON_TYPE = {"Content-Type": "application/json"}


def writes(sandbox):
    return [entry for entry in sandbox.calls()["log"]
            if entry["method"] in ("POST", "PATCH", "PUT", "DELETE") and entry["path"].startswith(API + "/sobjects")]


MALFORMED = [
    (b'{"Name": }', 9),
    (b'{"Name": "x",}', 13),
    (b'[1, 2', 5),
    (b'{"Name": "x"}{', 13),
    (b'nul', 0),
    (b'{"Name": "x\n"}', 11),
    (b'{"Name": "\\q"}', 10),
    (b'{"Name": NaN}', 9),
    (b'{"Name": "NaN", "AnnualRevenue": Infinity}', 33),
    (b'{"AnnualRevenue": -Infinity}', 18),
    (b"{'Name': 'x'}", 1),
    (b'{"Name": "x"', 12),
]


@pytest.mark.parametrize("body, position", MALFORMED)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_malformed_json_gives_position(proxy, sandbox, sealed, account_id, body, position, method):
    path = "/Account" if method == "POST" else "/Account/" + account_id
    sandbox.reset_calls()

    response = requests.request(method, proxy.url + path, data=body, headers=bearer_headers(sealed, **JSON_TYPE),
                                timeout=30)

    error = assert_error(response, 400, "invalid_json")
    assert "(char %d)" % position in error["message"], error
    assert writes(sandbox) == []


def test_body_that_is_not_utf8_rejected(proxy, sandbox, sealed):
    response = requests.post(proxy.url + "/Account", data=b'{"Name": "Z\xfcrich"}',
                             headers=bearer_headers(sealed, **JSON_TYPE), timeout=30)

    assert_error(response, 400, "invalid_json")
    assert writes(sandbox) == []


UNSUPPORTED = ["text/plain", "application/xml", "text/html", "multipart/form-data; boundary=x", "text/json",
               "application/x-www-form-urlencoded", "application/octet-stream", "application/jsonx"]


@pytest.mark.parametrize("content_type", UNSUPPORTED)
@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT"])
def test_unsupported_content_type_gives_415(proxy, sandbox, sealed, account_id, content_type, method):
    path = "/Account" if method == "POST" else "/Account/" + account_id
    body = b'--x\r\nContent-Disposition: form-data; name="Name"\r\n\r\nx\r\n--x--\r\n' if "multipart" in content_type \
        else b'Name=x' if "urlencoded" in content_type else b'{"Name": "x"}'
    sandbox.reset_calls()

    response = requests.request(method, proxy.url + path, data=body,
                                headers=bearer_headers(sealed, **{"Content-Type": content_type}), timeout=30)

    assert_error(response, 415, "unsupported_media_type")
    assert writes(sandbox) == []


# -- size limit ------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_proxy(sandbox_server):
    """A proxy with MAX_BODY_BYTES=10000."""
    process = start_proxy(sandbox_server.url, environ={"MAX_BODY_BYTES": str(LIMIT)})
    yield process
    process.stop()


@pytest.fixture(scope="module")
def small_sealed(small_proxy):
    return new_bearer(small_proxy.url)


class RawClient:
    """One HTTP/1.1 connection driven by hand, to send a body slowly or in chunks."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.host = "%s:%d" % (parts.hostname, parts.port)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=10)

    def send_head(self, method, path, headers):
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: " + self.host]
        lines += ["%s: %s" % item for item in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def read_status(self):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            data += chunk
        status_line = data.split(b"\r\n", 1)[0].decode("latin-1")
        return int(status_line.split()[1]), data

    def close(self):
        self.sock.close()


ROUTES = [("POST", "/Account"), ("PATCH", "/Account/001000000000001AAA"), ("POST", "/apex/echo"),
          ("PUT", "/apex/echo/x"), ("POST", "/login/password"), ("POST", "/logout"), ("POST", "/no/such/route/here")]


def auth_for(kind, proxy, sealed):
    if kind == "bearer":
        return bearer_headers(sealed)
    return {"Cookie": "tornsf_session=" + sealed, "Origin": proxy.url}


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("kind", ["bearer", "cookie"])
def test_huge_content_length_refused_before_the_body(small_proxy, sandbox, small_sealed, method, path, kind):
    client = RawClient(small_proxy.url)
    sandbox.reset_calls()
    try:
        headers = dict(auth_for(kind, small_proxy, small_sealed), **{"Content-Type": "application/json",
                                                                    "Content-Length": str(10 ** 12)})
        client.send_head(method, path, headers)
        client.sock.sendall(b'{"Name": "')
        started = time.monotonic()

        status, head = client.read_status()

        assert status == 413, head
        assert time.monotonic() - started < 5
        assert b"body_too_large" in head or b"application/json" in head
    finally:
        client.close()
    assert sandbox.calls()["total"] == 0


def test_slow_trickle_gets_413_before_it_ends(small_proxy, sandbox, small_sealed):
    client = RawClient(small_proxy.url)
    try:
        client.send_head("POST", "/Account", dict(bearer_headers(small_sealed), **{
            "Content-Type": "application/json", "Content-Length": str(LIMIT * 100)}))
        client.sock.settimeout(0.5)
        status = None
        sent = 0
        # One byte every 10 ms: the whole body would take minutes.
        for _ in range(300):
            try:
                client.sock.sendall(b" ")
                sent += 1
                status, _ = client.read_status()
                break
            except socket.timeout:
                continue
            except OSError:
                break
        assert status == 413
        assert sent < 300
    finally:
        client.close()
    assert sandbox.calls()["total"] == 0


@pytest.mark.parametrize("method, path", ROUTES[:4])
def test_chunked_body_over_limit_refused_midway(small_proxy, sandbox, small_sealed, method, path):
    client = RawClient(small_proxy.url)
    sandbox.reset_calls()
    try:
        client.send_head(method, path, dict(bearer_headers(small_sealed), **{
            "Content-Type": "application/json", "Transfer-Encoding": "chunked"}))
        chunk = b"a" * 4096
        for _ in range(3):  # 12288 bytes, over the limit, and no final chunk
            client.sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))

        status, head = client.read_status()

        assert status == 413, head
    finally:
        client.close()
    assert sandbox.calls()["total"] == 0


def test_body_at_the_limit_accepted(small_proxy, sandbox, small_sealed):
    body = b"x" * LIMIT
    sandbox.reset_calls()

    response = requests.post(small_proxy.url + "/apex/echo", data=body,
                             headers=bearer_headers(small_sealed, **{"Content-Type": "text/plain"}), timeout=30)

    assert response.status_code == 200, response.text[:300]
    assert response.json()["rawBody"] == body.decode()
    over = requests.post(small_proxy.url + "/apex/echo", data=body + b"x",
                         headers=bearer_headers(small_sealed, **{"Content-Type": "text/plain"}), timeout=30)
    assert_error(over, 413, "body_too_large")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_static_module_buffers_no_body(small_proxy, method):
    client = RawClient(small_proxy.url)
    try:
        client.send_head(method, "/tornsf.js", {"Content-Length": str(10 ** 9)})
        client.sock.sendall(b"x" * 100)

        status, _ = client.read_status()

        assert status == 405
    finally:
        client.close()
    assert requests.get(small_proxy.url + "/tornsf.js", timeout=10).status_code == 200


# -- non-ASCII text --------------------------------------------------------------

TEXTS = {
    "umlaut": "Zürich Straße",
    "cjk": "東京都 渋谷区",
    "emoji": "Café 😀🚀👩‍👩‍👧",
    "combining": "e\u0301te\u0301 (decomposed)",
    "precomposed": "été (precomposed)",
    "hebrew": "שלום עולם",
    "arabic": "مرحبا بالعالم",
    "bidi": "abc \u202edcba\u202c \u200f",
    "math": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 Ω≈√",
    "zero-width": "a\u200bb\u2060c",
    "quotes": "O'Brien \"\\ 'x'",
}


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_non_ascii_record_round_trip(proxy, sandbox, sealed, key):
    name = "%s %s" % (key, TEXTS[key])
    headers = bearer_headers(sealed, **SALESFORCE_SHAPES)
    sandbox.reset_calls()

    created = requests.post(proxy.url + "/Account", data=json.dumps({"Name": name}, ensure_ascii=False).encode(),
                            headers=dict(headers, **JSON_TYPE), timeout=30)
    assert created.status_code == 201, created.text
    sent = [entry for entry in sandbox.calls()["log"] if entry["method"] == "POST"
            and entry["path"] == API + "/sobjects/Account"]
    assert len(sent) == 1
    assert json.loads(sent[0]["body"])["Name"] == name
    record_id = created.json()["id"]

    read = requests.get(proxy.url + "/Account/" + record_id, headers=headers, timeout=30)
    assert read.json()["Name"] == name
    assert name.encode("utf-8") in read.content or json.dumps(name)[1:-1].encode() in read.content

    soql = "SELECT Id, Name FROM Account WHERE Name = %s" % quote_string(name)
    sandbox.reset_calls()
    found = requests.get(proxy.url + "/Account", params={"q": soql}, headers=headers, timeout=30)
    assert found.status_code == 200, found.text
    assert [record["Name"] for record in found.json()["records"]] == [name]
    query = [entry for entry in sandbox.calls()["log"] if entry["path"] == API + "/query"]
    assert urllib.parse.parse_qs(query[0]["query"]) == {"q": [soql]}
    assert urllib.parse.quote(soql, safe="/").encode() in query[0]["query"].encode()

    requests.delete(proxy.url + "/Account/" + record_id, headers=headers, timeout=30)


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_non_ascii_apex_arguments_and_body_arrive_unchanged(proxy, sandbox, sealed, key):
    text = TEXTS[key]
    segment = text.replace("\\", "")  # a backslash is refused in a path segment, even encoded
    sandbox.reset_calls()

    response = requests.post(proxy.url + "/apex/echo/" + urllib.parse.quote(segment, safe=""),
                             params={"city": text, text: "key"}, data=text.encode("utf-8"),
                             headers=bearer_headers(sealed, **{"Content-Type": "text/plain; charset=utf-8"}),
                             timeout=30)

    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["params"] == {"city": text, text: "key"}
    assert echo["rawBody"] == text
    assert echo["path"] == "/services/apexrest/echo/" + urllib.parse.quote(segment, safe="-._~!$&'()*+,;=:@")
    entry = [e for e in sandbox.calls()["log"] if e["path"].startswith("/services/apexrest/")][0]
    assert urllib.parse.parse_qs(entry["query"]) == {"city": [text], text: ["key"]}
    assert entry["body"] == text


@pytest.mark.slow
def test_non_ascii_across_a_multi_page_autofetch(sandbox_factory):
    org = sandbox_factory(seed=None)
    token = requests.post(org.url + "/services/oauth2/token", data={
        "grant_type": "password", "client_id": "tornsf-sandbox", "client_secret": "tornsf-sandbox-secret",
        "username": DEMO_USERNAME, "password": DEMO_PASSWORD}, timeout=30).json()
    direct = requests.Session()
    direct.headers["Authorization"] = "Bearer " + token["access_token"]
    texts = sorted(TEXTS.values())
    names = ["%04d %s" % (number, texts[number % len(texts)]) for number in range(450)]
    for name in names:
        response = direct.post(org.url + API + "/sobjects/Account", json={"Name": name}, timeout=30)
        assert response.status_code == 201, response.text

    proxy = start_proxy(org.url)
    try:
        sealed = password_login(proxy.url).json()["session"]
        org.reset_calls()
        response = requests.get(proxy.url + "/Account", params={"q": "SELECT Name FROM Account ORDER BY Name",
                                                               "autoFetch": "true"},
                                headers=bearer_headers(sealed, **dict(SALESFORCE_SHAPES, **{
                                    "Sforce-Query-Options": "batchSize=200"})), timeout=60)

        assert response.status_code == 200
        assert [record["Name"] for record in response.json()["records"]] == names
        for name in names[:20]:
            assert name.encode("utf-8") in response.content or json.dumps(name)[1:-1].encode() in response.content
        pages = [entry for entry in org.calls()["log"] if entry["path"].startswith(API + "/query")]
        assert len(pages) == 3
        assert_no_leak(response.text)
    finally:
        proxy.stop()
