"""Settings of the proxy, read once at start-up from the environment.

``load_settings`` reads ``.denv`` (dev) or ``.env`` (prod) from the current
directory with python-dotenv, lets the real environment override it, checks
every value and returns a frozen ``Settings``.  A missing or invalid value
raises ``StartupError`` with one line that names the variable and the fix.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import pathlib
import re
import secrets
import urllib.parse
from typing import Callable, Mapping, Optional, TypeVar

import dotenv

from tornsf.errors import StartupError
from tornsf.security import (
    check_origin_pattern,
    is_loopback_host,
    is_safe_redirect,
    parse_host_entry,
    salesforce_host_allowed,
    url_origin,
)

logger = logging.getLogger(__name__)

ENV_FILES = {"dev": ".denv", "prod": ".env"}
DEFAULT_LOGIN_URL = "https://login.salesforce.com"
MIN_SECRET_LENGTH = 32
SECRET_HINT = "generate one with: python -c \"import secrets; print(secrets.token_hex(32))\""

T = TypeVar("T")

# Domains under which anyone can get a name: two-label country suffixes and
# shared hosting domains.  A wildcard directly above one (``*.co.uk``,
# ``*.herokuapp.com``) would trust strangers.  Single-label suffixes (``com``)
# are caught by counting labels.
# NOTE: a short list of the common ones, not the whole Public Suffix List.
PUBLIC_SUFFIXES = frozenset({
    "co.uk", "org.uk", "me.uk", "ltd.uk", "plc.uk", "ac.uk", "gov.uk", "net.uk",
    "com.au", "net.au", "org.au", "edu.au", "gov.au", "id.au",
    "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp",
    "co.nz", "org.nz", "net.nz", "co.za", "org.za", "co.in", "net.in", "org.in", "co.kr", "or.kr",
    "co.il", "com.br", "net.br", "com.cn", "net.cn", "com.mx", "com.ar", "com.tr", "com.tw", "com.hk",
    "com.sg", "com.my", "com.ph", "com.pl", "co.id", "co.th", "com.ua", "com.co", "com.pe", "com.vn",
    "herokuapp.com", "herokudns.com", "github.io", "gitlab.io", "appspot.com", "cloudfront.net",
    "azurewebsites.net", "vercel.app", "netlify.app", "pages.dev", "workers.dev", "web.app",
    "firebaseapp.com", "onrender.com", "fly.dev", "ngrok.io", "ngrok-free.app", "amazonaws.com",
})


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every setting of the proxy; secrets are left out of ``repr``."""

    env: str = "dev"
    client_id: str = ""
    client_secret: str = dataclasses.field(default="", repr=False)
    # The callback URL registered on the connected app; "" means
    # ``<this server>/login/callback`` taken from each request.
    redirect_url: str = ""
    login_url: str = DEFAULT_LOGIN_URL
    api_version: str = "62.0"
    final_url: str = ""
    allowed_hosts: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    # Signing secrets by key version; the session cookie is sealed with
    # ``cookie_key_version`` and any listed version is still accepted.
    cookie_secrets: Mapping[int, str] = dataclasses.field(default_factory=dict, repr=False)
    cookie_key_version: int = 0
    host: str = "127.0.0.1"
    port: int = 5000
    processes: int = 0
    max_clients: int = 200
    upstream_timeout: float = 30.0
    max_fetch: int = 100000
    session_max_age: int = 43200
    api_prefix: str = ""
    max_body_bytes: int = 1048576
    default_dialect: str = "clay"
    dialects: tuple[str, ...] = ()
    shutdown_grace: float = 25.0
    sandbox: bool = False
    # OAuth scopes to request in the web-server flow; empty means the
    # connected app's configured scopes.
    scope: tuple[str, ...] = ()
    # Host names (``host``, ``host:port`` or ``*.domain``) clients may reach
    # the proxy by, from PROXY_HOSTS plus the host of SALESFORCE_REDIRECT_URL.
    proxy_hosts: tuple[str, ...] = ()
    # Credentials for ``GET /login/password`` in dev only.
    dev_username: str = ""
    dev_password: str = dataclasses.field(default="", repr=False)
    log_level: str = "INFO"
    # Use X-Forwarded-For/X-Real-Ip and X-Forwarded-Proto/X-Scheme from a
    # front proxy (Tornado's ``xheaders``); on by default on Heroku only.
    trust_proxy_headers: bool = False
    # Seconds a connection may stay idle or take to send its headers, and
    # seconds a request body may take to arrive.
    idle_timeout: float = 60.0
    body_timeout: float = 60.0

    @property
    def is_prod(self) -> bool:
        return self.env == "prod"

    @property
    def cookie_secret(self) -> str:
        """The current signing secret."""
        return self.cookie_secrets[self.cookie_key_version]


def key_version_for(secret: str) -> int:
    """Derive a stable key version from a secret, so rotation needs no numbering."""
    digest = hashlib.sha256(b"tornsf key version:" + secret.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big")


def read_environment(env: str, directory: Optional[pathlib.Path] = None) -> dict[str, str]:
    """Return the variables of the env file for ``env``, overridden by the real environment."""
    path = (directory or pathlib.Path.cwd()) / ENV_FILES[env]
    values = {key: value for key, value in dotenv.dotenv_values(path).items() if value is not None}
    values.update(os.environ)
    return values


class _Reader:
    """Read and check one variable at a time, naming it in every error."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def text(self, name: str, default: str = "") -> str:
        return self.environ.get(name, default).strip() or default

    def number(self, name: str, default: T, convert: Callable[[str], T], check: Callable[[T], bool], expected: str) -> T:
        raw = self.text(name)
        if not raw:
            return default

        try:
            value = convert(raw)
        except ValueError:
            value = None
        if value is None or not check(value):
            raise StartupError("%s=%r is invalid: set it to %s." % (name, raw, expected))
        return value

    def items(self, name: str) -> tuple[str, ...]:
        return tuple(item.strip() for item in self.text(name).split(",") if item.strip())


def wildcard_problem(entry: str) -> Optional[str]:
    """Return why a ``*.domain`` entry is too broad, or None (also for entries without a wildcard)."""
    host = entry.lower().split("://", 1)[-1]
    if not host.startswith("*."):
        return None

    domain = host[2:].split(":", 1)[0]
    if "." not in domain:
        return "a wildcard needs a domain with at least two labels, e.g. *.example.com"
    if domain in PUBLIC_SUFFIXES:
        return ("*.%s matches names that anyone can register: list exact host names, or a wildcard under "
                "a domain you own" % domain)
    return None


def _load_origins(reader: _Reader) -> tuple[str, ...]:
    origins = reader.items("ORIGINS")
    for pattern in origins:
        problem = check_origin_pattern(pattern) or wildcard_problem(pattern)
        if problem:
            raise StartupError("ORIGINS contains %r: %s." % (pattern, problem))
    return tuple(pattern.lower() for pattern in origins)


def _load_allowed_hosts(reader: _Reader) -> tuple[str, ...]:
    hosts = reader.items("SALESFORCE_ALLOWED_HOSTS")
    for entry in hosts:
        _check_host_entry(
            "SALESFORCE_ALLOWED_HOSTS", entry,
            "list host names such as 127.0.0.1, localhost:8080 or *.example.com, separated by commas.",
        )
    return tuple(entry.lower() for entry in hosts)


def _check_host_entry(name: str, entry: str, usage: str) -> None:
    """Raise StartupError unless ``entry`` is a host, host:port or allowed wildcard, ending the message with ``usage``."""
    try:
        host, _ = parse_host_entry(entry)
    except ValueError:
        host = ""
    if not host or "/" in entry:
        raise StartupError("%s contains %r: %s" % (name, entry, usage))

    problem = wildcard_problem(entry)
    if problem:
        raise StartupError("%s contains %r: %s." % (name, entry, problem))


def _load_login_url(reader: _Reader, allowed_hosts: tuple[str, ...]) -> str:
    login_url = reader.text("SALESFORCE_LOGIN_URL", DEFAULT_LOGIN_URL).rstrip("/")
    origin = url_origin(login_url)
    if origin is None or origin != login_url.lower():
        raise StartupError(
            "SALESFORCE_LOGIN_URL=%r is invalid: set it to a scheme and host only, "
            "e.g. https://login.salesforce.com or https://NAME.my.salesforce.com." % login_url
        )
    if not salesforce_host_allowed(origin, allowed_hosts):
        raise StartupError(
            "SALESFORCE_LOGIN_URL=%r is not a Salesforce host: use an https Salesforce domain, "
            "or add the host to SALESFORCE_ALLOWED_HOSTS (plain http works for loopback only)." % login_url
        )
    return origin


def _load_cookie_secrets(reader: _Reader, env: str) -> tuple[dict[int, str], int]:
    current = reader.text("COOKIE_SECRET")
    if not current:
        if env == "prod":
            raise StartupError("COOKIE_SECRET is missing: it is required with --env prod; %s." % SECRET_HINT)
        current = secrets.token_hex(32)
        logger.warning(
            "COOKIE_SECRET is not set: using a random secret, so sessions end when the proxy stops. "
            "Set COOKIE_SECRET in .denv to keep them."
        )
    elif env == "prod" and len(current) < MIN_SECRET_LENGTH:
        raise StartupError(
            "COOKIE_SECRET is too short (%d characters): use at least %d random characters; %s."
            % (len(current), MIN_SECRET_LENGTH, SECRET_HINT)
        )

    cookie_secrets = {key_version_for(current): current}
    previous = reader.text("COOKIE_SECRET_OLD")
    if previous:
        cookie_secrets.setdefault(key_version_for(previous), previous)
    return cookie_secrets, key_version_for(current)


def _load_flag(reader: _Reader, name: str, default: bool) -> bool:
    raw = reader.text(name).lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise StartupError("%s=%r is invalid: set it to true or false." % (name, raw))


def default_body_timeout(max_body_bytes: int) -> float:
    """Return seconds for a body of MAX_BODY_BYTES at 32 KiB/s, and at least 60."""
    return max(60.0, max_body_bytes / 32768.0)


def _load_proxy_hosts(reader: _Reader, redirect_url: str) -> tuple[str, ...]:
    hosts = [entry.lower() for entry in reader.items("PROXY_HOSTS")]
    for entry in hosts:
        _check_host_entry(
            "PROXY_HOSTS", entry,
            "list the host names clients use to reach this proxy, such as proxy.example.com, "
            "proxy.example.com:8443 or *.example.com, separated by commas.",
        )

    if redirect_url:
        # The callback URL registered on the connected app names this proxy.
        hosts.append(urllib.parse.urlsplit(redirect_url).netloc.lower())
    return tuple(hosts)


def _load_redirect_url(reader: _Reader, env: str) -> str:
    redirect_url = reader.text("SALESFORCE_REDIRECT_URL")
    origin = url_origin(redirect_url) if redirect_url else ""
    if origin is None:
        raise StartupError(
            "SALESFORCE_REDIRECT_URL=%r is invalid: set it to the absolute callback URL registered on the "
            "connected app, e.g. https://proxy.example.com/login/callback." % redirect_url
        )

    # The authorization code travels in this URL, so prod needs https except on this machine.
    host = urllib.parse.urlsplit(origin).hostname or "" if origin else ""
    if env == "prod" and origin.startswith("http://") and not is_loopback_host(host):
        raise StartupError(
            "SALESFORCE_REDIRECT_URL=%r uses plain http: use https in prod (plain http works for loopback "
            "hosts only), and register the https URL on the connected app." % redirect_url
        )
    return redirect_url


def _load_final_url(reader: _Reader, origins: tuple[str, ...]) -> str:
    final_url = reader.text("SALESFORCE_FINAL_URL")
    if not final_url:
        return ""

    # Without a request the server's own origin is unknown, so an absolute
    # URL must match ORIGINS; a path is checked as a path on this server.
    if not is_safe_redirect(final_url, "", origins):
        raise StartupError(
            "SALESFORCE_FINAL_URL=%r is not allowed: use a path on this server (e.g. /app/) "
            "or a URL whose origin is listed in ORIGINS." % final_url
        )
    return final_url


def _load_api_prefix(reader: _Reader) -> str:
    prefix = reader.text("API_PREFIX").rstrip("/")
    if prefix and not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", prefix):
        raise StartupError("API_PREFIX=%r is invalid: use \"\" or a path such as /api." % prefix)
    return prefix


def load_settings(env: str, environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Read, check and return the settings for ``env`` ("dev" or "prod").

    ``environ`` defaults to the env file for ``env`` overridden by ``os.environ``.
    """
    if env not in ENV_FILES:
        raise StartupError("--env %r is invalid: use dev or prod." % env)
    reader = _Reader(read_environment(env) if environ is None else environ)

    client_id = reader.text("SALESFORCE_CLIENT_ID")
    client_secret = reader.text("SALESFORCE_CLIENT_SECRET")
    if not client_id:
        raise StartupError(
            "SALESFORCE_CLIENT_ID is missing: set it to your connected app's consumer key "
            "(copy .denv.example to .denv), or start with --sandbox to use the sandbox org."
        )
    if not client_secret:
        raise StartupError(
            "SALESFORCE_CLIENT_SECRET is missing: set it to your connected app's consumer secret "
            "(copy .denv.example to .denv), or start with --sandbox to use the sandbox org."
        )

    api_version = reader.text("SALESFORCE_API_VERSION", "62.0")
    if not re.fullmatch(r"[1-9][0-9]\.0", api_version):
        raise StartupError("SALESFORCE_API_VERSION=%r is invalid: use a version such as 62.0." % api_version)

    allowed_hosts = _load_allowed_hosts(reader)
    origins = _load_origins(reader)
    cookie_secrets, cookie_key_version = _load_cookie_secrets(reader, env)

    log_level = reader.text("LOG_LEVEL", "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise StartupError("LOG_LEVEL=%r is invalid: use DEBUG, INFO, WARNING or ERROR." % log_level)

    redirect_url = _load_redirect_url(reader, env)
    positive_int = lambda value: value > 0  # noqa: E731
    max_body_bytes = reader.number("MAX_BODY_BYTES", 1048576, int, positive_int, "a positive number of bytes")
    return Settings(
        env=env,
        client_id=client_id,
        client_secret=client_secret,
        redirect_url=redirect_url,
        proxy_hosts=_load_proxy_hosts(reader, redirect_url),
        login_url=_load_login_url(reader, allowed_hosts),
        api_version=api_version,
        final_url=_load_final_url(reader, origins),
        allowed_hosts=allowed_hosts,
        origins=origins,
        cookie_secrets=cookie_secrets,
        cookie_key_version=cookie_key_version,
        host=reader.text("HOST", "0.0.0.0" if env == "prod" else "127.0.0.1"),
        port=reader.number("PORT", 5000, int, lambda v: 0 <= v < 65536, "a port number from 0 to 65535"),
        processes=reader.number("WEB_CONCURRENCY", 0, int, lambda v: v >= 0, "a number of processes (0 = one per CPU)"),
        max_clients=reader.number("MAX_CLIENTS", 200, int, positive_int, "a positive number of connections"),
        upstream_timeout=reader.number("UPSTREAM_TIMEOUT", 30.0, float, lambda v: v > 0, "a positive number of seconds"),
        max_fetch=reader.number("MAX_FETCH", 100000, int, positive_int, "a positive number of records"),
        session_max_age=reader.number("SESSION_MAX_AGE", 43200, int, positive_int, "a positive number of seconds"),
        api_prefix=_load_api_prefix(reader),
        max_body_bytes=max_body_bytes,
        default_dialect=reader.text("DEFAULT_DIALECT", "clay"),
        dialects=reader.items("DIALECTS"),
        shutdown_grace=reader.number("SHUTDOWN_GRACE", 25.0, float, lambda v: v >= 0, "a number of seconds"),
        sandbox=reader.text("TORNSF_SANDBOX") == "1",
        scope=tuple(reader.text("SALESFORCE_SCOPE").split()),
        dev_username=reader.text("SALESFORCE_USERNAME"),
        dev_password=reader.text("SALESFORCE_PASSWORD"),
        log_level=log_level,
        # Heroku's router sets X-Forwarded-For and X-Forwarded-Proto and
        # replaces what clients send; elsewhere only a front proxy that does the
        # same may be trusted.  Heroku sets DYNO in every dyno.
        trust_proxy_headers=_load_flag(reader, "TRUST_PROXY_HEADERS", bool(reader.text("DYNO"))),
        idle_timeout=reader.number("IDLE_TIMEOUT", 60.0, float, lambda v: v > 0, "a positive number of seconds"),
        body_timeout=reader.number("BODY_TIMEOUT", default_body_timeout(max_body_bytes), float, lambda v: v > 0,
                                   "a positive number of seconds"),
    )
