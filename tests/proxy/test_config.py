"""Start-up settings: env files, defaults, and one clear line for each bad value."""

import os
import pathlib
import subprocess
import sys

import pytest

from tests.fixtures.proxy import REPO_ROOT, proxy_environ
from tornsf.config import key_version_for, load_settings
from tornsf.errors import StartupError

GOOD = {
    "SALESFORCE_CLIENT_ID": "client",
    "SALESFORCE_CLIENT_SECRET": "secret",
    "COOKIE_SECRET": "x" * 40,
}


def run_cli(args, environ, cwd):
    """Run ``python -m tornsf`` expecting it to stop at start-up; return (code, stderr)."""
    env = proxy_environ("http://127.0.0.1:9", environ)
    for name in ("SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET", "COOKIE_SECRET", "SALESFORCE_LOGIN_URL"):
        if name not in environ:
            env.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "-m", "tornsf", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=20
    )
    return proc.returncode, proc.stderr


@pytest.mark.parametrize(
    "args, environ, variable",
    [
        (["--env", "dev"], {"SALESFORCE_CLIENT_SECRET": "s"}, "SALESFORCE_CLIENT_ID"),
        (["--env", "dev"], {"SALESFORCE_CLIENT_ID": "c"}, "SALESFORCE_CLIENT_SECRET"),
        (["--env", "prod"], {"SALESFORCE_CLIENT_ID": "c", "SALESFORCE_CLIENT_SECRET": "s"}, "COOKIE_SECRET"),
        (["--env", "prod"], dict(GOOD, COOKIE_SECRET="short"), "COOKIE_SECRET"),
        (["--env", "dev"], dict(GOOD, ORIGINS="https://ok.example.com,evil"), "ORIGINS"),
        (["--env", "dev"], dict(GOOD, ORIGINS="*"), "ORIGINS"),
        (["--env", "dev"], dict(GOOD, PORT="eighty"), "PORT"),
        (["--env", "dev"], dict(GOOD, WEB_CONCURRENCY="-1"), "WEB_CONCURRENCY"),
        (["--env", "dev"], dict(GOOD, SALESFORCE_LOGIN_URL="http://login.salesforce.com"), "SALESFORCE_LOGIN_URL"),
        (["--env", "dev"], dict(GOOD, SALESFORCE_LOGIN_URL="https://login.evil.net"), "SALESFORCE_LOGIN_URL"),
        (["--env", "dev"], dict(GOOD, SALESFORCE_FINAL_URL="https://evil.net/"), "SALESFORCE_FINAL_URL"),
        (["--env", "dev"], dict(GOOD, API_PREFIX="api"), "API_PREFIX"),
        (["--env", "dev"], dict(GOOD, UPSTREAM_TIMEOUT="0"), "UPSTREAM_TIMEOUT"),
        (["--env", "dev"], dict(GOOD, DEFAULT_DIALECT="nosuch"), "DEFAULT_DIALECT"),
        (["--env", "prod", "--sandbox"], GOOD, "--sandbox"),
    ],
)
def test_bad_setting_exits_with_one_line(tmp_path, args, environ, variable):
    # A free port, so that a value wrongly accepted fails fast instead of binding 5000.
    port_args = [] if variable == "PORT" else ["--port", "0"]
    code, stderr = run_cli(args + port_args, environ, tmp_path)

    assert code == 2
    lines = [line for line in stderr.splitlines() if line.startswith("tornsf:")]
    assert len(lines) == 1, stderr
    assert variable in lines[0]
    assert "Traceback" not in stderr


def test_env_file_read_and_real_env_wins(tmp_path, monkeypatch):
    (tmp_path / ".denv").write_text(
        "SALESFORCE_CLIENT_ID=from-file\nSALESFORCE_CLIENT_SECRET=file-secret\nPORT=6001\nORIGINS=https://a.example.com\n"
    )
    (tmp_path / ".env").write_text("SALESFORCE_CLIENT_ID=prod-file\n")
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("SALESFORCE_", "PORT", "ORIGINS", "COOKIE_SECRET")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORT", "6002")

    settings = load_settings("dev")

    assert settings.client_id == "from-file"
    assert settings.port == 6002
    assert settings.origins == ("https://a.example.com",)


def test_defaults_match_documentation():
    settings = load_settings("dev", dict(GOOD))

    assert settings.login_url == "https://login.salesforce.com"
    assert settings.api_version == "62.0"
    assert settings.port == 5000
    assert settings.max_clients == 200
    assert settings.upstream_timeout == 30
    assert settings.max_fetch == 100000
    assert settings.session_max_age == 43200
    assert settings.max_body_bytes == 1048576
    assert settings.shutdown_grace == 25
    assert settings.api_prefix == ""
    assert settings.host == "127.0.0.1"
    assert load_settings("prod", dict(GOOD)).host == "0.0.0.0"


def test_secret_rotation_versions():
    settings = load_settings("prod", dict(GOOD, COOKIE_SECRET="n" * 40, COOKIE_SECRET_OLD="o" * 40))

    assert settings.cookie_key_version == key_version_for("n" * 40)
    assert set(settings.cookie_secrets) == {key_version_for("n" * 40), key_version_for("o" * 40)}
    assert "n" * 40 not in repr(settings)


def test_dev_generates_ephemeral_secret():
    environ = {"SALESFORCE_CLIENT_ID": "c", "SALESFORCE_CLIENT_SECRET": "s"}

    first = load_settings("dev", environ)
    second = load_settings("dev", environ)

    assert len(first.cookie_secret) >= 32
    assert first.cookie_secret != second.cookie_secret
    with pytest.raises(StartupError, match="COOKIE_SECRET"):
        load_settings("prod", environ)


def test_secrets_not_in_settings_repr():
    settings = load_settings("dev", dict(GOOD, SALESFORCE_PASSWORD="hunter2-password"))

    text = repr(settings)
    assert "hunter2-password" not in text
    assert GOOD["COOKIE_SECRET"] not in text
    assert "client_secret" not in text


def test_heroku_files_start_prod():
    procfile = (REPO_ROOT / "Procfile").read_text()
    assert procfile.startswith("web: ")
    assert "--env prod" in procfile
    assert (REPO_ROOT / ".python-version").read_text().strip().startswith("3.")

    import json

    app = json.loads((REPO_ROOT / "app.json").read_text())
    assert app["env"]["COOKIE_SECRET"]["generator"] == "secret"
    example = pathlib.Path(REPO_ROOT / ".denv.example").read_text()
    for name in ("SALESFORCE_CLIENT_ID", "COOKIE_SECRET", "ORIGINS", "SESSION_MAX_AGE", "API_PREFIX"):
        assert name + "=" in example
