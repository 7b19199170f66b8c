"""Origin matching, redirect checks and the Salesforce host allow-list.

These functions turn client input (an ``Origin`` header, an ``app_url``, a
``login_server``, an ``instance_url`` from a token response) into yes or no.
They parse strictly and reject anything a browser could read as another host.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import urllib.parse
from typing import Iterable, Optional

# Host names as browsers send them in ``Origin``: ASCII letters, digits,
# hyphens and dots (IDNs arrive in punycode), or a bracketed IPv6 address.
_HOST = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])"
_ORIGIN_RE = re.compile(r"^(https?)://(" + _HOST + r")(?::([0-9]{1,5}))?$")
_PATTERN_RE = re.compile(
    r"^(?:(https?)://)?(\*\.)?(" + _HOST + r")(?::([0-9]{1,5}))?$"
)
_ABSOLUTE_URL_RE = re.compile(r"^(https?)://([^/?#]*)([/?#].*)?$", re.IGNORECASE | re.DOTALL)

DEFAULT_PORTS = {"http": 80, "https": 443}

# Domains Salesforce serves login, My Domain and instance hosts from.  The My
# Domain forms (NAME.my.salesforce.com, NAME--SBX.sandbox.my.salesforce.com,
# NAME.lightning.force.com, NAME.my.site.com) are subdomains of these.
SALESFORCE_DOMAINS = (
    "salesforce.com",
    "force.com",
    "cloudforce.com",
    "database.com",
    "site.com",
)

# ``salesforce_host_allowed`` caches its results for URLs up to this long, and
# checks longer ones on every call, so the cache takes little memory.
MAX_REMEMBERED_URL_LENGTH = 256


def parse_origin(origin: str) -> Optional[tuple[str, str, int]]:
    """Return ``(scheme, host, port)`` of a serialized origin, or None when it is not one.

    Only the exact form browsers send is accepted: lower or upper case scheme
    and host, no path, no user info, no trailing dot.
    """
    match = _ORIGIN_RE.match(origin.strip().lower()) if origin == origin.strip() else None
    if match is None:
        return None

    scheme, host, port = match.group(1), match.group(2), match.group(3)
    port_number = int(port) if port else DEFAULT_PORTS[scheme]
    if not 0 < port_number < 65536:
        return None
    return scheme, host, port_number


def format_origin(scheme: str, host: str, port: int) -> str:
    """Serialize an origin, leaving out the scheme's default port as browsers do."""
    if DEFAULT_PORTS.get(scheme) == port:
        return "%s://%s" % (scheme, host)
    return "%s://%s:%d" % (scheme, host, port)


def normalize_origin(origin: str) -> Optional[str]:
    """Return the canonical form of ``origin``, or None when it is not an origin."""
    parsed = parse_origin(origin)
    return format_origin(*parsed) if parsed else None


def check_origin_pattern(pattern: str) -> Optional[str]:
    """Return why ``pattern`` is not a valid ``ORIGINS`` entry, or None when it is."""
    match = _PATTERN_RE.match(pattern.lower())
    if match is None:
        return "expected an origin such as https://app.example.com or a pattern such as https://*.example.com"

    scheme, wildcard, domain, port = match.groups()
    if scheme is None and not wildcard:
        return "an exact origin needs its scheme, e.g. https://%s" % pattern
    if wildcard and "." not in domain:
        return "a wildcard needs a domain with at least two labels, e.g. *.example.com"
    if port and not 0 < int(port) < 65536:
        return "the port must be between 1 and 65535"
    return None


def _pattern_matches(pattern: str, scheme: str, host: str, port: int) -> bool:
    match = _PATTERN_RE.match(pattern.lower())
    if match is None:
        return False

    pattern_scheme, wildcard, domain, pattern_port = match.groups()
    # A pattern without a scheme (``*.example.com``) only admits https.
    pattern_scheme = pattern_scheme or "https"
    if scheme != pattern_scheme:
        return False

    expected_port = int(pattern_port) if pattern_port else DEFAULT_PORTS[pattern_scheme]
    if port != expected_port:
        return False

    if wildcard:
        # Any depth of subdomain, but never the bare domain, never a host that
        # merely ends with the same letters (``evilexample.com``) and never a
        # host that continues after it (``example.com.evil.net``).
        return host.endswith("." + domain) and len(host) > len(domain) + 1
    return host == domain


def origin_allowed(origin: Optional[str], patterns: Iterable[str]) -> bool:
    """Return True when ``origin`` matches one of the ``ORIGINS`` patterns."""
    if not origin:
        return False

    parsed = parse_origin(origin)
    if parsed is None:
        return False
    return any(_pattern_matches(pattern, *parsed) for pattern in patterns)


def _has_forbidden_characters(text: str) -> bool:
    # Browsers strip tabs and newlines from URLs and read a backslash as a
    # slash, so ``/\evil.com`` or ``/\t/evil.com`` would leave this origin.
    return any(ord(ch) <= 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in text)


def _decoded_forms(url: str) -> list[str]:
    # Percent-decode up to three times, so that a target which another hop
    # decodes again (``%2F%2Fevil.com``, ``%252F%252F``) is checked too.
    forms = [url]
    for _ in range(3):
        decoded = urllib.parse.unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    return forms


def _redirect_origin(url: str) -> Optional[str]:
    """Return the origin of an absolute http(s) URL, "" for a local path, None when unsafe."""
    if _has_forbidden_characters(url):
        return None

    if url.startswith("/"):
        # A path on this server, but ``//host`` is protocol-relative.
        return None if url.startswith("//") else ""

    match = _ABSOLUTE_URL_RE.match(url)
    if match is None:
        # ``javascript:``, ``https:evil.com``, ``evil.com`` and relative paths.
        return None

    authority = match.group(2).lower()
    if not authority or "@" in authority:
        return None
    return normalize_origin("%s://%s" % (match.group(1).lower(), authority))


def is_safe_redirect(url: Optional[str], own_origin: str, patterns: Iterable[str]) -> bool:
    """Return True when ``url`` leads to this server or to an allowed origin.

    Accepted: a path starting with a single ``/``, or an absolute http(s) URL
    whose origin is ``own_origin`` or matches ``patterns``.  Every percent-
    decoded form of the URL must pass the same test.
    """
    if not url:
        return False

    own = normalize_origin(own_origin)
    patterns = tuple(patterns)
    for form in _decoded_forms(url):
        origin = _redirect_origin(form)
        if origin is None:
            return False
        if origin and origin != own and not origin_allowed(origin, patterns):
            return False
    return True


def is_loopback_host(host: str) -> bool:
    """Return True for ``localhost`` and addresses in 127.0.0.0/8 or ::1."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_host_entry(entry: str) -> tuple[str, Optional[int]]:
    """Split a ``SALESFORCE_ALLOWED_HOSTS`` entry into host and optional port.

    Forms: ``host``, ``host:port``, ``[::1]``, ``[::1]:port``, ``::1`` and ``*.domain``.
    Raises ValueError for a port that is not a number.
    """
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else None
    elif entry.count(":") == 1:
        host, port = entry.split(":")
    else:
        host, port = entry, None
    return host, int(port) if port is not None else None


def _host_in_list(host: str, port: int, extra_hosts: Iterable[str]) -> bool:
    for entry in extra_hosts:
        if not entry.strip():
            continue

        try:
            entry_host, entry_port = parse_host_entry(entry)
        except ValueError:
            continue
        if entry_port is not None and entry_port != port:
            continue

        if entry_host.startswith("*."):
            if host.endswith(entry_host[1:]) and len(host) > len(entry_host) - 1:
                return True
        elif host == entry_host:
            return True
    return False


def salesforce_host_allowed(url: Optional[str], extra_hosts: Iterable[str] = ()) -> bool:
    """Return True when ``url`` may be used as a login server or instance URL.

    Salesforce's own domains over https (port 443) are allowed, plus hosts
    listed in ``extra_hosts`` (``SALESFORCE_ALLOWED_HOSTS``: ``host``,
    ``host:port`` or ``*.domain``).  Plain http is only allowed for loopback
    hosts from that list.
    """
    if not isinstance(url, str) or not url:
        return False

    # Every data call checks its session's instance URL, so the results for
    # short URLs are cached and that check costs a dictionary lookup.
    hosts = tuple(extra_hosts)
    if len(url) <= MAX_REMEMBERED_URL_LENGTH:
        return _remembered_host_allowed(url, hosts)
    return _salesforce_host_allowed(url, hosts)


@functools.lru_cache(maxsize=512)
def _remembered_host_allowed(url: str, extra_hosts: tuple[str, ...]) -> bool:
    return _salesforce_host_allowed(url, extra_hosts)


def _salesforce_host_allowed(url: str, extra_hosts: tuple[str, ...]) -> bool:
    if _has_forbidden_characters(url):
        return False

    match = _ABSOLUTE_URL_RE.match(url)
    if match is None or "@" in match.group(2):
        return False
    parsed = parse_origin("%s://%s" % (match.group(1).lower(), match.group(2).lower()))
    if parsed is None:
        return False

    scheme, host, port = parsed
    bare_host = host.strip("[]")
    if _host_in_list(bare_host, port, extra_hosts):
        return scheme == "https" or is_loopback_host(bare_host)

    if scheme != "https" or port != 443:
        return False
    return any(host.endswith("." + domain) or host == domain for domain in SALESFORCE_DOMAINS)


def host_header_allowed(value: Optional[str], proxy_hosts: Iterable[str], any_host: bool = False) -> bool:
    """Return True when ``value`` (a ``Host`` header) names this proxy.

    Loopback names and addresses always do, and so do hosts listed in
    ``proxy_hosts`` (``host``, ``host:port`` or ``*.domain``).  With
    ``any_host`` every well-formed host does.  An empty or malformed value
    never does.
    """
    parsed = parse_origin("http://" + value) if value else None
    if parsed is None:
        return False

    _, host, port = parsed
    bare_host = host.strip("[]")
    return any_host or is_loopback_host(bare_host) or _host_in_list(bare_host, port, proxy_hosts)


def url_origin(url: str) -> Optional[str]:
    """Return the canonical origin of an absolute http(s) URL, or None."""
    match = _ABSOLUTE_URL_RE.match(url or "")
    if match is None or "@" in match.group(2):
        return None
    return normalize_origin("%s://%s" % (match.group(1).lower(), match.group(2).lower()))
