"""OAuth 2.0 endpoints of the sandbox org over HTTP: forms, grants, PKCE, refresh, revoke, identity."""

import base64
import hashlib
import hmac
import re
import secrets
import urllib.parse

import pytest
import requests

from tornsf.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME

from .conftest import password_login

REDIRECT_URI = "http://127.0.0.1:5000/auth/callback"


def token_request(sandbox, **fields):
    return requests.post(sandbox.url + "/services/oauth2/token", data=fields)


def authorize(sandbox, username=DEMO_USERNAME, password=DEMO_PASSWORD, action="login", **params) -> requests.Response:
    """Submit the authorize form as a browser would, without following the redirect."""
    query = dict({"response_type": "code", "client_id": DEMO_CLIENT_ID, "redirect_uri": REDIRECT_URI,
                  "state": "xyz/=&"}, **params)
    page = requests.get(sandbox.url + "/services/oauth2/authorize", params=query)
    assert page.status_code == 200, page.text
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    form = dict({name: _unescape(value) for name, value in hidden.items()},
                username=username, password=password, action=action)
    return requests.post(sandbox.url + "/services/oauth2/authorize", data=form, allow_redirects=False)


def _unescape(value: str) -> str:
    return value.replace("&amp;", "&").replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace(
        "&#39;", "'")


def callback_params(response: requests.Response) -> dict:
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def web_login(sandbox, **params) -> dict:
    code = callback_params(authorize(sandbox, **params))["code"]
    response = token_request(sandbox, grant_type="authorization_code", code=code, client_id=DEMO_CLIENT_ID,
                             client_secret=DEMO_CLIENT_SECRET, redirect_uri=REDIRECT_URI)
    assert response.status_code == 200, response.text
    return response.json()


def data_status(sandbox, token: str) -> int:
    return requests.get(sandbox.url + "/services/data/v62.0/sobjects/",
                        headers={"Authorization": "Bearer " + token}).status_code


def test_password_grant_response_shape(sandbox):
    body = password_login(sandbox.url)
    assert set(body) == {"access_token", "signature", "instance_url", "id", "token_type", "issued_at"}
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == sandbox.url
    assert "expires_in" not in body
    assert "refresh_token" not in body


def test_access_token_looks_like_salesforce(sandbox):
    token = password_login(sandbox.url)["access_token"]
    assert re.fullmatch(r"00D[A-Za-z0-9]{12}!AQ[A-Za-z0-9._]+", token)
    assert 100 <= len(token) <= 120


def test_issued_at_is_milliseconds_string(sandbox):
    issued_at = password_login(sandbox.url)["issued_at"]
    assert isinstance(issued_at, str)
    assert re.fullmatch(r"\d{13}", issued_at)


def test_signature_is_hmac_of_id_and_issued_at(sandbox):
    body = password_login(sandbox.url)
    expected = hmac.new(DEMO_CLIENT_SECRET.encode(), (body["id"] + body["issued_at"]).encode(), hashlib.sha256)
    assert body["signature"] == base64.b64encode(expected.digest()).decode()


def test_id_url_ends_with_org_and_user(sandbox):
    identity = password_login(sandbox.url)["id"]
    match = re.fullmatch(re.escape(sandbox.url) + r"/id/(00D[A-Za-z0-9]{15})/(005[A-Za-z0-9]{15})", identity)
    assert match, identity
    assert password_login(sandbox.url)["access_token"].startswith(match.group(1)[:15] + "!")


def test_client_secret_by_basic_auth(sandbox):
    response = requests.post(sandbox.url + "/services/oauth2/token",
                             data={"grant_type": "password", "username": DEMO_USERNAME, "password": DEMO_PASSWORD},
                             auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
    assert response.status_code == 200
    assert "access_token" in response.json()


@pytest.mark.parametrize("fields, error", [
    ({"client_id": "someone-else"}, "invalid_client_id"),
    ({"client_secret": "wrong"}, "invalid_client"),
    ({"password": "wrong"}, "invalid_grant"),
    ({"username": "nobody@example.com"}, "invalid_grant"),
    ({"grant_type": "magic"}, "unsupported_grant_type"),
])
def test_password_grant_errors(sandbox, fields, error):
    data = dict({"grant_type": "password", "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
                 "username": DEMO_USERNAME, "password": DEMO_PASSWORD}, **fields)
    response = token_request(sandbox, **data)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_bad_password_error_description(sandbox):
    response = token_request(sandbox, grant_type="password", client_id=DEMO_CLIENT_ID,
                             client_secret=DEMO_CLIENT_SECRET, username=DEMO_USERNAME, password="nope")
    assert response.json() == {"error": "invalid_grant", "error_description": "authentication failure"}


def test_token_body_must_be_form_encoded(sandbox):
    response = requests.post(sandbox.url + "/services/oauth2/token", json={
        "grant_type": "password", "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
        "username": DEMO_USERNAME, "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_authorize_shows_login_form(sandbox):
    page = requests.get(sandbox.url + "/services/oauth2/authorize", params={
        "response_type": "code", "client_id": DEMO_CLIENT_ID, "redirect_uri": REDIRECT_URI, "state": "<s>"})
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert 'name="username"' in page.text
    assert 'name="password"' in page.text
    assert "&lt;s&gt;" in page.text
    assert "<s>" not in page.text


def test_authorize_redirects_with_code_and_state(sandbox):
    params = callback_params(authorize(sandbox))
    assert params["state"] == "xyz/=&"
    assert params["code"].endswith("==")


def test_code_exchange_returns_refresh_token(sandbox):
    body = web_login(sandbox)
    assert body["refresh_token"].startswith("5Aep861")
    assert body["scope"] == "api refresh_token id"
    assert body["instance_url"] == sandbox.url
    assert data_status(sandbox, body["access_token"]) == 200


def test_scope_without_refresh_gives_no_refresh_token(sandbox):
    body = web_login(sandbox, scope="api id")
    assert "refresh_token" not in body
    assert body["scope"] == "api id"


def test_code_is_single_use(sandbox):
    code = callback_params(authorize(sandbox))["code"]
    fields = dict(grant_type="authorization_code", code=code, client_id=DEMO_CLIENT_ID,
                  client_secret=DEMO_CLIENT_SECRET, redirect_uri=REDIRECT_URI)
    assert token_request(sandbox, **fields).status_code == 200
    second = token_request(sandbox, **fields)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_code_exchange_needs_same_redirect_uri(sandbox):
    code = callback_params(authorize(sandbox))["code"]
    response = token_request(sandbox, grant_type="authorization_code", code=code, client_id=DEMO_CLIENT_ID,
                             client_secret=DEMO_CLIENT_SECRET, redirect_uri="http://127.0.0.1:5000/other")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_exchange_with_wrong_secret(sandbox):
    code = callback_params(authorize(sandbox))["code"]
    response = token_request(sandbox, grant_type="authorization_code", code=code, client_id=DEMO_CLIENT_ID,
                             client_secret="wrong", redirect_uri=REDIRECT_URI)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def pkce_pair() -> tuple:
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def test_pkce_s256_succeeds_with_verifier(sandbox):
    verifier, challenge = pkce_pair()
    code = callback_params(authorize(sandbox, code_challenge=challenge, code_challenge_method="S256"))["code"]
    response = token_request(sandbox, grant_type="authorization_code", code=code, client_id=DEMO_CLIENT_ID,
                             redirect_uri=REDIRECT_URI, code_verifier=verifier)
    assert response.status_code == 200, response.text


def test_pkce_wrong_verifier_is_invalid_request(sandbox):
    _, challenge = pkce_pair()
    code = callback_params(authorize(sandbox, code_challenge=challenge))["code"]
    response = token_request(sandbox, grant_type="authorization_code", code=code, client_id=DEMO_CLIENT_ID,
                             client_secret=DEMO_CLIENT_SECRET, redirect_uri=REDIRECT_URI, code_verifier="wrong")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_pkce_missing_verifier_is_invalid_grant(sandbox):
    _, challenge = pkce_pair()
    code = callback_params(authorize(sandbox, code_challenge=challenge))["code"]
    response = token_request(sandbox, grant_type="authorization_code", code=code, client_id=DEMO_CLIENT_ID,
                             client_secret=DEMO_CLIENT_SECRET, redirect_uri=REDIRECT_URI)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_wrong_login_shows_form_again(sandbox):
    response = authorize(sandbox, password="wrong")
    assert response.status_code == 200
    assert 'id="error"' in response.text


def test_deny_redirects_with_access_denied(sandbox):
    params = callback_params(authorize(sandbox, action="deny"))
    assert params["error"] == "access_denied"
    assert params["state"] == "xyz/=&"


def test_unknown_client_gets_error_page(sandbox):
    response = requests.get(sandbox.url + "/services/oauth2/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": "other", "redirect_uri": REDIRECT_URI})
    assert response.status_code == 400
    assert "invalid_client_id" in response.text


def test_non_loopback_redirect_uri_is_rejected(sandbox):
    response = requests.get(sandbox.url + "/services/oauth2/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": DEMO_CLIENT_ID, "redirect_uri": "https://evil.example.com/cb"})
    assert response.status_code == 400
    assert "redirect_uri_mismatch" in response.text


def test_refresh_without_rotation_returns_no_refresh_token(sandbox):
    refresh_token = web_login(sandbox)["refresh_token"]
    response = token_request(sandbox, grant_type="refresh_token", refresh_token=refresh_token,
                             client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET)
    assert response.status_code == 200
    body = response.json()
    assert "refresh_token" not in body
    assert body["instance_url"] == sandbox.url
    assert data_status(sandbox, body["access_token"]) == 200


def test_refresh_with_rotation_invalidates_old_token(sandbox):
    sandbox.set_knobs(rotate_refresh_tokens=True)
    first = web_login(sandbox)["refresh_token"]
    fields = dict(grant_type="refresh_token", client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET)

    rotated = token_request(sandbox, refresh_token=first, **fields).json()
    second = rotated["refresh_token"]
    assert second != first
    assert data_status(sandbox, rotated["access_token"]) == 200

    reused = token_request(sandbox, refresh_token=first, **fields)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert token_request(sandbox, refresh_token=second, **fields).status_code == 400
    assert data_status(sandbox, rotated["access_token"]) == 401


def test_unknown_refresh_token_is_invalid_grant(sandbox):
    response = token_request(sandbox, grant_type="refresh_token", refresh_token="5Aep861nothing",
                             client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}


def test_revoke_access_token(sandbox):
    token = password_login(sandbox.url)["access_token"]
    response = requests.post(sandbox.url + "/services/oauth2/revoke", data={"token": token})
    assert response.status_code == 200
    assert data_status(sandbox, token) == 401


def test_revoke_refresh_token_revokes_its_access_tokens(sandbox):
    body = web_login(sandbox)
    assert requests.post(sandbox.url + "/services/oauth2/revoke", data={"token": body["refresh_token"]}).status_code == 200
    assert data_status(sandbox, body["access_token"]) == 401
    refresh = token_request(sandbox, grant_type="refresh_token", refresh_token=body["refresh_token"],
                            client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET)
    assert refresh.status_code == 400


def test_revoke_unknown_token_is_400(sandbox):
    response = requests.post(sandbox.url + "/services/oauth2/revoke", data={"token": "nope"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_token"


def test_identity_url_returns_user(sandbox):
    body = password_login(sandbox.url)
    response = requests.get(body["id"], headers={"Authorization": "Bearer " + body["access_token"]})
    assert response.status_code == 200
    identity = response.json()
    assert identity["username"] == DEMO_USERNAME
    assert identity["id"] == body["id"]
    assert body["id"].endswith("/" + identity["organization_id"] + "/" + identity["user_id"])
    assert identity["urls"]["rest"] == sandbox.url + "/services/data/v{version}/"


def test_identity_url_accepts_oauth_token_param(sandbox):
    body = password_login(sandbox.url)
    response = requests.get(body["id"], params={"format": "json", "oauth_token": body["access_token"],
                                                "version": "62.0"})
    assert response.status_code == 200
    assert response.json()["urls"]["query"] == sandbox.url + "/services/data/v62.0/query/"


def test_identity_with_bad_token_is_403(sandbox):
    identity = password_login(sandbox.url)["id"]
    response = requests.get(identity, headers={"Authorization": "Bearer bogus"})
    assert response.status_code == 403
    assert "Bad_OAuth_Token" in response.text


def test_userinfo_returns_claims(sandbox):
    token = password_login(sandbox.url)["access_token"]
    response = requests.get(sandbox.url + "/services/oauth2/userinfo", headers={"Authorization": "Bearer " + token})
    assert response.status_code == 200
    assert response.json()["preferred_username"] == DEMO_USERNAME
    assert response.json()["organization_id"].startswith("00D")


def test_userinfo_with_expired_token_is_403(sandbox):
    token = password_login(sandbox.url)["access_token"]
    sandbox.expire_tokens()
    response = requests.get(sandbox.url + "/services/oauth2/userinfo", headers={"Authorization": "Bearer " + token})
    assert response.status_code == 403
