"""Session renewal through the running proxy: one shared refresh, rotation, refusal, no loops."""

import concurrent.futures
import html.parser
import urllib.parse

import requests

from tests.fixtures.proxy import DEMO_PASSWORD, DEMO_USERNAME

ACCOUNTS = "/Account?q=SELECT+Id+FROM+Account+LIMIT+1"
SALESFORCE_SHAPES = {"X-Model-Dialect": "salesforce"}


class _LoginForm(html.parser.HTMLParser):
    """The sandbox authorize page's form action and hidden fields."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.action = attributes.get("action")
        if tag == "input" and attributes.get("type") == "hidden":
            self.fields[attributes["name"]] = attributes.get("value") or ""


def web_login(proxy_url):
    """Log in through the web-server flow and the sandbox form; return the cookie-carrying requests.Session."""
    client = requests.Session()
    page = client.get(proxy_url + "/login", timeout=30)
    assert page.status_code == 200, page.text

    form = _LoginForm()
    form.feed(page.text)
    fields = dict(form.fields, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    landing = client.post(urllib.parse.urljoin(page.url, form.action), data=fields, timeout=30)
    assert landing.status_code == 200, landing.text
    assert landing.url.startswith(proxy_url)
    return client


def web_bearer(proxy_url):
    """Return the sealed value of a web-server-flow session (it has a refresh token)."""
    client = web_login(proxy_url)
    value = client.cookies.get("tornsf_session")
    client.close()
    return value.strip('"')


def get_accounts(proxy, sealed):
    headers = dict(SALESFORCE_SHAPES, Authorization="Bearer " + sealed)
    return requests.get(proxy.url + ACCOUNTS, headers=headers, timeout=60)


def refresh_grants(sandbox):
    """Return the bodies of the refresh_token grants the sandbox received."""
    return [
        entry["body"]
        for entry in sandbox.calls()["log"]
        if entry["path"] == "/services/oauth2/token" and "grant_type=refresh_token" in entry["body"]
    ]


def test_concurrent_requests_share_one_refresh(proxy, sandbox):
    sealed = web_bearer(proxy.url)
    sandbox.reset_calls()
    sandbox.expire_tokens()

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(lambda _: get_accounts(proxy, sealed), range(12)))

    assert [response.status_code for response in responses] == [200] * 12
    assert len(refresh_grants(sandbox)) == 1
    for response in responses:
        assert response.headers.get("X-Tornsf-Session")


def test_renewed_session_needs_no_refresh(proxy, sandbox):
    sealed = web_bearer(proxy.url)
    sandbox.expire_tokens()
    renewed = get_accounts(proxy, sealed).headers["X-Tornsf-Session"]
    sandbox.reset_calls()

    response = get_accounts(proxy, renewed)

    assert response.status_code == 200
    assert refresh_grants(sandbox) == []
    assert "X-Tornsf-Session" not in response.headers


def test_cookie_client_gets_renewed_cookie(proxy, sandbox):
    client = web_login(proxy.url)
    old_cookie = client.cookies.get("tornsf_session")
    sandbox.expire_tokens()

    response = client.get(proxy.url + ACCOUNTS, headers=SALESFORCE_SHAPES, timeout=30)

    assert response.status_code == 200
    assert "tornsf_session=" in response.headers["Set-Cookie"]
    assert client.cookies.get("tornsf_session") != old_cookie
    assert len(refresh_grants(sandbox)) == 1
    client.close()


def test_rotated_refresh_token_is_kept(proxy, sandbox):
    sandbox.set_knobs(rotate_refresh_tokens=True)
    sealed = web_bearer(proxy.url)

    sandbox.expire_tokens()
    first = get_accounts(proxy, sealed)
    sandbox.expire_tokens()
    second = get_accounts(proxy, first.headers["X-Tornsf-Session"])

    assert first.status_code == 200
    assert second.status_code == 200
    grants = refresh_grants(sandbox)
    assert len(grants) == 2
    tokens = [urllib.parse.parse_qs(body)["refresh_token"][0] for body in grants]
    assert tokens[0] != tokens[1]


def test_refused_refresh_gives_session_expired(proxy, sandbox):
    sealed = web_bearer(proxy.url)
    sandbox.set_knobs(refuse_refresh=True)
    sandbox.expire_tokens()
    sandbox.reset_calls()

    response = get_accounts(proxy, sealed)

    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"
    assert "/login" in response.json()["message"]
    assert len(refresh_grants(sandbox)) == 1


def test_second_rejection_does_not_loop(proxy, sandbox):
    sealed = web_bearer(proxy.url)
    sandbox.set_knobs(always_401=True)
    sandbox.reset_calls()

    response = get_accounts(proxy, sealed)

    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"
    assert "/login" in response.json()["message"]
    assert len(refresh_grants(sandbox)) == 1
    assert sandbox.count("GET", "/services/data/") == 2


def test_password_session_expires_without_refresh(proxy, sandbox, bearer):
    sandbox.expire_tokens()
    sandbox.reset_calls()

    response = get_accounts(proxy, bearer)

    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"
    assert "/login" in response.json()["message"]
    assert sandbox.count("POST", "/services/oauth2/token") == 0


def test_old_session_after_finished_refresh(proxy, sandbox):
    """A request still carrying the old session after a refresh reuses it, then refreshes if that expired too."""
    sealed = web_bearer(proxy.url)
    sandbox.expire_tokens()
    assert get_accounts(proxy, sealed).status_code == 200

    reused = get_accounts(proxy, sealed)
    assert reused.status_code == 200
    assert len(refresh_grants(sandbox)) == 1

    sandbox.expire_tokens()
    again = get_accounts(proxy, sealed)
    assert again.status_code == 200
    assert len(refresh_grants(sandbox)) == 2
