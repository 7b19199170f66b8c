"""Start-up rejects settings that trust too much: wildcards above public suffixes, plain-http callbacks in prod."""

import subprocess
import sys

import pytest

from tests.fixtures.proxy import REPO_ROOT, TEST_COOKIE_SECRET, proxy_environ
from tornsf.config import load_settings
from tornsf.errors import StartupError

BASE = {"SALESFORCE_CLIENT_ID": "c", "SALESFORCE_CLIENT_SECRET": "s", "COOKIE_SECRET": TEST_COOKIE_SECRET}

TOO_BROAD = [
    ("SALESFORCE_ALLOWED_HOSTS", "*.com"),
    ("SALESFORCE_ALLOWED_HOSTS", "*.co.uk"),
    ("SALESFORCE_ALLOWED_HOSTS", "*.herokuapp.com:443"),
    ("ORIGINS", "https://*.co.uk"),
    ("ORIGINS", "https://*.com.au"),
    ("ORIGINS", "*.co.jp"),
    ("ORIGINS", "https://*.github.io"),
    ("PROXY_HOSTS", "*.com"),
    ("PROXY_HOSTS", "*.herokuapp.com"),
]

NARROW_ENOUGH = [
    ("SALESFORCE_ALLOWED_HOSTS", "*.example.com"),
    ("ORIGINS", "https://*.example.co.uk"),
    ("ORIGINS", "https://app.github.io"),
    ("PROXY_HOSTS", "tornsf-demo.herokuapp.com"),
]


@pytest.mark.parametrize("name, value", TOO_BROAD)
def test_too_broad_wildcard_rejected(name, value):
    with pytest.raises(StartupError) as raised:
        load_settings("dev", dict(BASE, **{name: value}))

    assert name in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("name, value", NARROW_ENOUGH)
def test_own_domain_wildcards_accepted(name, value):
    settings = load_settings("dev", dict(BASE, **{name: value}))

    assert settings.env == "dev"


@pytest.mark.parametrize("url", ["http://proxy.example.com/login/callback", "http://10.0.0.5:5000/login/callback"])
def test_prod_plain_http_callback_rejected(url):
    with pytest.raises(StartupError, match="SALESFORCE_REDIRECT_URL"):
        load_settings("prod", dict(BASE, SALESFORCE_REDIRECT_URL=url))


@pytest.mark.parametrize("url, env", [("http://127.0.0.1:5000/login/callback", "prod"),
                                      ("https://proxy.example.com/login/callback", "prod"),
                                      ("http://proxy.example.com/login/callback", "dev")])
def test_callback_url_accepted(url, env):
    settings = load_settings(env, dict(BASE, SALESFORCE_REDIRECT_URL=url))

    assert settings.redirect_url == url


@pytest.mark.parametrize("name, value", [("ORIGINS", "https://*.co.uk"), ("SALESFORCE_ALLOWED_HOSTS", "*.com")])
def test_cli_exits_with_one_line(tmp_path, name, value):
    environ = proxy_environ("http://127.0.0.1:9", {name: value})
    result = subprocess.run([sys.executable, "-m", "tornsf", "--env", "dev", "--port", "0"], cwd=tmp_path,
                            env=environ, capture_output=True, text=True, timeout=60)

    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("tornsf:")]
    assert len(lines) == 1, result.stderr
    assert name in lines[0]
    assert str(REPO_ROOT) not in result.stderr
