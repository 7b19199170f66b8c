"""Apex responses of any type must not run as pages of the proxy's origin; JSON bytes stay exact."""

import pytest
import requests

from tests.fixtures.proxy import start_proxy
from tests.security.helpers import bearer_headers, new_bearer
from tests.security.hostile_upstream import HostileUpstream

HTML = b"<html><body><script>document.title='ran on the proxy origin'</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
JSON_BODY = b'{ "kept" : [1, 2.50, "\\u00e9"] }'


@pytest.fixture(scope="module")
def upstream():
    server = HostileUpstream().start()
    server.apex.update({
        "html": (200, {"Content-Type": "text/html; charset=utf-8"}, HTML),
        "svg": (200, {"Content-Type": "image/svg+xml"}, SVG),
        "xhtml": (200, {"Content-Type": "application/xhtml+xml"}, HTML),
        "untyped": (200, {}, b"<script>alert(1)</script>"),
        "json": (200, {"Content-Type": "application/json;charset=UTF-8"}, JSON_BODY),
        "text": (200, {"Content-Type": "text/plain"}, b"<b>plain</b>"),
        "xml": (200, {"Content-Type": "application/xml"}, b"<a>1</a>"),
    })
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hostile_proxy(upstream):
    process = start_proxy(upstream.url)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def sealed(hostile_proxy):
    return new_bearer(hostile_proxy.url)


def fetch(proxy, sealed, path):
    return requests.get(proxy.url + "/apex/" + path, headers=bearer_headers(sealed), timeout=30)


@pytest.mark.parametrize("path", ["html", "svg", "xhtml", "untyped"])
def test_apex_documents_served_as_attachments(hostile_proxy, sealed, path):
    response = fetch(hostile_proxy, sealed, path)

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy


def test_apex_untyped_body_is_octet_stream(hostile_proxy, sealed):
    response = fetch(hostile_proxy, sealed, "untyped")

    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.content == b"<script>alert(1)</script>"


def test_apex_json_bytes_unchanged(hostile_proxy, sealed):
    response = fetch(hostile_proxy, sealed, "json")

    assert response.status_code == 200
    assert response.content == JSON_BODY
    assert response.headers["Content-Type"].startswith("application/json")
    assert "Content-Disposition" not in response.headers
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["text", "xml"])
def test_apex_inert_types_displayed_inline(hostile_proxy, sealed, path):
    response = fetch(hostile_proxy, sealed, path)

    assert response.status_code == 200
    assert "Content-Disposition" not in response.headers
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/healthz", "/Account", "/login/whoami", "/no/such/route/here"])
def test_data_responses_forbid_scripts_and_framing(hostile_proxy, path):
    response = requests.get(hostile_proxy.url + path, timeout=30)

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_demo_page_keeps_its_scripts(hostile_proxy):
    response = requests.get(hostile_proxy.url + "/demo", timeout=30)

    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
