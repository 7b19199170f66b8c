"""The Salesforce host check returns the same results from its cache."""

import pytest

from tornsf.security import MAX_REMEMBERED_URL_LENGTH, salesforce_host_allowed

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")

CASES = [
    ("https://acme.my.salesforce.com", (), True),
    ("https://acme--dev.sandbox.my.salesforce.com", (), True),
    ("https://acme.lightning.force.com", (), True),
    ("https://acme.my.salesforce.com:8443", (), False),
    ("http://acme.my.salesforce.com", (), False),
    ("https://salesforce.com.evil.example", (), False),
    ("https://evilsalesforce.com", (), False),
    ("https://user@acme.my.salesforce.com", (), False),
    ("https://acme.my.salesforce.com\\@evil.example", (), False),
    ("https://acme.my.salesforce.com\t", (), False),
    ("http://127.0.0.1:8080", (), False),
    ("http://127.0.0.1:8080", LOOPBACK_HOSTS, True),
    ("http://127.0.0.1:8080", ("127.0.0.1:9090",), False),
    ("http://10.0.0.5:8080", ("10.0.0.5",), False),
    ("https://10.0.0.5:8080", ("10.0.0.5",), True),
    ("https://sf.corp.example", ("*.corp.example",), True),
    ("https://corp.example", ("*.corp.example",), False),
]


@pytest.mark.parametrize("url, hosts, expected", CASES)
def test_cached_result_is_the_same(url, hosts, expected):
    assert salesforce_host_allowed(url, hosts) is expected
    assert salesforce_host_allowed(url, hosts) is expected
    assert salesforce_host_allowed(url, list(hosts)) is expected


def test_result_depends_on_allowed_hosts():
    url = "http://127.0.0.1:5555"

    assert salesforce_host_allowed(url, LOOPBACK_HOSTS) is True
    assert salesforce_host_allowed(url, ()) is False
    assert salesforce_host_allowed(url, ("localhost",)) is False
    assert salesforce_host_allowed(url, LOOPBACK_HOSTS) is True


def test_long_urls_checked_too():
    path = "/id/00D000000000001AAA/005000000000001AAA?" + "x" * MAX_REMEMBERED_URL_LENGTH

    assert salesforce_host_allowed("https://login.salesforce.com" + path) is True
    assert salesforce_host_allowed("https://login.salesforce.com.evil.example" + path) is False
    assert salesforce_host_allowed("https://login.salesforce.com" + path + "\n") is False


@pytest.mark.parametrize("value", [None, "", 42, ["https://acme.my.salesforce.com"], {"url": "x"}])
def test_non_url_values_rejected(value):
    assert salesforce_host_allowed(value, LOOPBACK_HOSTS) is False
