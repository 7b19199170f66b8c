"""HTTP calls the runner makes itself: logins, stand-in admin calls, timed downloads, the storm."""

import asyncio
import http.client
import json
import time
import urllib.parse
import urllib.request

import tornado.httpclient
import tornado.simple_httpclient

RECORD_ID = "001000000000001AAA"
SESSION_COOKIE = "tornsf_session"


def request_json(method, url, body=None, headers=None, timeout=30):
    """Send one request and return the decoded JSON reply (any status) and the response."""
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")

    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        text = response.read().decode()
    return (json.loads(text) if text else None), response


def upstream_admin(upstream_url, method, path, body=None):
    reply, response = request_json(method, upstream_url + path, body)
    if response.status != 200:
        raise RuntimeError(f"stand-in {method} {path} failed with {response.status}: {reply}")
    return reply


def upstream_token(upstream_url):
    """Return a fresh access token straight from the stand-in's password grant."""
    form = urllib.parse.urlencode({
        "grant_type": "password", "client_id": "bench-client", "client_secret": "bench-client-secret",
        "username": "bench@example.com", "password": "bench",
    }).encode()
    with urllib.request.urlopen(upstream_url + "/services/oauth2/token", data=form, timeout=30) as response:
        return json.loads(response.read())["access_token"]


def proxy_login(proxy_url):
    """Log in through the proxy's password flow and return the sealed session value.

    The value comes from the JSON reply when it carries one, else from the session cookie.
    Both work as `Authorization: Bearer <value>`.
    """
    reply, response = request_json(
        "POST", proxy_url + "/login/password",
        body={"username": "bench@example.com", "password": "bench"},
        headers={"Accept": "application/json"},
    )
    if response.status != 200:
        raise RuntimeError(f"proxy login failed with {response.status}: {reply}")

    for key in ("session", "bearer", "token", "access_token"):
        if isinstance(reply, dict) and isinstance(reply.get(key), str):
            return reply[key]

    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        if name.strip() == SESSION_COOKIE:
            return rest.split(";", 1)[0].strip('"')
    raise RuntimeError(f"proxy login returned no session value: keys {sorted(reply or {})}")


def bearer_headers(session_value):
    return {"Authorization": f"Bearer {session_value}"}


def timed_download(url, headers, marker):
    """GET url and return timings in seconds (headers, first body byte, end) and marker count.

    The body is read with read1 so the first chunk is timed as soon as it arrives.
    """
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    target = parts.path + ("?" + parts.query if parts.query else "")
    body = bytearray()

    started = time.perf_counter()
    connection.request("GET", target, headers=headers)
    response = connection.getresponse()
    headers_at = time.perf_counter() - started
    first_byte_at = None
    while True:
        chunk = response.read1(1 << 16)
        if not chunk:
            break
        if first_byte_at is None:
            first_byte_at = time.perf_counter() - started
        body += chunk
    finished_at = time.perf_counter() - started
    connection.close()

    return {
        "status": response.status,
        "headers_s": headers_at,
        "first_byte_s": first_byte_at if first_byte_at is not None else finished_at,
        "total_s": finished_at,
        "bytes": len(body),
        "markers": body.count(marker),
    }


def fetch_pages_directly(upstream_url, access_token, soql):
    """Follow nextRecordsUrl on the stand-in one page at a time, and return each page's time in seconds.

    Each time runs from sending the request to the end of the body. Parsing the page for its
    next URL happens outside the timed part.
    """
    parts = urllib.parse.urlsplit(upstream_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Authorization": f"Bearer {access_token}"}
    target = "/services/data/v62.0/query?" + urllib.parse.urlencode({"q": soql})
    page_times = []

    while target:
        started = time.perf_counter()
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        body = response.read()
        page_times.append(time.perf_counter() - started)

        if response.status != 200:
            raise RuntimeError(f"stand-in query page failed with {response.status}: {body[:200]!r}")
        target = json.loads(body).get("nextRecordsUrl")
    connection.close()
    return page_times


async def _storm(url, headers, count):
    client = tornado.simple_httpclient.SimpleAsyncHTTPClient(force_instance=True, max_clients=count)
    request = tornado.httpclient.HTTPRequest(url, headers=headers, request_timeout=60, connect_timeout=30)
    try:
        started = time.perf_counter()
        responses = await asyncio.gather(
            *(client.fetch(request, raise_error=False) for _ in range(count))
        )
        elapsed = time.perf_counter() - started
    finally:
        client.close()

    statuses = {}
    for response in responses:
        statuses[response.code] = statuses.get(response.code, 0) + 1
    renewed = sum(1 for response in responses if "X-Tornsf-Session" in response.headers)
    return {"statuses": statuses, "renewed_sessions": renewed, "elapsed_s": elapsed}


def concurrent_gets(url, headers, count):
    """Send count GETs at once on count connections, and return status counts and elapsed time."""
    return asyncio.run(_storm(url, headers, count))
