"""Headers of /tornsf.js and where /demo exists, through HTTP against the real proxy."""

import re

import requests


def get(url, **headers):
    return requests.get(url, headers=headers, timeout=10)


def test_module_is_javascript(sandbox_proxy):
    response = get(sandbox_proxy.url + "/tornsf.js")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=UTF-8"
    assert "export function connect" in response.text
    assert "export class SalesforceError" in response.text


def test_module_has_etag_and_cache_lifetime(sandbox_proxy):
    response = get(sandbox_proxy.url + "/tornsf.js")
    cache_control = response.headers["Cache-Control"]

    assert re.fullmatch(r'"[0-9a-f]{32,}"', response.headers["ETag"])
    assert cache_control.startswith("public, max-age=")
    assert int(re.search(r"max-age=(\d+)", cache_control).group(1)) >= 3600


def test_module_etag_match_returns_304(sandbox_proxy):
    etag = get(sandbox_proxy.url + "/tornsf.js").headers["ETag"]
    response = get(sandbox_proxy.url + "/tornsf.js", **{"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == etag


def test_module_etag_mismatch_returns_200(sandbox_proxy):
    response = get(sandbox_proxy.url + "/tornsf.js", **{"If-None-Match": '"stale"'})

    assert response.status_code == 200
    assert response.content


def test_versioned_module_is_immutable(sandbox_proxy):
    etag = get(sandbox_proxy.url + "/tornsf.js").headers["ETag"]
    response = get(sandbox_proxy.url + "/tornsf.js?v=" + etag.strip('"'))

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_module_importable_from_any_origin(sandbox_proxy):
    response = get(sandbox_proxy.url + "/tornsf.js", Origin="http://elsewhere.test:8000")

    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_demo_served_in_dev_with_versioned_module(sandbox_proxy):
    etag = get(sandbox_proxy.url + "/tornsf.js").headers["ETag"]
    response = get(sandbox_proxy.url + "/demo")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert 'from "/tornsf.js?v=%s"' % etag.strip('"') in response.text


def test_demo_missing_in_prod(prod_proxy):
    assert get(prod_proxy.url + "/demo").status_code == 404


def test_module_served_in_prod(prod_proxy):
    response = get(prod_proxy.url + "/tornsf.js")

    assert response.status_code == 200
    assert response.headers["ETag"]
